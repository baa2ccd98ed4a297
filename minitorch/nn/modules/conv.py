"""Convolution layers: ``Conv2d``."""

from __future__ import annotations

import math

from minitorch import _creation
from minitorch._device import check_cpu
from minitorch._dtype import dtype as Dtype
from minitorch._tensor import Tensor
from minitorch.nn import functional as F
from minitorch.nn import init
from minitorch.nn.modules.module import Module
from minitorch.nn.parameter import Parameter

__all__ = ["Conv2d"]

PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


def _pair(value: int | tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """PyTorch's ``nn.modules.utils._pair``: an int twice, a tuple or list as given.

    Not :func:`minitorch._checks.pair`, which doubles a 1-tuple and refuses 3 values: as in
    PyTorch, ``Conv2d(1, 1, (3,))`` keeps and shows ``kernel_size=(3,)``, and
    ``F.conv2d`` refuses the weight it makes when the layer is called.
    """
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


class Conv2d(Module):
    r"""Applies a 2D convolution over an input signal composed of several input planes.

    ``out[n, j] = bias[j] + sum_k weight[j, k] (star) input[n, k]``, where (star) is the
    2-D cross-correlation and ``k`` runs over the input channels of ``j``'s group.

    Args:
        in_channels (int): number of channels in the input image
        out_channels (int): number of channels produced by the convolution
        kernel_size (int or tuple): size of the convolving kernel
        stride (int or tuple, optional): stride of the convolution. Default: 1
        padding (int, tuple or str, optional): padding added to all four sides of the
            input, or ``'valid'`` (none) or ``'same'`` (output size = input size). Default: 0
        dilation (int or tuple, optional): spacing between kernel elements. Default: 1
        groups (int, optional): number of blocked connections from input channels to
            output channels. Default: 1
        bias (bool, optional): if ``True``, adds a learnable bias to the output. Default: ``True``
        padding_mode (str, optional): ``'zeros'``, ``'reflect'``, ``'replicate'`` or
            ``'circular'``. Default: ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`,
          where
          :math:`H_{out} = \lfloor (H_{in} + 2 \times \text{padding}[0] - \text{dilation}[0]
          \times (\text{kernel\_size}[0] - 1) - 1) / \text{stride}[0] + 1 \rfloor`, and
          likewise for :math:`W_{out}`.

    Attributes:
        weight (Tensor): shape (out_channels, in_channels / groups, kH, kW), initialised
            from U(-sqrt(k), sqrt(k)) with k = groups / (in_channels * kH * kW)
        bias (Tensor): shape (out_channels,), initialised from the same distribution

    Example::

        >>> conv = nn.Conv2d(3, 32, 5, stride=1, padding=2)
        >>> conv(minitorch.randn(64, 3, 32, 32)).shape
        minitorch.Size([64, 32, 32, 32])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: str | int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: object = None,
        dtype: Dtype | None = None,
    ) -> None:
        super().__init__()
        if device is not None:
            check_cpu(device)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in _pair(stride)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {PADDING_MODES}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = padding if isinstance(padding, str) else _pair(padding)
        self.dilation = _pair(dilation)
        self.transposed = False
        self.output_padding = (0, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(self.padding, str):
            self._reversed_padding_repeated_twice = [0, 0, 0, 0]
            if padding == "same":
                for i, (d, k) in enumerate(zip(self.dilation, self.kernel_size, strict=True)):
                    total = d * (k - 1)
                    before = total // 2
                    self._reversed_padding_repeated_twice[2 * (1 - i)] = before
                    self._reversed_padding_repeated_twice[2 * (1 - i) + 1] = total - before
        else:
            self._reversed_padding_repeated_twice = [
                p for p in reversed(self.padding) for _ in range(2)
            ]
        weight_shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(_creation.empty(weight_shape, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming-uniform weights (a=sqrt(5)), bias U(+-1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        text = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            text += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            text += ", dilation={dilation}"
        if self.groups != 1:
            text += ", groups={groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += ", padding_mode={padding_mode}"
        return text.format(**self.__dict__)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return F.conv2d(padded, weight, bias, self.stride, (0, 0), self.dilation, self.groups)
        return F.conv2d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)
