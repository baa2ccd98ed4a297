"""``torch_backend.vision.models``: torchvision's model builders under minitorch's names."""

from torchvision.models import (
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
