"""Training parity: the course's CIFAR-10 model trains the same on minitorch and on PyTorch.

Both backends start from identical weights (minitorch's model receives a copy of
torch_backend's), take 20 SGD steps (lr 0.01, momentum 0.9) on the same random batches,
and must report the same loss at every step and end with the same parameters.

Batch 16 instead of the course's 64 keeps the test quick on CI; the batch size changes
nothing in what is compared.

Tolerances. Two correct float32 implementations differ by rounding, and training feeds
each step's rounding into the next. To size that, the same 20 steps were run on PyTorch
itself with oneDNN's convolution on and off (two float32 implementations): the losses
drifted apart by up to 5.5e-6 (relative) after step 12, the parameters by up to 3.2e-5
(absolute, for weights of size ~0.04). The allowance here is about 20 times that and
grows with the step: relative 2e-5 per step on the loss (4e-4 at step 20), and 3e-4
absolute plus 1e-3 relative on the final parameters. A wrong gradient, a wrong momentum
rule or a missed ``zero_grad`` moves the loss by 1e-2 or more within a few steps.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
from _support import copy_weights

import minitorch
from minitorch.models import tudui_class

pytest.importorskip("torch")
torch_backend = pytest.importorskip("torch_backend")

STEPS = 20
BATCH = 16
LOSS_RTOL_PER_STEP = 2e-5
PARAM_ATOL, PARAM_RTOL = 3e-4, 1e-3


def random_batches(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """CIFAR-shaped batches: normal pixels and labels 0..9, the same for both backends."""
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32), rng.integers(0, 10, BATCH))
        for _ in range(STEPS)
    ]


def train(lib: ModuleType, model, batches) -> list[float]:
    """The course's loop: forward, loss, zero_grad, backward, step; the loss of each step."""
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    losses = []
    for images, labels in batches:
        loss = loss_fn(model(lib.tensor(images)), lib.tensor(labels))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def identical_models():
    """A torch_backend model and a minitorch model holding a copy of its weights."""
    torch_backend.manual_seed(0)
    reference = tudui_class(torch_backend)()
    copy = tudui_class(minitorch)()
    copy_weights(reference, copy)
    return reference, copy


def test_twenty_sgd_steps_agree_step_by_step() -> None:
    reference, candidate = identical_models()
    batches = random_batches()
    torch_losses = train(torch_backend, reference, batches)
    minitorch_losses = train(minitorch, candidate, batches)
    for step, (expected, actual) in enumerate(zip(torch_losses, minitorch_losses, strict=True)):
        rtol = LOSS_RTOL_PER_STEP * (step + 1)
        assert actual == pytest.approx(expected, rel=rtol), (
            f"step {step}: minitorch loss {actual!r}, PyTorch {expected!r}; "
            f"all losses:\n{minitorch_losses}\n{torch_losses}"
        )
    # The steps must have changed something, or agreeing would prove nothing.
    assert max(torch_losses) - min(torch_losses) > 1e-2
    expected_params = reference.state_dict()
    for name, value in candidate.state_dict().items():
        np.testing.assert_allclose(
            value.numpy(),
            expected_params[name].numpy(),
            atol=PARAM_ATOL,
            rtol=PARAM_RTOL,
            err_msg=name,
        )


def test_first_step_moves_every_parameter_the_same_way() -> None:
    """One step, compared parameter by parameter: a wrong gradient shows here first."""
    reference, candidate = identical_models()
    before = {name: value.numpy().copy() for name, value in reference.state_dict().items()}
    batch = random_batches(seed=1)[:1]
    train(torch_backend, reference, batch)
    train(minitorch, candidate, batch)
    expected_params = reference.state_dict()
    for name, value in candidate.state_dict().items():
        expected_update = expected_params[name].numpy() - before[name]
        actual_update = value.numpy() - before[name]
        assert np.abs(expected_update).max() > 0, name
        np.testing.assert_allclose(
            actual_update, expected_update, atol=1e-6, rtol=1e-3, err_msg=name
        )
