"""``explain(model, loss_fn, inputs, targets)``: one training step, op by op, with its memory.

The step is traced with :class:`minitorch._trace.Trace` (the recorder mechanism
:mod:`minitorch.profiler` is built on). Forward hooks on every module say which module ran
each op; the graph's nodes, read after forward and before backward frees them, say what
each op saved for backward; ``tracemalloc`` measures the step's peak.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import re
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from minitorch._storage import storage_array
from minitorch._tensor import Tensor
from minitorch._trace import Frame, Trace, TraceEvent, _format_meta, saved_arrays
from minitorch.autograd.engine import run_backward
from minitorch.autograd.function import AccumulateGrad, BackwardNode, Function, Node

__all__ = ["Explanation", "Layer", "Memory", "Row", "explain"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
TABLE_WIDTH = 120  # the default table fits a terminal this wide; ``wide=True`` has everything

WHY_BACKWARD_NEEDS_MEMORY = (
    "Why backward needs memory: an op's gradient is computed from what went into it. A "
    "convolution's weight gradient needs the convolution's input, ReLU's gradient needs to "
    "know where its input was positive, max pooling's needs where each maximum was. So "
    "forward keeps these arrays in the graph's nodes (ctx.save_for_backward) until backward "
    "has used them; backward frees each node's arrays once it has run. That memory grows "
    "with the batch, while the parameters, gradients and optimizer state do not: it is why "
    "a batch that fits for prediction (under minitorch.no_grad(), where no graph is kept) "
    "can run out of memory in training."
)


# ------------------------------------------------------------------ what the result holds
@dataclass(frozen=True)
class Row:
    """One op of the step: a row of :meth:`Explanation.table`.

    Fields:
        index: the row's number (``#``), in the order the ops ran.
        phase: ``"forward"`` (the model and the loss), ``"backward"`` (a node the backward
            engine ran, or an op a tensor hook ran during backward) or ``"optimizer"``
            (an op of ``optimizer.step()``).
        op: the Function (``Convolution``) or the graph node (``ConvolutionBackward0``,
            ``AccumulateGrad``).
        layer: the module that ran the op (its name in ``named_modules()``, the model's
            class name for ops its own ``forward`` runs, ``"loss_fn"`` for the loss); a
            backward node's is its forward op's, an ``AccumulateGrad``'s the parameter's
            module; None for the optimizer's ops.
        forward_index: backward rows: the ``index`` of the forward row whose node this is.
        inputs: forward: each tensor argument, ``float32[4,3,32,32]``; backward: each
            gradient the node received. A 0-d one shows its value (``float32[]=1``);
            ``-`` is a gradient that does not exist.
        outputs: forward: each result; backward: each gradient passed on, one per input of
            the forward op.
        parameter: ``AccumulateGrad`` rows: the parameter whose ``.grad`` received the sum.
        kernel: the Numba kernel the op called (``minitorch.kernels.conv.conv2d_forward``),
            or ``numpy``.
        saved_bytes: forward rows: the bytes the op's node keeps for backward that no
            earlier row's node keeps already (parameters not counted); 0 for other rows.
        ms: wall time in milliseconds.
    """

    index: int
    phase: str
    op: str
    layer: str | None
    forward_index: int | None
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    parameter: str | None
    kernel: str
    saved_bytes: int
    ms: float

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict (for a DataFrame: ``pd.DataFrame(r.as_dict() for r in rows)``)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Layer:
    """A module that ran forward ops: which rows, and what it kept for backward.

    ``name`` as in :attr:`Row.layer`; ``module`` its repr; ``forward`` and ``backward`` the
    ``index`` of its forward rows and of the backward rows that undid them; ``saved_bytes``
    what its ops keep for backward (:attr:`Row.saved_bytes` summed) and ``saved`` those
    arrays, ``float32[4,32,32,32]``.
    """

    name: str
    module: str
    forward: tuple[int, ...]
    backward: tuple[int, ...]
    saved_bytes: int
    saved: tuple[str, ...]


@dataclass(frozen=True)
class Memory:
    """The memory of one training step, in bytes.

    Fields:
        parameters: the model's parameters (each shared one once).
        gradients: their ``.grad`` after backward.
        optimizer_state: the tensors in ``optimizer.state`` after the step (SGD's momentum
            buffers when ``momentum`` is not 0; Adam's two averages); 0 without optimizer.
        optimizer: what that state is, in words.
        activations: layer name -> bytes its ops saved for backward, in forward order
            (:attr:`Layer.saved_bytes`); read from the graph's nodes after forward.
        peak: the most memory the whole step (forward, loss, backward, update) held at
            once beyond what was allocated when it began, as Python's ``tracemalloc``
            counts it: every numpy array and Python object, not memory Numba allocates
            inside a kernel. Measured on a step of its own, after the traced one, since
            tracing slows every allocation. It includes the kernels' work buffers (a
            convolution's im2col buffer, one per thread), so it varies with
            ``minitorch.set_num_threads``.
    """

    parameters: int
    gradients: int
    optimizer_state: int
    optimizer: str
    activations: dict[str, int]
    peak: int

    @property
    def activations_total(self) -> int:
        return sum(self.activations.values())

    def table(self, layers: Sequence[Layer] = ()) -> str:
        """The section ``minitorch-explain`` prints, with each layer's saved arrays."""
        saved = {layer.name: layer.saved for layer in layers}
        rows = [
            ("parameters", self.parameters, ""),
            ("gradients (.grad)", self.gradients, ""),
            ("optimizer state", self.optimizer_state, self.optimizer),
            ("activations saved for backward", self.activations_total, "by layer:"),
        ]
        lines = ["Memory of the step (1 KiB = 1024 bytes)"]
        lines += [
            f"  {label:<32} {format_bytes(size):>10}  {note}".rstrip() for label, size, note in rows
        ]
        width = max((len(name) for name in self.activations), default=0)
        for name, size in self.activations.items():
            arrays = " ".join(saved.get(name, ()))
            line = f"    {name:<{width}}  {format_bytes(size):>10}  {arrays}".rstrip()
            lines.append(_cut(line, TABLE_WIDTH))
        lines.append(
            f"  {'peak during the step':<32} {format_bytes(self.peak):>10}  "
            "beyond what existed before it (tracemalloc, on an untraced step)"
        )
        return "\n".join([*lines, "", *_wrap(WHY_BACKWARD_NEEDS_MEMORY, TABLE_WIDTH)])

    def __str__(self) -> str:
        return self.table()


class Explanation:
    """What :func:`explain` found: ``print(result)`` shows it all.

    Attributes: ``rows`` (one :class:`Row` per op), ``layers`` (one :class:`Layer` per
    module that ran ops), ``memory`` (:class:`Memory`), ``loss`` (the traced step's loss,
    a 0-d Tensor; ``viz.make_dot(result.loss)`` draws its graph) and ``trace`` (the
    :class:`minitorch._trace.Trace` recorded).
    """

    def __init__(
        self,
        rows: list[Row],
        layers: list[Layer],
        memory: Memory,
        loss: Tensor,
        trace: Trace,
        input_shape: tuple[int, ...],
        model_name: str,
        optimizer: Any,
        warmed_up: bool,
    ):
        self.rows = rows
        self.layers = layers
        self.memory = memory
        self.loss = loss
        self.trace = trace
        self.input_shape = input_shape
        self.model_name = model_name
        self._optimizer = optimizer
        self._warmed_up = warmed_up

    def table(self, wide: bool = False) -> str:
        """One line per op. Default: what fits 120 columns (#, phase, op, layer, what each op
        made or passed on, bytes saved, ms); ``wide``: every field, kernels included."""
        header: tuple[str, ...]
        cells: list[tuple[str, ...]]
        if wide:
            header = ("#", "phase", "op", "layer", "inputs", "outputs", "kernel", "saved", "ms")
            cells = [
                (*self._lead(row), " ".join(row.inputs) or "-", self._outputs(row), row.kernel)
                + self._tail(row)
                for row in self.rows
            ]
            return _layout(header, cells, right={0, 7, 8}, limit=None) + "\n" + self._footer()
        header = ("#", "phase", "op", "layer", "made / passed on", "saved", "ms")
        cells = [
            (*self._lead(row), _FLOAT32.sub("[", self._made(row)), *self._tail(row))
            for row in self.rows
        ]
        table = _layout(header, cells, right={0, 5, 6}, limit=TABLE_WIDTH, shrink=(4, 3, 2))
        note = "shapes without a dtype are float32; --wide / table(wide=True): inputs, kernels"
        return f"{table}\n{self._footer()}\n({note})"

    def report(self, wide: bool = False, title: str | None = None) -> str:
        """The table, the layers, where each op's code is, and the memory section."""
        shape = "x".join(str(size) for size in self.input_shape)
        title = title or f"One training step of {self.model_name}"
        return "\n".join(
            [
                f"{title}: input {shape}, loss {self.loss.item():.4f}",
                *(
                    ["(after one untraced step, so that Numba's compilation is not in the times)"]
                    if self._warmed_up
                    else []
                ),
                "",
                self.table(wide),
                "",
                "Layers: the forward ops each module ran, and the backward nodes that undid them",
                *describe_layers(self.layers, self.rows),
                "",
                "Where the code is (file:line function; open the file at that line)",
                *describe_sources(self.trace, self._optimizer),
                "",
                self.memory.table(self.layers),
            ]
        )

    def __str__(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        count = {phase: sum(r.phase == phase for r in self.rows) for phase in _PHASES}
        return (
            f"<Explanation of one training step of {self.model_name}: "
            f"{count['forward']} forward ops, {count['backward']} backward rows, "
            f"{count['optimizer']} optimizer ops; loss {self.loss.item():.4f}>"
        )

    # ------------------------------------------------------------ table cells
    @staticmethod
    def _lead(row: Row) -> tuple[str, str, str, str]:
        op = row.op if row.forward_index is None else f"{row.op} (of #{row.forward_index})"
        return str(row.index), row.phase, op, row.layer or "-"

    @staticmethod
    def _tail(row: Row) -> tuple[str, str]:
        return (format_bytes(row.saved_bytes) if row.saved_bytes else ""), f"{row.ms:.3f}"

    @staticmethod
    def _outputs(row: Row) -> str:
        if row.op == "AccumulateGrad":
            return f"{row.parameter or 'leaf'}.grad"
        return " ".join(row.outputs)

    @classmethod
    def _made(cls, row: Row) -> str:
        """Forward: the results; backward: the gradients passed on, after the gradient it
        received when that is 0-d (the loss's, 1): it appears in no forward row."""
        made = cls._outputs(row)
        if row.phase == "backward" and row.forward_index is not None:
            scalars = [g for g in row.inputs if "[]=" in g]
            if scalars:
                return f"{' '.join(scalars)} -> {made}"
        return made

    def _footer(self) -> str:
        parts = []
        for phase, noun in zip(_PHASES, ("ops", "rows", "ops"), strict=True):
            rows = [r for r in self.rows if r.phase == phase]
            parts.append(f"{phase}: {len(rows)} {noun}, {sum(r.ms for r in rows):.3f} ms")
        return "; ".join(parts)


_PHASES = ("forward", "backward", "optimizer")
_FLOAT32 = re.compile(r"\bfloat32\[")


# ------------------------------------------------------------------ explain()
def explain(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    inputs: Any,
    targets: Any,
    optimizer: Any = None,
    *,
    warmup: bool = True,
) -> Explanation:
    """Run and record one training step of ``model``: every op, its module, its memory.

    Args:
        model: a ``minitorch.nn.Module``; ``model(inputs)`` is the forward pass.
        loss_fn: ``loss_fn(model(inputs), targets)`` is the loss (a Module or a function).
        inputs: the batch, e.g. a ``(N, C, H, W)`` Tensor; targets: what ``loss_fn`` takes.
        optimizer: when given, the step ends with ``optimizer.step()`` (its ops are the
            ``"optimizer"`` rows, its state is in the memory section) and begins with
            ``optimizer.zero_grad()``; without one the parameters' ``.grad`` are set to None
            before backward, as ``zero_grad()`` does, and no update is made.
        warmup: first run one untraced step, so that Numba's compilation is not in the
            times.

    The step runs two or three times (warm-up, traced, and one under ``tracemalloc`` for
    the peak): with an optimizer the weights are updated each time. Afterwards the
    parameters' ``.grad`` hold the last step's gradients.

    Returns:
        an :class:`Explanation`: ``print(result)`` shows the table, the layers, the source
        lines and the memory; ``result.rows``, ``result.layers`` and ``result.memory`` hold
        the same as data.
    """
    params = dict(model.named_parameters())
    if warmup:
        _step(model, loss_fn, inputs, targets, optimizer)
    tracer = Trace(params=params)
    marks: dict[str, int] = {}
    with tracer:
        with _module_spans(model, tracer) as spans:
            outputs = model(inputs)
        marks["model"] = len(tracer.events)
        loss = loss_fn(outputs, targets)
        marks["forward"] = len(tracer.events)
        saved = _saved_by_row(loss, tracer, params)  # now: backward frees what nodes saved
        _zero_grad(model, optimizer)
        marks["backward_start"] = len(tracer.events)
        loss.backward()
        marks["backward_end"] = len(tracer.events)
        if optimizer is not None:
            optimizer.step()
    gradients = sum(_nbytes(p.grad) for p in _unique(params.values()) if p.grad is not None)
    state_bytes, state_words = _optimizer_state(optimizer)
    peak = _peak_bytes(lambda: _step(model, loss_fn, inputs, targets, optimizer))

    layer_of = _layers_of_rows(tracer, spans, marks, type(model).__name__)
    rows = [_row(event, layer_of, saved, marks) for event in tracer.events]
    layers = _layers(rows, spans, saved, type(model).__name__, loss_fn)
    memory = Memory(
        parameters=sum(_nbytes(p) for p in _unique(params.values())),
        gradients=gradients,
        optimizer_state=state_bytes,
        optimizer=state_words,
        activations={layer.name: layer.saved_bytes for layer in layers if layer.saved_bytes},
        peak=peak,
    )
    shape = tuple(inputs.shape) if isinstance(inputs, Tensor) else ()
    return Explanation(
        rows, layers, memory, loss, tracer, shape, type(model).__name__, optimizer, warmup
    )


def _step(model: Any, loss_fn: Any, inputs: Any, targets: Any, optimizer: Any) -> None:
    """The course's step: forward, loss, zero the gradients, backward, update."""
    loss = loss_fn(model(inputs), targets)
    _zero_grad(model, optimizer)
    loss.backward()
    if optimizer is not None:
        optimizer.step()


def _zero_grad(model: Any, optimizer: Any) -> None:
    if optimizer is not None:
        optimizer.zero_grad()
    else:
        for parameter in model.parameters():
            parameter.grad = None


def _unique(tensors: Any) -> list[Tensor]:
    seen: dict[int, Tensor] = {}
    for tensor in tensors:
        seen.setdefault(id(tensor), tensor)
    return list(seen.values())


def _nbytes(tensor: Tensor) -> int:
    return tensor.numel() * tensor.element_size()


def _optimizer_state(optimizer: Any) -> tuple[int, str]:
    """The bytes of the tensors in ``optimizer.state``, and what they are in words."""
    if optimizer is None:
        return 0, "no optimizer given"
    name = type(optimizer).__name__
    total, kinds = 0, set()
    for state in optimizer.state.values():
        for key, value in state.items():
            if isinstance(value, Tensor) and value.dim() > 0:
                total += _nbytes(value)
                kinds.add(key)
    if kinds:
        return total, f"{name}: {', '.join(sorted(kinds))}, one per parameter"
    if name == "SGD":
        return 0, "none: SGD keeps a buffer per parameter only with momentum > 0"
    return 0, f"{name} keeps none"


def _peak_bytes(step: Callable[[], None]) -> int:
    """The most memory ``step()`` held at once beyond what existed when it began."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        return max(tracemalloc.get_traced_memory()[1] - before, 0)
    finally:
        if started:
            tracemalloc.stop()


# ------------------------------------------------------------------ modules and memory
@dataclass
class _Span:
    """One call of a module: its name and the trace rows (0-based) made inside it."""

    name: str
    module: Any
    start: int
    stop: int = -1


@contextmanager
def _module_spans(model: Any, tracer: Trace) -> Iterator[list[_Span]]:
    """Forward hooks on every module of ``model`` while the block runs; the spans they saw."""
    spans: list[_Span] = []
    open_spans: list[_Span] = []
    handles = []

    def enter(name: str) -> Callable:
        def hook(module: Any, args: tuple) -> None:
            open_spans.append(_Span(name, module, len(tracer.events)))

        return hook

    def leave(module: Any, args: tuple, output: Any) -> None:
        span = open_spans.pop()
        span.stop = len(tracer.events)
        spans.append(span)

    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(enter(name)))
        handles.append(module.register_forward_hook(leave, always_call=True))
    try:
        yield spans
    finally:
        for handle in handles:
            handle.remove()


def _layers_of_rows(
    tracer: Trace, spans: list[_Span], marks: dict[str, int], model_name: str
) -> dict[int, str | None]:
    """Row index (1-based) -> the module that ran it (see :attr:`Row.layer`)."""
    layer_of: dict[int, str | None] = {}
    for position, event in enumerate(tracer.events):
        if position < marks["model"]:
            # the innermost call containing the op: the shortest span, the first to finish
            containing = [s for s in spans if s.start <= position < s.stop]
            best = min(containing, key=lambda s: s.stop - s.start, default=None)
            layer_of[event.index] = (best.name or model_name) if best else model_name
        elif position < marks["forward"]:
            layer_of[event.index] = "loss_fn"
        elif event.forward_index is not None:
            layer_of[event.index] = layer_of.get(event.forward_index)
        elif event.parameter is not None:
            owner = event.parameter.rpartition(".")[0]
            layer_of[event.index] = owner or model_name
        else:
            layer_of[event.index] = None
    return layer_of


@dataclass
class _Saved:
    """What one forward row's node keeps for backward, beyond what earlier rows keep."""

    nbytes: int
    arrays: list[str]


def _saved_by_row(loss: Tensor, tracer: Trace, params: dict[str, Tensor]) -> dict[int, _Saved]:
    """Forward row index -> the memory its node keeps for backward, read from the graph.

    Each array is counted by the memory it lives in (a view of an activation costs
    nothing more), once, for the first row that keeps it; the parameters' memory, which
    the model holds anyway, is not counted.
    """
    counted = {id(storage_array(p.detach().numpy())) for p in params.values()}
    nodes: dict[int, Node] = {}
    stack: list[Node] = [loss.grad_fn] if loss.grad_fn is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        index = tracer.forward_index_of(node)
        if index is not None and isinstance(node, BackwardNode):
            nodes[index] = node
        stack.extend(child for child, _ in node.next_functions if child is not None)
    saved: dict[int, _Saved] = {}
    for index in sorted(nodes):
        entry = _Saved(0, [])
        for _, array in saved_arrays(nodes[index]):
            root = storage_array(array)
            if id(root) in counted:
                continue
            counted.add(id(root))
            entry.nbytes += root.nbytes
            entry.arrays.append(_format_meta((tuple(array.shape), array.dtype.name)))
        saved[index] = entry
    return saved


def _row(
    event: TraceEvent, layer_of: dict[int, str | None], saved: dict[int, _Saved], marks: dict
) -> Row:
    phase = event.phase
    position = event.index - 1
    in_backward = marks["backward_start"] <= position < marks["backward_end"]
    if phase == "forward" and position >= marks["forward"]:
        phase = "backward" if in_backward else "optimizer"
    return Row(
        index=event.index,
        phase=phase,
        op=event.name,
        layer=layer_of.get(event.index),
        forward_index=event.forward_index,
        inputs=tuple(_described(event.inputs, event.input_values)),
        outputs=tuple(_described(event.outputs, event.output_values)),
        parameter=event.parameter,
        kernel=event.kernel,
        saved_bytes=saved[event.index].nbytes if event.index in saved else 0,
        ms=event.seconds * 1e3,
    )


def _described(metas: list, values: list) -> list[str]:
    padded = values + [None] * (len(metas) - len(values))
    return [_format_meta(meta, value) for meta, value in zip(metas, padded, strict=True)]


def _layers(
    rows: list[Row], spans: list[_Span], saved: dict[int, _Saved], model_name: str, loss_fn: Any
) -> list[Layer]:
    modules = {span.name or model_name: span.module for span in spans}
    modules["loss_fn"] = loss_fn
    undone_by: dict[int, list[int]] = {}
    for row in rows:
        if row.forward_index is not None:
            undone_by.setdefault(row.forward_index, []).append(row.index)
    order: dict[str, list[Row]] = {}
    for row in rows:
        if row.phase == "forward" and row.layer is not None:
            order.setdefault(row.layer, []).append(row)
    layers = []
    for name, own in order.items():
        layers.append(
            Layer(
                name=name,
                module=_describe_module(modules.get(name)),
                forward=tuple(r.index for r in own),
                backward=tuple(i for r in own for i in undone_by.get(r.index, [])),
                saved_bytes=sum(saved[r.index].nbytes for r in own if r.index in saved),
                saved=tuple(a for r in own if r.index in saved for a in saved[r.index].arrays),
            )
        )
    return layers


def _describe_module(module: Any) -> str:
    """A leaf module's repr (``Conv2d(3, 32, ...)``); a container's or a function's name."""
    if not hasattr(module, "children"):
        return getattr(module, "__qualname__", type(module).__name__)
    return type(module).__name__ if list(module.children()) else repr(module)


# ------------------------------------------------------------------ the report's text
def format_bytes(size: int) -> str:
    """``512 B``, ``48.0 KiB``, ``1.4 MiB``, ``2.1 GiB``."""
    if size < 1024:
        return f"{size} B"
    scaled = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GiB":
            return f"{scaled:.1f} {unit}"
    raise AssertionError("unreachable")


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` in the middle, so that both ends stay: ``0.a_rat...a_layer``."""
    if len(text) <= width:
        return text
    keep = max(width - 3, 2)
    head = (keep + 1) // 2
    return text[:head] + "..." + text[len(text) - (keep - head) :]


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def _layout(
    header: tuple[str, ...],
    cells: Sequence[tuple[str, ...]],
    right: set[int],
    limit: int | None,
    shrink: tuple[int, ...] = (),
) -> str:
    """Columns two spaces apart; over ``limit``, the ``shrink`` columns are cut, in turn."""
    rows = [header, *cells]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    if limit is not None:
        floors = {2: 24, 3: 12, 4: 24}  # op, layer, shapes: what stays readable
        excess = sum(widths) + 2 * (len(widths) - 1) - limit
        for column in shrink:
            if excess <= 0:
                break
            cut = min(excess, max(widths[column] - floors.get(column, 12), 0))
            widths[column] -= cut
            excess -= cut
        rows = [tuple(_cut(cell, widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines = [
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return "\n".join(lines)


def describe_layers(layers: Sequence[Layer], rows: Sequence[Row]) -> list[str]:
    """Each module: its repr, its forward rows, and the backward rows that undid them."""
    names = {row.index: row.op for row in rows}
    width = max((len(layer.name) for layer in layers), default=0)
    width = max(width, 10)
    lines = []
    for layer in layers:
        lines.append(f"{layer.name:<{width}} {layer.module}")
        forward = ", ".join(f"#{i} {names[i]}" for i in layer.forward)
        lines.append(f"{'':<{width}}   forward:  {forward}")
        if layer.backward:
            backward = ", ".join(f"#{i} {names[i]}" for i in layer.backward)
            lines.append(f"{'':<{width}}   backward: {backward}")
    return lines


# ------------------------------------------------------------------ where the code is
def source_of(obj: Any, name: str | None = None) -> Frame | None:
    """Where ``obj`` (a function, method or Numba kernel) is defined, or None if unknown."""
    obj = getattr(obj, "py_func", obj)  # a Numba dispatcher wraps the Python function
    # a decorated function (functools.wraps): getsourcelines follows __wrapped__ to the
    # function itself but getsourcefile does not, which would name the decorator's file
    obj = inspect.unwrap(obj)
    try:
        filename = inspect.getsourcefile(obj)
        lines, first = inspect.getsourcelines(obj)
    except (OSError, TypeError):
        return None
    if filename is None:
        return None
    # the line of the ``def``, below any decorators
    offset = next((i for i, text in enumerate(lines) if text.lstrip().startswith("def ")), 0)
    return Frame(filename, first + offset, name or obj.__qualname__)


def kernel_source(dotted: str | None) -> Frame | None:
    """Where the kernel named ``minitorch.kernels.conv.conv2d_forward`` is defined."""
    if not dotted:
        return None
    module_name, _, attribute = dotted.rpartition(".")
    return source_of(getattr(importlib.import_module(module_name), attribute), attribute)


def call_path(event: TraceEvent) -> list[Frame]:
    """The calls that led to a forward op, innermost first, up to the layer's ``forward``
    (or up to the code that ran the step, for the optimizer's ops)."""
    path = []
    for frame in event.stack:
        if frame.filename.startswith(_PACKAGE_DIR):
            break  # explain() itself, running the step
        path.append(frame)
        if frame.function.endswith(".forward"):
            break
    return path


def describe_sources(tracer: Trace, optimizer: Any) -> list[str]:
    """For each Function that ran: who called it, its forward, backward and kernels."""
    lines = []
    seen: set[type[Function]] = set()
    backward_names = {e.forward_index: e.name for e in tracer.events if e.forward_index}
    for event in tracer.events:
        function = event.function
        if event.phase != "forward" or function is None or function in seen:
            continue
        seen.add(function)
        lines.append(f"{function.__name__}  (first run: #{event.index})")
        for i, frame in enumerate(call_path(event)):
            lines.append(f"  {'called from' if i == 0 else '':<12} {frame}")
        forward_kernel = kernel_source(getattr(function, "kernel", None))
        rows = [
            ("forward", source_of(function.forward, f"{function.__name__}.forward")),
            ("  kernel", forward_kernel or "none: numpy does the arithmetic"),
            ("backward", source_of(function.backward, f"{function.__name__}.backward")),
            ("  kernel", kernel_source(getattr(function, "backward_kernel", None))),
            ("graph node", backward_names.get(event.index)),
        ]
        lines += [f"  {label:<12} {where}" for label, where in rows if where is not None]
    lines.append("Autograd and the optimizer")
    machinery = [
        ("op entry", source_of(Function.apply, "Function.apply")),
        ("backward", source_of(run_backward, "run_backward")),
        ("leaf grads", source_of(AccumulateGrad.__call__, "AccumulateGrad.__call__")),
    ]
    if optimizer is not None:
        step = type(optimizer).step
        machinery.append(("update", source_of(step, f"{type(optimizer).__name__}.step")))
    for label, where in machinery:
        if where is not None:
            lines.append(f"  {label:<12} {where}")
    return lines
