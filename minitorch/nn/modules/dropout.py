"""Dropout layers: ``Dropout`` (elements) and ``Dropout2d`` (whole channels)."""

from __future__ import annotations

from minitorch._checks import check_dropout_probability
from minitorch._tensor import Tensor
from minitorch.nn import functional as F
from minitorch.nn.modules.module import Module

__all__ = ["Dropout", "Dropout2d"]


class _DropoutNd(Module):
    """What the dropout layers share: the probability ``p`` and ``inplace``."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        check_dropout_probability(p)
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    r"""During training, zeroes each element with probability ``p`` and scales the others by
    :math:`\frac{1}{1-p}`, so that the expected output is the input; in eval mode it is
    the identity (the input itself comes back).

    The zeros are drawn afresh on every call from minitorch's default generator
    (:func:`minitorch.manual_seed` makes them reproducible).

    Args:
        p (float, optional): probability of an element to be zeroed. Default: 0.5
        inplace (bool, optional): overwrite the input instead of allocating. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any shape.
        - Output: :math:`(*)`, same shape as the input.

    Example::

        >>> drop = nn.Dropout(p=0.2)
        >>> drop(minitorch.randn(20, 16)).shape
        minitorch.Size([20, 16])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    r"""During training, zeroes each whole channel ``input[n, c]`` with probability ``p`` and
    scales the others by :math:`\frac{1}{1-p}`; in eval mode it is the identity.

    As in PyTorch, a 3-D input is taken as :math:`(N, C, L)` (with a warning), not as one
    unbatched picture.

    Args:
        p (float, optional): probability of a channel to be zeroed. Default: 0.5
        inplace (bool, optional): overwrite the input instead of allocating. Default: ``False``

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(N, C, L)`.
        - Output: same shape as the input.

    Example::

        >>> drop = nn.Dropout2d(p=0.2)
        >>> drop(minitorch.randn(20, 16, 32, 32)).shape
        minitorch.Size([20, 16, 32, 32])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)
