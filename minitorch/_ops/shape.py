"""Shape Functions: views (reshape, permute, squeeze, expand, ...), joining and splitting.

A *view* shares storage with its input: its forward returns a numpy view of
the input's array (``np.reshape(..., copy=False)``, ``np.transpose``,
``np.broadcast_to``), so a write through one tensor shows in the other, as in
PyTorch. The backward of a view only rearranges the gradient back into the
input's shape: reshape it back, permute it back, or sum it over the
dimensions that ``expand`` stretched.

Joining (``Cat``, ``Stack``) copies; its backward cuts the gradient into the
pieces that came in. Splitting (``Split``, ``Unbind``) returns views; its
backward glues the pieces' gradients together again. The shapes and dims were
checked by :mod:`minitorch._functional.shape`.
"""

from __future__ import annotations

import numpy as np

from minitorch._ops.elementwise import unbroadcast
from minitorch.autograd.function import Function


# ------------------------------------------------------------------ reshaping views
class View(Function):
    """Same elements, new shape, same storage; the gradient is reshaped back."""

    _is_view_op = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return np.reshape(x, shape, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape)


class ReshapeCopy(View):
    """``reshape`` of a layout no view can express: a copy (PyTorch clones, then views)."""

    backward_name = "UnsafeViewBackward0"
    _is_view_op = False

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return np.reshape(x, shape, copy=True)


class ReshapeAlias(View):
    """``reshape`` of a non-contiguous tensor whose strides allow a view (PyTorch's node name)."""


# Adding or removing size-1 dimensions is a view too; these names are PyTorch's nodes for it.
class Unsqueeze(View):
    pass


class Squeeze(View):
    """``squeeze()``: every size-1 dimension removed."""


class SqueezeDim(View):
    """``squeeze(dim)``."""

    backward_name = "SqueezeBackward1"


class SqueezeDims(View):
    """``squeeze((dim, ...))``."""

    backward_name = "SqueezeBackward2"


# ------------------------------------------------------------------ permuting views
class Permute(Function):
    """Reorder the dimensions; the gradient is permuted back by the inverse order."""

    _is_view_op = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort(ctx.dims))


# The same Function under PyTorch's node names for transpose() and t().
class Transpose(Permute):
    pass


class T(Permute):
    pass


# ------------------------------------------------------------------ expanding, repeating
class Expand(Function):
    """Broadcast to a larger shape without copying; the gradient is summed back."""

    _is_view_op = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        strides = np.broadcast_to(x, shape).strides  # 0 along every stretched dimension
        # Writable like PyTorch's expanded views: a write reaches the one shared element.
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.input_shape)


class Repeat(Function):
    """Tile the tensor ``repeats`` times along each dimension (a copy)."""

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.input_shape = x.shape
        ctx.repeats = repeats
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, grad):
        # Pad the input's shape with leading 1s, view the gradient as (r0, s0, r1, s1, ...)
        # and sum over every r: each input element collects the gradient of all its copies.
        repeats = ctx.repeats
        sizes = (1,) * (len(repeats) - len(ctx.input_shape)) + ctx.input_shape
        interleaved = [n for pair in zip(repeats, sizes, strict=True) for n in pair]
        summed = grad.reshape(interleaved).sum(axis=tuple(range(0, 2 * len(sizes), 2)))
        return summed.reshape(ctx.input_shape)


# ------------------------------------------------------------------ flipping
class Flip(Function):
    """Reverse the order along ``dims``; the gradient is reversed back."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()  # PyTorch's flip copies; it is not a view

    @staticmethod
    def backward(ctx, grad):
        return np.flip(grad, ctx.dims)


# ------------------------------------------------------------------ joining
class Cat(Function):
    """Join along ``dim``; each input gets its slice of the gradient back, in its own dtype.

    ``skipped`` marks the inputs left out (PyTorch's legacy 1-d empty tensors); they get
    an empty gradient.
    """

    @staticmethod
    def forward(ctx, *arrays, dim, skipped, dtype):
        ctx.dim, ctx.skipped = dim, skipped
        ctx.sizes = [0 if skip else a.shape[dim] for a, skip in zip(arrays, skipped, strict=True)]
        ctx.dtypes = [a.dtype for a in arrays]
        kept = [a for a, skip in zip(arrays, skipped, strict=True) if not skip]
        return np.concatenate(kept, axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        bounds = np.cumsum(ctx.sizes)[:-1]
        pieces = np.split(grad, bounds, axis=ctx.dim)
        return tuple(
            np.zeros(0, dtype) if skip else piece.astype(dtype, copy=False)
            for piece, skip, dtype in zip(pieces, ctx.skipped, ctx.dtypes, strict=True)
        )


class Stack(Function):
    """Join along a new dimension ``dim``; input ``i`` gets the gradient's slice ``i``."""

    @staticmethod
    def forward(ctx, *arrays, dim, dtype):
        ctx.dim, ctx.dtypes = dim, [a.dtype for a in arrays]
        return np.stack(arrays, axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        pieces = np.moveaxis(grad, ctx.dim, 0)
        return tuple(p.astype(d, copy=False) for p, d in zip(pieces, ctx.dtypes, strict=True))


# ------------------------------------------------------------------ splitting
class Split(Function):
    """Cut into consecutive views of ``sizes`` along ``dim``; the pieces' gradients are joined
    back."""

    _is_view_op = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        bounds = np.cumsum(sizes)[:-1]
        return tuple(np.split(x, bounds, axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        return np.concatenate(grads, axis=ctx.dim)


class SplitWithSizes(Split):
    """``split([sizes])``, PyTorch's node name for explicit sizes."""


class Unbind(Function):
    """Every slice along ``dim`` as a view; the slices' gradients are stacked back."""

    _is_view_op = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return tuple(np.moveaxis(x, dim, 0))

    @staticmethod
    def backward(ctx, *grads):
        return np.stack(grads, axis=ctx.dim)
