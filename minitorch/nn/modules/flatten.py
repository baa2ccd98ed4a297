"""Reshaping layers: ``Flatten``."""

from __future__ import annotations

from minitorch._tensor import Tensor
from minitorch.nn.modules.module import Module

__all__ = ["Flatten"]


class Flatten(Module):
    r"""Flattens the dimensions ``start_dim`` to ``end_dim`` into one.

    Args:
        start_dim (int): first dimension to flatten. Default: 1 (keep the batch dimension)
        end_dim (int): last dimension to flatten. Default: -1

    Shape:
        - Input: :math:`(*, S_{start}, ..., S_{end}, *)`
        - Output: :math:`(*, \prod_{i=start}^{end} S_i, *)`

    Example::

        >>> nn.Flatten()(minitorch.zeros(64, 64, 4, 4)).shape
        minitorch.Size([64, 1024])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
