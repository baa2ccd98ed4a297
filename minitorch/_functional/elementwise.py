"""Elementwise operations: arithmetic with broadcasting, unary math, comparisons, in-place updates.

Binary operations broadcast like numpy and PyTorch. Their backward sums the
incoming gradient back down to each input's shape (:func:`unbroadcast`): an
input that was stretched along a dimension receives the sum over it.
"""

from __future__ import annotations

import numbers

import numpy as np

from minitorch import _dtype
from minitorch._checks import broadcast_shapes
from minitorch._ops.elementwise import pytorch_layout, unbroadcast
from minitorch._tensor import Tensor, tensor_method
from minitorch.autograd.function import Function
from minitorch.autograd.grad_mode import is_grad_enabled

Scalar = int | float | bool


# ------------------------------------------------------------------ helpers
def as_operand(value: object, name: str = "other") -> Tensor | Scalar:
    """Accept a Tensor or a Python/numpy number as an operand; TypeError otherwise."""
    if isinstance(value, Tensor | bool | int | float):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        return value.item() if hasattr(value, "item") else float(value)
    if isinstance(value, np.ndarray):
        return Tensor._make(value) if value.ndim else value.item()
    raise TypeError(f"unsupported operand type for {name}: '{type(value).__name__}'")


def _array(value: Tensor | Scalar, target: np.dtype) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._data.astype(target, copy=False)
    return _scalar_array(value, target)


_UINT64_LIMIT = 2**64


def _scalar_array(value: Scalar, target: np.dtype) -> np.ndarray:
    """A Python number as a 0-d array of the result dtype, converted as PyTorch converts it.

    PyTorch reads an int operand as a 64-bit integer (OverflowError beyond) and then casts
    it to the result dtype like C does: ``int32_tensor + 2**40`` adds 0, and
    ``int8_tensor * 200`` multiplies by -56.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if not -(2**63) <= value < _UINT64_LIMIT:
            raise OverflowError("int too big to convert")
        if target.kind in "iu":
            return np.asarray(value % _UINT64_LIMIT, dtype=np.uint64).astype(target)
    with np.errstate(over="ignore"):  # beyond float16's range the number becomes inf, silently
        return np.asarray(value, dtype=target)


def _float_dtype(x: Tensor) -> np.dtype:
    """Result dtype of a float-valued function: integers become the default float dtype."""
    if x._data.dtype.kind == "f":
        return x._data.dtype
    return _dtype.get_default_dtype().numpy_dtype


# ------------------------------------------------------------------ binary ops
class Add(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = np.shape(a), np.shape(b)
        ctx.alpha = alpha
        return np.add(a, b if alpha == 1 else alpha * b, out=pytorch_layout(a, b))

    @staticmethod
    def backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = unbroadcast(grad, shape_a) if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(grad if ctx.alpha == 1 else grad * ctx.alpha, shape_b)
        return grad_a, grad_b


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = np.shape(a), np.shape(b)
        ctx.alpha = alpha
        return np.subtract(a, b if alpha == 1 else alpha * b, out=pytorch_layout(a, b))

    @staticmethod
    def backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = unbroadcast(grad, shape_a) if ctx.needs_input_grad[0] else None
        grad_b = unbroadcast(-grad * ctx.alpha, shape_b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class RSub(Function):
    """``scalar - tensor``."""

    backward_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b):
        return b - a

    @staticmethod
    def backward(ctx, grad):
        return -grad, None


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        # Each factor is saved only when the other one's gradient needs it, as PyTorch does:
        # ``(w * x)`` with only ``w`` requiring grad saves ``x``, so changing ``w`` in place
        # afterwards is allowed and changing ``x`` is refused at backward.
        needs = ctx.needs_input_grad
        if needs:
            ctx.shapes = np.shape(a), np.shape(b)
            ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        return np.multiply(a, b, out=pytorch_layout(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        shape_a, shape_b = ctx.shapes
        grad_a = unbroadcast(grad * b, shape_a) if ctx.needs_input_grad[0] else None
        grad_b = unbroadcast(grad * a, shape_b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        needs = ctx.needs_input_grad  # the numerator is needed only for the divisor's gradient
        if needs:
            ctx.shapes = np.shape(a), np.shape(b)
            ctx.save_for_backward(a if needs[1] else None, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf/nan, silently
            return np.divide(a, b, out=pytorch_layout(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        shape_a, shape_b = ctx.shapes
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if ctx.needs_input_grad[0]:
                grad_a = unbroadcast(grad / b, shape_a)
            if ctx.needs_input_grad[1]:
                grad_b = unbroadcast(-grad * a / (b * b), shape_b)
        return grad_a, grad_b


class Pow(Function):
    """``tensor ** scalar``: d/dx x^p = p x^(p-1)."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        return x**exponent

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        p = ctx.exponent
        if p == 0:
            return np.zeros_like(x), None
        return (grad * p * x ** (p - 1)).astype(x.dtype, copy=False), None


class PowTensor(Function):
    """``a ** b`` for two tensors: d/da = b a^(b-1), d/db = a^b log(a)."""

    backward_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 where b == 0 is masked
                grad_a = unbroadcast(np.where(b == 0, 0.0, grad * b * a ** (b - 1)), np.shape(a))
        if ctx.needs_input_grad[1]:
            # PyTorch's convention: where a == 0 and b >= 0 the gradient is 0, not nan.
            log_a = np.log(np.where((a == 0) & (b >= 0), 1, a))
            grad_b = unbroadcast(grad * out * log_a, np.shape(b))
        return (
            None if grad_a is None else grad_a.astype(np.result_type(a), copy=False),
            None if grad_b is None else grad_b.astype(np.result_type(b), copy=False),
        )


class RPow(Function):
    """``scalar ** tensor``: d/dx c^x = c^x log(c)."""

    backward_name = "PowBackward2"

    @staticmethod
    def forward(ctx, x, base):
        out = np.power(base, x)
        ctx.save_for_backward(out)
        ctx.log_base = np.log(base) if base != 0 else 0.0
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad * out * ctx.log_base).astype(out.dtype, copy=False), None


class DivRounded(Function):
    """``div(a, b, rounding_mode=...)``: a step function, so both gradients are zero."""

    backward_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        ctx.shapes = np.shape(a), np.shape(b)
        return rounded_quotient(a, b, rounding_mode)

    @staticmethod
    def backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = np.zeros(shape_a, grad.dtype) if ctx.needs_input_grad[0] else None
        grad_b = np.zeros(shape_b, grad.dtype) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Remainder(Function):
    """``a - b * floor(a / b)``, with the divisor's sign (Python's ``%``).

    d/da = 1 and d/db = -floor(a / b): between its jumps the remainder is ``a`` minus a
    fixed multiple of ``b``.
    """

    backward_name = "RemainderBackward1"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # x % 0.0 is nan, silently
            return np.remainder(a, b, out=pytorch_layout(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad, np.shape(a)) if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(-grad * rounded_quotient(a, b, "floor"), np.shape(b))
        return grad_a, grad_b


class RemainderScalar(Remainder):
    """``tensor % number``: PyTorch's node for a Python divisor has no edge for it."""

    backward_name = "RemainderBackward0"


class FloorDivide(Function):
    """``floor_divide`` (``//``): PyTorch records it, but has no derivative for it.

    Python numbers arrive as plain arrays, so the node has edges for tensors only.
    """

    backward_name = "NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        return rounded_quotient(a, b, "floor")

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class ReversedRemainder(Function):
    """``number % tensor``: PyTorch records it, but has no derivative for it."""

    backward_name = "NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::remainder is not implemented")


def rounded_quotient(a: np.ndarray, b: np.ndarray, rounding_mode: str) -> np.ndarray:
    """``a / b`` rounded toward -inf ('floor') or toward 0 ('trunc'); exact for integers."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf/nan, silently
        if rounding_mode == "floor":
            return np.floor_divide(a, b)  # Python's //, as PyTorch: 1.0 // 0.1 == 9.0
        if np.result_type(a, b).kind == "f":
            return np.trunc(a / b)
        # a minus its C remainder is an exact multiple of b; no detour through floats
        return (a - np.fmod(a, b)) // b


def _check_divisor(a: Tensor, b: Tensor, kernel: str) -> None:
    """PyTorch's integer division raises on a zero divisor (C would trap); bool has no kernel."""
    kind = a._data.dtype.kind
    if kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    empty = 0 in a._data.shape or 0 in b._data.shape  # nothing is divided
    if kind in "iu" and not empty and not b._data.all():
        raise RuntimeError("ZeroDivisionError")


def _promoted_operands(
    a: object, b: object, name: str, true_divide: bool = False
) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of the result dtype (a Python number as a 0-d one)."""
    a, b = as_operand(a, name), as_operand(b, name)
    result = _dtype.result_type(a, b)
    if true_divide and not result.is_floating_point:
        result = _dtype.get_default_dtype()
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        broadcast_shapes(a._data.shape, b._data.shape)
    target = result.numpy_dtype
    if isinstance(a, Tensor) and a._data.dtype != target:
        a = a._cast(result)
    if isinstance(b, Tensor) and b._data.dtype != target:
        b = b._cast(result)
    # A Python number becomes a 0-d tensor of the result dtype, as PyTorch wraps it: the
    # node then has an edge to None for it (``next_functions`` match PyTorch's).
    if not isinstance(a, Tensor):
        a = Tensor._make(_scalar_array(a, target))
    if not isinstance(b, Tensor):
        b = Tensor._make(_scalar_array(b, target))
    return a, b


def _apply_binary(fn: type[Function], a: Tensor | np.ndarray, b: Tensor | np.ndarray, **kw):
    """``fn`` on operands of one dtype; the result keeps that dtype."""
    target = (a._data if isinstance(a, Tensor) else a).dtype
    out = fn.apply(a, b, **kw)
    if out._data.dtype != target:
        out._data = out._data.astype(target)
    return out


def _binary(fn: type[Function], a: object, b: object, name: str, true_divide: bool = False, **kw):
    a, b = _promoted_operands(a, b, name, true_divide)
    return _apply_binary(fn, a, b, **kw)


@tensor_method
def add(input: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    return _binary(Add, input, other, "add", alpha=alpha)


@tensor_method
def sub(input: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        raise NotImplementedError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    return _binary(Sub, input, other, "sub", alpha=alpha)


@tensor_method
def mul(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return _binary(Mul, input, other, "mul")


@tensor_method
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
    return _apply_binary(DivRounded, a, b, rounding_mode=rounding_mode)


@tensor_method
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


tensor_method(add, name="__add__")
tensor_method(sub, name="__sub__")
tensor_method(mul, name="__mul__")
tensor_method(div, name="__truediv__")
tensor_method(div, name="true_divide")
tensor_method(pow, name="__pow__")
tensor_method(mul, name="multiply")
tensor_method(sub, name="subtract")
tensor_method(div, name="divide")


@tensor_method(name="__radd__")
def _radd(self: Tensor, other: Scalar) -> Tensor:
    return add(self, other)


@tensor_method(name="__rmul__")
def _rmul(self: Tensor, other: Scalar) -> Tensor:
    return mul(self, other)


@tensor_method(name="__rsub__")
def rsub(self: Tensor, other: Scalar) -> Tensor:
    other = as_operand(other, "sub")
    if isinstance(other, Tensor):
        return sub(other, self)
    result = _dtype.result_type(self, other)
    scalar = _scalar_array(other, result.numpy_dtype)
    return RSub.apply(self._cast(result) if self.dtype is not result else self, scalar)


@tensor_method(name="__rtruediv__")
def _rtruediv(self: Tensor, other: Scalar) -> Tensor:
    other = as_operand(other, "div")
    if isinstance(other, Tensor):
        return div(other, self)
    result = _dtype.result_type(self, other)
    if not result.is_floating_point:
        result = _dtype.get_default_dtype()
    return _binary(Div, Tensor._make(_scalar_array(other, result.numpy_dtype)), self, "div")


@tensor_method(name="__rpow__")
def _rpow(self: Tensor, other: Scalar) -> Tensor:
    return pow(other, self)


@tensor_method(name="__floordiv__")
def floor_divide(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``input // other``, rounded toward -inf; PyTorch gives it no derivative."""
    a, b = _promoted_operands(input, other, "floor_divide")
    _check_divisor(a, b, "div_floor_cpu")
    return _apply_binary(FloorDivide, _edge_operand(a, input), _edge_operand(b, other))


@tensor_method(name="__rfloordiv__")
def _rfloordiv(self: Tensor, other: Scalar) -> Tensor:
    return floor_divide(as_operand(other, "floor_divide"), self)


@tensor_method(name="__mod__")
def remainder(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Python-style remainder (the sign of the divisor); differentiable like PyTorch's."""
    a, b = _promoted_operands(input, other, "remainder")
    _check_divisor(a, b, "remainder_cpu")
    if not isinstance(input, Tensor):
        return _apply_binary(ReversedRemainder, a._data, b)
    divisor = _edge_operand(b, other)
    fn = Remainder if isinstance(divisor, Tensor) else RemainderScalar
    return _apply_binary(fn, a, divisor)


@tensor_method(name="__rmod__")
def _rmod(self: Tensor, other: Scalar) -> Tensor:
    return remainder(as_operand(other, "remainder"), self)


def _edge_operand(operand: Tensor, original: object) -> Tensor | np.ndarray:
    """A Python number's operand as a plain array, so that the node has no edge for it."""
    return operand if isinstance(as_operand(original), Tensor) else operand._data


tensor_method(remainder)


# ------------------------------------------------------------------ unary ops
class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return grad / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return grad / (2 * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # sign(0) = 0: PyTorch's subgradient at the kink; its sign(nan) is 0 as well
        return grad * np.nan_to_num(np.sign(x), nan=0.0)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        # 1 / (1 + e^-x) overflows e^-x for very negative x; this form stays finite.
        z = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Relu(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # relu'(0) = 0, and a NaN passes the gradient through: PyTorch zeroes where out <= 0
        return grad * ~(out <= 0)


class Clamp(Function):
    """Clamp to ``[min, max]`` (either may be None); the gradient passes where not clamped."""

    backward_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, min=None, max=None):  # noqa: A002
        ctx.save_for_backward(x)
        ctx.bounds = (min, max)
        out = x
        if min is not None:
            out = np.maximum(out, min)
        if max is not None:
            out = np.minimum(out, max)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        low, high = ctx.bounds
        keep = np.ones(x.shape, dtype=bool)
        if low is not None:
            keep &= x > low  # strictly inside: at a bound PyTorch passes no gradient
        if high is not None:
            keep &= x < high
        return grad * keep  # min and max arrive as keywords: no gradient slots


class ToCopy(Function):
    """A dtype conversion; the gradient is converted back."""

    @staticmethod
    def forward(ctx, x, target):
        ctx.source = x.dtype
        return x.astype(target)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.source), None


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True, order="C")

    @staticmethod
    def backward(ctx, grad):
        return grad


def _float_input(x: Tensor) -> Tensor:
    target = _float_dtype(x)
    return x if x._data.dtype == target else x._cast(_dtype.from_numpy_dtype(target))


@tensor_method
def neg(input: Tensor) -> Tensor:
    if input._data.dtype == np.bool_:
        raise NotImplementedError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)


tensor_method(neg, name="__neg__")
tensor_method(neg, name="negative")


@tensor_method
def exp(input: Tensor) -> Tensor:
    return Exp.apply(_float_input(input))


@tensor_method
def log(input: Tensor) -> Tensor:
    return Log.apply(_float_input(input))


@tensor_method
def sqrt(input: Tensor) -> Tensor:
    return Sqrt.apply(_float_input(input))


@tensor_method(name="abs")
def abs(input: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(input)


tensor_method(abs, name="__abs__")


@tensor_method
def tanh(input: Tensor) -> Tensor:
    return Tanh.apply(_float_input(input))


@tensor_method
def sigmoid(input: Tensor) -> Tensor:
    return Sigmoid.apply(_float_input(input))


@tensor_method
def relu(input: Tensor) -> Tensor:
    if input._data.dtype == np.bool_:
        raise NotImplementedError("Boolean inputs not supported for relu")
    return Relu.apply(input)


@tensor_method
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


clip = tensor_method(clamp, name="clip")


@tensor_method
def clone(input: Tensor, *, memory_format: object = None) -> Tensor:
    return Clone.apply(input)


@tensor_method
def contiguous(input: Tensor, memory_format: object = None) -> Tensor:
    """This tensor if its storage is C-contiguous, else a contiguous copy."""
    return input if input._data.flags.c_contiguous else Clone.apply(input)


@tensor_method(name="_cast")
def _cast(input: Tensor, target: _dtype.dtype) -> Tensor:
    if input._requires_grad and target.is_floating_point and is_grad_enabled():
        return ToCopy.apply(input, target.numpy_dtype)
    return Tensor._make(input._data.astype(target.numpy_dtype))


# ------------------------------------------------------------------ comparisons
def _compare(ufunc: np.ufunc, input: Tensor, other: Tensor | Scalar) -> Tensor:
    other = as_operand(other)
    result = _dtype.result_type(input, other).numpy_dtype
    a = _array(input, result)
    b = _array(other, result)
    if isinstance(other, Tensor):
        broadcast_shapes(input._data.shape, other._data.shape)
    return Tensor._make(np.asarray(ufunc(a, b)))


def _comparison(name: str, ufunc: np.ufunc, dunder: str) -> None:
    def compare(input: Tensor, other: Tensor | Scalar) -> Tensor:
        return _compare(ufunc, input, other)

    def operator(input: Tensor, other: object) -> object:
        # ``x == None`` is False and ``x < None`` a TypeError, as in PyTorch: for an operand
        # that is no number or tensor the operator gives Python's own answer.
        try:
            as_operand(other)
        except TypeError:
            return NotImplemented
        return _compare(ufunc, input, other)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"Elementwise ``{name}`` (a bool tensor; not differentiable)."
    operator.__name__ = operator.__qualname__ = dunder
    globals()[name] = compare
    tensor_method(compare, name=name)
    tensor_method(operator, name=dunder)


_comparison("eq", np.equal, "__eq__")
_comparison("ne", np.not_equal, "__ne__")
_comparison("lt", np.less, "__lt__")
_comparison("le", np.less_equal, "__le__")
_comparison("gt", np.greater, "__gt__")
_comparison("ge", np.greater_equal, "__ge__")


@tensor_method
def equal(input: Tensor, other: Tensor) -> bool:
    """True if both tensors have the same shape and elements."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


@tensor_method
def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


@tensor_method
def isnan(input: Tensor) -> Tensor:
    return Tensor._make(np.isnan(input._data))


@tensor_method
def isinf(input: Tensor) -> Tensor:
    return Tensor._make(np.isinf(input._data))


@tensor_method
def isfinite(input: Tensor) -> Tensor:
    return Tensor._make(np.isfinite(input._data))


def _logical(ufunc: np.ufunc, input: Tensor, other: Tensor | Scalar) -> Tensor:
    other = as_operand(other)
    b = other._data if isinstance(other, Tensor) else other
    return Tensor._make(np.asarray(ufunc(input._data.astype(bool), np.asarray(b).astype(bool))))


@tensor_method
def logical_not(input: Tensor) -> Tensor:
    return Tensor._make(np.logical_not(input._data))


@tensor_method
def logical_and(input: Tensor, other: Tensor) -> Tensor:
    return _logical(np.logical_and, input, other)


@tensor_method
def logical_or(input: Tensor, other: Tensor) -> Tensor:
    return _logical(np.logical_or, input, other)


@tensor_method
def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    return _logical(np.logical_xor, input, other)


def _bitwise(ufunc: np.ufunc, input: Tensor, other: Tensor | Scalar) -> Tensor:
    if input._data.dtype.kind == "f":
        raise NotImplementedError(f"\"{ufunc.__name__}_cpu\" not implemented for 'Float'")
    other = as_operand(other)
    result = _dtype.result_type(input, other).numpy_dtype
    return Tensor._make(np.asarray(ufunc(_array(input, result), _array(other, result))))


@tensor_method(name="__and__")
def bitwise_and(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return _bitwise(np.bitwise_and, input, other)


@tensor_method(name="__or__")
def bitwise_or(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return _bitwise(np.bitwise_or, input, other)


@tensor_method(name="__xor__")
def bitwise_xor(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return _bitwise(np.bitwise_xor, input, other)


@tensor_method(name="__invert__")
def bitwise_not(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "f":
        raise TypeError("~ (bitwise_not) is only defined for integer and bool tensors")
    return Tensor._make(np.invert(input._data))


# ------------------------------------------------------------------ where
class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        ctx.shapes = np.shape(a), np.shape(b)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = unbroadcast(np.where(ctx.condition, grad, 0).astype(grad.dtype), shape_a)
        grad_b = unbroadcast(np.where(ctx.condition, 0, grad).astype(grad.dtype), shape_b)
        return None, grad_a, grad_b


@tensor_method
def where(condition: Tensor, input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input`` where ``condition`` is true, else ``other``; no gradient reaches the condition."""
    if condition._data.dtype != np.bool_:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition.dtype}"
        )
    input, other = as_operand(input), as_operand(other)
    shapes = [condition._data.shape] + [
        v._data.shape for v in (input, other) if isinstance(v, Tensor)
    ]
    broadcast_shapes(*shapes)
    result = _dtype.result_type(input, other)
    a = input._cast(result) if isinstance(input, Tensor) and input.dtype is not result else input
    b = other._cast(result) if isinstance(other, Tensor) and other.dtype is not result else other
    a = a if isinstance(a, Tensor) else Tensor._make(np.asarray(a, dtype=result.numpy_dtype))
    b = b if isinstance(b, Tensor) else Tensor._make(np.asarray(b, dtype=result.numpy_dtype))
    return Where.apply(condition._data, a, b)


class Maximum(Function):
    """Elementwise maximum; a NaN in either operand gives NaN (numpy's and PyTorch's rule).

    The gradient goes to the larger operand, half to each at a tie and all of it to both
    where a NaN is involved: PyTorch zeroes only the operand that compares smaller.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b, out=pytorch_layout(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _extreme_gradients(ctx, grad, a, b, a_loses=a < b, b_loses=a > b)


class Minimum(Function):
    """Elementwise minimum, with :class:`Maximum`'s rules for NaN and ties."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b, out=pytorch_layout(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _extreme_gradients(ctx, grad, a, b, a_loses=a > b, b_loses=a < b)


def _extreme_gradients(ctx, grad, a, b, a_loses, b_loses):
    shared = np.where(a == b, grad / 2, grad)
    grad_a = grad_b = None
    if ctx.needs_input_grad[0]:
        grad_a = unbroadcast(np.where(a_loses, 0, shared), np.shape(a))
    if ctx.needs_input_grad[1]:
        grad_b = unbroadcast(np.where(b_loses, 0, shared), np.shape(b))
    return grad_a, grad_b


@tensor_method
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum; at ties the gradient is split evenly, as in PyTorch."""
    _check_tensor_operand(other, "maximum")
    return _binary(Maximum, input, other, "maximum")


@tensor_method
def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum; at ties the gradient is split evenly, as in PyTorch."""
    _check_tensor_operand(other, "minimum")
    return _binary(Minimum, input, other, "minimum")


def _check_tensor_operand(other: object, name: str) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
