"""``minitorch.vision.models``: torchvision's model builders, for the models minitorch has.

The VGG family (``vgg11``, ``vgg13``, ``vgg16``, ``vgg19``, their batch-normalised
``vgg11_bn`` ... ``vgg19_bn``, the :class:`VGG` class) and
``resnet18`` and ``resnet34`` (the :class:`ResNet` class), with their weights enums and
torchvision's module trees, ``state_dict`` keys and arguments::

    >>> from minitorch.vision.models import resnet18, vgg16, VGG16_Weights
    >>> model = vgg16(weights=None)                        # torchvision's initialisation
    >>> model = vgg16(weights=VGG16_Weights.DEFAULT)       # from the torch hub cache
    >>> model = resnet18(num_classes=10)

The ResNets built of bottleneck blocks (``resnet50`` and deeper) are not provided.
"""

from minitorch.vision.models.resnet import (
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    resnet18,
    resnet34,
)
from minitorch.vision.models.vgg import (
    VGG,
    VGG11_BN_Weights,
    VGG11_Weights,
    VGG13_BN_Weights,
    VGG13_Weights,
    VGG16_BN_Weights,
    VGG16_Weights,
    VGG19_BN_Weights,
    VGG19_Weights,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
)

__all__ = [
    "ResNet",
    "ResNet18_Weights",
    "ResNet34_Weights",
    "VGG",
    "VGG11_BN_Weights",
    "VGG11_Weights",
    "VGG13_BN_Weights",
    "VGG13_Weights",
    "VGG16_BN_Weights",
    "VGG16_Weights",
    "VGG19_BN_Weights",
    "VGG19_Weights",
    "resnet18",
    "resnet34",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
]
