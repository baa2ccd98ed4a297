"""Matrix products: ``matmul`` (``@``), ``mm``, ``bmm``, ``mv``, ``dot``, ``outer``.

Each checks its operands as PyTorch does, then calls one Function of
:mod:`minitorch._ops.linalg`. ``matmul`` follows numpy's (and PyTorch's) rules for the
other shapes: a 1-d operand is a vector, leading (batch) dimensions broadcast.

Both operands must have the same dtype (PyTorch does not promote here);
float32 stays float32 and integers multiply exactly. One quirk is kept: where PyTorch
multiplies batches with ``bmm``, operands of different dtypes are refused only when there
is something to multiply; a product with no elements, or an empty inner dimension, comes
back as zeros of the right operand's dtype.
"""

from __future__ import annotations

import math

from minitorch import _dtype
from minitorch._checks import broadcast_shapes, cpp_type_name, scalar_type_name
from minitorch._functional.elementwise import mul
from minitorch._functional.shape import reshape
from minitorch._ops.linalg import Bmm, Dot, Mm, Mv, Trace
from minitorch._tensor import Tensor


def _check_same_dtype(a: Tensor, b: Tensor, kernel: str) -> None:
    dtype = a.dtype
    if dtype is not b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {cpp_type_name(dtype)} != "
            f"{cpp_type_name(b.dtype)}"
        )
    if dtype is _dtype.bool:
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
    larger, smaller = (input, other) if input.dim() >= other.dim() else (other, input)
    if larger.dim() < 3 or smaller.dim() > 2:
        return False
    if smaller.requires_grad:
        return True
    if input.dim() == 2:
        return False
    if larger.numel() == 0:
        return True
    shape, strides = list(larger.shape), list(larger.stride())
    if larger is other:  # the right operand is folded transposed: its last two dims swap
        shape[-2:], strides[-2:] = shape[:-3:-1], strides[:-3:-1]
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _check_batched_dtypes(input: Tensor, other: Tensor) -> None:
    """The dtypes of a ``bmm`` product, checked as PyTorch's kernel checks them: only when
    it multiplies something."""
    sa, sb = input.shape, other.shape
    n = sa[-2] if len(sa) > 1 else 1
    p = sb[-1] if len(sb) > 1 else 1
    batch = broadcast_shapes(sa[:-2], sb[:-2])
    multiplies = sa[-1] > 0 and n * p * math.prod(batch) > 0
    if multiplies and input.dtype is not other.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(input.dtype)} but found "
            f"{scalar_type_name(other.dtype)}"
        )
    if multiplies and input.dtype is _dtype.bool:
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")


def _matrix_shape_error(a: tuple[int, ...], b: tuple[int, ...]) -> RuntimeError:
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and {b[0]}x{b[1]})"
    )


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with PyTorch's rules for vectors (1-d) and batches (>2-d, broadcast)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' must be Tensor, not {type(other).__name__}")
    ndim_a, ndim_b = input.dim(), other.dim()
    if not ndim_a or not ndim_b:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {ndim_a}D and {ndim_b}D"
        )
    if ndim_a == 1 and ndim_b == 1:
        return dot(input, other)
    if ndim_a == 2 and ndim_b == 1:
        return mv(input, other)
    if ndim_a <= 2 and ndim_b == 2:
        if ndim_a == 1:
            _check_same_dtype(input, other, "addmm_impl_cpu_")
            (k,), (k2, m) = input.shape, other.shape
            if k != k2:
                raise _matrix_shape_error((1, k), (k2, m))
            return Mm.apply(input, other)  # a row vector times a matrix
        return mm(input, other)
    sa, sb = input.shape, other.shape
    if _folds_into_matrix(input, other):
        larger, smaller = (input, other) if ndim_a >= ndim_b else (other, input)
        if smaller.dim() == 2:
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
        broadcast_shapes(batch_a, batch_b)
    except RuntimeError:
        raise RuntimeError(
            f"matmul: the batch dimensions of shapes {list(sa)} and {list(sb)} do not broadcast"
        ) from None
    _check_batched_dtypes(input, other)
    return Bmm.apply(input, other)


def rmatmul(self: Tensor, other: Tensor) -> Tensor:
    if not isinstance(other, Tensor):  # PyTorch does not multiply numpy arrays by tensors either
        raise TypeError(f"unsupported operand type(s) for @: '{type(other).__name__}' and 'Tensor'")
    return matmul(other, self)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices: ``(n, k) @ (k, m) -> (n, m)``."""
    if input.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_same_dtype(input, mat2, "addmm_impl_cpu_")
    (n, k), (k2, m) = input.shape, mat2.shape
    if k != k2:
        raise _matrix_shape_error((n, k), (k2, m))
    return Mm.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product: ``(b, n, k) @ (b, k, m) -> (b, n, m)`` (no broadcasting)."""
    if input.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _check_same_dtype(input, mat2, "bmm")
    (b, _, k), expected_batch2 = input.shape, mat2.shape
    if expected_batch2[:2] != (b, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but got: "
            f"[{expected_batch2[0]}, {expected_batch2[1]}]."
        )
    return Bmm.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix times vector: ``(n, k) @ (k,) -> (n,)``."""
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.dim()}, {vec.dim()}")
    _check_mv_dtypes(input, vec)
    (n, k), (m,) = input.shape, vec.shape
    if k != m:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{k}), vec ({m})")
    return Mv.apply(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two vectors of the same length (a 0-d tensor)."""
    if input.dim() != 1 or tensor.dim() != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.dim()}D and {tensor.dim()}D tensors"
        )
    if input.dtype is not tensor.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{scalar_type_name(input.dtype)} and {scalar_type_name(tensor.dtype)}"
        )
    if input.dtype is _dtype.bool:
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    (n,), (m,) = input.shape, tensor.shape
    if n != m:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
            f"number of elements, but got {n} and {m} elements respectively"
        )
    return Dot.apply(input, tensor)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product ``out[i, j] = input[i] * vec2[j]`` (dtypes promote, as for ``*``)."""
    return mul(reshape(input, (-1, 1)), vec2)


ger = outer


def trace(input: Tensor) -> Tensor:
    """The sum of the diagonal of a 2-D matrix (integers sum to int64)."""
    if input.dtype in (_dtype.bool, _dtype.uint16, _dtype.uint32, _dtype.uint64):
        raise NotImplementedError(  # PyTorch checks the dtype first
            f"\"trace\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    return Trace.apply(input)
