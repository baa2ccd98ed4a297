"""The same code on both backends: each test takes the namespace from the ``backend`` fixture.

Every test here is written once against the API and runs on ``minitorch`` and on
``torch_backend`` (real PyTorch). Expected values come from the math (numpy), never from
either backend, so a failure names the backend that is wrong.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import ModuleType

import numpy as np
import pytest
from _support import write_fake_cifar
from PIL import Image

import minitorch
from minitorch._backend import BACKEND_ENV_VAR, DEVICE_ENV_VAR
from minitorch._backend import backend as select_backend


@pytest.fixture(params=["minitorch", "torch"])
def backend(request: pytest.FixtureRequest) -> ModuleType:
    if request.param == "torch":
        pytest.importorskip("torch")
        pytest.importorskip("torchvision")
    return select_backend(request.param)


# ---------------------------------------------------------------- the switch itself
def test_backend_names_the_two_namespaces(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    monkeypatch.delenv(BACKEND_ENV_VAR, raising=False)
    monkeypatch.delenv(DEVICE_ENV_VAR, raising=False)
    assert select_backend("minitorch") is minitorch
    assert select_backend("torch") is importlib.import_module("torch_backend")
    assert select_backend() is minitorch


def test_backend_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    monkeypatch.setenv(BACKEND_ENV_VAR, "torch")
    assert select_backend().__name__ == "torch_backend"
    monkeypatch.setenv(BACKEND_ENV_VAR, "")
    assert select_backend() is minitorch
    monkeypatch.setenv(BACKEND_ENV_VAR, "minitorch")
    assert select_backend("torch").__name__ == "torch_backend"  # an argument beats the variable


def test_unknown_backend_lists_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="'jax'.*'minitorch', 'torch'"):
        select_backend("jax")
    monkeypatch.setenv(BACKEND_ENV_VAR, "Torch")
    with pytest.raises(ValueError, match="MINITORCH_BACKEND='Torch'.*'minitorch', 'torch'"):
        select_backend()


def test_minitorch_refuses_a_gpu_device_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda")
    with pytest.raises(RuntimeError, match="MINITORCH_DEVICE=cuda.*CPU only"):
        select_backend("minitorch")
    monkeypatch.setenv(DEVICE_ENV_VAR, "cpu")
    assert select_backend("minitorch") is minitorch


def test_backend_is_exported_by_minitorch() -> None:
    assert minitorch.backend is select_backend


# ---------------------------------------------------------------- tensors
def test_creation_and_dtype_inference(backend: ModuleType) -> None:
    assert backend.get_default_dtype() == backend.float32
    assert backend.tensor([1, 2, 3]).dtype == backend.int64
    assert backend.tensor([1.0, 2.0]).dtype == backend.float32
    assert backend.tensor([True]).dtype == backend.bool
    assert backend.tensor(np.zeros(2, np.float64)).dtype == backend.float64
    zeros = backend.zeros(2, 3)
    assert tuple(zeros.shape) == (2, 3) and zeros.dtype == backend.float32
    assert backend.ones((2, 2), dtype=backend.int32).dtype == backend.int32
    np.testing.assert_array_equal(backend.arange(5).numpy(), np.arange(5))
    assert backend.arange(5).dtype == backend.int64
    assert backend.arange(0.0, 1.0, 0.25).dtype == backend.float32
    assert backend.full((2,), 7).dtype == backend.int64
    np.testing.assert_array_equal(backend.full((2,), 7).numpy(), [7, 7])
    assert tuple(backend.randn(4, 5).shape) == (4, 5)
    assert backend.zeros_like(backend.tensor([1, 2])).dtype == backend.int64
    assert backend.tensor(3.5).item() == 3.5
    assert backend.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]


def test_dtype_promotion(backend: ModuleType) -> None:
    ints, floats = backend.tensor([1, 2]), backend.tensor([0.5, 0.5])
    assert (ints + floats).dtype == backend.float32
    assert (ints * 2).dtype == backend.int64
    assert (ints * 2.5).dtype == backend.float32
    assert (ints / 2).dtype == backend.float32  # true division of integers gives floats
    assert (backend.tensor([1.0], dtype=backend.float64) + floats).dtype == backend.float64


def test_manual_seed_makes_draws_reproducible(backend: ModuleType) -> None:
    backend.manual_seed(123)
    first = backend.randn(5).numpy()
    backend.manual_seed(123)
    np.testing.assert_array_equal(backend.randn(5).numpy(), first)
    generator = backend.Generator().manual_seed(7)
    again = backend.Generator().manual_seed(7)
    np.testing.assert_array_equal(
        backend.rand(3, generator=generator).numpy(), backend.rand(3, generator=again).numpy()
    )


def test_autograd_and_no_grad(backend: ModuleType) -> None:
    x = backend.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = (x * x * 3.0).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.array([1.0, -2.0, 3.0]))
    assert y.grad_fn is not None and x.is_leaf
    with backend.no_grad():
        z = x * 2
    assert not z.requires_grad
    assert backend.is_grad_enabled()


# ---------------------------------------------------------------- the course's pipeline
def two_blobs(count: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Two well-separated Gaussian clouds in 2-d, labels 0 and 1."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, count)
    points = rng.standard_normal((count, 2)) * 0.5 + np.where(labels[:, None] == 1, 2.0, -2.0)
    return points.astype(np.float32), labels.astype(np.int64)


def test_training_loop_reduces_the_loss(backend: ModuleType) -> None:
    nn, data = backend.nn, backend.utils.data
    points, labels = two_blobs()
    backend.manual_seed(0)
    dataset = data.TensorDataset(backend.tensor(points), backend.tensor(labels))
    loader = data.DataLoader(
        dataset, batch_size=16, shuffle=True, generator=backend.Generator().manual_seed(0)
    )
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = backend.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    epoch_losses = []
    for _ in range(3):
        total = 0.0
        for x, y in loader:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
        epoch_losses.append(total / len(dataset))
    assert epoch_losses[-1] < 0.5 * epoch_losses[0], epoch_losses
    with backend.no_grad():
        predicted = model(backend.tensor(points)).argmax(dim=1).numpy()
    assert (predicted == labels).mean() > 0.95


def test_tutorial_model_shapes(backend: ModuleType) -> None:
    nn = backend.nn
    model = nn.Sequential(
        nn.Conv2d(3, 32, 5, 1, 2), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 5, 1, 2), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, 1, 2), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1024, 64), nn.Linear(64, 10),
    )  # fmt: skip
    assert sum(p.numel() for p in model.parameters()) == 145_578
    assert list(model.state_dict())[:2] == ["0.weight", "0.bias"]
    assert tuple(model(backend.randn(2, 3, 32, 32)).shape) == (2, 10)


def test_save_load_round_trip(backend: ModuleType, tmp_path) -> None:
    nn = backend.nn
    backend.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "model.pt"
    backend.save({"model": model.state_dict(), "epoch": 3, "note": "x"}, path)
    checkpoint = backend.load(path, weights_only=True)
    assert checkpoint["epoch"] == 3 and checkpoint["note"] == "x"
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(checkpoint["model"])
    x = backend.randn(5, 3)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_transforms_turn_a_picture_into_a_normalised_tensor(backend: ModuleType) -> None:
    transforms = backend.vision.transforms
    pixels = np.arange(4 * 4 * 3, dtype=np.uint8).reshape(4, 4, 3) * 5
    picture = Image.fromarray(pixels, mode="RGB")
    pipeline = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize([0.5] * 3, [0.25] * 3)]
    )
    result = pipeline(picture)
    assert tuple(result.shape) == (3, 4, 4) and result.dtype == backend.float32
    expected = (pixels.transpose(2, 0, 1) / 255.0 - 0.5) / 0.25
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6, atol=1e-6)
    resized = transforms.Resize((2, 2))(picture)
    assert resized.size == (2, 2)


def test_digits_dataset(backend: ModuleType) -> None:
    datasets = backend.vision.datasets
    train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    assert len(train) + len(test) == 1797  # scikit-learn's digits, every picture once
    picture, label = train[0]
    assert isinstance(picture, Image.Image) and picture.size == (8, 8)
    assert isinstance(label, int) and 0 <= label <= 9
    tensors = datasets.Digits(train=True, transform=backend.vision.transforms.ToTensor())
    image, _ = tensors[0]
    assert tuple(image.shape) == (1, 8, 8) and float(image.max()) <= 1.0


def test_cifar10_reads_batches_without_checksums(backend: ModuleType, tmp_path) -> None:
    written = write_fake_cifar(tmp_path, per_batch=2)
    datasets = backend.vision.datasets
    train = datasets.CIFAR10(str(tmp_path), train=True)
    test = datasets.CIFAR10(str(tmp_path), train=False)
    assert (len(train), len(test)) == (10, 2)
    assert train.classes[5] == "dog" and train.class_to_idx["truck"] == 9
    picture, label = train[3]
    assert isinstance(picture, Image.Image) and picture.size == (32, 32) and picture.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(picture), written.train_images[3])
    assert label == written.train_labels[3]  # the second picture of data_batch_2


def test_image_folder_maps_folders_to_classes(backend: ModuleType, tmp_path) -> None:
    for class_name, shade in (("cat", 10), ("dog", 200)):
        (tmp_path / class_name).mkdir()
        Image.new("RGB", (3, 2), (shade, shade, shade)).save(tmp_path / class_name / "a.png")
    dataset = backend.vision.datasets.ImageFolder(
        str(tmp_path), transform=backend.vision.transforms.ToTensor()
    )
    assert dataset.classes == ["cat", "dog"] and dataset.class_to_idx == {"cat": 0, "dog": 1}
    image, label = dataset[1]
    assert label == 1 and tuple(image.shape) == (3, 2, 3)
    np.testing.assert_allclose(image.numpy(), np.full((3, 2, 3), 200 / 255), rtol=1e-6)


def test_digits_are_the_same_pictures_on_both_backends() -> None:
    torch_backend = select_backend("torch")
    for train in (True, False):
        mine = minitorch.vision.datasets.Digits(train=train)
        theirs = torch_backend.vision.datasets.Digits(train=train)
        assert len(mine) == len(theirs)
        for index in (0, 1, len(mine) - 1):
            (a, label_a), (b, label_b) = mine[index], theirs[index]
            assert label_a == label_b
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("name", ["minitorch", "torch"])
def test_backend_serves_vision_without_importing_it_first(name: str) -> None:
    # A fresh interpreter: in this one an earlier test has imported minitorch.vision already.
    script = (
        "import minitorch; "
        f"lib = minitorch.backend({name!r}); "
        "print(type(lib.vision.transforms.ToTensor()).__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ToTensor"
