"""The reference kernels (minitorch/kernels/reference.py): plain loops that agree with the fast
kernels on drawn shapes, and with PyTorch through the public API; how a set is chosen
(``minitorch.kernels.use``, ``MINITORCH_KERNELS``) and how the profiler names it."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import minitorch
import minitorch.nn.functional as F
from minitorch import _ops, kernels
from minitorch.kernels import conv as fast_conv
from minitorch.kernels import loss as fast_loss
from minitorch.kernels import pool as fast_pool
from minitorch.kernels import reference
from minitorch.profiler import profile

torch = pytest.importorskip("torch")

TOLERANCE = {np.float64: (1e-10, 1e-12), np.float32: (1e-4, 1e-5)}  # rtol, atol
DTYPES = st.sampled_from([np.float64, np.float32])


def assert_close(actual, expected, dtype, equal_nan=False):
    rtol, atol = TOLERANCE[dtype]
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan)


@pytest.fixture(autouse=True)
def fast_kernels_around_each_test():
    assert kernels.current() == "fast"
    yield
    assert kernels.current() == "fast"  # every test leaves the default set active


# ------------------------------------------------------------------ reference == fast
@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(4))  # top, bottom, left, right
    # each side at least as long as the dilated kernel less the padding: one output or more
    height = draw(st.integers(max(1, dilation[0] * (kernel[0] - 1) + 1 - sum(padding[:2])), 7))
    width = draw(st.integers(max(1, dilation[1] * (kernel[1] - 1) + 1 - sum(padding[2:])), 7))
    samples = draw(st.integers(0, 3))
    x_shape = (samples, channels, height, width)
    weight_shape = (out_channels, channels // groups, *kernel)
    return x_shape, weight_shape, stride, padding, dilation, groups


@given(conv_cases(), DTYPES, st.integers(0, 2**16), st.booleans(), st.booleans())
@example(((2, 4, 5, 5), (4, 2, 3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 2), np.float64, 0, True, True)
@example(((1, 1, 1, 1), (1, 1, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1), np.float32, 1, True, False)
def test_conv2d_reference_equals_fast(case, dtype, seed, with_bias, need_input):
    x_shape, weight_shape, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    weight = rng.standard_normal(weight_shape).astype(dtype)
    bias = rng.standard_normal(weight_shape[0]).astype(dtype) if with_bias else None
    geometry = (stride, padding, dilation, groups)
    out = reference.conv2d_forward(x, weight, bias, *geometry)
    assert_close(out, fast_conv.conv2d_forward(x, weight, bias, *geometry), dtype)
    grad_out = rng.standard_normal(out.shape).astype(dtype)
    needs = (need_input, True, with_bias)
    ours = reference.conv2d_backward(x, weight, grad_out, *geometry, *needs)
    theirs = fast_conv.conv2d_backward(x, weight, grad_out, *geometry, *needs)
    for mine, fast, needed in zip(ours, theirs, needs, strict=True):
        assert (mine is None) == (fast is None) == (not needed)
        if needed:
            assert_close(mine, fast, dtype)


def pool_output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output length (aten/src/ATen/native/Pool.h, pooling_output_shape)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


@st.composite
def pool_cases(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    ceil_mode = draw(st.booleans())
    sides = []
    for axis in range(2):
        least = max(1, dilation[axis] * (kernel[axis] - 1) + 1 - 2 * padding[axis])
        sides.append(draw(st.integers(least, 7)))
    x_shape = (draw(st.integers(0, 2)), draw(st.integers(1, 2)), *sides)
    output_size = tuple(
        pool_output_size(sides[a], kernel[a], stride[a], padding[a], dilation[a], ceil_mode)
        for a in range(2)
    )
    return x_shape, kernel, stride, padding, dilation, output_size


@given(pool_cases(), DTYPES, st.integers(0, 2**16), st.booleans())
@example(((2, 2, 4, 6), (2, 2), (2, 2), (0, 0), (1, 1), (2, 3)), np.float32, 0, True)  # 2x2 path
@example(((1, 1, 5, 5), (3, 3), (2, 2), (1, 1), (1, 1), (3, 3)), np.float64, 2, False)  # ceil_mode
def test_max_pool2d_reference_equals_fast(case, dtype, seed, ties_and_nan):
    x_shape, *window, output_size = case
    rng = np.random.default_rng(seed)
    if ties_and_nan:  # few distinct values: ties decide the argmax; and a NaN now and then
        x = rng.integers(0, 3, size=x_shape).astype(dtype)
        x[rng.random(x_shape) < 0.1] = np.nan
    else:
        x = rng.standard_normal(x_shape).astype(dtype)
    out, indices = reference.max_pool2d_forward(x, *window, output_size)
    fast_out, fast_indices = fast_pool.max_pool2d_forward(x, *window, output_size)
    np.testing.assert_array_equal(out, fast_out)  # a maximum is exact, NaN where fast has NaN
    assert out.dtype == fast_out.dtype and indices.dtype == fast_indices.dtype == np.int64
    np.testing.assert_array_equal(indices, fast_indices)
    grad_out = rng.standard_normal(out.shape).astype(dtype)
    grad_x = reference.max_pool2d_backward(grad_out, indices, x.shape)
    assert_close(grad_x, fast_pool.max_pool2d_backward(grad_out, indices, x.shape), dtype)


@given(
    st.integers(0, 6),
    st.integers(1, 5),
    DTYPES,
    st.integers(0, 2**16),
    st.booleans(),
    st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    st.booleans(),
)
@example(3, 4, np.float32, 0, True, 0.1, True)
def test_cross_entropy_reference_equals_fast(
    rows, classes, dtype, seed, weighted, label_smoothing, ignore_some
):
    rng = np.random.default_rng(seed)
    logits = (3 * rng.standard_normal((rows, classes))).astype(dtype)
    target = rng.integers(0, classes, size=rows).astype(np.int64)
    ignore_index = -100
    if ignore_some and rows:
        ignore_index = int(target[0])  # a class that occurs: those rows are ignored
    weight = rng.uniform(0.1, 2.0, classes) if weighted else np.ones(classes)
    grad_losses = rng.standard_normal(rows)
    options = (target, weight, ignore_index, label_smoothing)
    filled = {}
    for name, module in (("reference", reference), ("fast", fast_loss)):
        losses, row_max, log_sum = np.empty(rows), np.empty(rows), np.empty(rows)
        module.cross_entropy_forward(logits, *options, losses, row_max, log_sum)
        grad = np.empty_like(logits)
        module.cross_entropy_backward(logits, *options, row_max, log_sum, grad_losses, grad)
        filled[name] = (losses, row_max, log_sum, grad)
    for mine, fast in zip(filled["reference"], filled["fast"], strict=True):
        assert_close(mine, fast, mine.dtype.type)


# ------------------------------------------------------------------ reference == PyTorch
def both(array, requires_grad=True):
    return (
        minitorch.tensor(array, requires_grad=requires_grad),
        torch.tensor(array, requires_grad=requires_grad),
    )


def assert_matches_torch(ours, theirs, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol, atol)


@pytest.mark.parametrize(
    "options",
    [
        {"stride": 2, "padding": 1},
        {"padding": "same", "dilation": (2, 1)},
        {"stride": (1, 2), "groups": 2, "padding": (0, 2)},
    ],
    ids=["stride-padding", "same-dilation", "groups"],
)
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on uneven padding
def test_conv2d_through_the_api_matches_pytorch(options):
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((2, 4, 6, 7)).astype(np.float32)
    w_np = rng.standard_normal((6, 4 // options.get("groups", 1), 3, 2)).astype(np.float32)
    b_np = rng.standard_normal(6).astype(np.float32)
    (x, tx), (w, tw), (b, tb) = both(x_np), both(w_np), both(b_np)
    with kernels.use("reference"):
        out = F.conv2d(x, w, b, **options)
        (out * out).sum().backward()
    expected = torch.nn.functional.conv2d(tx, tw, tb, **options)
    (expected * expected).sum().backward()
    assert_matches_torch(out, expected)
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        assert_matches_torch(ours.grad, theirs.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "options",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_size": (2, 3), "stride": 1, "dilation": 2},
    ],
    ids=["2x2", "ceil-padding", "dilation"],
)
def test_max_pool2d_through_the_api_matches_pytorch(options):
    x_np = np.random.default_rng(1).standard_normal((2, 3, 7, 8)).astype(np.float32)
    (x, tx) = both(x_np)
    with kernels.use("reference"):
        out, indices = F.max_pool2d(x, return_indices=True, **options)
        (out * out).sum().backward()
    expected, expected_indices = torch.nn.functional.max_pool2d(tx, return_indices=True, **options)
    (expected * expected).sum().backward()
    assert_matches_torch(out, expected)
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    assert_matches_torch(x.grad, tx.grad)


def test_cross_entropy_through_the_api_matches_pytorch():
    rng = np.random.default_rng(2)
    logits_np = rng.standard_normal((6, 5, 3)).astype(np.float32)  # (N, C, d1)
    target_np = rng.integers(0, 5, size=(6, 3))
    target_np[0, 0] = 3
    weight_np = rng.uniform(0.5, 2.0, 5).astype(np.float32)
    (x, tx) = both(logits_np)
    options = {"ignore_index": 3, "label_smoothing": 0.2}
    with kernels.use("reference"):
        loss = F.cross_entropy(
            x, minitorch.tensor(target_np), weight=minitorch.tensor(weight_np), **options
        )
        loss.backward()
    expected = torch.nn.functional.cross_entropy(
        tx, torch.tensor(target_np), weight=torch.tensor(weight_np), **options
    )
    expected.backward()
    assert_matches_torch(loss, expected)
    assert_matches_torch(x.grad, tx.grad)


# ------------------------------------------------------------------ choosing the set
KERNELS = [
    (_ops.conv, "conv2d_forward"),
    (_ops.conv, "conv2d_backward"),
    (_ops.pool, "max_pool2d_forward"),
    (_ops.pool, "max_pool2d_backward"),
    (_ops.loss, "cross_entropy_forward"),
    (_ops.loss, "cross_entropy_backward"),
]


def test_use_switches_every_kernel_and_returns_the_previous_set():
    previous = kernels.use("reference")
    try:
        assert previous == "fast" and kernels.current() == "reference"
        for module, name in KERNELS:
            assert getattr(module, name) is getattr(reference, name)
        assert _ops.conv.Convolution.kernel == "minitorch.kernels.reference.conv2d_forward"
        assert (
            _ops.loss.CrossEntropyLoss.backward_kernel
            == "minitorch.kernels.reference.cross_entropy_backward"
        )
        assert kernels.use("reference") == "reference"  # choosing the active set: no change
    finally:
        assert kernels.use(previous) == "reference"
    fast_modules = {"conv": fast_conv, "pool": fast_pool, "loss": fast_loss}
    for module, name in KERNELS:
        assert getattr(module, name) is getattr(
            fast_modules[module.__name__.rpartition(".")[2]], name
        )
    assert _ops.pool.MaxPool2DWithIndices.kernel == "minitorch.kernels.pool.max_pool2d_forward"


def test_use_is_a_context_manager_that_restores_the_previous_set():
    with kernels.use("reference") as active:
        assert active == kernels.current() == "reference"
        with kernels.use("fast"):
            assert _ops.conv.conv2d_forward is fast_conv.conv2d_forward
        assert _ops.conv.conv2d_forward is reference.conv2d_forward
    with pytest.raises(ZeroDivisionError), kernels.use("reference"):
        1 / 0  # noqa: B018 - an error in the block restores the set all the same
    assert kernels.current() == "fast"


def test_an_unknown_set_is_refused():
    with pytest.raises(
        ValueError, match=r"unknown kernel set 'slow'; the sets are fast, reference"
    ):
        kernels.use("slow")
    assert kernels.sets() == ("fast", "reference")


def run_python(code, value):
    env = {**os.environ, "MINITORCH_KERNELS": value}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_environment_variable_chooses_the_set_at_import():
    code = (
        "import minitorch, minitorch.nn.functional as F\n"
        "from minitorch import _ops, kernels\n"
        "out = F.max_pool2d(minitorch.arange(16.0).reshape(1, 1, 4, 4), 2)\n"
        "print(kernels.current(), _ops.pool.MaxPool2DWithIndices.kernel, out.flatten().tolist())\n"
    )
    done = run_python(code, "reference")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "reference",
        "minitorch.kernels.reference.max_pool2d_forward",
        "[5.0,",
        "7.0,",
        "13.0,",
        "15.0]",
    ]


def test_an_unknown_set_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("MINITORCH_KERNELS", "slow")
    message = r"the environment variable MINITORCH_KERNELS: unknown kernel set 'slow'"
    with pytest.raises(ValueError, match=message):
        kernels._set_from_environment()  # what the import runs (in a process of its own above)


# ------------------------------------------------------------------ profiler and trace
def small_step():
    x = minitorch.randn(2, 3, 6, 6)
    weight = minitorch.randn(4, 3, 3, 3, requires_grad=True)
    out = F.max_pool2d(F.conv2d(x, weight, padding=1), 2)
    loss = F.cross_entropy(out.flatten(1), minitorch.tensor([1, 0]))
    loss.backward()


def test_the_profiler_names_the_reference_kernels():
    small_step()  # compiled (or loaded from Numba's cache) before profiling
    with kernels.use("reference"):
        small_step()
        with profile() as prof:
            small_step()
        assert _ops.conv.conv2d_forward is reference.conv2d_forward  # the profiler's wrap undone
    kernel_events = [e.name for e in prof.events() if e.category == "kernel"]
    assert kernel_events[:3] == [
        "minitorch.kernels.reference.conv2d_forward",
        "minitorch.kernels.reference.max_pool2d_forward",
        "minitorch.kernels.reference.cross_entropy_forward",
    ]
    assert set(kernel_events[3:]) == {
        "minitorch.kernels.reference.cross_entropy_backward",
        "minitorch.kernels.reference.max_pool2d_backward",
        "minitorch.kernels.reference.conv2d_backward",
    }
    # the reference convolution counts the fast one's FLOPs: 2 per multiply-add of the formula
    conv_flops = {e.name: e.flops for e in prof.events() if e.name.endswith("conv2d_forward")}
    assert conv_flops == {"minitorch.kernels.reference.conv2d_forward": 2 * 2 * 4 * 6 * 6 * 27}


def test_the_set_cannot_change_while_the_profiler_records():
    with profile():
        with pytest.raises(RuntimeError, match=r"choose the kernel set before the profiler starts"):
            kernels.use("reference")
        assert kernels.current() == "fast"
    assert _ops.conv.conv2d_forward is fast_conv.conv2d_forward


def test_the_trace_names_the_kernel_that_ran_and_the_name_leads_to_it():
    from minitorch._trace import Trace

    with kernels.use("reference"), Trace() as trace:
        small_step()
    names = {event.name: event.kernel for event in trace.events}
    assert names["Convolution"] == "minitorch.kernels.reference.conv2d_forward"
    assert names["ConvolutionBackward0"] == "minitorch.kernels.reference.conv2d_backward"
    # how minitorch-explain finds a kernel's source from its name
    module, _, attribute = names["Convolution"].rpartition(".")
    assert getattr(importlib.import_module(module), attribute) is reference.conv2d_forward


def test_the_kernel_pair_rows_run_their_set_on_minitorch_only():
    from benchmarks.kernel_pairs import benchmark_rows
    from benchmarks.rows import Backend
    from minitorch._trace import Trace

    rows = {row.name: row for row in benchmark_rows()}
    assert list(rows)[:2] == ["conv2_fwd_reference", "conv2_fwd_fast"]
    workload = rows["conv2_fwd_bwd_reference"].build(True)  # quick: a few small samples
    ours = workload.prepare(Backend("minitorch", minitorch))
    theirs = workload.prepare(Backend("torch", torch))
    with Trace() as trace:
        grads = ours()
    assert kernels.current() == "fast"  # the row switched the set for its call only
    ran = {event.kernel for event in trace.events if event.name.startswith("Convolution")}
    assert ran == {
        "minitorch.kernels.reference.conv2d_forward",
        "minitorch.kernels.reference.conv2d_backward",
    }
    for mine, expected in zip(grads, theirs(), strict=True):
        assert_matches_torch(mine, expected, rtol=1e-4, atol=1e-4)
