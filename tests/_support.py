"""What several test files need: fake CIFAR-10 files, weights copied from one library's model
to the other's, and the course's whole-model checkpoint or a stand-in for it made here.

Test files import it by name (``from _support import write_fake_cifar``): pytest puts this
folder on ``sys.path``, as it does for ``conftest.py`` (its default "prepend" import mode).
``conftest.py`` imports it in every run, so only the standard library, numpy and minitorch
are imported up front; the helpers that need PyTorch or Pillow import them when called.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import minitorch
from minitorch.models import CIFAR10_CLASSES

REPO = Path(__file__).resolve().parents[1]
# The course's own files, where this disk has them; they are not part of the repository.
COURSE_FILES = REPO.parent / "shared" / "fixtures" / "tutorial"


# ------------------------------------------------------------------ CIFAR-10 files
@dataclass(frozen=True)
class FakeCifar:
    """What :func:`write_fake_cifar` wrote: the folder, and its pictures as (N, 32, 32, 3) uint8
    arrays (HWC, as ``CIFAR10.data``) with their labels, in file order."""

    folder: Path
    train_images: np.ndarray
    train_labels: list[int]
    test_images: np.ndarray
    test_labels: list[int]


def write_fake_cifar(
    root: Path, per_batch: int = 3, *, protocol: int = 2, seed: int = 0
) -> FakeCifar:
    """``root/cifar-10-batches-py`` in the format of the real files, with random pictures.

    Five training batches and a test batch of ``per_batch`` pictures each, every one a
    pickled dict (``data``: N x 3072 uint8, the red, green and blue 32x32 planes of each
    picture; ``labels``; ``batch_label``; ``filenames``), and ``batches.meta`` naming the
    classes. No torchvision checksum matches these files.
    """
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    batches = {}
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        batches[name] = {
            "batch_label": f"{name} of 5",
            "labels": rng.integers(0, 10, per_batch).tolist(),
            "data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            "filenames": [f"image_{i}.png" for i in range(per_batch)],
        }
        (folder / name).write_bytes(pickle.dumps(batches[name], protocol=protocol))
    meta = {
        "num_cases_per_batch": per_batch,
        "label_names": list(CIFAR10_CLASSES),
        "num_vis": 3072,
    }
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=protocol))

    def pictures(names: list[str]) -> tuple[np.ndarray, list[int]]:
        data = np.concatenate([batches[name]["data"] for name in names])
        labels = [label for name in names for label in batches[name]["labels"]]
        return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels

    train_images, train_labels = pictures([f"data_batch_{i}" for i in range(1, 6)])
    test_images, test_labels = pictures(["test_batch"])
    return FakeCifar(folder, train_images, train_labels, test_images, test_labels)


# ------------------------------------------------------------------ the same weights in both
def copy_weights(source: Any, target: Any) -> None:
    """Load ``source``'s state_dict into ``target``, across libraries: each value becomes a
    tensor of ``target``'s library (minitorch or PyTorch) holding the same numbers."""
    make_tensor: Callable[[np.ndarray], Any]
    if isinstance(target, minitorch.nn.Module):
        make_tensor = minitorch.tensor
    else:
        import torch

        make_tensor = torch.tensor
    state = source.state_dict()
    target.load_state_dict({name: make_tensor(value.numpy()) for name, value in state.items()})


# ------------------------------------------------------------------ the course's checkpoint
@dataclass(frozen=True)
class CourseCheckpoint:
    """A whole-model checkpoint saved the way the course saved ``tudui_29_gpu.pth``, and two
    pictures to classify with it.

    ``kind`` is ``"course"`` (the course's own, trained file) or ``"stand-in"`` (made by
    :func:`write_course_stand_in`, untrained). ``labels`` are the classes the course's model
    gives ``pictures`` (airplane, dog); None for the stand-in, whose answers only PyTorch's
    answers for the same file can check.
    """

    kind: str
    path: Path
    pictures: tuple[Path, ...]
    labels: tuple[int, ...] | None


COURSE = CourseCheckpoint(
    "course",
    COURSE_FILES / "tudui_29_gpu.pth",
    (COURSE_FILES / "airplane.png", COURSE_FILES / "dog.png"),
    (CIFAR10_CLASSES.index("airplane"), CIFAR10_CLASSES.index("dog")),
)
# What the tests that read a course checkpoint run on: the course's own file where this disk
# has it, and always the stand-in.
COURSE_CHECKPOINT_KINDS = ("course", "stand-in") if COURSE.path.is_file() else ("stand-in",)

# The course's script, reduced to what its checkpoint records: a class Tudui defined in
# __main__ whose attribute ``model`` is the course's Sequential, saved whole with
# torch.save(model) (in eval mode, as the course's last epoch left it) from a GPU.
_STAND_IN_SCRIPT = textwrap.dedent(
    """
    import io
    import sys

    import torch

    from minitorch.models import tutorial_sequential


    class Tudui(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = tutorial_sequential(torch)

        def forward(self, x):
            return self.model(x)


    def on_the_gpu(storage):  # record every storage the way the course's were: on cuda:0
        return "cuda:0"


    def not_for_loading(storage, location):
        return None


    torch.serialization.register_package(0, on_the_gpu, not_for_loading)
    torch.manual_seed(0)
    buffer = io.BytesIO()  # saved into a buffer, the archive's folder is "archive", as there
    torch.save(Tudui().eval(), buffer)
    with open(sys.argv[1], "wb") as file:
        file.write(buffer.getvalue())
    """
)


def write_course_stand_in(folder: Path) -> CourseCheckpoint:
    """A checkpoint with the properties of the course's ``tudui_29_gpu.pth``, and two pictures.

    Like the course's file it is PyTorch's zip format, stored and 64-byte aligned, holding
    only ``archive/data.pkl``, ``archive/data/<key>`` and ``archive/version`` (the PyTorch
    that wrote the course's file had no ``byteorder``, ``.format_version``,
    ``.storage_alignment`` or ``.data/serialization_id`` records); its pickle (protocol 2)
    is a whole model of class ``__main__.Tudui`` built from ``torch.nn`` modules, with
    every storage on ``cuda:0``. It is made by a script whose ``__main__`` defines the
    class, as the course's did; no GPU is needed. The pictures are RGB, of the sizes of the
    course's airplane.png and dog.png.
    """
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tudui_29_gpu.pth"
    subprocess.run(
        [sys.executable, "-c", _STAND_IN_SCRIPT, str(path)],
        check=True,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    _keep_only_the_courses_records(path)
    pictures = []
    rng = np.random.default_rng(0)
    for index, size in enumerate([(478, 354), (456, 336)]):
        # coarse random blobs, so that the resize to 32x32 keeps some structure
        coarse = Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8))
        pictures.append(folder / f"picture{index}.png")
        coarse.resize(size, Image.Resampling.BILINEAR).save(pictures[-1])
    return CourseCheckpoint("stand-in", path, tuple(pictures), None)


def _keep_only_the_courses_records(path: Path) -> None:
    """Rewrite the zip ``path`` with only the records the course's file has, each stored with
    its data 64-byte aligned, as PyTorch writes them."""
    with zipfile.ZipFile(path) as archive:
        records = [
            (info.filename, archive.read(info))
            for info in archive.infolist()
            if info.filename in ("archive/data.pkl", "archive/version")
            or info.filename.startswith("archive/data/")
        ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in records:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            # after the local header (30 bytes), the name and the padding field's 4-byte header
            data_start = archive.start_dir + 30 + len(name.encode()) + 4
            padding = -data_start % 64
            info.extra = struct.pack("<2sH", b"FB", padding) + b"Z" * padding
            archive.writestr(info, data)


def torch_predictions(checkpoint: CourseCheckpoint) -> list[int]:
    """The class PyTorch gives each of ``checkpoint``'s pictures, computed as the course's
    test.py does: RGB, ``Resize((32, 32))``, ``ToTensor()``, the model in eval mode."""
    import torch
    from PIL import Image
    from torchvision import transforms

    from minitorch.predict import tudui_in_main

    with tudui_in_main(torch):
        model = torch.load(checkpoint.path, map_location="cpu", weights_only=False).eval()
    transform = transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor()])
    labels = []
    with torch.no_grad():
        for picture in checkpoint.pictures:
            image = transform(Image.open(picture).convert("RGB"))
            labels.append(int(model(image.reshape(1, 3, 32, 32)).argmax(1)))
    return labels
