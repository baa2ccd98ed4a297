"""The VGG16 row: torchvision's VGG16 forward at batch 1 on a 224x224 picture, the course's
``model_pretrained`` model, on minitorch.vision and torchvision with the same weights.

Both backends build their own VGG16 and load one set of numpy weights, PyTorch's default
initialisation drawn with numpy (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), so the two compute
the same logits and the harness can compare them. Not in quick mode: the model holds 138M
parameters (half a gigabyte per backend).

Like ``rows``, this module imports nothing but numpy and the standard library at the top.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks.rows import SEED, Backend, Call, Row, Workload, default_init

SIDE = 224


def vision_namespace(lib: ModuleType) -> ModuleType:
    """torchvision's counterpart of ``lib``: ``minitorch.vision``, or torchvision itself."""
    vision = getattr(lib, "vision", None)
    return vision if vision is not None else importlib.import_module("torchvision")


def vgg16_forward(backend: Backend, batch: int, side: int) -> Call:
    model = vision_namespace(backend.lib).models.vgg16(weights=None).eval()
    shapes = {name: tuple(value.shape) for name, value in model.state_dict().items()}
    weights = default_init(shapes, np.random.default_rng(SEED))
    if backend.device != "cpu":
        model = model.to(backend.device)
    model.load_state_dict({name: backend.tensor(array) for name, array in weights.items()})
    del weights
    pictures = np.random.default_rng(SEED + 1).standard_normal((batch, 3, side, side))
    x = backend.tensor(pictures.astype(np.float32))

    def forward() -> Any:
        with backend.lib.no_grad():
            return model(x)

    return forward


def vgg16_row() -> Row:
    def build(quick: bool) -> Workload:
        return Workload(
            f"(1,3,{SIDE},{SIDE})", {"batch": 1, "image": SIDE},
            lambda backend: vgg16_forward(backend, 1, SIDE),
        )  # fmt: skip

    return Row("vgg16_fwd_b1", "model", "VGG16 inference (no_grad forward)", build)


def benchmark_rows() -> list[Row]:
    return [vgg16_row()]
