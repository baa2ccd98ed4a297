"""The torchvision part of the course: ``transforms`` and ``datasets`` (needs Pillow).

``import minitorch.vision as torchvision`` or ``from minitorch.vision import transforms``.
"""

from minitorch.vision import datasets, transforms, utils

__all__: list[str] = []  # its API is its submodules
