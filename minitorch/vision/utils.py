"""``make_grid`` and ``save_image``, as in ``torchvision.utils``: a batch of pictures as one.

Both are written with the same tensor operations as torchvision's, in the same order
(``clamp_``, ``sub_``, ``div_``, ``mul``, ``add_``, the cast to uint8), so that the grid
and the saved file's pixels are torchvision's to the bit.
"""

from __future__ import annotations

import math
import os
from typing import BinaryIO

from PIL import Image

from minitorch import _dtype
from minitorch._creation import full
from minitorch._functional.shape import cat, stack
from minitorch._tensor import Tensor, is_tensor
from minitorch.autograd.grad_mode import no_grad

__all__ = ["make_grid", "save_image"]


@no_grad()
def make_grid(
    tensor: Tensor | list[Tensor],
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[int, int] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Tile a batch of pictures into one picture, ``nrow`` per row, ``padding`` pixels apart.

    Args:
        tensor: a batch ``(B, C, H, W)``, or a list of ``(C, H, W)`` pictures of one size; a
            single picture ``(C, H, W)`` or ``(H, W)`` is returned alone. One channel is
            repeated into three.
        nrow: pictures per row; the grid has ``ceil(B / nrow)`` rows.
        padding: pixels of ``pad_value`` around and between the pictures.
        normalize: shift the values to [0, 1] by the min and max of ``value_range``
            (default: the tensor's own), clamping values outside it first.
        value_range: ``(min, max)`` for ``normalize``.
        scale_each: normalize each picture by its own min and max.
        pad_value: the value of the padding pixels.

    Shape:
        - Output: ``(C, (H + padding) * rows + padding, (W + padding) * min(nrow, B) + padding)``,
          with C = 3 for one-channel input.
    """
    if not is_tensor(tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not is_tensor(t):
                    raise TypeError(
                        f"tensor or list of tensors expected, got a list containing {type(t)}"
                    )
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")

    if isinstance(tensor, list):
        tensor = stack(tensor, dim=0)

    if tensor.dim() == 2:  # one H x W picture
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:  # one picture
        if tensor.size(0) == 1:  # one channel becomes three
            tensor = cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)

    if tensor.dim() == 4 and tensor.size(1) == 1:  # one-channel pictures
        tensor = cat((tensor, tensor, tensor), 1)

    if normalize is True:
        tensor = tensor.clone()  # the caller's tensor is not changed
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError(
                "value_range has to be a tuple (min, max) if specified. min and max are numbers"
            )

        def norm_ip(img: Tensor, low: float, high: float) -> None:
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def norm_range(t: Tensor, value_range: tuple[int, int] | None) -> None:
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in tensor:  # each picture of the batch, in place
                norm_range(t, value_range)
        else:
            norm_range(tensor, value_range)

    if not isinstance(tensor, Tensor):
        raise TypeError("tensor should be of type minitorch.Tensor")
    if tensor.size(0) == 1:
        return tensor.squeeze(0)

    count = tensor.size(0)
    columns = min(nrow, count)
    rows = int(math.ceil(float(count) / columns))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    num_channels = tensor.size(1)
    grid = full(
        (num_channels, height * rows + padding, width * columns + padding),
        pad_value,
        dtype=tensor.dtype,
    )
    for k in range(count):
        y, x = divmod(k, columns)
        top, left = y * height + padding, x * width + padding
        grid[:, top : top + height - padding, left : left + width - padding].copy_(tensor[k])
    return grid


@no_grad()
def save_image(
    tensor: Tensor | list[Tensor],
    fp: str | os.PathLike | BinaryIO,
    format: str | None = None,
    **kwargs: object,
) -> None:
    """Save a picture, or a batch as one grid (:func:`make_grid`'s ``**kwargs``), to ``fp``.

    Values in [0, 1] become bytes by ``x * 255 + 0.5`` clamped to [0, 255] and truncated,
    i.e. rounded to the nearest. ``format`` (``"PNG"``, ``"JPEG"``, ...) defaults to the
    one the file name's extension names; give it when ``fp`` is a file object.
    """
    grid = make_grid(tensor, **kwargs)  # type: ignore[arg-type]
    array = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", _dtype.uint8)
    Image.fromarray(array.numpy()).save(fp, format=format)
