"""Parity of shape ops: views, permutes, expand/repeat, cat/stack, split/chunk/unbind, flip."""

import math
import warnings

import numpy as np
import pytest
import torch
from _outcomes import assert_same_outcome
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import Input, assert_parity, assert_same_error
from minitorch.testing.strategies import (
    arrays,
    broadcastable,
    dims,
    float_dtypes,
    reduction_dims,
    shapes,
    transposed,
)


@st.composite
def regrouped(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Another shape with as many elements as ``shape``; one side may be written -1."""
    remaining = math.prod(shape)
    sides = []
    for _ in range(draw(st.integers(0, 3))):
        side = draw(st.sampled_from([d for d in range(1, remaining + 1) if remaining % d == 0]))
        sides.append(side)
        remaining //= side
    sides.append(remaining)
    if draw(st.booleans()):
        sides[draw(st.integers(0, len(sides) - 1))] = -1
    return tuple(sides)


@st.composite
def array_and_dim(draw: st.DrawFn, min_dims: int = 1, extra: int = 0, **options):
    """An array (of a drawn float dtype) and a valid dim (``extra`` allows ndim + extra dims)."""
    dtype = draw(float_dtypes())
    x = draw(arrays(shapes(min_dims=min_dims), dtype, **options))
    n = max(x.ndim + extra, 1)
    return x, draw(st.integers(-n, n - 1))


# ------------------------------------------------------------------ views
@given(data=st.data(), dtype=float_dtypes())
def test_reshape_and_view(data, dtype):
    x = data.draw(arrays(shapes(), dtype))
    target = data.draw(regrouped(x.shape))
    assert_parity(lambda t, a: a.reshape(target), x)
    assert_parity(lambda t, a: a.view(*target), x)
    assert_parity(lambda t, a: t.reshape(a, target), x)


@given(data=st.data(), dtype=float_dtypes())
def test_reshape_of_a_non_contiguous_view_copies(data, dtype):
    x = data.draw(arrays(shapes(min_dims=2), dtype))
    target = data.draw(regrouped(x.shape))
    assert_parity(lambda t, a: a.mT.reshape(target), transposed(x))
    assert_parity(lambda t, a: a.mT.flatten(), transposed(x))


@given(data=st.data(), dtype=float_dtypes())
def test_flatten_unflatten(data, dtype):
    x = data.draw(arrays(shapes(), dtype))
    n = max(x.ndim, 1)
    start, end = sorted(data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2)))
    start -= data.draw(st.sampled_from([0, n]))  # sometimes written as a negative dim
    assert_parity(lambda t, a: a.flatten(start, end), x)
    assert_parity(lambda t, a: t.flatten(a, start_dim=start), x)
    if x.ndim:
        dim = data.draw(dims(x.ndim))
        sizes = data.draw(regrouped((x.shape[dim],)))
        assert_parity(lambda t, a: a.unflatten(dim, sizes), x)


@given(data=st.data(), dtype=float_dtypes())
def test_permute_transpose(data, dtype):
    x = data.draw(arrays(shapes(), dtype))
    order = data.draw(st.permutations(range(x.ndim)))
    assert_parity(lambda t, a: a.permute(*order) if order else a.permute(()), x)
    assert_parity(lambda t, a: t.permute(a, tuple(order)), x)
    d0, d1 = data.draw(dims(x.ndim)), data.draw(dims(x.ndim))
    assert_parity(lambda t, a: a.transpose(d0, d1), x)
    assert_parity(lambda t, a: t.swapaxes(a, d0, d1), x)
    if x.ndim <= 2:
        assert_parity(lambda t, a: a.t(), x)
    if x.ndim == 2:
        assert_parity(lambda t, a: a.T, x)
    if x.ndim >= 2:
        assert_parity(lambda t, a: a.mT, x)


@given(data=st.data(), dtype=float_dtypes())
def test_squeeze_unsqueeze(data, dtype):
    x = data.draw(arrays(shapes(max_side=2), dtype))  # plenty of size-1 dimensions
    assert_parity(lambda t, a: a.squeeze(), x)
    dim = data.draw(dims(x.ndim))
    assert_parity(lambda t, a: a.squeeze(dim), x)
    several = data.draw(reduction_dims(x.ndim, allow_none=False))
    assert_parity(lambda t, a: t.squeeze(a, several), x)
    new = data.draw(dims(x.ndim + 1))
    assert_parity(lambda t, a: a.unsqueeze(new), x)


@given(shapes_=broadcastable(1), data=st.data(), dtype=float_dtypes())
def test_expand(shapes_, data, dtype):
    (shape,) = shapes_
    x = data.draw(arrays(shape, dtype))
    extra = data.draw(st.lists(st.integers(1, 3), max_size=2))
    sizes = [data.draw(st.sampled_from([-1, 3])) if n == 1 else -1 for n in shape]
    target = tuple(extra) + tuple(
        s if s != -1 else (n if n != 1 else -1) for s, n in zip(sizes, shape, strict=True)
    )
    assert_parity(lambda t, a: a.expand(*target) if target else a.expand(()), x)
    concrete = tuple(extra) + tuple(n if s == -1 else s for s, n in zip(sizes, shape, strict=True))
    assert_parity(lambda t, a: t.broadcast_to(a, concrete), x)
    assert_parity(lambda t, a, b: a.expand_as(b), x, Input(np.zeros(concrete, dtype), False))


@given(data=st.data(), dtype=float_dtypes())
def test_repeat(data, dtype):
    x = data.draw(arrays(shapes(max_dims=3, max_elements=12), dtype))
    repeats = data.draw(st.lists(st.integers(1, 3), min_size=max(x.ndim, 1), max_size=x.ndim + 1))
    assert_parity(lambda t, a: a.repeat(*repeats), x)
    assert_parity(lambda t, a: a.repeat(repeats), x)


@given(data=st.data(), dtype=float_dtypes())
def test_flip(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    flipped = data.draw(reduction_dims(x.ndim, allow_none=False))
    flipped = (flipped,) if isinstance(flipped, int) else flipped
    assert_parity(lambda t, a: a.flip(flipped), x)
    assert_parity(lambda t, a: t.flip(a, list(flipped)), x)


def test_as_and_like_forms():
    x, y = np.arange(6.0).reshape(2, 3), Input(np.zeros((3, 2)), requires_grad=False)
    assert_parity(lambda t, a, b: a.view_as(b), x, y)
    assert_parity(lambda t, a, b: a.reshape_as(b), x, y)
    assert_parity(lambda t, a, b: t.broadcast_tensors(a[:1], b.T), x, y)


# ------------------------------------------------------------------ joining and splitting
@given(data=st.data(), dtype=float_dtypes())
def test_cat(data, dtype):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_elements=20))
    dim = data.draw(dims(len(shape)))
    pieces = []
    for _ in range(data.draw(st.integers(1, 3))):
        piece_shape = list(shape)
        piece_shape[dim] = data.draw(st.integers(0, 3))
        pieces.append(data.draw(arrays(tuple(piece_shape), dtype)))
    assert_parity(lambda t, *xs: t.cat(xs, dim), *pieces)
    assert_parity(lambda t, *xs: t.concat(list(xs), dim=dim), *pieces)


@given(data=st.data(), dtype=float_dtypes())
def test_stack(data, dtype):
    shape = data.draw(shapes(max_dims=3, max_elements=20))
    dim = data.draw(dims(len(shape) + 1))
    pieces = [data.draw(arrays(shape, dtype)) for _ in range(data.draw(st.integers(1, 3)))]
    assert_parity(lambda t, *xs: t.stack(xs, dim), *pieces)


def test_cat_and_stack_promote_dtypes():
    a = np.ones((2, 3), np.float32)
    b, c = np.zeros((1, 3), np.float64), np.arange(3).reshape(1, 3)
    assert_parity(lambda t, x, y: t.cat([x, y]), a, b)
    assert_parity(lambda t, x, y: t.cat([x, y]), a, c)
    assert_parity(lambda t, x, y: t.stack([x[0], y[0]]), a, b)


def test_cat_skips_legacy_empty_vectors():
    assert_parity(lambda t, x, y: t.cat([x, y], 1), np.ones((2, 3)), np.zeros(0))


@given(data=st.data())
def test_split_chunk_unbind(data):
    x, dim = data.draw(array_and_dim())
    length = x.shape[dim]
    size = data.draw(st.integers(1, length + 1))
    assert_parity(lambda t, a: a.split(size, dim), x)
    cuts = sorted(data.draw(st.lists(st.integers(0, length), max_size=3)))
    sections = [b - a for a, b in zip([0, *cuts], [*cuts, length], strict=True)]
    assert_parity(lambda t, a: t.split(a, sections, dim=dim), x)
    chunks = data.draw(st.integers(1, 4))
    assert_parity(lambda t, a: a.chunk(chunks, dim), x)
    assert_parity(lambda t, a: a.unbind(dim), x)


def test_only_some_split_pieces_used():
    x = np.arange(12.0).reshape(4, 3)
    assert_parity(lambda t, a: a.split(2)[1] * 3, x)
    assert_parity(lambda t, a: a.unbind(1)[2].exp(), x)


# ------------------------------------------------------------------ storage sharing
VIEWS = [
    ("view", lambda x: x.view(3, 4)),
    ("reshape", lambda x: x.reshape(-1)),
    ("view_of_view", lambda x: x.view(12).view(2, 6)[1]),
    ("flatten", lambda x: x.flatten()),
    ("permute", lambda x: x.permute(1, 0)),
    ("transpose", lambda x: x.transpose(0, 1)),
    ("t", lambda x: x.t()),
    ("mT", lambda x: x.mT),
    ("unsqueeze", lambda x: x.unsqueeze(1)),
    ("squeeze", lambda x: x.unsqueeze(0).squeeze(0)),
    ("expand", lambda x: x[:1].expand(3, 6)),
    ("split", lambda x: x.split(1)[1]),
    ("chunk", lambda x: x.chunk(3, 1)[2]),
    ("unbind", lambda x: x.unbind(1)[4]),
    ("slice", lambda x: x[:, 1::2]),
    ("select", lambda x: x[1]),
    ("element", lambda x: x[1, 2]),
]


@pytest.mark.parametrize(("name", "make_view"), VIEWS, ids=[v[0] for v in VIEWS])
def test_views_share_storage_with_their_base(name, make_view):
    results = []
    for lib in (minitorch, torch):
        base = lib.arange(12.0).reshape(2, 6)
        view = make_view(base)
        with lib.no_grad():
            base.mul_(10)  # a write to the base shows through the view
            seen_after_base_write = view.tolist()
            if name != "expand":
                view.add_(1)  # and a write to the view shows in the base
        results.append((seen_after_base_write, base.tolist()))
    assert results[0] == results[1]


def test_view_of_numpy_array_shares_memory():
    array = np.arange(6.0)
    view = minitorch.from_numpy(array).view(2, 3).t()
    array[4] = 100.0
    assert view[1, 1].item() == 100.0


# ------------------------------------------------------------------ errors
ERRORS = [
    ("view_of_transposed", lambda t, a: a.t().view(6)),
    ("view_wrong_size", lambda t, a: a.view(2, 5)),
    ("reshape_two_inferred", lambda t, a: a.reshape(-1, -1)),
    ("reshape_negative", lambda t, a: a.reshape(-2, 3)),
    ("reshape_not_divisible", lambda t, a: a.reshape(-1, 4)),
    ("flatten_start_after_end", lambda t, a: a.flatten(1, 0)),
    ("unflatten_wrong_sizes", lambda t, a: a.unflatten(1, (2, 2))),
    ("permute_wrong_length", lambda t, a: a.permute(0)),
    ("permute_repeated_dim", lambda t, a: a.permute(0, 0)),
    ("permute_dim_out_of_range", lambda t, a: a.permute(0, 2)),
    ("transpose_dim_out_of_range", lambda t, a: a.transpose(0, 2)),
    ("t_of_3d", lambda t, a: a[None].t()),
    ("mT_of_1d", lambda t, a: a[0].mT),
    ("unsqueeze_out_of_range", lambda t, a: a.unsqueeze(3)),
    ("squeeze_out_of_range", lambda t, a: a.squeeze(2)),
    ("expand_mismatch", lambda t, a: a.expand(2, 4)),
    ("expand_too_few_sizes", lambda t, a: a.expand(3)),
    ("expand_leading_minus_one", lambda t, a: a.expand(-1, 2, 3)),
    ("broadcast_to_mismatch", lambda t, a: t.broadcast_to(a, (3, 3))),
    ("repeat_too_few", lambda t, a: a.repeat(2)),
    ("cat_empty_list", lambda t, a: t.cat([])),
    ("cat_not_a_tensor", lambda t, a: t.cat([a, 1])),
    ("cat_ndim_mismatch", lambda t, a: t.cat([a, a[None]])),
    ("cat_size_mismatch", lambda t, a: t.cat([a, a.t()], dim=1)),
    ("cat_zero_dim", lambda t, a: t.cat([a[0, 0], a[0, 1]])),
    ("cat_dim_out_of_range", lambda t, a: t.cat([a, a], 2)),
    ("stack_size_mismatch", lambda t, a: t.stack([a, a.t()])),
    ("stack_empty", lambda t, a: t.stack([])),
    ("split_wrong_sections", lambda t, a: a.split([1, 3], 1)),
    ("split_zero", lambda t, a: a.split(0, 1)),
    ("chunk_zero", lambda t, a: a.chunk(0)),
    ("flip_repeated_dim", lambda t, a: a.flip(0, 0)),
    ("view_not_int", lambda t, a: a.view(2.0, 3)),
]


@pytest.mark.parametrize(("name", "call"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, call):
    assert_same_error(call, Input(np.ones((2, 3), np.float32), requires_grad=False))


def test_error_messages_match_pytorch():
    x = minitorch.ones(2, 3)
    with pytest.raises(
        RuntimeError, match=r"view size is not compatible .* Use \.reshape\(\.\.\.\) instead"
    ):
        x.t().view(6)
    with pytest.raises(RuntimeError, match=r"shape '\[2, 5\]' is invalid for input of size 6"):
        x.view(2, 5)
    with pytest.raises(RuntimeError, match="Expected size 2 but got size 3 for tensor number 1"):
        minitorch.cat([x, x.t()], dim=1)


def test_grad_fn_names():
    x = minitorch.ones(2, 3, requires_grad=True)
    names = {
        "ViewBackward0": x.view(6),
        "UnsafeViewBackward0": x.t().reshape(6),
        "PermuteBackward0": x.permute(1, 0),
        "TransposeBackward0": x.transpose(0, 1),
        "TBackward0": x.t(),
        "UnsqueezeBackward0": x.unsqueeze(0),
        "SqueezeBackward0": x[None].squeeze(),
        "SqueezeBackward1": x[None].squeeze(0),
        "SqueezeBackward2": x[None].squeeze((0,)),
        "ExpandBackward0": x[:1].expand(4, 3),
        "RepeatBackward0": x.repeat(2, 1),
        "CatBackward0": minitorch.cat([x, x]),
        "StackBackward0": minitorch.stack([x, x]),
        "SplitBackward0": x.split(1)[0],
        "SplitWithSizesBackward0": x.split([1, 1])[0],
        "UnbindBackward0": x.unbind()[0],
        "FlipBackward0": x.flip(0),
    }
    for name, out in names.items():
        assert out.grad_fn.name() == name


# ------------------------------------------------------------------ flip's forms, cat(out=)
@given(data=st.data(), dtype=float_dtypes())
def test_flip_takes_pytorchs_forms(data, dtype):
    x = data.draw(arrays(shapes(min_dims=1), dtype))
    flipped = data.draw(reduction_dims(x.ndim, allow_none=False))
    flipped = (flipped,) if isinstance(flipped, int) else tuple(flipped)
    assert_parity(lambda t, a: t.flip(a, dims=flipped), x)
    assert_parity(lambda t, a: t.flip(input=a, dims=list(flipped)), x)
    assert_parity(lambda t, a: a.flip(*flipped), x)
    assert_parity(lambda t, a: a.flip(dims=flipped), x)
    assert_parity(lambda t, a: a.flip(list(flipped)), x)


FLIP_CALLS = [
    lambda t, a: t.flip(a, 0),  # the function takes a sequence only
    lambda t, a: t.flip(a, ()),
    lambda t, a: t.flip(a, (0, -2)),
    lambda t, a: t.flip(a, (2,)),
    lambda t, a: t.flip(a, (1.0,)),
    lambda t, a: t.flip(a, (True,)),
    lambda t, a: t.flip(a, None),
    lambda t, a: t.flip(a, t.tensor(1)),
    lambda t, a: t.flip(a, (0, t.tensor(1))),
    lambda t, a: t.flip(a, t.Size([1])),
    lambda t, a: t.flip(a[0, 0], (0,)),  # a 0-d tensor takes dim 0
    lambda t, a: a.flip(),
    lambda t, a: a.flip(()),
    lambda t, a: a.flip(0, dims=1),
    lambda t, a: a.flip(1.0),
    lambda t, a: a.flip(True),
    lambda t, a: a.flip(0, True),
    lambda t, a: a.flip(0, 1.0),
    lambda t, a: a.flip((0, 1.0)),
    lambda t, a: a.flip(dims=None),
    lambda t, a: a.flip(dims=(0, 1.0)),
    lambda t, a: a.flip(t.tensor(1)),
    lambda t, a: a.flip(t.Size([1])),
]


@pytest.mark.parametrize("call", FLIP_CALLS)
def test_flip_arguments_follow_pytorch(call):
    assert_same_outcome(call, Input(np.arange(6.0).reshape(2, 3), requires_grad=False))


def test_flip_function_takes_two_arguments():  # Python's own TypeError words it differently
    assert_same_error(lambda t, a: t.flip(a, 0, 1), np.ones((2, 3)))
    assert_same_error(lambda t, a: t.flip(a), np.ones((2, 3)))


@given(data=st.data(), dtype=float_dtypes())
def test_cat_into_out(data, dtype):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_elements=20))
    pieces = [data.draw(arrays(shape, dtype)) for _ in range(data.draw(st.integers(1, 3)))]
    out_shape = data.draw(shapes(max_dims=2, max_elements=8))
    out_dtype = data.draw(st.sampled_from(["float16", "float32", "float64"]))

    def run(t, *xs):
        out = t.full(out_shape, -7.0, dtype=getattr(t, out_dtype))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the resize warning
            assert t.cat(xs, out=out) is out
        return out, out._version

    assert_parity(run, *(Input(p, requires_grad=False) for p in pieces))


CAT_OUT_CALLS = [
    lambda t, a: t.cat([a, a], out=t.zeros(4, 3, dtype=t.int64)),  # floats don't go into ints
    lambda t, a: t.cat([a.long(), a.long()], out=t.zeros(4, 3, dtype=t.float64)),
    lambda t, a: t.cat([a > 0, a > 0], out=t.zeros(4, 3, dtype=t.float16)),
    lambda t, a: t.cat([a, a], out=t.zeros(4, 3, dtype=t.bool)),
    lambda t, a: t.cat([a, a], out=t.zeros(3, 4).t()),  # written through its strides
    lambda t, a: t.cat([a, a], out=t.zeros(8, 3)[::2]),
    lambda t, a: t.cat([a, a], dim=1, out=t.zeros(4, 3)),
    lambda t, a: t.cat([a, a], out=t.zeros(1).expand(12)),
    lambda t, a: t.cat([a, a], out=t.zeros(1).expand(4, 3)),
    lambda t, a: t.cat([a, a], out=a),
    lambda t, a: t.cat([a, a], out=a[:1]),  # grown in place in PyTorch: still the input's memory
    lambda t, a: t.cat([a, a], out=t.zeros(4, 3, requires_grad=True)),
    lambda t, a: t.cat([a.requires_grad_(), a], out=t.zeros(4, 3)),
    lambda t, a: t.cat([a, a], out=None),
    lambda t, a: t.cat([a, a], out=5),
    lambda t, a: t.cat([], out=t.zeros(1)),
    lambda t, a: t.cat([a, a[:, :2]], out=t.zeros(1)),
]


@pytest.mark.parametrize("call", CAT_OUT_CALLS)
@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")
def test_cat_out_follows_pytorch(call):
    assert_same_outcome(call, Input(np.arange(6.0).reshape(2, 3), requires_grad=False))


@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")
def test_cat_into_out_under_no_grad_and_into_a_view():
    with minitorch.no_grad():
        out = minitorch.zeros(4, 3, requires_grad=True)
        assert minitorch.cat([minitorch.ones(2, 3, requires_grad=True)] * 2, out=out) is out
    assert out.tolist() == [[1.0] * 3] * 4 and out._version == 1
    base = minitorch.zeros(2, 3)
    view = base.view(6)
    minitorch.cat([minitorch.ones(1, 3)], out=base)  # smaller: the storage is kept
    assert base.shape == (1, 3) and view.tolist() == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    row = minitorch.zeros(2, 3)[1]
    minitorch.cat([minitorch.ones(1, 2)], out=row)
    assert row.stride() == (2, 1) and row.storage_offset() == 3
    # PyTorch would grow the storage of a view in place, which its base then sees; a numpy
    # array cannot grow, so minitorch declines instead of writing elsewhere
    with pytest.raises(NotImplementedError, match="storage would have to grow"):
        minitorch.cat([minitorch.ones(2, 3)], out=minitorch.zeros(2, 3)[1])
