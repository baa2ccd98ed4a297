"""``torch_backend.nn.functional``: PyTorch's functional forms under minitorch's names."""

from torch.nn.functional import (
    conv2d,
    cross_entropy,
    l1_loss,
    linear,
    log_softmax,
    max_pool2d,
    max_pool2d_with_indices,
    mse_loss,
    nll_loss,
    pad,
    relu,
    relu_,
    sigmoid,
    softmax,
    tanh,
)

__all__ = [
    "conv2d",
    "cross_entropy",
    "l1_loss",
    "linear",
    "log_softmax",
    "max_pool2d",
    "max_pool2d_with_indices",
    "mse_loss",
    "nll_loss",
    "pad",
    "relu",
    "relu_",
    "sigmoid",
    "softmax",
    "tanh",
]
