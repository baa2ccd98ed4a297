"""Matrix products: ``matmul`` (``@``), ``mm``, ``bmm``, ``mv``, ``dot``, ``outer``.

For ``C = A @ B`` with upstream gradient ``G``: ``dA = G @ B^T`` and
``dB = A^T @ G``. ``matmul`` follows numpy's (and PyTorch's) rules for the
other shapes, and one backward covers them all:

* a 1-d left operand is a row vector ``(1, k)``, a 1-d right operand a
  column vector ``(k, 1)``; the added dimension is removed from the result;
* leading (batch) dimensions broadcast, so their gradients are summed back
  to each operand's shape (:func:`~minitorch._functional.elementwise.unbroadcast`).

Both operands must have the same dtype (PyTorch does not promote here);
float32 stays float32 and integers multiply exactly. One quirk is kept: where PyTorch
multiplies batches with ``bmm``, operands of different dtypes are refused only when there
is something to multiply; a product with no elements, or an empty inner dimension, comes
back as zeros of the right operand's dtype.
"""

from __future__ import annotations

import math

import numpy as np

from minitorch import _dtype
from minitorch._checks import cpp_type_name, scalar_type_name
from minitorch._functional.elementwise import mul
from minitorch._functional.shape import reshape
from minitorch._ops.elementwise import unbroadcast
from minitorch._tensor import Tensor, tensor_method
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
    """Also the node of a batched ``matmul`` (PyTorch names it after the reshape around a bmm)."""


class Mv(Matmul):
    pass


class Dot(Matmul):
    pass


def _check_same_dtype(a: Tensor, b: Tensor, kernel: str) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {cpp_type_name(a.dtype)} != "
            f"{cpp_type_name(b.dtype)}"
        )
    if a.dtype is _dtype.bool:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _check_mv_dtypes(mat: Tensor, vec: Tensor) -> None:
    if mat.dtype is not vec.dtype:
        names = (scalar_type_name(vec.dtype), scalar_type_name(mat.dtype))
        raise RuntimeError(  # PyTorch's result takes the vector's dtype; it is named first
            f"addmv input tensors must have the same dtype, but got {names[0]}, {names[1]}, "
            f"and {names[0]}"
        )
    if mat.dtype is _dtype.bool:
        raise NotImplementedError("\"addmv_impl_cpu\" not implemented for 'Bool'")


def _folds_into_matrix(input: Tensor, other: Tensor) -> bool:
    """Whether PyTorch's matmul folds the batch of the larger operand into the rows of one
    matrix and calls ``mm``/``mv`` (which check dtypes first) rather than ``bmm``.

    Its rule (``should_fold``): one operand has 3+ dimensions, the other 1 or 2, and either
    the smaller one requires grad, or the left one is not a matrix and the larger one folds
    without a copy (it is empty, or its batch dimensions are contiguous).
    """
    larger, smaller = (input, other) if input._data.ndim >= other._data.ndim else (other, input)
    if larger._data.ndim < 3 or smaller._data.ndim > 2:
        return False
    if smaller.requires_grad:
        return True
    if input._data.ndim == 2:
        return False
    # the right operand is folded transposed: that moves only its last two dimensions
    folded = larger._data if larger is input else np.swapaxes(larger._data, -1, -2)
    if folded.size == 0:
        return True
    shape, strides = folded.shape, folded.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(folded.ndim - 2))


def _batched_operands(input: Tensor, other: Tensor) -> tuple[Tensor, Tensor]:
    """The operands of a ``bmm`` product, checked as PyTorch's kernel checks them: only when
    it multiplies something. An empty product takes the right operand's dtype."""
    n = input._data.shape[-2] if input._data.ndim > 1 else 1
    inner = input._data.shape[-1]
    p = other._data.shape[-1] if other._data.ndim > 1 else 1
    batch = np.broadcast_shapes(input._data.shape[:-2], other._data.shape[:-2])
    multiplies = inner > 0 and n * p * math.prod(batch) > 0
    if multiplies and input.dtype is not other.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(input.dtype)} but found "
            f"{scalar_type_name(other.dtype)}"
        )
    if multiplies and input.dtype is _dtype.bool:
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    if input.dtype is not other.dtype:
        input = input._cast(other.dtype)
    return input, other


def _matrix_shape_error(a: tuple[int, ...], b: tuple[int, ...]) -> RuntimeError:
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and {b[0]}x{b[1]})"
    )


@tensor_method
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with PyTorch's rules for vectors (1-d) and batches (>2-d, broadcast)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' must be Tensor, not {type(other).__name__}")
    sa, sb = input._data.shape, other._data.shape
    if not sa or not sb:
        raise RuntimeError(
            "both arguments to matmul need to be at least 1D, but they are "
            f"{len(sa)}D and {len(sb)}D"
        )
    if len(sa) == 1 and len(sb) == 1:
        return dot(input, other)
    if len(sa) == 2 and len(sb) == 1:
        return mv(input, other)
    if len(sa) <= 2 and len(sb) == 2:
        if len(sa) == 1:
            _check_same_dtype(input, other, "addmm_impl_cpu_")
            if sa[0] != sb[0]:
                raise _matrix_shape_error((1, sa[0]), sb)
            return Mm.apply(input, other)  # a row vector times a matrix
        return mm(input, other)
    if _folds_into_matrix(input, other):
        larger, smaller = (input, other) if len(sa) >= len(sb) else (other, input)
        if smaller._data.ndim == 2:
            _check_same_dtype(larger, smaller, "addmm_impl_cpu_")
        else:
            _check_mv_dtypes(larger, smaller)
    k_a = sa[-1]
    k_b = sb[-2] if len(sb) > 1 else sb[0]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul: shapes {list(sa)} and {list(sb)} cannot be multiplied: the inner "
            f"dimensions differ ({k_a} and {k_b})"
        )
    batch_a = sa[:-2] if len(sa) > 1 else ()
    batch_b = sb[:-2] if len(sb) > 1 else ()
    try:
        np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise RuntimeError(
            f"matmul: the batch dimensions of shapes {list(sa)} and {list(sb)} do not broadcast"
        ) from None
    return Bmm.apply(*_batched_operands(input, other))


tensor_method(matmul, name="__matmul__")


@tensor_method(name="__rmatmul__")
def _rmatmul(self: Tensor, other: Tensor) -> Tensor:
    if not isinstance(other, Tensor):  # PyTorch does not multiply numpy arrays by tensors either
        raise TypeError(f"unsupported operand type(s) for @: '{type(other).__name__}' and 'Tensor'")
    return matmul(other, self)


@tensor_method
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices: ``(n, k) @ (k, m) -> (n, m)``."""
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_same_dtype(input, mat2, "addmm_impl_cpu_")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise _matrix_shape_error(input._data.shape, mat2._data.shape)
    return Mm.apply(input, mat2)


@tensor_method
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product: ``(b, n, k) @ (b, k, m) -> (b, n, m)`` (no broadcasting)."""
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _check_same_dtype(input, mat2, "bmm")
    (b, _, k), expected_batch2 = input._data.shape, mat2._data.shape
    if expected_batch2[:2] != (b, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but got: "
            f"[{expected_batch2[0]}, {expected_batch2[1]}]."
        )
    return Bmm.apply(input, mat2)


@tensor_method
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix times vector: ``(n, k) @ (k,) -> (n,)``."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}"
        )
    _check_mv_dtypes(input, vec)
    (n, k), (m,) = input._data.shape, vec._data.shape
    if k != m:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{k}), vec ({m})")
    return Mv.apply(input, vec)


@tensor_method
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two vectors of the same length (a 0-d tensor)."""
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{scalar_type_name(input.dtype)} and {scalar_type_name(tensor.dtype)}"
        )
    if input.dtype is _dtype.bool:
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    if a.shape != b.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            "respectively"
        )
    return Dot.apply(input, tensor)


@tensor_method
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product ``out[i, j] = input[i] * vec2[j]`` (dtypes promote, as for ``*``)."""
    return mul(reshape(input, (-1, 1)), vec2)


ger = tensor_method(outer, name="ger")
