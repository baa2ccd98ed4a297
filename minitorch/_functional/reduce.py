"""Reductions: sum, mean, prod, max/min, var/std, logsumexp, any/all, and softmax along a dim.

A reduction maps each slice along the reduced dimensions to one number; its
Function (:mod:`minitorch._ops.reduce`) hands every input element its share of
the slice's gradient. Here the arguments are normalised and checked with
PyTorch's messages.

``dim`` may be an int, a tuple of ints or None (every dimension); with
``keepdim=True`` the reduced dimensions stay as size 1.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

from minitorch import _dtype
from minitorch._checks import scalar_type_name, wrap_dim, wrap_dims
from minitorch._functional.elementwise import invalid_arguments, maximum, minimum
from minitorch._functional.inplace import check_out, write_out
from minitorch._ops.reduce import (
    All,
    Amax,
    Amin,
    Any,
    Argmax,
    Argmin,
    LogSoftmax,
    Logsumexp,
    MaxAll,
    MaxDim,
    Mean,
    MeanAll,
    MinAll,
    MinDim,
    Prod,
    ProdAll,
    Softmax,
    Std,
    Sum,
    SumAll,
    Var,
)
from minitorch._tensor import Tensor

Dims = int | Sequence[int] | None

# ``torch.return_types.max`` and friends: tuples whose fields are also attributes.
max_values_indices = namedtuple("max", ["values", "indices"])
min_values_indices = namedtuple("min", ["values", "indices"])


# ------------------------------------------------------------------ helpers
def reduction_axes(ndim: int, dim: Dims) -> tuple[int, ...]:
    """The axes ``dim`` names: all of them for None or ``()``; wrapped, without repeats."""
    if dim is None:
        return tuple(range(ndim))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return tuple(range(ndim))
    # A 0-d tensor accepts dim 0 / -1, which names no axis of its array.
    return tuple(d for d in wrap_dims(dims, ndim) if d < ndim)


def _with_dtype(input: Tensor, dtype: _dtype.dtype | None) -> Tensor:
    """``input`` converted to ``dtype`` first (the ``dtype=`` argument of softmax)."""
    if dtype is None:
        return input
    return input.to(_dtype.as_dtype(dtype))


def _numpy_dtype(dtype: _dtype.dtype | None):
    """The numpy dtype that a ``dtype=`` argument names, for the Function; None if not given."""
    return None if dtype is None else _dtype.as_dtype(dtype).numpy_dtype


def _empty_without_dim(name: str) -> RuntimeError:
    return RuntimeError(
        f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
        "Specify the reduction dim with the 'dim' argument."
    )


# ------------------------------------------------------------------ sum, mean
def sum(  # noqa: A001 - PyTorch's name
    input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
) -> Tensor:
    """Sum of the elements over ``dim`` (all of them by default); integers sum to int64."""
    axes = reduction_axes(input.dim(), dim)
    fn = SumAll if dim is None else Sum
    return fn.apply(input, axes=axes, keepdim=keepdim, dtype=_numpy_dtype(dtype))


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
    axes = reduction_axes(input.dim(), dim)
    fn = MeanAll if dim is None else Mean
    return fn.apply(input, axes=axes, keepdim=keepdim, dtype=result.numpy_dtype)


# ------------------------------------------------------------------ prod
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
    ndim = input.dim()
    axis = wrap_dim(dim, ndim)
    if ndim == 0:  # the product of one number along its only "dimension"
        return ProdAll.apply(input, axis=None, keepdim=False, dtype=result)
    return Prod.apply(input, axis=axis, keepdim=keepdim, dtype=result)


# ------------------------------------------------------------------ max, min
MaxOrMin = Tensor | tuple[Tensor, Tensor]


_EXTREME_SIGNATURES = (
    "(Tensor input, *, Tensor out = None)",
    "(Tensor input, Tensor other, *, Tensor out = None)",
    "(Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)",
)


def _extreme(name: str, input: Tensor, dim: int | Tensor | None, keepdim: bool) -> MaxOrMin:
    is_max = name == "max"
    if not isinstance(input, Tensor):
        if dim is None:
            raise TypeError(
                f"{name}(): argument 'input' (position 1) must be Tensor, not "
                f"{type(input).__name__}"
            )
        raise invalid_arguments(name, (input, dim), _EXTREME_SIGNATURES)
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
        return maximum(input, dim) if is_max else minimum(input, dim)
    ndim = input.dim()
    if dim is None:
        if input.numel() == 0:
            raise _empty_without_dim(name)
        fn = MaxAll if is_max else MinAll
        return fn.apply(input, axes=tuple(range(ndim)), keepdim=False)
    d = wrap_dim(dim, ndim)
    if ndim and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    fn, result = (MaxDim, max_values_indices) if is_max else (MinDim, min_values_indices)
    values, indices = fn.apply(input, dim=d if ndim else 0, keepdim=keepdim)
    return result(values, indices)


def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> MaxOrMin:  # noqa: A001
    """``max(x)``: the largest element (0-d). ``max(x, dim)``: ``(values, indices)`` along dim.
    ``max(x, other)``: the elementwise maximum of two tensors."""
    return _extreme("max", input, dim, keepdim)


def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> MaxOrMin:  # noqa: A001
    """``min(x)``, ``min(x, dim)`` or ``min(x, other)``, mirroring :func:`max`."""
    return _extreme("min", input, dim, keepdim)


def _amax_amin(fn: type[Amax], name: str, input: Tensor, dim: Dims, keepdim: bool) -> Tensor:
    every_dim = dim is None or (isinstance(dim, (tuple, list)) and not dim)
    if every_dim and input.numel() == 0:
        raise _empty_without_dim(name)
    shape = input.shape
    axes = reduction_axes(len(shape), dim)
    for a in axes:
        if shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")
    return fn.apply(input, axes=axes, keepdim=keepdim)


def _amax_amin_out(
    fn: type[Amax], name: str, input: Tensor, dim: Dims, keepdim: bool, out: Tensor | None
) -> Tensor:
    if out is None:
        return _amax_amin(fn, name, input, dim, keepdim)
    check_out(name, out, (input,))
    if out.dtype is not input.dtype:
        raise RuntimeError(
            f"Expected the dtype for input and out to match, but got "
            f"{scalar_type_name(input.dtype)} for input's dtype and "
            f"{scalar_type_name(out.dtype)} for out's dtype."
        )
    # PyTorch's reductions write into out as they go: shared or expanded memory is no error
    return write_out(out, _amax_amin(fn, name, input, dim, keepdim), overlap_allowed=True)


def amax(
    input: Tensor, dim: Dims = (), keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Largest values over ``dim`` (all dims by default); ties share the gradient evenly.
    ``out``: a tensor of ``input``'s dtype to write them into (resized to fit)."""
    return _amax_amin_out(Amax, "amax", input, dim, keepdim, out)


def amin(
    input: Tensor, dim: Dims = (), keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Smallest values over ``dim`` (all dims by default); ties share the gradient evenly.
    ``out``: a tensor of ``input``'s dtype to write them into (resized to fit)."""
    return _amax_amin_out(Amin, "amin", input, dim, keepdim, out)


def _arg_extreme(
    fn: type[Argmax], name: str, input: Tensor, dim: int | None, keepdim: bool
) -> Tensor:
    if input.dtype == _dtype.bool:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if input.numel() == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        return fn.apply(input, axis=None, keepdim=keepdim)
    ndim = input.dim()
    d = wrap_dim(dim, ndim)
    if ndim and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return fn.apply(input, axis=d, keepdim=keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) largest element, of the flattened tensor or along ``dim``."""
    return _arg_extreme(Argmax, "argmax", input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) smallest element, of the flattened tensor or along ``dim``."""
    return _arg_extreme(Argmin, "argmin", input, dim, keepdim)


# ------------------------------------------------------------------ var, std
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
    axes = reduction_axes(input.dim(), dim)
    return fn.apply(input, axes=axes, correction=correction, keepdim=keepdim)


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
def logsumexp(input: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, without overflow."""
    if not input.is_floating_point():
        input = input.to(_dtype.get_default_dtype())
    return Logsumexp.apply(input, axes=reduction_axes(input.dim(), dim), keepdim=keepdim)


def _softmax_input(
    name: str, input: Tensor, dim: int, dtype: _dtype.dtype | None
) -> tuple[Tensor, int | None]:
    """The input in ``dtype`` and the axis to normalise along (None for a 0-d input)."""
    input = _with_dtype(input, dtype)
    ndim = input.dim()
    axis = wrap_dim(dim, ndim)  # PyTorch checks the dim before the dtype
    if not input.is_floating_point():
        raise NotImplementedError(
            f"\"{name}_kernel_impl\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    return input, (axis if ndim else None)


def _check_int_dim(name: str, dim: object, position: int) -> None:
    """PyTorch's TypeError for a ``dim`` that is no int: a bool or a float is refused (an
    integer tensor, like any ``__index__``, is taken)."""
    if isinstance(dim, bool) or not hasattr(type(dim), "__index__"):
        raise TypeError(
            f"{name}(): argument 'dim' (position {position}) must be int, not {type(dim).__name__}"
        )


def softmax(input: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """Rescale the slices along ``dim`` to positive numbers summing to 1."""
    _check_int_dim("softmax", dim, 2)
    input, axis = _softmax_input("softmax", input, dim, dtype)
    return Softmax.apply(input, axis=axis)


def log_softmax(input: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """``log(softmax(input, dim))``, computed without taking the log of a rounded-off 0."""
    _check_int_dim("log_softmax", dim, 2)
    input, axis = _softmax_input("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(input, axis=axis)


# The methods: PyTorch counts ``dim`` as the first argument there (``x.softmax(1.0)``).
def softmax_method(self: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """``Tensor.softmax``: :func:`softmax`, ``dim`` counted as its first argument."""
    _check_int_dim("softmax", dim, 1)
    return softmax(self, dim, dtype)


def log_softmax_method(self: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """``Tensor.log_softmax``: :func:`log_softmax`, ``dim`` counted as its first argument."""
    _check_int_dim("log_softmax", dim, 1)
    return log_softmax(self, dim, dtype)


# ------------------------------------------------------------------ any, all
def any(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where any element over ``dim`` is nonzero (not differentiable)."""
    return Any.apply(input, axes=reduction_axes(input.dim(), dim), keepdim=keepdim)


def all(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element over ``dim`` is nonzero (not differentiable)."""
    return All.apply(input, axes=reduction_axes(input.dim(), dim), keepdim=keepdim)
