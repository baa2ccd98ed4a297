"""The tutorial's CIFAR-10 model: from identical weights, minitorch and PyTorch agree.

Logits, loss and every parameter gradient are compared at batch 64. In float32 one
subtlety needs care: where two values in a pooling window differ by less than float32
rounding (~1e-6), the two libraries may legitimately pick different winners, and the
gradient then flows to a different element. So the float32 check (1) asserts that every
pooling decision that differs is such a near-tie, and (2) compares the gradients against
a PyTorch model that routes its pooling through minitorch's decisions (a ``gather``,
whose backward is max pooling's). The float64 check uses PyTorch's own max pooling.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _support import copy_weights

import minitorch
from minitorch.models import tutorial_sequential as tutorial_model

BATCH = 64


class PoolAt(torch.nn.Module):
    """Max pooling with given winners: ``out[n, c, i] = input[n, c, indices[n, c, i]]``."""

    def __init__(self, indices: np.ndarray):
        super().__init__()
        self.indices = torch.tensor(indices)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = self.indices.flatten(2)
        return x.flatten(2).gather(2, flat).view(self.indices.shape)


def same_weights(dtype: torch.dtype) -> tuple[minitorch.nn.Module, torch.nn.Module]:
    minitorch.manual_seed(0)
    model = tutorial_model(minitorch)
    reference = tutorial_model(torch).to(dtype)
    copy_weights(model, reference)  # into float64 parameters, for dtype float64
    if dtype == torch.float64:
        model.double()
    return model, reference


def batch(dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.standard_normal((BATCH, 3, 32, 32)).astype(dtype), rng.integers(0, 10, BATCH)


def run(model, lib, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, dict]:
    """Logits, loss and parameter gradients of one forward and backward pass."""
    logits = model(lib.tensor(x))
    loss = lib.nn.CrossEntropyLoss()(logits, lib.tensor(y))
    loss.backward()
    grads = {name: p.grad.numpy() for name, p in model.named_parameters()}
    return logits.detach().numpy(), loss.item(), grads


def compare(mine: tuple, theirs: tuple, rtol: float, atol: float) -> None:
    np.testing.assert_allclose(mine[0], theirs[0], rtol=rtol, atol=atol, err_msg="logits")
    assert mine[1] == pytest.approx(theirs[1], rel=rtol)
    assert list(mine[2]) == list(theirs[2])
    for name, grad in mine[2].items():
        scale = np.abs(theirs[2][name]).max()
        np.testing.assert_allclose(
            grad, theirs[2][name], rtol=rtol, atol=atol * scale, err_msg=name
        )


def test_tutorial_model_float32_matches_pytorch():
    model, reference = same_weights(torch.float32)
    x, y = batch(np.float32)
    pool_inputs, pool_indices = [], []
    for module in model:
        if isinstance(module, minitorch.nn.MaxPool2d):

            def record(m, args, out):
                _, indices = minitorch.nn.functional.max_pool2d(
                    args[0].detach(), 2, return_indices=True
                )
                pool_indices.append(indices.numpy())

            module.register_forward_hook(record)
    mine = run(model, minitorch, x, y)

    for module in reference:
        if isinstance(module, torch.nn.MaxPool2d):
            module.register_forward_hook(lambda m, args, out: pool_inputs.append(args[0].detach()))
    with torch.no_grad():
        reference(torch.tensor(x))
    for indices, pooled_input in zip(pool_indices, pool_inputs, strict=True):
        _, own = torch.nn.functional.max_pool2d(pooled_input, 2, return_indices=True)
        flat = pooled_input.flatten(2)
        mine_values = flat.gather(2, torch.tensor(indices).flatten(2))
        own_values = flat.gather(2, own.flatten(2))
        differ = (torch.tensor(indices).flatten(2) != own.flatten(2)).numpy()
        gaps = (mine_values - own_values).abs().numpy()[differ]
        assert (gaps <= 1e-5).all(), f"pooling picked a clearly smaller value: gaps {gaps}"

    decisions = iter(pool_indices)
    routed = torch.nn.Sequential(
        *[PoolAt(next(decisions)) if isinstance(m, torch.nn.MaxPool2d) else m for m in reference]
    )
    # float32: sums of up to 65536 products in different orders (oneDNN vs OpenBLAS)
    compare(mine, run(routed, torch, x, y), rtol=1e-4, atol=1e-5)


def test_tutorial_model_float64_matches_pytorch():
    model, reference = same_weights(torch.float64)
    x, y = batch(np.float64)
    compare(
        run(model, minitorch, x[:16], y[:16]),
        run(reference, torch, x[:16], y[:16]),
        rtol=1e-9,
        atol=1e-12,
    )


def test_tutorial_model_shapes_and_parameter_count():
    model = tutorial_model(minitorch)
    assert sum(p.numel() for p in model.parameters()) == 145_578
    assert model(minitorch.zeros(BATCH, 3, 32, 32)).shape == (BATCH, 10)
    assert repr(model) == repr(tutorial_model(torch))
