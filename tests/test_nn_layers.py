"""Parity of the nn layers with PyTorch: conv2d, max_pool2d, pad, linear, activations, modules.

Hypothesis draws parameter sets that agree with each other (channels divisible by groups,
inputs at least as large as the dilated kernel, pooling padding at most half the kernel);
values come from a seeded generator so that a few thousand elements stay cheap to draw.
Forward outputs and the gradients of every input (input, weight, bias) are compared under
a random upstream gradient, in float64 (tight) and float32 (what users run).
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
import torch
from _support import copy_weights
from hypothesis import example, given
from hypothesis import strategies as st

import minitorch
from minitorch.kernels import conv as conv_kernels
from minitorch.testing import Input, assert_parity
from minitorch.testing.strategies import (
    conv2d_args,
    distinct,
    float_dtypes,
    max_pool2d_args,
    normal,
)

# float32 convolutions sum up to a few hundred products in another order than PyTorch's oneDNN.
F32_SUMS = {"rtol": 1e-4, "atol": 1e-4}

COURSE_INPUT = [
    [1, 2, 0, 3, 1],
    [0, 1, 2, 3, 1],
    [1, 2, 1, 0, 0],
    [5, 2, 3, 1, 1],
    [2, 1, 0, 1, 1],
]
COURSE_KERNEL = [[1, 2, 1], [0, 1, 0], [2, 1, 0]]


def tolerance(dtype: np.dtype) -> dict:
    return F32_SUMS if dtype == np.float32 else {}


# ------------------------------------------------------------------ conv2d
@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
@given(case=conv2d_args(), dtype=float_dtypes())
def test_conv2d_parity(case, dtype):
    x = normal(case["seed"], case["input_shape"], dtype)
    w = normal(case["seed"] + 1, case["weight_shape"], dtype)
    b = normal(case["seed"] + 2, case["weight_shape"][:1], dtype)
    options = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    if case["bias"]:
        assert_parity(
            lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, **options),
            x,
            w,
            b,
            **tolerance(dtype),
        )
    else:
        assert_parity(
            lambda t, x, w: t.nn.functional.conv2d(x, w, **options), x, w, **tolerance(dtype)
        )


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
@given(case=conv2d_args(), dtype=float_dtypes())
def test_conv2d_parity_in_tiles_of_rows(case, dtype):
    """A sample too large for the kernel's im2col buffer is convolved a few output rows at a
    time: with a tiny buffer every sample takes that path, one output row per tile."""
    with mock.patch.object(conv_kernels, "CHUNK_BYTES", 8):
        test_conv2d_parity.hypothesis.inner_test(case, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_gradient_of_weight_only(dtype):
    """A first layer: the input needs no gradient, so only the weight and bias get one."""
    x = Input(normal(0, (2, 3, 9, 7), dtype), requires_grad=False)
    w, b = normal(1, (4, 3, 3, 3), dtype), normal(2, (4,), dtype)
    assert_parity(
        lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, padding=1), x, w, b, **tolerance(dtype)
    )


def test_conv2d_of_a_non_contiguous_input():
    x = normal(3, (2, 6, 5, 3), np.float64)  # permuted to (2, 3, 6, 5) on both sides
    w = normal(4, (2, 3, 2, 2), np.float64)
    assert_parity(lambda t, x, w: t.nn.functional.conv2d(x.permute(0, 3, 1, 2), w), x, w)


def test_conv2d_course_example_stride_1():
    x = minitorch.tensor(COURSE_INPUT, dtype=minitorch.float32).reshape(1, 1, 5, 5)
    k = minitorch.tensor(COURSE_KERNEL, dtype=minitorch.float32).reshape(1, 1, 3, 3)
    out = minitorch.nn.functional.conv2d(x, k, stride=1)
    assert out.tolist() == [[[[10, 12, 12], [18, 16, 16], [13, 9, 3]]]]


def test_conv2d_course_example_stride_2_and_padding_1():
    x = minitorch.tensor(COURSE_INPUT, dtype=minitorch.float32).reshape(1, 1, 5, 5)
    k = minitorch.tensor(COURSE_KERNEL, dtype=minitorch.float32).reshape(1, 1, 3, 3)
    assert minitorch.nn.functional.conv2d(x, k, stride=2).tolist() == [[[[10, 12], [13, 3]]]]
    padded = minitorch.nn.functional.conv2d(x, k, padding=1)
    assert padded.tolist() == [
        [
            [
                [1, 3, 4, 10, 8],
                [5, 10, 12, 12, 6],
                [7, 18, 16, 16, 8],
                [11, 13, 9, 3, 4],
                [14, 13, 9, 7, 4],
            ]
        ]
    ]


def test_conv2d_output_is_contiguous_nchw():
    x = minitorch.randn(2, 3, 8, 8)
    out = minitorch.nn.Conv2d(3, 4, 3)(x)
    assert out.shape == (2, 4, 6, 6) and out.is_contiguous()
    assert out.view(2, -1).shape == (2, 144)  # as in PyTorch, view works on a conv output


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1)])
def test_conv2d_module_padding_modes(padding_mode, padding):
    compare_module(
        lambda nn: nn.Conv2d(2, 3, (3, 2), padding=padding, padding_mode=padding_mode),
        normal(5, (2, 2, 5, 6), np.float64),
    )


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@given(seed=st.integers(0, 2**31), pads=st.tuples(*[st.integers(0, 2)] * 4), batched=st.booleans())
def test_pad_parity(mode, seed, pads, batched):
    shape = (2, 3, 4, 3) if batched else (3, 4, 3)
    x = normal(seed, shape, np.float64)
    assert_parity(lambda t, x: t.nn.functional.pad(x, pads, mode=mode), x)


def test_pad_constant_value_on_the_last_dimension_only():
    x = normal(6, (2, 3), np.float64)
    assert_parity(lambda t, x: t.nn.functional.pad(x, (1, 2), value=-1.5), x)


# ------------------------------------------------------------------ max_pool2d
@given(case=max_pool2d_args(), dtype=float_dtypes())
@example(
    case={
        "shape": (1, 1, 5, 5),
        "kernel_size": 3,
        "stride": None,
        "padding": (1, 1),
        "dilation": (1, 1),
        "ceil_mode": True,
        "seed": 0,
    },
    dtype=np.dtype(np.float32),
)
def test_max_pool2d_parity(case, dtype):
    x = distinct(case["seed"], case["shape"], dtype)
    options = {k: case[k] for k in ("kernel_size", "stride", "padding", "dilation", "ceil_mode")}
    assert_parity(lambda t, x: t.nn.functional.max_pool2d(x, return_indices=True, **options), x)


def test_max_pool2d_module_parity_with_indices():
    x = distinct(1, (2, 3, 7, 6), np.float32)
    assert_parity(
        lambda t, x: t.nn.MaxPool2d((3, 2), stride=2, padding=1, return_indices=True)(x), x
    )


def test_max_pool2d_course_example():
    x = minitorch.tensor(COURSE_INPUT, dtype=minitorch.float32).reshape(1, 1, 5, 5)
    assert minitorch.nn.MaxPool2d(3, ceil_mode=True)(x).tolist() == [[[[2, 3], [5, 1]]]]
    assert minitorch.nn.MaxPool2d(3, ceil_mode=False)(x).tolist() == [[[[2]]]]


def test_max_pool2d_ties_pick_the_first_maximum_and_share_no_gradient():
    x = minitorch.tensor([[[[1.0, 1.0], [1.0, 1.0]]]], requires_grad=True)
    out, indices = minitorch.nn.functional.max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    assert indices.tolist() == [[[[0]]]]
    assert x.grad.tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]


def test_max_pool2d_propagates_nan_and_skips_padding():
    x = minitorch.tensor([[[[-5.0, float("nan")], [2.0, -3.0]]]])
    out, indices = minitorch.nn.functional.max_pool2d(
        x, 2, stride=1, padding=1, return_indices=True
    )
    expected, expected_indices = torch.nn.functional.max_pool2d(
        torch.tensor(x.numpy()), 2, stride=1, padding=1, return_indices=True
    )
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())


def test_max_pool2d_overlapping_windows_add_their_gradients():
    x = distinct(2, (1, 2, 6, 6), np.float64)
    assert_parity(lambda t, x: t.nn.functional.max_pool2d(x, 3, stride=1), x)


# ------------------------------------------------------------------ linear and activations
@given(
    leading=st.lists(st.integers(1, 4), max_size=2),
    sizes=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    bias=st.booleans(),
    seed=st.integers(0, 2**31),
    dtype=float_dtypes(),
)
def test_linear_parity(leading, sizes, bias, seed, dtype):
    x = normal(seed, (*leading, sizes[0]), dtype)
    w = normal(seed + 1, (sizes[1], sizes[0]), dtype)
    b = normal(seed + 2, (sizes[1],), dtype)
    if bias:
        assert_parity(
            lambda t, x, w, b: t.nn.functional.linear(x, w, b), x, w, b, **tolerance(dtype)
        )
    else:
        assert_parity(lambda t, x, w: t.nn.functional.linear(x, w), x, w, **tolerance(dtype))


@pytest.mark.parametrize("rows", [1, 3])
def test_linear_gradients_under_a_broadcast_upstream_gradient(rows):
    """``y.sum().backward()`` sends Linear an upstream gradient with zero strides, and one row
    makes grad-weight an outer product: both take their own paths in minitorch."""
    x, w, b = (
        normal(1, (rows, 1024), np.float32),
        normal(2, (64, 1024), np.float32),
        normal(3, (64,), np.float32),
    )
    assert_parity(
        lambda t, x, w, b: t.nn.functional.linear(x, w, b).sum(), x, w, b, **tolerance(np.float32)
    )


ACTIVATIONS = [
    ("relu", lambda t, x: t.nn.functional.relu(x)),
    ("ReLU", lambda t, x: t.nn.ReLU()(x)),
    ("sigmoid", lambda t, x: t.nn.functional.sigmoid(x)),
    ("Sigmoid", lambda t, x: t.nn.Sigmoid()(x)),
    ("tanh", lambda t, x: t.nn.functional.tanh(x)),
    ("Tanh", lambda t, x: t.nn.Tanh()(x)),
    ("softmax", lambda t, x: t.nn.functional.softmax(x, dim=1)),
    ("Softmax", lambda t, x: t.nn.Softmax(dim=-1)(x)),
    ("log_softmax", lambda t, x: t.nn.functional.log_softmax(x, 0)),
    ("LogSoftmax", lambda t, x: t.nn.LogSoftmax(dim=1)(x)),
    ("Identity", lambda t, x: t.nn.Identity(3, unused=True)(x)),
    ("Flatten", lambda t, x: t.nn.Flatten()(x)),
    ("Flatten_0_1", lambda t, x: t.nn.Flatten(0, 1)(x)),
]


@pytest.mark.parametrize(("name", "call"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_parity(name, call, dtype):
    x = normal(7, (3, 4, 2), dtype)
    x[np.abs(x) < 1e-3] = 0.5  # relu'(0) is a convention, pinned by the test below
    assert_parity(call, x)


def test_relu_gradient_at_zero_is_zero():
    x = minitorch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    minitorch.nn.ReLU()(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_relu_inplace_writes_into_its_input():
    x = minitorch.tensor([-1.0, 2.0])
    assert minitorch.nn.ReLU(inplace=True)(x) is x
    assert x.tolist() == [0.0, 2.0]


def test_relu_inplace_inside_a_graph_matches_pytorch():
    x = normal(8, (2, 3), np.float64)
    assert_parity(lambda t, x: t.nn.functional.relu(x * 2, inplace=True), x)


def test_softmax_without_dim_warns_and_picks_pytorchs_dim():
    x = normal(9, (2, 3), np.float64)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        assert_parity(lambda t, x: t.nn.functional.softmax(x), x)


# ------------------------------------------------------------------ modules with parameters
def compare_module(
    build, x: np.ndarray, rtol: float | None = None, atol: float | None = None
) -> None:
    """Same module on both sides, same weights: compare output, input and parameter gradients."""
    mt_module, torch_module = build(minitorch.nn), build(torch.nn)
    if x.dtype == np.float64:
        mt_module.double()
        torch_module.double()
    copy_weights(mt_module, torch_module)
    mt_out = mt_module(minitorch.tensor(x, requires_grad=True))
    torch_out = torch_module(torch.tensor(x, requires_grad=True))
    np.testing.assert_allclose(
        mt_out.detach().numpy(), torch_out.detach().numpy(), rtol or 1e-7, atol or 1e-7
    )
    upstream = np.random.default_rng(0).standard_normal(tuple(torch_out.shape)).astype(x.dtype)
    mt_out.backward(minitorch.tensor(upstream))
    torch_out.backward(torch.tensor(upstream))
    torch_params = dict(torch_module.named_parameters())
    for name, param in mt_module.named_parameters():
        np.testing.assert_allclose(
            param.grad.numpy(),
            torch_params[name].grad.numpy(),
            rtol or 1e-7,
            atol or 1e-7,
            err_msg=name,
        )


MODULES = [
    ("conv_groups", lambda nn: nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3), (2, 3, 6, 6)),
    ("conv_dilated", lambda nn: nn.Conv2d(4, 2, (2, 3), dilation=(2, 1), bias=False), (2, 4, 6, 6)),
    ("conv_same_even", lambda nn: nn.Conv2d(3, 4, 4, padding="same"), (2, 3, 5, 6)),
    ("conv_unbatched", lambda nn: nn.Conv2d(3, 4, 3), (3, 5, 5)),
    ("linear", lambda nn: nn.Linear(7, 4), (2, 7)),
    (
        "sequential",
        lambda nn: nn.Sequential(
            nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 3)
        ),
        (2, 3, 6, 6),
    ),
]


@pytest.mark.parametrize(("name", "build", "shape"), MODULES, ids=[m[0] for m in MODULES])
def test_module_parity(name, build, shape):
    compare_module(build, normal(10, shape, np.float64))


def test_default_initialisation_bounds_match_pytorch():
    conv = minitorch.nn.Conv2d(3, 32, 5)
    bound = 1 / np.sqrt(3 * 25)  # kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in)), bias too
    assert np.abs(conv.weight.detach().numpy()).max() <= bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    assert conv.weight.detach().numpy().std() == pytest.approx(bound / np.sqrt(3), rel=0.1)
    linear = minitorch.nn.Linear(1024, 64)
    assert np.abs(linear.weight.detach().numpy()).max() <= 1 / 32
    assert linear.weight.dtype is minitorch.float32 and linear.weight.requires_grad


def test_layers_accept_dtype_and_reject_cuda():
    assert minitorch.nn.Linear(2, 3, dtype=minitorch.float64).weight.dtype is minitorch.float64
    assert minitorch.nn.Conv2d(1, 1, 1, device="cpu").weight.dtype is minitorch.float32
    with pytest.raises(RuntimeError, match="torch_backend"):
        minitorch.nn.Conv2d(1, 1, 1, device="cuda")


def test_conv2d_and_pool_accept_one_element_lists():
    x = normal(11, (1, 2, 7, 7), np.float64)
    w = normal(12, (3, 2, 3, 3), np.float64)
    assert_parity(
        lambda t, x, w: t.nn.functional.conv2d(x, w, stride=[2], padding=[1], dilation=[1]), x, w
    )
    x = distinct(13, (1, 2, 7, 7), np.float64)
    assert_parity(lambda t, x: t.nn.functional.max_pool2d(x, [3], [2], [1]), x)


def test_max_pool2d_with_indices_function():
    x = distinct(14, (2, 7, 5), np.float32)
    assert_parity(lambda t, x: t.nn.functional.max_pool2d_with_indices(x, 2), x)


def test_log_softmax_without_dim_warns():
    x = normal(15, (2, 3, 4), np.float64)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        assert_parity(lambda t, x: t.nn.functional.log_softmax(x), x)


def test_max_pool2d_window_wholly_in_the_padding():
    """ceil_mode can make a window that covers only padding: -inf and an out-of-plane index,
    as in PyTorch. Its backward must skip that window (PyTorch 2.14's own backward corrupts
    memory there), so the gradient is checked against the windows that hold input."""
    x = np.array(
        [[[[0.25, 1.0, 0.5, -1.25, 0.75]], [[-0.5, 0.0, -0.25, -0.75, -1.0]]]], dtype=np.float32
    )
    args = dict(kernel_size=(2, 3), stride=(2, 3), padding=(1, 0), dilation=(2, 2), ceil_mode=True)
    assert_parity(
        lambda t, x: t.nn.functional.max_pool2d(x, return_indices=True, **args), x, grad=False
    )
    mt_x = minitorch.tensor(x, requires_grad=True)
    out, indices = minitorch.nn.functional.max_pool2d(mt_x, return_indices=True, **args)
    assert not np.isfinite(out.detach().numpy()).all()
    upstream = np.arange(1, out.numel() + 1, dtype=np.float32).reshape(tuple(out.shape))
    out.backward(minitorch.tensor(upstream))
    expected = np.zeros_like(x).reshape(x.shape[0], x.shape[1], -1)
    for (n, c, i, j), index in np.ndenumerate(indices.numpy()):
        if np.isfinite(out.detach().numpy()[n, c, i, j]):
            expected[n, c, index] += upstream[n, c, i, j]
    np.testing.assert_array_equal(mt_x.grad.numpy(), expected.reshape(x.shape))
