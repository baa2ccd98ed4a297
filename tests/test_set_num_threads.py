"""``minitorch.set_num_threads`` / ``get_num_threads`` against PyTorch's, and every thread pool
they set: the kernels' batch split, Numba's threads and BLAS's (``tests/test_threads.py`` has
the basic cases)."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
import torch

import minitorch
import torch_backend
from minitorch.kernels import _threads

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def restore_threads():
    before_torch, before_numba = torch.get_num_threads(), numba.get_num_threads()
    blas = [lib.get_num_threads() for lib in _threads._blas_libraries()]
    yield
    torch.set_num_threads(before_torch)
    # back to "never set": the split follows Numba's thread count again, as other tests expect
    _threads._requested_threads = None
    numba.set_num_threads(before_numba)
    for lib, count in zip(_threads._blas_libraries(), blas, strict=True):
        lib.set_num_threads(count)


class Opaque:
    pass


@pytest.mark.parametrize(
    "value",
    [
        np.float64(2.0),
        np.float32(1.0),
        np.bool_(True),
        np.str_("2"),
        np.int64(0),
        np.int32(-3),
        Opaque(),
        [2],
        None,
        collections.OrderedDict(),
        2**31,
        -(2**31) - 1,
        2**63,
        -(2**63) - 1,
        np.int64(2**40),
        -(2**31),
    ],
    ids=repr,
)
def test_bad_values_raise_pytorchs_error_and_message(value, restore_threads):
    with pytest.raises(Exception) as expected:
        torch.set_num_threads(value)
    with pytest.raises(Exception) as raised:
        minitorch.set_num_threads(value)
    assert type(raised.value) is type(expected.value)
    assert str(raised.value) == str(expected.value)


def test_a_tensor_is_refused_as_by_pytorch(restore_threads):
    with pytest.raises(RuntimeError) as expected:
        torch.set_num_threads(torch.tensor(2))
    with pytest.raises(RuntimeError) as raised:
        minitorch.set_num_threads(minitorch.tensor(2))
    assert (
        str(raised.value) == str(expected.value) == "set_num_threads expects an int, but got Tensor"
    )


@pytest.mark.parametrize("value", [np.int64(2), np.uint8(1), np.int32(3)], ids=repr)
def test_numpy_integers_are_accepted_as_by_pytorch(value, restore_threads):
    torch.set_num_threads(value)
    minitorch.set_num_threads(value)
    assert minitorch.get_num_threads() == torch.get_num_threads() == int(value)
    assert type(minitorch.get_num_threads()) is int


@pytest.mark.parametrize("count", [1, 2])
def test_the_count_reaches_numba_and_blas(count, restore_threads):
    minitorch.set_num_threads(count)
    assert numba.get_num_threads() == count
    blas = _threads._blas_libraries()
    assert blas and all(lib.get_num_threads() == count for lib in blas)


def test_more_threads_than_numba_started_caps_numba_only(restore_threads):
    count = numba.config.NUMBA_NUM_THREADS + 1
    minitorch.set_num_threads(count)
    assert minitorch.get_num_threads() == count  # as in PyTorch, any positive count is kept
    assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS
    assert len(_threads.over_batch(2 * count, lambda start, stop: stop - start)) == count


def test_blas_is_held_to_one_thread_inside_a_split_and_restored_after(restore_threads):
    minitorch.set_num_threads(2)
    inside = _threads.over_batch(
        4, lambda start, stop: [lib.get_num_threads() for lib in _threads._blas_libraries()]
    )
    assert all(counts == [1] * len(counts) for counts in inside)
    assert all(lib.get_num_threads() == 2 for lib in _threads._blas_libraries())


def test_the_default_is_numbas_thread_count():
    script = (
        "import numba, minitorch; "
        "print(minitorch.get_num_threads(), numba.get_num_threads(), "
        "numba.config.NUMBA_DEFAULT_NUM_THREADS)"
    )
    for numba_threads in ("1", None):
        env = {key: value for key, value in os.environ.items() if key != "NUMBA_NUM_THREADS"}
        if numba_threads is not None:
            env["NUMBA_NUM_THREADS"] = numba_threads
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        ours, numbas, numba_default = (int(word) for word in done.stdout.split())
        assert ours == numbas == (int(numba_threads) if numba_threads else numba_default)


def test_the_torch_backend_serves_pytorchs_functions():
    assert torch_backend.set_num_threads is torch.set_num_threads
    assert torch_backend.get_num_threads is torch.get_num_threads
    assert {"set_num_threads", "get_num_threads"} <= set(minitorch.__all__)
    assert {"set_num_threads", "get_num_threads"} <= set(torch_backend.__all__)
