"""The pure-Python TensorBoard writer: CRC32C, hand-encoded protobuf, files read back.

The CRC is checked against the published CRC-32C test vectors, the protobuf bytes against
an Event built by hand from the field numbers of TensorFlow's ``event.proto`` and
``summary.proto``, the pictures by decoding their PNG. Where the ``tensorboard`` package is
installed, its own reader must read the same file.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import struct

import numpy as np
import pytest
import torch
from PIL import Image

import minitorch
from minitorch.utils.tensorboard import (
    SummaryWriter,
    crc32c,
    decode_event,
    encode_event,
    encode_record,
    encode_scalar_value,
    masked_crc32c,
    read_events,
    read_records,
)


def event_files(log_dir) -> list[str]:
    return sorted(name for name in os.listdir(log_dir) if name.startswith("events.out.tfevents."))


def only_events(log_dir) -> list[dict]:
    (name,) = event_files(log_dir)
    return read_events(os.path.join(log_dir, name))


def decode_png(value: dict) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(value["image"]["encoded_image_string"])))


# ------------------------------------------------------------------ encoding
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", 0x00000000),
        (b"123456789", 0xE3069283),  # the standard check value of CRC-32C
        (bytes(32), 0x8A9136AA),  # RFC 3720, B.4: 32 bytes of zeros
        (b"\xff" * 32, 0x62A8AB43),  # RFC 3720, B.4: 32 bytes of ones
        (bytes(range(32)), 0x46DD794E),  # RFC 3720, B.4: incrementing bytes
    ],
)
def test_crc32c_matches_published_vectors(data, expected):
    assert crc32c(data) == expected


def test_masked_crc_rotates_and_adds_tensorflows_constant():
    crc = 0xE3069283
    rotated = ((crc >> 15) | (crc << 17)) & 0xFFFFFFFF
    assert masked_crc32c(b"123456789") == (rotated + 0xA282EAD8) & 0xFFFFFFFF


def test_record_framing():
    record = encode_record(b"hello")
    assert record[:8] == struct.pack("<Q", 5)
    assert struct.unpack("<I", record[8:12])[0] == masked_crc32c(struct.pack("<Q", 5))
    assert record[12:17] == b"hello"
    assert struct.unpack("<I", record[17:])[0] == masked_crc32c(b"hello")


def test_scalar_event_bytes_match_the_protobuf_wire_format():
    encoded = encode_event(1.5, 300, summary_value=encode_scalar_value("loss", 0.25))
    value = (
        b"\x0a\x04loss" + b"\x15" + struct.pack("<f", 0.25)
    )  # tag (1, len) + simple_value (2, fixed32)
    summary = b"\x0a" + bytes([len(value)]) + value  # Summary.value (1, len)
    expected = (
        b"\x09"
        + struct.pack("<d", 1.5)  # wall_time (1, fixed64)
        + b"\x10\xac\x02"  # step (2, varint): 300 = 0b10_0101100
        + b"\x2a"
        + bytes([len(summary)])
        + summary  # summary (5, len)
    )
    assert encoded == expected
    assert decode_event(encoded) == {
        "wall_time": 1.5,
        "step": 300,
        "summary": [{"tag": "loss", "simple_value": 0.25}],
    }


def test_file_version_event_and_negative_step_round_trip():
    assert encode_event(2.0, file_version="brain.Event:2") == (
        b"\x09" + struct.pack("<d", 2.0) + b"\x1a\x0dbrain.Event:2"
    )
    assert decode_event(encode_event(0.0, -1))["step"] == -1


# ------------------------------------------------------------------ the writer
def test_writer_scalars_round_trip(tmp_path):
    with SummaryWriter(tmp_path, filename_suffix=".test") as writer:
        for step in range(3):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step, walltime=100.0 + step)
        writer.add_scalar("tensor/minitorch", minitorch.tensor(0.5), 7)
        writer.add_scalar("tensor/torch", torch.tensor([0.75]), 8)
        writer.add_scalar("numpy", np.float64(2.5), 9)
    (name,) = event_files(tmp_path)
    assert re.fullmatch(r"events\.out\.tfevents\.\d{10}\.[^.]+.*\.\d+\.\d+\.test", name)
    events = read_events(tmp_path / name)
    assert events[0]["file_version"] == "brain.Event:2"
    scalars = [
        (e["step"], e["summary"][0]["tag"], e["summary"][0]["simple_value"]) for e in events[1:]
    ]
    assert scalars == [
        (0, "train/loss", 1.0),
        (1, "train/loss", 0.5),
        (2, "train/loss", pytest.approx(1 / 3)),
        (7, "tensor/minitorch", 0.5),
        (8, "tensor/torch", 0.75),
        (9, "numpy", 2.5),
    ]
    assert [e["wall_time"] for e in events[1:4]] == [100.0, 101.0, 102.0]


def test_add_image_layouts_and_scaling(tmp_path):
    rng = np.random.default_rng(0)
    chw = rng.random((3, 5, 4), dtype=np.float32)
    hwc_uint8 = rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)
    gray = rng.random((1, 6, 7), dtype=np.float32)
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("chw", torch.from_numpy(chw), 1)
        writer.add_image("hwc", hwc_uint8, 2, dataformats="HWC")
        writer.add_image("gray", minitorch.tensor(gray), 3)
        writer.add_image("hw", gray[0], 4, dataformats="HW")
    values = {e["summary"][0]["tag"]: e["summary"][0] for e in only_events(tmp_path)[1:]}
    expected_chw = (chw.transpose(1, 2, 0) * 255).clip(0, 255).astype(np.uint8)
    np.testing.assert_array_equal(decode_png(values["chw"]), expected_chw)
    np.testing.assert_array_equal(decode_png(values["hwc"]), hwc_uint8)
    expected_gray = np.repeat((gray[0] * 255).astype(np.uint8)[:, :, None], 3, axis=2)
    np.testing.assert_array_equal(decode_png(values["gray"]), expected_gray)
    np.testing.assert_array_equal(decode_png(values["hw"]), expected_gray)
    assert values["chw"]["image"] | {"encoded_image_string": b""} == {
        "height": 5,
        "width": 4,
        "colorspace": 3,
        "encoded_image_string": b"",
    }


def test_add_images_tiles_a_batch_eight_per_row(tmp_path):
    batch = np.stack([np.full((1, 2, 3), index / 10, dtype=np.float32) for index in range(10)])
    with SummaryWriter(tmp_path) as writer:
        writer.add_images("batch", batch, 5)
    (value,) = only_events(tmp_path)[1]["summary"]
    grid = decode_png(value)
    assert grid.shape == (4, 24, 3)  # 2 rows of 2-pixel pictures, 8 columns of 3 pixels
    for index in range(10):
        row, column = divmod(index, 8)
        tile = grid[row * 2 : row * 2 + 2, column * 3 : column * 3 + 3]
        assert (tile == np.uint8(np.float32(index / 10) * 255)).all()
    assert (grid[2:, 6:] == 0).all()  # the unused cells stay black


def test_flush_makes_events_readable_before_close(tmp_path):
    writer = SummaryWriter(tmp_path, max_queue=1000)
    writer.add_scalar("x", 1.0, 1)
    writer.flush()
    assert [e["summary"][0]["simple_value"] for e in only_events(tmp_path)[1:]] == [1.0]
    writer.close()


def test_logging_after_close_starts_a_new_file(tmp_path):
    writer = SummaryWriter(tmp_path)
    writer.add_scalar("x", 1.0, 1)
    writer.close()
    writer.add_scalar("x", 2.0, 2)
    writer.close()
    assert len(event_files(tmp_path)) == 2


def test_default_log_dir_is_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_demo")
    writer.close()
    assert re.fullmatch(r"runs/\w{3}\d\d_\d\d-\d\d-\d\d_.+_demo", writer.get_logdir())
    assert len(event_files(writer.get_logdir())) == 1


def test_bad_input(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(AssertionError, match="scalar should be 0D"):
            writer.add_scalar("x", np.ones(2))
        with pytest.raises(ValueError, match="does not match dataformats"):
            writer.add_image("x", np.ones((4, 4)), dataformats="CHW")
        with pytest.raises(NotImplementedError, match="new_style"):
            writer.add_scalar("x", 1.0, new_style=True)
    with pytest.raises(NotImplementedError, match="purge_step"):
        SummaryWriter(tmp_path, purge_step=3)


def test_reader_rejects_damaged_files(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("x", 1.0, 1)
    path = tmp_path / event_files(tmp_path)[0]
    data = bytearray(path.read_bytes())
    data[-6] ^= 0xFF  # inside the last record's data
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="fails its CRC"):
        list(read_records(path))
    path.write_bytes(bytes(data[:-3]))
    with pytest.raises(ValueError, match="truncated"):
        list(read_records(path))


@pytest.mark.skipif(
    importlib.util.find_spec("tensorboard") is None, reason="tensorboard is not installed"
)
def test_tensorboard_reads_the_file(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", 0.5, 3)
        writer.add_image("picture", np.zeros((3, 4, 5), dtype=np.float32), 3)
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    (scalar,) = accumulator.Scalars("loss")
    assert (scalar.step, scalar.value) == (3, 0.5)
    (image,) = accumulator.Images("picture")
    assert (image.height, image.width) == (4, 5)
