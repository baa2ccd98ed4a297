"""Checkpoints cross between the backends: what one saves, the other loads and runs the same.

torch_backend -> minitorch: a model trained a few steps on PyTorch is saved with
``torch.save`` (its state_dict, and the whole model), ``minitorch.load`` reads the file,
and the minitorch model computes the same outputs. minitorch -> torch_backend: the same
with ``minitorch.save`` and ``torch.load``.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

import minitorch
from minitorch.models import tudui_class

torch = pytest.importorskip("torch")
torch_backend = pytest.importorskip("torch_backend")

# Outputs are logits of size ~0.1 computed by two float32 implementations from the same
# weights: they agree to rounding (observed ~1e-7); 1e-5 leaves room without hiding a
# wrong weight, which moves outputs by 1e-2.
ATOL, RTOL = 1e-5, 1e-4


def trained_model(lib: ModuleType, seed: int):
    """The course's model after three SGD steps on random batches (so no weight is fresh)."""
    lib.manual_seed(seed)
    model = tudui_class(lib)()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        images = lib.tensor(rng.standard_normal((4, 3, 32, 32)).astype(np.float32))
        labels = lib.tensor(rng.integers(0, 10, 4))
        loss = lib.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def outputs(lib: ModuleType, model, images: np.ndarray) -> np.ndarray:
    with lib.no_grad():
        return model(lib.tensor(images)).numpy()


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(99).standard_normal((5, 3, 32, 32)).astype(np.float32)


def test_torch_state_dict_loads_into_minitorch(tmp_path, images) -> None:
    source = trained_model(torch_backend, seed=0)
    path = tmp_path / "state.pth"
    torch.save(source.state_dict(), path)
    state = minitorch.load(path)
    assert list(state) == list(source.state_dict())
    assert all(isinstance(value, minitorch.Tensor) for value in state.values())
    target = tudui_class(minitorch)()
    target.load_state_dict(state)
    np.testing.assert_allclose(
        outputs(minitorch, target, images),
        outputs(torch_backend, source, images),
        atol=ATOL,
        rtol=RTOL,
    )


def test_torch_whole_model_loads_into_minitorch(tmp_path, images) -> None:
    # The Sequential, whose classes are PyTorch's own (torch.nn.modules.*): the pickle names
    # them, and minitorch.load maps each onto its minitorch counterpart.
    source = trained_model(torch_backend, seed=1).model
    path = tmp_path / "model.pth"
    torch.save(source, path)
    target = minitorch.load(path, weights_only=False)
    assert isinstance(target, minitorch.nn.Sequential)
    assert [type(layer).__name__ for layer in target] == [type(layer).__name__ for layer in source]
    np.testing.assert_allclose(
        outputs(minitorch, target, images),
        outputs(torch_backend, source, images),
        atol=ATOL,
        rtol=RTOL,
    )


def test_minitorch_state_dict_loads_into_torch(tmp_path, images) -> None:
    source = trained_model(minitorch, seed=2)
    path = tmp_path / "state.pth"
    minitorch.save(source.state_dict(), path)
    state = torch.load(path, weights_only=True)
    assert list(state) == list(source.state_dict())
    assert all(
        value.dtype == torch.float32 and value.device.type == "cpu" for value in state.values()
    )
    target = tudui_class(torch_backend)()
    target.load_state_dict(state)
    np.testing.assert_allclose(
        outputs(torch_backend, target, images),
        outputs(minitorch, source, images),
        atol=ATOL,
        rtol=RTOL,
    )


def test_minitorch_whole_model_loads_into_torch(tmp_path, images) -> None:
    source = trained_model(minitorch, seed=3).model
    path = tmp_path / "model.pth"
    minitorch.save(source, path)
    target = torch.load(path, weights_only=False)
    assert isinstance(target, torch.nn.Sequential)
    assert all(isinstance(p, torch.nn.Parameter) for p in target.parameters())
    np.testing.assert_allclose(
        outputs(torch_backend, target, images),
        outputs(minitorch, source, images),
        atol=ATOL,
        rtol=RTOL,
    )


def test_optimizer_state_crosses_over(tmp_path) -> None:
    """Momentum buffers saved by PyTorch resume training in minitorch (and back)."""
    model = trained_model(torch_backend, seed=4)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss = model(torch.randn(2, 3, 32, 32)).sum()
    loss.backward()
    optimizer.step()
    path = tmp_path / "optimizer.pth"
    torch.save(optimizer.state_dict(), path)
    target_model = tudui_class(minitorch)()
    target = minitorch.optim.SGD(target_model.parameters(), lr=0.5)
    target.load_state_dict(minitorch.load(path))
    assert target.param_groups[0]["lr"] == 0.01 and target.param_groups[0]["momentum"] == 0.9
    expected = optimizer.state_dict()["state"][0]["momentum_buffer"].numpy()
    np.testing.assert_array_equal(
        target.state_dict()["state"][0]["momentum_buffer"].numpy(), expected
    )
    back = tmp_path / "back.pth"
    minitorch.save(target.state_dict(), back)
    reloaded = torch.load(back, weights_only=True)
    np.testing.assert_array_equal(reloaded["state"][0]["momentum_buffer"].numpy(), expected)
