"""Convolution and padding as differentiable Functions (``conv2d``, ``pad``).

The arithmetic lives in :mod:`minitorch.kernels.conv`; these Functions arrange the arrays
(padding, channels-last layout, unbatched inputs) and save what backward needs. Their
arguments were checked by :mod:`minitorch.nn.functional`.
"""

from __future__ import annotations

import numpy as np

from minitorch import kernels
from minitorch.autograd.function import Function

# the active kernel set's (minitorch.kernels.use() rebinds these names)
conv2d_forward, conv2d_backward = kernels.bind(globals(), "conv2d_forward", "conv2d_backward")


class Convolution(Function):
    """``out = conv2d(x, weight) + bias`` for x (N, C, H, W) or unbatched (C, H, W).

    ``padding`` is (top, bottom, left, right) zeros. The kernels pad a few samples at a
    time into a channels-last buffer of their own, so backward keeps only the input.
    Integer operands run through the float64 kernels, which hold their products and sums
    exactly, and the result comes back in their dtype (without a gradient, as integers have).
    """

    # the Numba kernels this Function calls (the active set's), as minitorch.trace() reports them
    kernel = kernels.KernelName("conv2d_forward")
    backward_kernel = kernels.KernelName("conv2d_backward")

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        dtype = x.dtype
        if dtype.kind in "iu":
            x, weight = x.astype(np.float64), weight.astype(np.float64)
            bias = None if bias is None else bias.astype(np.float64)
        unbatched = x.ndim == 3
        batch = np.ascontiguousarray(x[None] if unbatched else x)
        out = conv2d_forward(batch, weight, bias, stride, padding, dilation, groups)
        ctx.save_for_backward(batch, weight)
        ctx.geometry = (stride, padding, dilation, groups)
        ctx.unbatched = unbatched
        return (out[0] if unbatched else out).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        batch, weight = ctx.saved_tensors
        need_input, need_weight, need_bias = ctx.needs_input_grad[:3]
        grad_out = grad[None] if ctx.unbatched else grad
        grad_x, grad_weight, grad_bias = conv2d_backward(
            batch, weight, grad_out, *ctx.geometry, need_input, need_weight, need_bias
        )
        if grad_x is not None and ctx.unbatched:
            grad_x = grad_x[0]
        return grad_x, grad_weight, grad_bias, None, None, None, None


class ConstantPadNd(Function):
    """Pad the last dimensions with a constant; the gradient is the unpadded centre.

    ``pad`` is PyTorch's: (left, right) pairs starting from the last dimension.
    """

    @staticmethod
    def forward(ctx, x, pad, value):
        widths = [(0, 0)] * x.ndim
        for i in range(len(pad) // 2):
            widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        ctx.centre = tuple(
            slice(before, before + n) for (before, _), n in zip(widths, x.shape, strict=True)
        )
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.centre], None, None


class _IndexPad2d(Function):
    """Pad the last two dimensions by copying input elements chosen by index maps.

    ``padded[..., i, j] = x[..., rows[i], cols[j]]`` where ``rows`` and ``cols`` are
    ``numpy.pad`` of ``arange`` with the mode's rule; reflect, replicate and circular
    padding are all of this form. Backward adds each padded gradient back to the
    element it was copied from.
    """

    numpy_mode: str

    @classmethod
    def index_maps(cls, shape, pad):
        left, right, top, bottom = pad
        rows = np.pad(np.arange(shape[-2]), (top, bottom), mode=cls.numpy_mode)
        cols = np.pad(np.arange(shape[-1]), (left, right), mode=cls.numpy_mode)
        return rows, cols

    @classmethod
    def forward(cls, ctx, x, pad):
        rows, cols = cls.index_maps(x.shape, pad)
        ctx.maps = rows, cols
        ctx.shape = x.shape
        return x[..., rows[:, None], cols[None, :]]

    @staticmethod
    def backward(ctx, grad):
        rows, cols = ctx.maps
        *lead, height, width = ctx.shape
        by_row = np.zeros((*lead, height, grad.shape[-1]), dtype=grad.dtype)
        np.add.at(by_row, (..., rows, slice(None)), grad)
        grad_x = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(grad_x, (..., cols), by_row)
        return grad_x, None


class ReflectionPad2D(_IndexPad2d):
    """Mirror without repeating the edge: [a b c] padded by 2 -> c b [a b c] b a."""

    numpy_mode = "reflect"


class ReplicationPad2D(_IndexPad2d):
    """Repeat the edge: [a b c] padded by 2 -> a a [a b c] c c."""

    numpy_mode = "edge"


class CircularPad2D(_IndexPad2d):
    """Wrap around: [a b c] padded by 2 -> b c [a b c] a b."""

    numpy_mode = "wrap"
