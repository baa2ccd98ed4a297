"""Elementwise Functions: arithmetic with broadcasting, unary math, comparisons, fill and copy.

Binary operations broadcast like numpy and PyTorch. Their backward sums the
incoming gradient back down to each input's shape (:func:`unbroadcast`): an
input that was stretched along a dimension receives the sum over it.

The functional floor (:mod:`minitorch._functional.elementwise`) hands a binary
Function two operands of one dtype (a Python number already converted to it), and
the Function returns that dtype. Comparisons, ``isnan``, logical and bitwise ops
return bools or integers, which autograd never tracks, so they have no backward.
"""

from __future__ import annotations

import numpy as np

from minitorch._memory_format import (
    channels_last,
    channels_last_3d,
    memory_format,
    preserve_format,
)
from minitorch.autograd.function import Function


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


def _fastest_first(shape: tuple[int, ...], strides: list[list[int]]) -> list[int]:
    """The dims of ``shape`` from the fastest-varying in memory to the slowest, as PyTorch
    orders them from the operands' ``strides`` (one list per operand, 0 where broadcast).

    The first operand decides unless its strides tie or are 0; equal strides put the smaller
    dim first. This is the insertion sort of TensorIterator (and of ``infer_dense_strides``,
    which ``clone`` and ``to`` use), which allows pairs it cannot order.
    """

    def should_swap(dim0: int, dim1: int) -> int:
        for stride in strides:
            if stride[dim0] == 0 or stride[dim1] == 0:
                continue
            if stride[dim0] != stride[dim1]:
                return 1 if stride[dim0] > stride[dim1] else -1
            if shape[dim0] > shape[dim1]:
                return 1
        return 0

    fastest_first = list(range(len(shape) - 1, -1, -1))
    for i in range(1, len(shape)):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            comparison = should_swap(fastest_first[dim0], fastest_first[dim1])
            if comparison > 0:
                fastest_first[dim0], fastest_first[dim1] = fastest_first[dim1], fastest_first[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    return fastest_first


def _empty_in_order(shape: tuple[int, ...], order: list[int], dtype: np.dtype) -> np.ndarray:
    """An empty array of ``shape`` whose dims lie in memory in ``order`` (slowest first): a
    transposed view of a C-ordered array, as PyTorch's permuted strides are."""
    return np.empty([shape[d] for d in order], dtype=dtype).transpose(np.argsort(order))


def pytorch_layout(a: object, b: object) -> np.ndarray | None:
    """An empty array for the result of ``a (op) b``, laid out as PyTorch lays it out, or None
    where that is numpy's C order anyway.

    PyTorch's TensorIterator orders the result's dimensions by the inputs' strides, the first
    input deciding unless its strides tie or are broadcast (0); numpy keeps C order when its
    inputs disagree. So for ``x.t() * y`` PyTorch's result is transposed like ``x.t()``, and
    numpy's is not: a view of it (``view(-1)``) would then work in one and fail in the other.
    """
    arrays = [x for x in (a, b) if isinstance(x, np.ndarray) and x.ndim]
    if all(x.flags.c_contiguous for x in arrays):
        return None
    shape = np.broadcast_shapes(*(x.shape for x in arrays))
    strides = []
    for x in arrays:  # each input's strides over the result's shape, 0 where broadcast
        padded = (0,) * (len(shape) - x.ndim) + x.strides
        sizes = (1,) * (len(shape) - x.ndim) + x.shape
        strides.append(
            [0 if n == 1 and m != 1 else s for s, n, m in zip(padded, sizes, shape, strict=True)]
        )
    order = _fastest_first(shape, strides)[::-1]
    if order == sorted(order):
        return None
    return _empty_in_order(shape, order, np.result_type(a, b))


# The order in memory (slowest dim first) of each channels-last format's tensors.
_CHANNELS_LAST_ORDERS = {channels_last: [0, 2, 3, 1], channels_last_3d: [0, 2, 3, 4, 1]}


def copy_in_format(x: np.ndarray, dtype: np.dtype, fmt: memory_format) -> np.ndarray:
    """A copy of ``x`` as ``dtype``, laid out in memory as PyTorch lays out a copy in ``fmt``.

    ``contiguous_format`` is C order; ``channels_last`` orders (N, C, H, W) as (N, H, W, C)
    (``channels_last_3d``: (N, D, H, W, C)); ``preserve_format`` keeps ``x``'s own order of
    dims, read from its strides as PyTorch's ``infer_dense_strides`` reads them (an expanded
    dim stays where it is), so that a channels-last or transposed tensor's copy is one too.
    """
    order = _CHANNELS_LAST_ORDERS.get(fmt)
    if fmt is preserve_format:
        if _dense(x):  # PyTorch copies such strides as they are, size-1 dims' included
            out = np.ndarray(x.shape, dtype, np.empty(x.size, dtype), strides=_strides_as(x, dtype))
            np.copyto(out, x, casting="unsafe")
            return out
        order = _fastest_first(x.shape, [list(x.strides)])[::-1]
    if order is None or order == sorted(order):
        return np.array(x, dtype=dtype, order="C", copy=True)
    out = _empty_in_order(x.shape, order, dtype)
    np.copyto(out, x, casting="unsafe")
    return out


def _dense(x: np.ndarray) -> bool:
    """Whether ``x``'s elements fill a block of memory, each once, in some order of its dims
    (PyTorch's ``is_non_overlapping_and_dense``): size-1 dims may have any stride."""
    expected = x.itemsize
    for stride, size in sorted((s, n) for s, n in zip(x.strides, x.shape, strict=True) if n > 1):
        if stride != expected:
            return False
        expected *= size
    return True


def _strides_as(x: np.ndarray, dtype: np.dtype) -> tuple[int, ...]:
    """``x``'s strides, in bytes of ``dtype``."""
    itemsize = np.dtype(dtype).itemsize
    return tuple(s // x.itemsize * itemsize for s in x.strides)


def _rounded_from_opmath(a: np.ndarray, b: np.ndarray, result: np.ndarray) -> np.ndarray:
    """A float16 operand's result computed with a float32 ("opmath") scalar, rounded once to
    float16 as PyTorch's kernel rounds it (numpy would keep float32)."""
    if result.dtype == np.float32 and np.float16 in (np.result_type(a), np.result_type(b)):
        return result.astype(np.float16)
    return result


def _in_dtype_of(operand: np.ndarray, result: np.ndarray) -> np.ndarray:
    """``result`` in ``operand``'s dtype: where numpy's rules widen it (a float ``alpha``
    times integers, bools raised to a power), PyTorch's result keeps the operands' dtype."""
    return result.astype(operand.dtype, copy=False)


# ------------------------------------------------------------------ arithmetic
class Add(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = np.shape(a), np.shape(b)
        ctx.alpha = alpha
        if alpha == 1:
            return np.add(a, b, out=pytorch_layout(a, b))
        return _in_dtype_of(a, np.add(a, alpha * b, out=pytorch_layout(a, b)))

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
        if alpha == 1:
            return np.subtract(a, b, out=pytorch_layout(a, b))
        return _in_dtype_of(a, np.subtract(a, alpha * b, out=pytorch_layout(a, b)))

    @staticmethod
    def backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = unbroadcast(grad, shape_a) if ctx.needs_input_grad[0] else None
        grad_b = unbroadcast(-grad * ctx.alpha, shape_b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


# The untracked in-place writes (under no_grad: an optimizer's step, an init): the same
# arithmetic as Add, Sub and Mul compute, written straight into the tensor's own memory
# instead of into a new array that is then copied back.
def add_into(out: np.ndarray, b: np.ndarray, alpha: float = 1) -> None:
    np.add(out, b if alpha == 1 else alpha * b, out=out)


def sub_into(out: np.ndarray, b: np.ndarray, alpha: float = 1) -> None:
    np.subtract(out, b if alpha == 1 else alpha * b, out=out)


def mul_into(out: np.ndarray, b: np.ndarray) -> None:
    np.multiply(out, b, out=out)


def copy_into(out: np.ndarray, src: np.ndarray) -> None:
    """``Copy``'s values written straight into ``out``: broadcast, converted as ``astype``
    converts (a float beyond an integer type's range is silent, as in PyTorch)."""
    with np.errstate(all="ignore"):
        np.copyto(out, src, casting="unsafe")


class RSub(Function):
    """``number - alpha * tensor``: the number is no tensor, so the node has no edge for it."""

    backward_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if alpha == 1:
            return b - a
        return _in_dtype_of(a, b - alpha * a)

    @staticmethod
    def backward(ctx, grad):
        return (-grad if ctx.alpha == 1 else -grad * ctx.alpha), None


class RSubTensor(Function):
    """``torch.rsub(a, b, alpha)``: ``b - alpha * a`` for two tensors (a reversed ``Sub``)."""

    backward_name = "RsubBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = np.shape(a), np.shape(b)
        ctx.alpha = alpha
        if alpha == 1:
            return np.subtract(b, a, out=pytorch_layout(a, b))
        return _in_dtype_of(a, np.subtract(b, alpha * a, out=pytorch_layout(a, b)))

    @staticmethod
    def backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = unbroadcast(-grad * ctx.alpha, shape_a) if ctx.needs_input_grad[0] else None
        grad_b = unbroadcast(grad, shape_b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


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
        return _rounded_from_opmath(a, b, np.multiply(a, b, out=pytorch_layout(a, b)))

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
            return _rounded_from_opmath(a, b, np.divide(a, b, out=pytorch_layout(a, b)))

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


class ReciprocalTimes(Function):
    """``number / x`` as PyTorch computes it, ``x.reciprocal() * number``: the reciprocal
    rounded to ``x``'s dtype, then the product (for float16 in float32, rounded once).
    d/dx = -(grad * number) * r^2, where r = 1/x, as PyTorch's two nodes give it."""

    backward_name = "MulBackward0"

    @staticmethod
    def forward(ctx, x, number):
        reciprocal = np.reciprocal(x)
        ctx.save_for_backward(reciprocal)
        ctx.number = number
        return _rounded_from_opmath(reciprocal, number, reciprocal * number)

    @staticmethod
    def backward(ctx, grad):
        (reciprocal,) = ctx.saved_tensors
        grad_reciprocal = _rounded_from_opmath(reciprocal, ctx.number, grad * ctx.number)
        return -grad_reciprocal * (reciprocal * reciprocal), None


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
        # PyTorch's grouping, grad * (p * x^(p-1)): in float32 another order rounds otherwise
        return (grad * (p * x ** (p - 1))).astype(x.dtype, copy=False), None


class PowTensor(Function):
    """``a ** b`` for two tensors: d/da = b a^(b-1), d/db = a^b log(a)."""

    backward_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        out = _in_dtype_of(a, a**b)  # numpy raises bools to int8
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            # PyTorch's grouping, grad * (b * a^(b-1)) and grad * (out * log(a)): in float32
            # another order of the products rounds otherwise
            with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 where b == 0 is masked
                grad_a = unbroadcast(np.where(b == 0, 0.0, grad * (b * a ** (b - 1))), np.shape(a))
        if ctx.needs_input_grad[1]:
            # PyTorch's convention: where a == 0 and b >= 0 the gradient is 0, not nan.
            log_a = np.log(np.where((a == 0) & (b >= 0), 1, a))
            grad_b = unbroadcast(grad * (out * log_a), np.shape(b))
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
        ctx.base = base
        ctx.save_for_backward(x if base == 0 else None, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        # PyTorch's grad * (out * log(base)), log(base) rounded to the tensor's dtype; for
        # base 0 the gradient is 0 where x >= 0 and -inf (out * log 0) where x < 0
        with np.errstate(divide="ignore", invalid="ignore"):
            log_base = np.asarray(np.log(np.float64(ctx.base)), dtype=out.dtype)
            local = out * log_base
            if ctx.base == 0:
                local = np.where(x >= 0, 0, local)
        return (grad * local).astype(out.dtype, copy=False), None


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

    Python numbers arrive as numbers, so the node has edges for tensors only.
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


def rounded_quotient(
    a: np.ndarray | float, b: np.ndarray | float, rounding_mode: str
) -> np.ndarray:
    """``a / b`` rounded toward -inf ('floor') or toward 0 ('trunc'); exact for integers."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf/nan, silently
        if rounding_mode == "floor" and np.result_type(a, b) == np.float16:
            return _float16_floor_quotient(np.asarray(a), np.asarray(b))
        if rounding_mode == "floor":
            return np.floor_divide(a, b)  # Python's //, as PyTorch: 1.0 // 0.1 == 9.0
        if np.result_type(a, b).kind == "f":
            return np.trunc(a / b)
        # a minus its C remainder is an exact multiple of b; no detour through floats
        return (a - np.fmod(a, b)) // b


def _float16_floor_quotient(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``floor(a / b)`` for float16 as PyTorch computes it: its steps in float16, each rounded.

    numpy's float16 ``floor_divide`` runs the same steps (``a - fmod(a, b)``, divided by
    ``b``, then snapped to an integer) in float32 and rounds once, so their quotients differ
    by one now and then; in float32 and float64 the two are the same computation.
    """
    one, half = np.float16(1), np.float16(0.5)
    mod = np.fmod(a, b)
    quotient = (a - mod) / b
    quotient = np.where((mod != 0) & ((b < 0) != (mod < 0)), quotient - one, quotient)
    floor = np.floor(quotient)
    floor = np.where(quotient - floor > half, floor + one, floor)
    floor = np.where(quotient == 0, np.copysign(np.float16(0), a / b), floor)
    return np.where(b == 0, a / b, floor).astype(np.float16, copy=False)


# ------------------------------------------------------------------ unary math
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


class ClampTensor(Function):
    """Clamp to tensor bounds ``low`` and ``high`` (either may be None), all broadcast together:
    ``minimum(maximum(x, low), high)``, so a NaN anywhere gives NaN and ``low > high`` gives
    ``high``.

    PyTorch's gradient: with one bound it is :class:`Maximum`'s (or :class:`Minimum`'s), split
    evenly at a tie. With both, ``x`` gets it where ``low <= x <= high`` (compared so that a
    NaN keeps it), a bound gets it where it is the result, and a tie with ``low < high``
    splits it in two; where ``low > high`` all of it goes to ``high``, and where
    ``low == high`` a tie goes to ``x`` whole.
    """

    backward_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x, low, high)
        out = x if low is None else np.maximum(x, low, out=pytorch_layout(x, low))
        return out if high is None else np.minimum(out, high, out=pytorch_layout(out, high))

    @staticmethod
    def backward(ctx, grad):
        x, low, high = ctx.saved_tensors
        needs_x, needs_low, needs_high = ctx.needs_input_grad
        half, zero = grad / 2, np.zeros((), grad.dtype)
        if low is None or high is None:  # one bound: Maximum's or Minimum's gradient
            bound = high if low is None else low
            x_loses, bound_loses = (x > bound, x < bound) if low is None else (x < bound, x > bound)
            shared = np.where(x == bound, half, grad)
            grad_x = unbroadcast(np.where(x_loses, zero, shared), np.shape(x)) if needs_x else None
            grad_bound = None
            if needs_low or needs_high:
                grad_bound = unbroadcast(np.where(bound_loses, zero, shared), np.shape(bound))
            return (grad_x, grad_bound, None) if high is None else (grad_x, None, grad_bound)
        ordered, crossed = low < high, low > high  # both False where a bound is NaN
        grad_x = grad_low = grad_high = None
        if needs_x:
            inside = ~(x < low) & ~(x > high)
            tie = ordered & ((x == low) | (x == high))
            grad_x = unbroadcast(np.where(inside, np.where(tie, half, grad), zero), np.shape(x))
        if needs_low:
            low_wins = (x < low) & (low <= high)
            grad_low = np.where(low_wins, grad, np.where(ordered & (x == low), half, zero))
            grad_low = unbroadcast(grad_low, np.shape(low))
        if needs_high:
            high_wins = crossed | ((x > high) & (low <= high))
            grad_high = np.where(high_wins, grad, np.where(ordered & (x == high), half, zero))
            grad_high = unbroadcast(grad_high, np.shape(high))
        return grad_x, grad_low, grad_high


class ToCopy(Function):
    """A dtype conversion (``to``, ``float()``, ...) into a copy laid out in ``memory_format``;
    the gradient is converted back.

    Autograd records it only for a float result of an input that requires grad: a
    conversion to integers or bools is never tracked.
    """

    @staticmethod
    def forward(ctx, x, target, memory_format=preserve_format):
        ctx.source = x.dtype
        return copy_in_format(x, target, memory_format)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.source), None


class Clone(Function):
    """A copy laid out in ``memory_format`` (``preserve_format``: the input's own layout)."""

    @staticmethod
    def forward(ctx, x, memory_format=preserve_format):
        return copy_in_format(x, x.dtype, memory_format)

    @staticmethod
    def backward(ctx, grad):
        return grad


# ------------------------------------------------------------------ comparisons and predicates
# Bool (or, for the bitwise ops, integer) results: autograd records none of them, so none
# has a backward. Comparison and bitwise operands arrive in their promoted dtype.
class Eq(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.equal(a, b)


class Ne(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.not_equal(a, b)


class Lt(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.less(a, b)


class Le(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.less_equal(a, b)


class Gt(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.greater(a, b)


class Ge(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.greater_equal(a, b)


class Equal(Function):
    """``torch.equal``: one bool, True when the shapes and all the elements are the same."""

    @staticmethod
    def forward(ctx, a, b):
        return np.array_equal(a, b)


class AllClose(Function):
    """``torch.allclose``: one bool, ``|a - b| <= atol + rtol * |b|`` everywhere."""

    @staticmethod
    def forward(ctx, a, b, rtol, atol, equal_nan):
        return np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


class IsNan(Function):
    @staticmethod
    def forward(ctx, x):
        return np.isnan(x)


class IsInf(Function):
    @staticmethod
    def forward(ctx, x):
        return np.isinf(x)


class IsFinite(Function):
    @staticmethod
    def forward(ctx, x):
        return np.isfinite(x)


def _truth(x: np.ndarray | float) -> np.ndarray:
    """Each element as a bool (nonzero is True), as the logical ops read their operands."""
    return np.asarray(x).astype(bool)


class LogicalNot(Function):
    @staticmethod
    def forward(ctx, x):
        return np.logical_not(x)


class LogicalAnd(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.logical_and(_truth(a), _truth(b))


class LogicalOr(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.logical_or(_truth(a), _truth(b))


class LogicalXor(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.logical_xor(_truth(a), _truth(b))


class StepInPlace(Function):
    """A comparison's or logical op's ``result`` written into ``x`` (``x.eq_(y)``): its values
    in ``x``'s dtype, and the zero gradients of a step function for ``x`` and for a tensor
    ``other``, as PyTorch's ``EqBackward0`` gives them. ``result`` itself gets none."""

    non_differentiable = (0,)

    @staticmethod
    def forward(ctx, result, x, other):
        ctx.shapes = np.shape(x), np.shape(other)
        return result.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        shape_x, shape_other = ctx.shapes
        zeros_other = np.zeros(shape_other, grad.dtype) if ctx.needs_input_grad[2] else None
        return None, np.zeros(shape_x, grad.dtype), zeros_other


class BitwiseNot(Function):
    @staticmethod
    def forward(ctx, x):
        return np.invert(x)


class BitwiseAnd(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.bitwise_and(a, b)


class BitwiseOr(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.bitwise_or(a, b)


class BitwiseXor(Function):
    @staticmethod
    def forward(ctx, a, b):
        return np.bitwise_xor(a, b)


# ------------------------------------------------------------------ where, maximum, minimum
class Where(Function):
    """``a`` where ``condition`` holds, else ``b``; the gradient goes the same way."""

    non_differentiable = (0,)  # the condition: PyTorch's WhereBackward0 has edges for a, b only

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


class SharesMemory(Function):
    """Whether two arrays have an element in common, as a 0-d bool (never tracked): the check
    of the ops whose ``out=`` may not be one of their inputs."""

    @staticmethod
    def forward(ctx, a, b):
        return np.asarray(np.shares_memory(a, b))
