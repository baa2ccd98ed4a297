"""``SummaryWriter`` and ``FileWriter``, as in ``torch.utils.tensorboard.writer``.

A thin layer over the ``tensorboard`` package, as PyTorch's is: the summaries are
tensorboard's own protobuf messages (built in :mod:`minitorch.utils.tensorboard.summary`),
and tensorboard's ``EventFileWriter`` frames them into the event file and writes them from
a background thread. What minitorch adds is the reading of its tensors and the graph of a
minitorch model (:mod:`minitorch.utils.tensorboard._graph`).
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any

from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from minitorch.nn.modules.module import Module
from minitorch.utils.tensorboard._graph import graph
from minitorch.utils.tensorboard.summary import histogram, histogram_raw, image, scalar, text

__all__ = ["FileWriter", "SummaryWriter"]


class FileWriter:
    """Writes protobuf events to one event file in ``log_dir`` (tensorboard's
    ``EventFileWriter``: a new file on construction, written asynchronously, flushed every
    ``max_queue`` events or ``flush_secs`` seconds)."""

    def __init__(
        self,
        log_dir: str | os.PathLike,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ):
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        """The folder the event file is in."""
        return self.event_writer.get_logdir()

    def add_event(
        self, event: Event, step: int | None = None, walltime: float | None = None
    ) -> None:
        """Write ``event``, stamped with ``walltime`` (default: now) and ``step`` if given."""
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)  # a numpy or tensor step becomes the int protobuf takes
        self.event_writer.add_event(event)

    def add_summary(
        self, summary: Summary, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        """Write ``summary`` as one event."""
        self.add_event(event_pb2.Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_profile: tuple[GraphDef, Any], walltime: float | None = None) -> None:
        """Write a ``(GraphDef, RunMetadata)`` pair: the graph, then the run's step stats."""
        graph_def, step_stats = graph_profile
        self.add_event(event_pb2.Event(graph_def=graph_def.SerializeToString()), None, walltime)
        tagged = event_pb2.TaggedRunMetadata(
            tag="step1", run_metadata=step_stats.SerializeToString()
        )
        self.add_event(event_pb2.Event(tagged_run_metadata=tagged), None, walltime)

    def flush(self) -> None:
        """Write every pending event to disk."""
        self.event_writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.event_writer.close()


class SummaryWriter:
    """Writes scalars, pictures, histograms, text and model graphs to TensorBoard event files.

    The same calls as ``torch.utils.tensorboard.SummaryWriter``; ``tensorboard --logdir
    runs`` shows the result. Values may be Python or numpy numbers, numpy arrays, or minitorch
    (or PyTorch) tensors; a tensor that requires grad is logged as its value.

    Args:
        log_dir: the folder for the event files; default ``runs/<date>_<host><comment>``.
        comment: appended to the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: after a crash at step T+X and a restart at step T, pass T: TensorBoard
            then hides the events of the earlier run from step T on (same ``log_dir``).
        max_queue: events held before a write to disk.
        flush_secs: seconds between writes to disk.
        filename_suffix: appended to the event files' names.

    Example::

        with SummaryWriter("runs/demo") as writer:
            for step in range(100):
                writer.add_scalar("loss", 1 / (step + 1), step)
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ):
        if not log_dir:
            current_time = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", current_time + "_" + socket.gethostname() + comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        # The writers are dropped on close and made again by the next write.
        self.file_writer: FileWriter | None = None
        self.all_writers: dict[str, FileWriter] | None = None
        self._get_file_writer()
        # TensorBoard's default histogram buckets: +-1e-12 growing by 10% up to 1e20, and 0.
        v = 1e-12
        buckets, neg_buckets = [], []
        while v < 1e20:
            buckets.append(v)
            neg_buckets.append(-v)
            v *= 1.1
        self.default_bins = neg_buckets[::-1] + [0] + buckets

    def _get_file_writer(self) -> FileWriter:
        """The writer of the main event file, made again if closed."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(
                self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix
            )
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                # A restart marker: TensorBoard drops earlier events from this step on.
                step = self.purge_step
                self.file_writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(
                    Event(step=step, session_log=SessionLog(status=SessionLog.START))
                )
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str | os.PathLike:
        """The folder the event files are written to."""
        return self.log_dir

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number under ``tag``: a Python or numpy number, or a one-element array or
        tensor of any dtype. Stored as float32, so ``1e39`` becomes ``inf``, as in PyTorch.

        ``new_style`` stores it in the tensor field (``double_precision``: as a double).
        """
        summary = scalar(tag, scalar_value, new_style=new_style, double_precision=double_precision)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: dict[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers on one chart: each ``tag`` goes to its own run, the folder
        ``<log_dir>/<main_tag>_<tag>``, under the tag ``main_tag``."""
        walltime = time.time() if walltime is None else walltime
        fw_logdir = self._get_file_writer().get_logdir()
        assert self.all_writers is not None  # made by _get_file_writer
        for tag, scalar_value in tag_scalar_dict.items():
            fw_tag = fw_logdir + "/" + main_tag.replace("/", "_") + "_" + tag
            if fw_tag not in self.all_writers:
                self.all_writers[fw_tag] = FileWriter(
                    fw_tag, self.max_queue, self.flush_secs, self.filename_suffix
                )
            self.all_writers[fw_tag].add_summary(
                scalar(main_tag, scalar_value), global_step, walltime
            )

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the histogram of ``values`` (any shape); ``bins`` is ``"tensorflow"``
        (TensorBoard's default buckets) or anything ``numpy.histogram`` takes."""
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._get_file_writer().add_summary(
            histogram(tag, values, bins, max_bins=max_bins), global_step, walltime
        )

    def add_histogram_raw(
        self,
        tag: str,
        min: float,
        max: float,
        num: int,
        sum: float,
        sum_squares: float,
        bucket_limits: Any,
        bucket_counts: Any,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log a histogram already counted: ``bucket_counts[i]`` values up to
        ``bucket_limits[i]``, with the values' min, max, count, sum and sum of squares."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        summary = histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log one picture, laid out as ``dataformats`` (``"CHW"``, ``"HWC"``, ``"HW"``, ...)
        with 1, 3 or 4 channels: floats in [0, 1] or uint8 in [0, 255].

        Shape:
            img_tensor: ``(3, H, W)`` by default; ``minitorch.vision.utils.make_grid`` turns
            a batch into one such picture, or :meth:`add_images` tiles it.
        """
        self._get_file_writer().add_summary(
            image(tag, img_tensor, dataformats=dataformats), global_step, walltime
        )

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of pictures (``"NCHW"`` or ``"NHWC"``, ...) as one picture, 8 per row."""
        self._get_file_writer().add_summary(
            image(tag, img_tensor, dataformats=dataformats), global_step, walltime
        )

    def add_text(
        self,
        tag: str,
        text_string: str,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log a string (Markdown in TensorBoard's text tab) under ``tag``."""
        self._get_file_writer().add_summary(text(tag, text_string), global_step, walltime)

    def add_graph(
        self,
        model: Module,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Log the graph of ``model`` run once on ``input_to_model`` (a tensor, or a tuple or
        list of them), for TensorBoard's graph tab: the modules as nested name scopes, an
        op node per operation with its output shapes and dtype, the parameters it reads.

        ``verbose`` prints the graph; ``use_strict_trace=False`` lets the model return lists
        and dicts. The model runs in eval mode without autograd, then is left as it was.
        """
        self._get_file_writer().add_graph(graph(model, input_to_model, verbose, use_strict_trace))

    def flush(self) -> None:
        """Write every pending event of every event file to disk."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()

    def close(self) -> None:
        """Flush and close every event file; logging again starts new ones."""
        if self.all_writers is None:
            return  # closing twice is fine
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
