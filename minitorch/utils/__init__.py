"""Utilities: ``minitorch.utils.data`` (datasets and loaders) and ``hooks``."""

__all__: list[str] = []  # its API is its submodules
