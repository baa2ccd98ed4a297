"""uint16, uint32 and uint64: PyTorch's limited unsigned dtypes, against PyTorch.

PyTorch stores, converts, views, indexes, prints and saves them, but refuses to promote them
with any other integer or bool type. A 16-bit image (PIL mode ``I;16``) becomes a uint16
tensor in ``PILToTensor``.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
import torchvision.transforms as tv_transforms
from PIL import Image

import minitorch
import minitorch.vision.transforms as transforms

UNSIGNED = ["uint16", "uint32", "uint64"]
VALUES = {"uint16": [0, 1, 65535], "uint32": [0, 7, 2**32 - 1], "uint64": [0, 9, 2**64 - 1]}


def both(name: str):
    return getattr(torch, name), getattr(minitorch, name)


def assert_same(ours: minitorch.Tensor, theirs: torch.Tensor) -> None:
    assert str(ours.dtype).removeprefix("minitorch.") == str(theirs.dtype).removeprefix("torch.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("name", UNSIGNED)
def test_unsigned_tensors_hold_their_whole_range(name):
    theirs_dtype, ours_dtype = both(name)
    theirs = torch.tensor(VALUES[name], dtype=theirs_dtype)
    ours = minitorch.tensor(VALUES[name], dtype=ours_dtype)
    assert_same(ours, theirs)
    assert repr(ours).replace("minitorch.", "torch.") == repr(theirs)
    assert ours.dtype.is_signed is theirs.dtype.is_signed is False
    assert ours.element_size() == theirs.element_size()
    assert ours.type().removeprefix("minitorch.") == theirs.type().removeprefix("torch.")
    assert ours[2].item() == theirs[2].item()


@pytest.mark.parametrize("name", UNSIGNED)
def test_unsigned_tensors_convert_view_and_join(name):
    theirs_dtype, ours_dtype = both(name)
    theirs = torch.tensor([[1, 2, 3], [4, 5, 6]]).to(theirs_dtype)
    ours = minitorch.tensor([[1, 2, 3], [4, 5, 6]]).to(ours_dtype)
    assert_same(ours, theirs)
    assert_same(ours.float(), theirs.float())
    assert_same(ours.to(minitorch.int32), theirs.to(torch.int32))
    assert_same(ours.T.contiguous(), theirs.T.contiguous())
    assert_same(ours.view(3, 2), theirs.view(3, 2))
    assert_same(minitorch.cat([ours, ours]), torch.cat([theirs, theirs]))
    assert_same(minitorch.stack([ours, ours]), torch.stack([theirs, theirs]))
    assert_same(ours == 2, theirs == 2)
    assert_same(ours.sum(), theirs.sum())
    assert_same(ours * 1.5, theirs * 1.5)
    assert_same(ours / 2, theirs / 2)
    assert np.array_equal(ours.numpy(), theirs.numpy())
    assert ours.numpy().dtype == theirs.numpy().dtype


@pytest.mark.parametrize("name", UNSIGNED)
@pytest.mark.parametrize("other", ["bool", "uint8", "int16", "int64", "uint16", "uint32"])
def test_promotion_with_integers_is_refused_as_in_torch(name, other):
    if other == name:
        return
    theirs = (torch.ones(2, dtype=getattr(torch, name)), torch.ones(2, dtype=getattr(torch, other)))
    ours = (
        minitorch.ones(2, dtype=getattr(minitorch, name)),
        minitorch.ones(2, dtype=getattr(minitorch, other)),
    )
    with pytest.raises(RuntimeError) as expected:
        torch.promote_types(theirs[0].dtype, theirs[1].dtype)
    with pytest.raises(RuntimeError) as got:
        minitorch.promote_types(ours[0].dtype, ours[1].dtype)
    assert str(got.value) == str(expected.value)
    with pytest.raises(RuntimeError, match="Promotion for uint16, uint32, uint64"):
        ours[0] + ours[1]


@pytest.mark.parametrize("name", UNSIGNED)
@pytest.mark.parametrize("floating", ["float16", "float32", "float64"])
def test_promotion_with_floats_is_the_float(name, floating):
    expected = torch.promote_types(getattr(torch, name), getattr(torch, floating))
    got = minitorch.promote_types(getattr(minitorch, name), getattr(minitorch, floating))
    assert repr(got).removeprefix("minitorch.") == repr(expected).removeprefix("torch.")


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.tensor([70000], dtype=m.uint16),
        lambda m: m.tensor([-70000], dtype=m.uint16),
        lambda m: m.full((1,), 70000, dtype=m.uint16),
    ],
)
def test_overflowing_values_are_refused_as_in_torch(make):
    with pytest.raises(RuntimeError) as expected:
        make(torch)
    with pytest.raises(RuntimeError) as got:
        make(minitorch)
    assert str(got.value) == str(expected.value)


def test_negative_values_wrap_as_in_torch():
    assert_same(
        minitorch.tensor([-1], dtype=minitorch.uint16), torch.tensor([-1], dtype=torch.uint16)
    )
    assert_same(
        minitorch.full((1,), -1, dtype=minitorch.uint32), torch.full((1,), -1, dtype=torch.uint32)
    )


def test_factories_refuse_requires_grad_on_integers_with_torchs_message():
    for make in (
        lambda m: m.ones(2, dtype=m.uint16, requires_grad=True),
        lambda m: m.zeros(2, dtype=m.int64, requires_grad=True),
    ):
        with pytest.raises(RuntimeError) as expected:
            make(torch)
        with pytest.raises(RuntimeError) as got:
            make(minitorch)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("numpy_dtype", [np.uint16, np.uint32, np.uint64])
def test_from_numpy_keeps_unsigned_arrays(numpy_dtype):
    array = np.array([[1, 2], [3, np.iinfo(numpy_dtype).max]], dtype=numpy_dtype)
    assert_same(minitorch.from_numpy(array), torch.from_numpy(array))


@pytest.mark.parametrize("convert", ["from_numpy", "as_tensor", "tensor"])
def test_a_non_native_byte_order_is_refused_as_in_torch(convert):
    array = np.array([1, 2], dtype=">u2" if np.little_endian else "<u2")
    with pytest.raises(ValueError) as expected:
        getattr(torch, convert)(array)
    with pytest.raises(ValueError) as got:
        getattr(minitorch, convert)(array)
    assert str(got.value) == str(expected.value)


def sixteen_bit_image(mode: str) -> Image.Image:
    values = np.array([[0, 1, 300], [40000, 65535, 7]], dtype=np.uint16)
    order = "<u2" if mode in ("I;16", "I;16L") else ">u2"
    return Image.frombytes(mode, (3, 2), values.astype(order).tobytes())


@pytest.mark.parametrize("mode", ["I;16", "I;16L"])
def test_pil_to_tensor_of_a_16_bit_image_is_uint16_as_in_torchvision(mode):
    image = sixteen_bit_image(mode)
    assert_same(transforms.PILToTensor()(image), tv_transforms.PILToTensor()(image))
    assert_same(transforms.ToTensor()(image), tv_transforms.ToTensor()(image))


def test_pil_to_tensor_of_a_big_endian_image_fails_as_in_torchvision():
    image = sixteen_bit_image("I;16B")
    with pytest.raises(ValueError) as expected:
        tv_transforms.PILToTensor()(image)
    with pytest.raises(ValueError) as got:
        transforms.PILToTensor()(image)
    assert str(got.value) == str(expected.value)


def unsigned_state(module):
    return {
        "u16": module.tensor([1, 65535], dtype=module.uint16),
        "u32": module.tensor([[5, 6], [7, 8]], dtype=module.uint32).T,
        "u64": module.tensor([2**64 - 1], dtype=module.uint64),
        "f32": module.tensor([1.5]),
    }


def test_unsigned_tensors_saved_by_minitorch_load_in_torch(tmp_path):
    minitorch.save(unsigned_state(minitorch), tmp_path / "u.pt")
    loaded = torch.load(tmp_path / "u.pt", weights_only=True)
    for key, value in unsigned_state(torch).items():
        assert loaded[key].dtype == value.dtype and loaded[key].tolist() == value.tolist(), key


@pytest.mark.parametrize("weights_only", [True, False])
def test_unsigned_tensors_saved_by_torch_load_in_minitorch(weights_only):
    buffer = io.BytesIO()
    torch.save(unsigned_state(torch), buffer)
    buffer.seek(0)
    loaded = minitorch.load(buffer, weights_only=weights_only)
    for key, value in unsigned_state(torch).items():
        assert_same(loaded[key], value)


def test_an_untyped_storage_of_partial_elements_is_refused():
    from minitorch.serialization import Storage, _rebuild_tensor_v3

    storage = Storage(np.zeros(3, np.uint8), "cpu")
    with pytest.raises(RuntimeError, match="does not hold whole elements"):
        _rebuild_tensor_v3(storage, 0, (1,), (1,), False, None, minitorch.uint16)
