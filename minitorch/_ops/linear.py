"""The affine map of ``nn.Linear`` as one Function: ``y = x @ W^T + b``."""

from __future__ import annotations

from minitorch.autograd.function import Function


class Linear(Function):
    """``y = x @ weight^T + bias`` for x (*, in_features), weight (out, in), bias (out,) or None.

    Leading dimensions of x are flattened into one batch dimension for a single BLAS
    product. Backward::

        grad_x = grad_y @ weight      grad_weight = grad_y^T @ x      grad_bias = sum_rows grad_y
    """

    backward_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias):
        rows = x.reshape(-1, x.shape[-1])
        out = rows @ weight.T
        if bias is not None:
            out += bias
        ctx.save_for_backward(rows, weight)
        ctx.input_shape = x.shape
        return out.reshape(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx, grad):
        rows, weight = ctx.saved_tensors
        need_input, need_weight, need_bias = ctx.needs_input_grad
        grad_rows = grad.reshape(-1, weight.shape[0])
        grad_x = (grad_rows @ weight).reshape(ctx.input_shape) if need_input else None
        grad_weight = grad_rows.T @ rows if need_weight else None
        grad_bias = grad_rows.sum(axis=0) if need_bias else None
        return grad_x, grad_weight, grad_bias
