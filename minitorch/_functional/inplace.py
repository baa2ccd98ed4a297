"""In-place tensor ops: ``add_``, ``mul_``, ``fill_``, ``copy_``, ``+=``, ...

Each checks its arguments as PyTorch does (an operand must broadcast to the written
tensor's shape, :func:`check_broadcast_into`) and then runs autograd's one in-place
recipe, :func:`minitorch.autograd.inplace.inplace`, with the out-of-place op: the
recipe refuses the writes PyTorch refuses, copies the result into the tensor's memory,
bumps its version and rewrites its history.

The ``out=`` arguments of ``cat``, ``gather``, ``index_select``, ``masked_select``, ``amax`` and
``amin`` use the same recipe: :func:`check_out` refuses what PyTorch refuses before the op runs, and
:func:`write_out` resizes ``out`` to the result's shape and copies the result in.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from minitorch import _dtype
from minitorch._checks import (
    broadcast_shapes,
    checked_conversion,
    parsed_number,
    scalar_type_name,
)
from minitorch._functional.elementwise import (
    Scalar,
    abs,
    add,
    as_operand,
    checked_alpha,
    clamp,
    div,
    eq,
    exp,
    floor_divide,
    ge,
    gt,
    invalid_arguments,
    le,
    log,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    mul,
    ne,
    neg,
    pow,
    relu,
    remainder,
    scalar_operand,
    sigmoid,
    sqrt,
    sub,
    tanh,
)
from minitorch._ops import elementwise as _ew
from minitorch._ops.elementwise import Copy, Fill, FillWithTensor, SharesMemory, StepInPlace, Zero
from minitorch._tensor import Tensor
from minitorch.autograd.grad_mode import is_grad_enabled
from minitorch.autograd.inplace import inplace

__all__ = ["check_broadcast_into", "check_castable", "check_out", "fill_value", "write_out"]


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
    # checked here too: the direct write under no_grad skips add's check
    checked_alpha(alpha, _dtype.result_type(self, other))
    other = _in_own_dtype(self, other)
    return inplace(self, add, other, alpha=alpha, direct=_direct(self, other, _ew.add_into))


def sub_(self: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    check_broadcast_into(self, other)
    # checked here too: the direct write under no_grad skips sub's check
    checked_alpha(alpha, _dtype.result_type(self, other))
    other = _in_own_dtype(self, other)
    return inplace(self, sub, other, alpha=alpha, direct=_direct(self, other, _ew.sub_into))


def mul_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, other)
    if self.dtype is not _dtype.float16:  # float16 multiplies by the number in float32 (mul)
        other = _in_own_dtype(self, other)
    return inplace(self, mul, other, direct=_direct(self, other, _ew.mul_into))


def div_(self: Tensor, other: Tensor | Scalar, *, rounding_mode: str | None = None) -> Tensor:
    check_broadcast_into(self, other)
    return inplace(self, div, other, rounding_mode=rounding_mode)


def remainder_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, other)
    return inplace(self, remainder, other)


def floor_divide_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, other)
    return inplace(self, floor_divide, other)


def clamp_(
    self: Tensor,
    min: Tensor | Scalar | None = None,  # noqa: A002
    max: Tensor | Scalar | None = None,  # noqa: A002
) -> Tensor:
    for bound in (min, max):
        check_broadcast_into(self, bound)
    return inplace(self, clamp, min, max)


clip_ = clamp_


# ------------------------------------------------------------------ fill and copy
_FILL_SIGNATURES = ("(Tensor value)", "(Number value)")


def fill_value(tensor: Tensor, value: object, through_double: bool = False) -> Scalar:
    """A number to fill ``tensor`` with, converted as PyTorch's ``fill_`` converts it: checked
    against the tensor's dtype. ``through_double``: PyTorch converts the number for a float16
    tensor to float64 first (``x[i] = v`` does, and ``fill_`` of one element), so that too
    large a number becomes inf there, not an error."""
    number = value.item() if isinstance(value, np.generic) else value
    half_through_double = through_double and tensor.dtype is _dtype.float16
    checked_as = _dtype.float64 if half_through_double else None
    return checked_conversion(parsed_number(number), tensor.dtype, checked_as)


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
    if not isinstance(value, Tensor | numbers.Number):
        raise invalid_arguments("fill_", (value,), _FILL_SIGNATURES, wrong=(0,))
    if not isinstance(value, Tensor):
        value = fill_value(self, value, through_double=self.numel() == 1)
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


negative_ = neg_


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


# ------------------------------------------------------------------ comparisons in place
def _step_written(tensor: Tensor, op: Callable, other: Tensor | Scalar) -> Tensor:
    """``op(tensor, other)``'s bool result in ``tensor``'s dtype, with zero gradients."""
    return StepInPlace.apply(op(tensor, other), tensor, other)


def _compared_(self: Tensor, op: Callable, other: Tensor | Scalar) -> Tensor:
    check_broadcast_into(self, other)
    return inplace(self, _step_written, op, other)


def eq_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    return _compared_(self, eq, other)


def ne_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    return _compared_(self, ne, other)


def lt_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    return _compared_(self, lt, other)


def le_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    return _compared_(self, le, other)


def gt_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    return _compared_(self, gt, other)


def ge_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    return _compared_(self, ge, other)


# PyTorch records no node for the logical ops in place: the tensor keeps its history, and a
# gradient passes through as if nothing had been written.
def logical_not_(self: Tensor) -> Tensor:
    return inplace(self, logical_not)


def _logical_(self: Tensor, op: Callable, name: str, other: Tensor) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}"
        )
    check_broadcast_into(self, other)
    return inplace(self, op, other)


def logical_and_(self: Tensor, other: Tensor) -> Tensor:
    return _logical_(self, logical_and, "logical_and_", other)


def logical_or_(self: Tensor, other: Tensor) -> Tensor:
    return _logical_(self, logical_or, "logical_or_", other)


def logical_xor_(self: Tensor, other: Tensor) -> Tensor:
    return _logical_(self, logical_xor, "logical_xor_", other)


# ------------------------------------------------------------------ out=
_OVERLAPPING_INPUT = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer "
    "to a single memory location. Please clone() the tensor before performing the operation."
)


def check_out(name: str, out: object, operands: Sequence[Tensor]) -> Tensor:
    """PyTorch's checks of an ``out=`` argument, made before the op runs: a Tensor, and no
    gradient needed (an op that writes into ``out`` is not differentiable)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_grad_enabled() and (out.requires_grad or any(t.requires_grad for t in operands)):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    return out


def write_out(
    out: Tensor, result: Tensor, inputs: Sequence[Tensor] = (), overlap_allowed: bool = False
) -> Tensor:
    """``result`` written into ``out`` (checked by :func:`check_out`), as PyTorch's ``out=``
    variants write it, and ``out`` returned.

    ``out`` is resized to the result's shape when it has another one (with PyTorch's
    deprecation warning if it held elements); it may not share memory with ``inputs``, nor,
    unless ``overlap_allowed``, with itself (an expanded tensor); the values are then copied
    in, converted to ``out``'s dtype, through the in-place recipe, which bumps its version.
    """
    shape = tuple(result.shape)
    # PyTorch grows a storage in place, for every tensor that shares it, so an input in out's
    # memory stays in it; a numpy array cannot grow, so here out gets new memory (checked first)
    overlapping = any(SharesMemory.apply(out, t).item() for t in inputs)
    needed = (out.storage_offset() + math.prod(shape)) * out.element_size()
    grows = tuple(out.shape) != shape and needed > out.untyped_storage().nbytes()
    if grows and overlapping:
        raise RuntimeError(_OVERLAPPING_INPUT)
    if grows and out._is_view():
        raise NotImplementedError(
            f"out= of shape {list(out.shape)} is a view whose storage would have to grow to "
            f"hold the result of shape {list(shape)}; minitorch cannot grow a storage that "
            "other tensors see (pass an out of the result's shape, or one of its own)"
        )
    if tuple(out.shape) != shape:
        if out.numel():
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(shape)}. This behavior is deprecated, and in a future PyTorch release "
                "outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._resize(shape)
    if any(SharesMemory.apply(out, t).item() for t in inputs):
        raise RuntimeError(_OVERLAPPING_INPUT)
    return inplace(out, Copy.apply, result, overlap_allowed=overlap_allowed)


def check_castable(name: str, source: _dtype.dtype, out: Tensor) -> None:
    """``torch.cat``'s rule for ``out``'s dtype: a float result does not go into an integer
    tensor, nor anything but a bool into a bool tensor."""
    target = out.dtype
    if (source.is_floating_point and not target.is_floating_point) or (
        target is _dtype.bool and source is not _dtype.bool
    ):
        raise TypeError(
            f"torch.{name}(): input types can't be cast to the desired output type "
            f"{scalar_type_name(target)}"
        )
