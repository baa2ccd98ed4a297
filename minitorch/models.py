"""The models the training and prediction commands know, written once for any backend.

Every builder takes the backend namespace ``lib`` (``minitorch`` or ``torch_backend``) as
its first argument and uses only the course's layers through it, so the same function
builds a minitorch model or a PyTorch one:

>>> import minitorch
>>> model = digits_cnn(minitorch)                        # for 1x8x8 digits
>>> tudui = tudui_class(minitorch)()                     # the course's CIFAR-10 model

Each model also says what input it expects (:class:`ImageSpec`), so that training and
prediction can turn any picture into that input the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = [
    "CIFAR10_CLASSES",
    "ConvertImage",
    "DATASETS",
    "DIGIT_CLASSES",
    "DatasetInfo",
    "ImageSpec",
    "MODELS",
    "ModelInfo",
    "build_model",
    "digits_cnn",
    "input_transform",
    "model_input",
    "tudui_class",
    "tutorial_sequential",
]

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
DIGIT_CLASSES = tuple(str(digit) for digit in range(10))


@dataclass(frozen=True)
class ImageSpec:
    """The pictures a model takes: a PIL mode (``"L"`` or ``"RGB"``) and a square side."""

    mode: str
    size: int

    @property
    def channels(self) -> int:
        return 1 if self.mode == "L" else 3


@dataclass(frozen=True)
class DatasetInfo:
    """What the commands need to know about a dataset before loading it."""

    image: ImageSpec
    classes: tuple[str, ...]


DATASETS = {
    "digits": DatasetInfo(ImageSpec("L", 8), DIGIT_CLASSES),
    "cifar10": DatasetInfo(ImageSpec("RGB", 32), CIFAR10_CLASSES),
}


def digits_cnn(lib: ModuleType, image: ImageSpec = DATASETS["digits"].image) -> Any:
    """The default model: two 3x3 convolutions with ReLU and 2x2 max pooling, then a linear layer.

    Sized for scikit-learn's 8x8 digits (1x8x8 -> 16x4x4 -> 32x2x2 -> 10 logits, 6,090
    parameters); ``image`` adapts the input channels and the flattened size to other pictures.
    """
    nn = lib.nn
    side_after_pooling = image.size // 4
    return nn.Sequential(
        nn.Conv2d(image.channels, 16, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * side_after_pooling * side_after_pooling, 10),
    )


def tutorial_sequential(lib: ModuleType, image_size: int = 32) -> Any:
    """The course's CIFAR-10 network as one ``lib.nn.Sequential``: 3 x image_size^2 -> 10.

    Three 5x5 convolutions (padding 2) each halved by 2x2 max pooling, then two linear
    layers; 145,578 parameters at 32x32. For other sizes the first Linear's input adapts.
    """
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 32, 5, 1, 2),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 5, 1, 2),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, 1, 2),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * (image_size // 8) ** 2, 64),
        nn.Linear(64, 10),
    )


@functools.cache
def tudui_class(lib: ModuleType) -> type:
    """The course's CIFAR-10 model class ``Tudui``, as a subclass of ``lib.nn.Module``.

    Its attribute ``model`` is the Sequential the course defines, so state_dict keys
    (``model.0.weight``, ...) match the course's checkpoints. The class is made once per
    backend because its base class is that backend's ``nn.Module``.
    """
    nn = lib.nn

    class Tudui(nn.Module):
        """Three 5x5 convolutions with 2x2 max pooling, then two linear layers: 3x32x32 -> 10."""

        def __init__(self) -> None:
            super().__init__()
            self.model = tutorial_sequential(lib)

        def forward(self, x: Any) -> Any:
            return self.model(x)

    return Tudui


@dataclass(frozen=True)
class ModelInfo:
    """A model the commands can build: how, and which input it takes (None: the dataset's)."""

    build: Callable[[ModuleType, ImageSpec], Any]
    image: ImageSpec | None
    default_dataset: str


MODELS = {
    "cnn": ModelInfo(digits_cnn, None, "digits"),
    "tudui": ModelInfo(lambda lib, image: tudui_class(lib)(), ImageSpec("RGB", 32), "cifar10"),
}


def model_input(model_name: str, dataset_name: str) -> ImageSpec:
    """The pictures model ``model_name`` takes when trained on ``dataset_name``."""
    return MODELS[model_name].image or DATASETS[dataset_name].image


def build_model(lib: ModuleType, model_name: str, dataset_name: str) -> Any:
    """A freshly initialised ``model_name`` (a key of :data:`MODELS`) for ``dataset_name``."""
    return MODELS[model_name].build(lib, model_input(model_name, dataset_name))


class ConvertImage:
    """Convert a PIL image to ``mode`` (``"L"``, ``"RGB"``), as ``Image.convert`` does."""

    def __init__(self, mode: str):
        self.mode = mode

    def __call__(self, image: Any) -> Any:
        return image if image.mode == self.mode else image.convert(self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mode={self.mode!r})"


def input_transform(lib: ModuleType, image: ImageSpec, source: ImageSpec | None = None) -> Any:
    """The transform from a PIL picture to the tensor a model taking ``image`` expects.

    ``source`` describes the pictures when they are known in advance (a dataset); steps
    that would change nothing are then left out. Without it (any file a user passes to
    prediction) the picture is converted and resized as the course's ``test.py`` does:
    ``convert(mode)``, ``Resize((size, size))``, ``ToTensor()``.
    """
    transforms = lib.vision.transforms
    steps: list[Any] = []
    if source is None or source.mode != image.mode:
        steps.append(ConvertImage(image.mode))
    if source is None or source.size != image.size:
        steps.append(transforms.Resize((image.size, image.size)))
    steps.append(transforms.ToTensor())
    return transforms.Compose(steps)
