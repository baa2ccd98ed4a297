"""Elementwise tensor ops: arithmetic with broadcasting, unary math, comparisons, ``where``.

The functional floor of the elementwise family: each op normalises its operands (a Python
number becomes a 0-d tensor of the result dtype, :func:`scalar_operand`), promotes them
with PyTorch's type rules, checks them, and calls one Function of
:mod:`minitorch._ops.elementwise`.
"""

from __future__ import annotations

import numbers

import numpy as np

from minitorch import _dtype
from minitorch._checks import broadcast_shapes, conversion_type_name, scalar_type_name
from minitorch._creation import from_numpy
from minitorch._ops.elementwise import (
    Abs,
    Add,
    AllClose,
    BitwiseAnd,
    BitwiseNot,
    BitwiseOr,
    BitwiseXor,
    Clamp,
    Clone,
    Div,
    DivRounded,
    Eq,
    Equal,
    Exp,
    FloorDivide,
    Ge,
    Gt,
    IsFinite,
    IsInf,
    IsNan,
    Le,
    Log,
    LogicalAnd,
    LogicalNot,
    LogicalOr,
    LogicalXor,
    Lt,
    Maximum,
    Minimum,
    Mul,
    Ne,
    Neg,
    Pow,
    PowTensor,
    Relu,
    Remainder,
    RemainderScalar,
    ReversedRemainder,
    RPow,
    RSub,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
    ToCopy,
    Where,
)
from minitorch._tensor import Tensor
from minitorch.autograd.function import Function

Scalar = int | float | bool


# ------------------------------------------------------------------ operands
def as_operand(value: object, name: str = "other") -> Tensor | Scalar:
    """Accept a Tensor or a Python/numpy number as an operand; TypeError otherwise."""
    if isinstance(value, Tensor | bool | int | float):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        return value.item() if hasattr(value, "item") else float(value)
    if isinstance(value, np.ndarray):
        return from_numpy(value) if value.ndim else value.item()
    raise TypeError(f"unsupported operand type for {name}: '{type(value).__name__}'")


_UINT64_LIMIT = 2**64
_FLOAT16_MAX = 65504.0  # float16's largest: no number below it overflows any float dtype


def scalar_operand(value: Scalar, dtype: _dtype.dtype) -> Tensor:
    """A Python number as a 0-d tensor of ``dtype``, converted as PyTorch converts it.

    PyTorch reads an int operand as a 64-bit integer (OverflowError beyond) and then casts
    it to the result dtype like C does: ``int32_tensor + 2**40`` adds 0, and
    ``int8_tensor * 200`` multiplies by -56. A float beyond the dtype's range becomes inf,
    silently.
    """
    target = dtype.numpy_dtype
    if isinstance(value, int) and not isinstance(value, bool):
        if not -(2**63) <= value < _UINT64_LIMIT:
            raise OverflowError("int too big to convert")
        if target.kind in "iu":
            wrapped = np.asarray(value % _UINT64_LIMIT, dtype=np.uint64).astype(target)
            return Tensor._make(wrapped)
    if -_FLOAT16_MAX <= value <= _FLOAT16_MAX:  # the usual small number: no errstate needed
        return Tensor._make(np.asarray(value, dtype=target))
    with np.errstate(over="ignore"):
        return Tensor._make(np.asarray(value, dtype=target))


# The ints an integer dtype takes from a checked conversion. As C++'s ``c10::overflows`` has
# it, an unsigned type still takes negatives down to ``-max`` (they wrap around).
_CHECKED_INTEGER_RANGES = {
    _dtype.uint8: (-255, 255),
    _dtype.int8: (-(2**7), 2**7 - 1),
    _dtype.int16: (-(2**15), 2**15 - 1),
    _dtype.int32: (-(2**31), 2**31 - 1),
    _dtype.int64: (-(2**63), 2**63 - 1),
}


def checked_scalar_operand(value: Scalar, dtype: _dtype.dtype) -> Tensor:
    """:func:`scalar_operand` for the ops that convert their number with a check (``where``):
    an int beyond an integer ``dtype``'s range is PyTorch's RuntimeError, not wrapped around."""
    checked = _CHECKED_INTEGER_RANGES.get(dtype)
    if checked is not None and isinstance(value, int) and not isinstance(value, bool):
        low, high = checked
        if -(2**63) <= value < _UINT64_LIMIT and not low <= value <= high:
            raise RuntimeError(
                f"value cannot be converted to type {conversion_type_name(dtype)} without overflow"
            )
    return scalar_operand(value, dtype)


def _number_as(value: Scalar, dtype: _dtype.dtype) -> Scalar:
    """``value`` as ``dtype`` holds it (``200`` as int8 is -56), still a Python number: for the
    ops whose PyTorch node has no edge for a number operand (``x // 2``, ``2 - x``)."""
    return scalar_operand(value, dtype).item()


def _promoted_operands(
    a: object, b: object, name: str, true_divide: bool = False
) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of the result dtype (a Python number as a 0-d one)."""
    a, b = as_operand(a, name), as_operand(b, name)
    result = _dtype.result_type(a, b)
    if true_divide and not result.is_floating_point:
        result = _dtype.get_default_dtype()
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        shape_a, shape_b = a.shape, b.shape
        if shape_a != shape_b:  # as plain tuples: indexing a Size runs Python code
            broadcast_shapes(tuple(shape_a), tuple(shape_b))
    # A Python number becomes a 0-d tensor of the result dtype, as PyTorch wraps it: the
    # node then has an edge to None for it (``next_functions`` match PyTorch's).
    if not isinstance(a, Tensor):
        a = scalar_operand(a, result)
    elif a.dtype is not result:
        a = a._cast(result)
    if not isinstance(b, Tensor):
        b = scalar_operand(b, result)
    elif b.dtype is not result:
        b = b._cast(result)
    return a, b


def _binary(fn: type[Function], a: object, b: object, name: str, true_divide: bool = False, **kw):
    a, b = _promoted_operands(a, b, name, true_divide)
    return fn.apply(a, b, **kw)


# ------------------------------------------------------------------ arithmetic
def add(input: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    return _binary(Add, input, other, "add", alpha=alpha)


def sub(input: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    if isinstance(input, Tensor) and input.dtype is _dtype.bool:
        raise NotImplementedError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    return _binary(Sub, input, other, "sub", alpha=alpha)


def mul(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return _binary(Mul, input, other, "mul")


def div(input: Tensor, other: Tensor | Scalar, *, rounding_mode: str | None = None) -> Tensor:
    """True division (integers give floats).

    ``rounding_mode='floor'|'trunc'`` rounds the quotient, in the operands' promoted dtype;
    as in PyTorch the result is differentiable, with zero gradients.
    """
    if rounding_mode is None:
        return _binary(Div, input, other, "div", true_divide=True)
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    a, b = _promoted_operands(input, other, "div")
    _check_divisor(a, b, f"div_{rounding_mode}_cpu")
    return DivRounded.apply(a, b, rounding_mode=rounding_mode)


def pow(input: Tensor | Scalar, exponent: Tensor | Scalar) -> Tensor:  # noqa: A001
    """``input ** exponent``; either side may be a Python number."""
    if isinstance(exponent, Tensor) and isinstance(input, Tensor):
        return _binary(PowTensor, input, exponent, "pow")
    if isinstance(exponent, Tensor):
        result = _dtype.result_type(input, exponent)
        return RPow.apply(
            exponent._cast(result) if exponent.dtype is not result else exponent, input
        )
    exponent = as_operand(exponent, "pow")
    if isinstance(exponent, Tensor):  # a 0-d numpy exponent
        return pow(input, exponent)
    result = _dtype.result_type(input, exponent)
    base = input._cast(result) if input.dtype is not result else input
    if not result.is_floating_point and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return Pow.apply(base, exponent)


def _radd(self: Tensor, other: Scalar) -> Tensor:
    return add(self, other)


def _rmul(self: Tensor, other: Scalar) -> Tensor:
    return mul(self, other)


def rsub(self: Tensor, other: Scalar) -> Tensor:
    other = as_operand(other, "sub")
    if isinstance(other, Tensor):
        return sub(other, self)
    result = _dtype.result_type(self, other)
    return RSub.apply(
        self._cast(result) if self.dtype is not result else self, _number_as(other, result)
    )


def rtruediv(self: Tensor, other: Scalar) -> Tensor:
    other = as_operand(other, "div")
    if isinstance(other, Tensor):
        return div(other, self)
    result = _dtype.result_type(self, other)
    if not result.is_floating_point:
        result = _dtype.get_default_dtype()
    return _binary(Div, scalar_operand(other, result), self, "div")


def rpow(self: Tensor, other: Scalar) -> Tensor:
    return pow(other, self)


def floor_divide(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``input // other``, rounded toward -inf; PyTorch gives it no derivative."""
    a, b = _promoted_operands(input, other, "floor_divide")
    _check_divisor(a, b, "div_floor_cpu")
    return FloorDivide.apply(_edge_operand(a, input), _edge_operand(b, other))


def rfloordiv(self: Tensor, other: Scalar) -> Tensor:
    return floor_divide(as_operand(other, "floor_divide"), self)


def remainder(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Python-style remainder (the sign of the divisor); differentiable like PyTorch's."""
    a, b = _promoted_operands(input, other, "remainder")
    _check_divisor(a, b, "remainder_cpu")
    if not isinstance(input, Tensor):
        return ReversedRemainder.apply(_edge_operand(a, input), b)
    divisor = _edge_operand(b, other)
    fn = Remainder if isinstance(divisor, Tensor) else RemainderScalar
    return fn.apply(a, divisor)


def rmod(self: Tensor, other: Scalar) -> Tensor:
    return remainder(as_operand(other, "remainder"), self)


def _edge_operand(operand: Tensor, original: object) -> Tensor | Scalar:
    """A Python number's operand as a (converted) number, so that the node has no edge for it."""
    return operand if isinstance(as_operand(original), Tensor) else operand.item()


def _check_divisor(a: Tensor, b: Tensor, kernel: str) -> None:
    """PyTorch's integer division raises on a zero divisor (C would trap); bool has no kernel."""
    if a.dtype is _dtype.bool:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    if a.dtype.is_floating_point or a.numel() == 0 or b.numel() == 0:  # nothing traps
        return
    if not b.all():
        raise RuntimeError("ZeroDivisionError")


# ------------------------------------------------------------------ unary math
def _float_input(x: Tensor) -> Tensor:
    """``x`` for a float-valued function: integers and bools become the default float dtype."""
    return x if x.dtype.is_floating_point else x._cast(_dtype.get_default_dtype())


def neg(input: Tensor) -> Tensor:
    if input.dtype is _dtype.bool:
        raise NotImplementedError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)


def exp(input: Tensor) -> Tensor:
    return Exp.apply(_float_input(input))


def log(input: Tensor) -> Tensor:
    return Log.apply(_float_input(input))


def sqrt(input: Tensor) -> Tensor:
    return Sqrt.apply(_float_input(input))


def abs(input: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(input)


def tanh(input: Tensor) -> Tensor:
    return Tanh.apply(_float_input(input))


def sigmoid(input: Tensor) -> Tensor:
    return Sigmoid.apply(_float_input(input))


def relu(input: Tensor) -> Tensor:
    if input.dtype is _dtype.bool:
        raise NotImplementedError("Boolean inputs not supported for relu")
    return Relu.apply(input)


def clamp(input: Tensor, min: Scalar | None = None, max: Scalar | None = None) -> Tensor:  # noqa: A002
    """Limit every element to ``[min, max]``."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        raise NotImplementedError(
            "clamp with tensor bounds is not supported by minitorch; use minimum/maximum"
        )
    bounds = [b for b in (min, max) if b is not None]
    result = _dtype.result_type(input, *bounds)
    x = input if input.dtype is result else input._cast(result)
    return Clamp.apply(x, min=min, max=max)


clip = clamp


def clone(input: Tensor, *, memory_format: object = None) -> Tensor:
    return Clone.apply(input)


def contiguous(input: Tensor, memory_format: object = None) -> Tensor:
    """This tensor if its storage is C-contiguous, else a contiguous copy."""
    return input if input.is_contiguous() else Clone.apply(input)


def cast(input: Tensor, target: _dtype.dtype) -> Tensor:
    """A copy of ``input`` in ``target``; recorded (``ToCopyBackward0``) only for a float target
    of an input that requires grad, as autograd records any Function."""
    return ToCopy.apply(input, target.numpy_dtype)


# ------------------------------------------------------------------ comparisons
def _compare(fn: type[Function], input: Tensor, other: Tensor | Scalar) -> Tensor:
    return fn.apply(*_promoted_operands(input, other, "other"))


def is_operand(value: object) -> bool:
    """Whether ``value`` is a tensor or a number: for anything else a comparison operator gives
    Python's own answer (``x == None`` is False, ``x < None`` a TypeError), as in PyTorch."""
    try:
        as_operand(value)
    except TypeError:
        return False
    return True


def eq(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input == other`` (a bool tensor; not differentiable)."""
    return _compare(Eq, input, other)


def ne(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input != other`` (a bool tensor; not differentiable)."""
    return _compare(Ne, input, other)


def lt(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input < other`` (a bool tensor; not differentiable)."""
    return _compare(Lt, input, other)


def le(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input <= other`` (a bool tensor; not differentiable)."""
    return _compare(Le, input, other)


def gt(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input > other`` (a bool tensor; not differentiable)."""
    return _compare(Gt, input, other)


def ge(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input >= other`` (a bool tensor; not differentiable)."""
    return _compare(Ge, input, other)


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both tensors have the same shape and elements."""
    _check_tensor_argument(input, "equal", "input", 1)
    _check_tensor_argument(other, "equal")
    return Equal.apply(input, other).item()


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    _check_tensor_argument(input, "allclose", "input", 1)
    _check_tensor_argument(other, "allclose")
    return AllClose.apply(input, other, rtol=rtol, atol=atol, equal_nan=equal_nan).item()


def isnan(input: Tensor) -> Tensor:
    _check_tensor_argument(input, "isnan", "input", 1)
    return IsNan.apply(input)


def isinf(input: Tensor) -> Tensor:
    _check_tensor_argument(input, "isinf", "input", 1)
    return IsInf.apply(input)


def isfinite(input: Tensor) -> Tensor:
    _check_tensor_argument(input, "isfinite", "input", 1)
    return IsFinite.apply(input)


def logical_not(input: Tensor) -> Tensor:
    _check_tensor_argument(input, "logical_not", "input", 1)
    return LogicalNot.apply(input)


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    _check_tensor_argument(input, "logical_and", "input", 1)
    return LogicalAnd.apply(input, as_operand(other))


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    _check_tensor_argument(input, "logical_or", "input", 1)
    return LogicalOr.apply(input, as_operand(other))


def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    _check_tensor_argument(input, "logical_xor", "input", 1)
    return LogicalXor.apply(input, as_operand(other))


def _bitwise(fn: type[Function], kernel: str, input: Tensor, other: Tensor | Scalar) -> Tensor:
    a, b = _promoted_operands(input, other, "other")
    if a.dtype.is_floating_point:  # PyTorch names the promoted dtype: int & 1.5 is 'Float'
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(a.dtype)}'")
    return fn.apply(a, b)


def bitwise_and(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return _bitwise(BitwiseAnd, "bitwise_and_cpu", input, other)


def bitwise_or(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return _bitwise(BitwiseOr, "bitwise_or_cpu", input, other)


def bitwise_xor(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return _bitwise(BitwiseXor, "bitwise_xor_cpu", input, other)


def bitwise_not(input: Tensor) -> Tensor:
    if input.dtype.is_floating_point:
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return BitwiseNot.apply(input)


# ------------------------------------------------------------------ where, maximum, minimum
def where(condition: Tensor, input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input`` where ``condition`` is true, else ``other``; no gradient reaches the condition."""
    if condition.dtype is not _dtype.bool:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition.dtype}"
        )
    input, other = as_operand(input), as_operand(other)
    shapes = [tuple(v.shape) for v in (condition, input, other) if isinstance(v, Tensor)]
    if any(shape != shapes[0] for shape in shapes):
        broadcast_shapes(*shapes)
    result = _dtype.result_type(input, other)
    a = input._cast(result) if isinstance(input, Tensor) and input.dtype is not result else input
    b = other._cast(result) if isinstance(other, Tensor) and other.dtype is not result else other
    a = a if isinstance(a, Tensor) else checked_scalar_operand(a, result)
    b = b if isinstance(b, Tensor) else checked_scalar_operand(b, result)
    return Where.apply(condition, a, b)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum; at ties the gradient is split evenly, as in PyTorch."""
    _check_tensor_argument(other, "maximum")
    return _binary(Maximum, input, other, "maximum")


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum; at ties the gradient is split evenly, as in PyTorch."""
    _check_tensor_argument(other, "minimum")
    return _binary(Minimum, input, other, "minimum")


def _check_tensor_argument(
    value: object, name: str, argument: str = "other", position: int = 2
) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name}(): argument '{argument}' (position {position}) must be Tensor, not "
            f"{type(value).__name__}"
        )
