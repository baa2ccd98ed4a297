"""CIFAR-10 from its python-pickle batches, as ``torchvision.datasets.CIFAR10`` reads them.

The "python version" of CIFAR-10 (``cifar-10-python.tar.gz``) extracts to a
folder ``cifar-10-batches-py`` holding ``data_batch_1`` .. ``data_batch_5``
(training, 10,000 images each), ``test_batch`` and ``batches.meta``. Each
batch is a pickled dict: ``data`` (N x 3072 uint8, the red plane, then green,
then blue, each 32 x 32 row by row) and ``labels`` (N class indices);
``batches.meta`` holds ``label_names``.

The batches are pickles, so they are read with an unpickler that builds numpy
arrays and plain Python values only: a tampered file cannot run code.
"""

from __future__ import annotations

import codecs
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from minitorch.vision.datasets.utils import download_and_extract_archive
from minitorch.vision.datasets.vision import VisionDataset

__all__ = ["CIFAR10"]


def _reconstruct(subtype: type, shape: tuple, dtype: Any) -> np.ndarray:
    """numpy's array constructor for pickles, limited to plain arrays."""
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError(f"CIFAR-10 batch holds an array of type {subtype!r}")
    return np.ndarray.__new__(np.ndarray, shape, dtype)


def _frombuffer(buffer: bytes, dtype: Any, shape: tuple, order: str) -> np.ndarray:
    """numpy's constructor for arrays pickled with protocol 5."""
    return np.frombuffer(buffer, dtype=dtype).reshape(shape, order=order).copy()


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, numbers, strings and numpy arrays, and nothing else."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy.core.numeric", "_frombuffer"): _frombuffer,
        ("numpy._core.numeric", "_frombuffer"): _frombuffer,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,  # how Python 3's protocol 2 writes bytes
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(
                f"CIFAR-10 batch refers to {module}.{name}; only numpy arrays and plain values are "
                "allowed in these files"
            )
        return self._ALLOWED[(module, name)]


def _read_batch(path: str) -> dict:
    with open(path, "rb") as f:
        try:
            return _ArraysOnlyUnpickler(f, encoding="latin1").load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as error:
            raise RuntimeError(f"cannot read CIFAR-10 batch {path}: {error}") from error


class CIFAR10(VisionDataset):
    """The CIFAR-10 images (32 x 32 RGB, 10 classes) from ``root/cifar-10-batches-py``.

    Items are ``(PIL.Image, class index)``, passed through ``transform`` and
    ``target_transform``.

    Args:
        root: the folder that holds ``cifar-10-batches-py``.
        train: the 50,000 training images (``data_batch_1..5``) if True, else the
            10,000 test images (``test_batch``).
        transform: applied to each PIL image (e.g. ``transforms.ToTensor()``).
        target_transform: applied to each class index.
        download: download ``cifar-10-python.tar.gz`` (163 MB) into ``root`` and
            extract it, unless the files are already there.

    Attributes:
        data: all images, an ``(N, 32, 32, 3)`` uint8 array.
        targets: the class index of each image.
        classes: the class names; ``class_to_idx`` maps a name to its index.

    Example::

        >>> train_data = CIFAR10("./dataset", train=True, transform=transforms.ToTensor())
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [[f"data_batch_{i}", None] for i in range(1, 6)]
    test_list = [["test_batch", None]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": None}

    def __init__(
        self,
        root: str | Path,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        folder = os.path.join(self.root, self.base_folder)
        missing = self._missing_files()
        if missing:
            advice = (
                f"the archive from {self.url} did not provide them"
                if download
                else "You can use download=True to download it"
            )
            raise RuntimeError(
                f"Dataset not found or corrupted: CIFAR-10 expects its python batches in {folder} "
                f"(missing: {', '.join(missing)}). {advice}."
            )

        images, targets = [], []
        for name, _ in self.train_list if train else self.test_list:
            path = os.path.join(folder, name)
            entry = _read_batch(path)
            labels = entry["labels"] if "labels" in entry else entry.get("fine_labels")
            data = np.asarray(entry.get("data"))
            if (
                labels is None
                or data.dtype != np.uint8
                or data.ndim != 2
                or data.shape != (len(labels), 3072)
            ):
                raise RuntimeError(
                    f"{path} is not a CIFAR-10 batch: expected 'data' of shape (N, 3072) uint8 "
                    "and N "
                    f"'labels', got data {data.shape} {data.dtype} and {len(labels or [])} labels"
                )
            images.append(data)
            targets.extend(int(label) for label in labels)
        self.data = np.vstack(images).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self.targets = targets
        meta = _read_batch(os.path.join(folder, self.meta["filename"]))
        self.classes = list(meta[self.meta["key"]])
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image, target = Image.fromarray(self.data[index]), self.targets[index]
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self) -> int:
        return len(self.data)

    def download(self) -> None:
        """Fetch the archive from ``url``, check its MD5 and extract it into ``root``; nothing
        happens (and nothing is printed, as in torchvision) when the batches are there."""
        if not self._missing_files():
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)

    def _missing_files(self) -> list[str]:
        """The batch files not in ``root/cifar-10-batches-py``. torchvision also checks each
        file's official MD5; minitorch checks each batch's contents as it reads it instead, so
        that a generated stand-in folder (the tests' and examples') loads too."""
        folder = os.path.join(self.root, self.base_folder)
        names = [name for name, _ in self.train_list + self.test_list] + [self.meta["filename"]]
        return [name for name in names if not os.path.isfile(os.path.join(folder, name))]

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"
