"""dtypes and PyTorch's promotion rules: result_type, promote_types, and the dtypes ops return."""

import itertools

import numpy as np
import pytest
import torch

import minitorch

DTYPE_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, 2.5]


def both(name: str):
    return getattr(minitorch, name), getattr(torch, name)


def operand(lib, kind: str, name: str | None = None, scalar=None):
    """A dimensioned tensor, a 0-d tensor or a Python number of the given dtype."""
    if kind == "scalar":
        return scalar
    shape = (2,) if kind == "tensor" else ()
    return lib.ones(shape, dtype=getattr(lib, name))


def operands():
    """Every (kind, dtype name or scalar) an operand can be."""
    for kind in ("tensor", "zero_dim"):
        for name in DTYPE_NAMES:
            yield kind, name, None
    for scalar in SCALARS:
        yield "scalar", None, scalar


PAIRS = [
    (a, b)
    for a, b in itertools.product(list(operands()), repeat=2)
    if not (a[0] == "scalar" and b[0] == "scalar")
]


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=lambda o: f"{o[0]}-{o[1] or o[2]}")
def test_result_type_matches_pytorch(a, b):
    ours = minitorch.result_type(operand(minitorch, *a), operand(minitorch, *b))
    theirs = torch.result_type(operand(torch, *a), operand(torch, *b))
    assert str(ours).removeprefix("minitorch.") == str(theirs).removeprefix("torch.")


@pytest.mark.parametrize(("a", "b"), list(itertools.product(DTYPE_NAMES, repeat=2)))
def test_promote_types_matches_pytorch(a, b):
    ours = minitorch.promote_types(getattr(minitorch, a), getattr(minitorch, b))
    theirs = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert str(ours).removeprefix("minitorch.") == str(theirs).removeprefix("torch.")


ARITHMETIC_PAIRS = [
    (a, b) for a, b in PAIRS if "bool" not in (a[1], b[1]) and not (a[2] is True or b[2] is True)
]


@pytest.mark.parametrize("op", ["add", "mul"])
@pytest.mark.parametrize(("a", "b"), ARITHMETIC_PAIRS[::3], ids=lambda o: f"{o[0]}-{o[1] or o[2]}")
def test_arithmetic_result_dtype_matches_pytorch(op, a, b):
    ours = getattr(minitorch, op)(*_first_tensor(operand(minitorch, *a), operand(minitorch, *b)))
    theirs = getattr(torch, op)(*_first_tensor(operand(torch, *a), operand(torch, *b)))
    assert str(ours.dtype).removeprefix("minitorch.") == str(theirs.dtype).removeprefix("torch.")


def _first_tensor(x, y):
    return (y, x) if not hasattr(x, "dtype") else (x, y)


def test_dtype_objects():
    assert minitorch.float is minitorch.float32 and minitorch.long is minitorch.int64
    assert minitorch.double is minitorch.float64 and minitorch.int is minitorch.int32
    assert repr(minitorch.float32) == "minitorch.float32"
    assert minitorch.float32.is_floating_point and not minitorch.int64.is_floating_point
    assert minitorch.float32.itemsize == torch.float32.itemsize


def test_default_dtype_can_be_changed_and_restored():
    assert minitorch.get_default_dtype() is minitorch.float32
    minitorch.set_default_dtype(minitorch.float64)
    try:
        assert minitorch.tensor([1.5]).dtype is minitorch.float64
        assert minitorch.zeros(2).dtype is minitorch.float64
        assert (minitorch.tensor([1, 2]) / 2).dtype is minitorch.float64
    finally:
        minitorch.set_default_dtype(minitorch.float32)
    assert minitorch.tensor([1.5]).dtype is minitorch.float32
    with pytest.raises(TypeError):
        minitorch.set_default_dtype(minitorch.int64)


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_conversions_between_dtypes(name):
    values = np.array([0.0, 1.0, 2.7, -1.5])
    ours = minitorch.tensor(values).to(getattr(minitorch, name))
    theirs = torch.tensor(values).to(getattr(torch, name))
    assert str(ours.dtype).removeprefix("minitorch.") == name
    if name != "uint8":  # casting negatives to uint8 is undefined behaviour in C
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
