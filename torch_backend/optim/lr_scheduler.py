"""``torch_backend.optim.lr_scheduler``: PyTorch's learning-rate schedulers."""

from torch.optim.lr_scheduler import (
    EPOCH_DEPRECATION_WARNING,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LRScheduler,
    MultiStepLR,
    StepLR,
)

__all__ = [
    "CosineAnnealingLR",
    "EPOCH_DEPRECATION_WARNING",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "MultiStepLR",
    "StepLR",
]
