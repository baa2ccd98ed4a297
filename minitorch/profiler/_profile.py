"""``profile``, ``schedule``, ``record_function``: PyTorch's profiler API over the recorder.

The classes and their behaviour are PyTorch's (``torch/profiler/profiler.py``,
``torch/autograd/profiler.py``): ``profile`` starts recording on entry and stops on exit;
with a ``schedule`` each ``prof.step()`` asks it what the next step is (wait, warm up,
record, record and hand the trace to ``on_trace_ready``), and each step is a
``ProfilerStep#N`` event.
"""

from __future__ import annotations

import contextlib
import enum
import os
import socket
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from functools import partial
from types import TracebackType
from typing import Any

from minitorch.profiler._events import EventList
from minitorch.profiler._recorder import (
    _Recording,
    active_recording,
    install_hooks,
    remove_hooks,
)

__all__ = [
    "ProfilerAction",
    "ProfilerActivity",
    "profile",
    "record_function",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
]


class ProfilerActivity(enum.Enum):
    """What to profile: minitorch runs everything on the ``CPU``."""

    CPU = 0
    CUDA = 2


class ProfilerAction(enum.Enum):
    """What the profiler does during a step, as a ``schedule`` decides."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set[ProfilerActivity]:
    """The activities this build can profile: the CPU."""
    return {ProfilerActivity.CPU}


def schedule(
    *,
    wait: int,
    warmup: int,
    active: int,
    repeat: int = 0,
    skip_first: int = 0,
    skip_first_wait: int = 0,
) -> Callable[[int], ProfilerAction]:
    """PyTorch's schedule: skip ``skip_first`` steps, then cycles of ``wait`` steps unrecorded,
    ``warmup`` steps warming up and ``active`` steps recorded (the last one of which hands the
    trace to ``on_trace_ready``), ``repeat`` times (0: until profiling ends).
    ``skip_first_wait`` skips the first cycle's wait."""

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        if mod_step < num_steps - 1:
            return ProfilerAction.RECORD
        return ProfilerAction.RECORD_AND_SAVE

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
            f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
            f"skip_first={skip_first} (need >= 0)."
        )
    if warmup == 0:
        warnings.warn(
            "Profiler won't be using warmup, this can skew profiler results", stacklevel=2
        )
    return schedule_fn


def _record_every_step(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def tensorboard_trace_handler(
    dir_name: str, worker_name: str | None = None, use_gzip: bool = False
) -> Callable[[profile], None]:
    """An ``on_trace_ready`` that writes each trace into ``dir_name`` as
    ``<worker>.<ns>.pt.trace.json`` (``.gz`` with ``use_gzip``), PyTorch's layout."""

    def handler_fn(prof: profile) -> None:
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as error:
                raise RuntimeError("Can't create directory: " + dir_name) from error
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json"
        if use_gzip:
            file_name += ".gz"
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn


class record_function(contextlib.ContextDecorator):
    """Name a block (``with record_function("data"):``) or a function (as a decorator): while
    a profiler records, its time is one event of that name, the ops inside it nested in it."""

    def __init__(self, name: str, args: str | None = None):
        self.name = name
        self.args = args
        self._open: list[tuple[_Recording, Any] | None] = []

    def __enter__(self) -> record_function:
        recording = active_recording()
        if recording is None:
            self._open.append(None)
        else:
            self._open.append((recording, recording.begin_range(self.name, sys._getframe(1))))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        opened = self._open.pop()
        if opened is not None:
            recording, event = opened
            recording.end(event)


class profile:
    """Record what runs inside ``with profile() as prof:``; read it with ``prof.events()``,
    ``prof.key_averages().table(...)`` and ``prof.export_chrome_trace(path)``.

    ``record_shapes`` keeps each op's input shapes, ``profile_memory`` the bytes each event
    allocates (and, minitorch's own, ``events().peak_memory_usage`` and
    ``events().saved_tensors``),
    ``with_stack`` the Python stack of each op, ``with_flops`` shows the FLOPs column.
    ``schedule``/``on_trace_ready``/``step()`` profile some steps of a loop.
    """

    def __init__(
        self,
        *,
        activities: Iterable[ProfilerActivity] | None = None,
        schedule: Callable[[int], ProfilerAction] | None = None,
        on_trace_ready: Callable[..., Any] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
    ) -> None:
        self.activities = set(activities) if activities is not None else supported_activities()
        if not self.activities:
            raise AssertionError("No valid profiler activities found")
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.schedule = schedule if schedule is not None else _record_every_step
        self.record_steps = schedule is not None  # ProfilerStep#N events only with a schedule
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self._recording: _Recording | None = None
        self._recording_now = False
        self._finished: EventList | None = None
        self._step_range: record_function | None = None
        A = ProfilerAction
        prepare, start, stop, ready = (
            self.prepare_trace,
            self.start_trace,
            self.stop_trace,
            self._trace_ready,
        )
        self._action_map: dict[tuple[ProfilerAction, ProfilerAction | None], list] = {
            (A.NONE, A.NONE): [],
            (A.NONE, A.WARMUP): [prepare],
            (A.NONE, A.RECORD): [prepare, start],
            (A.NONE, A.RECORD_AND_SAVE): [prepare, start],
            (A.WARMUP, A.NONE): [
                partial(warnings.warn, "Incorrect schedule: WARMUP followed by NONE"),
                start,
                stop,
            ],
            (A.WARMUP, A.WARMUP): [],
            (A.WARMUP, A.RECORD): [start],
            (A.WARMUP, A.RECORD_AND_SAVE): [start],
            (A.RECORD, A.NONE): [
                partial(warnings.warn, "Incorrect schedule: RECORD followed by NONE"),
                stop,
            ],
            (A.RECORD, A.WARMUP): [
                partial(warnings.warn, "Incorrect schedule: RECORD followed by WARMUP"),
                stop,
            ],
            (A.RECORD, A.RECORD): [],
            (A.RECORD, A.RECORD_AND_SAVE): [],
            (A.RECORD_AND_SAVE, A.NONE): [stop, ready],
            (A.RECORD_AND_SAVE, A.WARMUP): [stop, ready, prepare],
            (A.RECORD_AND_SAVE, A.RECORD): [stop, ready, prepare, start],
            (A.RECORD_AND_SAVE, A.RECORD_AND_SAVE): [stop, ready, prepare, start],
            (A.NONE, None): [],
            (A.WARMUP, None): [start, stop],
            (A.RECORD, None): [stop, ready],
            (A.RECORD_AND_SAVE, None): [stop, ready],
        }

    # ------------------------------------------------------------------ running
    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Begin profiling (what ``with`` does on entry)."""
        self._transit_action(ProfilerAction.NONE, self.current_action)
        self._enter_step()

    def stop(self) -> None:
        """End profiling (what ``with`` does on exit)."""
        self._exit_step()
        self._transit_action(self.current_action, None)

    def step(self) -> None:
        """Tell the profiler that the next step of the loop begins (used with ``schedule``)."""
        self._exit_step()
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit_action(previous, self.current_action)
        self._enter_step()

    def _enter_step(self) -> None:
        if self.record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}")
            self._step_range.__enter__()

    def _exit_step(self) -> None:
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None

    def _transit_action(self, previous: ProfilerAction, current: ProfilerAction | None) -> None:
        for action in self._action_map.get((previous, current), []):
            action()

    def prepare_trace(self) -> None:
        """Get a new, empty recording ready."""
        if ProfilerActivity.CUDA in self.activities:
            warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=2)
        if ProfilerActivity.CPU not in self.activities:
            raise AssertionError("No activities specified for the profiler")
        self._recording = _Recording(
            self.record_shapes, self.profile_memory, self.with_stack, self.with_flops
        )

    def start_trace(self) -> None:
        """Make the recording the active recorder (the ops from now on are recorded)."""
        if self._recording is None or self._recording_now:
            return
        install_hooks()
        self._recording.__enter__()
        self._recording_now = True

    def stop_trace(self) -> None:
        """Stop recording; ``events()`` now returns what was recorded."""
        if self._recording is None or not self._recording_now:
            return
        self._recording.__exit__(None, None, None)
        self._recording.stop_watching_memory()
        remove_hooks()
        self._recording_now = False
        self._finished = self._recording.event_list()

    def _trace_ready(self) -> None:
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # ------------------------------------------------------------------ reading
    def events(self) -> EventList:
        """Every recorded event (:class:`FunctionEvent`), in the order they began."""
        if self._finished is None:
            if self._recording is None:
                raise AssertionError("Profiler must be initialized before accessing events")
            return self._recording.event_list()
        return self._finished

    def key_averages(
        self, group_by_input_shape: bool = False, group_by_stack_n: int = 0
    ) -> EventList:
        """The events added up per name (and per input shapes, with ``group_by_input_shape``
        and ``record_shapes``; per the top ``group_by_stack_n`` frames, with ``with_stack``)."""
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as a Chrome trace (JSON; gzipped for ``.gz``): open it in
        https://ui.perfetto.dev or ``chrome://tracing``."""
        self.events().export_chrome_trace(path)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write the stacks (``with_stack=True``) with ``metric`` for flame-graph tools."""
        self.events().export_stacks(path, metric)
