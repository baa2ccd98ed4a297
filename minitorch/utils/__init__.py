"""Utilities: ``minitorch.utils.data`` (datasets and loaders) and ``hooks``."""
