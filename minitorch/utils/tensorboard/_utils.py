"""What the summaries need before protobuf: numpy arrays, and pictures laid out as ``H x W x C``.

``make_np`` and ``convert_to_HWC`` are PyTorch's (``torch/utils/tensorboard/_convert_np.py``
and ``_utils.py``), with the same errors; ``make_np`` also takes a PyTorch tensor, because the
training command logs through this writer on either backend.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minitorch._tensor import Tensor


def make_np(x: Any) -> np.ndarray:
    """``x`` (a numpy array, a Python or numpy number, a minitorch or PyTorch tensor) as an array.

    A number becomes a one-element array; a tensor is detached first, so one that requires
    grad is logged as its value.
    """
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, Tensor):
        return x.detach().cpu().numpy()
    if type(x).__module__.startswith("torch") and hasattr(x, "detach"):
        if str(x.dtype) == "torch.bfloat16":  # numpy has no bfloat16; PyTorch logs it as half
            x = x.half()
        return x.detach().cpu().numpy()
    raise NotImplementedError(f"Got {type(x)}, but numpy array or minitorch tensor are expected.")


def tile_images(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """``(N, 1 or 3, H, W)`` pictures tiled row by row, ``ncols`` per row, into ``(3, H', W')``.

    Unlike ``minitorch.vision.utils.make_grid``, there is no padding between the pictures;
    cells past the last picture stay 0.
    """
    if images.shape[1] == 1:
        images = np.concatenate([images, images, images], 1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    count, _, height, width = images.shape
    ncols = min(count, ncols)
    nrows = math.ceil(count / ncols)
    canvas = np.zeros((3, height * nrows, width * ncols), dtype=images.dtype)
    for index, image in enumerate(images):
        row, column = divmod(index, ncols)
        canvas[:, row * height : (row + 1) * height, column * width : (column + 1) * width] = image
    return canvas


def convert_to_HWC(tensor: np.ndarray, input_format: str) -> np.ndarray:
    """The picture(s) in ``tensor``, laid out as ``input_format`` (``"NCHW"``, ``"CHW"``,
    ``"HWC"``, ``"HW"``, ...), as one ``(H, W, C)`` array; a batch is tiled 8 per row and a
    single channel repeated three times."""
    if len(set(input_format)) != len(input_format):
        raise AssertionError(
            f"You can not use the same dimension shorthand twice. input_format: {input_format}"
        )
    if len(tensor.shape) != len(input_format):
        raise AssertionError(
            "size of input tensor and input format are different. "
            f"tensor shape: {tensor.shape}, input_format: {input_format}"
        )
    input_format = input_format.upper()
    if len(input_format) == 4:
        nchw = tensor.transpose([input_format.find(c) for c in "NCHW"])
        return tile_images(nchw).transpose(1, 2, 0)
    if len(input_format) == 3:
        hwc = tensor.transpose([input_format.find(c) for c in "HWC"])
        return np.concatenate([hwc, hwc, hwc], 2) if hwc.shape[2] == 1 else hwc
    hw = tensor.transpose([input_format.find(c) for c in "HW"])
    return np.stack([hw, hw, hw], 2)
