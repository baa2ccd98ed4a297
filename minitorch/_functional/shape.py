"""Shape operations: views (reshape, permute, squeeze, expand, ...), joining and splitting.

Here the sizes and dims are normalised (``-1`` inferred, negative dims wrapped) and
checked with PyTorch's messages; the Functions in :mod:`minitorch._ops.shape` do
the work. Whether a view can express a new shape is decided from the tensor's
strides, as PyTorch decides it: ``view`` raises where it cannot, and ``reshape``
copies there instead.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

from minitorch import _dtype
from minitorch._checks import broadcast_shapes, wrap_dim, wrap_dims
from minitorch._functional.inplace import check_castable, check_out, write_out
from minitorch._ops.shape import (
    Cat,
    Expand,
    Flip,
    Permute,
    Repeat,
    ReshapeAlias,
    ReshapeCopy,
    Split,
    SplitWithSizes,
    Squeeze,
    SqueezeDim,
    SqueezeDimInPlace,
    SqueezeDims,
    SqueezeDimsInPlace,
    SqueezeInPlace,
    Stack,
    T,
    TInPlace,
    Transpose,
    TransposeInPlace,
    Unbind,
    Unsqueeze,
    UnsqueezeInPlace,
    View,
)
from minitorch._tensor import Tensor
from minitorch.autograd.function import Function
from minitorch.autograd.inplace import inplace_view


# ------------------------------------------------------------------ helpers
def size_args(sizes: tuple) -> tuple[int, ...]:
    """Accept sizes as separate ints or as one tuple/list/Size."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return tuple(operator.index(s) for s in sizes)


def infer_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """Replace a ``-1`` in ``shape`` by the size that makes ``numel`` elements; PyTorch's errors."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return tuple(numel // known if s == -1 else s for s in shape)
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _strides_allow(
    shape: tuple[int, ...], strides: tuple[int, ...], target: tuple[int, ...]
) -> bool:
    """Whether a tensor of ``shape`` and ``strides`` can be seen as ``target`` without copying.

    The tensor's memory is a run of blocks: a new block starts wherever a dim's stride is
    not the next dim's size times its stride. A view can merge dims only within a block, so
    every block boundary must also be a boundary of ``target``: the number of elements
    before it must be a product of ``target``'s leading sizes. Size-1 dims hold no memory,
    so their strides do not matter. This is PyTorch's rule, and numpy's.
    """
    if shape == target or 0 in shape:  # nothing to rearrange, or no element to lay out
        return True
    target_sizes = iter(target)
    target_elements = 1  # in target's leading sizes taken so far
    elements_before = 1
    previous_stride = 0
    for size, stride in zip(shape, strides, strict=True):
        if size == 1:
            continue
        if elements_before > 1 and previous_stride != size * stride:  # a new block starts
            while target_elements < elements_before:
                target_elements *= next(target_sizes)
            if target_elements != elements_before:
                return False
        elements_before *= size
        previous_stride = stride
    return True


def _viewable(input: Tensor, shape: tuple[int, ...]) -> bool:
    """Whether ``input`` can be seen with ``shape`` (as many elements) without copying."""
    return input.is_contiguous() or _strides_allow(input.shape, input.stride(), shape)


VIEW_INCOMPATIBLE = (
    "view size is not compatible with input tensor's size and stride (at least one dimension "
    "spans across two contiguous subspaces). Use .reshape(...) instead."
)


# ------------------------------------------------------------------ reshaping views


def view(input: Tensor, *shape: int) -> Tensor:
    """The same storage seen with another shape (one size may be -1); never copies.

    Raises RuntimeError when the strides cannot express the new shape (for
    example a transposed tensor flattened): use ``reshape`` there.
    """
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("Tensor.view(dtype) is not supported by minitorch")
    target = infer_shape(size_args(shape), input.numel())
    if not _viewable(input, target):
        raise RuntimeError(VIEW_INCOMPATIBLE)
    return View.apply(input, shape=target)


def reshape(input: Tensor, *shape: int) -> Tensor:
    """A tensor with the same elements in a new shape: a view when possible, else a copy."""
    target = infer_shape(size_args(shape), input.numel())
    if input.is_contiguous():
        return View.apply(input, shape=target)
    fn = ReshapeAlias if _strides_allow(input.shape, input.stride(), target) else ReshapeCopy
    return fn.apply(input, shape=target)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, other.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one (a 0-d tensor becomes 1-d)."""
    shape = input.shape
    if not shape:
        return reshape(input, (1,))
    start, end = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    merged = math.prod(shape[start : end + 1])
    return reshape(input, shape[:start] + (merged,) + shape[end + 1 :])


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1)."""
    shape = input.shape
    d = wrap_dim(dim, len(shape))
    sizes = size_args((sizes,))
    try:
        sizes = infer_shape(sizes, shape[d])
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({shape[d]}) in the input tensor"
        ) from None
    return view(input, shape[:d] + sizes + shape[d + 1 :])


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim`` (``-1`` appends one)."""
    return _unsqueeze(input, dim, Unsqueeze)


def _unsqueeze(input: Tensor, dim: int, fn: type[Function]) -> Tensor:
    shape = input.shape
    d = wrap_dim(dim, len(shape) + 1)
    return fn.apply(input, shape=shape[:d] + (1,) + shape[d:])


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Remove size-1 dimensions: all of them, or those among ``dim`` (others are kept)."""
    return _squeeze(input, dim, (Squeeze, SqueezeDim, SqueezeDims))


def _squeeze(
    input: Tensor, dim: int | Sequence[int] | None, fns: tuple[type[Function], ...]
) -> Tensor:
    """``fns``: the Functions recorded for no ``dim``, one and several (PyTorch's names)."""
    shape = input.shape
    if dim is None:
        return fns[0].apply(input, shape=tuple(s for s in shape if s != 1))
    fn = fns[2] if isinstance(dim, (tuple, list)) else fns[1]
    dims = wrap_dims(dim if isinstance(dim, (tuple, list)) else (dim,), len(shape))
    kept = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return fn.apply(input, shape=kept)


# ------------------------------------------------------------------ permuting views
def permute(input: Tensor, *dims: int) -> Tensor:
    """View with dimensions reordered: ``out.shape[i] == input.shape[dims[i]]``."""
    if not dims:  # x.permute() with no ordering at all, as opposed to x.permute(())
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = size_args(dims)
    ndim = input.dim()
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{ndim} is not equal to len(dims) = {len(dims)}"
        )
    wrapped: list[int] = []
    for d in dims:  # wrapped and checked one by one, so errors come in PyTorch's order
        wrapped.append(wrap_dim(d, ndim))
        if wrapped[-1] in wrapped[:-1]:
            raise RuntimeError("permute(): duplicate dims are not allowed.")
    wrapped = tuple(wrapped)
    return Permute.apply(input, dims=wrapped)


def _swap(ndim: int, dim0: int, dim1: int) -> tuple[int, ...]:
    """The permutation that swaps two dims (a 0-d tensor accepts 0 and -1 and stays as it is)."""
    a, b = wrap_dim(dim0, ndim), wrap_dim(dim1, ndim)
    order = list(range(ndim))
    if ndim:
        order[a], order[b] = order[b], order[a]
    return tuple(order)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """View with dimensions ``dim0`` and ``dim1`` swapped."""
    return _transpose(input, dim0, dim1, Transpose)


def _transpose(input: Tensor, dim0: int, dim1: int, fn: type[Function]) -> Tensor:
    return fn.apply(input, dims=_swap(input.dim(), dim0, dim1))


swapaxes = transpose
swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose of a matrix (0-d and 1-d tensors come back as they are)."""
    return _t(input, T)


def _t(input: Tensor, fn: type[Function], name: str = "t") -> Tensor:
    ndim = input.dim()
    if ndim > 2:
        raise RuntimeError(f"{name}() expects a tensor with <= 2 dimensions, but self is {ndim}D")
    return fn.apply(input, dims=tuple(reversed(range(ndim))))


# ------------------------------------------------------------------ in-place view ops
# Tensor methods only (PyTorch has no torch.t_): the tensor itself becomes the view.
def unsqueeze_(input: Tensor, dim: int) -> Tensor:
    """:func:`unsqueeze` in place (``Tensor.unsqueeze_``)."""
    return inplace_view(input, _unsqueeze, dim, UnsqueezeInPlace)


def squeeze_(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """:func:`squeeze` in place (``Tensor.squeeze_``)."""
    return inplace_view(
        input, _squeeze, dim, (SqueezeInPlace, SqueezeDimInPlace, SqueezeDimsInPlace)
    )


def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """:func:`transpose` in place (``Tensor.transpose_``, ``swapaxes_``, ``swapdims_``)."""
    return inplace_view(input, _transpose, dim0, dim1, TransposeInPlace)


def t_(input: Tensor) -> Tensor:
    """:func:`t` in place (``Tensor.t_``)."""
    return inplace_view(input, _t, TInPlace, "t_")


def reversed_dims(input: Tensor) -> Tensor:
    """``x.T``: all dimensions reversed."""
    return Permute.apply(input, dims=tuple(reversed(range(input.dim()))))


def matrix_transpose(input: Tensor) -> Tensor:
    """``x.mT``: the last two dimensions swapped (a batch of matrices transposed)."""
    ndim = input.dim()
    if ndim < 2:
        raise RuntimeError(
            f"tensor.mT is only supported on matrices or batches of matrices. Got {ndim}-D tensor."
        )
    return Transpose.apply(input, dims=_swap(ndim, -2, -1))


# ------------------------------------------------------------------ expanding, repeating
def expanded_shape(shape: tuple[int, ...], sizes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape ``expand(*sizes)`` gives a tensor of ``shape`` (-1 keeps a size), or PyTorch's
    RuntimeError naming both."""
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand(tensor of shape {list(shape)}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
            f"the tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    target = []
    for i, size in enumerate(sizes):
        if i < lead:
            if size < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({size}) isn't allowed in a leading, "
                    f"non-existing dimension {i}"
                )
            target.append(size)
            continue
        existing = shape[i - lead]
        if size == -1:
            size = existing
        if size < 0:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({size}) must be non-negative (or -1 "
                f"to keep a size) at dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
        if existing != 1 and size != existing:
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size "
                f"({existing}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
        target.append(size)
    return tuple(target)


def expand(input: Tensor, *sizes: int) -> Tensor:
    """View with size-1 dimensions repeated to ``sizes`` (-1 keeps a size); no copy."""
    if not sizes:  # x.expand() with no sizes at all, as opposed to x.expand(())
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    target = expanded_shape(input.shape, size_args(sizes))
    return Expand.apply(input, shape=target)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other.shape)


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    return expand(input, tuple(size))


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Expand every tensor to their common broadcast shape."""
    from_list = len(tensors) == 1 and isinstance(tensors[0], (list, tuple))
    tensors = tuple(tensors[0]) if from_list else tensors
    shape = broadcast_shapes(*(t.shape for t in tensors)) if tensors else ()
    return tuple(expand(t, shape) for t in tensors)


def repeat(input: Tensor, *repeats: int) -> Tensor:
    """Copies of the tensor tiled ``repeats[i]`` times along dimension ``i``."""
    repeats = size_args(repeats)
    if len(repeats) < input.dim():
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    return Repeat.apply(input, repeats=repeats)


# ------------------------------------------------------------------ flipping
def flip(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Reverse the order of elements along each of ``dims`` (a sequence of ints)."""
    if not isinstance(dims, (tuple, list)):
        raise TypeError(
            f"flip(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}"
        )
    for i, d in enumerate(dims):
        if isinstance(d, bool) or not hasattr(type(d), "__index__"):
            raise TypeError(
                "flip(): argument 'dims' (position 2) must be tuple of ints, but found element "
                f"of type {type(d).__name__} at pos {i}"
            )
    return _flip(input, dims)


def flip_method(self: Tensor, *dims: int | Sequence[int], **kwargs: Sequence[int]) -> Tensor:
    """``Tensor.flip``: the dims as separate ints, as one sequence, or as ``dims=``."""
    if set(kwargs) - {"dims"} or not (dims or kwargs):
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if kwargs and dims:
        raise TypeError("flip() got multiple values for argument 'dims'")
    if kwargs:
        dims = kwargs["dims"]
        if not isinstance(dims, (tuple, list)):
            raise TypeError(
                f"flip(): argument 'dims' must be tuple of ints, not {type(dims).__name__}"
            )
    elif len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    elif len(dims) == 1 and (isinstance(dims[0], bool) or not hasattr(type(dims[0]), "__index__")):
        raise TypeError(
            "flip(): argument 'dims' (position 1) must be tuple of ints, not "
            f"{type(dims[0]).__name__}"
        )
    for i, d in enumerate(dims):
        if not hasattr(type(d), "__index__"):  # PyTorch takes a bool among several dims
            raise TypeError(
                f"flip(): argument 'dims' failed to unpack the object at pos {i + 1} with error "
                f'"type must be tuple of ints,but got {type(d).__name__}"'
            )
    return _flip(self, dims)


def _flip(input: Tensor, dims: Sequence[int]) -> Tensor:
    ndim = input.dim()
    wrapped = wrap_dims(size_args(tuple(dims)), ndim)
    # a 0-d tensor takes dim 0 (and -1), which names no axis of its array
    return Flip.apply(input, dims=tuple(d for d in wrapped if d < ndim))


# ------------------------------------------------------------------ joining
def _check_tensor_list(tensors: object, name: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}() argument 'tensors' must be tuple of Tensors, not {type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    return list(tensors)


def _promoted_dtype(tensors: list[Tensor]) -> _dtype.dtype:
    """The dtype the tensors promote to together (``torch.cat`` mixes dtypes freely)."""
    result = tensors[0].dtype
    for t in tensors[1:]:
        result = _dtype.promote_types(result, t.dtype)
    return result


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Concatenate tensors along an existing dimension ``dim`` (dtypes are promoted).

    ``out``: a tensor to write the result into (resized to fit, converted to its dtype, which
    must be one the promoted dtype casts to: no float into integers).
    """
    tensors = _check_tensor_list(tensors, "cat")
    if out is not None:
        check_out("cat", out, tensors)
        if tensors:
            check_castable("cat", _promoted_dtype(tensors), out)
        return write_out(out, cat(tensors, dim), tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # PyTorch's legacy rule: 1-d empty tensors are skipped, whatever the others' shapes.
    skipped = tuple(t.shape == (0,) for t in tensors)
    only_empty = all(skipped)
    if only_empty:
        skipped = (False,) * len(tensors)
    kept = [t for t, skip in zip(tensors, skipped, strict=True) if not skip]
    reference = kept[0].shape
    # when every tensor is a legacy empty one, PyTorch checks no dim: the result is empty
    d = 0 if only_empty else wrap_dim(dim, len(reference))
    for i, t in enumerate(tensors):
        if skipped[i]:
            continue
        shape = t.shape
        if len(shape) != len(reference):
            raise RuntimeError(
                "Tensors must have same number of dimensions: "
                f"got {len(reference)} and {len(shape)}"
            )
        for axis, (expected, got) in enumerate(zip(reference, shape, strict=True)):
            if axis != d and expected != got:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{expected} but got size {got} for tensor number {i} in the list."
                )
    return Cat.apply(*tensors, dim=d, skipped=skipped, dtype=_promoted_dtype(tensors).numpy_dtype)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Stack equally shaped tensors along a new dimension ``dim``."""
    tensors = _check_tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    reference = tensors[0].shape
    for i, t in enumerate(tensors[1:], start=1):
        if t.shape != reference:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(reference)} at entry "
                f"0 and {list(t.shape)} at entry {i}"
            )
    d = wrap_dim(dim, len(reference) + 1)
    return Stack.apply(*tensors, dim=d, dtype=_promoted_dtype(tensors).numpy_dtype)


# ------------------------------------------------------------------ splitting
def split(
    tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0
) -> tuple[Tensor, ...]:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    if tensor.dim() == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, tensor.dim())
    length = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = tuple(operator.index(s) for s in split_size_or_sections)
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
                f"size at dimension {d}), but got split_sizes={list(sizes)}"
            )
        return SplitWithSizes.apply(tensor, sizes=sizes, dim=d)
    size = operator.index(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0:
        if length != 0:
            raise RuntimeError(
                "split_size can only be 0 if dimension size is 0, but got dimension size of "
                f"{length}"
            )
        return Split.apply(tensor, sizes=(0,), dim=d)
    sizes = (size,) * (length // size) + ((length % size,) if length % size else ())
    return Split.apply(tensor, sizes=sizes or (0,), dim=d)


def split_method(self: Tensor, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """``Tensor.split``: PyTorch names the argument ``split_size`` here."""
    return split(self, split_size, dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of equal size ``ceil(n / chunks)`` along ``dim``."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    length = input.shape[wrap_dim(dim, input.dim())]
    return split(input, max(1, -(-length // chunks)) if length else 0, dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, that dimension removed."""
    if input.dim() == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return Unbind.apply(input, dim=wrap_dim(dim, input.dim()))
