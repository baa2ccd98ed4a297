"""Optimizers (``minitorch.optim``): ``SGD``, and learning-rate schedules in ``lr_scheduler``."""

from minitorch.optim import lr_scheduler
from minitorch.optim.optimizer import Optimizer
from minitorch.optim.sgd import SGD

__all__ = ["Optimizer", "SGD"]
