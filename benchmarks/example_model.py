"""A model factory for ``--model``, as an example and for the tests::

    python -m benchmarks --model benchmarks.example_model:tiny_mlp --rows 'tiny_mlp*'

A factory takes a library with PyTorch's API (``minitorch`` or ``torch``) and returns the
model and the shape of one input batch; the benchmark draws the input and shares the weights.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


def tiny_mlp(lib: ModuleType) -> tuple[Any, tuple[int, ...]]:
    """Linear(8, 16) -> ReLU -> Linear(16, 4) on a (2, 8) batch: small enough for a test."""
    model = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 4))
    return model, (2, 8)
