"""Indexing: ``x[...]``, ``x[...] = v``, ``index_select``, ``gather``, ``masked_fill``, ``nonzero``.

PyTorch's indexing follows numpy's rules, so a key is checked once (:func:`parse_key`)
with PyTorch's errors and handed to the Functions of :mod:`minitorch._ops.indexing`:

* a *basic* key (ints, slices, None, ``...``) gives a view sharing storage;
* an *advanced* key (integer or bool tensors, lists) copies.

Lists and arrays in a key become index tensors; every index tensor goes to ``apply`` as a
Tensor, and its integers or bools never require grad. Whether an index tensor's values are
in bounds only its values can tell: a small Function (``FirstOutOfRange``) finds the first
one that is not, for PyTorch's message. ``x[key]`` and ``x[key] = v`` ask it only after
numpy refused the key (numpy checks the bounds as it indexes), so indexing that succeeds
pays nothing for the check.
"""

from __future__ import annotations

import numbers
import operator
import warnings
from typing import Any

import numpy as np

from minitorch import _dtype
from minitorch._checks import (
    broadcast_shapes,
    checked_conversion,
    cpp_type_name,
    parsed_number,
    wrap_dim,
)
from minitorch._creation import as_tensor, zeros_like
from minitorch._functional.elementwise import (
    invalid_arguments,
    scalar_operand,
)
from minitorch._functional.inplace import check_broadcast_into, check_out, fill_value, write_out
from minitorch._functional.shape import expanded_shape
from minitorch._ops.indexing import (
    Alias,
    FirstOutOfRange,
    Gather,
    Index,
    IndexedShape,
    IndexPut,
    IndexSelect,
    IndexUnsqueeze,
    MaskedFill,
    MaskedSelect,
    Nonzero,
    NonzeroTuple,
    Select,
    Slice,
)
from minitorch._tensor import Tensor
from minitorch.autograd.inplace import OVERLAPPING_WRITE, has_internal_overlap, inplace

Scalar = int | float | bool

_MASK_DTYPES = (_dtype.bool, _dtype.uint8)  # uint8: PyTorch's legacy byte mask
_INDEX_DTYPES = (_dtype.int64, _dtype.int32, _dtype.int16, _dtype.int8)


# ------------------------------------------------------------------ keys
def _index_tensor(value: Any) -> tuple[Tensor, str]:
    """A tensor/list/array index as an ``index`` (integer) or ``mask`` (bool, uint8) tensor
    and that kind; IndexError for other dtypes."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "u" and value.dtype.itemsize > 1:
        value = value.tolist()  # minitorch has no uint16/32/64 tensors, but their values index
    index = value if isinstance(value, Tensor) else as_tensor(value)
    dtype = index.dtype
    if dtype in _INDEX_DTYPES:
        return index, "index"
    if dtype in _MASK_DTYPES:
        return index, "mask"
    if index.numel() == 0 and not isinstance(value, Tensor):  # ``x[[]]``: an empty integer index
        return as_tensor(value, dtype=_dtype.int64), "index"
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _key_entry(item: Any) -> tuple[Any, str]:
    """One entry of a key and its kind: ``int``, ``slice``, ``none``, ``ellipsis``, ``bool``
    (a Python bool), ``index`` (an integer tensor) or ``mask`` (a bool or uint8 tensor)."""
    if isinstance(item, slice):
        return item, "slice"
    if item is None:
        return item, "none"
    if item is Ellipsis:
        return item, "ellipsis"
    if isinstance(item, bool):
        return item, "bool"
    if isinstance(item, (Tensor, list, tuple, np.ndarray)):
        index, kind = _index_tensor(item)
        if kind == "index" and isinstance(item, Tensor) and item.dim() == 0:
            return item.item(), "int"  # a 0-d integer tensor selects, like an int
        return index, kind
    try:
        return operator.index(item), "int"
    except TypeError:
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            f"valid indices (got {type(item).__name__})"
        ) from None


# how many dimensions of the indexed tensor an entry of each kind consumes (a mask: its own)
_DIMS_USED = {"int": 1, "slice": 1, "index": 1, "none": 0, "ellipsis": 0, "bool": 0}
# PyTorch's node for a basic key is named after the key's last entry other than ``...``
_LAST_OP = {"int": "select", "slice": "slice", "none": "unsqueeze"}


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


def parse_key(key: Any, shape: tuple[int, ...]) -> tuple[tuple, bool, str, tuple]:
    """Check ``key`` against ``shape`` with PyTorch's errors; return its entries as the
    indexing Functions take them.

    Returns ``(items, is_advanced, last_op, index_dims)``: ``last_op`` names the basic
    operation applied last (it names the graph node, as in PyTorch); ``index_dims`` holds
    ``(position in items, dimension indexed)`` for each index tensor, whose values
    :func:`_check_index_bounds` checks.
    """
    if _sequence_as_tuple(key):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated; use "
            "x[tuple(seq)] instead of x[seq]. PyTorch will read it as x[torch.tensor(seq)].",
            UserWarning,
            stacklevel=3,
        )
        key = tuple(key)
    entries = [_key_entry(k) for k in (key if isinstance(key, tuple) else (key,))]
    ndim = len(shape)
    kinds = [kind for _, kind in entries]
    if kinds.count("ellipsis") > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(item.dim() if kind == "mask" else _DIMS_USED[kind] for item, kind in entries)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    dim = 0
    kept_sizes = list(shape)  # what each dimension keeps of its length after the key
    index_dims = []
    for position, (item, kind) in enumerate(entries):
        if kind == "int":
            if not -shape[dim] <= item < shape[dim]:
                raise _out_of_bounds(item, shape[dim], dim)
            dim += 1
        elif kind == "slice":
            # checked after the index count, the order in which PyTorch reports the two
            if item.step is not None and operator.index(item.step) <= 0:
                raise ValueError("step must be greater than zero")
            kept_sizes[dim] = len(range(*item.indices(shape[dim])))
            dim += 1
        elif kind == "index":
            index_dims.append((position, dim))
            kept_sizes[dim] = item.numel()
            dim += 1
        elif kind == "mask":
            _check_mask(item, shape, dim)
            dim += item.dim()
        elif kind == "ellipsis":
            dim += ndim - used
    items = [item for item, _ in entries]
    if 0 in kept_sizes:
        # PyTorch gathers nothing, and so checks no index, when the result has no elements;
        # only an index into a dimension of size 0 is refused even then. 0 is an index
        # that any other dimension accepts.
        for position, index_dim in index_dims:
            if shape[index_dim]:
                items[position] = zeros_like(items[position])
    advanced = "index" in kinds or "mask" in kinds or "bool" in kinds
    last = next((kind for kind in reversed(kinds) if kind != "ellipsis"), "ellipsis")
    return tuple(items), advanced, _LAST_OP.get(last, "alias"), tuple(index_dims)


def _check_index_bounds(items: tuple, index_dims: tuple, shape: tuple[int, ...]) -> None:
    """PyTorch's IndexError for the first index tensor of a key holding a value out of
    bounds for its dimension (``index_dims`` as :func:`parse_key` returns it)."""
    for position, dim in index_dims:
        size = shape[dim]
        bad = _first_out_of_range(items[position], -size, size)
        if bad is not None:
            raise _out_of_bounds(bad, size, dim)


def _first_out_of_range(index: Tensor, low: int, high: int) -> int | None:
    """The first value of ``index`` outside ``[low, high)``, or None."""
    found = FirstOutOfRange.apply(index, low, high)
    return found.item() if found.numel() else None


def _out_of_bounds(index: int, size: int, dim: int) -> IndexError:
    return IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")


def _check_mask(mask: Tensor, shape: tuple[int, ...], dim: int) -> None:
    for j, n in enumerate(mask.shape):
        if shape[dim + j] != n:
            raise IndexError(
                f"The shape of the mask {list(mask.shape)} at index {j} does not match the shape "
                f"of the indexed tensor {list(shape)} at index {dim + j}"
            )


# ------------------------------------------------------------------ reading
_BASIC_INDEX = {"select": Select, "slice": Slice, "unsqueeze": IndexUnsqueeze, "alias": Alias}


def getitem(self: Tensor, key: Any) -> Tensor:
    """``x[key]`` with PyTorch's (= numpy's) rules: basic keys give views, advanced keys copies."""
    shape = tuple(self.shape)
    items, advanced, last_op, index_dims = parse_key(key, shape)
    if not advanced:
        return _BASIC_INDEX[last_op].apply(self, *items)
    try:
        return Index.apply(self, *items)
    except IndexError:
        # numpy refused an index out of bounds (or index tensors whose shapes do not
        # broadcast, an IndexError that comes through as it is)
        _check_index_bounds(items, index_dims, shape)
        raise


# ------------------------------------------------------------------ writing
def _check_broadcasts_to_result(value_shape: tuple[int, ...], target: tuple[int, ...]) -> None:
    try:
        fits = broadcast_shapes(value_shape, target) == target
    except RuntimeError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(value_shape)} cannot be broadcast "
            f"to indexing result of shape {list(target)}"
        )


def _without_leading_ones(shape: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    """Leading size-1 dimensions beyond ``ndim`` dropped, as PyTorch's assignment does."""
    while len(shape) > ndim and shape[0] == 1:
        shape = shape[1:]
    return shape


def _index_put(self: Tensor, items: tuple, value: Tensor | Scalar) -> None:
    """``self[items] = value`` for an advanced key: PyTorch's ``index_put_``."""
    if not isinstance(value, Tensor):  # PyTorch writes a number as a 0-d tensor
        value = _assigned_number(self, value)
    else:
        target = tuple(IndexedShape.apply(self, *items).tolist())
        _check_broadcasts_to_result(tuple(value.shape), target)
        if value.dtype is not self.dtype:
            value = value._cast(self.dtype)
    inplace(self, IndexPut.apply, value, *items)


def _assigned_number(self: Tensor, value: numbers.Number) -> Tensor:
    """A number assigned into ``self`` as the 0-d tensor PyTorch writes: converted as ``fill_``
    converts it, after the argument parser has read an int as a C ``long long``."""
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise ValueError("Overflow when unpacking long long")
    return scalar_operand(fill_value(self, value, through_double=True), self.dtype)


def setitem(self: Tensor, key: Any, value: Tensor | Scalar) -> None:
    """``x[key] = value``, as PyTorch does it.

    A basic key writes through the view ``x[key]`` (``copy_``), so under
    autograd ``x`` gets a ``CopySlices`` node; an advanced key is ``x.index_put_``.
    """
    # Python's numbers and numpy's integers; numpy's floats and bools PyTorch refuses
    if not isinstance(value, Tensor | int | float | complex | np.integer):
        kind = type(value)
        name = (
            kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        )
        raise TypeError(f"can't assign a {name} to a {self.type()}")
    shape = tuple(self.shape)
    items, advanced, last_op, index_dims = parse_key(key, shape)
    if advanced:
        try:
            _index_put(self, items, value)
        except IndexError:  # as in ``getitem``
            _check_index_bounds(items, index_dims, shape)
            raise
        return
    view = _BASIC_INDEX[last_op].apply(self, *items)
    if isinstance(value, Tensor):
        kept = _without_leading_ones(tuple(value.shape), view.dim())
        expanded_shape(kept, tuple(view.shape))
        value = value.reshape(kept)
    else:  # PyTorch copies a number as a 0-d tensor too (so expanded memory is refused)
        value = _assigned_number(self, value)
    view.copy_(value)


# ------------------------------------------------------------------ index_select, gather
def _check_index_tensor(name: str, index: object) -> None:
    if not isinstance(index, Tensor):
        raise TypeError(
            f"{name}(): argument 'index' (position 3) must be Tensor, not {type(index).__name__}"
        )


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in the 1-d (or 0-d) ``index``;
    a 0-d ``input`` is one element, which a one-element ``index`` picks. ``out``: a tensor of
    ``input``'s dtype to write them into (resized to fit)."""
    _check_index_tensor("index_select", index)
    if out is not None:
        check_out("index_select", out, (input,))
        if out.dtype is not input.dtype:
            raise RuntimeError("index_select(): self and result must have the same scalar type")
        if has_internal_overlap(out):  # PyTorch's index_select refuses it before resizing
            raise RuntimeError(OVERLAPPING_WRITE)
        return write_out(out, index_select(input, dim, index), (input, index))
    shape = input.shape
    d = wrap_dim(dim, len(shape))
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if not shape and index.numel() != 1:
        raise RuntimeError(
            f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)"
        )
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    size = shape[d] if shape else 1
    if _first_out_of_range(index, 0, size) is not None:  # no negative positions here
        raise IndexError("index out of range in self")
    if not shape:  # the one element, as a 0-d tensor again
        return IndexSelect.apply(input.reshape(1), index, dim=0).reshape(())
    return IndexSelect.apply(input, index, dim=d)


def gather(
    input: Tensor,
    dim: int,
    index: Tensor,
    *,
    sparse_grad: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """Values along ``dim`` at the positions in ``index`` (same number of dims as ``input``).

    An empty ``index`` gives an empty result of its shape, checking nothing but ``dim``, as
    in PyTorch. ``out``: a tensor of ``input``'s dtype to write the result into.
    """
    _check_index_tensor("gather", index)
    if out is not None:
        check_out("gather", out, (input,))
        if out.dtype is not input.dtype:
            raise RuntimeError(
                f"Expected out tensor to have dtype {cpp_type_name(input.dtype)}, but got "
                f"{cpp_type_name(out.dtype)} instead"
            )
        return write_out(out, gather(input, dim, index, sparse_grad=sparse_grad), (input, index))
    if sparse_grad:
        raise NotImplementedError("gather(sparse_grad=True): minitorch has no sparse tensors")
    shape, index_shape = tuple(input.shape), tuple(index.shape)
    d = wrap_dim(dim, len(shape))
    if index.numel() == 0:
        return Gather.apply(input, index, dim=None)
    _check_index_dtype(index, "gather(): Expected dtype int32/int64 for index")
    if len(index_shape) != len(shape) and not (len(index_shape) <= 1 and len(shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if not shape or not index_shape:  # 0-d tensors act as 1-d tensors of one element
        return gather(input.reshape(-1), 0, index.reshape(-1)).reshape(index_shape)
    for axis, (n_index, n_input) in enumerate(zip(index_shape, shape, strict=True)):
        if axis != d and n_index > n_input:
            raise RuntimeError(
                f"Size does not match at dimension {axis} expected index {list(index_shape)} "
                f"to be no larger than self {list(shape)} apart from dimension {d}"
            )
    bad = _first_out_of_range(index, 0, shape[d])
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {shape[d]}")
    return Gather.apply(input, index, dim=d)


def _check_index_dtype(index: Tensor, message: str) -> None:
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(message)


# ------------------------------------------------------------------ masks
_MASKED_FILL_SIGNATURES = (
    "(Tensor input, Tensor mask, Tensor value)",
    "(Tensor input, Tensor mask, Number value)",
)
_MASKED_FILL_METHOD_SIGNATURES = ("(Tensor mask, Tensor value)", "(Tensor mask, Number value)")


def _fill_number(name: str, input: Tensor, mask: Tensor, value: object) -> Tensor | Scalar:
    """``value`` as ``masked_fill`` takes it: a tensor, or a number converted to ``input``'s
    dtype with PyTorch's overflow check (a complex number must be real)."""
    if isinstance(value, Tensor):
        return value
    if not isinstance(value, numbers.Number):
        if name == "masked_fill_":  # a method only: PyTorch does not count the tensor
            raise invalid_arguments(name, (mask, value), _MASKED_FILL_METHOD_SIGNATURES, wrong=(1,))
        raise invalid_arguments(name, (input, mask, value), _MASKED_FILL_SIGNATURES, wrong=(2,))
    number = value.item() if isinstance(value, np.generic) else value
    return checked_conversion(parsed_number(number), input.dtype)


def _check_mask_and_value(mask: Tensor, value: Tensor | Scalar) -> None:
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}"
        )
    if isinstance(value, Tensor) and value.dim():
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.dim()} dimension(s)."
        )


def masked_fill(input: Tensor, mask: Tensor, value: Tensor | Scalar) -> Tensor:
    """A copy of ``input`` with ``value`` wherever the bool ``mask`` (broadcast) is true."""
    value = _fill_number("masked_fill", input, mask, value)
    _check_mask_and_value(mask, value)
    broadcast_shapes(input.shape, mask.shape)
    return MaskedFill.apply(input, value, mask)


def masked_fill_(input: Tensor, mask: Tensor, value: Tensor | Scalar) -> Tensor:
    """In place: write ``value`` wherever ``mask`` (broadcast to ``input``'s shape) is true."""
    value = _fill_number("masked_fill_", input, mask, value)
    _check_mask_and_value(mask, value)
    check_broadcast_into(input, mask)
    expanded = has_internal_overlap(input)
    if expanded:
        warnings.warn(
            "Use of masked_fill_ on expanded tensors is deprecated. Please clone() the tensor "
            "before performing this operation. This also applies to advanced indexing e.g. "
            "tensor[mask] = scalar",
            UserWarning,
            stacklevel=2,
        )
    return inplace(input, masked_fill, mask, value, overlap_allowed=expanded)


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` (broadcast) is true, flattened.
    ``out``: a tensor of ``input``'s dtype to write them into (resized to fit)."""
    if out is not None:
        check_out("masked_select", out, (input,))
    if mask.dtype is not _dtype.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    if out is not None:
        if out.dtype is not input.dtype:
            raise RuntimeError("masked_select(): self and result must have the same scalar type")
        return write_out(out, masked_select(input, mask), (input, mask))
    broadcast_shapes(input.shape, mask.shape)
    return MaskedSelect.apply(input, mask)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """Indices of the nonzero elements: an ``(n, ndim)`` int64 tensor, or one 1-d tensor per dim."""
    return NonzeroTuple.apply(input) if as_tuple else Nonzero.apply(input)


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)
