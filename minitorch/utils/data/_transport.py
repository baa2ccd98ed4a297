"""How a batch travels from a worker process to the main process.

The worker pickles the batch itself (protocol 5), with the data of its arrays kept out of the
pickle. Small batches go through the result queue whole. A batch whose arrays hold more than
``SHARED_MEMORY_MIN_BYTES`` has them written into an anonymous in-memory file (``memfd``),
whose descriptor is handed to the main process over a socket. The main process reads the
arrays straight into their own memory, closes its descriptor and sends one byte back on the
socket: the worker may write its next batch into that file. PyTorch's workers pass their
tensors' memory likewise (its "file_descriptor" strategy); minitorch copies the data out
rather than keeping the file mapped, since each mapping would hold a descriptor for as long
as its batch lives.

Measured on the project's two cores, 240 pictures in batches of 16x3x224x224 float32 (9.6 MB):
through the pipe, one worker spent 1.4 to 2 times as long per picture as the main process
alone, and two workers were slower than none: the queue's feeder thread writing a batch into
the 64 KiB pipe takes the GIL back once per chunk from the thread decoding the next pictures,
and each batch is copied four times. Writing into a new file each time was no better: giving
a file 9.6 MB of fresh pages took 10 to 19 ms, against about 3 ms to write or read pages a
file already has. Hence the files are reused.

Pickling in the worker also means that a batch that cannot be pickled is an error the worker
reports, instead of a message the queue's feeder thread drops while the main process waits.
"""

from __future__ import annotations

import collections
import contextlib
import io
import os
import pickle
import socket
import tempfile
from multiprocessing.reduction import ForkingPickler
from typing import Any

__all__ = ["BatchSender", "PickledBatch", "fd_socket_pair"]

# Arrays smaller than this in all travel inside the message (the pipe holds 64 KiB at once).
SHARED_MEMORY_MIN_BYTES = 64 * 1024


def fd_socket_pair() -> tuple[socket.socket, socket.socket] | None:
    """The main process's and a worker's ends of the socket that carries file descriptors;
    None where descriptors cannot be sent (then every batch travels inside its message)."""
    if not hasattr(socket, "send_fds") or not hasattr(socket, "AF_UNIX"):
        return None
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


class PickledBatch:
    """A batch pickled in a worker, and where its arrays' data are.

    ``buffers`` holds that data when it travels in the message; otherwise it is in a file whose
    descriptor the worker sent on its socket just before this message, at ``spans`` (offset and
    length of each array's data).
    """

    def __init__(
        self,
        worker_id: int,
        payload: bytes,
        buffers: list[bytearray] | None,
        spans: list[tuple[int, int]],
    ) -> None:
        self.worker_id = worker_id
        self.payload = payload
        self.buffers = buffers
        self.spans = spans

    def unpickle(self, fd_socket: socket.socket | None) -> Any:
        """The batch, in the main process (``fd_socket``: the main end of the worker's socket)."""
        if self.buffers is not None:
            return pickle.loads(self.payload, buffers=self.buffers)
        assert fd_socket is not None, "a batch in shared memory came without a socket"
        _, fds, _, _ = socket.recv_fds(fd_socket, 1, 1)
        try:
            buffers = [bytearray(length) for _, length in self.spans]
            for (start, _), buffer in zip(self.spans, buffers, strict=True):
                _read_into(fds[0], memoryview(buffer), start)
        finally:
            os.close(fds[0])
        with contextlib.suppress(OSError):  # a worker that is gone took its files with it
            fd_socket.send(b"\0")  # done with the file: the worker may write into it again
        return pickle.loads(self.payload, buffers=buffers)


def _read_into(fd: int, buffer: memoryview, offset: int) -> None:
    while buffer:  # one call reads at most about 2 GB
        count = os.preadv(fd, [buffer], offset)
        if count == 0:
            raise EOFError("a DataLoader worker's shared batch ended early")
        buffer, offset = buffer[count:], offset + count


def _write_all(fd: int, data: memoryview, offset: int) -> None:
    while data:
        count = os.pwrite(fd, data, offset)
        data, offset = data[count:], offset + count


def _anonymous_file() -> int:
    """A descriptor of a file that has no name (so it can never be left behind)."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("minitorch-dataloader-batch", os.MFD_CLOEXEC)
    fd, path = tempfile.mkstemp(prefix="minitorch-dataloader-batch-")
    os.unlink(path)
    return fd


class BatchSender:
    """A worker's side: pickles its batches, and keeps the files that large ones travel in.

    The files whose batch the main process has not read yet are in ``in_flight``, oldest
    first; the main process answers each batch it read with one byte, in the same order.
    """

    def __init__(self, worker_id: int, fd_socket: socket.socket | None) -> None:
        self.worker_id = worker_id
        self.fd_socket = fd_socket
        self.free: list[tuple[int, int]] = []  # (descriptor, size) of files ready for reuse
        self.in_flight: collections.deque[tuple[int, int]] = collections.deque()

    def pickle(self, batch: Any) -> PickledBatch:
        """Pickle ``batch``; large array data goes to a file sent on the socket."""
        buffers: list[pickle.PickleBuffer] = []
        payload = io.BytesIO()
        # multiprocessing's pickler, which sends what its queues can; it takes arguments by
        # position: file, protocol, fix_imports, buffer_callback
        ForkingPickler(payload, 5, True, buffers.append).dump(batch)
        raws = [buffer.raw() for buffer in buffers]
        total = sum(raw.nbytes for raw in raws)
        if self.fd_socket is None or total < SHARED_MEMORY_MIN_BYTES:
            # writable copies: a batch's tensors may be changed in place
            return PickledBatch(
                self.worker_id, payload.getvalue(), [bytearray(r) for r in raws], []
            )
        spans, end = [], 0
        for raw in raws:
            spans.append((end, raw.nbytes))
            end += raw.nbytes
        fd = self._file_of(end)
        for (start, _), raw in zip(spans, raws, strict=True):
            _write_all(fd, raw, start)
        socket.send_fds(self.fd_socket, [b"\0"], [fd])
        return PickledBatch(self.worker_id, payload.getvalue(), None, spans)

    def _file_of(self, size: int) -> int:
        """A file of at least ``size`` bytes that no batch in flight uses; now in flight."""
        assert self.fd_socket is not None
        while True:  # the main process's answers so far, without waiting for more
            try:
                answers = self.fd_socket.recv(4096, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            if not answers:
                break  # the main process closed its end
            self.free.extend(self.in_flight.popleft() for _ in answers)
        if self.free:
            fd, capacity = max(self.free, key=lambda file: file[1])
            self.free.remove((fd, capacity))
        else:
            fd, capacity = _anonymous_file(), 0
        if capacity < size:
            os.ftruncate(fd, size)
            capacity = size
        self.in_flight.append((fd, capacity))
        return fd
