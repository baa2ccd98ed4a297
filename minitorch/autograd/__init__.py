"""Automatic differentiation: ``Function``, the backward engine, grad modes and ``gradcheck``;
``graph`` holds the hooks on what the graph saves (``saved_tensors_hooks``)."""

from minitorch.autograd import graph
from minitorch.autograd.engine import backward, grad
from minitorch.autograd.function import Function, Node
from minitorch.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from minitorch.autograd.gradcheck import GradcheckError, gradcheck

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
