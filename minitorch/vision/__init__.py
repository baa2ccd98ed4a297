"""The torchvision part of the course: ``transforms``, ``datasets``, ``utils`` and ``models``.

``import minitorch.vision as torchvision`` or ``from minitorch.vision import transforms``.
The transforms and datasets need Pillow.
"""

from minitorch.vision import datasets, models, transforms, utils

__all__: list[str] = []  # its API is its submodules
