"""The Tensor noun against PyTorch: dtype inference, creation functions, attributes, conversions."""

import copy
import math
import pickle

import numpy as np
import pytest
import torch
from _outcomes import assert_same_outcome
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import Input, assert_parity, assert_same_error, strategies


def same_dtype(ours, theirs) -> bool:
    return str(ours.dtype).removeprefix("minitorch.") == str(theirs.dtype).removeprefix("torch.")


# ------------------------------------------------------------------ dtype inference
INFERENCE = [
    [1, 2],
    [1.0],
    [True, False],
    [[1, 2], [3, 4]],
    [1, 2.5],
    [True, 2],
    3,
    2.5,
    False,
    [],
    [[]],
    np.array([1.0, 2.0]),  # float64 numpy stays float64
    np.array([1.0], np.float32),
    np.array([1, 2], np.int32),
    np.array([1, 2], np.uint8),
    np.array([True]),
    np.float64(2.5),
    np.int64(4),
]


@pytest.mark.parametrize("data", INFERENCE, ids=repr)
def test_tensor_infers_dtype_like_pytorch(data):
    ours, theirs = minitorch.tensor(data), torch.tensor(data)
    assert same_dtype(ours, theirs) and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_tensor_copies_its_data_and_as_tensor_and_from_numpy_share_it():
    array = np.zeros(3)
    copied, shared, also_shared = (
        minitorch.tensor(array),
        minitorch.from_numpy(array),
        minitorch.as_tensor(array),
    )
    array[0] = 7.0
    assert copied[0].item() == 0.0 and shared[0].item() == 7.0 and also_shared[0].item() == 7.0


def test_tensor_of_tensors_and_bad_data():
    assert minitorch.tensor([minitorch.tensor(1.0), minitorch.tensor(2.0)]).tolist() == [1.0, 2.0]
    assert_same_error(lambda t: t.tensor([[1, 2], [3]]))
    assert_same_error(lambda t: t.tensor("abc"))


# ------------------------------------------------------------------ creation functions
CREATION = [
    lambda t: t.zeros(2, 3),
    lambda t: t.zeros((2, 3), dtype=t.int64),
    lambda t: t.ones([4]),
    lambda t: t.ones(2, 1, dtype=t.float64),
    lambda t: t.full((2, 2), 7),
    lambda t: t.full((2,), 1.5),
    lambda t: t.full((2,), True),
    lambda t: t.arange(5),
    lambda t: t.arange(1, 4, 0.5),
    lambda t: t.arange(0.0, 1.0, 0.25),
    lambda t: t.arange(10, 0, -3),
    lambda t: t.linspace(0, 1, 5),
    lambda t: t.eye(3),
    lambda t: t.eye(2, 3, dtype=t.int64),
    lambda t: t.zeros_like(t.ones(2, 3, dtype=t.int32)),
    lambda t: t.ones_like(t.zeros(3)),
    lambda t: t.full_like(t.zeros(2), 4.0),
    lambda t: t.empty(2, 3).shape,
]


@pytest.mark.parametrize("make", CREATION)
def test_creation_functions_match_pytorch(make):
    ours, theirs = make(minitorch), make(torch)
    if isinstance(theirs, torch.Size):
        assert tuple(ours) == tuple(theirs)
        return
    assert same_dtype(ours, theirs) and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda t, g: t.rand(3, 4),
        lambda t, g: t.randn(2, 3, dtype=t.float64),
        lambda t, g: t.randint(0, 10, (5,)),
        lambda t, g: t.randint(7, (2, 2)),
        lambda t, g: t.randperm(6),
        lambda t, g: t.rand_like(t.zeros(2, 2)),
        lambda t, g: t.randn(4, generator=g),
    ],
)
def test_random_functions_shapes_dtypes_and_reproducibility(make):
    ours, theirs = make(minitorch, minitorch.Generator()), make(torch, torch.Generator())
    assert same_dtype(ours, theirs) and tuple(ours.shape) == tuple(theirs.shape)
    minitorch.manual_seed(123)
    first = make(minitorch, minitorch.Generator().manual_seed(5)).numpy().copy()
    minitorch.manual_seed(123)
    second = make(minitorch, minitorch.Generator().manual_seed(5)).numpy()
    np.testing.assert_array_equal(first, second)


def test_random_values_have_the_right_distribution():
    minitorch.manual_seed(0)
    uniform, normal = minitorch.rand(20000), minitorch.randn(20000)
    assert uniform.min().item() >= 0.0 and uniform.max().item() < 1.0
    assert abs(uniform.mean().item() - 0.5) < 0.01 and abs(normal.std().item() - 1.0) < 0.02
    assert sorted(minitorch.randperm(10).tolist()) == list(range(10))


CREATION_ERRORS = [
    lambda t: t.zeros(-1, 2),
    lambda t: t.arange(0, 5, 0),
    lambda t: t.arange(5, 0, 1),
    lambda t: t.randint(5, 2, (2,)),
]


@pytest.mark.parametrize("make", CREATION_ERRORS)
def test_creation_errors(make):
    assert_same_error(make)


# ------------------------------------------------------------------ attributes and conversions
def test_attributes_match_pytorch():
    def describe(t):
        x = t.arange(24.0).reshape(2, 3, 4)
        return [
            tuple(x.shape),
            tuple(x.size()),
            x.size(1),
            x.size(-1),
            x.dim(),
            x.ndim,
            x.numel(),
            x.nelement(),
            x.element_size(),
            x.stride(),
            x.stride(0),
            x.is_contiguous(),
            x.transpose(0, 2).is_contiguous(),
            x.is_floating_point(),
            x.requires_grad,
            x.is_leaf,
            len(x),
            x.device.type,
            x.is_cuda,
        ]

    assert describe(minitorch) == describe(torch)


def test_item_tolist_numpy_and_python_conversions():
    def convert(t):
        x = t.tensor([[1.5, -2.0], [3.0, 4.25]])
        i = t.tensor([7])
        return [
            x[0, 0].item(),
            i.item(),
            x.tolist(),
            x[1].tolist(),
            x.numpy().tolist(),
            float(x[1, 1]),
            int(x[1, 0]),
            bool(x[0, 0]),
            int(i),
            [1, 2, 3][t.tensor(1)],
            x.float().dtype == t.float32,
            x.long().tolist(),
            x.double().dtype == t.float64,
            x.int().tolist(),
            x.bool().tolist(),
            x.to(t.int64).tolist(),
            x.to(t.float64).dtype == t.float64,
            x.to("cpu") is x,
            x.to(x).dtype == t.float32,
            x.type(t.int64).tolist(),
        ]

    assert convert(minitorch) == convert(torch)


CONVERSION_ERRORS = [
    lambda t: t.ones(2).item(),
    lambda t: bool(t.ones(2)),
    lambda t: len(t.tensor(1.0)),
    lambda t: iter(t.tensor(1.0)),
    lambda t: [1, 2][t.tensor(1.5)],
    lambda t: t.ones(2, requires_grad=True).numpy(),
]


@pytest.mark.parametrize("call", CONVERSION_ERRORS)
def test_conversion_errors(call):
    assert_same_error(call)


@pytest.mark.parametrize(
    "call",
    [
        lambda: minitorch.ones(2).to("cuda"),
        lambda: minitorch.ones(2).to(minitorch.device("cuda", 0)),
        lambda: minitorch.ones(2).cuda(),
        lambda: minitorch.ones(2, device="cuda"),
    ],
)
def test_cuda_is_refused_naming_the_torch_backend(call):
    # PyTorch refuses CUDA only on a machine without a GPU; minitorch always does.
    with pytest.raises(RuntimeError, match="torch_backend"):
        call()


def test_to_keeps_the_graph_and_converts_the_gradient_back():
    assert_parity(lambda t, a: a.to(t.float64) * 2, np.array([1.0, 2.0], np.float32))
    assert_parity(lambda t, a: a.double().float().sum(), np.array([1.0, 2.0], np.float32))


def test_numpy_shares_memory_and_detach_numpy_works():
    x = minitorch.zeros(3)
    x.numpy()[1] = 5.0
    assert x.tolist() == [0.0, 5.0, 0.0]
    y = minitorch.ones(2, requires_grad=True)
    assert y.detach().numpy().tolist() == [1.0, 1.0]


def test_iteration_yields_rows():
    x = np.arange(6.0).reshape(3, 2)
    assert_parity(lambda t, a: tuple(row * 2 for row in a), x)


def test_deepcopy_and_pickle_round_trip():
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    clone = copy.deepcopy(x)
    assert clone.tolist() == [1.0, 2.0] and clone.requires_grad and clone is not x
    restored = pickle.loads(pickle.dumps(x))
    assert restored.tolist() == [1.0, 2.0] and restored.requires_grad


def test_legacy_constructor():
    assert minitorch.Tensor([1, 2]).dtype is minitorch.float32
    assert tuple(minitorch.Tensor(2, 3).shape) == (2, 3)


def test_size_is_a_tuple():
    size = minitorch.zeros(2, 3).shape
    assert size == (2, 3) and size.numel() == 6 and isinstance(size[0:1], minitorch.Size)
    assert repr(size) == "minitorch.Size([2, 3])"


def test_is_tensor_and_input_wrapper():
    assert minitorch.is_tensor(minitorch.zeros(1)) and not minitorch.is_tensor(np.zeros(1))
    assert_parity(lambda t, a, b: a * b, np.ones(2), Input(np.ones(2), requires_grad=False))


# ------------------------------------------------------------------ memory formats
def test_memory_formats_are_pytorchs():
    for name in ("contiguous_format", "preserve_format", "channels_last", "channels_last_3d"):
        fmt = getattr(minitorch, name)
        assert repr(fmt) == str(fmt) == f"minitorch.{name}" and type(fmt) is minitorch.memory_format
        assert pickle.loads(pickle.dumps(fmt)) is fmt and copy.deepcopy(fmt) is fmt
    assert "memory_format" in minitorch.__all__
    assert_same_error(lambda t: t.memory_format())


@st.composite
def strided_views(draw: st.DrawFn) -> tuple[np.ndarray, tuple, tuple, tuple]:
    """A 4-D array and how to view it: a permutation, then steps along each dim, then maybe an
    expansion of all its size-1 dims (all of them kinds of strides a tensor meets). A size-1
    dim is not left beside an expanded one: numpy's ``broadcast_to`` gives it stride 0, where
    PyTorch's ``expand`` keeps its stride, and the order of a copy's dims could then differ."""
    shape = draw(strategies.shapes(min_dims=4, max_dims=4, max_side=3))
    order = tuple(draw(st.permutations(range(4))))
    steps = tuple(draw(st.lists(st.integers(1, 2), min_size=4, max_size=4)))
    viewed = tuple(len(range(0, shape[d], s)) for d, s in zip(order, steps, strict=True))
    expanded = tuple(2 if n == 1 else n for n in viewed) if draw(st.booleans()) else None
    return np.arange(math.prod(shape), dtype=np.float32).reshape(shape), order, steps, expanded


LAYOUT_CALLS = [
    lambda t, v: v.clone(),  # preserve_format: the view's own order of dims
    lambda t, v: v.clone(memory_format=t.channels_last),
    lambda t, v: v.clone(memory_format=t.contiguous_format),
    lambda t, v: v.double(),
    lambda t, v: v.to(t.float16, memory_format=t.channels_last),
    lambda t, v: v.to(memory_format=t.channels_last),  # the view itself where it is channels-last
    lambda t, v: v.to(memory_format=t.contiguous_format),
    lambda t, v: v.contiguous(),
    lambda t, v: v.contiguous(memory_format=t.channels_last),
    lambda t, v: v.short(memory_format=t.preserve_format),
    lambda t, v: v.to(memory_format=t.channels_last) * 2,  # elementwise ops keep the layout
    lambda t, v: v.to(memory_format=t.channels_last).contiguous(),
]


@pytest.mark.parametrize("call", LAYOUT_CALLS)
@given(view=strided_views())
def test_copies_are_laid_out_as_pytorch_lays_them_out(call, view):
    array, order, steps, expanded = view
    outcomes = []
    for lib in (minitorch, torch):
        x = lib.tensor(array).permute(*order)[tuple(slice(None, None, s) for s in steps)]
        x = x if expanded is None else x.expand(*expanded)
        out = call(lib, x)
        outcomes.append(
            (
                out.tolist(),
                str(out.dtype).split(".")[-1],
                # the strides that matter: a size-1 dim's stride is no layout (and numpy's
                # broadcast_to gives it 0 where PyTorch's expand keeps it)
                [stride for stride, n in zip(out.stride(), out.shape, strict=True) if n > 1],
                out is x,
                out.is_contiguous(),
                out.is_contiguous(memory_format=lib.channels_last),
            )
        )
    assert outcomes[0] == outcomes[1]


MEMORY_FORMAT_CALLS = [
    lambda t, a: a.to(memory_format=t.channels_last),  # rank 4 only
    lambda t, a: a[0].to(memory_format=t.channels_last),
    lambda t, a: a[None].to(memory_format=t.channels_last_3d),
    lambda t, a: a.float(memory_format=1),
    lambda t, a: a.float(memory_format=None),
    lambda t, a: a[0].clone(memory_format=t.channels_last),
    lambda t, a: a.clone(memory_format=1),
    lambda t, a: a.contiguous(memory_format=None),
    lambda t, a: a.contiguous(memory_format=t.preserve_format),  # fine where it is contiguous
    lambda t, a: a.permute(0, 2, 3, 1).contiguous(memory_format=t.preserve_format),
    lambda t, a: a.is_contiguous(memory_format=t.preserve_format),
    lambda t, a: a.is_contiguous(memory_format=1),
    lambda t, a: a[0].is_contiguous(memory_format=t.channels_last),
    lambda t, a: t.zeros(2, 1, 3, 4).is_contiguous(memory_format=t.channels_last),
    lambda t, a: a.to(t.float64, False, True),  # non_blocking, copy
    lambda t, a: a.to(memory_format=t.channels_last, copy=True).stride(),
]


@pytest.mark.parametrize("call", MEMORY_FORMAT_CALLS)
def test_memory_format_arguments_follow_pytorch(call):
    assert_same_outcome(call, Input(np.arange(24.0).reshape(1, 2, 3, 4), requires_grad=False))


def test_channels_last_conversions_keep_the_graph():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    assert_parity(lambda t, a: a.to(memory_format=t.channels_last) * a, x)
    assert_parity(lambda t, a: a.clone(memory_format=t.channels_last).exp(), x)
    assert_parity(lambda t, a: a.float(memory_format=t.channels_last), x)
    y = minitorch.tensor(x, requires_grad=True)
    assert y.to(memory_format=minitorch.channels_last).grad_fn.name() == "ToCopyBackward0"
    assert y.contiguous(memory_format=minitorch.channels_last).grad_fn.name() == "CloneBackward0"


def test_short_and_char():
    x = np.array([1.5, -2.5, 300.0])
    assert_parity(lambda t, a: (a.short(), a.char(), a.byte()), Input(x, requires_grad=False))


def test_resize_keeps_the_storage_where_it_fits():
    seen = []
    for lib in (minitorch, torch):
        x = lib.zeros(2, 3)
        view = x.view(6)
        assert x.resize_(3, 2) is x
        x.fill_(1.0)  # through the same storage as the view
        grown = lib.zeros(2).resize_(4)
        transposed = x.t().resize_(2, 3)  # the same shape: nothing changes
        seen.append(
            [x.stride(), x._version, view.tolist(), x.resize_((1, 2)).tolist(), x.stride()]
            + [grown.shape, grown[:2].tolist(), transposed.stride(), x.t().resize_(3, 1).stride()]
        )
    assert seen[0] == seen[1]
    assert_same_error(lambda t: t.zeros(3, requires_grad=True).resize_(5))


@pytest.mark.parametrize(
    "values",
    [
        ([1.0, 2.0, 3.0], [9.0, 8.0, 7.0]),
        ([True, False, True], [True, True, False]),  # bool values: a swap would pass silently
    ],
)
def test_tensor_where_keeps_self_where_the_condition_holds_as_torch(values):
    x, y = values
    condition = [False, True, True]
    expected = torch.tensor(x).where(torch.tensor(condition), torch.tensor(y))
    got = minitorch.tensor(x).where(minitorch.tensor(condition), minitorch.tensor(y))
    assert got.tolist() == expected.tolist()
    assert got.dtype == getattr(minitorch, str(expected.dtype).removeprefix("torch."))
