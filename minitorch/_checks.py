"""Argument checks and PyTorch's names, shared by the functional floor.

Every public op normalises and validates its arguments before one ``Function.apply``;
the checks that more than one op needs live here, once: broadcasting, dimension
wrapping, int-or-pair arguments, and the dtype names PyTorch prints in its messages.
The Functions below the functional floor trust what they are given.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

from minitorch import _dtype

__all__ = [
    "broadcast_shapes",
    "cpp_type_name",
    "pair",
    "scalar_type_name",
    "wrap_dim",
    "wrap_dims",
]

IntPair = int | Sequence[int]


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape, or PyTorch's RuntimeError naming the sizes that clash."""
    ndim = max(len(s) for s in shapes)
    result = []
    for axis in range(-ndim, 0):
        sizes = [s[axis] for s in shapes if len(s) >= -axis]
        target = max(sizes) if 0 not in sizes else 0
        for n in sizes:
            if n not in (1, target):
                a, b = shapes[0], shapes[1] if len(shapes) > 1 else shapes[0]
                size_a = a[axis] if len(a) >= -axis else 1
                size_b = b[axis] if len(b) >= -axis else 1
                raise RuntimeError(
                    f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                    f"at non-singleton dimension {axis + ndim} (shapes {list(a)} and {list(b)})"
                )
        result.append(target)
    return tuple(result)


def wrap_dim(dim: int, ndim: int) -> int:
    """``dim`` as an index in ``range(ndim)`` (negative counts from the end), IndexError otherwise.

    A 0-d tensor accepts ``dim`` 0 and -1, as in PyTorch.
    """
    dim = operator.index(dim)
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def wrap_dims(dims: Sequence[int], ndim: int) -> tuple[int, ...]:
    """Several dims wrapped; RuntimeError if one repeats."""
    wrapped = tuple(wrap_dim(d, ndim) for d in dims)
    for i, d in enumerate(wrapped):
        if d in wrapped[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


def pair(value: IntPair, message: str = "") -> tuple[int, int]:
    """An int or a sequence of one or two ints, as a pair; RuntimeError(message) otherwise."""
    if isinstance(value, int):
        return (value, value)
    values = tuple(value)
    if len(values) == 1:
        return (values[0], values[0])
    if len(values) != 2:
        raise RuntimeError(message)
    return values  # type: ignore[return-value]


# PyTorch's two spellings of a dtype in its messages: the scalar-type name ("expected
# scalar type Float") and the C++ type name ("expected m1 and m2 to have the same dtype,
# but got: float != long int").
_SCALAR_TYPE_NAMES = {
    _dtype.float16: "Half",
    _dtype.float32: "Float",
    _dtype.float64: "Double",
    _dtype.uint8: "Byte",
    _dtype.int8: "Char",
    _dtype.int16: "Short",
    _dtype.int32: "Int",
    _dtype.int64: "Long",
    _dtype.bool: "Bool",
}
_CPP_TYPE_NAMES = {
    _dtype.float16: "c10::Half",
    _dtype.float32: "float",
    _dtype.float64: "double",
    _dtype.uint8: "unsigned char",
    _dtype.int8: "signed char",
    _dtype.int16: "short int",
    _dtype.int32: "int",
    _dtype.int64: "long int",
    _dtype.bool: "bool",
}


def scalar_type_name(d: _dtype.dtype) -> str:
    """PyTorch's scalar-type name of ``d`` (``Long``, ``Float``)."""
    return _SCALAR_TYPE_NAMES[d]


def cpp_type_name(d: _dtype.dtype) -> str:
    """PyTorch's C++ type name of ``d`` (``long int``, ``float``)."""
    return _CPP_TYPE_NAMES[d]
