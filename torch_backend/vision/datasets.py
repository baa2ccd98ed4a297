"""``torch_backend.vision.datasets``: torchvision's datasets plus minitorch's extras.

``CIFAR10`` is torchvision's class reading the same files, except that the batches on disk
are not checked against the official checksums: minitorch's reader accepts any files in
the CIFAR-10 python format (tests build small ones), and so does this one. Downloads are
still checked.

``Digits`` is minitorch's embedded dataset as a torchvision dataset. Its pictures and
split come from minitorch's own ``Digits``, which reads scikit-learn's file into numpy
arrays and knows nothing of either backend, so both backends see the same images in the
same order.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from torchvision import datasets as _torchvision_datasets
from torchvision.datasets import DatasetFolder, ImageFolder, VisionDataset

from minitorch.vision.datasets import digits as _minitorch_digits


class CIFAR10(_torchvision_datasets.CIFAR10):
    """CIFAR-10 from its python-pickle batches in ``root/cifar-10-batches-py``.

    Args:
        root: the folder holding ``cifar-10-batches-py``.
        train: the five training batches when True, ``test_batch`` when False.
        transform: applied to each PIL image.
        target_transform: applied to each class index.
        download: fetch and extract the archive first (checked against its checksum).
    """

    # torchvision's checksum of a file is None here: check_integrity then only asks that
    # the file exists.
    train_list = [[name, None] for name, _ in _torchvision_datasets.CIFAR10.train_list]
    test_list = [[name, None] for name, _ in _torchvision_datasets.CIFAR10.test_list]
    meta = {**_torchvision_datasets.CIFAR10.meta, "md5": None}


class Digits(VisionDataset):
    """scikit-learn's 8x8 digits: 1,437 training and 360 test images of the digits 0-9.

    Items are ``(PIL image of mode 'L', digit)``, pixels in 0..255, exactly as
    ``minitorch.vision.datasets.Digits`` gives them.

    Args:
        root: unused (the data comes with scikit-learn); accepted like other datasets' root.
        train: the training split if True, else the test split.
        transform: applied to each PIL image.
        target_transform: applied to each digit.
    """

    classes = _minitorch_digits.Digits.classes

    def __init__(
        self,
        root: str | Path | None = None,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        source = _minitorch_digits.Digits(train=train)  # numpy pixels and int labels only
        self.data, self.targets, self.class_to_idx = (
            source.data,
            source.targets,
            source.class_to_idx,
        )

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


__all__ = ["CIFAR10", "DatasetFolder", "Digits", "ImageFolder", "VisionDataset"]
