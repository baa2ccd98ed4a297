"""``torch_backend.vision.models``: torchvision's model builders under minitorch's names."""

from torchvision.models import (
    VGG,
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    VGG11_Weights,
    VGG13_Weights,
    VGG16_Weights,
    VGG19_Weights,
    resnet18,
    resnet34,
    vgg11,
    vgg13,
    vgg16,
    vgg19,
)

__all__ = [
    "ResNet",
    "ResNet18_Weights",
    "ResNet34_Weights",
    "VGG",
    "VGG11_Weights",
    "VGG13_Weights",
    "VGG16_Weights",
    "VGG19_Weights",
    "resnet18",
    "resnet34",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
]
