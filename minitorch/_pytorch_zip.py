"""The zip archive of a PyTorch checkpoint, written byte for byte as ``torch.save`` writes it.

A checkpoint is an uncompressed zip whose records sit in one folder, the
*archive name* (the file name without its extension, or ``archive`` for a
stream)::

    model/data.pkl                 the pickled object; tensors point at storages
    model/.format_version          "1"
    model/.storage_alignment       "64"
    model/byteorder                "little"
    model/data/0, model/data/1...  one raw storage each (native byte order)
    model/version                  "3\\n"
    model/.data/serialization_id   40 random digits

PyTorch writes it with miniz, and this module copies miniz's choices so that
PyTorch's reader (which may compute record offsets itself, e.g. for ``mmap``)
finds everything where it expects:

- each local header carries an extra field ``FB`` + 2-byte length + ``Z``
  padding, so that every record's data starts at a multiple of 64 bytes;
- sizes and CRC go in a data descriptor after the data (flag bit 3), the
  header fields are zero, as are times, dates and version numbers;
- the central directory is followed by a ZIP64 end record, a ZIP64 locator
  and the classic end record.

Reading uses Python's ``zipfile``, which understands all of that.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from typing import BinaryIO

STORAGE_ALIGNMENT = 64
FILE_FORMAT_VERSION = 3  # the "version" record PyTorch writes for torch.save
_FLAGS = 0x0808  # bit 3: sizes in a data descriptor; bit 11: names are UTF-8
_ZIP64_VERSION_MADE_BY = 0x031E
_ZIP64_VERSION_NEEDED = 0x2D
_LIMIT_32 = 0xFFFFFFFF


def archive_name_for(path: str) -> str:
    """PyTorch's archive folder for a file: its base name without the last extension."""
    base = path.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return stem or "archive"


class CheckpointZipWriter:
    """Writes records into ``stream`` with PyTorch's layout; call :meth:`finish` at the end."""

    def __init__(self, stream: BinaryIO, archive_name: str) -> None:
        self._stream = stream
        self._archive_name = archive_name
        self._offset = 0
        self._entries: list[tuple[bytes, int, int, int]] = []  # name, crc, size, header offset

    def _write(self, data: bytes | memoryview) -> None:
        self._stream.write(data)
        self._offset += len(data)

    def write_record(self, name: str, data: bytes | memoryview) -> None:
        """Add one stored (uncompressed) record whose data starts 64-byte aligned."""
        full_name = f"{self._archive_name}/{name}".encode()
        size = len(data)
        if size >= _LIMIT_32 or self._offset >= _LIMIT_32:
            raise NotImplementedError(
                "minitorch.save writes checkpoints smaller than 4 GiB (larger ones need ZIP64 "
                "records for each entry, which minitorch does not write)"
            )
        data_start = self._offset + 30 + len(full_name) + 4
        padding = -data_start % STORAGE_ALIGNMENT
        extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
        crc = zlib.crc32(data)
        header_offset = self._offset
        self._write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 0, _FLAGS, 0, 0, 0, 0, 0, 0, len(full_name), len(extra)
            )
        )
        self._write(full_name)
        self._write(extra)
        self._write(data)
        self._write(struct.pack("<IIII", 0x08074B50, crc, size, size))
        self._entries.append((full_name, crc, size, header_offset))

    def finish(self) -> None:
        """Write the ``version`` and ``serialization_id`` records and the central directory."""
        self.write_record("version", f"{FILE_FORMAT_VERSION}\n".encode())
        serialization_id = f"{secrets.randbits(64):020d}{secrets.randbits(64):020d}"
        self.write_record(".data/serialization_id", serialization_id.encode())
        directory_offset = self._offset
        for name, crc, size, header_offset in self._entries:
            self._write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    0,
                    0,
                    _FLAGS,
                    0,
                    0,
                    0,
                    crc,
                    size,
                    size,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    header_offset,
                )
            )
            self._write(name)
        directory_size = self._offset - directory_offset
        count = len(self._entries)
        zip64_end_offset = self._offset
        self._write(
            struct.pack(
                "<IQHHIIQQQQ",
                0x06064B50,
                44,
                _ZIP64_VERSION_MADE_BY,
                _ZIP64_VERSION_NEEDED,
                0,
                0,
                count,
                count,
                directory_size,
                directory_offset,
            )
        )
        self._write(struct.pack("<IIQI", 0x07064B50, 0, zip64_end_offset, 1))
        self._write(
            struct.pack(
                "<IHHHHIIH",
                0x06054B50,
                0,
                0,
                min(count, 0xFFFF),
                min(count, 0xFFFF),
                min(directory_size, _LIMIT_32),
                min(directory_offset, _LIMIT_32),
                0,
            )
        )
