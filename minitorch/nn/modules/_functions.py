"""Functions the Module machinery itself uses (PyTorch: ``nn/modules/_functions.py``)."""

from __future__ import annotations

from minitorch.autograd.function import Function


class BackwardHookFunction(Function):
    """Identity on any number of tensors; its graph node is where module backward hooks attach."""

    backward_name = "BackwardHookFunctionBackward"  # PyTorch's node name

    @staticmethod
    def forward(ctx, *arrays):
        return arrays if len(arrays) > 1 else arrays[0]

    @staticmethod
    def backward(ctx, *grads):
        return grads if len(grads) > 1 else grads[0]
