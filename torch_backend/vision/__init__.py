"""``torch_backend.vision``: torchvision's transforms and datasets, plus minitorch's extras."""

from torch_backend.vision import datasets, models, transforms, utils

__all__: list[str] = []  # its API is its submodules
