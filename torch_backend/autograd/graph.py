"""``torch_backend.autograd.graph``: PyTorch's ``torch.autograd.graph`` under minitorch's names."""

from torch.autograd.graph import (
    Node,
    disable_saved_tensors_hooks,
    save_on_cpu,
    saved_tensors_hooks,
)

__all__ = ["Node", "disable_saved_tensors_hooks", "save_on_cpu", "saved_tensors_hooks"]
