"""Indexing Functions: ``x[key]``, ``x[key] = v``, ``index_select``, ``gather``, masks, nonzero.

numpy does the indexing. A key arrives checked by :mod:`minitorch._functional.indexing`,
as positional arguments after the indexed array: ints, slices, None, ``...``, Python bools
and index arrays (integers, or bool/uint8 masks) in PyTorch's order.

* *basic* keys (ints, slices, None, ``...``) give a view sharing storage; the
  backward writes the gradient into a zero array at the same place;
* *advanced* keys (index arrays, bools) copy; the same element may be picked
  several times, so the backward *adds* the gradient in with ``np.add.at`` and
  repeated indices accumulate.

The index arrays and masks are integers and bools: they get no gradient (every backward
here returns None for them) and, being PyTorch's non-differentiable arguments, no edge in
the graph (``non_differentiable``).
"""

from __future__ import annotations

import numpy as np

from minitorch._ops.elementwise import unbroadcast
from minitorch.autograd.function import Function


# ------------------------------------------------------------------ keys in numpy's terms
def _view_key(key: tuple) -> tuple:
    """A basic key with a trailing ``...``, which changes nothing but makes numpy return a
    0-d view rather than a scalar copy when every dimension is indexed by an int."""
    return key if Ellipsis in key else (*key, Ellipsis)


class BasicThenAdvanced(tuple):
    """A key that PyTorch applies in two steps, ``x[basic][advanced]``.

    PyTorch applies ints, slices, None and ``...`` first (a view), then the index tensors
    to the dimensions left. numpy counts an int as one more index array instead, which
    moves the result's dimensions: for ``x`` of shape (2, 3, 4), ``x[0, :, [1, 3]]`` has
    shape (3, 2) in PyTorch and (2, 3) in numpy. Indexing an array with this key
    (:func:`_index_array`) takes PyTorch's order.
    """


def _advanced_key(key: tuple) -> tuple:
    """An advanced key as numpy indexes with it the way PyTorch does.

    A uint8 mask (PyTorch's legacy byte mask) becomes bool, which numpy would otherwise
    read as indices; a key that mixes ints with index arrays is split in two steps
    (:class:`BasicThenAdvanced`).
    """
    items, has_int = [], False
    for item in key:
        if isinstance(item, np.ndarray):
            if item.dtype == np.uint8:
                item = item.astype(np.bool_)
        elif isinstance(item, int) and not isinstance(item, bool):
            has_int = True
        items.append(item)
    return _basic_first(items) if has_int else tuple(items)


def _basic_first(key: list) -> BasicThenAdvanced:
    basic: list = []
    advanced: list = []
    for item in key:
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


def _index_array(array: np.ndarray, key: tuple) -> tuple[np.ndarray, tuple]:
    """``(array, key)`` such that ``array[key]`` is what PyTorch's indexing selects."""
    if isinstance(key, BasicThenAdvanced):
        basic, advanced = key
        return array[basic], advanced
    return array, key


# ------------------------------------------------------------------ reading
class Slice(Function):
    """Basic indexing (a view): the gradient is written into zeros at the same place."""

    _is_view_op = True

    @staticmethod
    def forward(ctx, x, *key):
        ctx.input_shape, ctx.key, ctx.key_length = x.shape, _view_key(key), len(key)
        return x[ctx.key]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.input_shape, dtype=grad.dtype)
        out[ctx.key] = grad
        return (out,) + (None,) * ctx.key_length


# The same Function under PyTorch's node names, chosen by the key's last basic operation.
class Select(Slice):
    pass


class Alias(Slice):
    pass


class IndexUnsqueeze(Slice):
    backward_name = "UnsqueezeBackward0"


class Index(Function):
    """Advanced indexing (a copy): gradients of repeated picks add up (``np.add.at``)."""

    non_differentiable = slice(1, None)  # the key's index tensors and masks

    @staticmethod
    def forward(ctx, x, *key):
        ctx.input_shape, ctx.key, ctx.key_length = x.shape, _advanced_key(key), len(key)
        selected, step_key = _index_array(x, ctx.key)
        return selected[step_key]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.input_shape, dtype=grad.dtype)
        np.add.at(*_index_array(out, ctx.key), grad)
        return (out,) + (None,) * ctx.key_length


class IndexedShape(Function):
    """The shape ``x[key]`` has for an advanced key, as an int64 vector (never tracked).

    A mask's count of true elements decides it, so only the values can tell; ``x[key] =
    value`` checks ``value`` against it.
    """

    @staticmethod
    def forward(ctx, x, *key):
        selected, step_key = _index_array(x, _advanced_key(key))
        return np.array(selected[step_key].shape, dtype=np.int64)


class FirstOutOfRange(Function):
    """The first element of ``index`` outside ``[low, high)``, as a 1-element array, or an
    empty one when all are inside (never tracked): the functional floor's bounds check."""

    @staticmethod
    def forward(ctx, index, low, high):
        return index[(index < low) | (index >= high)][:1]


# ------------------------------------------------------------------ writing
class IndexPut(Function):
    """``x[key] = value`` for an advanced key, out of place (PyTorch's ``index_put``).

    ``x`` gets no gradient where it was overwritten; ``value`` (of ``x``'s dtype) gets the
    gradient at ``key``.
    """

    non_differentiable = slice(2, None)  # the key's index tensors and masks

    @staticmethod
    def forward(ctx, x, value, *key):
        ctx.key, ctx.key_length, ctx.value_shape = _advanced_key(key), len(key), value.shape
        out = x.copy()
        target, step_key = _index_array(out, ctx.key)
        target[step_key] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = grad.copy()
            target, step_key = _index_array(grad_x, ctx.key)
            target[step_key] = 0
        grad_value = None
        if ctx.needs_input_grad[1]:
            selected, step_key = _index_array(grad, ctx.key)
            grad_value = unbroadcast(selected[step_key], ctx.value_shape)
        return (grad_x, grad_value) + (None,) * ctx.key_length


# ------------------------------------------------------------------ index_select, gather
class IndexSelect(Function):
    """Pick whole slices along ``dim``; repeated picks add their gradients."""

    non_differentiable = (1,)  # index

    @staticmethod
    def forward(ctx, x, index, dim):
        index = index.reshape(-1)  # a 0-d index picks one slice, keeping the dimension
        ctx.input_shape, ctx.index, ctx.dim = x.shape, index, dim
        return np.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.input_shape, dtype=grad.dtype)
        np.add.at(out, (slice(None),) * ctx.dim + (ctx.index,), grad)
        return out, None


class Gather(Function):
    """``out[i][j] = x[index[i][j]][j]`` (for dim 0); the gradient is scattered back and added."""

    non_differentiable = (1,)  # index

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.input_shape = x.shape
        if dim is None:  # an empty index, whatever its dtype and shape: nothing to pick
            ctx.grid = None
            return np.empty(index.shape, x.dtype)
        grid = list(np.indices(index.shape, sparse=True))
        grid[dim] = index
        ctx.grid = tuple(grid)
        return x[ctx.grid]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.input_shape, dtype=grad.dtype)
        if ctx.grid is not None:
            np.add.at(out, ctx.grid, grad)
        return out, None


# ------------------------------------------------------------------ masks
class MaskedFill(Function):
    """``value`` where ``mask`` is true, else ``x``; the value's gradient sums the masked places."""

    non_differentiable = (2,)  # mask

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
        return grad_x, grad_value, None


class MaskedSelect(Function):
    """The elements where ``mask`` is true, as a 1-d array; the gradient goes back to them."""

    non_differentiable = (1,)  # mask

    @staticmethod
    def forward(ctx, x, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        ctx.input_shape, ctx.mask = x.shape, np.broadcast_to(mask, shape)
        return np.broadcast_to(x, shape)[ctx.mask]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.mask.shape, dtype=grad.dtype)
        out[ctx.mask] = grad
        return unbroadcast(out, ctx.input_shape), None


class Nonzero(Function):
    """The indices of the nonzero elements, one row per element: ``(n, ndim)`` int64."""

    @staticmethod
    def forward(ctx, x):
        return np.argwhere(x).astype(np.int64)


class NonzeroTuple(Function):
    """The indices of the nonzero elements, one 1-d int64 array per dimension (a 0-d input
    counts as 1-d)."""

    @staticmethod
    def forward(ctx, x):
        return tuple(i.astype(np.int64) for i in np.nonzero(np.atleast_1d(x)))
