"""Automatic differentiation: ``Function``, the backward engine, grad modes and ``gradcheck``."""

from minitorch.autograd.engine import grad
from minitorch.autograd.function import AccumulateGrad, Function, Node
from minitorch.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """``minitorch.autograd.backward(tensors, grad_tensors)``: backward from several outputs."""
    from minitorch._tensor import Tensor
    from minitorch.autograd.engine import _root_gradient, run_backward

    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    seeds = [_root_gradient(t, g) for t, g in zip(tensors, grad_tensors, strict=True)]
    run_backward(tensors, seeds, retain_graph=bool(retain_graph))
