"""Pretrained weights as torchvision describes them, and how a model builder gets them.

``Weights`` records where a checkpoint lives and what it is; each model has an enum of
them (``VGG16_Weights.IMAGENET1K_V1``, ``VGG16_Weights.DEFAULT``). Getting a state_dict
is :func:`minitorch.hub.load_state_dict_from_url`, as in torchvision: the torch hub cache
first, a download into it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any

from minitorch.hub import load_state_dict_from_url

__all__ = ["Weights", "WeightsEnum"]


@dataclass
class Weights:
    """One pretrained checkpoint: its ``url``, the ``transforms`` its inputs need, ``meta``
    (categories, parameter count, accuracy, ...)."""

    url: str
    transforms: Callable
    meta: dict[str, Any]

    def __eq__(self, other: Any) -> bool:
        # As torchvision's: a copied enum member must equal the original, and
        # functools.partial objects compare by identity unless taken apart.
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        if isinstance(self.transforms, partial) and isinstance(other.transforms, partial):
            return (
                self.transforms.func == other.transforms.func
                and self.transforms.args == other.transforms.args
                and self.transforms.keywords == other.transforms.keywords
            )
        return self.transforms == other.transforms


class WeightsEnum(Enum):
    """The base of each model's weights enum; its members' values are :class:`Weights`."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """``obj`` as a member: None stays None, a name (``"DEFAULT"`` or
        ``"VGG16_Weights.DEFAULT"``) is looked up, a member of another enum is refused."""
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(
                    f"Invalid Weight class provided; expected {cls.__name__} but received "
                    f"{obj.__class__.__name__}."
                )
        return obj

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The checkpoint's state_dict, from the hub cache or downloaded into it."""
        return load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self) -> Callable:
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta


def image_classification_preset(*args: Any, **kwargs: Any) -> Any:
    """torchvision's ``ImageClassification`` preset, which minitorch does not implement."""
    raise NotImplementedError(
        "the weights' preset transforms (torchvision's ImageClassification) are not "
        "implemented in minitorch; compose them from minitorch.vision.transforms: "
        "Resize(256), CenterCrop(224), ToTensor(), "
        "Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])"
    )
