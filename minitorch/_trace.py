"""Recorders of the ops a piece of code runs, forward and backward: the mechanism under
:mod:`minitorch.profiler`, ``minitorch-explain`` and ``SummaryWriter.add_graph``.

A recorder plugs into a single slot, ``minitorch.autograd.function._tracer``, which
``Function.apply`` and the backward engine each check once per op: ``apply`` hands the op
to :meth:`Recorder.record_forward`, the engine each node to :meth:`Recorder.record_backward`,
and the recorder runs it. With no recorder active that check is all recording costs.
Recorders nest: the innermost one active records.

:class:`Trace`, the recorder ``minitorch-explain`` prints, keeps one row per op::

    tr = Trace(params=dict(model.named_parameters()))
    with tr:
        loss = loss_fn(model(images), targets)
        loss.backward()
    print(tr)

Each ``Function.apply`` becomes a *forward* row: the Function, the shapes and dtypes of its
tensor inputs and outputs, the kernel it calls (a Function that calls a Numba kernel names
it in its class attributes ``kernel`` and ``backward_kernel``; the others compute with
numpy) and the wall time. Each node the backward engine runs becomes a *backward* row:
the node (``ConvolutionBackward0``), the gradients it received (one per output of the
forward op), the gradients it passed on (one per input) and the time; ``AccumulateGrad``
rows show which parameter's ``.grad`` received the sum. A 0-d tensor or gradient shows its
value (``float32[]=0.5``); ``-`` is a gradient that does not exist.

:func:`saved_arrays` and :func:`node_attributes` read what a graph node keeps for its
backward (``minitorch-explain``'s memory section and ``viz.make_dot(show_saved=True,
show_attrs=True)`` show them).
"""

from __future__ import annotations

import os
import sys
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any

import numpy as np

from minitorch._tensor import Tensor
from minitorch.autograd import function as autograd_function
from minitorch.autograd.function import AccumulateGrad, BackwardNode, Function, Node

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_NO_KERNEL = "numpy"

TensorMeta = tuple[tuple[int, ...], str]  # (shape, dtype name); None where there is no tensor
Scalar = float | int | bool | None  # the value of a 0-d tensor; None for any other


@dataclass(frozen=True)
class Frame:
    """One line of Python source that led to an op: file, line and function name."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        return f"{_short_path(self.filename)}:{self.lineno} {self.function}"


@dataclass
class TraceEvent:
    """One recorded op.

    Forward: ``inputs``/``outputs`` describe the op's tensor arguments and results.
    Backward: ``inputs`` are the gradients w.r.t. the forward op's outputs (what the node
    received) and ``outputs`` the gradients w.r.t. its inputs (what it passed on).
    """

    index: int
    phase: str  # "forward" or "backward"
    name: str  # the Function (forward) or the graph node (backward)
    inputs: list[TensorMeta | None]
    outputs: list[TensorMeta | None] = field(default_factory=list)
    input_values: list[Scalar] = field(default_factory=list)  # per input: its value if 0-d
    output_values: list[Scalar] = field(default_factory=list)  # per output: its value if 0-d
    kernel: str = _NO_KERNEL
    seconds: float = 0.0
    function: type[Function] | None = None  # None for AccumulateGrad
    forward_index: int | None = None  # backward rows: the forward row that made this node
    parameter: str | None = None  # AccumulateGrad rows: whose .grad was filled
    stack: tuple[Frame, ...] = ()  # forward rows: the calls from user code down to apply


def _short_path(filename: str) -> str:
    """``minitorch/nn/functional.py`` for files of the package, the base name for others."""
    if filename.startswith(_PACKAGE_DIR + os.sep):
        return "minitorch/" + os.path.relpath(filename, _PACKAGE_DIR).replace(os.sep, "/")
    return os.path.basename(filename)


def _meta(value: Any) -> TensorMeta | None:
    if isinstance(value, Tensor):
        return tuple(value.shape), value.dtype.numpy_dtype.name
    if isinstance(value, np.ndarray):
        return tuple(value.shape), value.dtype.name
    return None


def _value(value: Any) -> Scalar:
    """The value of a 0-d tensor or array (what its row shows); None for anything else."""
    if isinstance(value, Tensor) and value.dim() == 0:
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return None


def _format_meta(meta: TensorMeta | None, value: Scalar = None) -> str:
    if meta is None:
        return "-"
    shape, dtype = meta
    described = f"{dtype}[{','.join(str(size) for size in shape)}]"
    return described if value is None else f"{described}={value:.4g}"


def _format_all(metas: list[TensorMeta | None], values: list[Scalar]) -> str:
    padded = values + [None] * (len(metas) - len(values))
    return " ".join(_format_meta(m, v) for m, v in zip(metas, padded, strict=True))


def _caller_stack(frame: FrameType | None, limit: int = 12) -> tuple[Frame, ...]:
    """The frames from ``frame`` outwards, up to and including the first outside minitorch."""
    frames: list[Frame] = []
    while frame is not None and len(frames) < limit:
        code = frame.f_code
        frames.append(Frame(code.co_filename, frame.f_lineno, code.co_qualname))
        if not code.co_filename.startswith(_PACKAGE_DIR + os.sep):
            break
        frame = frame.f_back
    return tuple(frames)


# ------------------------------------------------------------------ what a node keeps
# Attributes every BackwardNode has, set by Function.apply rather than by an op's forward.
_MACHINERY_ATTRIBUTES = frozenset({"needs_input_grad"})


def _arrays_in(name: str, value: Any) -> list[tuple[str, np.ndarray]]:
    """``(name, array)`` for ``value`` if it is an array (or a Tensor), or for each array in it
    if it is a tuple or list (``name[i]``); empty for anything else."""
    if isinstance(value, Tensor):
        return [(name, value.detach().numpy())]
    if isinstance(value, np.ndarray):
        return [(name, value)]
    if isinstance(value, (tuple, list)):
        return [pair for i, item in enumerate(value) for pair in _arrays_in(f"{name}[{i}]", item)]
    return []


def saved_arrays(node: Node) -> list[tuple[str, np.ndarray]]:
    """The arrays ``node`` holds for its backward, each with a name.

    ``saved[i]`` is the i-th argument forward gave ``ctx.save_for_backward``; an array that
    forward set as an attribute of ``ctx`` (a mask, the indices of a gather) is named after
    the attribute. Empty for ``AccumulateGrad`` and for a node whose backward has run (the
    engine frees what a node saved once it has used it, unless ``retain_graph=True``).
    """
    if not isinstance(node, BackwardNode):
        return []
    found = _arrays_in("saved", node._saved or ())
    for name, value in vars(node).items():
        if not name.startswith("_") and name not in _MACHINERY_ATTRIBUTES:
            found += _arrays_in(name, value)
    return found


def node_attributes(node: Node) -> dict[str, Any]:
    """What ``node``'s forward recorded besides arrays (strides, shapes, a reduction), by name.

    What forward passed to ``save_for_backward`` appears as ``saved[i]``, as do its attributes
    holding arrays, with the placeholder ``"[saved array]"`` (torchviz writes
    ``"[saved tensor]"``); :func:`saved_arrays` has the arrays themselves.
    """
    if not isinstance(node, BackwardNode):
        return {}
    attributes: dict[str, Any] = {}
    items = [(f"saved[{i}]", value) for i, value in enumerate(node._saved or ())]
    items += [
        (name, value)
        for name, value in vars(node).items()
        if not name.startswith("_") and name not in _MACHINERY_ATTRIBUTES
    ]
    for name, value in items:
        attributes[name] = "[saved array]" if _arrays_in(name, value) else value
    return attributes


class Recorder:
    """What plugs into the slot: ``with recorder:`` makes it the active one until the block ends.

    This base runs each op unrecorded; subclasses record what they need around the call.
    """

    def __init__(self) -> None:
        self._previous: list[Any] = []

    def __enter__(self) -> Recorder:
        self._previous.append(autograd_function._tracer)
        autograd_function._tracer = self
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        autograd_function._tracer = self._previous.pop()

    # ------------------------------------------------------------ the two hook points
    def record_forward(
        self, function: type[Function], apply: Callable[..., Any], args: tuple, kwargs: dict
    ) -> Any:
        """Run ``apply(*args, **kwargs)``: one op's forward (``Function.apply`` calls this)."""
        return apply(*args, **kwargs)

    def record_backward(
        self, node: Node, grads: list[np.ndarray | None], apply_node: Callable[..., tuple]
    ) -> tuple:
        """Run ``apply_node(node, grads)``: one step of the backward engine."""
        return apply_node(node, grads)


class Trace(Recorder):
    """The recorder of ``minitorch-explain``; ``events`` holds a :class:`TraceEvent` per op."""

    def __init__(self, params: Mapping[str, Tensor] | None = None):
        super().__init__()
        self.events: list[TraceEvent] = []
        self._param_names = {id(p): name for name, p in (params or {}).items()}
        self._made_by: weakref.WeakKeyDictionary[Node, int] = weakref.WeakKeyDictionary()

    def __enter__(self) -> Trace:
        super().__enter__()
        return self

    def record_forward(
        self, function: type[Function], apply: Callable[..., Any], args: tuple, kwargs: dict
    ) -> Any:
        """Run ``apply(*args, **kwargs)`` (an op's forward) and record it."""
        tensors = [a for a in args if isinstance(a, (Tensor, np.ndarray))]
        event = self._new_event(
            "forward",
            function.__name__,
            [_meta(a) for a in tensors],
            getattr(function, "kernel", None),
            function,
        )
        event.input_values = [_value(a) for a in tensors]
        # frame 0 is this method, 1 is Function.apply, 2 is whoever called the op
        event.stack = _caller_stack(sys._getframe(2))
        start = time.perf_counter()
        result = apply(*args, **kwargs)
        event.seconds = time.perf_counter() - start
        outputs = result if isinstance(result, tuple) else (result,)
        event.outputs = [_meta(o) for o in outputs]
        event.output_values = [_value(o) for o in outputs]
        node = next((o.grad_fn for o in outputs if o.grad_fn is not None), None)
        if node is not None:
            self._made_by[node] = event.index
        return result

    def record_backward(
        self,
        node: Node,
        grads: list[np.ndarray | None],
        apply_node: Callable[[Node, list], tuple],
    ) -> tuple:
        """Run ``apply_node(node, grads)`` (one step of the backward engine) and record it."""
        function = getattr(node, "_function", None)
        event = self._new_event(
            "backward",
            node.name(),
            [_meta(g) for g in grads],
            getattr(function, "backward_kernel", None),
            function,
        )
        event.input_values = [_value(g) for g in grads]
        event.forward_index = self._made_by.get(node)
        if isinstance(node, AccumulateGrad):
            event.parameter = self._param_names.get(id(node.variable))
        start = time.perf_counter()
        grad_inputs = apply_node(node, grads)
        event.seconds = time.perf_counter() - start
        event.outputs = [_meta(g) for g in grad_inputs]
        event.output_values = [_value(g) for g in grad_inputs]
        return grad_inputs

    def _new_event(
        self,
        phase: str,
        name: str,
        inputs: list[TensorMeta | None],
        kernel: str | None,
        function: type[Function] | None,
    ) -> TraceEvent:
        # appended before the op runs, so that ops it triggers (hooks) are listed after it
        event = TraceEvent(
            index=len(self.events) + 1,
            phase=phase,
            name=name,
            inputs=inputs,
            kernel=kernel or _NO_KERNEL,
            function=function,
        )
        self.events.append(event)
        return event

    # ------------------------------------------------------------ reading the record
    def forward_index_of(self, node: Node) -> int | None:
        """The ``index`` of the forward row whose op recorded ``node`` (None if not traced)."""
        return self._made_by.get(node)

    def names(self, phase: str | None = None) -> list[str]:
        """The ops' names in the order they ran (only ``phase``'s when given)."""
        return [e.name for e in self.events if phase is None or e.phase == phase]

    def total_seconds(self, phase: str) -> float:
        return sum(e.seconds for e in self.events if e.phase == phase)

    def table(self) -> str:
        """One line per op: #, phase, op, what went in, what came out, kernel, time."""
        header = ("#", "phase", "op", "inputs", "outputs", "kernel", "ms")
        rows = [header]
        for e in self.events:
            op = e.name if e.forward_index is None else f"{e.name} (of #{e.forward_index})"
            if e.phase == "forward":
                inputs = _format_all(e.inputs, e.input_values) or "-"
                outputs = _format_all(e.outputs, e.output_values)
            else:
                inputs = "grad " + _format_all(e.inputs, e.input_values)
                if e.name == "AccumulateGrad":
                    outputs = f"{e.parameter or 'leaf'}.grad"
                else:
                    outputs = "grad " + _format_all(e.outputs, e.output_values)
            ms = f"{e.seconds * 1e3:.3f}"
            rows.append((str(e.index), e.phase, op, inputs, outputs, e.kernel, ms))
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        right_aligned = {0, len(header) - 1}
        lines = [
            "  ".join(
                cell.rjust(w) if i in right_aligned else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        forward = [e for e in self.events if e.phase == "forward"]
        backward = [e for e in self.events if e.phase == "backward"]
        lines.append(
            f"forward: {len(forward)} ops, {self.total_seconds('forward') * 1e3:.3f} ms; "
            f"backward: {len(backward)} nodes, {self.total_seconds('backward') * 1e3:.3f} ms"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<minitorch trace of {len(self.events)} ops>"
