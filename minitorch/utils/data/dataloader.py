"""``DataLoader``: iterate over a dataset in (shuffled) mini-batches, in worker processes or not.

For a map-style dataset the loader asks its index sampler (``batch_sampler``, or ``sampler``
when batching is off) for the next indices, fetches ``dataset[i]`` for each and merges the
samples with ``collate_fn``. For an iterable dataset the sampler yields placeholders and the
stream gives the next samples. The fetching itself is ``_fetch.py``.

``num_workers=0`` fetches in the calling process. ``num_workers > 0`` starts that many worker
processes, as PyTorch's ``DataLoader`` does (``_worker.py`` is their side)::

    main process                                   worker i (i = 0 .. num_workers - 1)
    sampler -> (task, indices) -> index_queue[i] -> fetch + collate
    __next__ <- reorder by task <- result_queue <- (task, batch or ExceptionWrapper)

Tasks go to the workers in turn, at most ``prefetch_factor * num_workers`` at a time, and the
batches come out in task order, so the batches are those of ``num_workers=0``, in the same
order. The iterator stops its workers when the pass ends, or when it is garbage-collected
after an early ``break`` or an exception; with ``persistent_workers=True`` the workers stay
for the next pass instead.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.context
import os
import queue
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from minitorch._random import Generator, generator_or_default
from minitorch.utils.data import _worker
from minitorch.utils.data._collate import default_collate, default_convert
from minitorch.utils.data._fetch import create_fetcher
from minitorch.utils.data._transport import PickledBatch, fd_socket_pair
from minitorch.utils.data._worker import get_worker_info
from minitorch.utils.data.dataset import Dataset, IterableDataset
from minitorch.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)


class _InfiniteConstantSampler(Sampler[None]):
    """The index sampler of an iterable dataset: ``None`` forever, each one "the next sample".

    Infinite even when the stream has a length: with workers, each worker's copy of the
    stream ends on its own, and the loader stops when all have.
    """

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


def _cpu_count() -> int | None:
    """CPUs this process may run on (``sched_getaffinity`` respects cgroups and taskset)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


class DataLoader(Generic[T_co]):
    """Batches of samples from ``dataset``, one pass per ``for`` loop.

    Args:
        dataset: a map-style :class:`Dataset` (``dataset[i]``) or an :class:`IterableDataset`.
        batch_size: samples per batch (default 1); None turns batching off.
        shuffle: visit the samples in a new random order every epoch.
        sampler: the order of indices (excludes ``shuffle``).
        batch_sampler: yields whole lists of indices (excludes ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers: worker processes that load batches; 0 loads in the calling process.
        collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
        pin_memory: a CUDA transfer hint; accepted with PyTorch's warning (minitorch has no GPU).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout: seconds to wait for a batch from the workers before a ``RuntimeError``
            (0: wait as long as the workers live).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker, after seeding.
        multiprocessing_context: how workers start: a start method (``"fork"``, ``"spawn"``,
            ``"forkserver"``) or a ``multiprocessing`` context; default, the platform's.
        generator: random generator for ``shuffle`` and the workers' base seed (default:
            minitorch's global one, so ``minitorch.manual_seed`` makes both repeatable).
        prefetch_factor: batches each worker loads ahead (default 2 with workers).
        persistent_workers: keep the workers between passes instead of starting new ones.
        pin_memory_device: deprecated in PyTorch; ignored with its warning.
        in_order: yield batches in sampler order (False: as soon as a worker has one).

    Example::

        >>> loader = DataLoader(train_data, batch_size=64, shuffle=True, num_workers=2)
        >>> for images, targets in loader:
        ...     loss = loss_fn(model(images), targets)
    """

    def __init__(
        self,
        dataset: Dataset[T_co],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler[list] | Iterable[list] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[T_co]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: str | multiprocessing.context.BaseContext | None = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            # PyTorch's message, missing space included
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._is_iterable = isinstance(dataset, IterableDataset)

        if self._is_iterable:
            if shuffle not in (False, None):
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                    f"shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, but got "
                    f"sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )

        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterator: _BaseDataLoaderIter | None = None  # the persistent workers' iterator
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self) -> multiprocessing.context.BaseContext | None:
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(
        self, context: str | multiprocessing.context.BaseContext | None
    ) -> None:
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading "
                    f"(num_workers > 0), but got num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        "multiprocessing_context option should specify a valid start method in "
                        f"{methods!r}, but got multiprocessing_context={context!r}"
                    )
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a "
                    f"string specifying the start method, but got multiprocessing_context={context}"
                )
        self._multiprocessing_context = context

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        """What the fetcher is given: lists of indices when batching, single indices when not."""
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self) -> _BaseDataLoaderIter:
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self) -> _BaseDataLoaderIter:
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        if self._is_iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return -(-length // self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self) -> None:
        """Warn, as PyTorch does, when there are more workers than CPUs to run them."""
        if not self.num_workers:
            return
        suggested = _cpu_count()
        if suggested is not None and self.num_workers <= suggested:
            return
        if suggested is None:
            suggestion = (
                "DataLoader is not able to compute a suggested max number of worker in current "
                "system."
            )
        else:
            cpuset = (
                "" if hasattr(os, "sched_getaffinity") else " (`cpuset` is not taken into account)"
            )
            suggestion = (
                f"Our suggested max number of worker in current system is {suggested}{cpuset}, "
                "which is smaller than what this DataLoader is going to create."
            )
        warnings.warn(
            f"This DataLoader will create {self.num_workers} worker processes in total. "
            f"{suggestion} Please be aware that excessive worker creation might get DataLoader "
            "running slow or even freeze, lower the worker number to avoid potential "
            "slowness/freeze if necessary.",
            stacklevel=2,
        )


class _BaseDataLoaderIter:
    """One pass over a loader: what both kinds of iterator share."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn(
                "pin_memory_device is deprecated, the current accelerator will be used as the "
                f"device,ignore pin_memory_device='{loader.pin_memory_device}'.",
                stacklevel=2,
            )
        if loader.pin_memory:
            # minitorch has no accelerator: pinning is a no-op, as in PyTorch on a CPU machine
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, then device "
                "pinned memory won't be used.",
                stacklevel=2,
            )
        self._sampler_iter = iter(self._index_sampler)
        # drawn every pass, with or without workers, so that both consume the generator alike
        # and a seeded shuffle gives the same order
        self._base_seed = int(generator_or_default(loader.generator).integers(0, 2**63))

    def __iter__(self) -> _BaseDataLoaderIter:
        return self

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)

    def _next_index(self) -> Any:
        return next(self._sampler_iter)  # may raise StopIteration

    def _next_data(self) -> Any:
        raise NotImplementedError

    def __next__(self) -> Any:
        return self._next_data()

    def __len__(self) -> int:
        return len(self._index_sampler)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    """``num_workers=0``: every batch is fetched in the calling process when asked for."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        self._dataset_fetcher = create_fetcher(
            self._is_iterable,
            self._dataset,
            self._auto_collation,
            self._collate_fn,
            self._drop_last,
        )

    def _next_data(self) -> Any:
        index = self._next_index()  # may raise StopIteration
        return self._dataset_fetcher.fetch(index)  # may raise StopIteration


class _WorkerProcesses:
    """One iterator's worker processes, their queues, and how to stop them.

    Kept apart from the iterator so that stopping needs nothing else: a ``weakref.finalize``
    on the iterator calls :meth:`shutdown` when the iterator is collected. An ``__del__`` on
    the iterator is not enough: an iterator caught in a reference cycle (a stored exception's
    traceback holds one) is collected together with its queues, multiprocessing stops their
    feeder threads first, and the workers never hear that they should exit.
    """

    def __init__(self, context: multiprocessing.context.BaseContext, persistent: bool) -> None:
        self.owner_pid = os.getpid()  # a forked child holds a copy of this object: not its own
        self.persistent = persistent
        self.result_queue = context.Queue()
        self.done_event = context.Event()
        self.index_queues: list[Any] = []
        self.fd_sockets: list[Any] = []  # the main process's ends; None without fd passing
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.taking_tasks: list[bool] = []  # per worker, this pass

    def start(self, context: multiprocessing.context.BaseContext, **settings: Any) -> None:
        """Start one more worker, running ``worker_loop`` with its queues and ``settings``."""
        index_queue = context.Queue()
        # the main process must never wait at exit to flush tasks nobody will read
        index_queue.cancel_join_thread()
        self.index_queues.append(index_queue)
        sockets = fd_socket_pair()
        main_end, worker_end = sockets if sockets is not None else (None, None)
        self.fd_sockets.append(main_end)
        self.taking_tasks.append(True)
        process = context.Process(
            target=_worker.worker_loop,
            kwargs={
                "index_queue": index_queue,
                "data_queue": self.result_queue,
                "done_event": self.done_event,
                "fd_socket": worker_end,
                **settings,
            },
            daemon=True,  # never outlive the main process
        )
        try:
            process.start()
        finally:
            if worker_end is not None:
                worker_end.close()  # the worker has its own copy now
        self.processes.append(process)

    def receive(self, timeout: float) -> Any:
        """The next ``(task_index, data)`` from any worker, a batch unpickled (queue.Empty if
        none came within ``timeout`` seconds)."""
        task_index, data = self.result_queue.get(timeout=timeout)
        if isinstance(data, PickledBatch):
            data = data.unpickle(self.fd_sockets[data.worker_id])
        return task_index, data

    def retire(self, worker_id: int) -> None:
        """Send the worker no more tasks this pass, and tell it to exit."""
        self.index_queues[worker_id].put(None)
        self.taking_tasks[worker_id] = False

    def shutdown(self) -> None:
        """Stop every worker: ask, wait a moment, then terminate those still running."""
        if _worker.python_exit_status or os.getpid() != self.owner_pid:
            return  # at interpreter exit multiprocessing itself ends the daemonic workers
        try:
            self.done_event.set()
            for worker_id in range(len(self.processes)):
                if self.persistent or self.taking_tasks[worker_id]:
                    self.retire(worker_id)
            for process in self.processes:
                process.join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)
            for index_queue in self.index_queues:
                index_queue.cancel_join_thread()
                index_queue.close()
            for fd_socket in self.fd_sockets:
                if fd_socket is not None:
                    fd_socket.close()  # descriptors still in it are closed with it
        finally:
            for process in self.processes:
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """``num_workers > 0``: worker processes fetch ahead; batches come back in task order.

    Bookkeeping, per pass: ``_send_idx`` numbers the next task sent, ``_rcvd_idx`` the next
    task to yield; ``_task_info[task]`` is ``(worker,)`` while the task is out and
    ``(worker, data)`` once its result came back ahead of its turn.
    """

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise AssertionError(
                "prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter"
            )
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._workers = _WorkerProcesses(context, self._persistent_workers)
        self._shutdown_workers = weakref.finalize(self, self._workers.shutdown)
        self._shutdown_workers.atexit = False  # multiprocessing ends daemonic workers at exit
        try:
            for worker_id in range(self._num_workers):
                self._workers.start(
                    context,
                    is_iterable=self._is_iterable,
                    dataset=self._dataset,
                    auto_collation=self._auto_collation,
                    collate_fn=self._collate_fn,
                    drop_last=self._drop_last,
                    base_seed=self._base_seed,
                    init_fn=loader.worker_init_fn,
                    worker_id=worker_id,
                    num_workers=self._num_workers,
                )
        except BaseException:
            self._shutdown_workers()
            raise
        # the same list: the workers' shutdown reads which workers still take tasks
        self._workers_status = self._workers.taking_tasks
        self._reset(loader, first_iter=True)

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, tuple] = {}
        self._workers_status[:] = [True] * self._num_workers  # still taking tasks this pass
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers: a new pass; results still in flight from an unfinished pass
            # arrive before the acknowledgements and are dropped
            for index_queue in self._workers.index_queues:
                index_queue.put(_worker._ResumeIteration())
            acknowledgements = 0
            while acknowledgements < self._num_workers:
                task_index, _ = self._get_data()
                if isinstance(task_index, _worker._ResumeIteration):
                    acknowledgements += 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_get_data(self, timeout: float | None = None) -> tuple[bool, Any]:
        """One result within ``timeout`` seconds (default: the status-check interval), if any;
        a worker that died meanwhile is a RuntimeError."""
        if timeout is None:
            timeout = _worker.MP_STATUS_CHECK_INTERVAL
        try:
            return True, self._workers.receive(timeout)
        except queue.Empty as empty:
            failed = []
            for worker_id, process in enumerate(self._workers.processes):
                if self._workers_status[worker_id] and not process.is_alive():
                    failed.append(process)
                    self._workers.retire(worker_id)
            if failed:
                pids = ", ".join(str(process.pid) for process in failed)
                raise RuntimeError(
                    f"DataLoader worker (pid(s) {pids}) exited unexpectedly"
                ) from empty
            return False, None

    def _get_data(self) -> Any:
        if self._timeout > 0:
            success, data = self._try_get_data(self._timeout)
            if success:
                return data
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        while True:
            success, data = self._try_get_data()
            if success:
                return data

    def _next_data(self) -> Any:
        while True:
            # skip tasks whose worker ran out of its iterable dataset before answering them
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    worker_id = info[0]
                    if len(info) == 2 or self._workers_status[worker_id]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:  # arrived earlier, out of turn
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            task_index, data = self._get_data()
            if isinstance(data, _worker._IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._workers.retire(data.worker_id)
                self._try_put_index()
                continue
            if task_index != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(task_index)[0]
                    return self._process_data(data, worker_id)
                self._task_info[task_index] += (data,)
            else:
                worker_id = self._task_info.pop(task_index)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self) -> None:
        """Send the sampler's next indices to the next worker still taking tasks."""
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_id] and (
                self._in_order
                or self._workers_num_tasks[worker_id] < max_tasks // sum(self._workers_status)
            ):
                break
        else:
            return  # every worker is done
        self._workers.index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._workers_num_tasks[worker_id] += 1
        self._send_idx += 1

    def _process_data(self, data: Any, worker_id: int) -> Any:
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data
