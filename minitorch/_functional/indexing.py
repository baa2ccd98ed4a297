"""Indexing: ``x[...]``, ``x[...] = v``, ``index_select``, ``gather``, ``masked_fill``, ``nonzero``.

PyTorch's indexing follows numpy's rules, so a key is checked and translated
once (:func:`parse_key`) and numpy does the indexing:

* *basic* keys (ints, slices, None, ``...``) give a view sharing storage; the
  backward writes the gradient into a zero tensor at the same place;
* *advanced* keys (integer or bool tensors, lists) copy; the same element may
  be picked several times, so the backward *adds* the gradient in with
  ``np.add.at`` and repeated indices accumulate.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from minitorch._checks import broadcast_shapes, wrap_dim
from minitorch._functional.inplace import check_broadcast_into, has_internal_overlap, inplace
from minitorch._functional.shape import expanded_shape
from minitorch._ops.elementwise import unbroadcast
from minitorch._tensor import Tensor, tensor_method
from minitorch.autograd.function import Function

Scalar = int | float | bool


# ------------------------------------------------------------------ keys
def _index_array(value: Any) -> np.ndarray:
    """A tensor/list/array index as an int64 or bool array; IndexError for other dtypes."""
    array = np.asarray(value._data if isinstance(value, Tensor) else value)
    if array.dtype == np.bool_:
        return array
    if array.dtype == np.uint8:  # PyTorch's legacy byte mask
        return array.astype(np.bool_)
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    if array.size == 0 and not isinstance(value, Tensor):  # ``x[[]]``: an empty integer index
        return array.astype(np.int64)
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _key_item(item: Any) -> Any:
    """One entry of a key in numpy's terms: int, slice, None, Ellipsis, bool or an index array."""
    if item is None or item is Ellipsis or isinstance(item, bool):
        return item
    if isinstance(item, Tensor):
        data = item._data
        if data.ndim == 0 and data.dtype.kind in "iu" and data.dtype != np.uint8:
            return int(data)  # a 0-d integer tensor selects, like an int
        return _index_array(item)
    if isinstance(item, (list, tuple, np.ndarray)):
        return _index_array(item)
    if isinstance(item, slice):
        return item
    try:
        return operator.index(item)
    except TypeError:
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            f"valid indices (got {type(item).__name__})"
        ) from None


def _dims_used(item: Any) -> int:
    """How many dimensions of the indexed tensor one key entry consumes."""
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    if isinstance(item, np.ndarray) and item.dtype == np.bool_:
        return item.ndim
    return 1


def _sequence_as_tuple(key: Any) -> bool:
    """numpy's old rule, kept by PyTorch: ``x[[[0, 1], [2, 2]]]`` means ``x[[0, 1], [2, 2]]``.

    A short list holding a sequence, tensor, slice, None or Ellipsis is read as a tuple key.
    """
    if not isinstance(key, list) or len(key) >= 32:
        return False
    return any(
        item is None
        or item is Ellipsis
        or isinstance(item, (Tensor, list, tuple, slice, np.ndarray))
        for item in key
    )


def parse_key(key: Any, shape: tuple[int, ...]) -> tuple[tuple, bool, str]:
    """Check ``key`` against ``shape`` with PyTorch's errors and translate it for numpy.

    Returns ``(numpy_key, is_advanced, last_op)`` where ``last_op`` names the
    basic operation applied last (it names the graph node, as in PyTorch).
    """
    if _sequence_as_tuple(key):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated; use "
            "x[tuple(seq)] instead of x[seq]. PyTorch will read it as x[torch.tensor(seq)].",
            UserWarning,
            stacklevel=3,
        )
        key = tuple(key)
    items = tuple(_key_item(k) for k in (key if isinstance(key, tuple) else (key,)))
    ndim = len(shape)
    if sum(item is Ellipsis for item in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(_dims_used(item) for item in items)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    dim = 0
    kept_sizes = list(shape)  # what each dimension keeps of its length after the key
    index_arrays = []
    for position, item in enumerate(items):
        if item is Ellipsis:
            dim += ndim - used
        elif isinstance(item, np.ndarray) and item.dtype == np.bool_:
            _check_mask(item, shape, dim)
            dim += item.ndim
        elif isinstance(item, np.ndarray):
            index_arrays.append((position, dim))
            kept_sizes[dim] = item.size
            dim += 1
        elif isinstance(item, int) and not isinstance(item, bool):
            _check_in_bounds(item, shape[dim], dim)
            dim += 1
        elif isinstance(item, slice):
            # checked after the index count, the order in which PyTorch reports the two
            if item.step is not None and operator.index(item.step) <= 0:
                raise ValueError("step must be greater than zero")
            kept_sizes[dim] = len(range(*item.indices(shape[dim])))
            dim += 1
    # PyTorch gathers nothing, and so checks no index, when the result has no elements;
    # only an index into a dimension of size 0 is refused even then
    result_is_empty = 0 in kept_sizes
    for position, array_dim in index_arrays:
        if not result_is_empty or shape[array_dim] == 0:
            _check_in_bounds(items[position], shape[array_dim], array_dim)
        else:  # any index gathers nothing here; 0 is one numpy accepts
            items = (*items[:position], np.zeros_like(items[position]), *items[position + 1 :])
    advanced = any(isinstance(item, (np.ndarray, bool)) for item in items)
    last = next((item for item in reversed(items) if item is not Ellipsis), Ellipsis)
    if isinstance(last, int):
        last_op = "select"
    elif isinstance(last, slice):
        last_op = "slice"
    else:
        last_op = "unsqueeze" if last is None else "alias"
    if not advanced and not any(item is Ellipsis for item in items):
        # A trailing ``...`` changes nothing but makes numpy return a 0-d view, not a scalar copy.
        items = items + (Ellipsis,)
    if advanced and any(isinstance(item, int) and not isinstance(item, bool) for item in items):
        return _basic_first(items), advanced, last_op
    return items, advanced, last_op


class BasicThenAdvanced(tuple):
    """A key that PyTorch applies in two steps, ``x[basic][advanced]``.

    PyTorch applies ints, slices, None and ``...`` first (a view), then the index tensors
    to the dimensions left. numpy counts an int as one more index array instead, which
    moves the result's dimensions: for ``x`` of shape (2, 3, 4), ``x[0, :, [1, 3]]`` has
    shape (3, 2) in PyTorch and (2, 3) in numpy. Indexing an array with this key
    (:func:`index_array`) takes PyTorch's order.
    """


def _basic_first(items: tuple) -> BasicThenAdvanced:
    basic, advanced = [], []
    for item in items:
        if isinstance(item, bool):
            advanced.append(item)
        elif isinstance(item, np.ndarray):
            basic.extend([slice(None)] * (item.ndim if item.dtype == np.bool_ else 1))
            advanced.append(item)
        elif isinstance(item, int):
            basic.append(item)
        else:  # slice, None, Ellipsis: applied in the first step, kept whole in the second
            basic.append(item)
            advanced.append(Ellipsis if item is Ellipsis else slice(None))
    return BasicThenAdvanced((tuple(basic), tuple(advanced)))


def index_array(array: np.ndarray, key: tuple) -> tuple[np.ndarray, tuple]:
    """``(array, key)`` such that ``array[key]`` is what PyTorch's indexing selects."""
    if isinstance(key, BasicThenAdvanced):
        basic, advanced = key
        return array[basic], advanced
    return array, key


def _check_in_bounds(index: int | np.ndarray, size: int, dim: int) -> None:
    bad = np.asarray(index)
    bad = bad[(bad >= size) | (bad < -size)]
    if bad.size:
        raise IndexError(
            f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {size}"
        )


def _check_mask(mask: np.ndarray, shape: tuple[int, ...], dim: int) -> None:
    for j, n in enumerate(mask.shape):
        if shape[dim + j] != n:
            raise IndexError(
                f"The shape of the mask {list(mask.shape)} at index {j} does not match the shape "
                f"of the indexed tensor {list(shape)} at index {dim + j}"
            )


# ------------------------------------------------------------------ reading
class Slice(Function):
    """Basic indexing (a view): the gradient is written into zeros at the same place."""

    _is_view_op = True

    @staticmethod
    def forward(ctx, x, key):
        ctx.input_shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.input_shape, dtype=grad.dtype)
        out[ctx.key] = grad
        return out


# The same Function under PyTorch's node names, chosen by the key's last basic operation.
class Select(Slice):
    pass


class Alias(Slice):
    pass


class IndexUnsqueeze(Slice):
    backward_name = "UnsqueezeBackward0"


class Index(Function):
    """Advanced indexing (a copy): gradients of repeated picks add up (``np.add.at``)."""

    @staticmethod
    def forward(ctx, x, key):
        ctx.input_shape, ctx.key = x.shape, key
        selected, key = index_array(x, key)
        return selected[key]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.input_shape, dtype=grad.dtype)
        np.add.at(*index_array(out, ctx.key), grad)
        return out


_BASIC_INDEX = {"select": Select, "slice": Slice, "unsqueeze": IndexUnsqueeze, "alias": Alias}


@tensor_method(name="__getitem__")
def _getitem(self: Tensor, key: Any) -> Tensor:
    """``x[key]`` with PyTorch's (= numpy's) rules: basic keys give views, advanced keys copies."""
    numpy_key, advanced, last_op = parse_key(key, self._data.shape)
    fn = Index if advanced else _BASIC_INDEX[last_op]
    return fn.apply(self, key=numpy_key)


# ------------------------------------------------------------------ writing
class IndexPut(Function):
    """``x[key] = value`` for an advanced key, out of place (PyTorch's ``index_put``).

    ``x`` gets no gradient where it was overwritten; ``value`` gets the gradient at ``key``.
    """

    @staticmethod
    def forward(ctx, x, value, key):
        ctx.key, ctx.value_shape = key, np.shape(value)
        out = x.copy()
        target, key = index_array(out, key)
        target[key] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = grad.copy()
            target, key = index_array(grad_x, ctx.key)
            target[key] = 0
        grad_value = None
        if ctx.needs_input_grad[1]:
            selected, key = index_array(grad, ctx.key)
            grad_value = unbroadcast(selected[key], ctx.value_shape)
        return grad_x, grad_value


def _check_value_fits(
    value_shape: tuple[int, ...], target: tuple[int, ...], advanced: bool
) -> None:
    if advanced:
        try:
            fits = np.broadcast_shapes(value_shape, target) == target
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(value_shape)} cannot be broadcast "
                f"to indexing result of shape {list(target)}"
            )
    else:
        expanded_shape(_without_leading_ones(value_shape, len(target)), target)


def _without_leading_ones(shape: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    """Leading size-1 dimensions beyond ``ndim`` dropped, as PyTorch's assignment does."""
    while len(shape) > ndim and shape[0] == 1:
        shape = shape[1:]
    return shape


@tensor_method(name="__setitem__")
def _setitem(self: Tensor, key: Any, value: Tensor | Scalar) -> None:
    """``x[key] = value``, as PyTorch does it.

    A basic key writes through the view ``x[key]`` (``copy_``), so under
    autograd ``x`` gets a ``CopySlices`` node; an advanced key is ``x.index_put_``.
    """
    if not isinstance(value, (Tensor, bool, int, float)):
        raise TypeError(f"can't assign a {type(value).__name__} to a minitorch.Tensor")
    numpy_key, advanced, last_op = parse_key(key, self._data.shape)
    selected, step_key = index_array(np.empty(self._data.shape, dtype=np.bool_), numpy_key)
    target = selected[step_key].shape
    if isinstance(value, Tensor):
        _check_value_fits(value._data.shape, target, advanced)
    if advanced:
        if not isinstance(value, Tensor):
            value = Tensor._make(np.asarray(value, dtype=self._data.dtype))
        elif value.dtype is not self.dtype:
            value = value._cast(self.dtype)
        inplace(self, IndexPut.apply, value, key=numpy_key)
        return
    view = _BASIC_INDEX[last_op].apply(self, key=numpy_key)
    if isinstance(value, Tensor):
        value = value.reshape(_without_leading_ones(value._data.shape, len(target)))
    else:  # PyTorch copies a number as a 0-d tensor too (so expanded memory is refused)
        value = Tensor._make(np.asarray(value, dtype=self._data.dtype))
    view.copy_(value)


# ------------------------------------------------------------------ index_select, gather
def _check_index_dtype(index: Tensor, message: str) -> np.ndarray:
    if not isinstance(index, Tensor) or index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(message)
    return index._data.astype(np.int64, copy=False)


class IndexSelect(Function):
    """Pick whole slices along ``dim``; repeated picks add their gradients."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.input_shape, ctx.index, ctx.dim = x.shape, index, dim
        return np.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.input_shape, dtype=grad.dtype)
        np.add.at(out, (slice(None),) * ctx.dim + (ctx.index,), grad)
        return out


@tensor_method
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in the 1-d ``index``."""
    positions = _check_index_dtype(index, "index_select(): Expected dtype int32 or int64 for index")
    if positions.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    size = shape[d] if shape else 1
    if positions.size and (positions.min() < 0 or positions.max() >= size):  # no negatives here
        raise IndexError("index out of range in self")
    if not shape:  # a 0-d input behaves as one element
        return IndexSelect.apply(input.reshape(1), index=positions.reshape(-1), dim=0).reshape(
            positions.shape
        )
    return IndexSelect.apply(input, index=positions.reshape(-1), dim=d)


class Gather(Function):
    """``out[i][j] = x[index[i][j]][j]`` (for dim 0); the gradient is scattered back and added."""

    @staticmethod
    def forward(ctx, x, index, dim):
        grid = list(np.indices(index.shape, sparse=True))
        grid[dim] = index
        ctx.input_shape, ctx.grid = x.shape, tuple(grid)
        return x[ctx.grid]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.input_shape, dtype=grad.dtype)
        np.add.at(out, ctx.grid, grad)
        return out


@tensor_method
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Values along ``dim`` at the positions in ``index`` (same number of dims as ``input``)."""
    if sparse_grad:
        raise NotImplementedError("gather(sparse_grad=True): minitorch has no sparse tensors")
    positions = _check_index_dtype(index, "gather(): Expected dtype int32/int64 for index")
    shape = input._data.shape
    if positions.ndim != len(shape) and not (positions.ndim <= 1 and len(shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    d = wrap_dim(dim, len(shape))
    if not shape or positions.ndim == 0:  # 0-d tensors act as 1-d tensors of one element
        result = gather(input.reshape(-1), 0, Tensor._make(positions.reshape(-1)))
        return result.reshape(positions.shape)
    for axis, (n_index, n_input) in enumerate(zip(positions.shape, shape, strict=True)):
        if axis != d and n_index > n_input:
            raise RuntimeError(
                f"Size does not match at dimension {axis} expected index {list(positions.shape)} "
                f"to be no larger than self {list(shape)} apart from dimension {d}"
            )
    bad = positions[(positions < 0) | (positions >= shape[d])]
    if bad.size:
        raise RuntimeError(
            f"index {int(bad.flat[0])} is out of bounds for dimension {d} with size {shape[d]}"
        )
    return Gather.apply(input, index=positions, dim=d)


# ------------------------------------------------------------------ masks
class MaskedFill(Function):
    """``value`` where ``mask`` is true, else ``x``; the value's gradient sums the masked places."""

    @staticmethod
    def forward(ctx, x, value, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        ctx.input_shape, ctx.mask = x.shape, np.broadcast_to(mask, shape)
        ctx.value_dtype = np.asarray(value).dtype
        return np.where(ctx.mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        grad_x = unbroadcast(np.where(ctx.mask, 0, grad).astype(grad.dtype), ctx.input_shape)
        grad_value = np.asarray(np.sum(grad, where=ctx.mask), dtype=ctx.value_dtype)
        return grad_x, grad_value


def _check_mask_and_value(mask: Tensor, value: Tensor | Scalar) -> None:
    if mask._data.dtype != np.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}"
        )
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s)."
        )


@tensor_method
def masked_fill(input: Tensor, mask: Tensor, value: Tensor | Scalar) -> Tensor:
    """A copy of ``input`` with ``value`` wherever the bool ``mask`` (broadcast) is true."""
    _check_mask_and_value(mask, value)
    broadcast_shapes(input._data.shape, mask._data.shape)
    return MaskedFill.apply(input, value, mask=mask._data)


@tensor_method
def masked_fill_(input: Tensor, mask: Tensor, value: Tensor | Scalar) -> Tensor:
    """In place: write ``value`` wherever ``mask`` (broadcast to ``input``'s shape) is true."""
    _check_mask_and_value(mask, value)
    check_broadcast_into(input, mask)
    expanded = has_internal_overlap(input._data)
    if expanded:
        warnings.warn(
            "Use of masked_fill_ on expanded tensors is deprecated. Please clone() the tensor "
            "before performing this operation. This also applies to advanced indexing e.g. "
            "tensor[mask] = scalar",
            UserWarning,
            stacklevel=2,
        )
    return inplace(input, masked_fill, mask, value, overlap_allowed=expanded)


class MaskedSelect(Function):
    """The elements where ``mask`` is true, as a 1-d tensor; the gradient goes back to them."""

    @staticmethod
    def forward(ctx, x, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        ctx.input_shape, ctx.mask = x.shape, np.broadcast_to(mask, shape)
        return np.broadcast_to(x, shape)[ctx.mask]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.mask.shape, dtype=grad.dtype)
        out[ctx.mask] = grad
        return unbroadcast(out, ctx.input_shape)


@tensor_method
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` (broadcast) is true, flattened."""
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    broadcast_shapes(input._data.shape, mask._data.shape)
    return MaskedSelect.apply(input, mask=mask._data)


@tensor_method
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """Indices of the nonzero elements: an ``(n, ndim)`` int64 tensor, or one 1-d tensor per dim."""
    data = input._data
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    return Tensor._make(np.argwhere(data).astype(np.int64))


@tensor_method
def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)
