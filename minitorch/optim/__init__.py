"""Optimizers (``minitorch.optim``)."""
