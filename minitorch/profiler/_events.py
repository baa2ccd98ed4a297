"""What the profiler recorded: events, their per-name averages, the table and the exports.

The classes and the table are PyTorch's (``torch/autograd/profiler_util.py``), so that a
script reading ``prof.events()`` or printing ``prof.key_averages().table(...)`` works and
looks the same on both: the same columns, widths, units and footer.

Times are in microseconds, as in PyTorch. An event's *total* includes the events nested in
it on its thread (its ``cpu_children``); its *self* time is the total less theirs. Memory
(``profile_memory=True``) is in bytes, the same way: ``cpu_memory_usage`` includes the
children's, ``self_cpu_memory_usage`` does not. minitorch adds, with ``profile_memory``,
the peak (``EventList.peak_memory_usage``) and what each backward node saved
(``EventList.saved_tensors``, a :class:`SavedTensors` per node).
"""

from __future__ import annotations

import gzip
import json
import math
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EventList",
    "FunctionEvent",
    "FunctionEventAvg",
    "Interval",
    "SavedTensors",
    "SavedTensorsList",
]

# PyTorch's RecordScope numbers for the kinds of events minitorch records
FUNCTION_SCOPE = 0  # a forward op, a kernel
BACKWARD_FUNCTION_SCOPE = 1  # a backward node's own computation
USER_SCOPE = 7  # record_function, the optimizer's step and zero_grad


class Interval:
    """A span of time, ``start`` and ``end`` in microseconds."""

    def __init__(self, start: float, end: float):
        self.start = start
        self.end = end

    def elapsed_us(self) -> float:
        return self.end - self.start


def _format_time(time_us: float) -> str:
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us: float, total_us: float) -> str:
    if total_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_us:.2f}%"


def _format_memory(nbytes: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


class _FormattedTimes:
    """The ``*_str`` spellings of the times and the average per call (``cpu_time``)."""

    count: int
    cpu_time_total: float
    self_cpu_time_total: float

    @property
    def cpu_time(self) -> float:
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def cpu_time_str(self) -> str:
        return _format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self) -> str:
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self) -> str:
        return _format_time(self.self_cpu_time_total)

    # minitorch runs on the CPU only: device times and memory are zero, as PyTorch reports
    # them on a machine without a GPU (so that ``sort_by="cuda_time_total"`` still works)
    device_time_total = 0.0
    self_device_time_total = 0.0
    device_memory_usage = 0
    self_device_memory_usage = 0

    @property
    def device_time(self) -> float:
        return 0.0


class FunctionEvent(_FormattedTimes):
    """One recorded span: an op, a backward node, a kernel, a compile, a ``record_function``.

    Attributes as in PyTorch: ``name``, ``thread`` (the OS thread id), ``time_range``,
    ``input_shapes`` (one list per argument, ``[]`` for a non-tensor; with
    ``record_shapes``), ``stack`` (``"file(line): function"``, innermost first; with
    ``with_stack``), ``scope``, ``sequence_nr`` (a forward op's and its backward node's
    events share it), ``cpu_memory_usage`` (bytes; with ``profile_memory``), ``flops``,
    ``cpu_parent`` and ``cpu_children``. minitorch adds ``category`` (the Chrome trace's
    ``cat``: ``cpu_op``, ``user_annotation``, ``kernel`` or ``compile``) and
    ``bytes_moved`` (a kernel's arrays read and written, each once: the least traffic it
    can do; None where unknown).
    """

    def __init__(
        self,
        id: int,
        name: str,
        thread: int,
        start_us: float,
        end_us: float,
        *,
        category: str = "cpu_op",
        input_shapes: list[list[int]] | None = None,
        stack: list[str] | None = None,
        scope: int = FUNCTION_SCOPE,
        sequence_nr: int = -1,
        is_user_annotation: bool = False,
    ):
        self.id = id
        self.name = name
        self.trace_name = name
        self.thread = thread
        self.time_range = Interval(start_us, end_us)
        self.category = category
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.stack = stack if stack is not None else []
        self.scope = scope
        self.sequence_nr = sequence_nr
        self.is_user_annotation = is_user_annotation
        self.cpu_memory_usage = 0
        self.flops = 0
        self.bytes_moved: int | None = None
        self.count = 1
        self.is_async = False
        self.node_id = -1
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None

    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:  # type: ignore[override]  # an average's is a sum
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self) -> float:  # type: ignore[override]
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:
        return self.cpu_memory_usage - sum(child.cpu_memory_usage for child in self.cpu_children)

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_str} "
            f"start_us={self.time_range.start} end_us={self.time_range.end} "
            f"cpu_children={[child.id for child in self.cpu_children]} thread={self.thread} "
            f"input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage} "
            f"seq_nr={self.sequence_nr}>"
        )


class FunctionEventAvg(_FormattedTimes):
    """The events of one key (name, and input shapes when grouped by them) added together."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.node_id = -1
        self.is_async = False
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.flops = 0
        self.input_shapes: Any = None
        self.stack: list[str] = []
        self.scope: int | None = None
        self.is_user_annotation = False
        self.cpu_parent: FunctionEvent | None = None
        self.cpu_children: list[FunctionEvent] = []

    def add(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        if self.key is None:  # the first event gives the group its fields
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.scope = other.scope
            self.is_user_annotation = other.is_user_annotation
            self.cpu_parent = other.cpu_parent
            self.cpu_children = other.cpu_children
        if other.key != self.key:
            raise AssertionError(f"Expected keys to match, but got {other.key} vs {self.key}")
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.count += other.count
        self.flops += other.flops
        return self

    __iadd__ = add

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
            f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes} "
            f"cpu_memory_usage={self.cpu_memory_usage}>"
        )


@dataclass
class SavedTensors:
    """What one backward node saved in forward (``ctx.save_for_backward``), and its fate.

    ``node`` is the node's name (``ConvolutionBackward0``) and ``sequence_nr`` its forward
    op's and its own events' number; ``shapes`` the saved arrays' shapes; ``nbytes`` the
    memory they keep alive (each storage once, views of an input included: saving a tensor
    keeps all of it). Under ``saved_tensors_hooks`` it is what ``pack_hook`` returned, where
    that is a tensor. ``saved_us`` is when forward saved them; ``released_us`` when backward
    let them go (None: not while profiling, e.g. with ``retain_graph=True``), and
    ``freed_bytes`` how much memory that returned (less than ``nbytes`` where another tensor
    still holds it).
    """

    node: str
    sequence_nr: int
    shapes: list[list[int]]
    nbytes: int
    saved_us: float
    released_us: float | None = None
    freed_bytes: int = 0


class SavedTensorsList(list):
    """The :class:`SavedTensors` of a profile, in forward order, with a ``table()``."""

    def table(self) -> str:
        """One line per node: what it saved, how much, and what releasing it freed."""
        header = ("Node", "Saved shapes", "Saved", "Released after", "Freed")
        rows = [header]
        start = min((record.saved_us for record in self), default=0.0)
        for record in self:
            released = (
                "-" if record.released_us is None else _format_time(record.released_us - start)
            )
            shapes = " ".join(str(shape).replace(" ", "") for shape in record.shapes)
            rows.append(
                (
                    record.node,
                    shapes,
                    _format_memory(record.nbytes),
                    released,
                    _format_memory(record.freed_bytes),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [
            "  ".join(
                cell.ljust(width) if i < 2 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        total = sum(record.nbytes for record in self)
        lines.append(f"Saved for backward: {_format_memory(total)} by {len(self)} nodes")
        return "\n".join(lines) + "\n"


@dataclass
class _MemorySummary:
    """What ``profile_memory`` saw besides the events' columns (see :class:`EventList`)."""

    # (time, thread, bytes): each allocation (> 0) and free (< 0) that profiling saw
    records: list[tuple[float, int, int]] = field(default_factory=list)
    peak: int = 0
    peak_event: str | None = None
    saved_tensors: SavedTensorsList = field(default_factory=SavedTensorsList)


class EventList(list):
    """A list of :class:`FunctionEvent` (or of :class:`FunctionEventAvg`) with PyTorch's
    ``table``, ``key_averages``, ``total_average`` and exports.

    With ``profile_memory``, minitorch adds ``peak_memory_usage``: the most memory, in
    bytes, that the profiled code held at once beyond what it started with (every array
    made while profiling, temporaries inside ops and kernels included; see
    :mod:`minitorch.profiler._recorder`), ``peak_memory_event``, the op or node during which
    that peak was reached, and ``saved_tensors``, what each backward node saved.
    """

    def __init__(
        self,
        events: Iterable[Any] = (),
        *,
        profile_memory: bool = False,
        with_flops: bool = False,
        record_shapes: bool = False,
        memory: _MemorySummary | None = None,
    ):
        super().__init__(events)
        self._profile_memory = profile_memory
        self._with_flops = with_flops
        self._record_shapes = record_shapes
        self._memory = memory if memory is not None else _MemorySummary()

    @property
    def peak_memory_usage(self) -> int:
        """The most bytes held at once while profiling, beyond what was held at its start."""
        return self._memory.peak

    @property
    def peak_memory_event(self) -> str | None:
        """The name of the op or node during which ``peak_memory_usage`` was reached."""
        return self._memory.peak_event

    @property
    def saved_tensors(self) -> SavedTensorsList:
        """What each backward node recorded while profiling saved, in forward order."""
        return self._memory.saved_tensors

    def _like(self, events: Iterable[Any]) -> EventList:
        return EventList(
            events,
            profile_memory=self._profile_memory,
            with_flops=self._with_flops,
            record_shapes=self._record_shapes,
            memory=self._memory,
        )

    @property
    def self_cpu_time_total(self) -> float:
        return sum(event.self_cpu_time_total for event in self)

    def __str__(self) -> str:
        return self.table()

    def key_averages(
        self, group_by_input_shapes: bool = False, group_by_stack_n: int = 0
    ) -> EventList:
        """One :class:`FunctionEventAvg` per name (and input shapes, and the first
        ``group_by_stack_n`` stack entries, when asked), in the order first seen."""
        stats: dict[tuple, FunctionEventAvg] = defaultdict(FunctionEventAvg)
        for event in self:
            key: tuple = (event.key,)
            if group_by_input_shapes:
                key += (str(event.input_shapes),)
            if group_by_stack_n > 0:
                key += tuple(event.stack[:group_by_stack_n])
            stats[key].add(event)
        averages = self._like(stats.values())
        for average in averages:
            average.stack = average.stack[:group_by_stack_n]
            if not group_by_input_shapes:
                average.input_shapes = ""
        return averages

    def total_average(self) -> FunctionEventAvg:
        """All events added together, under the key ``"Total"``."""
        total = FunctionEventAvg()
        for event in self:
            total.key = event.key  # add() checks keys; the total has none of its own
            total.add(event)
        total.key = "Total"
        return total

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_src_column_width: int = 75,
        max_name_column_width: int = 55,
        max_shapes_column_width: int = 80,
        header: str | None = None,
        top_level_events_only: bool = False,
        time_unit: str | None = None,
    ) -> str:
        """PyTorch's table: a row per event, sorted by the attribute ``sort_by``
        (``"cpu_time_total"``, ``"self_cpu_time_total"``, ``"cpu_memory_usage"``,
        ``"self_cpu_memory_usage"``, ``"count"``, ...; largest first), at most ``row_limit``
        rows, then ``Self CPU time total``. ``time_unit`` (``"s"``, ``"ms"``, ``"us"``)
        writes every time in that unit."""
        return _build_table(
            self,
            sort_by=sort_by,
            row_limit=row_limit,
            max_src_column_width=max_src_column_width,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width,
            header=header,
            profile_memory=self._profile_memory,
            with_flops=self._with_flops,
            top_level_events_only=top_level_events_only,
            time_unit=time_unit,
        )

    # ------------------------------------------------------------------ exports
    def chrome_trace(self) -> dict[str, Any]:
        """The events as a Chrome trace-event document (what :meth:`export_chrome_trace`
        writes): ``"traceEvents"`` holds a complete (``"ph": "X"``) event per span, ``ts``
        and ``dur`` in microseconds, arrows (``"fwdbwd"`` flows) from each forward op to its
        backward node, and with ``profile_memory`` a ``[memory]`` instant per allocation and
        free (``Bytes``, and ``Total Allocated`` by what profiling saw)."""
        pid = os.getpid()
        threads = sorted({event.thread for event in self})
        first = min((event.time_range.start for event in self), default=0.0)
        trace: list[dict[str, Any]] = [
            {
                "ph": "M",
                "name": "process_name",
                "pid": pid,
                "tid": 0,
                "ts": first,
                "args": {"name": "python"},
            }
        ]
        trace += [
            {
                "ph": "M",
                "name": "thread_name",
                "pid": pid,
                "tid": tid,
                "ts": first,
                "args": {"name": f"thread {tid} (python)"},
            }
            for tid in threads
        ]
        saved_by = {record.sequence_nr: record for record in self._memory.saved_tensors}
        backward_of = {
            event.sequence_nr: event
            for event in self
            if event.scope == BACKWARD_FUNCTION_SCOPE and event.sequence_nr >= 0
        }
        for event in self:
            args: dict[str, Any] = {"External id": event.id}
            if event.sequence_nr >= 0:
                args["Sequence number"] = event.sequence_nr
            if self._record_shapes and event.input_shapes:
                args["Input Dims"] = event.input_shapes
            if event.flops:
                args["flops"] = event.flops
            if event.bytes_moved is not None:
                args["bytes moved"] = event.bytes_moved
            saved = saved_by.get(event.sequence_nr)
            if saved is not None and event.scope == BACKWARD_FUNCTION_SCOPE:
                args["Saved bytes"] = saved.nbytes
                args["Saved shapes"] = saved.shapes
            start = event.time_range.start
            trace.append(
                {
                    "ph": "X",
                    "cat": event.category,
                    "name": event.trace_name,
                    "pid": pid,
                    "tid": event.thread,
                    "ts": start,
                    "dur": event.time_range.elapsed_us(),
                    "args": args,
                }
            )
            backward = backward_of.get(event.sequence_nr)
            if event.scope == FUNCTION_SCOPE and event.category == "cpu_op" and backward:
                flow = {"id": event.sequence_nr, "pid": pid, "cat": "fwdbwd", "name": "fwdbwd"}
                trace.append({"ph": "s", "tid": event.thread, "ts": start, **flow})
                end = backward.time_range.start
                trace.append({"ph": "f", "bp": "e", "tid": backward.thread, "ts": end, **flow})
        total = 0
        for when, thread, nbytes in sorted(self._memory.records):
            total += nbytes
            trace.append(
                {
                    "ph": "i",
                    "s": "t",
                    "cat": "cpu_instant_event",
                    "name": "[memory]",
                    "pid": pid,
                    "tid": thread,
                    "ts": when,
                    "args": {"Total Allocated": total, "Bytes": nbytes, "Device Type": 0},
                }
            )
        return {
            "schemaVersion": 1,
            "deviceProperties": [],
            "record_shapes": int(self._record_shapes),
            "profile_memory": int(self._profile_memory),
            "with_flops": int(self._with_flops),
            "displayTimeUnit": "ms",
            "traceEvents": trace,
        }

    def export_chrome_trace(self, path: str) -> None:
        """Write :meth:`chrome_trace` as JSON to ``path`` (gzipped when it ends in ``.gz``);
        open it in https://ui.perfetto.dev or ``chrome://tracing``."""
        document = self.chrome_trace()
        document["traceName"] = str(path)
        text = json.dumps(document)
        if str(path).endswith(".gz"):
            with gzip.open(path, "wt") as file:
                file.write(text)
        else:
            with open(path, "w") as file:
                file.write(text)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write each event's stack and ``metric`` (whole microseconds) in the
        ``frame;frame;frame value`` lines that flame-graph tools read (needs ``with_stack``)."""
        if metric not in ("self_cpu_time_total", "self_cuda_time_total"):
            raise ValueError(
                "metric should be one of: ['self_cpu_time_total', 'self_cuda_time_total']"
            )
        translate = str.maketrans(" ;\t\n", "____")
        with open(path, "w") as file:
            for event in self:
                value = int(getattr(event, metric.replace("cuda", "device")))
                if event.stack and value > 0:
                    frames = ";".join(entry.translate(translate) for entry in reversed(event.stack))
                    file.write(f"{frames} {value}\n")


def _build_table(
    events: EventList,
    sort_by: str | None,
    row_limit: int,
    max_src_column_width: int | None,
    max_name_column_width: int | None,
    max_shapes_column_width: int | None,
    header: str | None,
    profile_memory: bool,
    with_flops: bool,
    top_level_events_only: bool,
    time_unit: str | None,
) -> str:
    """PyTorch's ``_build_table``, for the CPU columns: the same headers, widths and order."""
    if len(events) == 0:
        return ""
    has_input_shapes = any(event.input_shapes for event in events)
    if sort_by is not None:
        attribute = sort_by.replace("cuda", "device").replace("xpu", "device")
        events = events._like(
            sorted(events, key=lambda event: getattr(event, attribute), reverse=True)
        )
    name_width = max(len(event.key) for event in events) + 4
    if max_name_column_width is not None:
        name_width = min(name_width, max_name_column_width)
    shapes_width = max(len(str(event.input_shapes)) for event in events) + 4
    if max_shapes_column_width is not None:
        shapes_width = min(shapes_width, max_shapes_column_width)
    stacks = [event.stack for event in events if event.stack]
    src_width = 0
    if stacks:
        src_width = max(len(entry) for stack in stacks for entry in stack) + 4
        if max_src_column_width is not None:
            src_width = min(src_width, max_src_column_width)

    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
    headers.append("# of Calls")
    widths = [name_width] + [12] * (len(headers) - 1)
    aligns = [">"] * len(headers)
    if has_input_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
        aligns.append(">")
    if stacks:
        headers.append("Source Location")
        widths.append(src_width)
        aligns.append("<")
    flops_scale, flops_header = 1.0, ""
    if with_flops:
        positive = [event.flops for event in events if event.flops > 0]
        if positive:
            flops_scale, flops_header = _flops_unit(min(positive))
            headers.append(f"Total {flops_header}")
            widths.append(12)
            aligns.append(">")
        else:
            with_flops = False
    row_format = "".join(f"{{: {a}{w}}}  " for a, w in zip(aligns, widths, strict=True))
    separator = "".join("-" * w + "  " for w in widths)
    line_length = sum(w + 2 for w in widths) - 2

    def timed(time_us: float) -> str:
        if time_unit == "s":
            return f"{time_us / 1e6:.3f}s"
        if time_unit == "ms":
            return f"{time_us / 1e3:.3f}ms"
        if time_unit == "us":
            return f"{time_us:.3f}us"
        return _format_time(time_us)

    def trim_path(path: str) -> str:
        if len(path) > src_width:
            path = path[len(path) - src_width :]
            if len(path) > 3:
                path = "..." + path[3:]
        return path

    total_self = sum(event.self_cpu_time_total for event in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_events_only and event.cpu_parent is not None:
            continue
        shown += 1
        name = event.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[: max_name_column_width - 3] + "..."
        row: list[Any] = [
            name,
            _format_time_share(event.self_cpu_time_total, total_self),
            timed(event.self_cpu_time_total),
            _format_time_share(event.cpu_time_total, total_self),
            timed(event.cpu_time_total),
            timed(event.cpu_time),
        ]
        if profile_memory:
            row += [
                _format_memory(event.cpu_memory_usage),
                _format_memory(event.self_cpu_memory_usage),
            ]
        row.append(event.count)
        if has_input_shapes:
            row.append(str(event.input_shapes)[:shapes_width])
        if stacks:
            row.append(trim_path(event.stack[0]) if event.stack else "")
        if with_flops:
            row.append("--" if event.flops <= 0 else f"{event.flops * flops_scale:8.3f}")
        lines.append(row_format.format(*row))
        if stacks:
            blank = [""] * (len(headers) - 1)
            for entry in event.stack[1:]:
                lines.append(row_format.format(*blank, trim_path(entry)))
            lines.append(row_format.format(*blank, ""))
    lines += [separator, f"Self CPU time total: {timed(total_self)}"]
    return "\n".join(lines) + "\n"


def _flops_unit(smallest: int) -> tuple[float, str]:
    """PyTorch's choice: the unit (FLOPs, KFLOPs, ...) that suits the smallest count."""
    units = ["FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs"]
    power = int(max(0.0, min(math.log10(smallest) / 3, len(units) - 1.0)))
    return 10.0 ** (-3 * power), units[power]
