"""API fuzzing against PyTorch: drawn arguments, valid and invalid alike.

Every call runs on minitorch and on PyTorch from the same numpy inputs. Either
both succeed with matching outputs, or both raise the same exception class. A
crash inside a Numba kernel shows up as a foreign exception class (or a dead
interpreter) and fails the test. The number of fuzzed calls per op family is
written to ``<tmp>/minitorch_fuzz_counts.json`` and printed at the end of the
module, so a run can report how much was exercised.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from minitorch.testing import assert_parity, assert_same_error
from minitorch.testing._parity import make_inputs

CALLS: Counter[str] = Counter()
OUTCOMES: Counter[str] = Counter()
COUNTS_PATH = os.path.join(tempfile.gettempdir(), "minitorch_fuzz_counts.json")

DTYPES = (np.float32, np.float64, np.int64)
# four times the profile's examples: each call is cheap, and more of them find more mismatches
fuzz = settings(max_examples=4 * settings.default.max_examples)


@pytest.fixture(scope="module", autouse=True)
def fuzz_summary() -> Iterator[None]:
    yield
    summary = {"calls": dict(sorted(CALLS.items())), "outcomes": dict(sorted(OUTCOMES.items()))}
    with open(COUNTS_PATH, "w") as f:
        json.dump(summary, f, indent=1)
    print(f"\nfuzzed calls per op family: {summary} (written to {COUNTS_PATH})")


def check_call(family: str, fn: Callable[..., Any], *inputs: Any, atol: float = 1e-4) -> None:
    """Both libraries succeed with matching results, or both raise the same exception class."""
    CALLS[family] += 1
    _, torch_inputs = make_inputs(inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(torch, *torch_inputs)
        except Exception:  # noqa: BLE001 - whichever PyTorch raises, minitorch must match
            assert_same_error(fn, *inputs)
            OUTCOMES["both raised"] += 1
            return
        try:
            assert_parity(fn, *inputs, grad=False, atol=atol, rtol=1e-4)
        except NotImplementedError:
            # a torch feature minitorch documents as missing (e.g. a 1-D linear weight)
            OUTCOMES["not implemented in minitorch"] += 1
            return
    OUTCOMES["both succeeded"] += 1


# ---------------------------------------------------------------- strategies
@st.composite
def arrays(
    draw: st.DrawFn,
    min_dims: int = 0,
    max_dims: int = 4,
    max_side: int = 4,
    dtypes: tuple = DTYPES,
    shape: tuple[int, ...] | None = None,
) -> np.ndarray:
    if shape is None:
        shape = tuple(
            draw(st.lists(st.integers(0, max_side), min_size=min_dims, max_size=max_dims))
        )
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if np.dtype(dtype).kind == "f":
        return (rng.standard_normal(shape) * 2).astype(dtype)
    return rng.integers(-3, 4, size=shape).astype(dtype)


def float_arrays(**kwargs: Any) -> st.SearchStrategy[np.ndarray]:
    return arrays(dtypes=(np.float32, np.float32, np.float64, np.int64), **kwargs)


small_ints = st.integers(-2, 4)
dims = st.integers(-5, 4)


@st.composite
def image_batches(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    """A (mostly) well-formed NCHW/CHW batch, sometimes of the wrong rank or empty."""
    rank = draw(st.sampled_from([4, 4, 4, 3, 2, 5]))
    channels = draw(st.integers(1, 3))
    spatial = [draw(st.integers(0, 6)) for _ in range(2)]
    batch = [draw(st.integers(0, 2))] if rank >= 4 else []
    shape = (batch + [channels] + spatial + [2] * (rank - 4))[:rank] if rank >= 3 else spatial
    return draw(float_arrays(shape=tuple(shape))), channels


# ---------------------------------------------------------------- nn.functional
@fuzz
@given(data=st.data())
def test_fuzz_conv2d(data: st.DataObject) -> None:
    x, channels = data.draw(image_batches())
    # PyTorch returns early for an empty batch, skipping its dtype and dilation checks (it
    # accepts dilation=0 there); test_edge_shapes covers valid empty batches
    assume(not (x.ndim == 4 and x.shape[0] == 0))
    groups = data.draw(st.sampled_from([1, 1, 1, 2, 0]))
    out_channels = data.draw(st.integers(0, 3)) * max(groups, 1)
    in_per_group = data.draw(st.sampled_from([channels // max(groups, 1), channels, 1]))
    kernel = tuple(data.draw(st.integers(1, 4)) for _ in range(2))
    weight_rank = data.draw(st.sampled_from([4, 4, 4, 3, 2]))
    weight_shape = (out_channels, in_per_group, *kernel)[:weight_rank]
    w = data.draw(arrays(shape=weight_shape, dtypes=(x.dtype.type,) * 4 + (np.float64,)))
    bias = data.draw(
        st.sampled_from([None, (out_channels,), (out_channels + 1,), (out_channels, 1)])
    )
    b = None if bias is None else data.draw(arrays(shape=bias, dtypes=(x.dtype.type,)))
    stride = data.draw(st.sampled_from([1, 1, 2, 3, 0, -1, (1, 2)]))
    padding = data.draw(st.sampled_from([0, 0, 1, 2, -1, (0, 1), "same", "valid", "bogus"]))
    dilation = data.draw(st.sampled_from([1, 1, 2, 0]))

    check_call(
        "conv2d",
        lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, stride, padding, dilation, groups),
        x,
        w,
        b,
    )


@fuzz
@given(data=st.data())
def test_fuzz_max_pool2d(data: st.DataObject) -> None:
    x, _ = data.draw(image_batches())
    kernel = data.draw(st.sampled_from([1, 2, 2, 3, (2, 3), 0, -1, 7]))
    stride = data.draw(st.sampled_from([None, 1, 2, 3, 0, -2, (1, 2)]))
    padding = data.draw(st.sampled_from([0, 0, 1, 2, -1, (1, 0)]))
    dilation = data.draw(st.sampled_from([1, 1, 2, 0]))
    ceil_mode = data.draw(st.booleans())
    check_call(
        "max_pool2d",
        lambda t, x: t.nn.functional.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode),
        x,
    )


@fuzz
@given(data=st.data())
def test_fuzz_linear(data: st.DataObject) -> None:
    features = data.draw(st.integers(0, 4))
    x = data.draw(
        float_arrays(shape=(*data.draw(st.lists(st.integers(0, 3), max_size=2)), features))
    )
    w_shape = data.draw(
        st.sampled_from(
            [
                (data.draw(st.integers(0, 3)), features),
                (2, features + 1),
                (features,),
                (1, 2, features),
            ]
        )
    )
    w = data.draw(arrays(shape=w_shape, dtypes=(x.dtype.type,) * 4 + (np.float64,)))
    bias = data.draw(st.sampled_from([None, (w_shape[0],), (w_shape[0] + 1,), ()]))
    b = None if bias is None else data.draw(arrays(shape=bias, dtypes=(x.dtype.type,)))
    check_call("linear", lambda t, x, w, b: t.nn.functional.linear(x, w, b), x, w, b)


@fuzz
@given(
    x=float_arrays(),
    name=st.sampled_from(["relu", "sigmoid", "tanh"]),
)
def test_fuzz_activations(x: np.ndarray, name: str) -> None:
    check_call(name, lambda t, x: getattr(t.nn.functional, name)(x), x)


@fuzz
@given(x=float_arrays(), dim=dims, name=st.sampled_from(["softmax", "log_softmax"]))
def test_fuzz_softmax(x: np.ndarray, dim: int, name: str) -> None:
    check_call(name, lambda t, x: getattr(t.nn.functional, name)(x, dim), x)


@st.composite
def classification(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    rank = draw(st.sampled_from([2, 2, 2, 1, 0, 3]))
    classes = draw(st.integers(0, 4))
    batch = draw(st.integers(0, 3))
    shape = {0: (), 1: (classes,), 2: (batch, classes), 3: (batch, classes, 2)}[rank]
    logits = draw(float_arrays(shape=shape))
    target_shape = draw(
        st.sampled_from([shape[:1] if rank == 2 else (), (batch,), (batch + 1,), (batch, 2)])
    )
    if rank == 3:
        target_shape = draw(st.sampled_from([(batch, 2), (batch,)]))
        # PyTorch views an empty (N, 0, d) input as 4-D [N, 0, 0, 0] and reports nonsense sizes
        assume(classes > 0)
    low, high = draw(st.sampled_from([(0, max(classes - 1, 0)), (-2, classes + 1), (-100, -100)]))
    target_dtype = draw(st.sampled_from([np.int64, np.int64, np.int64, np.float32, np.int32]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    target = rng.integers(low, high + 1, size=target_shape).astype(target_dtype)
    return logits, target


@fuzz
@given(
    pair=classification(),
    name=st.sampled_from(["cross_entropy", "nll_loss"]),
    reduction=st.sampled_from(["mean", "sum", "none", "bogus"]),
)
def test_fuzz_class_losses(pair: tuple[np.ndarray, np.ndarray], name: str, reduction: str) -> None:
    logits, target = pair
    check_call(
        name,
        lambda t, x, y: getattr(t.nn.functional, name)(x, y, reduction=reduction),
        logits,
        target,
    )


@fuzz
@given(
    data=st.data(),
    name=st.sampled_from(["l1_loss", "mse_loss"]),
    reduction=st.sampled_from(["mean", "sum", "none", "bogus"]),
)
def test_fuzz_regression_losses(data: st.DataObject, name: str, reduction: str) -> None:
    a = data.draw(float_arrays(max_dims=3))
    b_shape = data.draw(st.sampled_from([a.shape, a.shape[1:], (*a.shape, 2), (3,)]))
    b = data.draw(float_arrays(shape=b_shape))
    check_call(
        name,
        lambda t, a, b: getattr(t.nn.functional, name)(a, b, reduction=reduction),
        a,
        b,
    )


# ---------------------------------------------------------------- Tensor methods
@st.composite
def target_shapes(draw: st.DrawFn, x: np.ndarray) -> tuple[int, ...]:
    """Often a valid reshape of ``x`` (with one -1 sometimes), otherwise anything small."""
    if draw(st.booleans()) and x.size > 0:
        factors = [n for n in range(1, x.size + 1) if x.size % n == 0]
        first = draw(st.sampled_from(factors))
        shape = [first, x.size // first]
        if draw(st.booleans()):
            shape[draw(st.integers(0, 1))] = -1
        return tuple(shape)
    return tuple(draw(st.lists(st.integers(-2, 5), max_size=4)))


@fuzz
@given(data=st.data(), method=st.sampled_from(["reshape", "view"]))
def test_fuzz_reshape_view(data: st.DataObject, method: str) -> None:
    x = data.draw(arrays())
    shape = data.draw(target_shapes(x))
    check_call(method, lambda t, x: getattr(x, method)(shape), x)


@fuzz
@given(
    x=arrays(),
    dim=st.one_of(st.none(), dims, st.tuples(dims, dims)),
    keepdim=st.booleans(),
    name=st.sampled_from(["sum", "mean", "max"]),
)
def test_fuzz_reductions(x: np.ndarray, dim: Any, keepdim: bool, name: str) -> None:
    if dim is None:
        check_call(name, lambda t, x: getattr(x, name)(), x)
    elif name == "max" and isinstance(dim, tuple):
        check_call(name, lambda t, x: x.max(dim[0], keepdim), x)
    else:
        check_call(name, lambda t, x: getattr(x, name)(dim, keepdim), x)


index_parts = st.one_of(
    st.integers(-5, 5),
    st.slices(5),
    st.none(),
    st.just(Ellipsis),
)


@fuzz
@given(x=arrays(min_dims=1), index=st.lists(index_parts, min_size=1, max_size=3))
def test_fuzz_indexing(x: np.ndarray, index: list) -> None:
    if sum(part is Ellipsis for part in index) > 1:
        index = [part for part in index if part is not Ellipsis]
    key = tuple(index)
    check_call("indexing", lambda t, x: x[key], x)


@fuzz
@given(data=st.data())
def test_fuzz_tensor_index(data: st.DataObject) -> None:
    x = data.draw(arrays(min_dims=1, max_dims=3))
    index = data.draw(arrays(min_dims=1, max_dims=2, dtypes=(np.int64, np.int64, np.float32)))
    check_call("indexing", lambda t, x, i: x[i], x, index)


@fuzz
@given(data=st.data())
def test_fuzz_matmul(data: st.DataObject) -> None:
    a = data.draw(float_arrays(min_dims=0, max_dims=3))
    inner = a.shape[-1] if a.ndim else 1
    b_shape = data.draw(st.sampled_from([(inner,), (inner, 2), (2, inner, 3), (inner + 1, 2), ()]))
    b = data.draw(arrays(shape=b_shape, dtypes=(a.dtype.type,) * 3 + (np.float64,)))
    check_call("matmul", lambda t, a, b: a @ b, a, b)


@fuzz
@given(data=st.data(), dim=dims)
def test_fuzz_cat(data: st.DataObject, dim: int) -> None:
    a = data.draw(arrays(max_dims=3))
    shape = list(a.shape)
    if shape and data.draw(st.booleans()):
        shape[data.draw(st.integers(0, len(shape) - 1))] = data.draw(st.integers(0, 3))
    elif data.draw(st.booleans()):
        shape = shape[1:]
    b = data.draw(arrays(shape=tuple(shape)))
    check_call("cat", lambda t, a, b: t.cat([a, b], dim), a, b)


@fuzz
@given(x=arrays(), perm=st.lists(dims, max_size=5))
def test_fuzz_permute(x: np.ndarray, perm: list[int]) -> None:
    check_call("permute", lambda t, x: x.permute(*perm), x)


@fuzz
@given(x=arrays(max_side=2), dim=st.one_of(st.none(), dims), name=st.sampled_from(["s", "u"]))
def test_fuzz_squeeze_unsqueeze(x: np.ndarray, dim: int | None, name: str) -> None:
    if name == "s":
        check_call("squeeze", lambda t, x: x.squeeze() if dim is None else x.squeeze(dim), x)
    else:
        check_call("unsqueeze", lambda t, x: x.unsqueeze(0 if dim is None else dim), x)


@fuzz
@given(x=arrays(max_dims=3, max_side=2), sizes=st.lists(st.integers(-2, 3), max_size=4))
def test_fuzz_expand(x: np.ndarray, sizes: list[int]) -> None:
    # PyTorch expands to shapes holding negative sizes (a 0-d tensor to [0, -1], a (1,) one to
    # [0, -2]) wherever a 0 keeps its element count from overflowing: its bug, not a behaviour
    assume(x.ndim > 0 or all(size >= 0 for size in sizes))
    assume(all(size >= -1 for size in sizes) or (x.size > 0 and 0 not in sizes))
    check_call("expand", lambda t, x: x.expand(*sizes), x)
