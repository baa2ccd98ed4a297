"""``F.dropout``, ``F.dropout2d``, ``nn.Dropout`` and ``nn.Dropout2d`` against PyTorch.

The masks themselves cannot be compared with PyTorch's: each library draws them from its
own generator (minitorch's is numpy's PCG64, PyTorch's a Mersenne Twister), so the same
seed gives different masks. What is compared instead is everything else: the fraction of
elements kept (by a bound several standard deviations wide), the scale of the kept ones
(to the bit: PyTorch's ``noise.div_(1 - p)`` in the input's dtype), the gradient
(``grad * noise``, the output's own pattern), the deterministic cases (``p=0``, ``p=1``,
eval mode) value for value, in-place semantics, and the errors and warnings.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import minitorch
from minitorch.testing import assert_parity, assert_same_error

torch = pytest.importorskip("torch")

F = minitorch.nn.functional
rng = np.random.default_rng(0)


def away_from_zero(*shape: int, dtype: type = np.float32) -> np.ndarray:
    """Values whose sign and size tell a kept element from a dropped one."""
    values = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return values.astype(dtype)


def kept_fraction_bound(n: int, p: float) -> float:
    """Six standard deviations of the kept fraction of ``n`` Bernoulli(1 - p) draws."""
    return 6 * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.9])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_fraction_kept_is_one_minus_p(p: float, dtype: type) -> None:
    n = 200_000
    minitorch.manual_seed(0)
    out = F.dropout(minitorch.ones(n, dtype=minitorch.float64 if dtype is np.float64 else None), p)
    kept = float((out != 0).double().mean())
    assert abs(kept - (1 - p)) < kept_fraction_bound(n, p)
    reference = float((torch.nn.functional.dropout(torch.ones(n), p) != 0).double().mean())
    assert abs(reference - (1 - p)) < kept_fraction_bound(n, p)  # the bound is fair to PyTorch


@pytest.mark.parametrize("p", [0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1 / 3, 0.123456789])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kept_elements_are_scaled_as_pytorch_scales_them(p: float, dtype: type) -> None:
    """``noise = 1 / (1 - p)`` rounded in the input's dtype, then ``input * noise``: bit for
    bit PyTorch's numbers wherever both keep an element."""
    x = away_from_zero(4000, dtype=dtype)
    out = F.dropout(minitorch.tensor(x), p).numpy()
    reference = torch.nn.functional.dropout(torch.tensor(x), p).numpy()
    kept, kept_there = out != 0, reference != 0
    assert kept.any() and (~kept).any()
    both = kept & kept_there
    assert out.dtype == reference.dtype == dtype
    np.testing.assert_array_equal(out[both], reference[both])
    noise = torch.nn.functional.dropout(torch.ones(1, dtype=torch.tensor(x).dtype), p)
    while noise.item() == 0:  # PyTorch's scale itself, from an element it kept
        noise = torch.nn.functional.dropout(torch.ones(1, dtype=noise.dtype), p)
    np.testing.assert_array_equal(out[kept], (torch.tensor(x[kept]) * noise).numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_gradient_is_the_upstream_gradient_times_the_noise(dtype: type) -> None:
    p = 0.4
    x_np, upstream = away_from_zero(3, 50, dtype=dtype), away_from_zero(3, 50, dtype=dtype)
    x = minitorch.tensor(x_np, requires_grad=True)
    out = F.dropout(x, p)
    out.backward(minitorch.tensor(upstream))
    scale = (torch.ones((), dtype=torch.tensor(x_np).dtype) / (1 - p)).numpy()
    noise = torch.tensor(np.where(out.detach().numpy() != 0, scale, 0).astype(dtype))
    np.testing.assert_array_equal(x.grad.numpy(), (torch.tensor(upstream) * noise).numpy())
    np.testing.assert_array_equal(out.detach().numpy(), (torch.tensor(x_np) * noise).numpy())
    assert (
        type(out.grad_fn).__name__
        == type(
            torch.nn.functional.dropout(torch.tensor(x_np, requires_grad=True), p).grad_fn
        ).__name__
    )  # MulBackward0: PyTorch's CPU dropout is a multiplication by the noise


def test_the_masks_come_from_minitorchs_seeded_generator() -> None:
    minitorch.manual_seed(7)
    first = F.dropout(minitorch.ones(500), 0.5)
    second = F.dropout(minitorch.ones(500), 0.5)
    minitorch.manual_seed(7)
    again = F.dropout(minitorch.ones(500), 0.5)
    assert minitorch.equal(first, again)
    assert not minitorch.equal(first, second)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.nn.functional.dropout(x, 0.0),
        lambda t, x: t.nn.functional.dropout(x, 0.7, training=False),
        lambda t, x: t.nn.functional.dropout(x, 1.0),
        lambda t, x: t.nn.functional.dropout(x, True),  # True is p=1
        lambda t, x: t.nn.functional.dropout2d(x, 1.0),
        lambda t, x: t.nn.functional.dropout2d(x, 0.5, training=False),
        lambda t, x: t.nn.Dropout(0.5).eval()(x),
        lambda t, x: t.nn.Dropout(1.0)(x),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_deterministic_cases_match_pytorch(call, dtype: type) -> None:
    x = away_from_zero(2, 3, 4, 4, dtype=dtype)
    x[0, 0, 0, :2] = [np.nan, np.inf]  # a dropped NaN or inf stays NaN (times zero)
    assert_parity(call, x)


def test_without_dropping_the_input_itself_comes_back() -> None:
    for lib in (minitorch, torch):
        x, empty = lib.ones(3, requires_grad=True), lib.ones(0, 3)
        f = lib.nn.functional
        assert f.dropout(x, 0.0) is x
        assert f.dropout(x, 0.5, training=False) is x
        assert f.dropout(empty, 0.5) is empty
        assert f.dropout(x, 0.5, training=False, inplace=True) is x  # no write, so no error
        assert lib.nn.Dropout().eval()(x) is x


@pytest.mark.parametrize("p", [-0.1, 1.1, -1, 2])
def test_a_probability_outside_zero_to_one_is_refused_as_in_pytorch(p: float) -> None:
    message = f"dropout probability has to be between 0 and 1, but got {p}"
    for lib in (minitorch, torch):
        with pytest.raises(ValueError, match=message):
            lib.nn.functional.dropout(lib.ones(3), p)
        with pytest.raises(ValueError, match=message):
            lib.nn.functional.dropout2d(lib.ones(1, 2, 3), p)
        with pytest.raises(ValueError, match=message):
            lib.nn.Dropout(p)
        with pytest.raises(ValueError, match=message):
            lib.nn.Dropout2d(p)


def test_inplace_writes_into_the_input_and_differentiates_through_it() -> None:
    x = minitorch.tensor(away_from_zero(200), requires_grad=True)
    y = x * 1
    version = y._version
    out = F.dropout(y, 0.5, inplace=True)
    assert out is y and y._version == version + 1
    assert type(y.grad_fn).__name__ == "MulBackward0"
    y.sum().backward()
    noise = np.where(y.detach().numpy() != 0, np.float32(2.0), 0)
    np.testing.assert_array_equal(x.grad.numpy(), noise)
    layer = minitorch.nn.Dropout(0.5, inplace=True)
    z = x * 1
    assert layer(z) is z


def test_inplace_on_a_leaf_that_requires_grad_is_refused_as_in_pytorch() -> None:
    for lib in (minitorch, torch):
        x = lib.ones(4, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
            lib.nn.functional.dropout(x, 0.5, inplace=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
            lib.nn.functional.dropout(x, 1.0, inplace=True)


def test_inplace_keeps_a_saved_tensor_honest() -> None:
    """A tensor saved for backward and then dropped out in place is refused at backward."""
    for lib in (minitorch, torch):
        x = lib.ones(4, requires_grad=True)
        y = x * 1
        z = y * y  # saves y
        lib.nn.functional.dropout(y, 0.5, inplace=True)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_integer_inputs_as_in_pytorch() -> None:
    x = np.arange(6).reshape(2, 3)
    assert_parity(lambda t, x: t.nn.functional.dropout(x, 1.0), x)  # times an integer zero
    assert_parity(lambda t, x: t.nn.functional.dropout(x, 0.5, training=False), x)
    # the noise, divided by 1 - p in place, cannot hold the scale
    assert_same_error(lambda t, x: t.nn.functional.dropout(x, 0.5), x)


def test_a_non_tensor_input_is_refused_as_in_pytorch() -> None:
    message = r"dropout\(\): argument 'input' \(position 1\) must be Tensor, not list"
    for lib in (minitorch, torch):
        with pytest.raises(TypeError, match=message):
            lib.nn.functional.dropout([1.0, 2.0], 0.5)


def test_the_layers_print_as_pytorchs() -> None:
    for args in [(), (0.2,), (0.3, True)]:
        assert repr(minitorch.nn.Dropout(*args)) == repr(torch.nn.Dropout(*args))
        assert repr(minitorch.nn.Dropout2d(*args)) == repr(torch.nn.Dropout2d(*args))


def test_the_layer_drops_in_training_and_not_in_eval() -> None:
    layer = minitorch.nn.Dropout(0.5)
    x = minitorch.ones(1000)
    assert float((layer(x) == 0).double().mean()) > 0.3
    layer.eval()
    assert layer(x) is x
    layer.train()
    assert float((layer(x) == 0).double().mean()) > 0.3


# ------------------------------------------------------------------ Dropout2d
@pytest.mark.parametrize("shape", [(4, 6, 3, 5), (4, 6, 7), (5, 6)])
def test_dropout2d_drops_whole_channels(shape: tuple[int, ...]) -> None:
    x = minitorch.tensor(away_from_zero(*shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3-D and 2-D inputs warn, as in PyTorch
        out = F.dropout2d(x, 0.5).numpy()
    per_channel = (out != 0).reshape(shape[0], shape[1], -1)
    assert (per_channel.all(axis=2) | ~per_channel.any(axis=2)).all()
    assert per_channel.any() and not per_channel.all()
    kept = out != 0
    np.testing.assert_array_equal(out[kept], (torch.tensor(x.numpy()[kept]) * 2.0).numpy())


def test_dropout2d_keeps_one_minus_p_of_the_channels() -> None:
    p, channels = 0.3, 40_000
    out = F.dropout2d(minitorch.ones(100, channels // 100, 2, 2), p)
    kept = float((out[:, :, 0, 0] != 0).double().mean())
    assert abs(kept - (1 - p)) < kept_fraction_bound(channels, p)


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4), (1, 2, 3, 4, 5)])
def test_dropout2d_warns_as_pytorch_does(shape: tuple[int, ...]) -> None:
    messages = []
    for lib in (minitorch, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.functional.dropout2d(lib.ones(*shape), 0.5)
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1] and messages[0]


def test_dropout2d_of_a_1d_input_fails_as_in_pytorch() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda t, x: t.nn.functional.dropout2d(x, 0.5), away_from_zero(5))
        with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
            F.dropout2d(minitorch.ones(5), 0.5)
        assert_parity(lambda t, x: t.nn.functional.dropout2d(x, 1.0), away_from_zero(5))
