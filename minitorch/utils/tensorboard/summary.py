"""``Summary`` protobufs (tensorboard's own message classes) built from tensors and arrays.

The functions of ``torch.utils.tensorboard.summary`` that :class:`SummaryWriter` uses, with
the same arguments, values and errors: each turns its input into a numpy array
(:func:`~minitorch.utils.tensorboard._utils.make_np`) and fills one ``Summary.Value``.
Protobuf does the encoding, so a float field takes what PyTorch's does: a number too large
for float32, such as ``1e39``, is stored as ``inf``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from minitorch.utils.tensorboard._utils import convert_to_HWC, make_np

__all__ = [
    "histogram",
    "histogram_raw",
    "image",
    "make_histogram",
    "make_image",
    "scalar",
    "text",
]


def scalar(
    name: str, tensor: Any, collections: None = None, new_style: bool = False,
    double_precision: bool = False,
) -> Summary:  # fmt: skip
    """A ``Summary`` holding the one number in ``tensor`` (a number, or any one-element array
    or tensor) under the tag ``name``.

    ``new_style`` stores it as a float (or, with ``double_precision``, a double)
    ``TensorProto`` for the scalars plugin instead of the old ``simple_value`` field.
    """
    array = make_np(tensor).squeeze()
    if array.ndim != 0:
        raise AssertionError(
            "Tensor should contain one element (0 dimensions). "
            f"Was given size: {array.size} and {array.ndim} dimensions."
        )
    value = float(array)  # as in PyTorch: a double, which the float field then rounds
    if not new_style:
        return Summary(value=[Summary.Value(tag=name, simple_value=value)])
    if double_precision:
        tensor_proto = TensorProto(double_val=[value], dtype="DT_DOUBLE")
    else:
        tensor_proto = TensorProto(float_val=[value], dtype="DT_FLOAT")
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=name, tensor=tensor_proto, metadata=metadata)])


def histogram_raw(
    name: str, min: float, max: float, num: int, sum: float, sum_squares: float,
    bucket_limits: Sequence[float], bucket_counts: Sequence[float],
) -> Summary:  # fmt: skip
    """A ``Summary`` holding a histogram already counted: ``bucket_counts[i]`` values at most
    ``bucket_limits[i]``, and the values' ``min``, ``max``, count, sum and sum of squares."""
    histo = HistogramProto(
        min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
        bucket_limit=bucket_limits, bucket=bucket_counts,
    )  # fmt: skip
    return Summary(value=[Summary.Value(tag=name, histo=histo)])


def histogram(name: str, values: Any, bins: Any, max_bins: int | None = None) -> Summary:
    """A ``Summary`` holding the histogram of ``values`` (any shape) over ``bins``
    (``numpy.histogram``'s: an edge list, a count, or a rule such as ``"auto"``)."""
    histo = make_histogram(make_np(values).astype(float), bins, max_bins)
    return Summary(value=[Summary.Value(tag=name, histo=histo)])


def make_histogram(values: np.ndarray, bins: Any, max_bins: int | None = None) -> HistogramProto:
    """``values`` counted into ``bins`` (at most ``max_bins``, neighbours merged), trimmed to
    the buckets that hold values plus an empty one on the left, as TensorBoard expects."""
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    num_bins = len(counts)
    if max_bins is not None and num_bins > max_bins:
        subsampling = num_bins // max_bins
        subsampling_remainder = num_bins % subsampling
        if subsampling_remainder != 0:
            counts = np.pad(counts, pad_width=[[0, subsampling - subsampling_remainder]])
        counts = counts.reshape(-1, subsampling).sum(axis=-1)
        new_limits = np.empty((counts.size + 1,), limits.dtype)
        new_limits[:-1] = limits[:-1:subsampling]
        new_limits[-1] = limits[-1]
        limits = new_limits
    # The first and the last bucket that hold values.
    cum_counts = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum_counts, [0, cum_counts[-1] - 1], side="right")
    start, end = int(start), int(end) + 1
    # TensorBoard keeps only the right edge of each bucket; an empty bucket on the left
    # keeps the leftmost edge.
    counts = counts[start - 1 : end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start : end + 1]
    if counts.size == 0 or limits.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    return HistogramProto(
        min=values.min(),
        max=values.max(),
        num=len(values),
        sum=values.sum(),
        sum_squares=values.dot(values),
        bucket_limit=limits.tolist(),
        bucket=counts.tolist(),
    )


def image(tag: str, tensor: Any, rescale: float = 1, dataformats: str = "NCHW") -> Summary:
    """A ``Summary`` holding ``tensor`` as one PNG picture.

    ``tensor`` is laid out as ``dataformats`` (a batch is tiled 8 per row); uint8 values are
    taken as 0..255 and any other dtype as 0..1, scaled by 255; both are clipped to 0..255.
    """
    array = convert_to_HWC(make_np(tensor), dataformats)
    scale_factor = 1 if array.dtype == np.uint8 else 255
    array = (array.astype(np.float32) * scale_factor).clip(0, 255).astype(np.uint8)
    return Summary(value=[Summary.Value(tag=tag, image=make_image(array, rescale=rescale))])


def make_image(tensor: np.ndarray, rescale: float = 1) -> Summary.Image:
    """An ``(H, W, C)`` uint8 array as a ``Summary.Image``: its PNG, size and channel count."""
    from PIL import Image  # Pillow is needed only once a picture is logged

    height, width, channel = tensor.shape
    picture = Image.fromarray(tensor)
    scaled = (int(width * rescale), int(height * rescale))
    picture = picture.resize(scaled, Image.Resampling.LANCZOS)
    output = io.BytesIO()
    picture.save(output, format="PNG")
    return Summary.Image(
        height=height, width=width, colorspace=channel, encoded_image_string=output.getvalue()
    )


def text(tag: str, text: str) -> Summary:
    """A ``Summary`` holding ``text`` for the text plugin, under ``tag + "/text_summary"``."""
    plugin_data = SummaryMetadata.PluginData(
        plugin_name="text", content=TextPluginData(version=0).SerializeToString()
    )
    tensor = TensorProto(
        dtype="DT_STRING",
        string_val=[text.encode(encoding="utf_8")],
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
    )
    return Summary(
        value=[
            Summary.Value(
                tag=tag + "/text_summary",
                metadata=SummaryMetadata(plugin_data=plugin_data),
                tensor=tensor,
            )
        ]
    )
