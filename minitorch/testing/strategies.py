"""Hypothesis strategies for parity tests: shapes, broadcastable shapes, arrays, dtypes.

Element counts are capped (``MAX_ELEMENTS``) so that a CI run stays fast, and
values can be kept away from points where a derivative is a convention
rather than a fact: ``min_magnitude`` keeps them off 0 (relu, abs),
``low > 0`` keeps them positive (log, sqrt), ``distinct=True`` rules out ties
(max, min, sort).

Typical use::

    @given(data=st.data(), dtype=float_dtypes())
    def test_exp(data, dtype):
        x = data.draw(arrays(shapes(), dtype))
        assert_parity(lambda t, a: t.exp(a), x)

To test a non-contiguous input, pass ``transposed(x)`` and undo the swap with
``.mT`` inside the lambda: both libraries then see a transposed view of ``x``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minitorch._creation import tensor

MAX_ELEMENTS = 60

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_dtypes() -> st.SearchStrategy[np.dtype]:
    """float32 (what users run) or float64 (where the algorithm is checked tightly)."""
    return st.sampled_from(FLOAT_DTYPES)


@st.composite
def shapes(
    draw: st.DrawFn,
    min_dims: int = 0,
    max_dims: int = 4,
    min_side: int = 1,
    max_side: int = 5,
    max_elements: int = MAX_ELEMENTS,
) -> tuple[int, ...]:
    """``min_dims..max_dims`` sides in ``min_side..max_side``, at most ``max_elements`` in all."""
    ndim = draw(st.integers(min_dims, max_dims))
    shape: list[int] = []
    budget = max_elements
    for i in range(ndim):
        # Leave room for the sides still to come, each at least min_side.
        reserve = max(min_side, 1) ** (ndim - i - 1)
        largest = max(min_side, min(max_side, budget // reserve))
        side = draw(st.integers(min_side, largest))
        shape.append(side)
        budget = budget // side if side else budget
    return tuple(shape)


@st.composite
def broadcastable(
    draw: st.DrawFn,
    n: int = 2,
    min_dims: int = 0,
    max_dims: int = 4,
    max_side: int = 5,
    max_elements: int = MAX_ELEMENTS,
) -> tuple[tuple[int, ...], ...]:
    """``n`` shapes that broadcast together: each drops leading dims and sets some sides to 1."""
    full = draw(shapes(min_dims, max_dims, 1, max_side, max_elements))
    result = []
    for _ in range(n):
        dropped = draw(st.integers(0, len(full)))
        kept = full[dropped:]
        ones = draw(st.lists(st.booleans(), min_size=len(kept), max_size=len(kept)))
        result.append(tuple(1 if one else side for side, one in zip(kept, ones, strict=True)))
    return tuple(result)


def elements(
    low: float = -4.0,
    high: float = 4.0,
    min_magnitude: float = 0.0,
) -> st.SearchStrategy[float]:
    """Floats in ``[low, high]`` whose absolute value is at least ``min_magnitude``.

    Values are drawn at float32 precision even for float64 arrays, so the
    same draw means the same numbers in both dtypes and distinct values stay
    distinct after a cast to float32.
    """
    low32, high32 = np.float32(low), np.float32(high)
    if low32 < low:  # round the bounds inwards to float32 numbers
        low32 = np.nextafter(low32, np.float32(np.inf))
    if high32 > high:
        high32 = np.nextafter(high32, np.float32(-np.inf))
    values = st.floats(float(low32), float(high32), width=32, allow_nan=False, allow_infinity=False)
    if min_magnitude > 0:
        values = values.filter(lambda v: abs(v) >= min_magnitude)
    return values


def arrays(
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    dtype: np.dtype | type = np.float64,
    *,
    low: float = -4.0,
    high: float = 4.0,
    min_magnitude: float = 0.0,
    distinct: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``dtype`` and ``shape`` (a shape or a strategy; default :func:`shapes`).

    Every element is drawn on its own (no fill value repeated across the
    array); ``distinct=True`` makes all elements different, so that max, min
    and sorting have no ties.
    """
    dtype = np.dtype(dtype)
    shape = shapes() if shape is None else shape
    if dtype.kind == "b":
        return hnp.arrays(dtype, shape, elements=st.booleans(), fill=st.nothing())
    if dtype.kind != "f":
        values = st.integers(int(low), int(high))
        return hnp.arrays(dtype, shape, elements=values, fill=st.nothing(), unique=distinct)
    values = elements(low, high, min_magnitude)
    return hnp.arrays(dtype, shape, elements=values, fill=st.nothing(), unique=distinct)


def tensors(
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    dtype: np.dtype | type = np.float64,
    *,
    requires_grad: bool = False,
    **element_options: float | bool,
) -> st.SearchStrategy:
    """minitorch tensors made from :func:`arrays` (for tests that need no PyTorch)."""
    return arrays(shape, dtype, **element_options).map(
        lambda a: tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")
    )


def dims(ndim: int) -> st.SearchStrategy[int]:
    """A valid ``dim`` argument for a tensor of ``ndim`` dimensions, negative ones included."""
    n = max(ndim, 1)
    return st.integers(-n, n - 1)


def transposed(array: np.ndarray) -> np.ndarray:
    """``array`` with its last two axes swapped, stored contiguously.

    Pass this to ``assert_parity`` and call ``.mT`` on it inside the lambda:
    the op then receives a non-contiguous view holding ``array``'s values.
    """
    return np.ascontiguousarray(np.swapaxes(array, -1, -2))


@st.composite
def reduction_dims(draw: st.DrawFn, ndim: int, allow_none: bool = True) -> int | tuple | None:
    """A ``dim`` for a reduction: None (all), one dim, or a tuple of distinct dims."""
    n = max(ndim, 1)
    kinds = ["none", "int", "tuple"] if allow_none else ["int", "tuple"]
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if kind == "int":
        return draw(dims(ndim))
    chosen = draw(st.lists(st.integers(0, n - 1), unique=True, min_size=1, max_size=n))
    negative = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    return tuple(d - n if neg else d for d, neg in zip(chosen, negative, strict=True))
