"""Convolution as a differentiable Function (``conv2d``); padding is in :mod:`minitorch._ops.shape`.

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
