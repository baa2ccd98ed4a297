"""Saving under faults: a process killed mid-save never costs the last complete checkpoint.

A forked child saves versioned checkpoints in a loop and is killed with SIGKILL at
random moments; after every kill the checkpoint at the target path must load and
equal one of the versions saved, and every other file left in the folder must be a
clearly named temporary file (``.<name>.<random>.tmp``) that is not the checkpoint.
CI kills 20 times; ``MINITORCH_LONG_TESTS=1`` kills 200 times.
"""

from __future__ import annotations

import os
import pickle
import re
import signal
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minitorch

LONG = os.environ.get("MINITORCH_LONG_TESTS") == "1"
KILLS = 200 if LONG else 20
WEIGHTS = 50_000  # elements per version: big enough that a kill often lands inside a save
TEMPORARY_NAME = re.compile(r"^\.ckpt\.pth\.[0-9a-f]+\.tmp$")
LOAD_ERRORS = (RuntimeError, EOFError, pickle.UnpicklingError, ValueError)


def version(step: int) -> dict[str, minitorch.Tensor]:
    return {
        "step": minitorch.tensor(step),
        "weight": minitorch.arange(WEIGHTS, dtype=minitorch.float32) + step,
    }


def assert_is_a_saved_version(state: dict) -> int:
    step = int(state["step"].item())
    np.testing.assert_array_equal(state["weight"].numpy(), np.arange(WEIGHTS) + step)
    return step


def save_forever(path: Path, first_step: int) -> None:
    """The child: save versions first_step, first_step + 1, ... until killed."""
    step = first_step
    while True:
        minitorch.save(version(step), path)
        step += 1


def start_saver(path: Path, first_step: int) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: child saves only
        pid = os.fork()
    if pid == 0:
        try:
            save_forever(path, first_step)
        finally:
            os._exit(1)
    return pid


@pytest.mark.slow
def test_sigkill_during_save_keeps_last_complete_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.pth"
    minitorch.save(version(0), path)
    rng = np.random.default_rng(0)
    survived, last_step, mid_save_kills = 0, 0, 0
    for _ in range(KILLS):
        pid = start_saver(path, last_step + 1)
        time.sleep(float(rng.uniform(0.0, 0.05)))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        last_step = max(last_step, assert_is_a_saved_version(minitorch.load(path)))
        for leftover in tmp_path.iterdir():
            if leftover == path:
                continue
            mid_save_kills += 1
            assert TEMPORARY_NAME.match(leftover.name), f"unexpected file {leftover.name}"
            try:  # a partial temporary file must fail loudly, or be a whole saved version
                assert_is_a_saved_version(minitorch.load(leftover))
            except LOAD_ERRORS as error:
                assert leftover.name in str(error)
            leftover.unlink()
        survived += 1
    print(f"\nsurvived {survived} SIGKILLs ({mid_save_kills} mid-save), last step {last_step}")
    assert survived == KILLS


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.pth"
    minitorch.save(version(3), path)
    return path


def test_empty_file_error_names_it(tmp_path: Path) -> None:
    path = tmp_path / "empty.pth"
    path.write_bytes(b"")
    with pytest.raises(EOFError, match="empty.pth"):
        minitorch.load(path)


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1, 30 / 200_000])
def test_truncated_file_error_names_it(saved: Path, keep: float) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[: max(int(len(data) * keep), 4)])
    with pytest.raises(LOAD_ERRORS, match="model.pth"):
        minitorch.load(saved)


@pytest.mark.parametrize("seed", range(12))
def test_corrupted_file_fails_clearly_or_loads_intact(saved: Path, seed: int) -> None:
    data = bytearray(saved.read_bytes())
    rng = np.random.default_rng(seed)
    for position in rng.integers(0, len(data), size=8):
        data[position] ^= 0xFF
    saved.write_bytes(bytes(data))
    try:
        state = minitorch.load(saved)
    except LOAD_ERRORS as error:
        assert "model.pth" in str(error)
    else:  # only bytes no reader looks at were hit (padding, unused header fields)
        assert assert_is_a_saved_version(state) == 3


def test_corrupted_storage_bytes_fail_the_crc(saved: Path) -> None:
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("model/data/1")
    data = bytearray(saved.read_bytes())
    data[info.header_offset + 200] ^= 0x01  # inside the weight storage's data
    saved.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="model.pth"):
        minitorch.load(saved)
