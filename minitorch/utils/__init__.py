"""Utilities: ``minitorch.utils.data`` (datasets and loaders) and ``hooks``."""

import importlib as _importlib

__all__: list[str] = []  # its API is its submodules

# Imported on first use (``minitorch.utils.data``, as in torch, without importing it first):
# a training step on tensors needs no DataLoader, and the loader imports multiprocessing.
_LAZY_SUBMODULES = ("data",)


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_SUBMODULES})
