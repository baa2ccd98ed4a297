"""Running a kernel on parts of a batch at once: one Python thread per part, BLAS on one thread.

The convolution, pooling and linear kernels split their work into as many contiguous runs
as there are threads (samples; a small batch's row tiles or planes, see those kernels; a
part too small to be worth a thread stays with the caller: ``grain``), and each thread
works through its own run with serial code:
Numba kernels compiled with ``nogil=True`` and numpy's matrix products (one-thread BLAS).
Both release the GIL, so plain ``threading`` runs them truly in parallel.

Why not Numba's ``prange`` and multithreaded BLAS? Measured on the project's 2-core machines
(the tutorial model's convolutions, batch 64, float32): every layout that combined them was
slower, often several times. With a per-sample product in a ``prange`` loop a convolution
took 8-24 ms on one-thread BLAS and 145-394 ms on two-thread BLAS; two threads, each on half
the batch, took 4.6-11 ms. Two thread pools on two cores spin while they wait and block each
other (timings came out in ~4 ms steps, 2-3x slow), and a BLAS call that starts its own
threads inside a parallel loop ran 10-100x slow. Here only one kind of thread ever does
work. After a split, a worker spins for about a millisecond, without the GIL, before it
waits on a queue, and so does the splitting thread while it waits for the parts
(:mod:`minitorch.kernels._spin`): waking a sleeping vCPU cost 60-150 us a split. The spin
is bounded and nothing else is left spinning, but a second pool that spins (OpenBLAS's
own threads, PyTorch's OpenMP) now costs more; hence BLAS held to one thread.

While a split runs, every BLAS library in the process is held to one thread (through
threadpoolctl, which finds NumPy's OpenBLAS or MKL however it was installed) and restored
afterwards, so BLAS starts no threads of its own to compete with the workers.

The number of parts is ``minitorch.set_num_threads(n)``'s count, as PyTorch's intra-op
threads; until that is called, Numba's thread count (``numba.set_num_threads(n)`` sets it, as
it would for a ``prange`` loop). Without threadpoolctl, BLAS cannot be held to one thread and
everything runs in one part, with BLAS threading as configured.

Forking (a ``DataLoader`` starting its worker processes) waits until no split is running, and
no split starts until the fork is done. Measured with NumPy's OpenBLAS (0.3.31, pthreads): a
fork while another thread is inside a split, or changing BLAS's thread count, hung the parent
every time within a hundred forks; gated, never. A forked child has none of its parent's
threads: its worker pool starts afresh and nothing is held.
"""

from __future__ import annotations

import contextvars
import os
import platform
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numba
import numpy as np

from minitorch.kernels import _spin as _spin_module

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # an optional dependency: without it the kernels run in one thread
    ThreadpoolController = None

T = TypeVar("T")

_lock = threading.Lock()
_no_split_running = threading.Condition(_lock)  # notified when the last split ends, or a fork
_forking = False  # a fork is waiting for the running splits to end, or happening
# Set inside a hold, and so in the parts it runs (they run in copies of the caller's context):
# a nested hold must not wait for a fork that is itself waiting for the outer hold to end.
_in_split: contextvars.ContextVar[bool] = contextvars.ContextVar("_in_split", default=False)
_workers: _Workers | None = None
_worker_count = 0
_blas: list[Any] | None = None  # threadpoolctl's controllers of the BLAS libraries loaded
_blas_users = 0
_blas_saved: list[int] = []


def _blas_libraries() -> list[Any]:
    """The BLAS libraries loaded in this process (found once; looking costs ~20 ms)."""
    global _blas
    if _blas is None:
        controller = ThreadpoolController()
        _blas = [lib for lib in controller.lib_controllers if lib.user_api == "blas"]
    return _blas


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Hold every BLAS library to one thread inside the block; restore the counts after.

    Nested and concurrent blocks share one hold: the first to enter saves the counts and
    the last to leave restores them. A block does not start while a fork is waiting.
    """
    global _blas_users, _blas_saved
    libraries = _blas_libraries() if ThreadpoolController is not None else []
    with _lock:
        while _forking and not _in_split.get():
            _no_split_running.wait()
        if _blas_users == 0:
            _blas_saved = [lib.get_num_threads() for lib in libraries]
            for lib in libraries:
                lib.set_num_threads(1)
        _blas_users += 1
    token = _in_split.set(True)
    try:
        yield
    finally:
        _in_split.reset(token)
        with _lock:
            _blas_users -= 1
            if _blas_users == 0:
                for lib, count in zip(libraries, _blas_saved, strict=True):
                    lib.set_num_threads(count)
                _no_split_running.notify_all()


_requested_threads: int | None = None  # set_threads(n); None: Numba's thread count


def num_threads() -> int:
    """How many parts a batch is split into: the count :func:`set_threads` set, else Numba's
    thread count (1 without threadpoolctl, which holding BLAS to one thread needs)."""
    if ThreadpoolController is None:
        return 1
    return _requested_threads if _requested_threads is not None else numba.get_num_threads()


def set_threads(count: int) -> None:
    """Split batches into ``count`` parts and let BLAS use ``count`` threads outside splits.

    Numba's own thread count (for any ``prange`` loop) follows, up to the threads Numba has.
    """
    global _requested_threads
    _requested_threads = count
    numba.set_num_threads(min(count, numba.config.NUMBA_NUM_THREADS))
    if ThreadpoolController is not None:
        with _lock:
            for lib in _blas_libraries():
                lib.set_num_threads(count)


class _Workers:
    """Threads that run the parts handed to them, in the order handed, until told to stop.

    Lighter than ``concurrent.futures.ThreadPoolExecutor``: one C queue of tasks shared by
    the workers and one per split for the results, no futures. Measured on the project's
    2-core machine, handing one empty part to a worker and collecting it took 27 us (median)
    here against 91 us with the executor; a training step splits 6-16 kernels.
    """

    _local = threading.local()  # .is_worker: set in the workers' own threads

    def __init__(self, count: int):
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        # How many tasks were handed out and how many parts finished, for the spins below
        # (a count that a race makes miss one only costs that spin: the queues synchronise).
        self.handed = np.zeros(1, dtype=np.int64)
        self.finished = np.zeros(1, dtype=np.int64)
        for i in range(count):
            name = f"minitorch-kernel_{i}"
            args = (self.tasks, self.handed, self.finished)
            threading.Thread(target=self._serve, args=args, name=name, daemon=True).start()
        self.count = count

    @classmethod
    def _serve(cls, tasks: queue.SimpleQueue, handed: np.ndarray, finished: np.ndarray) -> None:
        cls._local.is_worker = True
        while True:
            # the next split comes while this vCPU is awake. The count is read before the
            # queue is looked at: a task handed out after the read moves the count on, and
            # one handed out before it is in the queue already (it is put, then counted)
            seen = int(handed[0])
            if tasks.empty():
                _spin(handed, seen)
            if (task := tasks.get()) is None:
                return
            context, work, start, stop, index, results = task
            try:
                results.put((index, True, context.run(work, start, stop)))
            except BaseException as error:  # handed back, raised in the caller's thread
                results.put((index, False, error))
            finished[0] += 1
            # the job's closure holds its arrays: drop it now rather than at the next job, so
            # that what a backward node saved is freed when the node releases it
            del task, context, work, results

    @classmethod
    def in_worker(cls) -> bool:
        return getattr(cls._local, "is_worker", False)

    def stop(self) -> None:
        for _ in range(self.count):
            self.tasks.put(None)

    def run(self, work: Callable[[int, int], T], parts: list[tuple[int, int]]) -> list[T]:
        """``work`` on every part: the first here, the others on the workers; results in
        the order of the parts. Every part has finished when this returns or raises."""
        results: queue.SimpleQueue = queue.SimpleQueue()
        # each part runs in a copy of the caller's context, so that numpy's error settings
        # (``np.errstate``, a context variable) hold in the workers as they do here
        for index, (start, stop) in enumerate(parts[1:], start=1):
            self.tasks.put((contextvars.copy_context(), work, start, stop, index, results))
        self.handed[0] += len(parts) - 1
        values: list = [None] * len(parts)
        errors: list[BaseException] = []
        try:
            values[0] = work(*parts[0])
        except BaseException as error:
            errors.append(error)
        for _ in parts[1:]:  # BLAS stays on one thread until every part is done
            seen = int(self.finished[0])  # read first, as in _serve
            if results.empty():
                _spin(self.finished, seen)
            index, ok, value = results.get()
            if ok:
                values[index] = value
            else:
                errors.append(value)
        if errors:
            raise errors[0]
        return values


def _spin(counter: np.ndarray, seen: int) -> None:
    """Spin a while (``_spin.SPIN_CYCLES``) until ``counter`` moves on from ``seen``, without
    the GIL, on x86 processors (see :mod:`minitorch.kernels._spin`); elsewhere return."""
    if _SPINS:
        _spin_module.spin_until_changed(counter, seen, _spin_module.SPIN_CYCLES)


_SPINS = platform.machine().lower() in ("x86_64", "amd64")


def _pool(workers: int) -> _Workers:
    """The worker threads (created on first use, renewed when the thread count changes)."""
    global _workers, _worker_count
    with _lock:
        if _workers is None or _worker_count != workers:
            if _workers is not None:
                _workers.stop()
            _workers = _Workers(workers)
            _worker_count = workers
        return _workers


def _wait_for_splits_before_fork() -> None:
    """Hold the lock through the fork, once no split runs (a split forking itself cannot wait)."""
    global _forking
    _lock.acquire()
    _forking = True
    while _blas_users and not _in_split.get():
        _no_split_running.wait()


def _resume_splits_after_fork() -> None:
    global _forking
    _forking = False
    _no_split_running.notify_all()
    _lock.release()


def _forget_workers_after_fork() -> None:
    """A forked child has none of its parent's threads: start afresh, nothing held."""
    global _workers, _lock, _no_split_running, _forking, _blas_users
    _workers, _lock, _forking, _blas_users = None, threading.Lock(), False, 0
    _no_split_running = threading.Condition(_lock)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_wait_for_splits_before_fork,
        after_in_parent=_resume_splits_after_fork,
        after_in_child=_forget_workers_after_fork,
    )


def split(total: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ranges ``(start, stop)`` covering ``0..total``, sizes within one."""
    bounds = [total * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts) if bounds[i] < bounds[i + 1]]


def over_batch(total: int, work: Callable[[int, int], T], grain: int = 1) -> list[T]:
    """Run ``work(start, stop)`` on contiguous parts of ``range(total)``, one per thread.

    ``grain``: the fewest units worth a thread of their own. Handing a part to a worker
    and waiting for it costs tens of microseconds (more on a busy machine); a part
    smaller than that is not worth it, so there are at most ``total // grain`` parts.

    The calling thread takes the first part, worker threads the others; the results come
    back in the order of the parts. With one part ``work(0, total)`` just runs here, with
    BLAS threading left as it is.
    """
    threads = num_threads()
    parts = split(total, max(1, min(total // max(1, grain), threads)))
    if len(parts) <= 1:
        return [work(0, total)]
    if _Workers.in_worker():  # a part that splits again: its parts run here, one by one
        return [work(start, stop) for start, stop in parts]
    with one_blas_thread():
        return _pool(threads - 1).run(work, parts)


# The work a part should have at least, for kernels that know their cost. Handing a part to
# a worker thread and collecting it costs ~20-60 us on an idle 2-core machine and 60-100 us
# on a virtual one whose idle second core must be woken up; a part of this many
# floating-point operations takes ~200 us at the small products' one-thread speed. With
# 2 MFLOP, a batch-1 training step of the tutorial model ran 1.5x slower on two threads than
# on one (each of its convolutions cut in two).
PART_FLOPS = 8_000_000


def grain_of(flops_per_unit: float) -> int:
    """How many units of ``flops_per_unit`` operations make a part worth a thread."""
    return max(1, -(-PART_FLOPS // max(1, int(flops_per_unit))))


def worth_splitting(flops: float, parts: int) -> bool:
    """Whether ``flops`` operations are enough work for ``parts`` threads."""
    return flops >= parts * PART_FLOPS
