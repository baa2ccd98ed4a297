"""Printing tensors in PyTorch's format."""

from __future__ import annotations

from typing import Any


def tensor_repr(t: Any) -> str:
    return f"tensor({t._data.tolist()})"
