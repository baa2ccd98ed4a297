"""Parity of elementwise ops: arithmetic with broadcasting and scalars, unary math, comparisons,
where, clamp, and in-place updates."""

import numpy as np
import pytest
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
    assert_parity(lambda t, a: a.clamp(0.0, 2.0), x)  # the gradient passes at the bounds
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
