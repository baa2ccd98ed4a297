"""Parity of matrix products (matmul/@ in all its cases, mm, bmm, mv, dot, outer) and trace."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import Input, assert_parity, assert_same_error
from minitorch.testing.strategies import arrays, float_dtypes, transposed

# float32 products sum k terms in BLAS's order, not PyTorch's: allow a few ulps more.
F32_PRODUCT = {"rtol": 1e-5, "atol": 1e-5}

sides = st.integers(1, 5)


def tolerance(dtype: np.dtype) -> dict:
    return F32_PRODUCT if dtype == np.float32 else {}


@st.composite
def matmul_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Operand shapes covering every matmul case: vectors, matrices, broadcast batches."""
    n, k, m = draw(sides), draw(sides), draw(sides)
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    left = draw(st.sampled_from(["vector", "matrix", "batch"]))
    right = draw(st.sampled_from(["vector", "matrix", "batch"]))

    def batch_of(full: tuple[int, ...]) -> tuple[int, ...]:
        kept = full[draw(st.integers(0, len(full))) :]  # drop leading dims, squash some to 1
        return tuple(1 if draw(st.booleans()) else s for s in kept)

    a = (k,) if left == "vector" else (n, k) if left == "matrix" else batch_of(batch) + (n, k)
    b = (k,) if right == "vector" else (k, m) if right == "matrix" else batch_of(batch) + (k, m)
    return a, b


@given(data=st.data(), dtype=float_dtypes())
def test_matmul(data, dtype):
    shape_a, shape_b = data.draw(matmul_shapes())
    a, b = data.draw(arrays(shape_a, dtype)), data.draw(arrays(shape_b, dtype))
    assert_parity(lambda t, x, y: x @ y, a, b, **tolerance(dtype))
    assert_parity(lambda t, x, y: t.matmul(x, y), a, b, **tolerance(dtype))


@given(data=st.data(), dtype=float_dtypes())
def test_mm_bmm_mv_dot_outer(data, dtype):
    b, n, k, m = (data.draw(sides) for _ in range(4))
    tol = tolerance(dtype)
    assert_parity(
        lambda t, x, y: t.mm(x, y), *(data.draw(arrays(s, dtype)) for s in [(n, k), (k, m)]), **tol
    )
    assert_parity(
        lambda t, x, y: t.bmm(x, y),
        *(data.draw(arrays(s, dtype)) for s in [(b, n, k), (b, k, m)]),
        **tol,
    )
    assert_parity(
        lambda t, x, y: x.mv(y), *(data.draw(arrays(s, dtype)) for s in [(n, k), (k,)]), **tol
    )
    assert_parity(
        lambda t, x, y: t.dot(x, y), *(data.draw(arrays((k,), dtype)) for _ in range(2)), **tol
    )
    assert_parity(lambda t, x, y: t.outer(x, y), *(data.draw(arrays((s,), dtype)) for s in (n, m)))


@given(data=st.data(), dtype=float_dtypes())
def test_matmul_of_transposed_views(data, dtype):
    n, k, m = data.draw(sides), data.draw(sides), data.draw(sides)
    a, b = data.draw(arrays((n, k), dtype)), data.draw(arrays((k, m), dtype))
    assert_parity(lambda t, x, y: x.mT @ y.mT, transposed(a), transposed(b), **tolerance(dtype))


def test_only_one_operand_requires_grad():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    assert_parity(lambda t, x, y: x @ y, a, Input(b, requires_grad=False))
    assert_parity(lambda t, x, y: x @ y, Input(a, requires_grad=False), b)


def test_the_tutorial_linear_layer_shape_stays_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1024)).astype(np.float32)
    w = rng.standard_normal((64, 1024)).astype(np.float32)
    # Sums of 1024 float32 products: PyTorch's and OpenBLAS's orders differ by ~1e-5 relative.
    assert_parity(lambda t, a, b: a @ b.t(), x, w, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_matmul_is_exact(dtype):
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    b = np.arange(12, dtype=dtype).reshape(3, 4)
    assert_parity(lambda t, x, y: x @ y, a, b)
    assert_parity(lambda t, x, y: x[0] @ y[:, 0], a, b)
    assert_parity(lambda t, x, y: x[None] @ y, a, b)


def test_grad_fn_names():
    x = minitorch.ones(3, 4, requires_grad=True)
    assert (x @ x.t()).grad_fn.name() == "MmBackward0"
    assert (x @ x[0]).grad_fn.name() == "MvBackward0"
    assert (x[0] @ x[0]).grad_fn.name() == "DotBackward0"
    assert minitorch.bmm(x[None], x.t()[None]).grad_fn.name() == "BmmBackward0"
    assert minitorch.outer(x[0], x[1]).grad_fn.name() == "MulBackward0"


# ------------------------------------------------------------------ errors
def f32(*shape: int) -> Input:
    return Input(np.ones(shape, np.float32), requires_grad=False)


ERRORS = [
    ("mm_mismatch", lambda t, a, b: a @ b, f32(64, 1000), f32(1024, 64)),
    ("dot_mismatch", lambda t, a, b: a @ b, f32(3), f32(4)),
    ("mv_mismatch", lambda t, a, b: a @ b, f32(2, 3), f32(4)),
    ("vm_mismatch", lambda t, a, b: a @ b, f32(2), f32(3, 4)),
    ("bmm_mismatch", lambda t, a, b: a @ b, f32(2, 3, 4), f32(2, 5, 6)),
    ("batch_mismatch", lambda t, a, b: a @ b, f32(2, 3, 4), f32(3, 4, 6)),
    ("batch_by_matrix_mismatch", lambda t, a, b: a @ b, f32(2, 3, 4), f32(5, 6)),
    ("batch_by_vector_mismatch", lambda t, a, b: a @ b, f32(2, 3, 4), f32(5)),
    ("zero_dim", lambda t, a, b: a[0] @ b, f32(3), f32(3)),
    ("dtype_mismatch", lambda t, a, b: a @ b.double(), f32(2, 3), f32(3, 2)),
    ("int_by_float", lambda t, a, b: a.long() @ b, f32(2, 3), f32(3, 2)),
    ("bool", lambda t, a, b: a.bool() @ b.bool(), f32(2, 3), f32(3, 2)),
    ("bool_dot", lambda t, a, b: a.bool() @ b.bool(), f32(3), f32(3)),
    ("mm_of_vector", lambda t, a, b: t.mm(a, b), f32(3), f32(3, 2)),
    ("mm_mismatch_fn", lambda t, a, b: t.mm(a, b), f32(2, 3), f32(2, 2)),
    ("bmm_of_matrix", lambda t, a, b: t.bmm(a, b), f32(2, 3), f32(3, 2)),
    ("bmm_batch_mismatch", lambda t, a, b: t.bmm(a, b), f32(2, 2, 3), f32(3, 3, 2)),
    ("dot_of_matrices", lambda t, a, b: t.dot(a, b), f32(2, 3), f32(2, 3)),
    ("dot_dtypes", lambda t, a, b: t.dot(a, b.double()), f32(2), f32(2)),
    ("mv_of_vectors", lambda t, a, b: t.mv(a, b), f32(2), f32(2)),
    ("numpy_at_tensor", lambda t, a, b: np.ones((2, 3)) @ b, f32(1), f32(3, 2)),
]


@pytest.mark.parametrize(("name", "call", "a", "b"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, call, a, b):
    assert_same_error(call, a, b)


def test_matrix_mismatch_message_names_both_shapes():
    with pytest.raises(
        RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(64x1000 and 1024x64\)"
    ):
        minitorch.zeros(64, 1000) @ minitorch.zeros(1024, 64)
    with pytest.raises(RuntimeError, match=r"\[2, 3, 4\].*\[2, 5, 6\]"):
        minitorch.zeros(2, 3, 4) @ minitorch.zeros(2, 5, 6)


# ------------------------------------------------------------------ trace (the diagonal's sum)
@given(data=st.data(), dtype=float_dtypes(), n=st.integers(0, 5), m=st.integers(0, 5))
def test_trace(data, dtype, n, m):
    x = data.draw(arrays((n, m), dtype))
    assert_parity(lambda t, a: t.trace(a), x)  # the gradient: grad * eye, zeros off it
    assert_parity(lambda t, a: a.trace(), x)
    assert_parity(lambda t, a: a.mT.trace(), transposed(x))  # a non-contiguous view


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8])
def test_trace_of_integers_is_int64(dtype):
    x = np.arange(12).reshape(3, 4).astype(dtype)
    assert_parity(lambda t, a: t.trace(a), x)  # PyTorch sums integers in int64
    assert minitorch.trace(minitorch.tensor(x)).dtype is minitorch.int64


def test_trace_of_float16_keeps_float16():
    x = np.full((300, 300), 0.1, np.float16)  # summed in float32: 30.0, not float16's drift
    assert_parity(lambda t, a: t.trace(a), Input(x, requires_grad=False))


def test_trace_node_name():
    x = minitorch.ones(2, 3, requires_grad=True)
    assert x.trace().grad_fn.name() == "TraceBackward0"


@pytest.mark.parametrize(
    ("shape", "dtype", "message"),
    [
        ((3,), np.float32, "trace: expected a matrix, but got tensor with dim 1"),
        ((2, 2, 2), np.float32, "trace: expected a matrix, but got tensor with dim 3"),
        ((), np.float32, "trace: expected a matrix, but got tensor with dim 0"),
        ((2, 2), np.bool_, "\"trace\" not implemented for 'Bool'"),
        ((2, 2), np.uint16, "\"trace\" not implemented for 'UInt16'"),
        ((3,), np.bool_, "\"trace\" not implemented for 'Bool'"),  # the dtype is checked first
    ],
)
def test_trace_errors(shape, dtype, message):
    x = Input(np.ones(shape, dtype), requires_grad=False)
    error = assert_same_error(lambda t, a: t.trace(a), x)
    with pytest.raises(error) as raised:
        minitorch.trace(minitorch.tensor(np.ones(shape, dtype)))
    assert str(raised.value) == message
