"""Parity of elementwise ops: arithmetic with broadcasting and scalars, unary math, comparisons,
where, clamp, and in-place updates."""

import numpy as np
import pytest
from _outcomes import assert_same_outcome
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import Input, assert_parity, assert_same_error
from minitorch.testing.catalogue import BINARY, UNARY
from minitorch.testing.strategies import arrays, broadcastable, float_dtypes, shapes, transposed


# The ops and their spellings come from the catalogue that minitorch-parity checks too; each
# call's values stay off the points where a derivative is a convention.
@pytest.mark.parametrize("call", UNARY, ids=[call.label for call in UNARY])
@given(data=st.data(), dtype=float_dtypes())
def test_unary(call, data, dtype):
    x = data.draw(arrays(shapes(), dtype, **call.values))
    assert_parity(call.function(), x)


@given(data=st.data(), dtype=float_dtypes())
def test_a_chain_of_unary_ops(data, dtype):
    x = data.draw(arrays(shapes(), dtype))
    assert_parity(lambda t, x: (x * x + 1).log() * x.sigmoid() - x.tanh() / 2, x)


@pytest.mark.parametrize("call", BINARY, ids=[call.label for call in BINARY])
@given(data=st.data(), dtype=float_dtypes(), shape_pair=broadcastable(2))
def test_binary_broadcasting(call, data, dtype, shape_pair):
    x = data.draw(arrays(shape_pair[0], dtype, **call.values))
    y = data.draw(arrays(shape_pair[1], dtype, **call.values))
    assert_parity(call.function(), x, y)


@given(data=st.data(), dtype=float_dtypes())
def test_non_contiguous_operands(data, dtype):
    x = data.draw(arrays(shapes(min_dims=2), dtype, low=0.1))
    y = data.draw(arrays(x.shape, dtype, low=0.1))
    assert_parity(lambda t, a, b: a.mT * b.mT.exp() + a.mT.log(), transposed(x), transposed(y))


COMPARISONS = [
    lambda t, x, y: x == y,
    lambda t, x, y: x != y,
    lambda t, x, y: x < y,
    lambda t, x, y: x <= y,
    lambda t, x, y: x > y,
    lambda t, x, y: x >= y,
    lambda t, x, y: t.eq(x, 0.5),
    lambda t, x, y: x.gt(0),
    lambda t, x, y: x.lt(1.0),
    lambda t, x, y: t.logical_and(x > 0, y > 0),
    lambda t, x, y: (x > 0) | (y < 0),
    lambda t, x, y: ~(x > y),
    lambda t, x, y: t.isnan(x / y),
]


@pytest.mark.parametrize("fn", COMPARISONS)
@given(shape_pair=broadcastable(2), data=st.data())
def test_comparisons(fn, shape_pair, data):
    x = data.draw(arrays(shape_pair[0], np.float32, low=-2, high=2))
    y = data.draw(arrays(shape_pair[1], np.float32, low=-2, high=2))
    assert_parity(fn, Input(x, requires_grad=False), Input(y, requires_grad=False))


@given(data=st.data(), dtype=float_dtypes(), shape_triple=broadcastable(3))
def test_where_broadcasts_all_three(data, dtype, shape_triple):
    condition = data.draw(arrays(shape_triple[0], np.bool_))
    x = data.draw(arrays(shape_triple[1], dtype))
    y = data.draw(arrays(shape_triple[2], dtype))
    assert_parity(lambda t, c, a, b: t.where(c, a, b), condition, x, y)
    assert_parity(lambda t, c, a, b: t.where(c, a, 0.0), condition, x, y)


# ------------------------------------------------------------------ dtypes and mixed operands
MIXED = [
    (lambda t, a, b: a + b, np.int64, np.float32),
    (lambda t, a, b: a * b, np.int32, np.int64),
    (lambda t, a, b: a / b, np.int64, np.int64),
    (lambda t, a, b: a // b, np.int64, np.int64),
    (lambda t, a, b: a % b, np.float32, np.int64),
    (lambda t, a, b: a + 1.5, np.int64, np.int64),
    (lambda t, a, b: a * True, np.int32, np.int64),
    (lambda t, a, b: 2**a, np.int64, np.int64),
    (lambda t, a, b: a**2, np.int64, np.int64),
    (
        lambda t, a, b: a - b[0],
        np.uint8,
        np.int64,
    ),  # a 0-d tensor does not promote a dimensioned one
    (lambda t, a, b: a + b[0].double(), np.float32, np.int64),
    (lambda t, a, b: a.exp(), np.int64, np.int64),
    (lambda t, a, b: a.sqrt(), np.int32, np.int64),
    (lambda t, a, b: a.abs(), np.int64, np.int64),
    (lambda t, a, b: a.relu(), np.int64, np.int64),
    (lambda t, a, b: a.clamp(1, 3), np.int64, np.int64),
    (lambda t, a, b: a.clamp(0.5), np.int64, np.int64),
    (lambda t, a, b: t.where(a > 2, a, 0.5), np.int64, np.int64),
    (lambda t, a, b: t.maximum(a, b), np.int32, np.float64),
    (lambda t, a, b: a & b, np.int64, np.int64),
    (lambda t, a, b: (a > 1) & (b > 1), np.float32, np.int64),
    (lambda t, a, b: a.to(t.float16) + 1, np.int64, np.int64),
]


@pytest.mark.parametrize(("fn", "dtype_a", "dtype_b"), MIXED)
def test_mixed_dtypes(fn, dtype_a, dtype_b):
    a = np.array([[1, 2, 3], [4, 5, 6]]).astype(dtype_a)
    b = np.array([3, 2, 1]).astype(dtype_b)
    assert_parity(fn, a, b)


def test_float32_stays_float32_with_python_scalars():
    x = np.array([0.5, 1.5], np.float32)
    for fn in (lambda t, a: a * 2.0, lambda t, a: 3.0 - a, lambda t, a: a / 7, lambda t, a: 2.0**a):
        assert_parity(fn, x)
    assert (minitorch.tensor(x) * 2.0).dtype == minitorch.float32


@given(shape_pair=broadcastable(2), data=st.data())
def test_float32_with_float64_promotes(shape_pair, data):
    x = data.draw(arrays(shape_pair[0], np.float32))
    y = data.draw(arrays(shape_pair[1], np.float64))
    # A 0-d float64 operand does not promote a float32 tensor: its gradient is then a float32
    # sum, whose rounding depends on the summation order.
    assert_parity(lambda t, a, b: a * b + a, x, y, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ pinned conventions
def test_derivatives_at_kinks_follow_pytorch():
    x = np.array([-1.0, 0.0, 2.0])
    assert_parity(lambda t, a: t.relu(a), x)  # relu'(0) = 0
    assert_parity(lambda t, a: a.abs(), x)  # abs'(0) = 0
    assert_parity(lambda t, a: a.clamp(0.0, 2.0), x)  # number bounds: none at the bounds
    assert_parity(lambda t, a, b: t.maximum(a, b), x, np.array([-1.0, 1.0, 2.0]))  # ties split
    assert_parity(lambda t, a, b: a**b, np.array([0.0, 0.0, 2.0]), np.array([0.0, 2.0, 3.0]))


def test_sigmoid_and_exp_at_extremes():
    x = np.array([-100.0, -20.0, 0.0, 20.0, 100.0], np.float32)
    assert_parity(lambda t, a: t.sigmoid(a), x)
    assert_parity(lambda t, a: t.tanh(a), x)


# ------------------------------------------------------------------ in-place updates
INPLACE = [
    lambda t, a, b: a.add_(b),
    lambda t, a, b: a.add_(b, alpha=2),
    lambda t, a, b: a.sub_(b[0]),
    lambda t, a, b: a.mul_(b),
    lambda t, a, b: a.mul_(3),
    lambda t, a, b: a.div_(2.0),
    lambda t, a, b: a.clamp_(-0.5, 0.5),
    lambda t, a, b: a.zero_(),
    lambda t, a, b: a.fill_(2.5),
    lambda t, a, b: a.copy_(b),
    lambda t, a, b: a.copy_(b[0]),
]


@pytest.mark.parametrize("update", INPLACE)
@given(data=st.data(), dtype=float_dtypes())
def test_in_place_under_no_grad(update, data, dtype):
    x = data.draw(arrays(shapes(min_dims=1, max_dims=3), dtype))
    y = data.draw(arrays(x.shape, dtype))

    def run(t, a, b):
        with t.no_grad():
            result = update(t, a, b)
            assert result is a  # in-place ops return the tensor they changed
        return a.detach().clone()

    assert_parity(run, x, y)


@pytest.mark.parametrize("update", INPLACE[:7] + INPLACE[9:])
def test_in_place_on_a_non_leaf_records_the_graph(update):
    x, y = np.linspace(-1, 1, 6).reshape(2, 3), np.linspace(0.5, 2, 6).reshape(2, 3)

    def run(t, a, b):
        out = a * 1
        update(t, out, b)
        return out

    assert_parity(run, x, y)


def test_in_place_write_is_visible_through_views():
    x = minitorch.zeros(2, 3)
    row = x[1]
    with minitorch.no_grad():
        x.add_(1)
        row.mul_(5)
    assert x.tolist() == [[1, 1, 1], [5, 5, 5]]


def test_in_place_int_tensor():
    assert_parity(lambda t, a: a.add_(2), Input(np.arange(4), requires_grad=False))
    assert_parity(lambda t, a: a.mul_(2), Input(np.arange(4), requires_grad=False))


# ------------------------------------------------------------------ errors
ERRORS = [
    ("broadcast_mismatch", lambda t, a, b: a + b[:, :2]),
    ("broadcast_mismatch_mul", lambda t, a, b: a * b.reshape(3, 1, 2)),
    ("sub_bools", lambda t, a, b: (a > 0) - (b > 0)),
    ("neg_bool", lambda t, a, b: -(a > 0)),
    ("int_to_negative_power", lambda t, a, b: a.long() ** -1),
    ("in_place_on_leaf_requiring_grad", lambda t, a, b: a.requires_grad_().add_(1)),
    ("in_place_broadcast_grows", lambda t, a, b: a[0].add_(b)),
    ("in_place_float_into_int", lambda t, a, b: a.long().add_(1.5)),
    ("add_string", lambda t, a, b: a + "x"),
    ("where_condition_not_bool", lambda t, a, b: t.where(a, a, b)),
    ("clamp_without_bounds", lambda t, a, b: a.clamp()),
    ("div_bad_rounding_mode", lambda t, a, b: t.div(a, b, rounding_mode="round")),
    ("bitwise_on_float", lambda t, a, b: a & b),
    ("relu_of_bool", lambda t, a, b: t.relu(a > 0)),
    ("numpy_on_tensor_requiring_grad", lambda t, a, b: a.requires_grad_().numpy()),
]


@pytest.mark.parametrize(("name", "call"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, call):
    a = Input(np.ones((2, 3), np.float32), requires_grad=False)
    assert_same_error(call, a, Input(np.ones((2, 3), np.float32), requires_grad=False))


def test_broadcast_error_names_the_shapes():
    with pytest.raises(
        RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(2\)"
    ):
        minitorch.ones(2, 3) + minitorch.ones(2)


# ------------------------------------------------------------------ clamp with tensor bounds
@given(data=st.data(), dtype=float_dtypes(), shape_triple=broadcastable(3))
def test_clamp_with_tensor_bounds(data, dtype, shape_triple):
    # small integers as floats, so that ties between input and bounds (and min > max) are common
    x, low, high = (
        data.draw(arrays(s, np.int64, low=-2, high=2)).astype(dtype) for s in shape_triple
    )
    assert_parity(lambda t, a, b, c: t.clamp(a, b, c), x, low, high)
    assert_parity(lambda t, a, b: t.clamp(a, min=b), x, low)
    assert_parity(lambda t, a, c: a.clip(max=c), x, high)
    full = np.broadcast_shapes(*shape_triple)  # clamp_ writes into a tensor of the result's shape
    assert_parity(lambda t, a, b, c: (a.expand(full) * 1).clamp_(b, c), x, low, high)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clamp_with_tensor_bounds_at_every_tie_and_nan(dtype):
    values = np.array([0.0, 1.0, 2.0, np.nan], dtype)
    x, low, high = (a.ravel() for a in np.meshgrid(values, values, values, indexing="ij"))
    assert_parity(lambda t, a, b, c: t.clamp(a, b, c), x, low, high)
    assert_parity(lambda t, a, b: t.clamp(a, b), x, low)
    assert_parity(lambda t, a, c: t.clamp(a, max=c), x, high)
    assert_parity(lambda t, a: t.clamp(a, 0.0, 1.0), x)  # number bounds: strictly inside
    assert_parity(lambda t, a: t.clamp(a, 1.0, 0.0), x)
    assert_parity(lambda t, a: t.clamp(a, min=np.nan), x)


CLAMP_DTYPES = [
    (lambda t, a, b: t.clamp(a, b), np.int64, np.float32),  # a float bound makes a float result
    (lambda t, a, b: t.clamp(a, b[0]), np.int64, np.float64),  # a 0-d float one too
    (lambda t, a, b: t.clamp(a, b), np.float32, np.float64),
    (lambda t, a, b: t.clamp(a, b[0]), np.float32, np.float64),  # a 0-d one does not widen
    (lambda t, a, b: t.clamp(a, max=b), np.uint8, np.int8),
    (lambda t, a, b: t.clamp(a, b[0], b[1]), np.uint8, np.int8),
    (lambda t, a, b: t.clamp(a > 2, max=b > 1), np.int64, np.int64),
    (lambda t, a, b: t.clamp(a > 2, b, b), np.int64, np.int64),
]


@pytest.mark.parametrize(("fn", "dtype_a", "dtype_b"), CLAMP_DTYPES)
def test_clamp_bounds_take_part_in_type_promotion(fn, dtype_a, dtype_b):
    a = np.array([[1, 2, 3], [4, 5, 6]]).astype(dtype_a)
    b = np.array([3, 2, 1]).astype(dtype_b)
    assert_parity(fn, a, b)


def test_clamp_to_a_real_complex_number():
    # forward only: PyTorch's own backward of it fails ("gt_cpu" not implemented for complex)
    assert_parity(lambda t, a: t.clamp(a, 1.5 + 0j), np.array([1.0, 2.0], np.float32), grad=False)


CLAMP_ERRORS = [
    lambda t, a: t.clamp(a, t.ones(3), 2.0),  # a tensor and a number: no such signature
    lambda t, a: t.clamp(a, 0, t.ones(3)),
    lambda t, a: t.clamp(a, min=[1.0]),
    lambda t, a: t.clamp(a, min="a"),
    lambda t, a: t.clamp(a, None, None),
    lambda t, a: t.clamp(a, t.ones(2)),
    lambda t, a: t.clamp(a, t.ones(2, 3), t.ones(4, 1, 1)).sum() + a.clamp_(min=t.ones(2, 3)),
    lambda t, a: a.long().clamp_(min=t.tensor([2.5])),
    lambda t, a: t.clamp(a > 0, t.tensor([True]), t.tensor([False])),
    lambda t, a: t.clamp(a > 0, True),
    lambda t, a: t.clamp(a > 0, max=True),
    lambda t, a: t.clamp(a > 0, True, True),
    lambda t, a: t.clamp(a, 1j),
    lambda t, a: t.clamp(a.long(), 1.5 + 0j),
    lambda t, a: t.clamp(a.long(), t.tensor([1, 2, 3], dtype=t.uint16)),
]


@pytest.mark.parametrize("call", CLAMP_ERRORS)
def test_clamp_errors(call):
    assert_same_error(call, Input(np.ones(3, np.float32), requires_grad=False))


def test_clamp_error_messages_follow_pytorch():
    x = np.ones(3, np.float32)
    for call in CLAMP_ERRORS[:2] + CLAMP_ERRORS[4:6] + CLAMP_ERRORS[8:]:
        assert_same_outcome(call, Input(x, requires_grad=False))


# ------------------------------------------------------------------ remainder and rounded division
@given(data=st.data(), dtype=float_dtypes(), shape_pair=broadcastable(2))
def test_remainder_and_rounded_division(data, dtype, shape_pair):
    x = data.draw(arrays(shape_pair[0], dtype, low=-30, high=30))
    y = data.draw(arrays(shape_pair[1], dtype, low=-5, high=5, min_magnitude=0.05))
    divisor = float(y.flat[0]) if y.size else 1.5
    assert_parity(lambda t, a, b: t.remainder(a, b), x, y)  # d/db = -floor(a / b)
    assert_parity(lambda t, a, b: a % b, x, y)
    assert_parity(lambda t, a: a % divisor, x)
    assert_parity(lambda t, a, b: a.remainder(b.sum()), x, y)  # a 0-d divisor
    for mode in ("floor", "trunc"):  # a step function: zero gradients
        assert_parity(lambda t, a, b, mode=mode: t.div(a, b, rounding_mode=mode), x, y)
        assert_parity(lambda t, a, mode=mode: t.div(a, divisor, rounding_mode=mode), x)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8])
@given(data=st.data(), shape_pair=broadcastable(2))
def test_integer_remainder_and_rounded_division(dtype, data, shape_pair):
    info = np.iinfo(dtype)
    x = data.draw(arrays(shape_pair[0], dtype, low=info.min, high=info.max))
    y = data.draw(arrays(shape_pair[1], dtype, low=info.min, high=info.max))
    y[y == 0] = 1
    x, y = Input(x, requires_grad=False), Input(y, requires_grad=False)
    assert_parity(lambda t, a, b: t.remainder(a, b), x, y)
    assert_parity(lambda t, a, b: t.div(a, b, rounding_mode="floor"), x, y)
    assert_parity(lambda t, a, b: t.div(a, b, rounding_mode="trunc"), x, y)


def test_division_by_zero_in_remainder_and_rounded_division():
    x, zero = np.array([-1.5, 0.0, 2.0, np.nan], np.float32), np.zeros(4, np.float32)
    for call in (
        lambda t, a, b: t.remainder(a, b),
        lambda t, a, b: t.div(a, b, rounding_mode="floor"),
        lambda t, a, b: t.div(a, b, rounding_mode="trunc"),
    ):
        assert_parity(call, x, zero)  # inf and nan, silently
        assert_same_error(
            call,
            Input(np.arange(4), requires_grad=False),
            Input(np.zeros(4, np.int64), requires_grad=False),
        )


def test_float16_floor_division_rounds_each_step_as_pytorch():
    # numpy rounds float16's floor quotient once, PyTorch after each step: -1476 against -1477
    x, y = (
        np.array([2346.0, 1739.0], np.float16),
        np.array([-1.58984375, -0.7451171875], np.float16),
    )
    assert_parity(lambda t, a, b: t.div(a, b, rounding_mode="floor"), x, y)
    assert_parity(
        lambda t, a, b: a // b, Input(x, requires_grad=False), Input(y, requires_grad=False)
    )


# ------------------------------------------------------------------ rsub, alpha, comparisons
@given(
    data=st.data(),
    dtype=float_dtypes(),
    shape_pair=broadcastable(2),
    alpha=st.sampled_from([1, -2, 0.5]),
)
def test_rsub_with_alpha(data, dtype, shape_pair, alpha):
    x, y = (data.draw(arrays(s, dtype)) for s in shape_pair)
    assert_parity(lambda t, a, b: t.rsub(a, b, alpha=alpha), x, y)
    assert_parity(lambda t, a: t.rsub(a, 2.5, alpha), x)
    assert_parity(lambda t, a: t.rsub(input=a, other=3, alpha=alpha), x)


ARGUMENT_ERRORS = [
    lambda t, a: t.rsub(2, a),
    lambda t, a: t.rsub(2, 3),
    lambda t, a: t.rsub(a, "a"),
    lambda t, a: t.rsub(a > 0, True),
    lambda t, a: t.rsub(a > 0, 2),
    lambda t, a: t.rsub(a.long(), 2, alpha=0.5),
    lambda t, a: t.rsub(a, 2, alpha=True),
    lambda t, a: t.sub(a > 0, 2),
    lambda t, a: t.add(a.long(), 1, alpha=1.0),
    lambda t, a: t.add(a, 1, alpha=True),
    lambda t, a: t.add(a, 1, alpha=1j),
    lambda t, a: t.remainder(2, 3),  # either side may be a number, not both
    lambda t, a: t.remainder(2, a),
    lambda t, a: t.eq(2, 3),
    lambda t, a: t.eq(2.0, 3),
    lambda t, a: t.ne(2, 3),
    lambda t, a: t.lt(2, 3),
    lambda t, a: t.le(2, 3),
    lambda t, a: t.gt(2, a),
    lambda t, a: t.ge(True, a),
    lambda t, a: t.eq(a, "a"),
    lambda t, a: t.eq(a, None),
    lambda t, a: t.ge(a, None),
    lambda t, a: t.lt(a, "a"),
    lambda t, a: t.logical_and(a, 2),
    lambda t, a: t.logical_or(a, 2),
    lambda t, a: t.logical_xor(a, 2.5),
    lambda t, a: t.logical_and(a, True),
    lambda t, a: t.logical_and(a, None),
    lambda t, a: t.logical_and(a, [1, 2, 3]),
    lambda t, a: t.logical_and(2, a),
    lambda t, a: t.logical_and(a, t.ones(2)),
]


@pytest.mark.parametrize("call", ARGUMENT_ERRORS)
def test_argument_errors_follow_pytorch(call):
    assert_same_outcome(call, Input(np.array([1.0, 2.0, 3.0]), requires_grad=False))


def test_comparison_aliases():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    for name in ("not_equal", "less", "less_equal", "greater", "greater_equal"):
        assert_parity(lambda t, a, b, name=name: getattr(a, name)(b), x, y)
        assert_parity(lambda t, a, name=name: getattr(a, name)(2), x)


def test_rsub_grad_fn_names_follow_pytorch():
    x = minitorch.ones(2, requires_grad=True)
    assert minitorch.rsub(x, x).grad_fn.name() == "RsubBackward0"
    assert (2 - x).grad_fn.name() == minitorch.rsub(x, 2).grad_fn.name() == "RsubBackward1"
    assert minitorch.clamp(x, x).grad_fn.name() == "ClampBackward0"
    assert minitorch.clamp(x, 0.0).grad_fn.name() == "ClampBackward1"


# ------------------------------------------------------------------ in place: div_, fill_
ROUNDED_IN_PLACE = [
    lambda t, a, b: a.div_(b, rounding_mode="floor"),
    lambda t, a, b: a.div_(2, rounding_mode="trunc"),
    lambda t, a, b: a.divide_(b, rounding_mode="trunc"),
    lambda t, a, b: a.true_divide_(b),
    lambda t, a, b: a.clip_(b, b + 1),
    lambda t, a, b: a.remainder_(b),
    lambda t, a, b: a.__imod__(b[0, 0]),
]


@pytest.mark.parametrize("update", ROUNDED_IN_PLACE)
def test_rounded_division_and_clamp_in_place(update):
    x, y = np.linspace(-3, 3, 6).reshape(2, 3), np.linspace(0.5, 2, 6).reshape(2, 3)

    def run(t, a, b):
        out = a * 1
        assert update(t, out, b) is out
        return out

    assert_parity(run, x, y)
    assert_parity(
        lambda t, a: a.long().div_(2, rounding_mode="floor"),
        Input(np.arange(-3, 3), requires_grad=False),
    )


def test_floor_divide_in_place():  # recorded, but without a derivative, as in PyTorch
    x, y = np.linspace(-3, 3, 6).reshape(2, 3), np.linspace(0.5, 2, 6).reshape(2, 3)
    x, y = Input(x, requires_grad=False), Input(y, requires_grad=False)
    assert_parity(lambda t, a, b: a.floor_divide_(b), x, y)
    assert_parity(lambda t, a, b: a.__ifloordiv__(2), x, y)
    assert_same_error(lambda t, a: (a * 1).floor_divide_(2).sum().backward(), np.ones(3))


IN_PLACE_ERRORS = [
    lambda t, a: a.long().div_(2),
    lambda t, a: a.long().div_(2.5, rounding_mode="floor"),
    lambda t, a: a.div_(2, rounding_mode="round"),
    lambda t, a: a.long().div_(0, rounding_mode="floor"),
    lambda t, a: a.fill_(None),
    lambda t, a: a.fill_("a"),
    lambda t, a: a[:, None].__imod__(a),  # x %= y writes into x: y must broadcast to it
    lambda t, a: a.long().remainder_(0),
    lambda t, a: a.long().remainder_(2.5),
    lambda t, a: (a > 0).remainder_(True),
    lambda t, a: a[:, None].floor_divide_(a),
]


@pytest.mark.parametrize("call", IN_PLACE_ERRORS)
def test_in_place_errors(call):
    assert_same_error(call, Input(np.ones(3), requires_grad=False))


# Python numbers each dtype takes from fill_ (and masked_fill, x[i] = v): PyTorch checks that the
# dtype holds the number (a float16 tensor's fill_ checks in float64, then rounds to inf).
FILL_VALUES = [
    2**70,
    2**64,
    2**64 - 1,
    2**63,
    -(2**63) - 1,
    -(2**63),
    300,
    255,
    -1,
    -255,
    -256,
    2.5,
    -2.5,
    -0.5,
    255.9,
    256.0,
    -128.5,
    1e30,
    float("inf"),
    float("nan"),
    1j,
    1 + 0j,
    2.5 + 0j,
    True,
    1e39,
    70000.0,
    65519.0,
    np.float32(2.5),
    np.int64(-3),
]
FILL_DTYPES = ["uint8", "int8", "int32", "int64", "bool", "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", FILL_DTYPES)
@pytest.mark.parametrize("value", FILL_VALUES, ids=repr)
def test_fill_checks_the_number_as_pytorch(dtype, value):
    assert_same_outcome(lambda t: t.zeros(2, dtype=getattr(t, dtype)).fill_(value))


# ------------------------------------------------------------------ pow's gradients
def test_pow_of_zero_to_negative_exponents_has_pytorchs_gradient():
    assert_parity(lambda t, e: 0.0**e, np.array([-1.5, -1.0, 0.0, 2.0]))


@pytest.mark.parametrize("base", [2.0, 1 / 3, -2.0])
def test_pow_of_a_number_gradient(base):
    assert_parity(lambda t, e: base**e, np.array([-1.5, -1.0, 0.0, 2.0]))


def test_pow_gradients_of_broadcast_float32_operands():
    rng = np.random.default_rng(4)
    a = rng.uniform(0.5, 9, (5, 10, 5)).astype(np.float32)
    b = rng.uniform(-3, 9, (10, 5)).astype(np.float32)
    assert_parity(lambda t, a, b: a**b, a, b)


# ------------------------------------------------------------------ aliases and in-place variants
ALIASES = [
    lambda t, x, y: t.absolute(x) + x.absolute(),
    lambda t, x, y: t.multiply(x, y),
    lambda t, x, y: t.subtract(x, y, alpha=2),
    lambda t, x, y: t.divide(x, y) + t.divide(x, y, rounding_mode="floor"),
    lambda t, x, y: t.true_divide(x, y),
    lambda t, x, y: t.negative(x),
    lambda t, x, y: (x * 1).multiply_(y).subtract_(x, alpha=0.5).negative_().absolute_(),
    lambda t, x, y: t.conv2d(x.view(1, 1, 2, 3), y.view(1, 1, 2, 3)),
]


@pytest.mark.parametrize("call", ALIASES)
def test_aliases(call):
    x, y = np.array([[-1.5, 2.0, 3.25], [0.5, -4.0, 7.0]]), np.array([0.5, -3.0, 2.5])
    assert_parity(call, x, np.broadcast_to(y, (2, 3)).copy())


IN_PLACE_STEPS = [
    lambda t, x, y: (x * 1).eq_(y),
    lambda t, x, y: (x * 1).ne_(1.0),
    lambda t, x, y: (x * 1).lt_(y),
    lambda t, x, y: (x * 1).le_(0.5),
    lambda t, x, y: (x * 1).gt_(y),
    lambda t, x, y: (x * 1).ge_(y),
    lambda t, x, y: (x * 1).less_(y) + (x * 1).greater_equal_(y) + (x * 1).not_equal_(y),
    lambda t, x, y: (x * 1).logical_not_(),
    lambda t, x, y: (x * 1).logical_and_(y) + (x * 1).logical_or_(y) + (x * 1).logical_xor_(y),
]


@pytest.mark.parametrize("call", IN_PLACE_STEPS)
def test_comparisons_in_place_write_ones_and_zeros_with_zero_gradients(call):
    assert_parity(call, np.array([1.0, 0.0, 0.5, -2.0]), np.array([1.0, 2.0, 0.0, -3.0]))


def test_floor_divide_method():
    assert_parity(
        lambda t, x, y: x.floor_divide(y), np.array([7.5, -3.0]), np.array([2.0, 2.0]), grad=False
    )


def test_comparison_in_place_keeps_an_integer_dtype():
    assert_same_outcome(lambda t: t.tensor([1, 2, 3]).lt_(2.5))
    assert_same_outcome(lambda t: t.tensor([1.0, 2.0]).logical_and_(1.0))


@pytest.mark.parametrize(
    "name", ["relu_", "sigmoid_", "tanh_", "exp_", "abs_", "neg_", "negative_", "zero_", "sqrt_"]
)
def test_top_level_in_place_ops(name):
    assert_parity(lambda t, x: getattr(t, name)(x * 1), np.array([0.25, 1.5, 4.0]))


def test_top_level_fill_and_clamp_in_place():
    assert_same_outcome(lambda t: t.fill_(t.zeros(3), 2.5))
    assert_same_outcome(lambda t: t.clamp_(t.tensor([-1.0, 0.5, 3.0]), 0, 1))
    assert_same_outcome(lambda t: t.clip_(t.tensor([-1.0, 0.5, 3.0]), max=0.25))


@pytest.mark.parametrize("name", ["maximum", "minimum", "max", "min"])
def test_a_number_first_is_pytorchs_type_error(name):
    assert_same_outcome(lambda t: getattr(t, name)(1, t.ones(2)))
    if name in ("max", "min"):
        assert_same_outcome(lambda t: getattr(t, name)(1.5))


# ------------------------------------------------------------------ float16 with numbers
# PyTorch's float16 mul and div read a number (or a 0-d tensor of another float dtype) at its
# own value in float32 and round the result once; add and sub round the number to float16
# first; ``number / x`` is ``x.reciprocal() * number`` in every dtype.
HALF_WITH_NUMBERS = [
    lambda t, x: x * (1 / 3),
    lambda t, x: 1e-4 * x,
    lambda t, x: x / 2.2,
    lambda t, x: x / t.tensor(0.1, dtype=t.float64),
    lambda t, x: x + 1 / 3,
    lambda t, x: x - 1e-4,
    lambda t, x: 2.2 / x,
    lambda t, x: x.clone().mul_(1 / 3),
    lambda t, x: x.clone().div_(2.2),
]


@pytest.mark.parametrize("call", HALF_WITH_NUMBERS)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_arithmetic_with_numbers_rounds_as_pytorch(call, dtype):
    values = np.random.default_rng(0).standard_normal(200).astype(dtype)
    assert_same_outcome(lambda t: call(t, t.from_numpy(values.copy())))


def test_reversed_division_gradient_is_pytorchs():
    assert_parity(
        lambda t, x: 3.3 / x, np.array([0.5, -2.0, 7.0], dtype=np.float32), atol=0, rtol=0
    )


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32"])
@pytest.mark.parametrize("alpha", [1e308, 1e39, 70000.0, 2**40, True])
def test_alpha_beyond_the_dtype_is_pytorchs_overflow_error(dtype, alpha):
    assert_same_outcome(lambda t: t.ones(2, dtype=getattr(t, dtype)).add_(1, alpha=alpha))
    assert_same_outcome(lambda t: t.sub(t.ones(2, dtype=getattr(t, dtype)), 1, alpha=alpha))


def test_alpha_is_checked_in_a_write_under_no_grad():
    def step(t):
        with t.no_grad():
            return t.ones(2).add_(t.ones(2), alpha=1e308)

    assert_same_outcome(step)


def test_linspace_takes_0_d_tensors_only():
    assert_same_outcome(lambda t: t.linspace(t.tensor(1.0), t.tensor(2.0), 5))
    assert_same_outcome(lambda t: t.linspace(t.tensor([1.0]), t.tensor([2.0]), 5))
    assert_same_outcome(lambda t: t.linspace(t.tensor([1.0]), 2.0, 5))
    assert_same_outcome(lambda t: t.linspace(t.tensor(1.0), t.tensor([2.0]), 5))
