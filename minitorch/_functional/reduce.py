"""Reductions: sum, mean, prod, max/min, var/std, logsumexp, any/all, and softmax along a dim.

A reduction maps each slice along the reduced dimensions to one number. Its
backward hands every input element its share of the slice's gradient:

* ``sum``: every element gets the gradient unchanged (broadcast back);
* ``mean``: the gradient divided by the slice's size;
* ``max``/``min``: the gradient goes to the element that won. A full
  reduction (``x.max()``, ``amax``) splits it evenly among tied winners; a
  reduction along ``dim`` gives it all to the returned index, as PyTorch does.

``dim`` may be an int, a tuple of ints or None (every dimension); with
``keepdim=True`` the reduced dimensions stay as size 1.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from minitorch import _dtype
from minitorch._checks import scalar_type_name, wrap_dim, wrap_dims
from minitorch._functional.elementwise import maximum, minimum
from minitorch._ops.reduce import accumulation_dtype
from minitorch._tensor import Tensor, tensor_method
from minitorch.autograd.function import Function

Dims = int | Sequence[int] | None

# ``torch.return_types.max`` and friends: tuples whose fields are also attributes.
max_values_indices = namedtuple("max", ["values", "indices"])
min_values_indices = namedtuple("min", ["values", "indices"])


# ------------------------------------------------------------------ helpers
def reduction_axes(ndim: int, dim: Dims) -> tuple[int, ...]:
    """The numpy axes ``dim`` names: all of them for None or ``()``; wrapped, without repeats."""
    if dim is None:
        return tuple(range(ndim))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return tuple(range(ndim))
    # A 0-d tensor accepts dim 0 / -1, which names no numpy axis.
    return tuple(d for d in wrap_dims(dims, ndim) if d < ndim)


def _expand_reduced(grad: np.ndarray, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
    """Put the reduced dimensions back as size 1, so ``grad`` broadcasts against the input."""
    return grad if keepdim else np.expand_dims(grad, axes)


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _with_dtype(input: Tensor, dtype: _dtype.dtype | None) -> Tensor:
    """``input`` converted to ``dtype`` first (the ``dtype=`` argument of softmax)."""
    if dtype is None:
        return input
    return input.to(_dtype.as_dtype(dtype))


def _accumulator(x: np.ndarray, dtype: np.dtype | None) -> np.dtype:
    """The dtype a sum or product is computed and returned in: ``dtype=`` if given, else
    the input's (integers and bools widen to int64, as in PyTorch)."""
    if dtype is not None:
        return dtype
    return np.dtype(np.int64) if x.dtype.kind in "iub" else x.dtype


_HALF, _SINGLE = np.dtype(np.float16), np.dtype(np.float32)


def _numpy_dtype(dtype: _dtype.dtype | None) -> np.dtype | None:
    return None if dtype is None else _dtype.as_dtype(dtype).numpy_dtype


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


@tensor_method
def sum(  # noqa: A001 - PyTorch's name
    input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
) -> Tensor:
    """Sum of the elements over ``dim`` (all of them by default); integers sum to int64."""
    axes = reduction_axes(input._data.ndim, dim)
    fn = SumAll if dim is None else Sum
    return fn.apply(input, axes=axes, keepdim=keepdim, dtype=_numpy_dtype(dtype))


class Mean(Function):
    """Mean along ``axes``: every element gets its slice's gradient divided by the slice size."""

    backward_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype=None):
        ctx.input_shape, ctx.input_dtype, ctx.axes, ctx.keepdim = x.shape, x.dtype, axes, keepdim
        ctx.count = _count(x.shape, axes)
        result = dtype or x.dtype
        wide = accumulation_dtype(result)
        with np.errstate(invalid="ignore", divide="ignore"):  # an empty mean is nan
            mean = np.mean(x, axis=axes, keepdims=keepdim, dtype=wide)
        return mean if wide is result else mean.astype(result)

    @staticmethod
    def backward(ctx, grad):
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = _expand_reduced(grad, ctx.axes, ctx.keepdim) / ctx.count
        return np.broadcast_to(_in_input_dtype(grad, ctx.input_dtype), ctx.input_shape)


class MeanAll(Mean):
    backward_name = "MeanBackward0"


@tensor_method
def mean(
    input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
) -> Tensor:
    """Mean over ``dim`` (all elements by default); needs a floating-point input or ``dtype``."""
    result = input.dtype if dtype is None else _dtype.as_dtype(dtype)
    if not result.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {scalar_type_name(result)}"
        )
    axes = reduction_axes(input._data.ndim, dim)
    fn = MeanAll if dim is None else Mean
    return fn.apply(input, axes=axes, keepdim=keepdim, dtype=result.numpy_dtype)


# ------------------------------------------------------------------ prod
class Prod(Function):
    """Product along one axis (or of all elements, flattened).

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


@tensor_method
def prod(
    input: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
) -> Tensor:
    """Product of the elements along ``dim`` (all of them by default); integers give int64."""
    result = _numpy_dtype(dtype)
    if dim is None:
        return ProdAll.apply(input, axis=None, keepdim=False, dtype=result)
    ndim = input._data.ndim
    axis = wrap_dim(dim, ndim)
    if ndim == 0:  # the product of one number along its only "dimension"
        return ProdAll.apply(input, axis=None, keepdim=False, dtype=result)
    return Prod.apply(input, axis=axis, keepdim=keepdim, dtype=result)


# ------------------------------------------------------------------ max, min
class Amax(Function):
    """Largest value along ``axes`` (smallest with ``pick=np.min``); ties share the gradient."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, pick=np.max):
        out = pick(x, axis=axes, keepdims=keepdim)
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


# The same Function under PyTorch's node names for amin() and the full max() / min().
class Amin(Amax):
    pass


class MaxAll(Amax):
    backward_name = "MaxBackward1"


class MinAll(Amax):
    backward_name = "MinBackward1"


class MaxDim(Function):
    """``max(x, dim)``: values and index of the first maximum; the gradient goes to that index."""

    backward_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, x, dim, keepdim, pick_index=np.argmax):
        flat = x.reshape(1) if x.ndim == 0 else x
        index = np.expand_dims(pick_index(flat, axis=dim), dim)
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
    """``min(x, dim)``, with ``pick_index=np.argmin``."""

    backward_name = "MinBackward0"


MaxOrMin = Tensor | tuple[Tensor, Tensor]


def _extreme(name: str, input: Tensor, dim: int | Tensor | None, keepdim: bool) -> MaxOrMin:
    is_max = name == "max"
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
        return maximum(input, dim) if is_max else minimum(input, dim)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        fn, pick = (MaxAll, np.max) if is_max else (MinAll, np.min)
        return fn.apply(input, axes=tuple(range(input._data.ndim)), keepdim=False, pick=pick)
    ndim = input._data.ndim
    d = wrap_dim(dim, ndim)
    if ndim and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    fn, pick_index, result = (
        (MaxDim, np.argmax, max_values_indices)
        if is_max
        else (MinDim, np.argmin, min_values_indices)
    )
    values, indices = fn.apply(input, dim=d if ndim else 0, keepdim=keepdim, pick_index=pick_index)
    return result(values, indices)


@tensor_method
def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> MaxOrMin:  # noqa: A001
    """``max(x)``: the largest element (0-d). ``max(x, dim)``: ``(values, indices)`` along dim.
    ``max(x, other)``: the elementwise maximum of two tensors."""
    return _extreme("max", input, dim, keepdim)


@tensor_method
def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> MaxOrMin:  # noqa: A001
    """``min(x)``, ``min(x, dim)`` or ``min(x, other)``, mirroring :func:`max`."""
    return _extreme("min", input, dim, keepdim)


def _amax_amin(
    fn: type[Amax], pick: object, name: str, input: Tensor, dim: Dims, keepdim: bool
) -> Tensor:
    shape = input._data.shape
    every_dim = dim is None or (isinstance(dim, (tuple, list)) and not dim)
    if every_dim and input._data.size == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    axes = reduction_axes(input._data.ndim, dim)
    for a in axes:
        if shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")
    return fn.apply(input, axes=axes, keepdim=keepdim, pick=pick)


@tensor_method
def amax(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """Largest values over ``dim`` (all dims by default); ties share the gradient evenly."""
    return _amax_amin(Amax, np.max, "amax", input, dim, keepdim)


@tensor_method
def amin(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """Smallest values over ``dim`` (all dims by default); ties share the gradient evenly."""
    return _amax_amin(Amin, np.min, "amin", input, dim, keepdim)


def _arg_extreme(name: str, pick: object, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    data = input._data
    if data.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if data.size == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        index = np.asarray(pick(data.reshape(-1)), dtype=np.int64)
        return Tensor._make(index.reshape((1,) * data.ndim) if keepdim else index)
    d = wrap_dim(dim, data.ndim)
    if data.ndim == 0:
        return Tensor._make(np.zeros((), np.int64))
    if data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    index = np.asarray(pick(data, axis=d), dtype=np.int64)
    return Tensor._make(np.expand_dims(index, d) if keepdim else index)


@tensor_method
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) largest element, of the flattened tensor or along ``dim``."""
    return _arg_extreme("argmax", np.argmax, input, dim, keepdim)


@tensor_method
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) smallest element, of the flattened tensor or along ``dim``."""
    return _arg_extreme("argmin", np.argmin, input, dim, keepdim)


# ------------------------------------------------------------------ var, std
def _centered_variance(ctx, x, axes, correction, keepdim) -> tuple[np.ndarray, np.ndarray]:
    """``x - mean`` for backward, and the variance still in the accumulation dtype.

    float16 is computed in float32 (PyTorch's accumulation type for half), so that the squares
    of a half input do not overflow. Backward, like PyTorch's, centres with the mean rounded
    to the input's dtype.
    """
    count = _count(x.shape, axes)
    denominator = builtins.max(count - correction, 0)
    ctx.axes, ctx.keepdim, ctx.denominator = axes, keepdim, denominator
    wide = x.astype(accumulation_dtype(x.dtype), copy=False)
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


def _var_std(
    fn: type[Var],
    input: Tensor,
    dim: Dims | bool,
    unbiased: bool | None,
    keepdim: bool,
    correction: int | float | None,
) -> Tensor:
    if isinstance(dim, bool):  # var(x, False): the old ``unbiased`` overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError("var()/std() take either 'unbiased' or 'correction', not both")
    if correction is None:
        correction = 1 if unbiased is None else int(unbiased)
    if not input.is_floating_point():
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = reduction_axes(input._data.ndim, dim)
    return fn.apply(input, axes=axes, correction=correction, keepdim=keepdim)


@tensor_method
def var(
    input: Tensor,
    dim: Dims = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default; ``unbiased=False``: 0)."""
    return _var_std(Var, input, dim, unbiased, keepdim, correction)


@tensor_method
def std(
    input: Tensor,
    dim: Dims = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> Tensor:
    """Standard deviation over ``dim``; arguments as :func:`var`."""
    return _var_std(Std, input, dim, unbiased, keepdim, correction)


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


@tensor_method
def logsumexp(input: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, without overflow."""
    if not input.is_floating_point():
        input = input.to(_dtype.get_default_dtype())
    return Logsumexp.apply(input, axes=reduction_axes(input._data.ndim, dim), keepdim=keepdim)


def _softmax_input(name: str, input: Tensor, dim: int, dtype: _dtype.dtype | None) -> tuple:
    input = _with_dtype(input, dtype)
    ndim = input._data.ndim
    axis = wrap_dim(dim, ndim)  # PyTorch checks the dim before the dtype
    if not input.is_floating_point():
        raise NotImplementedError(
            f"\"{name}_kernel_impl\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    return input, (axis if ndim else None)


def _widened(x: np.ndarray) -> np.ndarray:
    """float16 as float32, where PyTorch's softmax kernels compute it; other dtypes unchanged."""
    return x.astype(accumulation_dtype(x.dtype), copy=False)


class Softmax(Function):
    """``exp(x - max) / sum(exp(x - max))`` along ``dim``.

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


@tensor_method
def softmax(input: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """Rescale the slices along ``dim`` to positive numbers summing to 1."""
    input, axis = _softmax_input("softmax", input, dim, dtype)
    return Softmax.apply(input, axis=axis)


class LogSoftmax(Function):
    """``x - logsumexp(x)`` along ``dim``.

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


@tensor_method
def log_softmax(input: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """``log(softmax(input, dim))``, computed without taking the log of a rounded-off 0."""
    input, axis = _softmax_input("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(input, axis=axis)


# ------------------------------------------------------------------ any, all
def _logical_reduce(reduce: np.ufunc, input: Tensor, dim: Dims, keepdim: bool) -> Tensor:
    data = input._data
    out = reduce(data, axis=reduction_axes(data.ndim, dim), keepdims=keepdim)
    # uint8 stays uint8 (PyTorch keeps that legacy); everything else gives bool.
    return Tensor._make(np.asarray(out, dtype=np.uint8 if data.dtype == np.uint8 else np.bool_))


@tensor_method
def any(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where any element over ``dim`` is nonzero (not differentiable)."""
    return _logical_reduce(np.any, input, dim, keepdim)


@tensor_method
def all(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element over ``dim`` is nonzero (not differentiable)."""
    return _logical_reduce(np.all, input, dim, keepdim)
