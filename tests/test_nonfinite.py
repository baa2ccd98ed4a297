"""NaN and +-inf propagate as in PyTorch: same positions in outputs and in gradients.

``assert_parity`` compares NaN positions and infinities exactly (a NaN where PyTorch
has a number, or the other way round, fails), for outputs and for every input
gradient under a random upstream gradient.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
from minitorch.testing import Input, assert_parity

SPECIALS = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}


def with_specials(shape: tuple[int, ...], which: str, seed: int = 0) -> np.ndarray:
    """Random float32 values with the special value at a few fixed positions."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    flat = x.reshape(-1)
    flat[:: max(flat.size // 3, 1)] = SPECIALS[which]
    return x


UNARY = {
    "relu": lambda t, x: t.nn.functional.relu(x),
    "sigmoid": lambda t, x: t.nn.functional.sigmoid(x),
    "tanh": lambda t, x: t.tanh(x),
    "exp": lambda t, x: x.exp(),
    "abs": lambda t, x: x.abs(),
    "mul": lambda t, x: x * 2.0 + 1.0,
    "softmax": lambda t, x: t.nn.functional.softmax(x, dim=1),
    "log_softmax": lambda t, x: t.nn.functional.log_softmax(x, dim=1),
    "sum": lambda t, x: x.sum(dim=1),
    "mean": lambda t, x: x.mean(),
    "max_dim": lambda t, x: x.max(dim=1).values,
    "max_pool2d": lambda t, x: t.nn.functional.max_pool2d(x.reshape(1, 1, 4, 6), 2),
    "reshape": lambda t, x: x.reshape(6, 4).permute(1, 0),
}


@pytest.mark.parametrize("which", SPECIALS)
@pytest.mark.parametrize("op", UNARY)
def test_unary_ops_propagate(op: str, which: str) -> None:
    assert_parity(UNARY[op], with_specials((4, 6), which))


BINARY = {
    "add": lambda t, a, b: a + b,
    "mul": lambda t, a, b: a * b,
    "matmul": lambda t, a, b: a @ b.T,
    "linear": lambda t, a, b: t.nn.functional.linear(a, b),
    "mse_loss": lambda t, a, b: t.nn.functional.mse_loss(a, b),
    "l1_loss": lambda t, a, b: t.nn.functional.l1_loss(a, b, reduction="none"),
}


@pytest.mark.parametrize("which", SPECIALS)
@pytest.mark.parametrize("op", BINARY)
def test_binary_ops_propagate(op: str, which: str) -> None:
    a = with_specials((3, 5), which)
    b = np.random.default_rng(1).standard_normal((3, 5)).astype(np.float32)
    assert_parity(BINARY[op], a, b)


@pytest.mark.parametrize("which", SPECIALS)
@pytest.mark.parametrize("where", ["input", "weight"])
def test_conv2d_propagates(which: str, where: str) -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    if where == "input":
        x[0, 1, 2, 3] = SPECIALS[which]
    else:
        w[1, 0, 0, 2] = SPECIALS[which]
    assert_parity(lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1), x, w, atol=1e-4)


@pytest.mark.parametrize("which", SPECIALS)
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_cross_entropy_propagates(which: str, reduction: str) -> None:
    logits = with_specials((4, 5), which)
    target = Input(np.array([0, 1, 2, 4]), requires_grad=False)
    for name in ("cross_entropy", "nll_loss"):
        assert_parity(
            lambda t, x, y, name=name: getattr(t.nn.functional, name)(x, y, reduction=reduction),
            logits,
            target,
        )


@pytest.mark.parametrize(
    "row",
    [
        [1e30, 0.0, -1e30],
        [-np.inf, 0.0, 1.0],
        [-np.inf, -np.inf, 5.0],
        [80.0, 90.0, 100.0],
    ],
)
@pytest.mark.parametrize("target", [0, 1, 2])
def test_cross_entropy_extreme_logits_match_pytorch(row: list[float], target: int) -> None:
    logits = np.array([row, [0.5, -0.5, 2.0]], dtype=np.float32)
    targets = Input(np.array([target, 1]), requires_grad=False)
    assert_parity(lambda t, x, y: t.nn.functional.cross_entropy(x, y), logits, targets)
    assert_parity(lambda t, x: t.nn.functional.log_softmax(x, dim=1), logits)


@pytest.mark.parametrize("row", [[3e38, 3e38, 1.0], [-3e38, -3e38, -3e38], [3e38, -3e38, 0.0]])
@pytest.mark.parametrize("target", [0, 1, 2])
def test_cross_entropy_near_float32_max_stays_finite(row: list[float], target: int) -> None:
    """Near float32's limit PyTorch rounds its float32 log-sum-exp (minitorch's kernel adds up
    in float64, closer to the exact value); what must hold is that minitorch stays finite
    wherever PyTorch does, and the gradients are finite in the same places."""
    logits = np.array([row, [0.5, -0.5, 2.0]], dtype=np.float32)
    targets = np.array([target, 1])
    results = []
    for lib in (minitorch, torch):
        x = lib.tensor(logits, requires_grad=True)
        loss = lib.nn.functional.cross_entropy(x, lib.tensor(targets))
        loss.backward()
        results.append((float(loss.item()), x.grad.numpy()))
    (mt_loss, mt_grad), (torch_loss, torch_grad) = results
    assert np.isfinite(mt_loss) or not np.isfinite(torch_loss)
    np.testing.assert_array_equal(np.isfinite(mt_grad), np.isfinite(torch_grad))
