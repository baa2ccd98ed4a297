"""Max pooling and adaptive average pooling as differentiable Functions; the loops are in
:mod:`minitorch.kernels.pool`."""

from __future__ import annotations

import numpy as np

from minitorch import kernels
from minitorch.autograd.function import Function
from minitorch.kernels.pool import adaptive_avg_pool2d_backward, adaptive_avg_pool2d_forward

# the active kernel set's (minitorch.kernels.use() rebinds these names)
max_pool2d_forward, max_pool2d_backward = kernels.bind(
    globals(), "max_pool2d_forward", "max_pool2d_backward"
)


class MaxPool2DWithIndices(Function):
    """2-D max pooling of x (N, C, H, W) or unbatched (C, H, W), remembering each argmax.

    The indices count positions in each H*W plane of the input, as PyTorch's do. The
    backward pass sends each output gradient to the input element that won its window.
    Integer inputs are pooled by the float64 kernel, which holds them exactly, and the
    maxima come back in their dtype.
    """

    # the Numba kernels this Function calls (the active set's), as minitorch.trace() reports them
    kernel = kernels.KernelName("max_pool2d_forward")
    backward_kernel = kernels.KernelName("max_pool2d_backward")

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation, output_size, return_indices):
        unbatched = x.ndim == 3
        batch = x[None] if unbatched else x
        if x.dtype.kind in "iu":
            batch = batch.astype(np.float64)
        out, indices = max_pool2d_forward(
            batch, kernel_size, stride, padding, dilation, output_size
        )
        out = out.astype(x.dtype, copy=False)
        # x is saved only to be version-checked, as PyTorch saves it: writing into a pooled
        # tensor before backward is refused in both, though the indices alone suffice here.
        ctx.save_for_backward(indices, x)
        ctx.input_shape = batch.shape
        ctx.unbatched = unbatched
        if unbatched:
            out, indices = out[0], indices[0]
        return (out, indices) if return_indices else out

    @staticmethod
    def backward(ctx, grad, *unused_index_grad):
        indices, _ = ctx.saved_tensors
        grad_out = grad[None] if ctx.unbatched else grad
        grad_x = max_pool2d_backward(grad_out, indices, ctx.input_shape)
        return grad_x[0] if ctx.unbatched else grad_x, None, None, None, None, None, None


class AdaptiveAvgPool2D(Function):
    """2-D adaptive average pooling of x (N, C, H, W) or unbatched (C, H, W) to (OH, OW) planes.

    Each output element is the mean of its window of the input plane, the windows chosen
    from the sizes (see :mod:`minitorch.kernels.pool`); backward spreads each output
    gradient evenly over its window.
    """

    kernel = "minitorch.kernels.pool.adaptive_avg_pool2d_forward"
    backward_kernel = "minitorch.kernels.pool.adaptive_avg_pool2d_backward"

    @staticmethod
    def forward(ctx, x, output_size):
        unbatched = x.ndim == 3
        batch = x[None] if unbatched else x
        out = adaptive_avg_pool2d_forward(batch, output_size)
        # x is saved only to be version-checked, as PyTorch saves it (its shape suffices here)
        ctx.save_for_backward(x)
        ctx.input_shape = batch.shape
        ctx.unbatched = unbatched
        return out[0] if unbatched else out

    @staticmethod
    def backward(ctx, grad):
        _ = ctx.saved_tensors  # reading them refuses an input written in place since forward
        # PyTorch's backward kernel refuses a gradient with an empty non-batch dimension
        # (an output size of 0, or no channels), though forward allowed it
        for dim, size in enumerate(grad.shape[1:], start=1):
            if size == 0:
                raise RuntimeError(
                    "adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size "
                    f"for non-batch dimensions, but grad_output has sizes {list(grad.shape)} "
                    f"with dimension {dim} being empty"
                )
        grad_out = grad[None] if ctx.unbatched else grad
        grad_x = adaptive_avg_pool2d_backward(grad_out, ctx.input_shape)
        return (grad_x[0] if ctx.unbatched else grad_x), None
