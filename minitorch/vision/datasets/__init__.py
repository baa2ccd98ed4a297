"""Image datasets as in ``torchvision.datasets``: ``CIFAR10``, ``ImageFolder``, ``Digits``."""

from minitorch.vision.datasets.cifar import CIFAR10
from minitorch.vision.datasets.digits import Digits
from minitorch.vision.datasets.folder import DatasetFolder, ImageFolder
from minitorch.vision.datasets.vision import VisionDataset

__all__ = ["CIFAR10", "DatasetFolder", "Digits", "ImageFolder", "VisionDataset"]
