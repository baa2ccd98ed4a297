"""``torch_backend.cuda``: PyTorch's own CUDA queries."""

from torch.cuda import device_count, is_available

__all__ = ["device_count", "is_available"]
