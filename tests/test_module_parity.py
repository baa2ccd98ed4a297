"""Layer-level parity: ``assert_module_parity`` compares outputs, buffers, input gradients and
every named parameter's gradient, and says which one differs; a user-written layer is
checked with the public toolkit alone (strategies + assert_module_parity)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.autograd import Function
from minitorch.testing import ParityError, assert_module_parity, assert_parity
from minitorch.testing.strategies import conv2d_args, float_dtypes, normal


class _LinearWithWrongWeightGradient(Function):
    """``x @ weight.T``, right forward, but the weight's gradient is 1.5 times too large."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.x, ctx.weight = x, weight
        return x @ weight.T

    @staticmethod
    def backward(ctx, grad):
        return grad @ ctx.weight, 1.5 * (grad.T @ ctx.x)


class WrongGradientLinear(minitorch.nn.Module):
    """A bias-free linear layer whose forward is right and whose weight.grad is not."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = minitorch.nn.Parameter(minitorch.randn(out_features, in_features))

    def forward(self, x):
        return _LinearWithWrongWeightGradient.apply(x, self.weight)


def wrong_or_torch_linear(nn):
    if nn is minitorch.nn:
        return WrongGradientLinear(3, 2)
    return nn.Linear(3, 2, bias=False)


X = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)


def test_a_wrong_parameter_gradient_is_caught_and_named():
    # assert_parity sees only the forward and the input's gradient, which are right
    layers = {}
    assert_parity(
        lambda t, x: layers.setdefault(t.__name__, wrong_or_torch_linear(t.nn))(x),
        X,
        torch_fn=lambda t, x: t.nn.functional.linear(
            x, t.tensor(layers["minitorch"].weight.detach().numpy())
        ),
    )
    with pytest.raises(ParityError) as caught:
        assert_module_parity(wrong_or_torch_linear, X)
    message = str(caught.value)
    assert message.startswith("gradient of parameter 'weight': values differ (float32")
    assert "Mismatched elements: 6 / 6 (100.0%)" in message
    assert "Greatest relative difference: 0.5" in message  # 1.5x: off by half of PyTorch's


def test_the_state_is_copied_both_ways_and_the_layers_match():
    def block(nn):
        return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))

    for state_from in ("minitorch", "torch"):
        worst = assert_module_parity(block, X, state_from=state_from, atol=1e-5, rtol=1e-4)
        assert 0.0 <= worst <= 1.0
    with pytest.raises(ValueError, match="state_from must be 'minitorch' or 'torch'"):
        assert_module_parity(block, X, state_from="numpy")


def test_float64_modules_and_a_custom_forward_call():
    def scaled(module, x, factor):
        return module(x) * factor

    assert_module_parity(
        lambda nn: nn.Linear(3, 2), X.astype(np.float64), 2.5, forward=scaled, dtype=np.float64
    )


def test_state_dict_layouts_that_differ_are_reported():
    def make(nn):
        return nn.Linear(3, 2) if nn is minitorch.nn else nn.Linear(3, 4)

    with pytest.raises(ParityError, match=r"state_dict: 'weight' is \[2, 3\] in minitorch, "):
        assert_module_parity(make, X)

    def no_bias_on_minitorch(nn):
        return nn.Linear(3, 2, bias=nn is not minitorch.nn)

    with pytest.raises(ParityError, match=r"state_dict: only PyTorch's has \['bias'\]"):
        assert_module_parity(no_bias_on_minitorch, X)


def test_forward_mismatches_are_reported_before_gradients():
    def make(nn):
        if nn is minitorch.nn:

            class DoubledLinear(nn.Linear):  # same parameters, a wrong forward
                def forward(self, x):
                    return super().forward(x) * 2

            return DoubledLinear(3, 2)
        return nn.Linear(3, 2)

    with pytest.raises(ParityError, match=r"^forward output 0: values differ"):
        assert_module_parity(make, X)


def test_a_buffer_the_forward_updates_is_compared():
    def counting(nn):
        class Counting(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(3, 2)
                self.register_buffer("running_sum", self.linear.bias.detach() * 0)

            def forward(self, x):
                out = self.linear(x)
                step = 2 if nn is minitorch.nn else 1  # minitorch's side adds twice
                self.running_sum.add_(step * out.detach().sum(0))
                return out

        return Counting()

    with pytest.raises(ParityError, match=r"^buffer 'running_sum' after the forward: values"):
        assert_module_parity(counting, X)


def test_gradients_are_numbered_by_position_in_the_call():
    args = [np.float32(0.5), 3, (1, 2), "unused", X]

    def fn(t, a, b, c, d, x):
        return x * a * b

    with pytest.raises(ParityError, match=r"^gradient of input 4: values differ"):
        assert_parity(
            lambda t, *call: fn(t, *call) + (call[-1] * 0.5 if t is minitorch else 0),
            *args,
            torch_fn=lambda t, *call: fn(t, *call) + call[-1].detach() * 0.5,
        )


def test_messages_use_plain_numbers():
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    with pytest.raises(ParityError) as caught:
        assert_parity(lambda t, x: x * 1.5, x, torch_fn=lambda t, x: x * 1, grad=False)
    assert "np." not in str(caught.value)
    assert "Worst at index (2,): minitorch 4.5, PyTorch 3.0" in str(caught.value)


def test_pytest_tracebacks_hide_the_toolkit_frames():
    # pytest leaves out of a failure's traceback every frame whose locals set
    # __tracebackhide__: the user sees their own test's line, not the toolkit's insides.
    with pytest.raises(ParityError) as caught:
        assert_module_parity(wrong_or_torch_linear, X)
    toolkit_frames = [
        entry.frame.f_locals
        for entry in caught.traceback
        if "minitorch/testing" in str(entry.path).replace("\\", "/")
    ]
    assert toolkit_frames
    assert all(f_locals.get("__tracebackhide__") is True for f_locals in toolkit_frames)


# ------------------------------------------------------------------ a user's own layer
# What a user writes for their own layer: a block defined against ``nn`` (either library's),
# its arguments drawn with the public strategies, the check done by assert_module_parity.
def conv_relu_linear(nn, conv: dict, classes: int):
    """Conv2d -> ReLU -> Flatten -> Linear, sized from a ``conv2d_args`` draw."""
    features = int(np.prod(conv["output_shape"][-3:]))
    return nn.Sequential(
        nn.Conv2d(
            conv["in_channels"],
            conv["out_channels"],
            conv["kernel_size"],
            stride=conv["stride"],
            padding=conv["padding"],
            dilation=conv["dilation"],
            groups=conv["groups"],
            bias=conv["bias"],
        ),
        nn.ReLU(),
        nn.Flatten(start_dim=-3),
        nn.Linear(features, classes),
    )


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@given(
    conv=conv2d_args(batch=(None, 1, 2), channels=(1, 2), kernel=(1, 3), extra_side=(0, 3)),
    classes=st.integers(1, 4),
    dtype=float_dtypes(),
)
def test_a_user_written_conv_relu_linear_block_matches_pytorch(conv, classes, dtype):
    x = normal(conv["seed"], conv["input_shape"], dtype)
    assert_module_parity(
        lambda nn: conv_relu_linear(nn, conv, classes),
        x,
        dtype=dtype,
        state_from="torch",
        **({"atol": 1e-4, "rtol": 1e-4} if dtype == np.float32 else {}),
    )
