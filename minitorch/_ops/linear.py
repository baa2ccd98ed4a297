"""The affine map of ``nn.Linear`` as one Function: ``y = x @ W^T + b``."""

from __future__ import annotations

import math

import numpy as np

from minitorch.autograd.function import Function
from minitorch.kernels._threads import over_batch


class Linear(Function):
    """``y = x @ weight^T + bias`` for x (*, in_features), weight (out, in), bias (out,) or None.

    Leading dimensions of x are flattened into one batch dimension of rows (their count is
    spelled out: ``reshape(-1, 0)`` is ambiguous when a size is 0). Backward::

        grad_x = grad_y @ weight      grad_weight = grad_y^T @ x      grad_bias = sum_rows grad_y

    For one row, grad_weight is an outer product: numpy's ``matmul`` does not pass a
    product whose inner dimension is 1 to BLAS, and its own loop took 75-145 us for the
    tutorial's (64, 1) by (1, 1024), against ~10 us for ``np.multiply.outer``.

    The rows are split over threads like the batch of a convolution
    (:mod:`minitorch.kernels._threads`): each thread multiplies its own rows with
    one-thread BLAS, and grad-weight adds up the threads' partial products. BLAS never
    starts threads of its own that would then spin beside the convolution's workers: even
    a product too small to be worth two threads is split, because left whole it would run
    on BLAS's own threads (at two threads, batch 16, the tutorial's inference then took
    12.8 ms instead of 3.7-4.1: OpenBLAS's threads spin after each product, on the
    vCPU the kernels' worker needs).
    """

    backward_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias):
        rows = x.reshape(math.prod(x.shape[:-1]), x.shape[-1])
        out = np.empty((rows.shape[0], weight.shape[0]), dtype=np.result_type(rows, weight))

        def affine(start: int, stop: int) -> None:
            np.matmul(rows[start:stop], weight.T, out=out[start:stop])
            if bias is not None:
                out[start:stop] += bias

        over_batch(rows.shape[0], affine)
        needs = ctx.needs_input_grad
        if needs:  # each factor only where the other's gradient needs it, as PyTorch's addmm
            ctx.save_for_backward(rows if needs[1] else None, weight if needs[0] else None)
            ctx.rows_shape, ctx.out_features = rows.shape, weight.shape[0]
        ctx.input_shape = x.shape
        return out.reshape(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx, grad):
        rows, weight = ctx.saved_tensors
        need_input, need_weight, need_bias = ctx.needs_input_grad
        n_rows = ctx.rows_shape[0]
        # contiguous: a broadcast gradient (``y.sum().backward()``) has zero strides, which
        # numpy's matmul does not pass to BLAS (its own loop took 190 us for one row of 1024)
        grad_rows = np.ascontiguousarray(grad.reshape(n_rows, ctx.out_features))
        grad_x = np.empty(ctx.rows_shape, dtype=grad_rows.dtype) if need_input else None

        def differentiate(start: int, stop: int) -> np.ndarray | None:
            if grad_x is not None:
                np.matmul(grad_rows[start:stop], weight, out=grad_x[start:stop])
            if not need_weight:
                return None
            if stop - start == 1:  # one row: an outer product, exact, as PyTorch's
                return np.multiply.outer(grad_rows[start], rows[start])
            return grad_rows[start:stop].T @ rows[start:stop]

        parts = over_batch(n_rows, differentiate)
        grad_weight = sum(parts) if need_weight else None
        grad_bias = grad_rows.sum(axis=0) if need_bias else None
        grad_x = grad_x.reshape(ctx.input_shape) if need_input else None
        return grad_x, grad_weight, grad_bias
