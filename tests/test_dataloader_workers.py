"""``DataLoader(num_workers > 0)``: worker processes as PyTorch's.

Each behaviour is checked against PyTorch's ``DataLoader`` running the same dataset where the
two can be compared (order, errors, iterable sharding, warnings, messages), and otherwise
against the rule PyTorch documents (worker seeds). Nothing here times anything; a test that
could hang runs in a subprocess with a generous timeout.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.utils.data
from torch.utils.data._utils.worker import _generate_state

import minitorch
import minitorch.utils.data as mdata
from minitorch.utils.data import _worker
from minitorch.utils.data._transport import SHARED_MEMORY_MIN_BYTES

ROOT = Path(__file__).resolve().parents[1]


def batches(loader) -> list:
    """Every batch of one pass, as nested Python lists (tensors of either library)."""
    return [as_lists(batch) for batch in loader]


def as_lists(batch):
    if isinstance(batch, list | tuple):
        return [as_lists(item) for item in batch]
    if hasattr(batch, "tolist"):
        return batch.tolist()
    return batch


class Squares:
    """A map-style dataset either library can load: ``(float i, i * i)``."""

    def __init__(self, n: int = 23) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        return np.float32(index), index * index


def no_children_left() -> bool:
    gc.collect()  # an iterator dropped in a reference cycle shuts its workers down here
    return multiprocessing.active_children() == []


@pytest.fixture(autouse=True)
def every_test_leaves_no_worker_behind():
    yield
    assert no_children_left()


# --------------------------------------------------------------------------- order


@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # 3 workers on 2 cores
@pytest.mark.parametrize(
    "num_workers, batch_size, drop_last, prefetch_factor",
    [(1, 4, False, 2), (2, 4, False, 2), (2, 5, True, 1), (3, 1, False, 3), (2, None, False, 2)],
)
def test_batches_and_their_order_are_those_of_num_workers_0(
    num_workers, batch_size, drop_last, prefetch_factor
):
    def load(lib, **workers):
        return batches(
            lib.utils.data.DataLoader(
                Squares(), batch_size=batch_size, drop_last=drop_last, **workers
            )
        )

    workers = {"num_workers": num_workers, "prefetch_factor": prefetch_factor}
    expected = load(torch, **workers)
    assert load(torch) == expected  # PyTorch's own promise
    assert load(minitorch) == expected
    assert load(minitorch, **workers) == expected


@pytest.mark.parametrize("num_workers", [1, 2])
def test_a_seeded_shuffle_gives_the_order_of_num_workers_0(num_workers):
    def order(**workers):
        minitorch.manual_seed(7)
        loader = mdata.DataLoader(Squares(40), batch_size=6, shuffle=True, **workers)
        return [batches(loader) for _ in range(2)]  # two epochs: two permutations

    expected = order()
    assert order(num_workers=num_workers) == expected
    assert expected[0] != expected[1]


def test_out_of_order_loading_yields_the_same_batches():
    loader = mdata.DataLoader(Squares(), batch_size=3, num_workers=2, in_order=False)
    expected = batches(mdata.DataLoader(Squares(), batch_size=3))
    assert sorted(batches(loader)) == sorted(expected)


def test_tensors_come_back_from_the_workers_with_their_dtypes():
    data = mdata.TensorDataset(
        minitorch.arange(10, dtype=minitorch.float64), minitorch.arange(10), minitorch.ones(10, 2)
    )
    loaded = list(mdata.DataLoader(data, batch_size=4, num_workers=2))
    assert [b[0].dtype for b in loaded] == [minitorch.float64] * 3
    assert [b[1].dtype for b in loaded] == [minitorch.int64] * 3
    assert [b[1].tolist() for b in loaded] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert loaded[0][2].shape == (4, 2)


class Pictures:
    """Samples large enough that their batches travel in shared memory, not in the message."""

    def __init__(self, n: int = 10) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        rng = np.random.default_rng(index)
        return (
            minitorch.tensor(rng.standard_normal((3, 40, 40)), dtype=minitorch.float32),
            minitorch.tensor(rng.standard_normal(5000)),  # float64
            index,
        )


@pytest.mark.parametrize("num_workers, n", [(2, 10), (1, 40)])  # (1, 40): files reused
def test_large_batches_come_back_equal_writable_and_aligned(num_workers, n):
    assert SHARED_MEMORY_MIN_BYTES < 4 * 3 * 40 * 40 * 4
    expected = list(mdata.DataLoader(Pictures(n), batch_size=4))
    loaded = list(mdata.DataLoader(Pictures(n), batch_size=4, num_workers=num_workers))
    for (images, values, labels), (want_images, want_values, want_labels) in zip(
        loaded, expected, strict=True
    ):
        assert images.dtype == minitorch.float32 and values.dtype == minitorch.float64
        np.testing.assert_array_equal(images.numpy(), want_images.numpy())
        np.testing.assert_array_equal(values.numpy(), want_values.numpy())
        assert labels.tolist() == want_labels.tolist()
        assert images.numpy().flags.aligned and values.numpy().flags.aligned
        images.add_(1.0)  # a batch is the main process's own, writable memory
        np.testing.assert_array_equal(images.numpy(), want_images.numpy() + 1.0)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_passing_batches_leaves_no_descriptor_open():
    def open_descriptors() -> dict[str, str]:
        """Each open descriptor and what it refers to (a pipe, a socket, a file)."""
        gc.collect()
        found = {}
        for fd in os.listdir("/proc/self/fd"):
            try:
                found[fd] = os.readlink(f"/proc/self/fd/{fd}")
            except FileNotFoundError:  # the listing's own descriptor, closed since
                continue
        return found

    list(mdata.DataLoader(Pictures(), batch_size=4, num_workers=2))  # first-use descriptors
    before = open_descriptors()
    for _ in range(3):
        list(mdata.DataLoader(Pictures(), batch_size=4, num_workers=2))
    for _ in mdata.DataLoader(Pictures(), batch_size=2, num_workers=2):
        break  # batches still in flight when the workers stop
    after = open_descriptors()
    opened = {fd: after[fd] for fd in after.keys() - before.keys()}
    closed = {fd: before[fd] for fd in before.keys() - after.keys()}
    assert len(after) == len(before), f"opened {opened}, closed {closed}"


class Unpicklable:
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int):
        return (i for i in range(index))  # a generator cannot be pickled


def test_a_batch_that_cannot_be_pickled_is_an_error_not_a_hang():
    with pytest.raises(TypeError, match="Caught TypeError in DataLoader worker process 0"):
        list(mdata.DataLoader(Unpicklable(), batch_size=None, num_workers=1, timeout=60))


def test_len_is_that_of_num_workers_0():
    assert len(mdata.DataLoader(Squares(), batch_size=4, num_workers=2)) == 6


# --------------------------------------------------------------------------- seeding


class WhatTheWorkerSees:
    """Each sample reports the worker's info and its first draw from every generator."""

    def __init__(self, lib, n: int = 6) -> None:
        self.lib, self.n = lib, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        info = self.lib.utils.data.get_worker_info()
        return {
            "id": info.id,
            "num_workers": info.num_workers,
            "seed": info.seed,
            "same_dataset": type(info.dataset) is WhatTheWorkerSees,
            "random": random.random(),
            "numpy": float(np.random.rand()),
            "lib_initial_seed": self.lib.initial_seed(),
            "lib_threads": self.lib.get_num_threads(),
            "pid": os.getpid(),
        }


def worker_reports(lib, num_workers: int = 2, **kwargs) -> list[dict]:
    loader = lib.utils.data.DataLoader(
        WhatTheWorkerSees(lib), batch_size=None, num_workers=num_workers, **kwargs
    )
    return list(loader)


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
@pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
def test_worker_seeds_follow_pytorchs_rule(lib):
    reports = worker_reports(lib, num_workers=3)
    first_of = {r["id"]: r for r in reversed(reports)}  # each worker's first sample
    assert sorted(first_of) == [0, 1, 2]
    base_seed = first_of[0]["seed"]
    for worker_id, report in first_of.items():
        assert report["num_workers"] == 3 and report["same_dataset"]
        assert report["seed"] == base_seed + worker_id  # distinct: base seed + worker id
        assert report["lib_initial_seed"] == report["seed"]  # the library's generator
        assert report["random"] == random.Random(report["seed"]).random()  # Python's random
        numpy_state = _generate_state(base_seed, worker_id)  # numpy's, as PyTorch mixes it
        assert report["numpy"] == np.random.RandomState(numpy_state).rand()
        assert report["lib_threads"] == 1  # workers compute on one thread


@pytest.mark.parametrize("base_seed", [0, 1, 2**32 - 1, 2**32, 12345678901234567, 2**63 - 1])
@pytest.mark.parametrize("worker_id", [0, 1, 7])
def test_numpy_seed_of_a_worker_is_pytorchs(base_seed, worker_id):
    assert _worker.numpy_seed(base_seed, worker_id) == _generate_state(base_seed, worker_id)


def test_worker_seeds_repeat_under_manual_seed_and_change_every_epoch():
    def seeds():
        return sorted({r["seed"] for r in worker_reports(minitorch)})

    minitorch.manual_seed(3)
    first, second = seeds(), seeds()
    minitorch.manual_seed(3)
    assert seeds() == first
    assert second != first
    assert len(first) == 2


def test_the_loaders_generator_draws_the_base_seed():
    def seeds(global_seed):
        minitorch.manual_seed(global_seed)
        generator = minitorch.Generator().manual_seed(11)
        return sorted({r["seed"] for r in worker_reports(minitorch, generator=generator)})

    assert seeds(1) == seeds(2)


def test_worker_info_is_none_in_the_main_process():
    list(mdata.DataLoader(Squares(4), num_workers=2))
    assert mdata.get_worker_info() is None


# --------------------------------------------------------------------------- worker_init_fn


def first_error(lib, dataset, **kwargs) -> BaseException:
    """The first error a pass over ``dataset`` raises (2 workers, batches of 2 by default)."""
    kwargs = {"batch_size": 2, "num_workers": 2, **kwargs}
    iterator = iter(lib.utils.data.DataLoader(dataset, **kwargs))
    try:
        for _ in iterator:
            pass
    except Exception as error:
        return error
    finally:
        if lib is torch:
            # PyTorch's iterator stays in a reference cycle with the exception it re-raised;
            # collected later by the garbage collector, it waits 5 s per worker: stop it now
            iterator._shutdown_workers()
    raise AssertionError("no error raised")


def record_init(worker_id: int) -> None:
    info = mdata.get_worker_info()
    os.environ["MINITORCH_TEST_INIT"] = f"{worker_id},{info.id},{info.seed},{random.random()}"


class ReportsInit:
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int):
        return os.environ.get("MINITORCH_TEST_INIT", "")


def test_worker_init_fn_runs_once_in_each_worker_after_seeding():
    loaded = list(
        mdata.DataLoader(ReportsInit(), batch_size=None, num_workers=2, worker_init_fn=record_init)
    )
    inits = {tuple(text.split(",")) for text in loaded}
    assert len(inits) == 2
    for worker_id, info_id, seed, first_random in inits:
        assert worker_id == info_id
        assert float(first_random) == random.Random(int(seed)).random()
    assert "MINITORCH_TEST_INIT" not in os.environ  # it ran in the workers only


def failing_init(worker_id: int) -> None:
    raise OSError(f"worker {worker_id} cannot open its shard")


@pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
def test_an_error_in_worker_init_fn_is_raised_in_the_main_process(lib):
    raised = first_error(lib, Squares(4), num_workers=1, worker_init_fn=failing_init)
    assert type(raised) is OSError
    message = str(raised)
    assert message.startswith("Caught OSError in DataLoader worker process 0.\nOriginal Traceback")
    assert "worker 0 cannot open its shard" in message


# --------------------------------------------------------------------------- errors


class FailsAt:
    """Samples 0..n-1; loading ``bad`` raises ``error``."""

    def __init__(self, error: Exception, n: int = 8, bad: int = 5) -> None:
        self.error, self.n, self.bad = error, n, bad

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        if index == self.bad:
            raise self.error
        return index


class NeedsTwoArguments(Exception):
    def __init__(self, code: int, detail: str) -> None:
        super().__init__(code, detail)


@pytest.mark.parametrize(
    "error",
    [ValueError("bad sample 5"), KeyError("label"), OSError("truncated JPEG"), TypeError("x")],
    ids=lambda e: type(e).__name__,
)
def test_a_workers_error_is_reraised_with_its_class_and_pytorchs_message(error):
    expected = first_error(torch, FailsAt(error))
    raised = first_error(minitorch, FailsAt(error))
    assert type(raised) is type(expected) is type(error)
    # batch [4, 5] is the third task: worker 0's second
    assert str(raised).splitlines()[:2] == str(expected).splitlines()[:2]
    assert str(raised).startswith(
        f"Caught {type(error).__name__} in DataLoader worker process 0.\n"
        "Original Traceback (most recent call last):"
    )
    assert str(error) in str(raised)
    assert "(raised while the DataLoader loaded index 5 of FailsAt)" in str(raised)


def test_a_key_error_shows_its_message_as_is():
    raised = first_error(minitorch, FailsAt(KeyError("label")))
    assert str(raised).startswith("Caught KeyError")  # not the repr of a string


def test_an_error_class_that_cannot_take_a_message_becomes_a_runtime_error():
    expected = first_error(torch, FailsAt(NeedsTwoArguments(3, "x")))
    raised = first_error(minitorch, FailsAt(NeedsTwoArguments(3, "x")))
    assert type(raised) is type(expected) is RuntimeError
    assert str(raised).startswith("Caught NeedsTwoArguments in DataLoader worker process 0.")


def test_the_pass_goes_on_after_an_error_as_in_pytorch():
    def outcomes(lib):
        loader = lib.utils.data.DataLoader(FailsAt(ValueError("bad")), batch_size=2, num_workers=2)
        iterator, seen = iter(loader), []
        while True:
            try:
                seen.append(next(iterator).tolist())
            except StopIteration:
                return seen
            except ValueError:
                seen.append("error")

    assert outcomes(minitorch) == outcomes(torch) == [[0, 1], [2, 3], "error", [6, 7]]


class KillsItsWorker:
    def __len__(self) -> int:
        return 50

    def __getitem__(self, index: int):
        if index == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return index


def test_a_worker_that_dies_is_a_runtime_error_naming_its_pid(monkeypatch):
    monkeypatch.setattr(_worker, "MP_STATUS_CHECK_INTERVAL", 0.2)
    with pytest.raises(
        RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"
    ):
        list(mdata.DataLoader(KillsItsWorker(), num_workers=2))


# --------------------------------------------------------------------------- cleanup


class Slow:
    def __init__(self, seconds: float, n: int = 64) -> None:
        self.seconds, self.n = seconds, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        time.sleep(self.seconds)
        return np.zeros((3, 32, 32), dtype=np.float32)


def test_no_worker_is_left_after_a_full_pass_or_a_break():
    loader = mdata.DataLoader(Slow(0.001), batch_size=4, num_workers=2)
    for _ in loader:
        assert len(multiprocessing.active_children()) == 2
    assert multiprocessing.active_children() == []
    for _ in loader:
        break
    assert multiprocessing.active_children() == []  # no gc needed: no reference cycle


def test_no_worker_is_left_after_an_exception_in_the_loop_body():
    def train():
        for _ in mdata.DataLoader(Slow(0.001), batch_size=4, num_workers=2):
            raise ValueError("the model diverged")

    with pytest.raises(ValueError):
        train()
    assert no_children_left()


def test_no_worker_is_left_after_a_workers_error():
    first_error(minitorch, FailsAt(ValueError("bad")))
    assert multiprocessing.active_children() == []


def test_no_worker_is_left_after_keyboard_interrupt():
    with pytest.raises(KeyboardInterrupt):
        for _ in mdata.DataLoader(Slow(0.001), batch_size=4, num_workers=2):
            raise KeyboardInterrupt
    assert no_children_left()


def test_a_worker_stuck_in_a_sample_is_terminated_at_shutdown(monkeypatch):
    monkeypatch.setattr(_worker, "MP_STATUS_CHECK_INTERVAL", 0.2)
    iterator = iter(mdata.DataLoader(Slow(60.0, n=4), num_workers=1, timeout=0.1))
    with pytest.raises(RuntimeError):
        next(iterator)
    del iterator  # the worker is asleep in __getitem__: asked, then terminated
    assert no_children_left()


def test_ctrl_c_ends_the_main_process_and_its_workers():
    """SIGINT to the whole process group, as a terminal's Ctrl-C: everything exits."""
    script = textwrap.dedent(
        """
        import time
        import numpy as np
        import minitorch.utils.data as data

        class Slow:
            def __len__(self):
                return 1000
            def __getitem__(self, index):
                time.sleep(0.01)
                return np.zeros(3)

        print("started", flush=True)
        for batch in data.DataLoader(Slow(), batch_size=2, num_workers=2):
            pass
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(1.0)  # the workers are up and loading
        os.killpg(child.pid, signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert "KeyboardInterrupt" in stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # no process of the group is left
        try:
            os.killpg(child.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError("a worker outlived the interrupted main process")


# --------------------------------------------------------------------------- timeout


@pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
def test_timeout_raises_pytorchs_runtime_error(lib):
    raised = first_error(lib, Slow(1.0, n=1), batch_size=1, num_workers=1, timeout=0.2)
    assert type(raised) is RuntimeError
    assert str(raised) == "DataLoader timed out after 0.2 seconds"


def test_a_timeout_that_is_long_enough_changes_nothing():
    loader = mdata.DataLoader(Squares(), batch_size=4, num_workers=2, timeout=60)
    assert batches(loader) == batches(mdata.DataLoader(Squares(), batch_size=4))


# --------------------------------------------------------------------------- persistent workers


def test_persistent_workers_serve_every_epoch_and_keep_their_seeds():
    loader = mdata.DataLoader(
        WhatTheWorkerSees(minitorch, n=8), batch_size=None, num_workers=2, persistent_workers=True
    )
    epochs = [list(loader) for _ in range(3)]
    pids = [{r["pid"] for r in epoch} for epoch in epochs]
    assert len(pids[0]) == 2 and pids[0] == pids[1] == pids[2]
    assert len(multiprocessing.active_children()) == 2  # alive between epochs
    seeds = [sorted({r["seed"] for r in epoch}) for epoch in epochs]
    assert seeds[0] == seeds[1] == seeds[2]  # as in PyTorch: seeded once, when started
    del loader
    assert no_children_left()


def test_persistent_workers_after_an_early_break_give_a_whole_epoch():
    loader = mdata.DataLoader(Squares(), batch_size=3, num_workers=2, persistent_workers=True)
    expected = batches(mdata.DataLoader(Squares(), batch_size=3))
    for index, _ in enumerate(loader):
        if index == 1:
            break
    assert batches(loader) == expected
    assert batches(loader) == expected
    del loader


def test_new_workers_each_epoch_without_persistent_workers():
    loader = mdata.DataLoader(WhatTheWorkerSees(minitorch, n=4), batch_size=None, num_workers=2)
    first, second = ({r["pid"] for r in loader} for _ in range(2))
    assert first.isdisjoint(second)


# --------------------------------------------------------------------------- iterable datasets


def sharded_stream(lib):
    class Sharded(lib.utils.data.IterableDataset):
        """0..n-1, split among the workers by ``get_worker_info`` (PyTorch's recipe)."""

        def __init__(self, n: int) -> None:
            self.n = n

        def __iter__(self):
            info = lib.utils.data.get_worker_info()
            if info is None:
                return iter(range(self.n))
            return iter(range(info.id, self.n, info.num_workers))

    return Sharded


def whole_stream(lib):
    class Whole(lib.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(5))

    return Whole


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 3},
        {"batch_size": 3, "drop_last": True},
        {"batch_size": None},
        {"batch_size": 2, "num_workers": 3},
        {"batch_size": 4, "persistent_workers": True},
    ],
)
def test_iterable_datasets_shard_with_get_worker_info_as_in_pytorch(kwargs):
    kwargs = {"num_workers": 2, **kwargs}

    def load(lib):
        loader = lib.utils.data.DataLoader(sharded_stream(lib)(11), **kwargs)
        return [batches(loader) for _ in range(2)]

    expected = load(torch)
    assert load(minitorch) == expected
    if not kwargs.get("drop_last"):
        assert sorted(np.ravel(np.concatenate([np.ravel(b) for b in expected[0]]))) == list(
            range(11)
        )


def test_each_worker_gets_its_own_copy_of_an_unsharded_stream():
    expected = batches(
        torch.utils.data.DataLoader(whole_stream(torch)(), batch_size=2, num_workers=2)
    )
    loaded = batches(mdata.DataLoader(whole_stream(minitorch)(), batch_size=2, num_workers=2))
    assert loaded == expected == [[0, 1], [0, 1], [2, 3], [2, 3], [4], [4]]


class BrokenStream(mdata.IterableDataset):
    def __iter__(self):
        raise ValueError("cannot open the stream")


def test_an_error_opening_a_stream_is_raised_in_the_main_process():
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process"):
        list(mdata.DataLoader(BrokenStream(), num_workers=2))


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_workers": 0, "prefetch_factor": 2},
        {"num_workers": 2, "prefetch_factor": -1},
        {"num_workers": 0, "persistent_workers": True},
        {"num_workers": 0, "multiprocessing_context": "fork"},
        {"num_workers": 2, "multiprocessing_context": "bogus"},
        {"num_workers": 2, "multiprocessing_context": 3},
        {"num_workers": -1},
        {"num_workers": 2, "timeout": -1},
    ],
)
def test_bad_worker_arguments_raise_pytorchs_error(kwargs):
    with pytest.raises(Exception) as expected:
        torch.utils.data.DataLoader(Squares(), **kwargs)
    with pytest.raises(Exception) as raised:
        mdata.DataLoader(Squares(), **kwargs)
    assert type(raised.value) is type(expected.value)
    assert str(raised.value) == str(expected.value)


# PyTorch's iterator, failing half-built, complains in its __del__ that it has no _shutdown
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("kwargs", [{"timeout": 1}, {"num_workers": 2, "prefetch_factor": 0}])
def test_arguments_pytorch_refuses_only_when_iterating(kwargs):
    torch_loader = torch.utils.data.DataLoader(Squares(), **kwargs)
    loader = mdata.DataLoader(Squares(), **kwargs)
    with pytest.raises(AssertionError) as expected:
        iter(torch_loader)
    with pytest.raises(AssertionError) as raised:
        iter(loader)
    assert str(raised.value) == str(expected.value)


def test_defaults_with_workers_are_pytorchs():
    loader = mdata.DataLoader(Squares(), num_workers=2, multiprocessing_context="spawn")
    reference = torch.utils.data.DataLoader(Squares(), num_workers=2)
    assert loader.prefetch_factor == reference.prefetch_factor == 2
    assert loader.multiprocessing_context is multiprocessing.get_context("spawn")
    assert mdata.DataLoader(Squares()).prefetch_factor is None


def warning_texts(make_and_iterate) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_and_iterate()
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("num_workers", [0, 2])
def test_pin_memory_warns_as_pytorch_without_an_accelerator_and_changes_nothing(num_workers):
    if torch.accelerator.is_available():
        pytest.skip("PyTorch pins memory here; minitorch never has an accelerator")

    def warnings_and_batches(lib, **kwargs):
        loaders = []
        at_construction = warning_texts(
            lambda: loaders.append(
                lib.utils.data.DataLoader(
                    Squares(), batch_size=4, num_workers=num_workers, pin_memory=True, **kwargs
                )
            )
        )
        loaded = []
        at_iteration = warning_texts(lambda: loaded.extend(batches(loaders[0])))
        return at_construction, at_iteration, loaded

    assert warnings_and_batches(minitorch) == warnings_and_batches(torch)
    assert warnings_and_batches(minitorch, pin_memory_device="cpu") == warnings_and_batches(
        torch, pin_memory_device="cpu"
    )


def test_more_workers_than_cpus_warns_as_pytorch():
    too_many = len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else 64

    def make(lib):
        return warning_texts(lambda: lib.utils.data.DataLoader(Squares(), num_workers=too_many))

    assert make(minitorch) == make(torch)
    assert len(make(minitorch)) == 1


def test_the_spawn_start_method_loads_the_same_batches():
    data = mdata.TensorDataset(minitorch.arange(10))
    loader = mdata.DataLoader(data, batch_size=4, num_workers=2, multiprocessing_context="spawn")
    assert batches(loader) == [[[0, 1, 2, 3]], [[4, 5, 6, 7]], [[8, 9]]]


# --------------------------------------------------------------------------- fork safety

FORK_SAFETY_SCRIPT = """
import threading
import minitorch
import minitorch.nn.functional as F
from minitorch.utils.data import DataLoader, Dataset

minitorch.set_num_threads(2)
x, w = minitorch.randn(8, 3, 32, 32), minitorch.randn(16, 3, 5, 5)
F.conv2d(x, w)  # the kernel thread pool and BLAS's threads now exist in this process


class Convolves(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, index):
        y = F.conv2d(minitorch.randn(4, 3, 16, 16), minitorch.randn(8, 3, 3, 3))
        z = minitorch.randn(64, 64) @ minitorch.randn(64, 64)
        return y.sum() + z.sum(), minitorch.get_num_threads()


def epoch():
    counts = [int(n) for _, threads in DataLoader(Convolves(), batch_size=4, num_workers=2)
              for n in threads]
    assert counts == [1] * 12, counts


epoch()
print("forked after the pool existed", flush=True)

# forks while another thread keeps the kernels busy: the fork waits for the running split
stop = threading.Event()


def keep_convolving():
    while not stop.is_set():
        F.conv2d(x, w)


busy = threading.Thread(target=keep_convolving)
busy.start()
for _ in range(6):
    epoch()
stop.set()
busy.join()
F.conv2d(x, w)
print("forked while kernels ran", flush=True)
"""


def test_workers_forked_from_a_process_using_the_thread_pool_never_hang():
    done = subprocess.run(
        [sys.executable, "-c", FORK_SAFETY_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["forked after the pool existed", "forked while kernels ran"]
