"""What runs inside a ``DataLoader`` worker process, as ``torch/utils/data/_utils/worker.py``.

A worker takes ``(task_index, indices)`` from its own index queue, fetches and collates that
batch, and puts ``(task_index, batch)`` on the result queue that all workers share, the
batch pickled by the worker, its arrays in shared memory when they are large
(``_transport.py``). A batch that raised is sent as an :class:`ExceptionWrapper`, which the
main process re-raises with the original exception's class. ``None`` on the index queue
tells the worker to exit.

Each worker seeds itself from the iterator's ``base_seed`` (drawn from minitorch's generator
in the main process): Python's ``random`` and minitorch with ``base_seed + worker_id``, numpy's
global generator with a state mixed from both (``numpy.random.SeedSequence``, the function
PyTorch copied), so that workers never draw the same augmentations.

The worker computes on one thread (``minitorch.set_num_threads(1)``, as PyTorch's workers do):
the workers are the parallelism, and a forked process must not wait on thread pools that
were its parent's. minitorch's kernel pool starts afresh in a forked child
(``minitorch/kernels/_threads.py``), BLAS is held to one thread, and minitorch's kernels
never enter a Numba parallel region, whose OpenMP threads would not survive a fork.
"""

from __future__ import annotations

import atexit
import os
import queue
import random
import socket
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from minitorch._parallel import set_num_threads
from minitorch._random import manual_seed
from minitorch.utils.data._fetch import create_fetcher
from minitorch.utils.data._transport import BatchSender
from minitorch.utils.data.dataset import Dataset

__all__ = ["WorkerInfo", "get_worker_info"]

# Seconds between a waiting process's checks that the other side is still alive.
MP_STATUS_CHECK_INTERVAL = 5.0

python_exit_status = False  # set at interpreter exit: workers are then left to multiprocessing


def _set_python_exit_flag() -> None:
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """The current worker process: its ``id`` (0 .. ``num_workers`` - 1), its random ``seed``,
    and ``dataset``, this process's own copy of the dataset."""

    id: int
    num_workers: int
    seed: int
    dataset: Dataset


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a ``DataLoader`` worker process, its :class:`WorkerInfo`; None in the main process.

    An :class:`IterableDataset` uses it to give each worker its own share of the stream::

        >>> def __iter__(self):
        ...     info = get_worker_info()
        ...     if info is None:  # loading in the main process: the whole stream
        ...         return iter(self.items)
        ...     return iter(self.items[info.id :: info.num_workers])
    """
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted: send it no more tasks."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Persistent workers: start a new epoch (a fresh iterator over an iterable dataset)."""


class KeyErrorMessage(str):
    """A message that ``KeyError`` shows as it is: ``KeyError`` prints the repr of its argument."""

    __slots__ = ()

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception caught in a worker, sent to the main process as its class and traceback."""

    def __init__(self, where: str) -> None:
        # only the class and the text travel: a traceback object cannot be pickled, and
        # holding one would keep the failing frames alive
        error = sys.exception()  # the exception being handled: built only in an except block
        self.exc_type: type[BaseException] = type(error)  # type: ignore[assignment]
        self.exc_msg = "".join(traceback.format_exception(error))
        self.where = where

    def reraise(self) -> NoReturn:
        """Raise the original exception's class, with the worker's traceback as its message."""
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            message = KeyErrorMessage(message)
        elif getattr(self.exc_type, "message", None):
            # exceptions whose first argument is not the message but that take ``message=``
            raise self.exc_type(message=message)  # type: ignore[call-arg]
        try:
            rebuilt = self.exc_type(message)
        except Exception:
            # a class that cannot be built from one message: say what it was in a RuntimeError
            raise RuntimeError(message) from None
        try:
            raise rebuilt
        finally:
            del rebuilt  # no cycle frame -> exception -> traceback -> frame keeps the iterator


def numpy_seed(base_seed: int, worker_id: int) -> list[int]:
    """Four 32-bit words for ``numpy.random.seed``: PyTorch's ``_generate_state``, which is
    numpy's SeedSequence over ``[worker_id, base_seed's low and high words, 0]``."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4).tolist()


class _ManagerWatchdog:
    """Whether the process that started this worker is still alive (POSIX: still its parent)."""

    def __init__(self) -> None:
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self) -> bool:
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


def worker_loop(
    is_iterable: bool,
    dataset: Dataset,
    index_queue: Any,
    data_queue: Any,
    done_event: Any,
    auto_collation: bool,
    collate_fn: Callable,
    drop_last: bool,
    base_seed: int,
    init_fn: Callable[[int], None] | None,
    worker_id: int,
    num_workers: int,
    fd_socket: socket.socket | None,
) -> None:
    """The body of worker process ``worker_id``: serve tasks until told to stop.

    ``fd_socket`` carries the descriptors of the shared memory that large batches travel in
    (None: every batch travels inside its message).
    """
    global _worker_info
    where = f"in DataLoader worker process {worker_id}"
    try:
        set_num_threads(1)
        seed = base_seed + worker_id
        random.seed(seed)
        manual_seed(seed)
        np.random.seed(numpy_seed(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

        # an error in worker_init_fn or in iter(dataset) answers every task of this worker
        fetcher, init_error = None, None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where)

        sender = BatchSender(worker_id, fd_socket)
        # the iterable dataset ran out: skip tasks until the main process says stop or resume
        iteration_end = False
        watchdog = _ManagerWatchdog()
        while watchdog.is_alive():
            try:
                task = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(task, _ResumeIteration):
                data_queue.put((task, None))  # acknowledge
                iteration_end = False
                if fetcher is not None:
                    try:  # a fresh pass over an iterable dataset
                        fetcher = create_fetcher(
                            is_iterable, dataset, auto_collation, collate_fn, drop_last
                        )
                    except Exception:
                        fetcher, init_error = None, ExceptionWrapper(where)
                continue
            if task is None:
                break
            if done_event.is_set() or iteration_end:
                continue  # shutting down: wait for the None
            task_index, index = task
            data: Any
            if fetcher is None:
                data = init_error
            else:
                try:
                    data = sender.pickle(fetcher.fetch(index))
                except Exception as error:
                    if isinstance(error, StopIteration) and is_iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where)
            data_queue.put((task_index, data))
            del data, task, index  # do not hold a batch while waiting for the next task
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches every process of the group; the main process reports it
    finally:
        _worker_info = None
    if done_event.is_set():
        # nobody reads results any more: exit without waiting to flush them into the pipe
        data_queue.cancel_join_thread()
        data_queue.close()
