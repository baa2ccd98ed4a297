"""``minitorch.cuda``: minitorch never sees a GPU, so course code like
``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU."""

from __future__ import annotations

__all__ = ["device_count", "is_available"]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0
