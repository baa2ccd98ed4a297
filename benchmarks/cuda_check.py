"""Check the torch backend on a CUDA GPU, then train and time the course's model there.

Run it from the repository root on a machine with a GPU (no network needed)::

    python benchmarks/cuda_check.py              # tests, digits training, throughput
    python benchmarks/cuda_check.py --skip-tests --device cuda:1

It prints the GPU and library versions, then

1. runs ``tests/test_cuda.py`` (the default-device switch, a short GPU training, GPU
   against CPU, a GPU checkpoint read by minitorch) through pytest, when pytest is
   installed;
2. trains the course's CIFAR-10 model (``minitorch.models.tudui_class``) on the embedded
   8x8 digits, converted to RGB and resized to 32x32 as ``minitorch-train`` does, through
   ``minitorch.backend("torch")`` with the default device set to the GPU; prints images/s
   and the final test accuracy;
3. times training steps on random CIFAR-shaped batches (64 and 256 images).

Images/s count training steps only (forward, loss, backward, SGD step) with the data
already on the GPU, synchronised before the clock stops; the first epoch (cuDNN picking
its algorithms) is reported apart. The last line is a JSON summary. The exit status is 1
when a test fails or the digits accuracy stays below 90%.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402  (after the path, so that the checkout's packages are found)
import torchvision  # noqa: E402

from minitorch._backend import backend as select_backend  # noqa: E402
from minitorch.models import DATASETS, input_transform, model_input, tudui_class  # noqa: E402

MIN_DIGITS_ACCURACY = 0.90


def run_cuda_tests() -> bool | None:
    """``pytest tests/test_cuda.py``; None when pytest is not installed."""
    if importlib.util.find_spec("pytest") is None:
        print("pytest is not installed: skipped tests/test_cuda.py")
        return None
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/test_cuda.py",
        "-q",
        "-rs",
        "-p",
        "no:cacheprovider",
    ]
    print("$", " ".join(command[1:]), flush=True)
    result = subprocess.run(command, cwd=REPO_ROOT, env={**os.environ, "CI": "true"})
    return result.returncode == 0


def digits_as_cifar(lib: ModuleType, train: bool) -> tuple[Any, Any]:
    """The digits as the course's model takes them (RGB, 32x32, as ``minitorch-train``
    prepares them), stacked into one tensor on the default device, with int64 labels."""
    transform = input_transform(lib, model_input("tudui", "digits"), DATASETS["digits"].image)
    dataset = lib.vision.datasets.Digits(train=train, transform=transform)
    pictures, labels = zip(*(dataset[i] for i in range(len(dataset))), strict=True)
    return lib.stack(pictures).to(lib.get_default_device()), lib.tensor(labels)


def synchronize() -> None:
    torch.cuda.synchronize()


def train_digits(lib: ModuleType, epochs: int, batch_size: int) -> dict[str, float]:
    train_images, train_labels = digits_as_cifar(lib, train=True)
    test_images, test_labels = digits_as_cifar(lib, train=False)
    lib.manual_seed(0)
    model = tudui_class(lib)()
    assert all(p.device.type == "cuda" for p in model.parameters()), "model not on the GPU"
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    count = len(train_labels)
    seconds = []
    for epoch in range(epochs):
        synchronize()
        started = time.perf_counter()
        order = lib.randperm(count)
        for start in range(0, count, batch_size):
            chosen = order[start : start + batch_size]
            loss = loss_fn(model(train_images[chosen]), train_labels[chosen])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        synchronize()
        seconds.append(time.perf_counter() - started)
        print(
            f"  epoch {epoch + 1:2d}: loss {loss.item():.4f}, {count / seconds[-1]:9.0f} images/s"
        )
    with lib.no_grad():
        predicted = model(test_images).argmax(dim=1)
    accuracy = (predicted == test_labels).float().mean().item()
    steady = count * (epochs - 1) / sum(seconds[1:]) if epochs > 1 else count / seconds[0]
    return {
        "train_images": count,
        "test_images": len(test_labels),
        "epochs": epochs,
        "first_epoch_images_per_s": count / seconds[0],
        "images_per_s": steady,
        "test_accuracy": accuracy,
    }


def time_random_batches(
    lib: ModuleType, batch_size: int, warmup: int = 20, steps: int = 100
) -> float:
    """Images/s of training steps on one random CIFAR-shaped batch, after ``warmup`` steps."""
    lib.manual_seed(0)
    model = tudui_class(lib)()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
    images, labels = lib.randn(batch_size, 3, 32, 32), lib.randint(0, 10, (batch_size,))
    for step in range(warmup + steps):
        if step == warmup:
            synchronize()
            started = time.perf_counter()
        loss = lib.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    synchronize()
    return batch_size * steps / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda (default) or cuda:N")
    parser.add_argument("--epochs", type=int, default=15, help="digits epochs (default 15)")
    parser.add_argument("--batch-size", type=int, default=64, help="digits batch (default 64)")
    parser.add_argument("--skip-tests", action="store_true", help="do not run tests/test_cuda.py")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA GPU here: nothing to check", file=sys.stderr)
        return 1

    summary: dict[str, Any] = {
        "gpu": torch.cuda.get_device_name(torch.device(args.device)),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "python": sys.version.split()[0],
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
    }
    print(
        f"GPU: {summary['gpu']}; torch {summary['torch']}, torchvision {summary['torchvision']}, "
        f"Python {summary['python']}"
    )
    summary["cuda_tests_passed"] = None if args.skip_tests else run_cuda_tests()

    lib = select_backend("torch")
    lib.set_default_device(args.device)
    print(f"Training the course's model on digits, default device {lib.get_default_device()}:")
    summary["digits"] = train_digits(lib, args.epochs, args.batch_size)
    digits = summary["digits"]
    print(
        f"digits: {digits['images_per_s']:.0f} images/s after the first epoch "
        f"({digits['first_epoch_images_per_s']:.0f} in it), "
        f"test accuracy {digits['test_accuracy']:.3f}"
    )
    summary["random_cifar_images_per_s"] = {}
    for batch_size in (64, 256):
        rate = time_random_batches(lib, batch_size)
        summary["random_cifar_images_per_s"][batch_size] = rate
        print(f"random CIFAR-shaped batches of {batch_size}: {rate:.0f} images/s")
    lib.set_default_device(None)

    print(json.dumps(summary))
    failed = summary["cuda_tests_passed"] is False or digits["test_accuracy"] < MIN_DIGITS_ACCURACY
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
