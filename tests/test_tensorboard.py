"""``minitorch.utils.tensorboard.SummaryWriter`` against ``torch.utils.tensorboard``'s.

The same calls go to both writers, each into its own folder; the two event files are read
back with tensorboard's own loader and must hold the same events (apart from their wall
times): the same tags, steps, numbers, histogram buckets and PNG bytes. TensorBoard's
``EventAccumulator``, which the TensorBoard app runs, must read minitorch's file too.
"""

from __future__ import annotations

import io
import math
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter as TorchSummaryWriter

import minitorch
from minitorch.utils.tensorboard import SummaryWriter, read_events

ROOT = Path(__file__).resolve().parents[1]


def event_files(log_dir) -> list[str]:
    return sorted(name for name in os.listdir(log_dir) if name.startswith("events.out.tfevents."))


def only_events(log_dir) -> list[dict]:
    """The events of the one event file in ``log_dir``, without wall times or writer names."""
    (name,) = event_files(log_dir)
    events = read_events(os.path.join(log_dir, name))
    for event in events:
        del event["wall_time"]
        event.pop("source_metadata", None)
    return events


def both_writers(tmp_path, calls, **options) -> tuple[list[dict], list[dict]]:
    """``calls(writer, lib)`` run on minitorch's writer and on PyTorch's: the two files' events."""
    for name, writer_class, lib in (
        ("minitorch", SummaryWriter, minitorch),
        ("torch", TorchSummaryWriter, torch),
    ):
        with writer_class(tmp_path / name, **options) as writer:
            calls(writer, lib)
    return only_events(tmp_path / "minitorch"), only_events(tmp_path / "torch")


def float32_bits(value: float) -> bytes:
    return struct.pack("<f", value)


def decode_png(value: dict) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(value["image"]["encoded_image_string"])))


# ------------------------------------------------------------------ scalars
@given(value=st.floats(width=64), dtype=st.sampled_from(["float32", "float64"]))
@example(value=1e39, dtype="float64")  # beyond float32: PyTorch stores inf (issue 17)
@example(value=-1e39, dtype="float64")
@example(value=float("nan"), dtype="float32")
@example(value=float("inf"), dtype="float32")
def test_scalar_values_are_pytorchs(tmp_path_factory, value, dtype):
    tmp_path = tmp_path_factory.mktemp("scalars")

    with np.errstate(over="ignore"):  # float32(1e39) is inf, as a float32 tensor holds it
        number, array, expected = (
            np.dtype(dtype).type(value), np.array(value, dtype=dtype), np.float32(value)
        )  # fmt: skip

    def calls(writer, lib):
        writer.add_scalar("python", value, 1)
        writer.add_scalar("numpy", number, 2)
        writer.add_scalar("0-d", lib.tensor(array), 3)
        writer.add_scalar("requires_grad", lib.tensor(array, requires_grad=True), 4)
        writer.add_scalar("one-element", lib.tensor(array.reshape(1, 1)), 5)
        writer.add_scalar("new_style", value, 6, new_style=True)
        writer.add_scalar("double", value, 7, new_style=True, double_precision=True)

    mine, theirs = both_writers(tmp_path, calls)
    assert repr(mine) == repr(theirs)  # repr: nan equals nan
    scalars = [event["summary"][0]["simple_value"] for event in mine[1:6]]
    assert {float32_bits(s) for s in scalars} == {float32_bits(expected)}


def test_scalar_from_a_1e39_writes_inf_and_steps_and_walltime(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("lr", 1e308, np.int64(3), walltime=100.5)
        writer.add_scalar("lr", minitorch.tensor(2, dtype=minitorch.int64), minitorch.tensor(4))
    events = only_events(tmp_path)
    assert [(e["step"], e["summary"][0]["simple_value"]) for e in events[1:]] == [
        (3, math.inf),
        (4, 2.0),
    ]
    (name,) = event_files(tmp_path)
    assert read_events(tmp_path / name)[1]["wall_time"] == 100.5


def test_scalars_of_one_chart_go_to_runs_named_as_pytorchs(tmp_path):
    def calls(writer, lib):
        for step in range(3):
            writer.add_scalars(
                "loss/all", {"train": 1.0 / (step + 1), "test": lib.tensor(0.5)}, step
            )

    both_writers(tmp_path, calls)
    for run in ("loss_all_train", "loss_all_test"):
        assert only_events(tmp_path / "minitorch" / run) == only_events(tmp_path / "torch" / run)
        assert only_events(tmp_path / "minitorch" / run)[1]["summary"][0]["tag"] == "loss/all"


# ------------------------------------------------------------------ pictures, histograms, text
def test_images_in_every_layout_are_pytorchs(tmp_path):
    rng = np.random.default_rng(0)
    chw = rng.random((3, 5, 4), dtype=np.float32) * 1.2 - 0.1  # clipped at both ends
    hwc_uint8 = rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)
    gray = rng.random((1, 6, 7), dtype=np.float32)
    batch = rng.random((10, 3, 2, 3))  # float64, tiled 8 per row
    rgba = rng.random((4, 3, 3), dtype=np.float32)

    def calls(writer, lib):
        writer.add_image("chw", lib.tensor(chw), 1)
        writer.add_image("hwc", hwc_uint8, 2, dataformats="HWC")
        writer.add_image("gray", lib.tensor(gray, requires_grad=True), 3)
        writer.add_image("hw", gray[0], 4, dataformats="HW")
        writer.add_image("wh", lib.tensor(gray[0]), 5, dataformats="WH")
        writer.add_image("rgba", rgba, 6)
        writer.add_images("batch", lib.tensor(batch), 7)
        writer.add_images("nhwc", batch.transpose(0, 2, 3, 1), 8, dataformats="NHWC")
        writer.add_images("one gray", gray[None], 9)

    mine, theirs = both_writers(tmp_path, calls)
    assert mine == theirs
    values = {e["summary"][0]["tag"]: e["summary"][0] for e in mine[1:]}
    expected = (chw.transpose(1, 2, 0) * 255).clip(0, 255).astype(np.uint8)
    np.testing.assert_array_equal(decode_png(values["chw"]), expected)
    np.testing.assert_array_equal(decode_png(values["hwc"]), hwc_uint8)
    assert decode_png(values["batch"]).shape == (4, 24, 3)  # 2 rows of 8 pictures of 2 x 3
    assert values["rgba"]["image"]["colorspace"] == 4


def test_histograms_are_pytorchs(tmp_path):
    values = np.random.default_rng(1).normal(size=(40, 25))

    def calls(writer, lib):
        writer.add_histogram("default", lib.tensor(values, dtype=lib.float32), 1)
        writer.add_histogram("auto", values, 2, bins="auto")
        writer.add_histogram("few", lib.tensor(values), 3, bins=50, max_bins=7)
        writer.add_histogram_raw("raw", -1.0, 2.0, 3, 1.5, 5.0, [0.0, 1.0, 2.0], [1, 1, 1], 4)

    mine, theirs = both_writers(tmp_path, calls)
    assert mine == theirs
    assert mine[3]["summary"][0]["histo"]["num"] == values.size


def test_text_is_pytorchs(tmp_path):
    mine, theirs = both_writers(tmp_path, lambda w, lib: w.add_text("notes", "**lr** 0.01 ✓", 2))
    assert mine == theirs
    assert mine[1]["summary"][0]["tag"] == "notes/text_summary"


def test_tensorboard_reads_the_file(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", 0.5, 3)
        writer.add_image("picture", minitorch.zeros((3, 4, 5)), 3)
        writer.add_histogram("weights", minitorch.randn(100), 3)
        writer.add_text("notes", "hello", 3)
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    (scalar,) = accumulator.Scalars("loss")
    assert (scalar.step, scalar.value) == (3, 0.5)
    (image,) = accumulator.Images("picture")
    assert (image.height, image.width) == (4, 5)
    (histogram,) = accumulator.Histograms("weights")
    assert histogram.histogram_value.num == 100
    (text,) = accumulator.Tensors("notes/text_summary")
    assert text.tensor_proto.string_val == [b"hello"]


# ------------------------------------------------------------------ the writer's files
def test_event_file_name_and_first_event(tmp_path):
    with SummaryWriter(tmp_path, filename_suffix=".test") as writer:
        writer.add_scalar("x", 1.0)
    (name,) = event_files(tmp_path)
    assert re.fullmatch(r"events\.out\.tfevents\.\d{10}\.[^.]+.*\.\d+\.\d+\.test", name)
    first = only_events(tmp_path)[0]
    assert first == {"step": 0, "file_version": "brain.Event:2"}


def test_purge_step_marks_the_restart_as_pytorch_does(tmp_path):
    mine, theirs = both_writers(tmp_path, lambda w, lib: w.add_scalar("x", 1.0, 5), purge_step=5)
    assert mine == theirs
    assert mine[1] == {"step": 5, "file_version": "brain.Event:2"}
    assert mine[2] == {"step": 5, "session_log": {"status": 1}}  # SessionLog.START


def test_flush_makes_events_readable_before_close(tmp_path):
    writer = SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000)
    writer.add_scalar("x", 1.0, 1)
    writer.flush()
    assert [e["summary"][0]["simple_value"] for e in only_events(tmp_path)[1:]] == [1.0]
    writer.close()
    writer.close()  # a second close does nothing, as in PyTorch


def test_logging_after_close_starts_a_new_file(tmp_path):
    writer = SummaryWriter(tmp_path)
    writer.add_scalar("x", 1.0, 1)
    writer.close()
    writer.add_scalar("x", 2.0, 2)
    writer.close()
    assert len(event_files(tmp_path)) == 2


def test_default_log_dir_is_runs_date_host_comment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_demo")
    writer.close()
    assert re.fullmatch(r"runs/\w{3}\d\d_\d\d-\d\d-\d\d_.+_demo", writer.get_logdir())
    assert len(event_files(writer.get_logdir())) == 1


# ------------------------------------------------------------------ bad input
def test_bad_input_raises_pytorchs_errors(tmp_path):
    bad_calls = [
        (
            AssertionError,
            "should contain one element",
            lambda w, lib: w.add_scalar("x", np.ones(2)),
        ),
        (
            AssertionError,
            "size of input tensor and input format are different",
            lambda w, lib: w.add_image("x", np.ones((4, 4)), dataformats="CHW"),
        ),
        (
            AssertionError,
            "same dimension shorthand twice",
            lambda w, lib: w.add_image("x", np.ones((3, 4, 4)), dataformats="CCW"),
        ),
        (NotImplementedError, "numpy array", lambda w, lib: w.add_scalar("x", [1.0])),
        (ValueError, "no element", lambda w, lib: w.add_histogram("x", lib.zeros(0))),
        (
            ValueError,
            r"len\(bucket_limits\) != len\(bucket_counts\)",
            lambda w, lib: w.add_histogram_raw("x", 0, 1, 1, 1, 1, [1.0], [1, 2]),
        ),
    ]
    for writer_class, lib in ((SummaryWriter, minitorch), (TorchSummaryWriter, torch)):
        with writer_class(tmp_path / lib.__name__) as writer:
            for error, message, call in bad_calls:
                with pytest.raises(error, match=message):
                    call(writer, lib)


def test_without_tensorboard_the_import_says_what_to_install():
    code = (
        "import sys; sys.modules['tensorboard'] = None\n"
        "try:\n"
        "    import minitorch.utils.tensorboard\n"
        "except ModuleNotFoundError as error:\n"
        "    print(type(error).__name__, error.name, error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ModuleNotFoundError tensorboard TensorBoard logging requires")
    assert "pip install tensorboard" in result.stdout
