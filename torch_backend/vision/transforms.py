"""``torch_backend.vision.transforms``: torchvision's transforms under minitorch's names."""

from torchvision.transforms import (
    CenterCrop,
    Compose,
    Grayscale,
    InterpolationMode,
    Lambda,
    Normalize,
    PILToTensor,
    RandomCrop,
    RandomHorizontalFlip,
    Resize,
    ToPILImage,
    ToTensor,
)

__all__ = [
    "CenterCrop",
    "Compose",
    "Grayscale",
    "InterpolationMode",
    "Lambda",
    "Normalize",
    "PILToTensor",
    "RandomCrop",
    "RandomHorizontalFlip",
    "Resize",
    "ToPILImage",
    "ToTensor",
]
