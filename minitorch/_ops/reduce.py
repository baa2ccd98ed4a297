"""Reduction Functions: sum, mean, prod, max/min, var/std, logsumexp, softmax, argmax, any/all.

Each differentiable Function's backward spreads the incoming gradient back over
the reduced dimensions:

* ``Sum``: every element gets the gradient unchanged (broadcast back);
* ``Mean``: the gradient divided by the slice's size;
* ``Amax`` and the full ``MaxAll``/``MinAll``: the gradient is split evenly among tied
  winners; ``MaxDim``/``MinDim`` (a reduction along ``dim``) give it all to the returned
  index, as PyTorch does.

``Argmax``/``Argmin`` and ``Any``/``All`` return integers and bools, which autograd
never tracks, so they have no backward. ``axes`` were wrapped by the functional floor.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from minitorch.autograd.function import Function

_HALF = np.dtype(np.float16)
_SINGLE = np.dtype(np.float32)


# ------------------------------------------------------------------ helpers
def accumulation_dtype(result: np.dtype) -> np.dtype:
    """The dtype a reduction adds up in: float32 for a float16 result, as PyTorch does, so that
    a half sum of many elements neither overflows nor drifts; ``result`` itself otherwise."""
    return _SINGLE if result == _HALF else result


def _expand_reduced(grad: np.ndarray, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
    """Put the reduced dimensions back as size 1, so ``grad`` broadcasts against the input."""
    return grad if keepdim else np.expand_dims(grad, axes)


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _accumulator(x: np.ndarray, dtype: np.dtype | None) -> np.dtype:
    """The dtype a sum or product is computed and returned in: ``dtype=`` if given, else
    the input's (integers and bools widen to int64, as in PyTorch)."""
    if dtype is not None:
        return dtype
    return np.dtype(np.int64) if x.dtype.kind in "iub" else x.dtype


def _in_input_dtype(grad: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The gradient converted back to the input's dtype (after a ``dtype=`` reduction)."""
    return grad if grad.dtype == dtype else grad.astype(dtype)


# ------------------------------------------------------------------ sum, mean
class Sum(Function):
    """Sum along ``axes``: every element gets the gradient of its slice's total."""

    backward_name = "SumBackward1"

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype=None):
        ctx.input_shape, ctx.input_dtype, ctx.axes, ctx.keepdim = x.shape, x.dtype, axes, keepdim
        result = _accumulator(x, dtype)
        wide = accumulation_dtype(result)
        total = np.sum(x, axis=axes, keepdims=keepdim, dtype=wide)
        if wide is result:
            return total
        with np.errstate(over="ignore"):  # a float16 total past 65504 is inf, as in PyTorch
            return total.astype(result)

    @staticmethod
    def backward(ctx, grad):
        grad = _in_input_dtype(_expand_reduced(grad, ctx.axes, ctx.keepdim), ctx.input_dtype)
        return np.broadcast_to(grad, ctx.input_shape)


class SumAll(Sum):
    backward_name = "SumBackward0"


class Mean(Function):
    """Mean along ``axes``: every element gets its slice's gradient divided by the slice size."""

    backward_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype=None):
        ctx.input_shape, ctx.input_dtype, ctx.axes, ctx.keepdim = x.shape, x.dtype, axes, keepdim
        ctx.count = _count(x.shape, axes)
        result = dtype or x.dtype
        wide = accumulation_dtype(result)
        # np.mean of nothing warns "Mean of empty slice"; PyTorch's empty mean is nan, silently
        mean = np.sum(x, axis=axes, keepdims=keepdim, dtype=wide) / np.asarray(ctx.count, wide)
        return mean if wide is result else mean.astype(result)

    @staticmethod
    def backward(ctx, grad):
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = _expand_reduced(grad, ctx.axes, ctx.keepdim) / ctx.count
        return np.broadcast_to(_in_input_dtype(grad, ctx.input_dtype), ctx.input_shape)


class MeanAll(Mean):
    backward_name = "MeanBackward0"


# ------------------------------------------------------------------ prod
class Prod(Function):
    """Product along one axis (or of all elements, flattened, for ``axis=None``).

    d(prod)/dx_i is the product of all the *other* elements. Without zeros in the input
    that is ``prod / x_i``, PyTorch's formula (an overflowed product gives inf there too);
    with zeros it is built from exclusive running products from the left and from the
    right instead.
    """

    backward_name = "ProdBackward1"

    @staticmethod
    def forward(ctx, x, axis, keepdim, dtype=None):
        # unlike sums, PyTorch multiplies float16 in float16: no wider accumulation here
        result = _accumulator(x, dtype)
        if axis is None:
            out = np.prod(x, dtype=result)
        else:
            out = np.prod(x, axis=axis, keepdims=keepdim, dtype=result)
        ctx.save_for_backward(x.astype(result, copy=False), out)
        ctx.input_dtype, ctx.axis, ctx.keepdim = x.dtype, axis, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if ctx.axis is not None:
            grad = _expand_reduced(grad, (ctx.axis,), ctx.keepdim)
            out = _expand_reduced(out, (ctx.axis,), ctx.keepdim)
        if x.all():
            with np.errstate(invalid="ignore", over="ignore"):
                grad = grad * (out / x)
        elif ctx.axis is None:
            grad = (grad * _product_of_others(x.reshape(-1), 0)).reshape(x.shape)
        else:
            grad = grad * _product_of_others(x, ctx.axis)
        return _in_input_dtype(grad, ctx.input_dtype)


class ProdAll(Prod):
    backward_name = "ProdBackward0"


def _product_of_others(x: np.ndarray, axis: int) -> np.ndarray:
    """For each element, the product of the other elements along ``axis``."""
    moved = np.moveaxis(x, axis, -1)
    if moved.shape[-1] == 0:
        return np.zeros_like(x)
    ones = np.ones(moved.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, moved[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


# ------------------------------------------------------------------ max, min
class Amax(Function):
    """Largest value along ``axes`` (smallest for ``Amin``); ties share the gradient."""

    pick: Callable = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, x, axes, keepdim):
        out = cls.pick(x, axis=axes, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        out = _expand_reduced(out, ctx.axes, ctx.keepdim)
        winners = (x == out) | (np.isnan(x) & np.isnan(out))
        share = _expand_reduced(grad, ctx.axes, ctx.keepdim) / winners.sum(ctx.axes, keepdims=True)
        return (winners * share).astype(x.dtype, copy=False)


class Amin(Amax):
    pick = staticmethod(np.min)


# The same Functions under PyTorch's node names for the full max() / min().
class MaxAll(Amax):
    backward_name = "MaxBackward1"


class MinAll(Amin):
    backward_name = "MinBackward1"


class MaxDim(Function):
    """``max(x, dim)``: values and index of the first maximum; the gradient goes to that index."""

    backward_name = "MaxBackward0"
    pick_index: Callable = staticmethod(np.argmax)

    @classmethod
    def forward(cls, ctx, x, dim, keepdim):
        flat = x.reshape(1) if x.ndim == 0 else x
        index = np.expand_dims(cls.pick_index(flat, axis=dim), dim)
        values = np.take_along_axis(flat, index, axis=dim)
        ctx.index, ctx.dim, ctx.keepdim, ctx.input_shape = index, dim, keepdim, x.shape
        if x.ndim == 0:
            values, index = values.reshape(()), index.reshape(())
        elif not keepdim:
            values, index = values.squeeze(dim), index.squeeze(dim)
        return values, index.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, grad, _index_grad):
        shape = ctx.input_shape
        out = np.zeros(shape or (1,), dtype=grad.dtype)
        grad = grad.reshape(ctx.index.shape)  # a no-op with keepdim, else the dim comes back
        np.put_along_axis(out, ctx.index, grad, axis=ctx.dim)
        return out.reshape(shape)


class MinDim(MaxDim):
    """``min(x, dim)``: values and index of the first minimum."""

    backward_name = "MinBackward0"
    pick_index = staticmethod(np.argmin)


class Argmax(Function):
    """Index (int64) of the first largest element along ``axis``, or of the flattened input for
    ``axis=None``; a 0-d input's only index is 0. Not differentiable."""

    pick_index: Callable = staticmethod(np.argmax)

    @classmethod
    def forward(cls, ctx, x, axis, keepdim):
        if axis is None:
            index = np.asarray(cls.pick_index(x.reshape(-1)), dtype=np.int64)
            return index.reshape((1,) * x.ndim) if keepdim else index
        if x.ndim == 0:
            return np.zeros((), np.int64)
        index = np.asarray(cls.pick_index(x, axis=axis), dtype=np.int64)
        return np.expand_dims(index, axis) if keepdim else index


class Argmin(Argmax):
    """Index of the first smallest element, as :class:`Argmax`."""

    pick_index = staticmethod(np.argmin)


# ------------------------------------------------------------------ var, std
def _centered_variance(ctx, x, axes, correction, keepdim) -> tuple[np.ndarray, np.ndarray]:
    """``x - mean`` for backward, and the variance still in float64.

    PyTorch's CPU variance (Welford's) accumulates in double for every float dtype, so a
    float32 variance is the float64 one rounded once: its squares neither lose digits nor
    underflow (a spread of subnormals has a subnormal std, not 0). Backward, like PyTorch's,
    centres with the mean rounded to the input's dtype.
    """
    count = _count(x.shape, axes)
    denominator = max(count - correction, 0)
    ctx.axes, ctx.keepdim, ctx.denominator = axes, keepdim, denominator
    wide = x.astype(np.float64, copy=False)
    with np.errstate(invalid="ignore", divide="ignore"):  # N <= correction gives inf or nan
        mean = np.sum(wide, axis=axes, keepdims=True) / count
        centered = wide - mean
        variance = np.sum(centered * centered, axis=axes, keepdims=keepdim) / denominator
        if wide is not x:
            centered = x - mean.astype(x.dtype)
    return centered, np.asarray(variance)


class Var(Function):
    """Variance ``sum((x - mean)^2) / (N - correction)``; d/dx = 2 (x - mean) / (N - correction)."""

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        centered, variance = _centered_variance(ctx, x, axes, correction, keepdim)
        ctx.save_for_backward(centered)
        return variance.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (centered,) = ctx.saved_tensors
        return _variance_gradient(ctx, _expand_reduced(grad, ctx.axes, ctx.keepdim), centered)


class Std(Var):
    """Standard deviation ``sqrt(var)``; d/dx = (x - mean) / ((N - correction) std)."""

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        centered, variance = _centered_variance(ctx, x, axes, correction, keepdim)
        std = np.sqrt(variance).astype(x.dtype, copy=False)
        ctx.save_for_backward(centered, std)
        return std

    @staticmethod
    def backward(ctx, grad):
        centered, std = ctx.saved_tensors
        std = _expand_reduced(std, ctx.axes, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            # d std = d var / (2 std), in PyTorch's order of roundings (it matters for float16);
            # where std is 0 (all values equal) PyTorch defines the gradient as 0
            grad_var = _expand_reduced(grad, ctx.axes, ctx.keepdim) / (std * 2)
            grad_var = np.where(std == 0, 0, grad_var)
        return _variance_gradient(ctx, grad_var, centered)


def _variance_gradient(ctx, grad: np.ndarray, centered: np.ndarray) -> np.ndarray:
    """d var / dx for the gradient ``grad`` of the variance, broadcast against the input."""
    factor = 2 / ctx.denominator if ctx.denominator else math.inf
    with np.errstate(invalid="ignore"):
        # the factor times a float16 gradient in float32, then rounded: PyTorch's order
        scaled = (grad.astype(accumulation_dtype(grad.dtype), copy=False) * factor).astype(
            grad.dtype, copy=False
        )
        return (scaled * centered).astype(centered.dtype, copy=False)


# ------------------------------------------------------------------ logsumexp, softmax
def _stable_max(x: np.ndarray, axes: int | tuple[int, ...] | None) -> np.ndarray:
    """The max to subtract before ``exp`` (kept dims); infinite maxima are replaced by 0."""
    m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    return np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)


def _slice_max(x: np.ndarray, axis: int | None) -> np.ndarray:
    """The max to subtract in softmax (kept dims), infinities included: as in PyTorch, a slice
    holding +inf becomes NaN (inf - inf) rather than a one-hot answer."""
    return np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)


class Logsumexp(Function):
    """``log(sum(exp(x)))`` computed as ``m + log(sum(exp(x - m)))`` so that exp cannot overflow.

    d/dx_i = exp(x_i - out): the softmax of the slice.
    """

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        m = _stable_max(x, axes)
        wide = accumulation_dtype(x.dtype)
        total = np.sum(np.exp(x - m), axis=axes, keepdims=True, dtype=wide).astype(
            x.dtype, copy=False
        )
        with np.errstate(divide="ignore"):
            out = np.log(total) + m
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _expand_reduced(grad, ctx.axes, ctx.keepdim) * np.exp(x - out)


def _widened(x: np.ndarray) -> np.ndarray:
    """float16 as float32, where PyTorch's softmax kernels compute it; other dtypes unchanged."""
    return x.astype(accumulation_dtype(x.dtype), copy=False)


class Softmax(Function):
    """``exp(x - max) / sum(exp(x - max))`` along ``axis`` (None for a 0-d input).

    Backward (y = softmax(x), g the incoming gradient): ``y * (g - sum(g * y))``.
    """

    @staticmethod
    def forward(ctx, x, axis):
        wide = _widened(x)
        e = np.exp(wide - _slice_max(wide, axis))
        out = (e / np.sum(e, axis=axis, keepdims=True)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        wide_out, wide_grad = _widened(out), _widened(grad)
        grad_x = wide_out * (wide_grad - np.sum(wide_grad * wide_out, axis=ctx.axis, keepdims=True))
        return grad_x.astype(grad.dtype, copy=False)


class LogSoftmax(Function):
    """``x - logsumexp(x)`` along ``axis`` (None for a 0-d input).

    Backward (y = log_softmax(x)): ``g - exp(y) * sum(g)``.
    """

    @staticmethod
    def forward(ctx, x, axis):
        wide = _widened(x)
        shifted = wide - _slice_max(wide, axis)
        total = np.sum(np.exp(shifted), axis=axis, keepdims=True)
        if wide is not x and axis == x.ndim - 1:
            # PyTorch's last-dimension kernel keeps a half row's sum, and its log, in half
            total = total.astype(x.dtype)
        out = (shifted - np.log(total)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        wide_grad = _widened(grad)
        grad_x = wide_grad - np.exp(_widened(out)) * np.sum(wide_grad, axis=ctx.axis, keepdims=True)
        return grad_x.astype(grad.dtype, copy=False)


# ------------------------------------------------------------------ any, all
class _Truth(Function):
    """Whether any (``Any``) or every (``All``) element along ``axes`` is nonzero.

    The result is bool, except that uint8 stays uint8 (a legacy PyTorch keeps). Not
    differentiable.
    """

    test: Callable

    @classmethod
    def forward(cls, ctx, x, axes, keepdim):
        out = cls.test(x, axis=axes, keepdims=keepdim)
        return np.asarray(out, dtype=np.uint8 if x.dtype == np.uint8 else np.bool_)


class Any(_Truth):
    test = staticmethod(np.any)


class All(_Truth):
    test = staticmethod(np.all)
