"""Parity of indexing: basic and advanced ``x[key]``, ``x[key] = v``, gather, masks, ..."""

import warnings

import numpy as np
import pytest
from _outcomes import assert_same_outcome
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import Input, assert_parity, assert_same_error
from minitorch.testing.strategies import arrays, dims, float_dtypes, shapes, transposed


@st.composite
def basic_keys(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple:
    """A key of ints, slices (with steps), None and at most one Ellipsis, valid for ``shape``."""
    items: list = []
    for size in shape:
        kind = draw(st.sampled_from(["int", "slice", "full"]))
        if kind == "int":
            items.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            bound = st.none() | st.integers(-size - 1, size + 1)
            items.append(slice(draw(bound), draw(bound), draw(st.none() | st.integers(1, 3))))
        else:
            items.append(slice(None))
    start = draw(st.integers(0, len(items)))
    end = draw(st.integers(start, len(items)))
    if draw(st.booleans()):  # an Ellipsis stands for the dims it replaces
        items[start:end] = [Ellipsis]
    else:  # or the key leaves the trailing dims out
        del items[start:]
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items)


@st.composite
def index_lists(draw: st.DrawFn, size: int, max_len: int = 5) -> list[int]:
    """Positions along a dimension of ``size``, negative ones and repeats included."""
    return draw(st.lists(st.integers(-size, size - 1), max_size=max_len))


# ------------------------------------------------------------------ reading
@given(data=st.data(), dtype=float_dtypes())
def test_basic_indexing(data, dtype):
    x = data.draw(arrays(shapes(), dtype))
    key = data.draw(basic_keys(x.shape))
    assert_parity(lambda t, a: a[key], x)


@given(data=st.data(), dtype=float_dtypes())
def test_basic_indexing_of_a_view(data, dtype):
    x = data.draw(arrays(shapes(min_dims=2), dtype))
    key = data.draw(basic_keys(x.shape))
    assert_parity(lambda t, a: a.mT[key], transposed(x))


@given(data=st.data(), dtype=float_dtypes())
def test_integer_tensor_index_accumulates_repeats(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    dim = data.draw(st.integers(0, x.ndim - 1))
    positions = data.draw(index_lists(x.shape[dim]))
    prefix = (slice(None),) * dim
    assert_parity(lambda t, a: a[prefix + (t.tensor(positions, dtype=t.int64),)], x)
    if positions:
        assert_parity(lambda t, a: a[prefix + (positions,)], x)


@given(data=st.data(), dtype=float_dtypes())
def test_several_index_tensors_broadcast(data, dtype):
    x = data.draw(arrays(shapes(min_dims=2, max_dims=3), dtype))
    n = data.draw(st.integers(1, 4))
    rows = data.draw(st.lists(st.integers(-x.shape[0], x.shape[0] - 1), min_size=n, max_size=n))
    cols = data.draw(st.lists(st.integers(-x.shape[1], x.shape[1] - 1), min_size=1, max_size=1))
    assert_parity(lambda t, a: a[t.tensor(rows), t.tensor(cols)], x)
    assert_parity(lambda t, a: a[t.tensor(rows)[:, None], t.tensor(cols)], x)
    assert_parity(lambda t, a: a[..., t.tensor([-1, 0, -1])], x)
    if x.ndim == 3:  # advanced indices separated by a slice move to the front
        depth = data.draw(st.integers(0, x.shape[2] - 1))
        assert_parity(lambda t, a: a[t.tensor(rows), :, depth], x)
        assert_parity(lambda t, a: a[t.tensor(rows), :, [depth]], x)


@given(data=st.data(), dtype=float_dtypes())
def test_bool_mask_index(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    k = data.draw(st.integers(1, x.ndim))
    mask = data.draw(arrays(x.shape[:k], np.bool_))
    assert_parity(lambda t, a: a[t.tensor(mask)], x)
    assert_parity(lambda t, a: a[t.tensor(mask)].sum(), x)
    if x.ndim >= 2:
        row_mask = data.draw(arrays(x.shape[1:2], np.bool_))
        assert_parity(lambda t, a: a[:, t.tensor(row_mask)], x)


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")
def test_mixed_keys():
    x = np.arange(60.0).reshape(3, 4, 5)
    keys = [
        (0, [1, 1, 3]),
        (slice(None), [0, 2], None),
        ([0], slice(None), [1]),
        (Ellipsis, [0]),
        (None, 1, slice(1, None, 2)),
        ([True, False, True],),
        (1, 2, 3),
        (),
        (Ellipsis,),
        [0, 2],
        [[0, 1], [2, 2]],  # PyTorch (and old numpy) read this list as a tuple of indices
    ]
    for key in keys:
        assert_parity(lambda t, a, key=key: a[key], x)
    assert_parity(lambda t, a: a[t.tensor(1)], x)  # a 0-d integer tensor selects
    assert_parity(lambda t, a: a[t.tensor([1, 0], dtype=t.int32)], x)


def test_getitem_grad_fn_names_follow_pytorch():
    x = minitorch.ones(3, 4, requires_grad=True)
    expected = {
        "SelectBackward0": [x[0], x[1:, 0], x[minitorch.tensor(1)]],
        "SliceBackward0": [x[1:], x[:], x[0, 1:]],
        "UnsqueezeBackward0": [x[None], x[:, None]],
        "AliasBackward0": [x[...]],
        "IndexBackward0": [x[[0, 1]], x[x > 0], x[0, [1]]],
    }
    for name, outputs in expected.items():
        assert all(out.grad_fn.name() == name for out in outputs), name


def test_basic_index_is_a_view():
    x = minitorch.arange(6.0).reshape(2, 3)
    row, element = x[1], x[0, 2]
    x[1, 1] = 40.0
    x[0, 2] = 20.0
    assert row.tolist() == [3.0, 40.0, 5.0] and element.item() == 20.0
    advanced = x[[1]]
    x[1, 0] = -1.0
    assert advanced.tolist() == [[3.0, 40.0, 5.0]]  # advanced indexing copies


# ------------------------------------------------------------------ writing
@given(data=st.data(), dtype=float_dtypes())
def test_setitem_without_grad(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    key = data.draw(basic_keys(x.shape))
    value = data.draw(arrays(np.empty(x.shape)[key].shape, dtype))

    def write(t, a, v):
        out = a.detach().clone()
        out[key] = v.detach()
        return out

    assert_parity(write, x, value)


@given(data=st.data(), dtype=float_dtypes())
def test_setitem_records_the_graph(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    key = data.draw(basic_keys(x.shape))
    value = data.draw(arrays(np.empty(x.shape)[key].shape, dtype))

    def write(t, a, v):
        out = a * 2
        out[key] = v.exp()
        return out

    assert_parity(write, x, value)


def test_setitem_with_advanced_keys_and_scalars():
    x, v = np.arange(12.0).reshape(3, 4), np.array([10.0, 20.0])

    def by_index(t, a, b):
        out = a * 1
        out[[0, 2], [1, 1]] = b
        return out

    def by_mask(t, a, b):
        out = a * 1
        out[out > 5] = b[0]
        out[0] = 7.5
        return out

    assert_parity(by_index, x, v)
    assert_parity(by_mask, x, v)
    # A tensor that does not require grad receives a value that does: it joins the graph.
    assert_parity(lambda t, a, b: _filled(t, b), x, v)


def _filled(t, b):
    out = t.zeros(3, dtype=b.dtype)
    out[1:] = b * 3
    return out


def test_setitem_converts_the_value_dtype():
    x = minitorch.zeros(3, dtype=minitorch.int64)
    x[0] = 2.7
    x[1:] = minitorch.tensor([True, False])
    assert x.tolist() == [2, 1, 0] and x.dtype == minitorch.int64


def test_write_into_expanded_view_reaches_the_shared_element():
    results = []
    for lib in (minitorch, __import__("torch")):
        base = lib.zeros(1, 3)
        wide = base.expand(2, 3)
        wide[0, 1] = 5.0
        results.append((base.tolist(), wide.tolist()))
    assert results[0] == results[1]


# ------------------------------------------------------------------ functions
@given(data=st.data(), dtype=float_dtypes())
def test_index_select(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    dim = data.draw(dims(x.ndim))
    positions = data.draw(st.lists(st.integers(0, x.shape[dim] - 1), max_size=5))
    assert_parity(lambda t, a: t.index_select(a, dim, t.tensor(positions, dtype=t.int64)), x)


@given(data=st.data(), dtype=float_dtypes())
def test_gather(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    dim = data.draw(dims(x.ndim))
    index_shape = tuple(
        data.draw(st.integers(1, 4)) if d == dim % x.ndim else data.draw(st.integers(1, n))
        for d, n in enumerate(x.shape)
    )
    index = data.draw(arrays(index_shape, np.int64, low=0, high=x.shape[dim] - 1))
    assert_parity(lambda t, a, i: a.gather(dim, i), x, index)


@given(data=st.data(), dtype=float_dtypes())
def test_masked_fill_and_select(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    mask_shape = x.shape[data.draw(st.integers(0, x.ndim)) :]
    mask = data.draw(arrays(mask_shape, np.bool_))
    value = data.draw(st.floats(-3, 3, width=32))
    assert_parity(lambda t, a, m: a.masked_fill(m, value), x, mask)
    assert_parity(lambda t, a, m, v: t.masked_fill(a, m, v), x, mask, np.array(value, dtype))
    assert_parity(lambda t, a, m: a.masked_select(m), x, mask)


def test_masked_fill_in_place_and_nonzero():
    x = np.array([[0.0, 1.5, -2.0], [3.0, 0.0, 0.0]])

    def fill_in_place(t, a):
        out = a * 1
        out.masked_fill_(out > 1, 0.5)
        return out

    assert_parity(fill_in_place, x)
    assert_parity(lambda t, a: a.nonzero(), x)
    assert_parity(lambda t, a: t.nonzero(a, as_tuple=True), x)
    assert_parity(lambda t, a: t.argwhere(a), x)


# ------------------------------------------------------------------ errors
ERRORS = [
    ("index_out_of_range", lambda t, a: a[5]),
    ("negative_index_out_of_range", lambda t, a: a[-5]),
    ("second_dim_out_of_range", lambda t, a: a[:, 3]),
    ("too_many_indices", lambda t, a: a[0, 0, 0]),
    ("float_index", lambda t, a: a[1.0]),
    ("negative_step", lambda t, a: a[::-1]),
    ("list_index_out_of_range", lambda t, a: a[[5]]),
    ("tensor_index_out_of_range", lambda t, a: a[t.tensor([5])]),
    ("float_tensor_index", lambda t, a: a[t.tensor([0.0])]),
    ("mask_shape_mismatch", lambda t, a: a[t.tensor([True, False, True])]),
    ("setitem_on_leaf_requiring_grad", lambda t, a: a.requires_grad_().__setitem__(0, 1.0)),
    ("setitem_value_shape", lambda t, a: a.__setitem__(0, t.zeros(4))),
    ("setitem_out_of_range", lambda t, a: a.__setitem__(5, 1.0)),
    ("setitem_list_value", lambda t, a: a.__setitem__(0, [1.0, 2.0, 3.0])),
    ("index_select_2d_index", lambda t, a: a.index_select(0, t.tensor([[0]]))),
    ("index_select_float_index", lambda t, a: a.index_select(0, t.tensor([0.0]))),
    ("index_select_out_of_range", lambda t, a: a.index_select(0, t.tensor([5]))),
    ("index_select_negative", lambda t, a: a.index_select(0, t.tensor([-1]))),
    ("gather_ndim_mismatch", lambda t, a: a.gather(0, t.tensor([0]))),
    ("gather_float_index", lambda t, a: a.gather(0, t.tensor([[0.0]]))),
    ("gather_out_of_range", lambda t, a: a.gather(1, t.tensor([[5]]))),
    ("gather_negative", lambda t, a: a.gather(1, t.tensor([[-1]]))),
    ("gather_index_too_large", lambda t, a: a.gather(0, t.zeros(2, 4, dtype=t.int64))),
    ("masked_fill_long_mask", lambda t, a: a.masked_fill(t.tensor([1, 0, 1]), 0.0)),
    ("masked_fill_1d_value", lambda t, a: a.masked_fill(a > 0, t.tensor([1.0]))),
    ("masked_fill_bad_broadcast", lambda t, a: a.masked_fill(t.tensor([True, False]), 0.0)),
    ("masked_fill_inplace_grows", lambda t, a: a[0].masked_fill_(t.ones(2, 3, dtype=t.bool), 0.0)),
    ("masked_select_long_mask", lambda t, a: a.masked_select(t.tensor([1, 0, 1]))),
]


@pytest.mark.parametrize(("name", "call"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, call):
    assert_same_error(call, Input(np.ones((2, 3), np.float32), requires_grad=False))


def test_out_of_range_message_matches_pytorch():
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        minitorch.zeros(3)[5]
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 2"):
        minitorch.zeros(3, 2)[:, [0, 4]]


# ------------------------------------------------------------------ empty and 0-d cases, out=
INDEX_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "bool", "float32", "uint16"]


@pytest.mark.parametrize("dtype", INDEX_DTYPES)
@pytest.mark.parametrize("index_shape", [(0, 2), (1, 2), (0,), (0, 5), (0, 2, 2)])
def test_gather_index_dtypes_and_empty_indices(dtype, index_shape):
    # an empty index gives an empty result of its shape: PyTorch checks neither its dtype nor
    # its shape then
    x = np.arange(6.0).reshape(3, 2)
    assert_same_outcome(lambda t, a: a.gather(0, t.zeros(index_shape, dtype=getattr(t, dtype))), x)
    assert_same_outcome(
        lambda t, a: t.index_select(a, 0, t.zeros(index_shape[:1], dtype=getattr(t, dtype))), x
    )


def test_gather_of_an_empty_index_has_a_zero_gradient():
    x = np.arange(6.0).reshape(3, 2)
    assert_parity(lambda t, a: a.gather(0, t.zeros(0, 2, dtype=t.uint8)), x)
    assert_parity(lambda t, a: t.gather(a[0, 0], 0, t.zeros(0, dtype=t.int64)), x)


ZERO_DIM_SELECTS = [
    lambda t, a: t.index_select(a, 0, t.tensor([0])),  # a 0-d result, as the input
    lambda t, a: t.index_select(a, -1, t.tensor(0)),
    lambda t, a: a.index_select(0, t.tensor([0], dtype=t.int32)),
    lambda t, a: t.index_select(a, 0, t.tensor([0, 0])),
    lambda t, a: t.index_select(a, 0, t.tensor([], dtype=t.int64)),
    lambda t, a: t.index_select(a, 1, t.tensor([0])),
    lambda t, a: t.index_select(a, 0, t.tensor([1])),
    lambda t, a: t.index_select(a, 0, t.tensor([[0]])),
    lambda t, a: t.index_select(a, 0, t.zeros(2)),  # the count is checked before the dtype
    lambda t, a: t.index_select(a, 0, t.zeros(1)),
    lambda t, a: t.index_select(a, 0, [0]),
]


@pytest.mark.parametrize("call", ZERO_DIM_SELECTS)
def test_index_select_of_a_zero_dim_tensor(call):
    assert_same_outcome(call, np.array(2.0))


def test_index_select_checks_in_pytorchs_order():
    x = np.ones((3, 2))
    assert_same_outcome(lambda t, a: t.index_select(a, 5, t.zeros(2, 2)), x)  # the dim first
    assert_same_outcome(lambda t, a: t.index_select(a, 0, t.zeros(2, 2)), x)  # then the shape
    assert_same_outcome(lambda t, a: t.index_select(a, 0, t.tensor(1)), x)
    assert_parity(lambda t, a: t.index_select(a, 0, t.tensor([0])), np.array(2.0))


@given(data=st.data(), dtype=float_dtypes())
def test_gather_and_masked_select_into_out(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1, max_dims=3), dtype))
    mask = data.draw(arrays(x.shape, np.bool_))
    out_shape = data.draw(shapes(max_dims=2, max_elements=8))
    index = np.zeros((1,) * x.ndim, np.int64)

    def into_out(call):
        def run(t, a, m, i):
            out = t.full(out_shape, -7.0, dtype=a.dtype)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # the resize warning
                assert call(t, a, m, i, out) is out
            return out, out._version

        return run

    inputs = (Input(x, requires_grad=False), mask, index)
    assert_parity(into_out(lambda t, a, m, i, out: t.gather(a, 0, i, out=out)), *inputs)
    assert_parity(into_out(lambda t, a, m, i, out: t.masked_select(a, m, out=out)), *inputs)


OUT_CALLS = [
    lambda t, a: t.gather(a, 1, t.tensor([[0, 1, 0]]), out=t.zeros(5)),  # resized, with a warning
    lambda t, a: t.gather(a, 1, t.tensor([[0, 1, 0]]), out=t.empty(0)),  # no warning when empty
    lambda t, a: t.gather(a, 1, t.tensor([[0, 1, 0]]), out=t.zeros(1, 3, dtype=t.float64)),
    lambda t, a: t.gather(a, 1, t.tensor([[0, 1, 0]]), out=t.zeros(1, 3, dtype=t.int64)),
    lambda t, a: t.gather(a, 1, t.tensor([[0, 1, 0], [1, 1, 1]]), out=a),
    lambda t, a: (lambda i: t.gather(i.clone(), 0, i[1:], out=i[:1]))(t.tensor([2, 1, 0])),
    lambda t, a: t.gather(a, 1, t.tensor([[0, 1, 0]]), out=t.zeros(1).expand(1, 3)),
    lambda t, a: t.gather(a, 1, t.tensor([[5]]), out=t.zeros(3)),
    lambda t, a: t.gather(a.requires_grad_(), 1, t.tensor([[0]]), out=t.zeros(1, 1)),
    lambda t, a: t.gather(a, 1, t.tensor([[0]]), out=t.zeros(1, 1, requires_grad=True)),
    lambda t, a: t.gather(a, 1, t.tensor([[0]]), out=5),
    lambda t, a: t.index_select(a, 0, t.tensor([1, 0]), out=t.zeros(1)),
    lambda t, a: t.index_select(a, 0, t.tensor([1, 0]), out=t.zeros(2, 3, dtype=t.float64)),
    lambda t, a: t.index_select(a, 0, t.tensor([1, 0]), out=a),
    lambda t, a: t.index_select(a, 0, t.tensor([1, 0]), out=t.zeros(1).expand(2, 3)),
    lambda t, a: t.index_select(a.requires_grad_(), 0, t.tensor([1]), out=t.zeros(1, 3)),
    lambda t, a: t.index_select(a[0, 0], 0, t.tensor([0]), out=t.zeros(3)),
    lambda t, a: t.masked_select(a, a > 1, out=t.zeros(2, 2)),
    lambda t, a: t.masked_select(a, a > 1, out=t.zeros(4, dtype=t.int64)),
    lambda t, a: t.masked_select(a.reshape(-1), a.reshape(-1) > 1, out=a.reshape(-1)),
    lambda t, a: t.masked_select(a.requires_grad_(), a > 1, out=t.zeros(4)),
    lambda t, a: t.masked_select(a, t.ones(2, 3), out=t.zeros(1)),
]


@pytest.mark.parametrize("call", OUT_CALLS)
@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")
def test_out_follows_pytorch(call):
    assert_same_outcome(call, Input(np.arange(6.0).reshape(2, 3), requires_grad=False))


def test_out_resize_warns_as_pytorch():
    out = minitorch.zeros(5)
    with pytest.warns(UserWarning, match=r"had shape \[5\], which does not match the required "):
        minitorch.gather(minitorch.ones(2, 3), 1, minitorch.tensor([[0, 1, 0]]), out=out)
    assert out.shape == (1, 3) and out._version == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        minitorch.masked_select(minitorch.ones(3), minitorch.ones(3) > 0, out=minitorch.empty(0))


# ------------------------------------------------------------------ numbers converted with a check
FILL_VALUES = [
    2**70,
    2**64 - 1,
    2**63,
    -(2**63) - 1,
    300,
    -1,
    -256,
    2.5,
    -0.5,
    255.9,
    256.0,
    1e30,
    float("nan"),
    1j,
    1 + 0j,
    True,
    1e39,
    70000.0,
    np.float32(2.5),
    "a",
    None,
]
FILL_DTYPES = ["uint8", "int8", "int64", "bool", "float16", "float32", "float64"]
FILLS = [
    lambda t, x, m, v: t.masked_fill(x, m, v),
    lambda t, x, m, v: x.masked_fill_(m, v),
    lambda t, x, m, v: x.__setitem__(m, v) or x,
    lambda t, x, m, v: x.__setitem__(0, v) or x,
]


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize("dtype", FILL_DTYPES)
@pytest.mark.parametrize("value", FILL_VALUES, ids=repr)
def test_masked_fill_and_assignment_check_the_number_as_pytorch(fill, dtype, value):
    # a complex number into a real tensor must be real, as in PyTorch (RuntimeError otherwise)
    assert_same_outcome(
        lambda t: fill(t, t.zeros(2, dtype=getattr(t, dtype)), t.tensor([True, False]), value)
    )
