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


# The in-place view ops (``unsqueeze_``, ``squeeze_``, ``transpose_``, ``t_``) record the
# same Functions under the node names PyTorch gives its in-place variants.
class UnsqueezeInPlace(Unsqueeze):
    backward_name = "UnsqueezeBackward1"


class SqueezeInPlace(Squeeze):
    backward_name = "SqueezeBackward3"


class SqueezeDimInPlace(SqueezeDim):
    backward_name = "SqueezeBackward4"


class SqueezeDimsInPlace(SqueezeDims):
    backward_name = "SqueezeBackward5"


class TransposeInPlace(Transpose):
    backward_name = "TransposeBackward1"


class TInPlace(T):
    backward_name = "TBackward1"


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


# ------------------------------------------------------------------ padding
def _widths(ndim: int, pad: tuple[int, ...]) -> list[tuple[int, int]]:
    """PyTorch's ``pad`` ((before, after) pairs from the last dim) as one pair per dim."""
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return widths


def _kept(size: int, before: int, after: int) -> slice:
    """The part of a dim of ``size`` that negative pads leave (they crop from that side)."""
    start = max(-before, 0)
    return slice(start, max(size - max(-after, 0), start))


class ConstantPadNd(Function):
    """Pad the last dims with a constant: ``pad`` is PyTorch's (before, after) pairs from the
    last dim; a negative one crops. The gradient is the output's centre, put back where the
    kept input was (zero where it was cropped).
    """

    @staticmethod
    def forward(ctx, x, pad, value):
        widths = _widths(x.ndim, pad)
        ctx.shape = x.shape
        ctx.kept = tuple(_kept(n, b, a) for n, (b, a) in zip(x.shape, widths, strict=True))
        growth = [(max(b, 0), max(a, 0)) for b, a in widths]
        kept = x[ctx.kept]
        ctx.centre = tuple(slice(b, b + n) for (b, _), n in zip(growth, kept.shape, strict=True))
        return np.pad(kept, growth, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        grad_x = np.zeros(ctx.shape, dtype=grad.dtype)
        grad_x[ctx.kept] = grad[ctx.centre]
        return grad_x, None, None


class _BorderPad(Function):
    """Pad the last 1 to 3 dims by copying input elements chosen by index maps.

    ``out[..., i] = x[..., index[i]]`` along each padded dim, where ``index`` is ``numpy.pad``
    of ``arange`` with the mode's rule, cropped where a pad is negative. Backward adds each
    output gradient back to the element it was copied from, one dim at a time.
    """

    numpy_mode: str

    @classmethod
    def index(cls, size: int, before: int, after: int) -> np.ndarray:
        """Which input element each output element along one dim copies: the border is made
        from the whole dim, then the negative pads crop it (PyTorch's reflect and replicate)."""
        grown = np.pad(np.arange(size), (max(before, 0), max(after, 0)), mode=cls.numpy_mode)
        return grown[_kept(len(grown), before, after)]

    @classmethod
    def forward(cls, ctx, x, pad):
        ctx.shape = x.shape
        ctx.maps = [
            (axis, cls.index(x.shape[axis], before, after))
            for axis, (before, after) in enumerate(_widths(x.ndim, pad))
            if (before, after) != (0, 0)
        ]
        out = x
        for axis, index in ctx.maps:
            out = np.take(out, index, axis=axis)
        return out if ctx.maps else x.copy()

    @staticmethod
    def backward(ctx, grad):
        for axis, index in reversed(ctx.maps):
            shape = list(grad.shape)
            shape[axis] = ctx.shape[axis]
            summed = np.zeros(shape, dtype=grad.dtype)
            np.add.at(summed, (slice(None),) * axis + (index,), grad)
            grad = summed
        return grad, None


class ReflectionPad1D(_BorderPad):
    """Mirror without repeating the edge: [a b c] padded by 2 -> c b [a b c] b a."""

    numpy_mode = "reflect"


class ReflectionPad2D(ReflectionPad1D):
    """Reflection of the last two dims."""


class ReflectionPad3D(ReflectionPad1D):
    """Reflection of the last three dims."""


class ReplicationPad1D(_BorderPad):
    """Repeat the edge: [a b c] padded by 2 -> a a [a b c] c c."""

    numpy_mode = "edge"


class ReplicationPad2D(ReplicationPad1D):
    """Replication of the last two dims."""


class ReplicationPad3D(ReplicationPad1D):
    """Replication of the last three dims."""


class CircularPad1D(_BorderPad):
    """Wrap around: [a b c] padded by 2 -> b c [a b c] a b.

    A negative pad crops first and the border wraps around what is left, as PyTorch's
    ``_pad_circular`` copies it: [a b c d] padded by (-1, 2) -> [b c d] b c.
    """

    numpy_mode = "wrap"

    @classmethod
    def index(cls, size: int, before: int, after: int) -> np.ndarray:
        if size + before + after == 0:
            return np.arange(0)  # an empty dim, however far the pads reach past each other
        kept = np.arange(size)[_kept(size, before, after)]
        return np.pad(kept, (max(before, 0), max(after, 0)), mode="wrap")


class CircularPad2D(CircularPad1D):
    """Circular padding of the last two dims."""


class CircularPad3D(CircularPad1D):
    """Circular padding of the last three dims."""
