"""``SummaryWriter``: TensorBoard event files written in pure Python (``torch.utils.tensorboard``).

An event file is a sequence of records (TensorFlow's "TFRecord" framing)::

    uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)

(little-endian), where each ``data`` is one protobuf ``Event`` message. The first event
holds ``file_version = "brain.Event:2"``; each later one holds a ``Summary`` with one
value: a float for :meth:`SummaryWriter.add_scalar`, a PNG picture for
:meth:`SummaryWriter.add_image`. The few messages needed are encoded by hand here, field
by field, from TensorFlow's ``event.proto`` and ``summary.proto``, so neither
``tensorboard`` nor ``protobuf`` is needed to write them; Pillow encodes the PNG.
:func:`read_events` reads such a file back (checking every CRC), for tests and for users
without TensorBoard.
"""

from __future__ import annotations

import io
import itertools
import os
import socket
import struct
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np

__all__ = [
    "SummaryWriter",
    "crc32c",
    "decode_event",
    "encode_event",
    "encode_image_value",
    "encode_record",
    "encode_scalar_value",
    "masked_crc32c",
    "read_events",
    "read_records",
]

# ------------------------------------------------------------------ CRC32C (Castagnoli)
_CRC32C_POLYNOMIAL = 0x82F63B78  # the reflected Castagnoli polynomial, as in RFC 3720


def _crc32c_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _CRC32C_POLYNOMIAL if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC32C_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """The CRC-32C checksum of ``data`` (``crc32c(b"123456789") == 0xE3069283``)."""
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: rotate right by 15 bits and add a constant, modulo 2**32.

    The mask keeps a CRC computed over bytes that themselves contain CRCs well distributed.
    """
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def encode_record(data: bytes) -> bytes:
    """Frame ``data`` as one TFRecord."""
    length = struct.pack("<Q", len(data))
    return (
        length
        + struct.pack("<I", masked_crc32c(length))
        + data
        + struct.pack("<I", masked_crc32c(data))
    )


# ------------------------------------------------------------------ protobuf encoding
# Wire types: 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit.
_VARINT, _FIXED64, _LENGTH_DELIMITED, _FIXED32 = 0, 1, 2, 5


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 values are sent as their two's complement
    out = bytearray()
    while True:
        low_bits = value & 0x7F
        value >>= 7
        if value:
            out.append(low_bits | 0x80)
        else:
            out.append(low_bits)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _int_field(field: int, value: int) -> bytes:
    # proto3 leaves fields at their default (zero) out of the message, as protobuf does.
    return _key(field, _VARINT) + _varint(value) if value else b""


def _bytes_field(field: int, value: bytes) -> bytes:
    return _key(field, _LENGTH_DELIMITED) + _varint(len(value)) + value


def _double_field(field: int, value: float) -> bytes:
    return _key(field, _FIXED64) + struct.pack("<d", value)


def _float_field(field: int, value: float) -> bytes:
    return _key(field, _FIXED32) + struct.pack("<f", value)


def encode_event(
    wall_time: float,
    step: int = 0,
    *,
    file_version: str | None = None,
    summary_value: bytes | None = None,
) -> bytes:
    """An ``Event`` message: ``wall_time`` (1, double), ``step`` (2, int64), and either
    ``file_version`` (3, string) or a ``Summary`` (5) holding the one encoded ``Summary.Value``."""
    message = _double_field(1, wall_time) + _int_field(2, step)
    if file_version is not None:
        message += _bytes_field(3, file_version.encode())
    if summary_value is not None:
        message += _bytes_field(5, _bytes_field(1, summary_value))  # Summary.value (repeated, 1)
    return message


def encode_scalar_value(tag: str, value: float) -> bytes:
    """A ``Summary.Value`` with ``tag`` (1, string) and ``simple_value`` (2, float)."""
    return _bytes_field(1, tag.encode()) + _float_field(2, value)


def encode_image_value(tag: str, height: int, width: int, colorspace: int, png: bytes) -> bytes:
    """A ``Summary.Value`` with ``tag`` (1) and an ``image`` (4): ``Summary.Image`` has
    ``height`` (1), ``width`` (2), ``colorspace`` (3: channels) and ``encoded_image_string`` (4)."""
    image = (
        _int_field(1, height)
        + _int_field(2, width)
        + _int_field(3, colorspace)
        + _bytes_field(4, png)
    )
    return _bytes_field(1, tag.encode()) + _bytes_field(4, image)


# ------------------------------------------------------------------ reading back
def _parse_message(data: bytes) -> dict[int, list[Any]]:
    """Split one protobuf message into ``{field number: [raw values]}``.

    Varints come back as ints, length-delimited fields as bytes, fixed-width fields as
    their raw 4 or 8 bytes (the caller knows whether they hold a float or a double).
    """
    fields: dict[int, list[Any]] = {}
    position = 0
    while position < len(data):
        key, position = _read_varint(data, position)
        field, wire_type = key >> 3, key & 7
        if wire_type == _VARINT:
            value, position = _read_varint(data, position)
        elif wire_type == _LENGTH_DELIMITED:
            length, position = _read_varint(data, position)
            value, position = data[position : position + length], position + length
        elif wire_type in (_FIXED64, _FIXED32):
            width = 8 if wire_type == _FIXED64 else 4
            value, position = data[position : position + width], position + width
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type} for field {field}")
        fields.setdefault(field, []).append(value)
    if position != len(data):
        raise ValueError("protobuf message ends inside a field")
    return fields


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise ValueError("protobuf message ends inside a varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, position


def _decode_summary_value(data: bytes) -> dict[str, Any]:
    fields = _parse_message(data)
    value: dict[str, Any] = {"tag": fields[1][0].decode()}
    if 2 in fields:
        value["simple_value"] = struct.unpack("<f", fields[2][0])[0]
    if 4 in fields:
        image = _parse_message(fields[4][0])
        value["image"] = {
            "height": image.get(1, [0])[0],
            "width": image.get(2, [0])[0],
            "colorspace": image.get(3, [0])[0],
            "encoded_image_string": image.get(4, [b""])[0],
        }
    return value


def decode_event(data: bytes) -> dict[str, Any]:
    """An ``Event`` message as a dict: ``wall_time``, ``step``, and ``file_version`` or
    ``summary`` (a list of values, each with ``tag`` and ``simple_value`` or ``image``)."""
    fields = _parse_message(data)
    event: dict[str, Any] = {
        "wall_time": struct.unpack("<d", fields[1][0])[0] if 1 in fields else 0.0,
        "step": fields.get(2, [0])[0],
    }
    if event["step"] >= 1 << 63:  # int64 sent as two's complement
        event["step"] -= 1 << 64
    if 3 in fields:
        event["file_version"] = fields[3][0].decode()
    if 5 in fields:
        summary = _parse_message(fields[5][0])
        event["summary"] = [_decode_summary_value(value) for value in summary.get(1, [])]
    return event


def read_records(path: str | os.PathLike) -> Iterator[bytes]:
    """The data of each TFRecord in the file at ``path``; ValueError on a bad length or CRC."""
    with open(path, "rb") as file:
        while header := file.read(12):
            if len(header) < 12:
                raise ValueError(f"{path}: truncated record header")
            length_bytes, (length_crc,) = header[:8], struct.unpack("<I", header[8:])
            if masked_crc32c(length_bytes) != length_crc:
                raise ValueError(f"{path}: record length fails its CRC")
            (length,) = struct.unpack("<Q", length_bytes)
            data = file.read(length)
            footer = file.read(4)
            if len(data) < length or len(footer) < 4:
                raise ValueError(f"{path}: truncated record")
            if masked_crc32c(data) != struct.unpack("<I", footer)[0]:
                raise ValueError(f"{path}: record data fails its CRC")
            yield data


def read_events(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Every event in the TensorBoard event file at ``path``, decoded by :func:`decode_event`."""
    return [decode_event(record) for record in read_records(path)]


# ------------------------------------------------------------------ pictures
def _to_numpy(value: Any) -> np.ndarray:
    """An array from a numpy array, a minitorch or PyTorch tensor, or a Python number."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach"):  # a tensor of either backend
        value = value.detach()
        if hasattr(value, "cpu"):
            value = value.cpu()
        return value.numpy()
    return np.asarray(value)


def _image_grid(images: np.ndarray, columns: int = 8) -> np.ndarray:
    """Tile ``(N, C, H, W)`` pictures row by row, ``columns`` per row, into one ``(3, H', W')``."""
    if images.shape[1] == 1:
        images = np.concatenate([images, images, images], axis=1)
    if images.shape[1] != 3:
        raise ValueError(f"add_images needs 1 or 3 channels per image, got shape {images.shape}")
    count, _, height, width = images.shape
    columns = min(count, columns)
    rows = -(-count // columns)
    canvas = np.zeros((3, height * rows, width * columns), dtype=images.dtype)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        canvas[:, row * height : (row + 1) * height, column * width : (column + 1) * width] = image
    return canvas


def _to_hwc(array: np.ndarray, dataformats: str) -> np.ndarray:
    """Rearrange ``array`` laid out as ``dataformats`` (e.g. ``"NCHW"``, ``"CHW"``, ``"HW"``)
    into one ``(H, W, 3 or 4)`` picture, tiling a batch into a grid as PyTorch does."""
    layout = dataformats.upper()
    if len(set(layout)) != len(layout) or not set(layout) <= set("NCHW"):
        raise ValueError(
            f"dataformats must use each of N, C, H, W at most once, got {dataformats!r}"
        )
    if array.ndim != len(layout):
        raise ValueError(
            f"an image of shape {tuple(array.shape)} does not match dataformats {dataformats!r}"
        )
    if len(layout) == 4:
        grid = _image_grid(array.transpose([layout.index(axis) for axis in "NCHW"]))
        return grid.transpose(1, 2, 0)
    if len(layout) == 3:
        picture = array.transpose([layout.index(axis) for axis in "HWC"])
        return np.concatenate([picture] * 3, axis=2) if picture.shape[2] == 1 else picture
    if set(layout) == {"H", "W"}:
        plane = array.transpose([layout.index(axis) for axis in "HW"])
        return np.stack([plane, plane, plane], axis=2)
    raise ValueError(f"dataformats {dataformats!r} names no image layout")


def _encode_png(picture: np.ndarray) -> bytes:
    from PIL import Image  # Pillow is only needed once a picture is logged

    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue()


def _image_value(tag: str, array: np.ndarray, dataformats: str) -> bytes:
    picture = _to_hwc(array, dataformats)
    # Like PyTorch: uint8 pictures are taken as 0..255, any other dtype as 0..1.
    scale = 1 if picture.dtype == np.uint8 else 255
    picture = (picture.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    height, width, channels = picture.shape
    return encode_image_value(tag, height, width, channels, _encode_png(picture))


# ------------------------------------------------------------------ the writer
_file_counter = itertools.count()


class _EventFile:
    """One open event file; records are buffered and flushed every ``max_queue`` events
    or ``flush_secs`` seconds, whichever comes first."""

    def __init__(self, log_dir: str, max_queue: int, flush_secs: float, filename_suffix: str):
        name = (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}"
            f".{os.getpid()}.{next(_file_counter)}{filename_suffix}"
        )
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115 - held open until close()
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._pending = 0
        self._last_flush = time.monotonic()
        self.write(encode_event(time.time(), file_version="brain.Event:2"))
        self.flush()

    def write(self, event: bytes) -> None:
        self._file.write(encode_record(event))
        self._pending += 1
        if (
            self._pending >= self._max_queue
            or time.monotonic() - self._last_flush >= self._flush_secs
        ):
            self.flush()

    def flush(self) -> None:
        self._file.flush()
        self._pending = 0
        self._last_flush = time.monotonic()

    def close(self) -> None:
        self.flush()
        self._file.close()


class SummaryWriter:
    """Write scalars and pictures to a TensorBoard event file in ``log_dir``.

    The same calls as ``torch.utils.tensorboard.SummaryWriter``; ``tensorboard --logdir
    runs`` shows the result. Writes happen in the calling thread (PyTorch uses a
    background thread); records reach the disk every ``max_queue`` events, every
    ``flush_secs`` seconds, and on :meth:`flush` and :meth:`close`.

    Args:
        log_dir: the folder for the event file; default ``runs/<date>_<host><comment>``.
        comment: appended to the default ``log_dir``.
        purge_step: not implemented (raises NotImplementedError when given).
        max_queue: events buffered before a flush.
        flush_secs: seconds between flushes.
        filename_suffix: appended to the event file's name.

    Example::

        with SummaryWriter("runs/demo") as writer:
            for step in range(100):
                writer.add_scalar("loss", 1 / (step + 1), step)
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ):
        if purge_step is not None:
            raise NotImplementedError(
                "SummaryWriter(purge_step=...) is not implemented in minitorch"
            )
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self._file: _EventFile | None = None
        self._event_file()

    def get_logdir(self) -> str:
        """The folder the event file is written to."""
        return self.log_dir

    def _event_file(self) -> _EventFile:
        # As in PyTorch, logging after close() starts a new event file.
        if self._file is None:
            os.makedirs(self.log_dir, exist_ok=True)
            self._file = _EventFile(
                self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix
            )
        return self._file

    def _add(self, summary_value: bytes, global_step: int | None, walltime: float | None) -> None:
        wall_time = time.time() if walltime is None else walltime
        step = 0 if global_step is None else int(global_step)
        self._event_file().write(encode_event(wall_time, step, summary_value=summary_value))

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number (a Python number, a 0-d array or a one-element tensor) under ``tag``."""
        if new_style or double_precision:
            raise NotImplementedError(
                "add_scalar(new_style=True / double_precision=True) is not implemented in minitorch"
            )
        value = _to_numpy(scalar_value)
        if value.size != 1:
            # PyTorch asserts here, so a bad scalar raises the same AssertionError.
            raise AssertionError(f"scalar should be 0D, got shape {tuple(value.shape)}")
        self._add(encode_scalar_value(tag, float(value.reshape(()))), global_step, walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log one picture: floats in [0, 1] or uint8 in [0, 255], laid out as ``dataformats``
        (``"CHW"``, ``"HWC"``, ``"HW"``); 1, 3 or 4 channels."""
        self._add(_image_value(tag, _to_numpy(img_tensor), dataformats), global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of pictures (``"NCHW"`` or ``"NHWC"``) as one grid, 8 per row."""
        self._add(_image_value(tag, _to_numpy(img_tensor), dataformats), global_step, walltime)

    def flush(self) -> None:
        """Write every pending event to disk."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
