"""Linear layers: ``Linear`` and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

from minitorch import _creation
from minitorch._device import check_cpu
from minitorch._dtype import dtype as Dtype
from minitorch._tensor import Tensor
from minitorch.nn import functional as F
from minitorch.nn import init
from minitorch.nn.modules.module import Module
from minitorch.nn.parameter import Parameter

__all__ = ["Identity", "Linear"]


class Identity(Module):
    r"""Returns its input unchanged; any constructor arguments are ignored.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input itself.

    Example::

        >>> x = minitorch.randn(2, 3)
        >>> nn.Identity(54, unused="argument")(x) is x
        True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    r"""Applies an affine linear transformation: :math:`y = x A^T + b`.

    Args:
        in_features (int): size of each input sample
        out_features (int): size of each output sample
        bias (bool, optional): if ``False``, the layer learns no additive bias. Default: ``True``

    Shape:
        - Input: :math:`(*, H_{in})` with :math:`H_{in} = \text{in\_features}`.
        - Output: :math:`(*, H_{out})` with :math:`H_{out} = \text{out\_features}`.

    Attributes:
        weight (Tensor): shape (out_features, in_features), initialised from
            U(-sqrt(k), sqrt(k)) with k = 1 / in_features
        bias (Tensor): shape (out_features,), initialised from the same distribution

    Example::

        >>> fc = nn.Linear(1024, 64)
        >>> fc(minitorch.randn(64, 1024)).shape
        minitorch.Size([64, 64])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: object = None,
        dtype: Dtype | None = None,
    ) -> None:
        super().__init__()
        if device is not None:
            check_cpu(device)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_creation.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming-uniform weights (a=sqrt(5)), bias U(+-1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
