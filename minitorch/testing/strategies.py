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

The layer argument sets (``conv2d_args``, ``max_pool2d_args``, ``linear_args``,
``cross_entropy_args``) take the ranges they draw from, so that a test of one's own layer
draws arguments that fit it::

    @given(conv=conv2d_args(channels=(3, 3), kernel=(3, 5), batch=(2,)))
    def test_my_block(conv):
        x = normal(conv["seed"], conv["input_shape"], np.float32)
        assert_module_parity(lambda nn: my_block(nn, conv), x, atol=1e-4, rtol=1e-4)

To test a non-contiguous input, pass ``transposed(x)`` and undo the swap with
``.mT`` inside the lambda: both libraries then see a transposed view of ``x``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minitorch._creation import tensor

__all__ = [
    "FLOAT_DTYPES",
    "MAX_ELEMENTS",
    "arrays",
    "broadcastable",
    "conv2d_args",
    "cross_entropy_args",
    "dims",
    "distinct",
    "elements",
    "float_dtypes",
    "linear_args",
    "max_pool2d_args",
    "normal",
    "reduction_dims",
    "shapes",
    "tensors",
    "transposed",
]

MAX_ELEMENTS = 60

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_dtypes(
    dtypes: Sequence[np.dtype | type | str] = FLOAT_DTYPES,
) -> st.SearchStrategy[np.dtype]:
    """float32 (what users run) or float64 (where the algorithm is checked tightly), or one of
    ``dtypes`` (``float_dtypes([np.float32])``)."""
    return st.sampled_from([np.dtype(d) for d in dtypes])


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


# ------------------------------------------------------------------ layer argument sets
# Each takes the ranges it draws from, so a test of one's own layer can draw arguments that
# fit it (``conv2d_args(channels=(3, 3), kernel=(3, 5))``); ``(low, high)`` is inclusive.
Range = tuple[int, int]
PADDING_KINDS = ("ints", "same", "valid")


def _side(draw: st.DrawFn, bounds: Range) -> int:
    return draw(st.integers(*bounds))


def _output_side(size: int, kernel: int, pad: int, stride: int, dilation: int) -> int:
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


@st.composite
def conv2d_args(
    draw: st.DrawFn,
    *,
    batch: Sequence[int | None] = (None, 1, 2, 3, 4),
    groups: Sequence[int] = (1, 1, 1, 2, 3),
    channels: Range = (1, 3),
    out_channels: Range | None = None,
    kernel: Range = (1, 4),
    stride: Range = (1, 3),
    dilation: Range = (1, 2),
    padding: Range = (0, 2),
    padding_kinds: Sequence[str] = ("ints", "ints", "ints", "same", "valid"),
    extra_side: Range = (0, 6),
    bias: Sequence[bool] = (False, True),
) -> dict:
    """Consistent ``conv2d`` arguments and shapes (at most a few thousand elements).

    Draws from: ``batch`` sizes (None: an unbatched ``(C, H, W)`` input), ``groups``,
    ``channels`` per group in and out (``out_channels`` defaults to ``channels``), and the
    ``(low, high)`` ranges of ``kernel``, ``stride``, ``dilation`` and integer ``padding``
    sides; ``padding_kinds`` picks among integer padding, ``"same"`` and ``"valid"``;
    the input is ``extra_side`` elements larger than the smallest that fits, per side.

    Channels are divisible by ``groups``; the input is at least as large as the dilated
    kernel minus the padding, so the output has at least one element per side;
    ``padding='same'`` comes with stride 1, as PyTorch requires. Returns ``input_shape``,
    ``weight_shape``, ``output_shape``, ``in_channels``, ``out_channels``,
    ``kernel_size``, ``bias`` (whether to pass one), ``stride``, ``padding``,
    ``dilation``, ``groups`` and a ``seed`` for the values (see :func:`normal`).
    """
    group_count = draw(st.sampled_from(list(groups)))
    in_channels = group_count * _side(draw, channels)
    out_channels_ = group_count * _side(draw, out_channels or channels)
    kernel_ = (_side(draw, kernel), _side(draw, kernel))
    dilation_ = (_side(draw, dilation), _side(draw, dilation))
    stride_ = (_side(draw, stride), _side(draw, stride))
    padding_kind = draw(st.sampled_from(list(padding_kinds)))
    if padding_kind == "same":
        stride_ = (1, 1)
        padding_: object = "same"
        pads = (0, 0)
    elif padding_kind == "valid":
        padding_ = "valid"
        pads = (0, 0)
    else:
        pads = (_side(draw, padding), _side(draw, padding))
        padding_ = pads if draw(st.booleans()) or pads[0] != pads[1] else pads[0]
    span = [d * (k - 1) + 1 for k, d in zip(kernel_, dilation_, strict=True)]
    sides = [max(1, span[i] - 2 * pads[i]) + _side(draw, extra_side) for i in range(2)]
    batch_size = draw(st.sampled_from(list(batch)))
    leading = () if batch_size is None else (batch_size,)
    if padding_kind == "same":
        out_sides = sides
    else:
        out_sides = [
            _output_side(sides[i], kernel_[i], pads[i], stride_[i], dilation_[i]) for i in range(2)
        ]
    return {
        "input_shape": (*leading, in_channels, *sides),
        "weight_shape": (out_channels_, in_channels // group_count, *kernel_),
        "output_shape": (*leading, out_channels_, *out_sides),
        "in_channels": in_channels,
        "out_channels": out_channels_,
        "kernel_size": kernel_ if kernel_[0] != kernel_[1] else kernel_[0],
        "bias": draw(st.sampled_from(list(bias))),
        "stride": stride_ if draw(st.booleans()) or stride_[0] != stride_[1] else stride_[0],
        "padding": padding_,
        "dilation": dilation_ if dilation_[0] != dilation_[1] else dilation_[0],
        "groups": group_count,
        "seed": draw(st.integers(0, 2**31)),
    }


@st.composite
def max_pool2d_args(
    draw: st.DrawFn,
    *,
    batch: Sequence[int | None] = (None, 1, 2, 4),
    channels: Range = (1, 3),
    kernel: Range = (1, 4),
    stride: Range | None = (1, 3),
    dilation: Range = (1, 2),
    extra_side: Range = (0, 7),
) -> dict:
    """Consistent ``max_pool2d`` arguments: ``shape``, ``kernel_size``, ``stride``, ``padding``,
    ``dilation``, ``ceil_mode`` and a ``seed`` for the values.

    Draws ``batch`` sizes (None: unbatched), ``channels``, and ``kernel``, ``stride`` and
    ``dilation`` sides from their ``(low, high)`` ranges (the stride is sometimes None,
    PyTorch's default; ``stride=None`` here always leaves it so). Padding is at most half
    the kernel (PyTorch's rule) and the input large enough that every window holds at
    least one input element. Draw the values with :func:`distinct`, so that no window
    holds a tie.
    """
    kernel_ = (_side(draw, kernel), _side(draw, kernel))
    dilation_ = (_side(draw, dilation), _side(draw, dilation))
    strides = st.none()
    if stride is not None:
        strides = st.one_of(strides, st.tuples(st.integers(*stride), st.integers(*stride)))
    stride_ = draw(strides)
    # PyTorch requires pad <= kernel // 2 and pad <= half the dilated kernel
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel_)
    span = [d * (k - 1) + 1 for k, d in zip(kernel_, dilation_, strict=True)]
    # Every window must hold an input element, not only padding: PyTorch 2.x's backward
    # writes out of bounds for an all-padding window (its argmax index is H*W) and crashes.
    # At least span - padding rows reach the first window's last tap; at least dilation
    # rows mean no window's taps can straddle the input.
    sides = [max(1, span[i] - padding[i], dilation_[i]) + _side(draw, extra_side) for i in range(2)]
    batch_size = draw(st.sampled_from(list(batch)))
    channel_count = _side(draw, channels)
    leading = () if batch_size is None else (batch_size,)
    return {
        "shape": (*leading, channel_count, *sides),
        "kernel_size": kernel_ if kernel_[0] != kernel_[1] else kernel_[0],
        "stride": stride_,
        "padding": padding,
        "dilation": dilation_,
        "ceil_mode": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**31)),
    }


@st.composite
def linear_args(
    draw: st.DrawFn,
    dtype: np.dtype | type = np.float64,
    *,
    in_features: Range = (1, 6),
    out_features: Range = (1, 6),
    leading_dims: Range = (0, 2),
    bias: Sequence[bool] = (False, True),
) -> dict:
    """``input`` (``(*, in_features)``), ``weight`` (``(out_features, in_features)``) and
    ``bias`` (``(out_features,)`` or None) arrays of ``dtype`` that fit together.

    ``in_features`` and ``out_features`` are ``(low, high)`` ranges; the input has
    ``leading_dims`` leading sides of 1 to 4 (at most 12 rows in all).
    """
    n_in, n_out = _side(draw, in_features), _side(draw, out_features)
    leading = draw(shapes(leading_dims[0], leading_dims[1], 1, 4, max_elements=12))
    with_bias = draw(st.sampled_from(list(bias)))
    return {
        "input": draw(arrays((*leading, n_in), dtype)),
        "weight": draw(arrays((n_out, n_in), dtype, low=-1.0, high=1.0)),
        "bias": draw(arrays((n_out,), dtype)) if with_bias else None,
    }


@st.composite
def cross_entropy_args(
    draw: st.DrawFn,
    dtype: np.dtype | type = np.float64,
    *,
    classes: Range = (2, 6),
    batch: Sequence[int | None] = (None, 1, 2, 3, 5),
    reductions: Sequence[str] = ("mean", "sum", "none"),
    label_smoothing: Sequence[float] = (0.0, 0.0, 0.1, 0.25),
) -> dict:
    """Logits ``input`` (``(N, C)`` or ``(C,)``), int64 class ``target`` in ``[0, C)`` and
    the options ``reduction``, ``label_smoothing`` and a class ``weight`` (or None).

    ``classes`` is a ``(low, high)`` range, ``batch`` the sizes N (None: one unbatched
    row); ``reductions`` and ``label_smoothing`` the options drawn from. Class-index
    targets only (one per row), so the loss is smooth in every logit.
    """
    class_count = _side(draw, classes)
    batch_size = draw(st.sampled_from(list(batch)))
    shape = (class_count,) if batch_size is None else (batch_size, class_count)
    target_shape = () if batch_size is None else (batch_size,)
    target = draw(
        hnp.arrays(
            np.int64, target_shape, elements=st.integers(0, class_count - 1), fill=st.nothing()
        )
    )
    weighted = draw(st.booleans())
    return {
        "input": draw(arrays(shape, dtype)),
        "target": target,
        "weight": draw(arrays((class_count,), dtype, low=0.5, high=2.0)) if weighted else None,
        "reduction": draw(st.sampled_from(list(reductions))),
        "label_smoothing": draw(st.sampled_from(list(label_smoothing))),
    }


def normal(seed: int, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """Standard-normal values from ``seed``: cheap for the thousands of elements a conv draws."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def distinct(seed: int, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """Values that are all different (no ties inside a pooling window), spaced 0.25 apart."""
    n = int(np.prod(shape))
    values = np.random.default_rng(seed).permutation(n) * 0.25 - n / 8
    return values.reshape(shape).astype(dtype)
