"""dtype objects and PyTorch's type-promotion rules.

A :class:`dtype` wraps the numpy dtype that stores the data. Promotion follows
PyTorch (``torch.result_type``): operands are ranked in three tiers (tensors
with dimensions, 0-d tensors, Python scalars) and a lower tier only changes the
result when it brings a higher *category* (bool < integer < floating).
"""

from __future__ import annotations

import builtins

import numpy as np


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, e.g. ``minitorch.float32``."""

    def __init__(self, name: str, numpy_dtype: type, is_floating_point: bool, itemsize: int):
        self._name = name
        self.numpy_dtype = np.dtype(numpy_dtype)
        self.is_floating_point = is_floating_point
        self.itemsize = itemsize

    @property
    def is_signed(self) -> bool:
        return self._name != "bool" and not self._name.startswith("uint")

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"minitorch.{self._name}"

    def __reduce__(self) -> str:
        return self._name


float16 = half = dtype("float16", np.float16, True, 2)
float32 = float = dtype("float32", np.float32, True, 4)
float64 = double = dtype("float64", np.float64, True, 8)
uint8 = dtype("uint8", np.uint8, False, 1)
# PyTorch's limited unsigned types: storage, conversion, views and indexing, but no promotion
uint16 = dtype("uint16", np.uint16, False, 2)
uint32 = dtype("uint32", np.uint32, False, 4)
uint64 = dtype("uint64", np.uint64, False, 8)
int8 = dtype("int8", np.int8, False, 1)
int16 = short = dtype("int16", np.int16, False, 2)
int32 = int = dtype("int32", np.int32, False, 4)
int64 = long = dtype("int64", np.int64, False, 8)
bool = dtype("bool", np.bool_, False, 1)

ALL_DTYPES = (
    float16,
    float32,
    float64,
    uint8,
    uint16,
    uint32,
    uint64,
    int8,
    int16,
    int32,
    int64,
    bool,
)
_UNPROMOTED = (uint16, uint32, uint64)
# c10's ScalarType names, which PyTorch's messages use ("expected scalar type Float")
SCALAR_TYPE_NAMES = {
    float16: "Half",
    float32: "Float",
    float64: "Double",
    uint8: "Byte",
    uint16: "UInt16",
    uint32: "UInt32",
    uint64: "UInt64",
    int8: "Char",
    int16: "Short",
    int32: "Int",
    int64: "Long",
    bool: "Bool",
}
_FROM_NUMPY = {d.numpy_dtype: d for d in ALL_DTYPES}

_default_dtype = float32


def from_numpy_dtype(numpy_dtype: np.dtype) -> dtype:
    """The minitorch dtype stored as ``numpy_dtype``; TypeError if there is none."""
    if isinstance(numpy_dtype, np.dtype) and not numpy_dtype.isnative:
        raise ValueError(
            "given numpy array has byte order different from the native byte order. "
            "Conversion between byte orders is currently not supported."
        )
    try:
        return _FROM_NUMPY[np.dtype(numpy_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(numpy_dtype)}. The only supported "
            "types are: float64, float32, float16, int64, int32, int16, int8, uint64, uint32, "
            "uint16, uint8, and bool."
        ) from None


def as_dtype(value: object) -> dtype:
    """Accept a minitorch dtype (or a numpy dtype / Python type) and return the dtype."""
    if isinstance(value, dtype):
        return value
    if value is builtins.float:
        return _default_dtype
    if value is builtins.int:
        return int64
    if value is builtins.bool:
        return bool
    try:
        return from_numpy_dtype(np.dtype(value))
    except TypeError:
        raise TypeError(f"invalid dtype: {value!r}") from None


def get_default_dtype() -> dtype:
    return _default_dtype


def set_default_dtype(d: dtype, /) -> None:
    """Set the dtype of new floating-point tensors (float32 or float64)."""
    global _default_dtype
    d = as_dtype(d)
    if d not in (float32, float64, float16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_dtype = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to (``torch.promote_types``)."""
    if a is b:
        return a
    if (a in _UNPROMOTED or b in _UNPROMOTED) and not (a.is_floating_point or b.is_floating_point):
        raise RuntimeError(
            "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
            f"{SCALAR_TYPE_NAMES[a]} and {SCALAR_TYPE_NAMES[b]}"
        )
    if a is bool:
        return b
    if b is bool:
        return a
    if a.is_floating_point != b.is_floating_point:
        return a if a.is_floating_point else b
    if a.is_floating_point:
        return a if a.itemsize >= b.itemsize else b
    # integers: uint8 with a signed type needs the next wider signed type
    if uint8 in (a, b):
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a.itemsize >= b.itemsize else b


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """PyTorch's ``combine_categories``: ``lower`` only wins with a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands: object) -> dtype:
    """The dtype of an arithmetic result, with PyTorch's three-tier rule.

    Operands are Tensors (anything with ``dtype`` and ``ndim``) or Python
    numbers. A Python float counts as the default dtype, an int as int64.
    """
    tiers: list[dtype | None] = [None, None, None]  # dimensioned, 0-d, Python scalar
    for op in operands:
        if isinstance(op, builtins.bool):
            tier, d = 2, bool
        elif isinstance(op, builtins.int):
            tier, d = 2, int64
        elif isinstance(op, builtins.float):
            tier, d = 2, _default_dtype
        else:
            tier, d = (0 if op.ndim else 1), op.dtype
        tiers[tier] = d if tiers[tier] is None else promote_types(tiers[tier], d)
    result = _combine(tiers[0], _combine(tiers[1], tiers[2]))
    assert result is not None, "result_type needs at least one operand"
    return result
