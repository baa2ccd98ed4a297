"""Datasets and loaders (``minitorch.utils.data``)."""
