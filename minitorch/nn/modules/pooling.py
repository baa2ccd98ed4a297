"""Pooling layers: ``MaxPool2d`` and ``AdaptiveAvgPool2d``."""

from __future__ import annotations

from collections.abc import Sequence

from minitorch._tensor import Tensor
from minitorch.nn import functional as F
from minitorch.nn.modules.module import Module

__all__ = ["AdaptiveAvgPool2d", "MaxPool2d"]


class MaxPool2d(Module):
    r"""Applies a 2D max pooling over an input signal composed of several input planes.

    ``out[n, c, h, w] = max over the window at (stride*h, stride*w)`` of ``input[n, c]``.

    Args:
        kernel_size (int or tuple): size of the window to take a max over
        stride (int or tuple, optional): stride of the window. Default: ``kernel_size``
        padding (int or tuple, optional): implicit negative-infinity padding on both
            sides; at most half the (effective) kernel size. Default: 0
        dilation (int or tuple, optional): spacing between elements in the window. Default: 1
        return_indices (bool, optional): also return the argmax of each window, as a
            flat index into its input plane. Default: ``False``
        ceil_mode (bool, optional): use ceil instead of floor for the output size, so a
            partial window at the end counts. Default: ``False``

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, where
          :math:`H_{out} = \lfloor (H_{in} + 2 \times \text{padding}[0] - \text{dilation}[0]
          \times (\text{kernel\_size}[0] - 1) - 1) / \text{stride}[0] + 1 \rfloor`
          (:math:`\lceil \cdot \rceil` with ``ceil_mode``), likewise for :math:`W_{out}`.

    Example::

        >>> pool = nn.MaxPool2d(2)
        >>> pool(minitorch.randn(64, 32, 32, 32)).shape
        minitorch.Size([64, 32, 16, 16])
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] | None = None,
        padding: int | tuple[int, ...] = 0,
        dilation: int | tuple[int, ...] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            "kernel_size={kernel_size}, stride={stride}, padding={padding}, "
            "dilation={dilation}, ceil_mode={ceil_mode}".format(**self.__dict__)
        )

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return F.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AdaptiveAvgPool2d(Module):
    r"""Applies a 2D adaptive average pooling: any input plane becomes an ``H x W`` output.

    Output row ``i`` of ``H_out`` averages input rows :math:`\lfloor i H_{in} / H_{out}
    \rfloor` up to :math:`\lceil (i+1) H_{in} / H_{out} \rceil` (exclusive), and likewise
    for columns, so every input size works: windows overlap where the sizes do not divide,
    and repeat where the output is larger than the input.

    Args:
        output_size (int or tuple): the output size ``(H, W)``, or one int for a square
            ``H x H``; an entry ``None`` keeps the input's size there.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`
        - Output: :math:`(N, C, S_0, S_1)` or :math:`(C, S_0, S_1)`, where
          :math:`S = \text{output\_size}`.

    Example::

        >>> pool = nn.AdaptiveAvgPool2d((7, 7))
        >>> pool(minitorch.randn(1, 512, 1, 1)).shape
        minitorch.Size([1, 512, 7, 7])
    """

    def __init__(self, output_size: int | Sequence[int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)
