"""Numeric edge cases where minitorch once answered silently wrong or crashed, against PyTorch.

Each section is one case: the gradients of ``remainder``/``div`` with rounding/``//``; NaN in
``maximum``/``minimum``; cross-entropy of huge tied logits; float16 reductions (accumulated
in float32, as PyTorch does); integer edge cases (overflowing Python ints, division by zero,
tensors inside lists, Python ints that wrap around); empty shapes in ``Linear``,
cross-entropy and mixed-dtype ``matmul``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch
from minitorch.testing import Input, assert_parity, assert_same_error
from minitorch.testing._parity import compare_arrays
from minitorch.testing.strategies import broadcastable, float_dtypes

RNG = np.random.default_rng(20261201)
NAN = float("nan")


def outcome(fn):
    """``fn(lib)`` for minitorch and torch, each as what it returned or what it raised."""
    results = []
    for lib in (minitorch, torch):
        try:
            results.append(("value", fn(lib)))
        except Exception as error:  # noqa: BLE001 - any exception is what we compare
            results.append(("error", (type(error).__name__, str(error))))
    return results


def assert_same_outcome(fn):
    """Both raise the same exception class with the same message, or both return tensors
    with the same shape, dtype and values (NaN where PyTorch has NaN)."""
    (mt_kind, mt_result), (torch_kind, torch_result) = outcome(fn)
    assert mt_kind == torch_kind, f"minitorch: {mt_result!r}; PyTorch: {torch_result!r}"
    if mt_kind == "error":
        assert mt_result == torch_result
        return
    assert str(mt_result.dtype).removeprefix("minitorch.") == str(torch_result.dtype).removeprefix(
        "torch."
    )
    compare_arrays(mt_result.detach().numpy(), torch_result.detach().numpy(), "result")


def grad_fn_name(tensor):
    return None if tensor.grad_fn is None else tensor.grad_fn.name()


def edge_count(tensor):
    return len(tensor.grad_fn.next_functions)


# ------------------------------------------------------------------ 10: remainder, div, //
def test_remainder_passes_the_gradient_through():
    assert_parity(lambda t, a: (a % 2) + a, np.array([1.5, 2.5, -3.5], dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_remainder_by_a_tensor_differentiates_both_operands(dtype):
    a = RNG.uniform(-6, 6, (3, 4)).astype(dtype)
    b = RNG.choice([-1, 1], (4,)) * RNG.uniform(0.5, 2.5, (4,))
    assert_parity(lambda t, a, b: t.remainder(a, b), a, b.astype(dtype))
    assert_parity(lambda t, a, b: a % b, a, b.astype(dtype))


def test_remainder_divisor_gradient_at_zero_and_infinite_divisors():
    a = np.array([1.5, 2.5, -3.5], dtype=np.float32)
    b = np.array([2.0, 0.0, np.inf], dtype=np.float32)
    assert_parity(lambda t, a, b: t.remainder(a, b), a, b)


def test_remainder_by_a_float64_zero_dim_tensor_keeps_the_float32_result():
    a = np.array([1.5, 2.5, -3.5], dtype=np.float32)
    assert_parity(lambda t, a, b: t.remainder(a, b), a, np.array(2.0))


@pytest.mark.parametrize(
    "fn",
    [
        lambda t, a, b: t.remainder(a, b),
        lambda t, a, b: a % 2,
        lambda t, a, b: t.div(a, b, rounding_mode="floor"),
        lambda t, a, b: t.div(a, b, rounding_mode="trunc"),
        lambda t, a, b: t.div(a, 2, rounding_mode="floor"),
        lambda t, a, b: a // b,
        lambda t, a, b: a // 2,
        lambda t, a, b: 5 // a,
        lambda t, a, b: 5 % a,
    ],
    ids=[
        "rem",
        "rem_scalar",
        "div_floor",
        "div_trunc",
        "div_floor_scalar",
        "floordiv",
        "floordiv_scalar",
        "rfloordiv",
        "rmod",
    ],
)
def test_rounding_ops_record_pytorchs_nodes(fn):
    results = []
    for lib in (minitorch, torch):
        a = lib.tensor([1.5, 2.5, -3.5], requires_grad=True)
        b = lib.tensor([2.0, -1.5, 1.2], requires_grad=True)
        out = fn(lib, a, b)
        name = grad_fn_name(out)
        # PyTorch names its node for ops without a derivative torch::autograd::NotImplemented;
        # type(grad_fn).__name__ (what its repr prints) is NotImplemented
        results.append((out.requires_grad, name.removeprefix("torch::autograd::"), edge_count(out)))
    assert results[0] == results[1]


@pytest.mark.parametrize("mode", ["floor", "trunc"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rounded_division_is_differentiable_with_zero_gradients(mode, dtype):
    a = RNG.uniform(-6, 6, (2, 3)).astype(dtype)
    b = (RNG.choice([-1, 1], (3,)) * RNG.uniform(0.3, 2.0, (3,))).astype(dtype)
    assert_parity(lambda t, a, b: t.div(a, b, rounding_mode=mode), a, b)
    assert_parity(lambda t, a: t.div(a, 0.7, rounding_mode=mode), a)


def test_floor_division_follows_python_floor_semantics():
    # 1.0 / 0.1 rounds to 10.0, but 1.0 // 0.1 is 9.0 in Python and PyTorch
    a = np.array([1.0, -1.0, 7.5, 0.0, 1.0], dtype=np.float64)
    b = np.array([0.1, 0.1, -2.0, 3.0, 0.0], dtype=np.float64)
    assert_parity(lambda t, a, b: t.div(a, b, rounding_mode="floor"), a, b)
    assert_parity(lambda t, a, b: t.floor_divide(a, b), a, b, grad=False)


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_integer_rounded_division_is_exact(mode):
    a = np.array([2**62 + 1, -7, 7, -(2**62) - 3])
    b = np.array([1, 2, -2, 3])
    assert_parity(lambda t, a, b: t.div(a, b, rounding_mode=mode), a, b)
    assert_parity(lambda t, a, b: a % b, a, b)


@pytest.mark.parametrize(
    "fn",
    [
        lambda t, a: (a // 2).sum().backward(),
        lambda t, a: (5 // a).sum().backward(),
        lambda t, a: (5 % a).sum().backward(),
    ],
    ids=["floordiv", "rfloordiv", "rmod"],
)
def test_backward_through_ops_without_a_derivative_raises(fn):
    def run(lib):
        fn(lib, lib.tensor([1.5, 2.5, -3.5], requires_grad=True))

    assert_same_outcome(run)


def test_integer_rounding_ops_on_bool_are_not_implemented():
    for fn in (
        lambda t: t.tensor([True]) // t.tensor([True]),
        lambda t: t.tensor([True]) % t.tensor([True]),
        lambda t: t.div(t.tensor([True]), t.tensor([True]), rounding_mode="trunc"),
    ):
        assert_same_outcome(fn)


# ------------------------------------------------------------------ 11: maximum, minimum
@pytest.mark.parametrize("op", ["maximum", "minimum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extremes_propagate_nan_in_values_and_gradients(op, dtype):
    a = np.array([NAN, 1.0, NAN, 2.0, 3.0, np.inf, -np.inf], dtype=dtype)
    b = np.array([0.0, NAN, NAN, 2.0, 1.0, np.inf, 5.0], dtype=dtype)
    assert_parity(lambda t, a, b: getattr(t, op)(a, b), a, b)
    assert_parity(lambda t, a, b: getattr(t, op)(b, a), a, b)


def test_max_and_min_of_two_tensors_propagate_nan():
    a = np.array([1.0, NAN, 3.0], dtype=np.float32)
    b = np.array([NAN, 2.0, 3.0], dtype=np.float32)
    assert_parity(lambda t, a, b: t.max(a, b), a, b)
    assert_parity(lambda t, a, b: t.min(a, b), a, b)


# a few values, so that ties are common; NaN and inf among them
FEW_VALUES = st.sampled_from([-1.0, 0.0, 0.5, 2.0, NAN, np.inf])


@given(data=st.data(), dtype=float_dtypes(), shape_pair=broadcastable(2))
def test_extremes_with_nans_and_ties(data, dtype, shape_pair):
    a = data.draw(hnp.arrays(dtype, shape_pair[0], elements=FEW_VALUES))
    b = data.draw(hnp.arrays(dtype, shape_pair[1], elements=FEW_VALUES))
    assert_parity(lambda t, a, b: t.maximum(a, b), a, b)
    assert_parity(lambda t, a, b: t.minimum(a, b), a, b)


def test_extremes_of_integers_keep_the_integer_dtype():
    def fn(lib):
        return lib.maximum(lib.tensor([1, 7], dtype=lib.int32), lib.tensor(2**40))

    assert_same_outcome(fn)
    assert_same_outcome(lambda t: t.minimum(t.tensor([1, 7], dtype=t.int8), t.tensor([3, 2])))


def test_extremes_need_a_tensor_operand():
    assert_same_outcome(lambda t: t.maximum(t.tensor([1.0]), 2.0))


# ------------------------------------------------------------------ 12: cross-entropy, huge ties
HUGE_LOGITS = np.array(
    [[1e17, 1e17, 1e17], [1e30, 1e30, -1e30], [3e8, -2e8, 3e8], [0.5, -1.0, 2.0]]
)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "options",
    [{}, {"label_smoothing": 0.1}, {"weight": np.array([1.0, 2.0, 0.5])}],
    ids=["plain", "smoothing", "weights"],
)
def test_cross_entropy_of_huge_tied_logits(reduction, dtype, options):
    x = HUGE_LOGITS.astype(dtype)
    target = np.array([0, 1, 2, 1])
    weight = options.get("weight")
    smoothing = options.get("label_smoothing", 0.0)

    def fn(t, x, target, *weight):
        kwargs = {"weight": weight[0]} if weight else {}
        return t.nn.functional.cross_entropy(
            x, target, reduction=reduction, label_smoothing=smoothing, **kwargs
        )

    extra = [Input(weight.astype(dtype), requires_grad=False)] if weight is not None else []
    assert_parity(fn, x, target, *extra)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_of_huge_tied_logits_with_probability_targets(dtype):
    x = HUGE_LOGITS.astype(dtype)
    probs = RNG.dirichlet(np.ones(3), size=4).astype(dtype)
    for smoothing in (0.0, 0.2):
        assert_parity(
            lambda t, x, p, s=smoothing: t.nn.functional.cross_entropy(x, p, label_smoothing=s),
            x,
            probs,
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_and_logsumexp_of_huge_ties(dtype):
    x = HUGE_LOGITS.astype(dtype)
    assert_parity(lambda t, x: t.log_softmax(x, 1), x)
    assert_parity(lambda t, x: t.logsumexp(x, 1), x)


# ------------------------------------------------------------------ 13: float16 reductions
HALF_FULL = np.full((1000,), 100.0, dtype=np.float16)  # sums to 1e5, past float16's 65504
HALF_ROWS = (RNG.standard_normal((4, 300)) * 60 + 200).astype(np.float16)
HALF_SMALL_INTEGERS = RNG.choice([-2.0, -1.0, 0.5, 1.0, 2.0, 3.0], (3, 6)).astype(np.float16)

HALF_REDUCTIONS = [
    ("mean", lambda t, x: x.mean(), HALF_FULL),
    ("mean_dim", lambda t, x: x.mean(1), HALF_ROWS),
    ("mean_dim0", lambda t, x: x.mean(0), HALF_ROWS),
    ("sum_overflows", lambda t, x: x.sum(), HALF_FULL),
    ("sum_dim", lambda t, x: x.sum(1), HALF_ROWS),
    ("sum_dim0_strided", lambda t, x: (x / 64).sum(0), HALF_ROWS),
    ("sum_as_float32", lambda t, x: x.sum(dtype=t.float32), HALF_FULL),
    ("var", lambda t, x: x.var(), HALF_FULL),
    ("std", lambda t, x: x.std(), HALF_FULL),
    ("var_dim", lambda t, x: x.var(1), HALF_ROWS),
    ("std_dim", lambda t, x: x.std(1), HALF_ROWS),
    ("var_all", lambda t, x: x.var(), HALF_ROWS),
    ("std_biased", lambda t, x: x.std(0, correction=0), HALF_ROWS),
    # exact products: PyTorch multiplies half in half, in its own order (not compared here)
    ("prod_dim", lambda t, x: x.prod(1), HALF_SMALL_INTEGERS),
    ("prod_dim0", lambda t, x: x.prod(0), HALF_SMALL_INTEGERS),
    ("prod_overflows", lambda t, x: (x * 16).prod(), HALF_SMALL_INTEGERS),
    ("logsumexp", lambda t, x: t.logsumexp(x, 1), HALF_ROWS),
    ("logsumexp_full", lambda t, x: t.logsumexp(x, 0), HALF_FULL),
    ("softmax", lambda t, x: t.softmax(x / 60, 1), HALF_ROWS),
    ("softmax_dim0", lambda t, x: t.softmax(x / 60, 0), HALF_ROWS),
    ("log_softmax", lambda t, x: t.log_softmax(x / 60, 1), HALF_ROWS),
    ("l1_mean", lambda t, x: t.nn.functional.l1_loss(x, t.zeros_like(x)), HALF_FULL),
    ("l1_sum", lambda t, x: t.nn.functional.l1_loss(x, x * 0, reduction="sum"), HALF_FULL),
    ("mse_mean", lambda t, x: t.nn.functional.mse_loss(x / 10, t.zeros_like(x)), HALF_FULL),
    ("mse_dim_rows", lambda t, x: t.nn.functional.mse_loss(x / 4, x * 0), HALF_ROWS),
]


@pytest.mark.parametrize(("name", "fn", "x"), HALF_REDUCTIONS, ids=[r[0] for r in HALF_REDUCTIONS])
def test_float16_reductions_accumulate_like_pytorch(name, fn, x):
    assert_parity(fn, x)


def test_float16_mean_of_many_hundreds():
    for lib in (minitorch, torch):
        assert lib.full((1000,), 100.0, dtype=lib.float16).mean().item() == 100.0


# ------------------------------------------------------------------ 14: integer edge cases
@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t.tensor(2**63),
        lambda t: t.tensor(-(2**63) - 1),
        lambda t: t.tensor(-(2**63)),
        lambda t: t.tensor(2**64),
        lambda t: t.tensor([1, 2**63]),
        lambda t: t.tensor([-1, 2**63]),
        lambda t: t.tensor([1.5, 2**63]),
        lambda t: t.tensor([[1], [2**70]]),
        lambda t: t.tensor([2**63, True]),
        lambda t: t.tensor(2**63, dtype=t.float32),
        lambda t: t.tensor([2**64, 1], dtype=t.float64),
        lambda t: t.tensor(2**64, dtype=t.bool),
        lambda t: t.tensor(2**63, dtype=t.uint8),
        lambda t: t.tensor([1.5, 2**63], dtype=t.int64),
        lambda t: t.tensor(300, dtype=t.uint8),
        lambda t: t.tensor([-1, -255], dtype=t.uint8),
        lambda t: t.tensor(-256, dtype=t.uint8),
        lambda t: t.tensor([300, -1], dtype=t.int8),
        lambda t: t.tensor([127.9, -128.0], dtype=t.int8),
        lambda t: t.tensor(-128.5, dtype=t.int8),
        lambda t: t.tensor([1.5, NAN], dtype=t.int16),
        lambda t: t.tensor(2**31, dtype=t.int32),
        lambda t: t.tensor(2.0**63, dtype=t.int64),
        lambda t: t.tensor(1e300, dtype=t.float32),
        lambda t: t.full((2,), 2**63),
        lambda t: t.full((2,), 2**64),
        lambda t: t.full((2,), -(2**63) - 1),
        lambda t: t.full((2,), 300, dtype=t.uint8),
        lambda t: t.full((2,), -1, dtype=t.uint8),
        lambda t: t.full((2,), 2**31, dtype=t.int32),
        lambda t: t.full((2,), 127.9, dtype=t.int8),
        lambda t: t.full((2,), 1e300, dtype=t.float32),
        lambda t: t.full((2,), 1e6, dtype=t.float16),
        lambda t: t.full((2,), 2**63, dtype=t.float32),
    ],
)
def test_python_ints_out_of_range(fn):
    assert_same_outcome(fn)


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t.tensor([5, -7, 3]) // 0,
        lambda t: t.tensor([5, -7, 3]) % 0,
        lambda t: t.tensor([5, -7, 3]) // t.tensor([1, 0, 2]),
        lambda t: t.tensor([5, -7, 3]) % t.tensor([1, 0, 2]),
        lambda t: t.div(t.tensor([5, -7]), 0, rounding_mode="trunc"),
        lambda t: t.div(t.tensor([5, -7]), 0, rounding_mode="floor"),
        lambda t: t.tensor([[1], [2]]) // t.tensor([0, 1]),
        lambda t: t.tensor(5) // t.tensor(0),
        lambda t: t.tensor([5], dtype=t.uint8) // t.tensor([0], dtype=t.uint8),
        lambda t: t.remainder(t.tensor([5, -5]), t.tensor([True, False])),
        lambda t: t.tensor([5], dtype=t.int32) // 2**40,  # the divisor wraps to 0
        lambda t: t.tensor([], dtype=t.int64) // t.tensor(0),  # nothing is divided
        lambda t: t.tensor([5, -7]) / 0,
        lambda t: t.tensor([5, -7]) // 0.0,
        lambda t: t.tensor([5, -7]) % 0.0,
        lambda t: 5 % t.tensor([0, 3]),
    ],
)
def test_integer_division_by_zero(fn):
    assert_same_outcome(fn)


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t.tensor([t.tensor([1.0]), t.tensor([2.0])]),
        lambda t: t.tensor([t.tensor([[1.0]]), t.tensor([[2.0]])]),
        lambda t: t.tensor([t.tensor(1.0), t.tensor(2.0)]),
        lambda t: t.tensor([t.tensor(1), t.tensor(2.0)]),
        lambda t: t.tensor([t.tensor(1), 2.5]),
        lambda t: t.tensor((t.tensor(1.0), t.tensor(2.0))),
        lambda t: t.tensor([[t.tensor(1.0)], [t.tensor(2.0)]]),
        lambda t: t.tensor([[1.0, 2.0], t.tensor([3.0, 4.0])]),
        lambda t: t.tensor([[1.0, 2.0], t.tensor([3.0, 4.0], dtype=t.float64)]),
        lambda t: t.tensor([t.tensor(1.0, dtype=t.float64), t.tensor(2.0, dtype=t.float64)]),
        lambda t: t.tensor([t.tensor([1.0], dtype=t.float64)]),
        lambda t: t.tensor([t.tensor(1, dtype=t.int8), t.tensor(2, dtype=t.int8)]),
        lambda t: t.tensor([t.tensor(1, dtype=t.int8), 2]),
        lambda t: t.tensor([t.tensor(1, dtype=t.uint8), t.tensor(2, dtype=t.int8)]),
        lambda t: t.tensor([t.tensor(1.0, dtype=t.float16), 2]),
        lambda t: t.tensor([t.tensor(True), t.tensor(False)]),
        lambda t: t.tensor([t.tensor(True), 2]),
        lambda t: t.tensor([t.tensor(True), 2.5]),
        lambda t: t.tensor([t.tensor(2)], dtype=t.float32),
        lambda t: t.tensor([t.tensor(300)], dtype=t.uint8),
        lambda t: t.tensor([t.tensor(1.5)], dtype=t.int64),
        lambda t: t.tensor([t.tensor([1, 2]), [3, 4]]),
        lambda t: t.tensor([t.tensor([1.0, 2.0]), t.tensor([3, 4])]),
        lambda t: t.tensor([t.tensor([1.0]), t.tensor([2.0, 3.0])]),
        lambda t: t.tensor([t.tensor([]), 2.0]),
        lambda t: t.tensor([t.tensor(1.0), [2.0]]),
        lambda t: t.tensor([t.tensor(1), 2**63]),
    ],
)
def test_tensors_inside_lists(fn):
    assert_same_outcome(fn)


WRAPPING = [
    ("int32_plus_2**40", lambda t, x: x + 2**40, np.int32),
    ("int32_plus_2**31", lambda t, x: x + 2**31, np.int32),
    ("int32_minus_2**40", lambda t, x: x - 2**40, np.int32),
    ("2**40_minus_int32", lambda t, x: 2**40 - x, np.int32),
    ("int32_times_2**40", lambda t, x: x * 2**40, np.int32),
    ("int8_times_200", lambda t, x: x * 200, np.int8),
    ("200_times_int8", lambda t, x: 200 * x, np.int8),
    ("int8_plus_200", lambda t, x: x + 200, np.int8),
    ("int8_minus_200", lambda t, x: x - 200, np.int8),
    ("uint8_plus_300", lambda t, x: x + 300, np.uint8),
    ("uint8_minus_300", lambda t, x: x - 300, np.uint8),
    ("uint8_plus_minus_one", lambda t, x: x + -1, np.uint8),
    ("int8_plus_2**63", lambda t, x: x + 2**63, np.int8),
    ("int64_plus_2**63", lambda t, x: x + 2**63, np.int64),
    ("int8_mod_300", lambda t, x: x % 300, np.int8),
    ("int32_div_2**40", lambda t, x: x / 2**40, np.int32),
    ("int32_eq_2**40", lambda t, x: x == 2**40, np.int32),
    ("int32_lt_2**40", lambda t, x: x < 2**40, np.int32),
    ("int32_gt_2**40", lambda t, x: x > 2**40, np.int32),
    ("int8_eq_257", lambda t, x: x == 257, np.int8),
    ("int8_lt_300", lambda t, x: x < 300, np.int8),
    ("uint8_eq_256", lambda t, x: x == 256, np.uint8),
    ("int64_eq_2**63", lambda t, x: x == 2**63, np.int64),
    ("int32_and_2**40", lambda t, x: x & 2**40, np.int32),
    ("int32_or_2**40", lambda t, x: x | 2**40, np.int32),
    ("bool_plus_2**40", lambda t, x: (x > 2) + 2**40, np.int32),
    ("float16_plus_2**40", lambda t, x: x.to(t.float16) + 2**40, np.int32),
    ("float16_times_1e300", lambda t, x: x.to(t.float16) * 1e300, np.int32),
    ("float32_plus_2**63", lambda t, x: x.to(t.float32) + 2**63, np.int32),
]


@pytest.mark.parametrize(("name", "fn", "dtype"), WRAPPING, ids=[w[0] for w in WRAPPING])
def test_python_ints_wrap_to_the_tensor_dtype(name, fn, dtype):
    assert_parity(fn, np.array([1, 3, 100], dtype=dtype))


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t.tensor([1]) + 2**64,
        lambda t: t.tensor([1]) < 2**64,
        lambda t: t.tensor([1.0]) + 2**200,
        lambda t: t.tensor([1], dtype=t.int32).add_(2**40),
    ],
)
def test_python_ints_beyond_64_bits_overflow(fn):
    assert_same_outcome(fn)


# ------------------------------------------------------------------ 15: empty shapes
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "bias"),
    [
        ((4, 3), (0, 3), True),
        ((2, 5, 3), (0, 3), False),
        ((4, 0), (2, 0), True),
        ((0, 3), (2, 3), True),
    ],
)
def test_linear_with_an_empty_dimension(x_shape, w_shape, bias):
    x = RNG.standard_normal(x_shape).astype(np.float32)
    w = RNG.standard_normal(w_shape).astype(np.float32)
    b = [RNG.standard_normal(w_shape[:1]).astype(np.float32)] if bias else []
    assert_parity(lambda t, x, w, *b: t.nn.functional.linear(x, w, *b), x, w, *b)


def test_linear_module_without_outputs():
    results = []
    for lib in (minitorch, torch):
        layer = lib.nn.Linear(3, 0)
        x = lib.ones(4, 3, requires_grad=True)
        out = layer(x)
        out.sum().backward()
        results.append(
            (
                tuple(out.shape),
                grad_fn_name(out),
                x.grad.tolist(),
                tuple(layer.weight.grad.shape),
                tuple(layer.bias.grad.shape),
            )
        )
    assert results[0] == results[1]


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0,), (2, 0, 4), (0, 0), (0, 3, 0)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_of_empty_inputs_with_probability_targets(shape, reduction, label_smoothing):
    x = np.zeros(shape, dtype=np.float32)
    assert_parity(
        lambda t, x, p: t.nn.functional.cross_entropy(
            x, p, reduction=reduction, label_smoothing=label_smoothing
        ),
        x,
        Input(np.zeros(shape, dtype=np.float32), requires_grad=False),
    )


@pytest.mark.parametrize(
    ("shape", "target"),
    [
        ((0, 3), np.zeros(0, np.int64)),
        ((0, 0), np.zeros(0, np.int64)),
        ((3, 0), np.full(3, -100)),
        ((0,), np.array(-100)),
        ((0, 3, 2), np.zeros((0, 2), np.int64)),
    ],
)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_of_empty_inputs_with_class_targets(
    shape, target, reduction, label_smoothing
):
    assert_parity(
        lambda t, x, y: t.nn.functional.cross_entropy(
            x, y, reduction=reduction, label_smoothing=label_smoothing
        ),
        np.zeros(shape, dtype=np.float32),
        target,
    )


def _zeros(shape, dtype, requires_grad=False):
    return Input(np.zeros(shape, dtype=dtype), requires_grad=requires_grad)


MATMUL_CASES = [
    # (left shape, left dtype, left requires grad, right ...)
    ((0, 0), np.int64, False, (2, 0, 3), np.float64, False),
    ((0, 0), np.int64, False, (2, 0, 3), np.float64, True),
    ((2, 2), np.int64, False, (2, 2, 3), np.float64, False),
    ((0,), np.int64, False, (2, 0, 3), np.float64, False),
    ((2, 0, 0), np.int64, False, (0, 3), np.float64, False),
    ((2, 0, 0), np.int64, False, (2, 0, 3), np.float64, False),
    ((2, 0, 2), np.float32, False, (2, 3), np.float64, False),
    ((3, 2), np.float32, False, (2, 2, 3), np.float64, False),
    ((0, 2), np.float32, False, (2, 2, 3), np.float64, False),
    ((0, 3), np.float32, True, (2, 3, 2), np.float64, False),
    ((0, 3), np.float32, False, (2, 3, 2), np.float64, True),
    ((2,), np.float32, False, (2, 2, 3), np.float64, False),
    ((2, 2, 2), np.float32, False, (2,), np.float64, False),
    ((2, 2, 2), np.int64, False, (2,), np.float64, False),
    ((2, 2, 2), np.float32, False, (2, 2, 2), np.float64, False),
    ((0, 2, 2), np.float32, False, (0, 2, 2), np.float64, False),
    ((2, 2, 2), np.float32, True, (2, 3), np.float64, False),
    ((2, 3, 0), np.float32, False, (2, 0, 4), np.float64, False),
    ((2, 3, 0), np.float64, False, (2, 0, 4), np.float32, True),
    ((2, 1, 3, 0), np.float32, False, (2, 0, 4), np.float64, False),
    ((2, 3, 0), np.bool_, False, (2, 0, 4), np.float64, False),
    ((2, 3, 0), np.bool_, False, (2, 0, 4), np.bool_, False),
    ((2, 3, 1), np.bool_, False, (2, 1, 4), np.bool_, False),
    ((2, 2), np.float32, False, (2,), np.float64, False),
]


@pytest.mark.parametrize(
    ("a_shape", "a_dtype", "a_grad", "b_shape", "b_dtype", "b_grad"), MATMUL_CASES
)
def test_matmul_of_mixed_dtypes(a_shape, a_dtype, a_grad, b_shape, b_dtype, b_grad):
    # whether an operand requires grad changes PyTorch's path (and so its checks)
    outcome_pair = []
    for lib in (minitorch, torch):
        left = lib.tensor(np.zeros(a_shape, a_dtype), requires_grad=a_grad)
        right = lib.tensor(np.zeros(b_shape, b_dtype), requires_grad=b_grad)
        try:
            out = left @ right
            outcome_pair.append(
                (tuple(out.shape), str(out.dtype).split(".")[-1], out.requires_grad)
            )
        except Exception as error:  # noqa: BLE001 - the exception is what we compare
            outcome_pair.append((type(error).__name__, str(error)))
    assert outcome_pair[0] == outcome_pair[1]


def test_matmul_of_an_empty_integer_matrix_and_a_float_batch_backpropagates():
    a = _zeros((0, 0), np.int64)
    b = np.zeros((2, 0, 3))
    assert_parity(lambda t, a, b: a @ b, a, b)


def test_mixed_dtype_bmm_is_still_refused():
    assert_same_error(lambda t, a, b: a @ b, np.ones((2, 2, 2), np.float32), np.ones((2, 2, 2)))


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.full((2,), 1j, dtype=m.float32),
        lambda m: m.full((2,), 1 + 0j, dtype=m.float32),
        lambda m: m.full((2,), 2 + 0j, dtype=m.int64),
        lambda m: m.full((2,), 1j, dtype=m.bool),
        lambda m: m.full_like(m.ones(2), 1j),
    ],
)
def test_full_with_a_complex_value_into_a_real_dtype_as_torch(make):
    """A complex fill value keeps its real part only when it has no imaginary part (it used
    to drop the imaginary part silently)."""
    try:
        expected = make(torch)
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match=re.escape(str(error))):
            make(minitorch)
    else:
        assert make(minitorch).tolist() == expected.tolist()
