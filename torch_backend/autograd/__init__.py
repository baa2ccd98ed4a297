"""``torch_backend.autograd``: PyTorch's ``torch.autograd`` under minitorch's names."""

from torch import (
    is_grad_enabled,
)
from torch.autograd import (
    Function,
    backward,
    enable_grad,
    grad,
    gradcheck,
    inference_mode,
    no_grad,
    set_grad_enabled,
)
from torch.autograd.gradcheck import (
    GradcheckError,
)
from torch.autograd.graph import (
    Node,
)

from torch_backend.autograd import graph

__all__ = [
    "Function",
    "GradcheckError",
    "Node",
    "backward",
    "enable_grad",
    "grad",
    "gradcheck",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
