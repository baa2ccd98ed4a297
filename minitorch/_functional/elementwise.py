"""Elementwise tensor ops: arithmetic with broadcasting, unary math, comparisons, ``where``.

The functional floor of the elementwise family: each op normalises its operands (a Python
number becomes a 0-d tensor of the result dtype, :func:`scalar_operand`), promotes them
with PyTorch's type rules, checks them, and calls one Function of
:mod:`minitorch._ops.elementwise`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from minitorch import _dtype
from minitorch._checks import (
    broadcast_shapes,
    checked_conversion,
    conversion_type_name,
    scalar_type_name,
)
from minitorch._creation import from_numpy
from minitorch._memory_format import (
    REQUIRED_RANK,
    contiguous_format,
    memory_format,
    preserve_format,
)
from minitorch._ops.elementwise import (
    Abs,
    Add,
    AllClose,
    BitwiseAnd,
    BitwiseNot,
    BitwiseOr,
    BitwiseXor,
    Clamp,
    ClampTensor,
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
    ReciprocalTimes,
    Relu,
    Remainder,
    RemainderScalar,
    ReversedRemainder,
    RPow,
    RSub,
    RSubTensor,
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


def invalid_arguments(
    name: str, args: tuple, signatures: Sequence[str], wrong: Sequence[int] = ()
) -> TypeError:
    """PyTorch's TypeError for arguments that match none of an op's signatures.

    Under a signature that takes exactly as many arguments as were given, and has no
    keyword-only ones, PyTorch adds a line with the arguments at the positions ``wrong``
    marked (``!str!``).
    """
    names = ["Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in args]
    lines = [
        f"{name}() received an invalid combination of arguments - got ({', '.join(names)}), "
        "but expected one of:"
    ]
    marked = ", ".join(f"!{n}!" if i in wrong else n for i, n in enumerate(names))
    for signature in signatures:
        lines.append(f" * {signature}")
        if wrong and "*" not in signature and signature.count(",") + 1 == len(args):
            lines.append(
                f"      didn't match because some of the arguments have invalid types: ({marked})"
            )
    return TypeError("\n".join(lines) + "\n")


def _is_number(value: object) -> bool:
    """A Python or numpy number, complex ones included (what PyTorch parses as a Scalar)."""
    return isinstance(value, numbers.Number) and not isinstance(value, Tensor)


def _number_as(value: Scalar, dtype: _dtype.dtype) -> Scalar:
    """``value`` as ``dtype`` holds it (``200`` as int8 is -56), still a Python number: for the
    ops whose PyTorch node has no edge for a number operand (``x // 2``, ``2 - x``)."""
    return scalar_operand(value, dtype).item()


def _promoted_operands(
    a: object, b: object, name: str, true_divide: bool = False, opmath: tuple[int, ...] = ()
) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of the result dtype (a Python number as a 0-d one).

    ``opmath`` lists the positions where PyTorch's float16 kernel reads a number (or a 0-d
    tensor of another float dtype) at its original value, in float32, its "opmath" type
    (``mul``, ``div``'s divisor): such an operand stays float32, and the Function computes in
    float32 and rounds the result once, to float16.
    """
    a, b = as_operand(a, name), as_operand(b, name)
    result = _dtype.result_type(a, b)
    if true_divide and not result.is_floating_point:
        result = _dtype.get_default_dtype()
    original = a, b
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
    if result is _dtype.float16 and opmath:
        a, b = (
            _in_opmath(given) if i in opmath and _is_wrapped_scalar(given) else promoted
            for i, (promoted, given) in enumerate(zip((a, b), original, strict=True))
        )
    return a, b


def _is_wrapped_scalar(x: Tensor | Scalar) -> bool:
    """A number, or a 0-d float tensor of a dtype other than float16 (PyTorch's CPU scalar)."""
    if not isinstance(x, Tensor):
        return not isinstance(x, bool)
    return x.dim() == 0 and x.dtype.is_floating_point and x.dtype is not _dtype.float16


def _in_opmath(x: Tensor | Scalar) -> Tensor:
    """``x`` as float32, PyTorch's opmath type for float16, from its original value."""
    if not isinstance(x, Tensor):
        return scalar_operand(x, _dtype.float32)
    return x if x.dtype is _dtype.float32 else x._cast(_dtype.float32)


def _binary(
    fn: type[Function],
    a: object,
    b: object,
    name: str,
    true_divide: bool = False,
    opmath: tuple[int, ...] = (),
    **kw,
):
    a, b = _promoted_operands(a, b, name, true_divide, opmath)
    return fn.apply(a, b, **kw)


# ------------------------------------------------------------------ arithmetic
def checked_alpha(alpha: object, result: _dtype.dtype) -> Scalar:
    """``alpha`` as a Python number, with PyTorch's checks against the result's dtype."""
    if isinstance(alpha, Tensor | np.generic):
        alpha = alpha.item()
    if isinstance(alpha, bool) and result is not _dtype.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and not result.is_floating_point:
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )
    if isinstance(alpha, complex):
        raise RuntimeError(
            "For non-complex input tensors, argument alpha must not be a complex number."
        )
    checked_conversion(alpha, result)  # PyTorch's overflow error: float32 takes no 1e308
    return alpha


def _is_bool(operand: object) -> bool:
    return operand.dtype is _dtype.bool if isinstance(operand, Tensor) else type(operand) is bool


def _check_subtraction(a: object, b: object) -> None:
    """PyTorch refuses ``-`` with bools: they have ``^`` and ``~`` for that."""
    a_is_bool, b_is_bool = _is_bool(a), _is_bool(b)
    if a_is_bool and b_is_bool:
        raise NotImplementedError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if a_is_bool or b_is_bool:
        raise NotImplementedError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator "
            "instead."
        )


def add(input: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    a, b = _promoted_operands(input, other, "add")
    return Add.apply(a, b, alpha=checked_alpha(alpha, a.dtype))


def sub(input: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    _check_subtraction(input, other)
    a, b = _promoted_operands(input, other, "sub")
    return Sub.apply(a, b, alpha=checked_alpha(alpha, a.dtype))


def mul(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return _binary(Mul, input, other, "mul", opmath=(0, 1))


def div(input: Tensor, other: Tensor | Scalar, *, rounding_mode: str | None = None) -> Tensor:
    """True division (integers give floats).

    ``rounding_mode='floor'|'trunc'`` rounds the quotient, in the operands' promoted dtype;
    as in PyTorch the result is differentiable, with zero gradients.
    """
    if rounding_mode is None:
        return _binary(Div, input, other, "div", true_divide=True, opmath=(1,))
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    a, b = _promoted_operands(input, other, "div")
    _check_divisor(a, b, f"div_{rounding_mode}_cpu")
    return DivRounded.apply(a, b, rounding_mode=rounding_mode)


# PyTorch's aliases of the arithmetic above.
multiply = mul
subtract = sub
divide = div


def true_divide(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``div`` without a rounding mode: integers give floats."""
    return div(input, other)


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


_RSUB_SIGNATURES = (
    "(Tensor input, Tensor other, *, Number alpha = 1)",
    "(Tensor input, Number other, Number alpha = 1)",
)


def rsub(input: Tensor, other: Tensor | Scalar, alpha: Scalar = 1) -> Tensor:
    """``other - alpha * input``, ``input`` a tensor (``2 - x`` is ``x.__rsub__(2)``)."""
    if not isinstance(input, Tensor) or not is_operand(other):
        raise invalid_arguments("rsub", (input, other), _RSUB_SIGNATURES)
    other = as_operand(other, "sub")
    _check_subtraction(other, input)
    if isinstance(other, Tensor):
        b, a = _promoted_operands(other, input, "sub")
        return RSubTensor.apply(a, b, alpha=checked_alpha(alpha, a.dtype))
    result = _dtype.result_type(input, other)
    return RSub.apply(
        input._cast(result) if input.dtype is not result else input,
        _number_as(other, result),
        alpha=checked_alpha(alpha, result),
    )


def rtruediv(self: Tensor, other: Scalar) -> Tensor:
    other = as_operand(other, "div")
    if isinstance(other, Tensor):
        return div(other, self)
    result = _dtype.result_type(self, other)
    if not result.is_floating_point:
        result = _dtype.get_default_dtype()
    x = self if self.dtype is result else self._cast(result)
    # PyTorch's Tensor.__rtruediv__ is self.reciprocal() * other
    number = scalar_operand(other, _dtype.float32 if result is _dtype.float16 else result)
    return ReciprocalTimes.apply(x, number)


def rpow(self: Tensor, other: Scalar) -> Tensor:
    return pow(other, self)


def floor_divide(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``input // other``, rounded toward -inf; PyTorch gives it no derivative."""
    a, b = _promoted_operands(input, other, "floor_divide")
    _check_divisor(a, b, "div_floor_cpu")
    return FloorDivide.apply(_edge_operand(a, input), _edge_operand(b, other))


def rfloordiv(self: Tensor, other: Scalar) -> Tensor:
    return floor_divide(as_operand(other, "floor_divide"), self)


_REMAINDER_SIGNATURES = (
    "(Tensor input, Tensor other, *, Tensor out = None)",
    "(Number self, Tensor other)",
    "(Tensor input, Number other, *, Tensor out = None)",
)


def remainder(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """Python-style remainder (the sign of the divisor); differentiable like PyTorch's.
    Either side may be a number, not both."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise invalid_arguments("remainder", (input, other), _REMAINDER_SIGNATURES, wrong=(0, 1))
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


negative = neg


def exp(input: Tensor) -> Tensor:
    return Exp.apply(_float_input(input))


def log(input: Tensor) -> Tensor:
    return Log.apply(_float_input(input))


def sqrt(input: Tensor) -> Tensor:
    return Sqrt.apply(_float_input(input))


def abs(input: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(input)


absolute = abs


def tanh(input: Tensor) -> Tensor:
    return Tanh.apply(_float_input(input))


def sigmoid(input: Tensor) -> Tensor:
    return Sigmoid.apply(_float_input(input))


def relu(input: Tensor) -> Tensor:
    if input.dtype is _dtype.bool:
        raise NotImplementedError("Boolean inputs not supported for relu")
    return Relu.apply(input)


_CLAMP_SIGNATURES = (
    "(Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)",
    "(Tensor input, Number min = None, Number max = None, *, Tensor out = None)",
)


def clamp(
    input: Tensor,
    min: Tensor | Scalar | None = None,  # noqa: A002
    max: Tensor | Scalar | None = None,  # noqa: A002
) -> Tensor:
    """Limit every element to ``[min, max]``: two numbers, or two tensors (either bound may be
    None) that broadcast with ``input`` and take part in its type promotion.

    With number bounds the gradient passes strictly inside them; with tensor bounds it goes
    to whichever of ``input``, ``min`` and ``max`` the result is, split at ties
    (:class:`~minitorch._ops.elementwise.ClampTensor` has PyTorch's rule).
    """
    bounds = [b for b in (min, max) if b is not None]
    are_tensors = [isinstance(b, Tensor) for b in bounds]
    if len(set(are_tensors)) > 1 or not all(map(_is_number_or_tensor, bounds)):
        given = (input, min) if max is None else (input, min, max)
        raise invalid_arguments("clamp", given, _CLAMP_SIGNATURES)
    if not bounds:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if any(are_tensors):
        return _clamp_to_tensors(input, min, max)
    low, high = (None if b is None else _real_bound(input, b) for b in (min, max))
    if input.dtype is _dtype.bool:
        kernel = "clamp_min_scalar" if high is None else "clamp_max_scalar"
        kernel = "clamp_scalar" if low is not None and high is not None else kernel
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Bool'")
    result = _dtype.result_type(input, *(b for b in (low, high) if b is not None))
    x = input if input.dtype is result else input._cast(result)
    return Clamp.apply(x, min=low, max=high)


def _is_number_or_tensor(value: object) -> bool:
    return isinstance(value, Tensor) or _is_number(value)


def _real_bound(input: Tensor, bound: Scalar | complex) -> Scalar:
    """A number bound as the int or float it is: PyTorch reads it as a double, so a complex
    one must be real, and then only a float tensor takes it."""
    if isinstance(bound, np.generic):
        bound = bound.item()
    if isinstance(bound, complex):
        if bound.imag != 0:
            raise RuntimeError("value cannot be converted to type double without overflow")
        if not input.dtype.is_floating_point:
            raise NotImplementedError("clamp is not supported for complex types")
        return bound.real
    return bound


def _clamp_to_tensors(input: Tensor, min: Tensor | None, max: Tensor | None) -> Tensor:  # noqa: A002
    bounds = [b for b in (min, max) if b is not None]
    result = _dtype.result_type(input, *bounds)
    if result is _dtype.bool and len(bounds) == 2:
        raise NotImplementedError("\"clamp_cpu\" not implemented for 'Bool'")
    broadcast_shapes(tuple(input.shape), *(tuple(b.shape) for b in bounds))
    x, low, high = (
        b if b is None or b.dtype is result else b._cast(result) for b in (input, min, max)
    )
    return ClampTensor.apply(x, low, high)


clip = clamp


def check_memory_format(
    name: str, fmt: object, ndim: int, none_allowed: bool = True
) -> memory_format:
    """``fmt`` checked as the ``memory_format`` argument of ``name`` for a tensor of ``ndim``
    dims: None means ``preserve_format`` (where ``none_allowed``); a channels-last format
    needs 4 dims (``channels_last_3d``: 5)."""
    if fmt is None and none_allowed:
        return preserve_format
    if not isinstance(fmt, memory_format):
        raise TypeError(
            f"{name}(): argument 'memory_format' must be minitorch.memory_format, not "
            f"{type(fmt).__name__}"
        )
    rank = REQUIRED_RANK.get(fmt)
    if rank is not None and ndim != rank:
        fmt_name = repr(fmt).removeprefix("minitorch.")
        raise RuntimeError(f"required rank {rank} tensor to use {fmt_name} format")
    return fmt


def clone(input: Tensor, *, memory_format: memory_format | None = preserve_format) -> Tensor:
    """A copy of ``input``, laid out in ``memory_format`` (by default as ``input`` is)."""
    fmt = check_memory_format("clone", memory_format, input.dim())
    return Clone.apply(input, memory_format=fmt)


def contiguous(input: Tensor, *, memory_format: memory_format = contiguous_format) -> Tensor:
    """This tensor if it is laid out densely in ``memory_format``, else a copy that is."""
    fmt = check_memory_format("contiguous", memory_format, input.dim(), none_allowed=False)
    if input.is_contiguous(memory_format=fmt):
        return input
    if fmt is preserve_format:  # refused only where a copy would be made
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    return Clone.apply(input, memory_format=fmt)


def cast(
    input: Tensor, target: _dtype.dtype, memory_format: memory_format = preserve_format
) -> Tensor:
    """A copy of ``input`` in ``target``, laid out in ``memory_format``; recorded
    (``ToCopyBackward0``) only for a float target of an input that requires grad, as autograd
    records any Function."""
    return ToCopy.apply(input, target.numpy_dtype, memory_format=memory_format)


# ------------------------------------------------------------------ comparisons
_COMPARISON_SIGNATURES = (
    "(Tensor input, Tensor other, *, Tensor out = None)",
    "(Tensor input, Number other, *, Tensor out = None)",
)


def _compare(fn: type[Function], name: str, input: Tensor, other: Tensor | Scalar) -> Tensor:
    if not isinstance(input, Tensor) or not is_operand(other):
        raise invalid_arguments(name, (input, other), _COMPARISON_SIGNATURES)
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
    return _compare(Eq, "eq", input, other)


def ne(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input != other`` (a bool tensor; not differentiable)."""
    return _compare(Ne, "ne", input, other)


def lt(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input < other`` (a bool tensor; not differentiable)."""
    return _compare(Lt, "lt", input, other)


def le(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input <= other`` (a bool tensor; not differentiable)."""
    return _compare(Le, "le", input, other)


def gt(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input > other`` (a bool tensor; not differentiable)."""
    return _compare(Gt, "gt", input, other)


def ge(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``input >= other`` (a bool tensor; not differentiable)."""
    return _compare(Ge, "ge", input, other)


# PyTorch's aliases, under their own names in its messages.
def not_equal(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Alias of :func:`ne`."""
    return _compare(Ne, "not_equal", input, other)


def less(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Alias of :func:`lt`."""
    return _compare(Lt, "less", input, other)


def less_equal(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Alias of :func:`le`."""
    return _compare(Le, "less_equal", input, other)


def greater(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Alias of :func:`gt`."""
    return _compare(Gt, "greater", input, other)


def greater_equal(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Alias of :func:`ge`."""
    return _compare(Ge, "greater_equal", input, other)


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


def _logical(fn: type[Function], name: str, input: Tensor, other: Tensor) -> Tensor:
    _check_tensor_argument(input, name, "input", 1)
    _check_tensor_argument(other, name)
    broadcast_shapes(tuple(input.shape), tuple(other.shape))
    return fn.apply(input, other)


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise ``input and other``, each element read as a bool (a bool tensor)."""
    return _logical(LogicalAnd, "logical_and", input, other)


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise ``input or other``, each element read as a bool (a bool tensor)."""
    return _logical(LogicalOr, "logical_or", input, other)


def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise ``input != other``, each element read as a bool (a bool tensor)."""
    return _logical(LogicalXor, "logical_xor", input, other)


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
    _check_tensor_argument(input, "maximum", "input", 1)
    _check_tensor_argument(other, "maximum")
    return _binary(Maximum, input, other, "maximum")


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum; at ties the gradient is split evenly, as in PyTorch."""
    _check_tensor_argument(input, "minimum", "input", 1)
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
