"""The 8x8 handwritten digits that scikit-learn ships: a real dataset that needs no download.

scikit-learn's ``datasets/data/digits.csv.gz`` holds 1,797 images of 8 x 8
pixels with values 0..16 (64 columns) and their digit (a 65th column). The
file is read directly, without importing scikit-learn itself (which is slow
to import); only its location is looked up.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from minitorch.vision.datasets.vision import VisionDataset

__all__ = ["Digits"]

NUM_TRAIN = 1437  # 80 % of 1,797; the other 360 images are the test split
SPLIT_SEED = 0  # the fixed permutation that assigns images to the splits


def _digits_csv() -> str:
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the Digits dataset is read from scikit-learn's copy; install it with "
            "pip install scikit-learn (it is part of minitorch's 'train' extra)"
        )
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if not os.path.isfile(path):
        raise RuntimeError(
            f"scikit-learn is installed but {path} is missing; reinstall scikit-learn"
        )
    return path


@functools.cache
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 images as (N, 8, 8) uint8 in 0..255 and their labels, in a fixed shuffled order."""
    with gzip.open(_digits_csv(), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    images = np.round(table[:, :64] * (255 / 16)).astype(np.uint8).reshape(-1, 8, 8)
    labels = table[:, 64].astype(np.int64)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    images, labels = images[order], labels[order]
    images.flags.writeable = labels.flags.writeable = False  # shared by every Digits object
    return images, labels


class Digits(VisionDataset):
    """scikit-learn's 8x8 digits: 1,437 training and 360 test images of the digits 0-9.

    Items are ``(PIL image of mode 'L', digit)``, the pixels scaled from 0..16
    to 0..255 so that ``transforms.ToTensor()`` gives values in [0, 1]. The
    split is fixed (the same images every run), and loading takes a few
    hundredths of a second. Needs scikit-learn installed (it holds the data).

    Args:
        root: unused (the data comes with scikit-learn); accepted like other datasets' root.
        train: the training split if True, else the test split.
        transform: applied to each PIL image.
        target_transform: applied to each digit.

    Example::

        >>> train_data = Digits(train=True, transform=transforms.ToTensor())
        >>> image, label = train_data[0]    # a 1 x 8 x 8 tensor and an int
    """

    classes = [str(digit) for digit in range(10)]

    def __init__(
        self,
        root: str | Path | None = None,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        images, labels = _load_digits()
        part = slice(None, NUM_TRAIN) if train else slice(NUM_TRAIN, None)
        self.data = images[part]
        self.targets = labels[part].tolist()
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

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"
