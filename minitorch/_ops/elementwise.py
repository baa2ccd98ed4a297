"""Elementwise operations: arithmetic with broadcasting, unary math, comparisons, in-place updates.

Binary operations broadcast like numpy and PyTorch. Their backward sums the
incoming gradient back down to each input's shape (:func:`unbroadcast`): an
input that was stretched along a dimension receives the sum over it.
"""

from __future__ import annotations

import numbers

import numpy as np

from minitorch import _dtype
from minitorch._tensor import Tensor, tensor_method
from minitorch.autograd.function import Function
from minitorch.autograd.grad_mode import is_grad_enabled

Scalar = int | float | bool


# ------------------------------------------------------------------ helpers
def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched to reach ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape, or PyTorch's RuntimeError naming the sizes that clash."""
    ndim = max(len(s) for s in shapes)
    result = []
    for axis in range(-ndim, 0):
        sizes = [s[axis] for s in shapes if len(s) >= -axis]
        target = max(sizes) if 0 not in sizes else 0
        for n in sizes:
            if n not in (1, target):
                a, b = shapes[0], shapes[1] if len(shapes) > 1 else shapes[0]
                size_a = a[axis] if len(a) >= -axis else 1
                size_b = b[axis] if len(b) >= -axis else 1
                raise RuntimeError(
                    f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                    f"at non-singleton dimension {axis + ndim} (shapes {list(a)} and {list(b)})"
                )
        result.append(target)
    return tuple(result)


def as_operand(value: object, name: str = "other") -> Tensor | Scalar:
    """Accept a Tensor or a Python/numpy number as an operand; TypeError otherwise."""
    if isinstance(value, Tensor | bool | int | float):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        return value.item() if hasattr(value, "item") else float(value)
    if isinstance(value, np.ndarray):
        return Tensor._make(value) if value.ndim else value.item()
    raise TypeError(f"unsupported operand type for {name}: '{type(value).__name__}'")


def _array(value: Tensor | Scalar, target: np.dtype) -> np.ndarray | Scalar:
    if isinstance(value, Tensor):
        return value._data.astype(target, copy=False)
    return value


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
        return a + b if alpha == 1 else a + alpha * b

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
        return a - b if alpha == 1 else a - alpha * b

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
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad * b, np.shape(a)) if ctx.needs_input_grad[0] else None
        grad_b = unbroadcast(grad * a, np.shape(b)) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf/nan, silently
            return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if ctx.needs_input_grad[0]:
                grad_a = unbroadcast(grad / b, np.shape(a))
            if ctx.needs_input_grad[1]:
                grad_b = unbroadcast(-grad * a / (b * b), np.shape(b))
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


def _binary(fn: type[Function], a: object, b: object, name: str, true_divide: bool = False, **kw):
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
        a = Tensor._make(np.asarray(a, dtype=target))
    if not isinstance(b, Tensor):
        b = Tensor._make(np.asarray(b, dtype=target))
    out = fn.apply(a, b, **kw)
    if out._data.dtype != target:
        out._data = out._data.astype(target)
    return out


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

    ``rounding_mode='floor'|'trunc'`` rounds the quotient and is not differentiable.
    """
    if rounding_mode is None:
        return _binary(Div, input, other, "div", true_divide=True)
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    a, b = as_operand(input), as_operand(other)
    result = _dtype.result_type(a, b).numpy_dtype
    quotient = np.divide(np.asarray(_array(a, result)), np.asarray(_array(b, result)))
    rounded = np.floor(quotient) if rounding_mode == "floor" else np.trunc(quotient)
    return Tensor._make(np.asarray(rounded).astype(result))


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
    return RSub.apply(self._cast(result) if self.dtype is not result else self, other)


@tensor_method(name="__rtruediv__")
def _rtruediv(self: Tensor, other: Scalar) -> Tensor:
    other = as_operand(other, "div")
    if isinstance(other, Tensor):
        return div(other, self)
    result = _dtype.result_type(self, other)
    if not result.is_floating_point:
        result = _dtype.get_default_dtype()
    return _binary(Div, Tensor._make(np.asarray(other, dtype=result.numpy_dtype)), self, "div")


@tensor_method(name="__rpow__")
def _rpow(self: Tensor, other: Scalar) -> Tensor:
    return pow(other, self)


@tensor_method(name="__floordiv__")
def floor_divide(input: Tensor, other: Tensor | Scalar) -> Tensor:
    return div(input, other, rounding_mode="floor")


@tensor_method(name="__mod__")
def remainder(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Python-style remainder (sign of the divisor); not differentiable."""
    a, b = as_operand(input), as_operand(other)
    result = _dtype.result_type(a, b).numpy_dtype
    return Tensor._make(np.asarray(np.mod(_array(a, result), _array(b, result))).astype(result))


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

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"Elementwise ``{name}`` (a bool tensor; not differentiable)."
    globals()[name] = compare
    tensor_method(compare, name=name)
    tensor_method(compare, name=dunder)


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


@tensor_method
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum; at ties the gradient is split evenly, as in PyTorch."""
    return _split_extreme(input, other, np.greater)


@tensor_method
def minimum(input: Tensor, other: Tensor) -> Tensor:
    return _split_extreme(input, other, np.less)


def _split_extreme(input: Tensor, other: Tensor, better: np.ufunc) -> Tensor:
    ties = Tensor._make(np.asarray(input._data == other._data))
    wins = Tensor._make(np.asarray(better(input._data, other._data)))
    half = where(ties, (input + other) * 0.5, 0.0)
    return where(ties, half, where(wins, input, other))


# ------------------------------------------------------------------ in-place updates
def _inplace(self: Tensor, result: Tensor) -> Tensor:
    """Make ``self`` hold ``result``'s values, as PyTorch's in-place ops do."""
    if is_grad_enabled() and self.is_leaf and self._requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    if result._data.dtype != self._data.dtype and not np.can_cast(
        result._data.dtype, self._data.dtype, "same_kind"
    ):
        raise RuntimeError(
            f"result type {result.dtype} can't be cast to the desired output type {self.dtype}"
        )
    if result.grad_fn is None:
        self._data[...] = result._data
    else:
        # With autograd the new value gets a new array: arrays saved by earlier nodes stay intact.
        self._data = np.broadcast_to(result._data, self._data.shape).astype(self._data.dtype)
        self.grad_fn = result.grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = True
    return self


def _check_broadcast_into(self: Tensor, other: Tensor | Scalar) -> None:
    if (
        isinstance(other, Tensor)
        and broadcast_shapes(self._data.shape, other._data.shape) != self._data.shape
    ):
        raise RuntimeError(
            f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
            f"{list(broadcast_shapes(self._data.shape, other._data.shape))}"
        )


@tensor_method
def add_(self: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    _check_broadcast_into(self, other)
    return _inplace(self, add(self, other, alpha=alpha))


@tensor_method
def sub_(self: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    _check_broadcast_into(self, other)
    return _inplace(self, sub(self, other, alpha=alpha))


@tensor_method
def mul_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    _check_broadcast_into(self, other)
    return _inplace(self, mul(self, other))


@tensor_method
def div_(self: Tensor, other: Tensor | Scalar) -> Tensor:
    _check_broadcast_into(self, other)
    return _inplace(self, div(self, other))


@tensor_method
def clamp_(self: Tensor, min: Scalar | None = None, max: Scalar | None = None) -> Tensor:  # noqa: A002
    return _inplace(self, clamp(self, min, max))


class Fill(Function):
    """Every element replaced by ``value``: the old values get no gradient, ``value`` the sum."""

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_dtype = np.asarray(value).dtype
        return np.full_like(x, value)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), np.asarray(grad.sum(), dtype=ctx.value_dtype)


class Zero(Fill):
    """``zero_()``: a fill with 0, under PyTorch's node name."""


@tensor_method
def zero_(self: Tensor) -> Tensor:
    return _fill(self, 0, Zero)


@tensor_method
def fill_(self: Tensor, value: Scalar | Tensor) -> Tensor:
    return _fill(self, value, Fill)


def _fill(self: Tensor, value: Scalar | Tensor, fn: type[Fill]) -> Tensor:
    value_requires_grad = isinstance(value, Tensor) and value._requires_grad
    if is_grad_enabled() and (self._requires_grad or value_requires_grad):
        # Recorded, so that backward knows the old values no longer matter.
        return _inplace(self, fn.apply(self, value))
    self._data[...] = value._data if isinstance(value, Tensor) else value
    return self


@tensor_method
def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values (broadcast, converted to this dtype) into this tensor."""
    src = as_operand(src, "copy_")
    if isinstance(src, Tensor):
        _check_broadcast_into(self, src)
    src_requires_grad = isinstance(src, Tensor) and src._requires_grad
    if is_grad_enabled() and (self._requires_grad or src_requires_grad):
        return _inplace(self, Copy.apply(self, src))
    self._data[...] = src._data if isinstance(src, Tensor) else src
    return self


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


tensor_method(add_, name="__iadd__")
tensor_method(sub_, name="__isub__")
tensor_method(mul_, name="__imul__")
tensor_method(div_, name="__itruediv__")
