"""Parity of reductions (sum, mean, prod, max/min, var/std, logsumexp, any/all) and softmax."""

import warnings

import numpy as np
import pytest
from _outcomes import assert_same_outcome
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import Input, assert_parity, assert_same_error
from minitorch.testing.strategies import (
    arrays,
    dims,
    float_dtypes,
    reduction_dims,
    shapes,
    transposed,
)

# float32 sums of up to 60 numbers may round differently from PyTorch's (another summation order).
F32_REDUCTION = {"rtol": 1e-5, "atol": 1e-5}


def tolerance(dtype: np.dtype) -> dict:
    return F32_REDUCTION if dtype == np.float32 else {}


# (name, call, options for the values): ``call(lib, x, dim, keepdim)`` with dim None | int | tuple.
DIM_REDUCTIONS = [
    ("sum", lambda t, x, d, k: x.sum() if d is None else x.sum(d, keepdim=k), {}),
    ("sum_fn", lambda t, x, d, k: x.sum(dim=d, keepdim=k) if d is not None else x.sum(), {}),
    ("mean", lambda t, x, d, k: x.mean() if d is None else x.mean(d, keepdim=k), {}),
    ("amax", lambda t, x, d, k: x.amax(() if d is None else d, keepdim=k), {"distinct": True}),
    ("amin", lambda t, x, d, k: x.amin(() if d is None else d, keepdim=k), {"distinct": True}),
    ("var", lambda t, x, d, k: x.var(d, keepdim=k), {}),
    ("var_biased", lambda t, x, d, k: x.var(d, keepdim=k, correction=0), {}),
    ("std", lambda t, x, d, k: x.std(d, keepdim=k), {"min_magnitude": 0.1, "distinct": True}),
    ("std_unbiased_false", lambda t, x, d, k: x.std(d, False, k), {"distinct": True}),
    # PyTorch's logsumexp fails on dim=() (a shape check of its own), so None means every dim.
    (
        "logsumexp",
        lambda t, x, d, k: x.logsumexp(tuple(range(x.dim())) or 0 if d is None else d, k),
        {},
    ),
]


# var/std of one element (degrees of freedom <= 0) is nan on both sides; PyTorch also warns.
@pytest.mark.filterwarnings("ignore:var\\(\\)|std\\(\\)")
@pytest.mark.parametrize(
    ("name", "call", "values"), DIM_REDUCTIONS, ids=[r[0] for r in DIM_REDUCTIONS]
)
@given(data=st.data(), dtype=float_dtypes())
def test_dim_reduction(name, call, values, data, dtype):
    shape = data.draw(shapes(), label="shape")
    x = data.draw(arrays(shape, dtype, **values), label="x")
    dim = data.draw(reduction_dims(len(shape)), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    assert_parity(lambda t, a: call(t, a, dim, keepdim), x, **tolerance(dtype))


# (name, call(lib, x, dim, keepdim), value options) for reductions taking a single int dim.
SINGLE_DIM = [
    (
        "prod",
        lambda t, x, d, k: x.prod() if d is None else x.prod(d, keepdim=k),
        {"low": -2, "high": 2},
    ),
    (
        "max_dim",
        lambda t, x, d, k: x.max() if d is None else x.max(d, keepdim=k),
        {"distinct": True},
    ),
    (
        "min_dim",
        lambda t, x, d, k: x.min() if d is None else x.min(d, keepdim=k),
        {"distinct": True},
    ),
    (
        "max_fn",
        lambda t, x, d, k: t.max(x) if d is None else tuple(t.max(x, d, k)),
        {"distinct": True},
    ),
    (
        "min_fn",
        lambda t, x, d, k: t.min(x) if d is None else t.min(x, dim=d).values,
        {"distinct": True},
    ),
    ("argmax", lambda t, x, d, k: x.argmax(d, keepdim=k), {"distinct": True}),
    ("argmin", lambda t, x, d, k: x.argmin(d, keepdim=k), {"distinct": True}),
    ("softmax", lambda t, x, d, k: x.softmax(0 if d is None else d), {}),
    ("log_softmax", lambda t, x, d, k: x.log_softmax(-1 if d is None else d), {}),
]


@pytest.mark.parametrize(("name", "call", "values"), SINGLE_DIM, ids=[r[0] for r in SINGLE_DIM])
@given(data=st.data(), dtype=float_dtypes())
def test_single_dim_reduction(name, call, values, data, dtype):
    shape = data.draw(shapes(), label="shape")
    x = data.draw(arrays(shape, dtype, **values), label="x")
    dim = data.draw(st.none() | dims(len(shape)), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    assert_parity(lambda t, a: call(t, a, dim, keepdim), x, **tolerance(dtype))


@given(data=st.data(), dtype=float_dtypes())
def test_reductions_of_a_transposed_view(data, dtype):
    x = data.draw(arrays(shapes(min_dims=2, max_dims=3), dtype, distinct=True))
    x_t = transposed(x)
    assert_parity(lambda t, a: a.mT.sum(-1), x_t, **tolerance(dtype))
    assert_parity(lambda t, a: a.mT.softmax(-1), x_t, **tolerance(dtype))
    assert_parity(lambda t, a: tuple(a.mT.max(0)), x_t)


@given(x=arrays(shapes(min_dims=1, max_dims=3), np.float64), dim=st.integers(-1, 0))
def test_softmax_rows_sum_to_one(x, dim):
    out = minitorch.tensor(x).softmax(dim).numpy()
    np.testing.assert_allclose(out.sum(axis=dim), 1.0, rtol=1e-12)


# ------------------------------------------------------------------ pinned conventions
def test_softmax_is_stable_for_large_inputs():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]], dtype=np.float32)
    assert_parity(lambda t, a: t.softmax(a, 1), x)
    assert_parity(lambda t, a: t.log_softmax(a, 1), x)
    assert_parity(lambda t, a: t.logsumexp(a, 1), x)


def test_full_max_splits_the_gradient_among_ties():
    x = np.array([1.0, 3.0, 3.0, 0.0, 3.0])
    assert_parity(lambda t, a: a.max(), x)
    assert_parity(lambda t, a: a.min(), -x)
    assert_parity(lambda t, a: a.amax(), x)
    assert_parity(lambda t, a: t.amax(a.reshape(1, 5), 1), x)


def test_max_along_dim_picks_the_first_tie_and_gives_it_the_gradient():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    assert_parity(lambda t, a: tuple(a.max(1)), x)
    assert_parity(lambda t, a: tuple(a.min(0)), x)
    assert_parity(lambda t, a: a.argmax(1), x)
    out = minitorch.tensor(x).max(1)
    assert out.indices.tolist() == [1, 0] and out.values.tolist() == [3.0, 2.0]
    assert type(out).__name__ == "max" and out[0] is out.values


def test_prod_gradient_with_zeros():
    for x in ([2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [[1.0, 0.0], [2.0, 5.0]]):
        assert_parity(lambda t, a: a.prod(), np.array(x))
        assert_parity(lambda t, a: a.prod(-1), np.array(x))


def test_max_of_two_tensors_is_maximum():
    a, b = np.array([1.0, 5.0, -2.0]), np.array([2.0, 4.0, -3.0])
    assert_parity(lambda t, x, y: t.max(x, y), a, b)
    assert_parity(lambda t, x, y: t.min(x, y), a, b)


def test_zero_dim_inputs():
    x = np.array(2.5)
    for call in (
        lambda t, a: a.sum(0),
        lambda t, a: a.sum(-1, keepdim=True),
        lambda t, a: a.mean(),
        lambda t, a: tuple(a.max(0)),
        lambda t, a: a.softmax(0),
        lambda t, a: a.argmax(0),
        lambda t, a: a.prod(0),
    ):
        assert_parity(call, x)


# PyTorch warns about var's degrees of freedom; the parity helper subtracts -inf from -inf.
@pytest.mark.filterwarnings("ignore:var\\(\\)", "ignore:invalid value encountered in subtract")
@pytest.mark.parametrize(
    "call",
    [
        lambda t, a: a.sum(0),
        lambda t, a: a.mean(1),
        lambda t, a: a.amax(1),
        lambda t, a: a.prod(0),
        lambda t, a: a.var(0),
        lambda t, a: a.softmax(0),
        lambda t, a: a.logsumexp(0),
        lambda t, a: tuple(a.max(1)),
    ],
)
def test_empty_inputs(call):
    assert_parity(call, np.zeros((0, 3)))


# ------------------------------------------------------------------ dtypes
INT_CASES = [
    lambda t, a: a.sum(),
    lambda t, a: a.sum(0),
    lambda t, a: a.sum(dtype=t.float64),
    lambda t, a: a.prod(),
    lambda t, a: a.max(),
    lambda t, a: tuple(a.max(0)),
    lambda t, a: a.amin(1),
    lambda t, a: a.argmax(),
    lambda t, a: a.argmin(1, keepdim=True),
    lambda t, a: a.any(),
    lambda t, a: a.all(1),
    lambda t, a: a.any((0, 1), keepdim=True),
    lambda t, a: a.mean(dtype=t.float64),
    lambda t, a: a.logsumexp(1),
]


@pytest.mark.parametrize("call", INT_CASES)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_reductions(call, dtype):
    x = (np.arange(12).reshape(3, 4) % 5).astype(dtype)
    if dtype == np.bool_ and call in (INT_CASES[7], INT_CASES[8]):
        assert_same_error(call, x)  # argmax/argmin refuse bool
        return
    assert_parity(call, x)


def test_sum_with_dtype_keeps_the_gradient_in_the_input_dtype():
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    assert_parity(lambda t, a: a.sum(1, dtype=t.float64), x)
    assert_parity(lambda t, a: t.softmax(a, 0, dtype=t.float64), x)


# ------------------------------------------------------------------ errors
ERRORS = [
    ("mean_of_int", lambda t, a: a.long().mean()),
    ("var_of_int", lambda t, a: a.long().var()),
    ("softmax_of_int", lambda t, a: a.long().softmax(0)),
    ("dim_out_of_range", lambda t, a: a.sum(2)),
    ("repeated_dim", lambda t, a: a.sum((0, 0))),
    ("max_of_empty", lambda t, a: a[:0].max()),
    ("max_dim_of_empty", lambda t, a: a[:0].max(0)),
    ("argmax_of_empty", lambda t, a: a[:0].argmax()),
    ("amax_of_empty", lambda t, a: a[:0].amax()),
    ("amax_along_empty_dim", lambda t, a: a[:0].amax(0)),
    ("argmin_along_empty_dim", lambda t, a: a[:0].argmin(0)),
    ("logsumexp_without_dim", lambda t, a: a.logsumexp()),
]


@pytest.mark.parametrize(("name", "call"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, call):
    assert_same_error(call, Input(np.ones((2, 3)), requires_grad=False))


def test_mean_of_int_message_names_the_dtype():
    with pytest.raises(RuntimeError, match="Got: Long"):
        minitorch.tensor([1, 2]).mean()


def test_reductions_are_exported_and_attached():
    x = minitorch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert minitorch.sum(x).item() == x.sum().item() == 10.0
    assert minitorch.mean(x, 0).tolist() == [2.0, 3.0]
    assert minitorch.max(x, 1).values.tolist() == [2.0, 4.0]
    assert minitorch.var(x, unbiased=False).item() == pytest.approx(1.25)


# ------------------------------------------------------------------ amax/amin(out=), softmax's dim
@given(data=st.data(), dtype=float_dtypes())
def test_amax_amin_into_out(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    dim = data.draw(reduction_dims(x.ndim))
    keepdim = data.draw(st.booleans())
    out_shape = data.draw(shapes(max_dims=2, max_elements=8))

    def run(t, a):
        outs = []
        for reduce in (t.amax, t.amin):
            out = t.full(out_shape, -7.0, dtype=a.dtype)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # the resize warning
                assert reduce(a, dim if dim is not None else (), keepdim, out=out) is out
            outs += [out, out._version]
        return outs

    assert_parity(run, Input(x, requires_grad=False))


AMAX_OUT_CALLS = [
    lambda t, a: t.amax(a, 1, out=t.zeros(2, dtype=t.float64)),  # out keeps the input's dtype
    lambda t, a: t.amax(a.long(), 1, out=t.zeros(2)),
    lambda t, a: t.amin(a, 0, out=t.zeros(2, 2)),
    lambda t, a: t.amax(a, out=t.zeros(())),
    lambda t, a: t.amax(a, 1, out=t.zeros(1).expand(2)),  # a reduction writes into shared memory
    lambda t, a: t.amax(a[:0], 0, out=t.zeros(2)),
    lambda t, a: t.amax(a[:0], 1, out=t.zeros(2)),
    lambda t, a: t.amax(a.requires_grad_(), 1, out=t.zeros(2)),
    lambda t, a: t.amin(a, 1, out=[1]),
]


@pytest.mark.parametrize("call", AMAX_OUT_CALLS)
@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")
def test_amax_amin_out_follow_pytorch(call):
    assert_same_outcome(call, Input(np.arange(6.0).reshape(2, 3), requires_grad=False))


SOFTMAX_BAD_DIMS = [
    lambda t, a: t.softmax(a, True),  # a bool or a float is no dim
    lambda t, a: t.softmax(a, 1.0),
    lambda t, a: t.log_softmax(a, True),
    lambda t, a: t.softmax(a, None),
    lambda t, a: t.softmax(a, "a"),
    lambda t, a: a.softmax(True),
    lambda t, a: a.softmax(1.0),
    lambda t, a: a.log_softmax(1.0),
    lambda t, a: a.softmax(None),
]


@pytest.mark.parametrize("call", SOFTMAX_BAD_DIMS)
def test_softmax_dim_must_be_an_int(call):
    assert_same_outcome(call, Input(np.ones((2, 3)), requires_grad=False))


def test_softmax_takes_an_integer_tensor_or_numpy_int_as_dim():
    x = np.array([[0.5, -1.0, 2.0], [0.0, 1.0, 3.0]])
    assert_parity(lambda t, a: t.softmax(a, t.tensor(1)), x)
    assert_parity(lambda t, a: a.log_softmax(np.int64(-1)), x)


def test_softmax_modules_refuse_a_bool_or_float_dim():
    # PyTorch refuses these in the module's constructor; minitorch in the call, one floor down
    with pytest.raises(TypeError):
        minitorch.nn.Softmax(dim=True)(minitorch.ones(2, 3))
    with pytest.raises(TypeError):
        minitorch.nn.LogSoftmax(dim=1.0)(minitorch.ones(2, 3))


def test_variance_accumulates_in_float64_as_pytorch():
    # found by the dev profile: in float32 the squares of subnormal deviations underflow, and
    # the std (and its gradient) became 0; PyTorch's CPU variance accumulates in double
    x = np.array([[0.0, 1.0], [1.1754944e-38, 1.4012985e-45]], np.float32)
    assert_parity(lambda t, a: a.std(1, False), x)
    assert_parity(lambda t, a: a.var(1), x)
    assert_parity(lambda t, a: t.std(a * 1e-3), np.linspace(-1, 1, 37, dtype=np.float32))
