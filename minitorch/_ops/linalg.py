"""Matrix Functions: ``Matmul`` and its node names ``Mm``, ``Bmm``, ``Mv``, ``Dot``; ``Trace``.

For ``C = A @ B`` with upstream gradient ``G``: ``dA = G @ B^T`` and ``dB = A^T @ G``.
One backward covers every shape numpy's (and PyTorch's) ``matmul`` accepts:

* a 1-d left operand is a row vector ``(1, k)``, a 1-d right operand a column vector
  ``(k, 1)``; the added dimension is removed from the result;
* leading (batch) dimensions broadcast, so their gradients are summed back to each
  operand's shape (:func:`~minitorch._ops.elementwise.unbroadcast`).

The shapes and dtypes were checked by :mod:`minitorch._functional.linalg`.
"""

from __future__ import annotations

import numpy as np

from minitorch._ops.elementwise import unbroadcast
from minitorch._ops.reduce import accumulation_dtype
from minitorch.autograd.function import Function


class Matmul(Function):
    """The matrix product of two operands of any rank >= 1 (numpy's ``matmul`` rules).

    The subclasses below differ only in the node name that each case gets.
    """

    @staticmethod
    def forward(ctx, a, b):
        needs = ctx.needs_input_grad
        if needs:  # each factor only where the other's gradient needs it, as PyTorch's mm
            ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
            ctx.shapes = a.shape, b.shape
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        shape_a, shape_b = ctx.shapes
        # View vectors as matrices so that one formula serves every case.
        a2_shape = (1, *shape_a) if len(shape_a) == 1 else shape_a
        b2_shape = (*shape_b, 1) if len(shape_b) == 1 else shape_b
        batch = np.broadcast_shapes(a2_shape[:-2], b2_shape[:-2])
        grad = grad.reshape(batch + (a2_shape[-2], b2_shape[-1]))  # the vectors' dims come back
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            b2 = b.reshape(b2_shape)
            grad_a = unbroadcast(np.matmul(grad, np.swapaxes(b2, -1, -2)), a2_shape)
            grad_a = grad_a.reshape(shape_a)
        if ctx.needs_input_grad[1]:
            a2 = a.reshape(a2_shape)
            grad_b = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), grad), b2_shape)
            grad_b = grad_b.reshape(shape_b)
        return grad_a, grad_b


class Mm(Matmul):
    pass


class Bmm(Matmul):
    """Also the node of a batched ``matmul`` (PyTorch names it after the reshape around a bmm).

    Its operands may differ in dtype only where the product has nothing to multiply; its
    zeros then take the right operand's dtype, as PyTorch's do.
    """

    @staticmethod
    def forward(ctx, a, b):
        product = Matmul.forward(ctx, a, b)
        return product if product.dtype == b.dtype else product.astype(b.dtype)


class Mv(Matmul):
    pass


class Dot(Matmul):
    pass


class Trace(Function):
    """The sum of a matrix's diagonal, ``sum_i x[i, i]``; its gradient is ``grad * eye``.

    Integers add up in int64 and float16 in float32 (then back to float16), as PyTorch's
    sum does.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.shape, ctx.dtype = x.shape, x.dtype
        result = np.dtype(np.int64) if x.dtype.kind in "iu" else x.dtype
        total = np.asarray(np.trace(x, dtype=accumulation_dtype(result)))
        return total.astype(result, copy=False)  # float16: inf past 65504, as in PyTorch

    @staticmethod
    def backward(ctx, grad):
        grad_x = np.zeros(ctx.shape, dtype=ctx.dtype)
        np.fill_diagonal(grad_x, grad)
        return grad_x
