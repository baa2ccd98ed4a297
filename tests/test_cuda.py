"""The torch backend's devices: the default-device switch, and training on a GPU.

The switch is tested everywhere: on the ``meta`` device (PyTorch's shape-only device,
present on every machine) for where tensors land and how generators behave, and through
``MINITORCH_DEVICE`` in a fresh interpreter. Tests marked ``cuda`` need a CUDA GPU and
are skipped where there is none.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import minitorch
from minitorch._backend import backend as select_backend
from minitorch.models import tudui_class

torch = pytest.importorskip("torch")
torch_backend = pytest.importorskip("torch_backend")

HAS_CUDA = torch.cuda.is_available()
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def cpu_afterwards() -> Iterator[None]:
    """Every test leaves the default device as it found it: the CPU, no mode installed."""
    yield
    torch_backend.set_default_device(None)
    assert torch.get_default_device() == torch.device("cpu")


def shuffled_order(generator_seed: int = 0) -> list[int]:
    dataset = torch_backend.utils.data.TensorDataset(torch.arange(20, device="cpu"))
    generator = torch_backend.Generator().manual_seed(generator_seed)
    loader = torch_backend.utils.data.DataLoader(
        dataset, batch_size=5, shuffle=True, generator=generator
    )
    return [int(i) for (batch,) in loader for i in batch.tolist()]


def on_gpu(test: Callable) -> Callable:
    """Mark ``test`` as needing CUDA: marked ``cuda``, and skipped where no GPU is present."""
    return pytest.mark.cuda(pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")(test))


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# ---------------------------------------------------------------- everywhere
def test_cpu_default_installs_nothing() -> None:
    torch_backend.set_default_device("cpu")
    assert torch_backend.get_default_device() == torch.device("cpu")
    assert torch.overrides._get_current_function_mode_stack() == []  # no per-call cost


def test_factories_and_modules_land_on_the_default_device() -> None:
    torch_backend.set_default_device("meta")
    assert torch_backend.get_default_device().type == "meta"
    assert torch_backend.zeros(2).device.type == "meta"
    assert torch_backend.tensor([1.0]).device.type == "meta"
    assert torch_backend.nn.Linear(3, 2).weight.device.type == "meta"
    # Tensors over existing memory stay where that memory is, as in PyTorch.
    assert torch_backend.from_numpy(np.zeros(2)).device.type == "cpu"
    torch_backend.set_default_device(None)
    assert torch_backend.zeros(2).device.type == "cpu"


def test_generator_draws_happen_on_the_generators_device() -> None:
    """With another default device, draws named by a CPU generator stay CPU draws.

    PyTorch's own set_default_device makes these calls fail ("Expected a 'cuda' device
    type for generator but found 'cpu'"), which breaks ``DataLoader(shuffle=True)`` and
    ``random_split``. (The DataLoader itself cannot run on ``meta``, which holds no data;
    test_default_device_switch_on_gpu runs it on a GPU.)
    """
    data = torch_backend.utils.data
    dataset = data.TensorDataset(torch.arange(10, device="cpu"))

    def draws() -> tuple:
        seeded = torch_backend.Generator().manual_seed
        sampler = data.RandomSampler(dataset, generator=seeded(1))
        split = data.random_split(dataset, [6, 4], generator=seeded(2))
        return (
            list(sampler),
            [list(part.indices) for part in split],
            torch_backend.randn(3, generator=seeded(3)).tolist(),
        )

    expected = draws()
    torch_backend.set_default_device("meta")
    assert draws() == expected
    weight = torch_backend.empty(2, 2)
    torch_backend.nn.init.uniform_(weight, generator=torch_backend.Generator().manual_seed(4))
    assert weight.device.type == "meta"
    assert torch_backend.empty(3).random_(generator=torch_backend.Generator()).device.type == "meta"


def test_torch_and_backend_switches_can_be_mixed() -> None:
    torch_backend.set_default_device("meta")
    torch.set_default_device(None)  # PyTorch's own function takes the backend's mode off
    assert torch_backend.zeros(1).device.type == "cpu"
    torch.set_default_device("meta")
    torch_backend.set_default_device("cpu")  # and the backend's takes PyTorch's off
    assert torch_backend.zeros(1).device.type == "cpu"


@pytest.mark.skipif(HAS_CUDA, reason="checks the error on a machine without CUDA")
def test_missing_cuda_is_an_error_at_once() -> None:
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        torch_backend.set_default_device("cuda")
    assert torch_backend.get_default_device() == torch.device("cpu")


def test_environment_variable_sets_the_default_device() -> None:
    code = "import torch_backend as t; print(t.zeros(1).device, t.get_default_device())"
    result = run_python(code, MINITORCH_DEVICE="meta")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["meta", "meta"]
    if not HAS_CUDA:
        result = run_python("import torch_backend", MINITORCH_DEVICE="cuda")
        assert result.returncode != 0
        assert "MINITORCH_DEVICE=cuda: default device cuda requested" in result.stderr


# ---------------------------------------------------------------- on a GPU
@on_gpu
@pytest.mark.parametrize("name", ["cuda", "cuda:0"])
def test_default_device_switch_on_gpu(name: str) -> None:
    expected = shuffled_order()
    torch_backend.set_default_device(name)
    assert torch_backend.get_default_device() == torch.device("cuda", 0)
    assert torch_backend.randn(3).device.type == "cuda"
    assert torch_backend.nn.Linear(3, 2).weight.device.type == "cuda"
    assert shuffled_order() == expected  # PyTorch's own switch fails here
    backend = select_backend("torch")
    model = tudui_class(backend)()
    assert all(p.device.type == "cuda" for p in model.parameters())


@on_gpu
def test_short_training_on_gpu_lowers_the_loss() -> None:
    torch_backend.set_default_device("cuda")
    torch_backend.manual_seed(0)
    nn = torch_backend.nn
    model = tudui_class(torch_backend)()
    images, labels = torch_backend.randn(64, 3, 32, 32), torch_backend.randint(0, 10, (64,))
    optimizer = torch_backend.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    losses = []
    for _ in range(50):  # one batch of random labels, learnt by heart
        loss = nn.CrossEntropyLoss()(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


@on_gpu
def test_gpu_step_matches_cpu_step() -> None:
    """One SGD step from the same weights, on the GPU and on the CPU, in true float32."""
    torch_backend.manual_seed(0)
    cpu_model = tudui_class(torch_backend)()
    gpu_model = tudui_class(torch_backend)().to("cuda")
    gpu_model.load_state_dict(cpu_model.state_dict())
    rng = np.random.default_rng(0)
    images = torch.from_numpy(rng.standard_normal((16, 3, 32, 32)).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, 10, 16))
    losses = []
    # TF32 (cuDNN's default for convolutions) rounds to 10 bits; compare float32 with float32.
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        for model, device in ((cpu_model, "cpu"), (gpu_model, "cuda")):
            optimizer = torch_backend.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            loss = torch_backend.nn.functional.cross_entropy(
                model(images.to(device)), labels.to(device)
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert losses[1] == pytest.approx(losses[0], rel=1e-5)
    for name, value in gpu_model.state_dict().items():
        np.testing.assert_allclose(
            value.cpu().numpy(), cpu_model.state_dict()[name].numpy(), atol=1e-6, err_msg=name
        )


@on_gpu
def test_checkpoint_saved_on_gpu_loads_into_minitorch(tmp_path) -> None:
    """The course's situation: trained on a GPU, so the file's storages say cuda:0."""
    torch_backend.set_default_device("cuda")
    torch_backend.manual_seed(0)
    source = tudui_class(torch_backend)()
    path = tmp_path / "gpu.pth"
    torch.save(source.state_dict(), path)
    target = tudui_class(minitorch)()
    target.load_state_dict(minitorch.load(path))
    images = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    with torch.no_grad(), torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        expected = source(torch.from_numpy(images).to("cuda")).cpu().numpy()
    with minitorch.no_grad():
        actual = target(minitorch.tensor(images)).numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=1e-4)


@on_gpu
def test_environment_variable_on_gpu() -> None:
    result = run_python(
        "import torch_backend; print(torch_backend.zeros(1).device)", MINITORCH_DEVICE="cuda"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "cuda:0"
