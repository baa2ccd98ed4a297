"""``minitorch-explain``: what one training step does, op by op, and where each op's code is.

::

    python -m minitorch.explain --model tudui --batch 4
    python -m minitorch.explain --model cnn --dot graph.dot

It builds a model of :mod:`minitorch.models` with its default input (random images of
the right shape, random labels), runs one untraced step so that Numba's compilation
stays out of the times, then records one more step with :class:`minitorch._trace.Trace`
(the recorder mechanism :mod:`minitorch.profiler` is built on) and prints

1. the trace: every forward op and backward node, shapes, kernel and time;
2. the layers: which forward ops each module ran, and which backward nodes undid them;
3. the source: for each Function, the file and line of the code that called it, of its
   ``forward`` and ``backward`` and of the Numba kernels they call, plus the autograd
   machinery that ran them (so a reader can open each file at that line).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from minitorch._backend import backend
from minitorch._cli import (
    CLIError,
    OneLineParser,
    os_error_reason,
    output_file,
    random_seed,
    run_command,
)
from minitorch._trace import Frame, Trace, TraceEvent
from minitorch.autograd.engine import run_backward
from minitorch.autograd.function import AccumulateGrad, Function
from minitorch.models import MODELS, build_model, model_input
from minitorch.viz import make_dot

__all__ = ["build_parser", "explain", "main"]

NUM_CLASSES = 10


def source_of(obj: Any, name: str | None = None) -> Frame | None:
    """Where ``obj`` (a function, method or Numba kernel) is defined, or None if unknown."""
    obj = getattr(obj, "py_func", obj)  # a Numba dispatcher wraps the Python function
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
    """The calls that led to a forward op, innermost first, up to the layer's ``forward``."""
    path = []
    for frame in event.stack:
        path.append(frame)
        if frame.function.endswith(".forward"):
            break
    return path


class LayerSpans:
    """Forward hooks on each leaf module, noting which trace rows ran inside it."""

    def __init__(self, tracer: Trace, modules: Sequence[tuple[str, Any]]):
        self.tracer = tracer
        self.spans: list[tuple[str, Any, range]] = []
        self._starts: dict[str, int] = {}
        self.handles = []
        for name, module in modules:
            self.handles.append(module.register_forward_pre_hook(self._enter(name)))
            self.handles.append(module.register_forward_hook(self._leave(name)))

    def _enter(self, name: str) -> Callable:
        def hook(module: Any, args: tuple) -> None:
            self._starts[name] = len(self.tracer.events) + 1

        return hook

    def _leave(self, name: str) -> Callable:
        def hook(module: Any, args: tuple, output: Any) -> None:
            span = range(self._starts.pop(name), len(self.tracer.events) + 1)
            self.spans.append((name, module, span))

        return hook

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def training_step(model: Any, loss_fn: Any, optimizer: Any, images: Any, targets: Any) -> Any:
    """The course's step: forward, loss, zero the gradients, backward, update."""
    outputs = model(images)
    loss = loss_fn(outputs, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def describe_layers(tracer: Trace, spans: LayerSpans) -> list[str]:
    undone_by = {e.forward_index: e for e in tracer.events if e.forward_index is not None}
    lines = []
    for name, module, span in spans.spans:
        ops = ", ".join(f"#{i} {tracer.events[i - 1].name}" for i in span) or "no op"
        backward = ", ".join(
            f"#{undone_by[i].index} {undone_by[i].name}" for i in span if i in undone_by
        )
        lines.append(f"{name:<10} {module!r}")
        lines.append(f"{'':<10}   forward:  {ops}")
        if backward:
            lines.append(f"{'':<10}   backward: {backward}")
    return lines


def describe_sources(tracer: Trace, optimizer: Any) -> list[str]:
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
        ("update", source_of(type(optimizer).step, f"{type(optimizer).__name__}.step")),
    ]
    for label, where in machinery:
        if where is not None:
            lines.append(f"  {label:<12} {where}")
    return lines


def explain(
    lib: ModuleType, model_name: str, batch: int, seed: int = 0, lr: float = 0.01
) -> tuple[Trace, Any, Any, list[str]]:
    """Trace one training step of ``model_name``: the trace, the model, the loss, the report."""
    lib.manual_seed(seed)
    image = model_input(model_name, MODELS[model_name].default_dataset)
    model = build_model(lib, model_name, MODELS[model_name].default_dataset)
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=lr)
    images = lib.rand(batch, image.channels, image.size, image.size)
    targets = lib.randint(0, NUM_CLASSES, (batch,))
    training_step(model, loss_fn, optimizer, images, targets)  # compiles the Numba kernels

    tracer = Trace(params=dict(model.named_parameters()))
    leaves = [(n, m) for n, m in model.named_modules() if not list(m.children())]
    spans = LayerSpans(tracer, [*leaves, ("loss_fn", loss_fn)])
    with tracer:
        loss = training_step(model, loss_fn, optimizer, images, targets)
    spans.remove()

    shape = "x".join(str(size) for size in images.shape)
    title = f"One training step of {model_name!r}: input {shape}, loss {loss.item():.4f}"
    report = [
        title,
        "(after one untraced step, so that Numba's compilation is not in the times)",
        "",
        tracer.table(),
        "",
        "Layers: the forward ops each module ran, and the backward nodes that undid them",
        *describe_layers(tracer, spans),
        "",
        "Where the code is (file:line function; open the file at that line)",
        *describe_sources(tracer, optimizer),
    ]
    return tracer, model, loss, report


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="minitorch-explain",
        description="Trace one training step of a model and show where each op's code is.",
    )
    parser.add_argument("--model", choices=sorted(MODELS), default="tudui")
    parser.add_argument("--batch", type=int, default=4, help="images in the batch (default 4)")
    parser.add_argument(
        "--seed",
        type=random_seed,
        default=0,
        help="seed of weights and data; any value torch.manual_seed takes (default 0)",
    )
    parser.add_argument(
        "--dot",
        type=output_file,
        metavar="FILE",
        help="also write the loss's autograd graph as DOT",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``minitorch-explain`` with ``argv`` (default: the command line); 0 on success."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error(f"--batch must be a positive integer, got {args.batch}")

    def command() -> int:
        _, model, loss, report = explain(backend("minitorch"), args.model, args.batch, args.seed)
        print("\n".join(report))
        if args.dot is not None:
            try:
                make_dot(loss, dict(model.named_parameters())).save(args.dot)
            except OSError as error:
                raise CLIError(
                    f"cannot write --dot {args.dot}: {os_error_reason(error)}"
                ) from error
            print(
                f"\nThe loss's autograd graph is in {args.dot}; draw it with "
                f"`dot -Tsvg {args.dot} -o {args.dot.with_suffix('.svg')}` "
                "(Graphviz: `apt-get install graphviz`)"
            )
        return 0

    return run_command("minitorch-explain", command)


if __name__ == "__main__":
    sys.exit(main())
