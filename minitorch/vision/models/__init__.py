"""``minitorch.vision.models``: torchvision's model builders, for the models minitorch has.

The VGG family (``vgg11``, ``vgg13``, ``vgg16``, ``vgg19``, the :class:`VGG` class and
their weights enums), with torchvision's module tree, ``state_dict`` keys and arguments::

    >>> from minitorch.vision.models import vgg16, VGG16_Weights
    >>> model = vgg16(weights=None)                        # torchvision's initialisation
    >>> model = vgg16(weights=VGG16_Weights.DEFAULT)       # from the torch hub cache

The batch-normalised variants (``vgg16_bn``, ...) are not provided: minitorch has no
``nn.BatchNorm2d``.
"""

from minitorch.vision.models.vgg import (
    VGG,
    VGG11_Weights,
    VGG13_Weights,
    VGG16_Weights,
    VGG19_Weights,
    vgg11,
    vgg13,
    vgg16,
    vgg19,
)

__all__ = [
    "VGG",
    "VGG11_Weights",
    "VGG13_Weights",
    "VGG16_Weights",
    "VGG19_Weights",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
]
