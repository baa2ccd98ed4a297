"""In-place tensor ops: ``add_``, ``mul_``, ``fill_``, ``copy_``, ``+=``, ...

Each checks its arguments as PyTorch does (an operand must broadcast to the written
tensor's shape, :func:`check_broadcast_into`) and then runs autograd's one in-place
recipe, :func:`minitorch.autograd.inplace.inplace`, with the out-of-place op: the
recipe refuses the writes PyTorch refuses, copies the result into the tensor's memory,
bumps its version and rewrites its history.
"""

from __future__ import annotations

from collections.abc import Callable

from minitorch._checks import broadcast_shapes
from minitorch._functional.elementwise import (
    Scalar,
    abs,
    add,
    as_operand,
    clamp,
    div,
    exp,
    log,
    mul,
    neg,
    pow,
    relu,
    scalar_operand,
    sigmoid,
    sqrt,
    sub,
    tanh,
)
from minitorch._ops import elementwise as _ew
from minitorch._ops.elementwise import Copy, Fill, FillWithTensor, Zero
from minitorch._tensor import Tensor
from minitorch.autograd.inplace import inplace

__all__ = ["check_broadcast_into"]


def check_broadcast_into(tensor: Tensor, other: Tensor | Scalar) -> None:
    """PyTorch's RuntimeError when ``other`` does not broadcast to ``tensor``'s own shape."""
    if not isinstance(other, Tensor):
        return
    shape, other_shape = tuple(tensor.shape), tuple(other.shape)
    if other_shape == shape:
        return
    broadcast = broadcast_shapes(shape, other_shape)
    if broadcast != shape:
        raise RuntimeError(
            f"output with shape {list(shape)} doesn't match the broadcast shape {list(broadcast)}"
        )


# ------------------------------------------------------------------ arithmetic
def _in_own_dtype(tensor: Tensor, other: Tensor | Scalar) -> Tensor | Scalar:
    """A Python number operand of a float tensor as a 0-d tensor of its dtype.

    The out-of-place op would convert it so too (a float tensor keeps its dtype with a
    number), and then the direct write can use it as it is.
    """
    if type(other) in (int, float) and tensor.dtype.is_floating_point:
        return scalar_operand(other, tensor.dtype)
    return other


def _direct(tensor: Tensor, other: Tensor | Scalar, write: Callable) -> Callable | None:
    """``write`` where an operand of the tensor's own float dtype lets it skip the copy."""
    if isinstance(other, Tensor) and other.dtype is tensor.dtype and tensor.is_floating_point():
        return write
    return None


def add_(self: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    check_broadcast_into(self, other)
    other = _in_own_dtype(self, other)
    return inplace(self, add, other, alpha=alpha, direct=_direct(self, other, _ew.add_into))


def sub_(self: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    check_broadcast_into(self, other)
    other = _in_own_dtype(self, other)
    return inplace(self, sub, other, alpha=alpha, direct=_direct(self, other, _ew.sub_into))


def mul_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, other)
    other = _in_own_dtype(self, other)
    return inplace(self, mul, other, direct=_direct(self, other, _ew.mul_into))


def div_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, other)
    return inplace(self, div, other)


def clamp_(self: Tensor, min: Scalar | None = None, max: Scalar | None = None) -> Tensor:  # noqa: A002
    return inplace(self, clamp, min, max)


# ------------------------------------------------------------------ fill and copy
def _filled(tensor: Tensor, value: Scalar | Tensor) -> Tensor:
    if not isinstance(value, Tensor):
        return Fill.apply(tensor, value)
    if value.dim() != 0:
        raise RuntimeError(
            "fill_ only supports 0-dimension value tensor but got tensor with "
            f"{value.dim()} dimensions."
        )
    return FillWithTensor.apply(tensor, value)


def zero_(self: Tensor) -> Tensor:
    return inplace(self, Zero.apply, 0, overlap_allowed=True)


def fill_(self: Tensor, value: Scalar | Tensor) -> Tensor:
    # PyTorch writes a number into expanded memory, but a tensor's value it copies
    # elementwise, and so refuses memory that several elements share
    return inplace(self, _filled, value, overlap_allowed=not isinstance(value, Tensor))


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values (broadcast, converted to this dtype) into this tensor."""
    src = as_operand(src, "copy_")
    if isinstance(src, Tensor):
        check_broadcast_into(self, src)
    return inplace(self, Copy.apply, src, direct=_ew.copy_into)


# ------------------------------------------------------------------ unary math in place
def neg_(self: Tensor) -> Tensor:
    return inplace(self, neg)


def abs_(self: Tensor) -> Tensor:
    return inplace(self, abs)


def exp_(self: Tensor) -> Tensor:
    return inplace(self, exp)


def log_(self: Tensor) -> Tensor:
    return inplace(self, log)


def sqrt_(self: Tensor) -> Tensor:
    return inplace(self, sqrt)


def tanh_(self: Tensor) -> Tensor:
    return inplace(self, tanh)


def sigmoid_(self: Tensor) -> Tensor:
    return inplace(self, sigmoid)


def relu_(self: Tensor) -> Tensor:
    return inplace(self, relu)


def pow_(self: Tensor, exponent: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, exponent)
    return inplace(self, pow, exponent)
