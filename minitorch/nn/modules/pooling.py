"""Pooling layers: ``MaxPool2d``."""

from __future__ import annotations

from minitorch._tensor import Tensor
from minitorch.nn import functional as F
from minitorch.nn.modules.module import Module

__all__ = ["MaxPool2d"]


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
