"""``torch_backend.optim``: PyTorch's optimizers under minitorch's names."""

from torch.optim import (
    SGD,
    Optimizer,
)

from torch_backend.optim import lr_scheduler

__all__ = ["Optimizer", "SGD"]
