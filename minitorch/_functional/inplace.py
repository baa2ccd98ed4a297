"""In-place operations: ``add_``, ``mul_``, ``fill_``, ``copy_``, ``+=``, ... and their one recipe.

Every in-place op runs :func:`inplace`, which does what PyTorch does:

1. refuse what PyTorch refuses (:func:`check_inplace`): a leaf that requires grad, a view
   of one, memory that ``expand`` made overlap, a view made under ``no_grad`` or by an op
   that returns several views;
2. compute the result out of place (recorded in the graph when autograd is on);
3. write it into the tensor's memory: the storage its views share, so they all see it;
4. bump the storage's version counter, so that backward refuses anything saved before;
5. with autograd, rewrite the history (``rebase_history``): the tensor takes the
   result's node, or, when it is a view, its base takes a ``CopySlices`` node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

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
    sigmoid,
    sqrt,
    sub,
    tanh,
)
from minitorch._ops.elementwise import unbroadcast
from minitorch._tensor import Tensor, tensor_method
from minitorch.autograd.function import (
    Function,
    forward_name,
    gradient_edge,
    keep_original_values,
    next_sequence_nr,
    nodes_recorded_since,
    rebase_history,
)
from minitorch.autograd.grad_mode import is_grad_enabled

__all__ = ["check_broadcast_into", "check_inplace", "has_internal_overlap", "inplace"]

OVERLAPPING_WRITE = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)


def check_inplace(tensor: Tensor, operands: tuple = (), overlap_allowed: bool = False) -> None:
    """Raise PyTorch's RuntimeError where an in-place write into ``tensor`` is forbidden.

    ``overlap_allowed``: the op writes one value everywhere (``fill_``, ``zero_``), so memory
    that ``expand`` shares between elements is no ambiguity and PyTorch allows it.
    """
    data = tensor._data
    if not overlap_allowed and has_internal_overlap(data):
        raise RuntimeError(OVERLAPPING_WRITE)
    for operand in operands:
        if isinstance(operand, Tensor) and _partly_overlap(data, operand._data):
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to "
                "tensor refer to a single memory location. Please clone() the tensor before "
                "performing the operation."
            )
    if not is_grad_enabled():
        return
    info = tensor._view_info
    if info is None:
        if tensor._requires_grad and tensor._grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        return
    base = tensor._base
    recorded = base._requires_grad or any(
        isinstance(o, Tensor) and o._requires_grad for o in operands
    )
    if info.creation == "no_grad" and recorded:
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. "
            "You can clarify your code by moving both the view and the inplace either both "
            "inside the no_grad block (if you don't want the inplace to be tracked) or both "
            "outside (if you want the inplace to be tracked)."
        )
    if base._requires_grad and base._grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    if info.creation == "multiple" and recorded:
        raise RuntimeError(
            f"Output {info.output_nr} of {forward_name(info.op_name)} is a view and is being "
            "modified inplace. This view is the output of a function that returns multiple "
            "views. Such functions do not allow the output views to be modified inplace. You "
            "should replace the inplace operation by an out-of-place one."
        )


def has_internal_overlap(array: np.ndarray) -> bool:
    """True when several elements share one memory location (``expand`` made a stride 0)."""
    return any(s == 0 and n > 1 for s, n in zip(array.strides, array.shape, strict=True))


def _partly_overlap(written: np.ndarray, read: np.ndarray) -> bool:
    """True when ``read`` shares some memory with ``written`` without being the same view
    (``x.mul_(x)`` reads each element where it writes it; ``x[1:].mul_(x[:-1])`` does not)."""
    if not np.may_share_memory(written, read):
        return False
    same_view = (
        written.__array_interface__["data"][0] == read.__array_interface__["data"][0]
        and written.shape == read.shape
        and written.strides == read.strides
    )
    return not same_view and np.shares_memory(written, read)


def inplace(
    tensor: Tensor,
    op: Callable[..., Tensor],
    *args: Any,
    overlap_allowed: bool = False,
    **kwargs: Any,
) -> Tensor:
    """``tensor`` made to hold ``op(tensor, *args, **kwargs)``, the way PyTorch's ``op_`` does."""
    check_inplace(tensor, args, overlap_allowed)
    # where a view's gradient went before the write (CopySlices needs it; others do not)
    view_edge = gradient_edge(tensor) if tensor._view_info is not None else None
    first_sequence_nr = next_sequence_nr()
    result = op(tensor, *args, **kwargs)
    if result._data.dtype != tensor._data.dtype and not np.can_cast(
        result._data.dtype, tensor._data.dtype, "same_kind"
    ):
        raise RuntimeError(
            f"result type {result.dtype} can't be cast to the desired output type {tensor.dtype}"
        )
    fn_nodes = None
    if result._grad_fn is not None:
        fn_nodes = nodes_recorded_since(result._grad_fn, first_sequence_nr)
        keep_original_values(tensor, fn_nodes)
    np.copyto(tensor._data, result._data, casting="unsafe")
    tensor._bump_version()
    if fn_nodes is not None:
        rebase_history(tensor, result, fn_nodes, view_edge)
    return tensor


def check_broadcast_into(tensor: Tensor, other: Tensor | Scalar) -> None:
    shape = tensor._data.shape
    if isinstance(other, Tensor) and broadcast_shapes(shape, other._data.shape) != shape:
        raise RuntimeError(
            f"output with shape {list(shape)} doesn't match the broadcast shape "
            f"{list(broadcast_shapes(shape, other._data.shape))}"
        )


# ------------------------------------------------------------------ arithmetic
@tensor_method
def add_(self: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    check_broadcast_into(self, other)
    return inplace(self, add, other, alpha=alpha)


@tensor_method
def sub_(self: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    check_broadcast_into(self, other)
    return inplace(self, sub, other, alpha=alpha)


@tensor_method
def mul_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, other)
    return inplace(self, mul, other)


@tensor_method
def div_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, other)
    return inplace(self, div, other)


@tensor_method
def clamp_(self: Tensor, min: Scalar | None = None, max: Scalar | None = None) -> Tensor:  # noqa: A002
    return inplace(self, clamp, min, max)


tensor_method(add_, name="__iadd__")
tensor_method(sub_, name="__isub__")
tensor_method(mul_, name="__imul__")
tensor_method(div_, name="__itruediv__")


# ------------------------------------------------------------------ fill and copy
class Fill(Function):
    """Every element replaced by a number: the old values get no gradient."""

    backward_name = "FillBackward2"

    @staticmethod
    def forward(ctx, x, value):
        return np.full_like(x, value)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), None


class FillWithTensor(Function):
    """Every element replaced by a 0-d tensor's value, which gets the gradient's sum."""

    backward_name = "FillBackward3"

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_dtype = value.dtype
        return np.full_like(x, value)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), np.asarray(grad.sum(), dtype=ctx.value_dtype)


class Zero(Fill):
    """``zero_()``: a fill with 0, under PyTorch's node name."""

    backward_name = "ZeroBackward0"


def _filled(tensor: Tensor, value: Scalar | Tensor) -> Tensor:
    if not isinstance(value, Tensor):
        return Fill.apply(tensor, value)
    if value._data.ndim != 0:
        raise RuntimeError(
            "fill_ only supports 0-dimension value tensor but got tensor with "
            f"{value._data.ndim} dimensions."
        )
    return FillWithTensor.apply(tensor, value)


@tensor_method
def zero_(self: Tensor) -> Tensor:
    return inplace(self, Zero.apply, 0, overlap_allowed=True)


@tensor_method
def fill_(self: Tensor, value: Scalar | Tensor) -> Tensor:
    return inplace(self, _filled, value, overlap_allowed=True)


class Copy(Function):
    """``self.copy_(src)``: the old values get no gradient; ``src`` gets it summed to its shape."""

    backward_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, x, src):
        ctx.src_shape, ctx.src_dtype = np.shape(src), np.asarray(src).dtype
        return np.broadcast_to(src, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), unbroadcast(grad, ctx.src_shape).astype(ctx.src_dtype)


@tensor_method
def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values (broadcast, converted to this dtype) into this tensor."""
    src = as_operand(src, "copy_")
    if isinstance(src, Tensor):
        check_broadcast_into(self, src)
    return inplace(self, Copy.apply, src)


# ------------------------------------------------------------------ unary math in place
@tensor_method
def neg_(self: Tensor) -> Tensor:
    return inplace(self, neg)


@tensor_method
def abs_(self: Tensor) -> Tensor:
    return inplace(self, abs)


@tensor_method
def exp_(self: Tensor) -> Tensor:
    return inplace(self, exp)


@tensor_method
def log_(self: Tensor) -> Tensor:
    return inplace(self, log)


@tensor_method
def sqrt_(self: Tensor) -> Tensor:
    return inplace(self, sqrt)


@tensor_method
def tanh_(self: Tensor) -> Tensor:
    return inplace(self, tanh)


@tensor_method
def sigmoid_(self: Tensor) -> Tensor:
    return inplace(self, sigmoid)


@tensor_method
def relu_(self: Tensor) -> Tensor:
    return inplace(self, relu)


@tensor_method
def pow_(self: Tensor, exponent: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, exponent)
    return inplace(self, pow, exponent)


tensor_method(pow_, name="__ipow__")
