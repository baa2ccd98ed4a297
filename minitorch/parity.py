"""``minitorch-parity``: run the parity property of every public op against PyTorch, and report.

Each registered :class:`Property` is an op name and a Hypothesis strategy that draws a
:class:`Case`: the source of a ``lambda t, ...`` that runs on either library, numpy
inputs and tolerances. The runner draws ``--examples`` cases per op and dtype, checks
each with :func:`minitorch.testing.assert_parity`, and prints a table: examples run,
mismatches, the worst error seen as a fraction of the tolerance, and the PyTorch version.
A mismatch prints the smallest failing case Hypothesis found as a runnable snippet::

    python -m minitorch.parity --examples 50 --ops 'conv2d,max_pool2d' --json report.json

The exit status is 1 when any op mismatched. A property's callable is stored as source
text and evaluated, so the reproducer shows exactly the code that failed. The elementwise
ops' properties come from :mod:`minitorch.testing.catalogue`, which the test suite runs too.

The command needs Hypothesis and PyTorch: ``pip install "minitorch[parity]"``.
"""

from __future__ import annotations

import fnmatch
import json
import sys
import time
import warnings
from argparse import Namespace
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minitorch._cli import (
    PARITY_INSTALL_HINT,
    CLIError,
    OneLineParser,
    fail,
    missing_parity_requirement,
    os_error_reason,
    output_file,
    positive_int,
    run_command,
)

try:
    from hypothesis import HealthCheck, Verbosity, given, seed, settings
    from hypothesis import strategies as st
except ModuleNotFoundError as error:  # an optional dependency: minitorch[parity] installs it
    if __name__ == "__main__" and (message := missing_parity_requirement(error)):
        fail("minitorch-parity", message)  # python -m minitorch.parity: one line, no traceback
    raise ModuleNotFoundError(
        f"minitorch.parity needs Hypothesis, which is not installed: {PARITY_INSTALL_HINT}",
        name=error.name,
    ) from error

from minitorch.testing import opinfo
from minitorch.testing._parity import Input, assert_parity
from minitorch.testing.catalogue import BINARY, UNARY, OpCall, by_op
from minitorch.testing.strategies import (
    arrays,
    broadcastable,
    conv2d_args,
    cross_entropy_args,
    dims,
    distinct,
    linear_args,
    max_pool2d_args,
    normal,
    reduction_dims,
    shapes,
)

__all__ = [
    "REGISTRY",
    "Case",
    "OpReport",
    "Property",
    "main",
    "register",
    "run_property",
    "sgd_trajectory",
]

DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}

# float32 sums of many products (conv, linear, matmul) run in another order than PyTorch's.
F32_SUMS = {"rtol": 1e-4, "atol": 1e-4}


@dataclass
class Case:
    """One drawn check: ``assert_parity(eval(source), *inputs, torch_fn=..., **options)``.

    ``source`` is a lambda's text taking the library first (``"lambda t, x: t.exp(x)"``);
    ``torch_source`` replaces it on the PyTorch side where the spellings differ;
    ``imports`` are the lines the reproducer needs to evaluate the source.
    """

    source: str
    inputs: tuple[Any, ...]
    options: dict[str, Any] = field(default_factory=dict)
    torch_source: str | None = None
    imports: tuple[str, ...] = ()

    def run(self) -> float:
        """Run the check; return the worst error as a fraction of the tolerance."""
        namespace: dict[str, Any] = {"np": np}
        for line in self.imports:
            exec(line, namespace)
        fn = eval(self.source, namespace)
        torch_fn = None if self.torch_source is None else eval(self.torch_source, namespace)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "padding='same' with even kernel lengths"
            return assert_parity(fn, *self.inputs, torch_fn=torch_fn, **self.options)

    def reproducer(self) -> str:
        """Python source that rebuilds this case's inputs and runs its ``assert_parity``."""
        lines = ["import numpy as np", "", "from minitorch.testing import Input, assert_parity"]
        lines += list(self.imports)
        names = []
        for i, value in enumerate(self.inputs):
            name = f"x{i}"
            names.append(name)
            lines.append(f"{name} = {_literal(value)}")
        call = [self.source, *names]
        if self.torch_source is not None:
            call.append(f"torch_fn={self.torch_source}")
        call += [f"{key}={value!r}" for key, value in self.options.items()]
        lines.append(f"assert_parity({', '.join(call)})")
        return "\n".join(lines) + "\n"


def _literal(value: Any) -> str:
    if isinstance(value, Input):
        return f"Input({_literal(value.array)}, requires_grad={value.requires_grad})"
    if isinstance(value, np.ndarray):
        # tolist() gives Python floats, whose repr round-trips every float32 and float64 exactly
        return f"np.array({value.tolist()!r}, dtype=np.{value.dtype.name})"
    return repr(value)


@dataclass(frozen=True)
class Property:
    """An op's parity property: ``cases(dtype)`` is a strategy of :class:`Case`."""

    name: str
    cases: Callable[[np.dtype], st.SearchStrategy[Case]]


REGISTRY: dict[str, Property] = {}


def register(name: str, cases: Callable[[np.dtype], st.SearchStrategy[Case]]) -> Property:
    """Add (or replace) the property checked under ``name``."""
    REGISTRY[name] = Property(name, cases)
    return REGISTRY[name]


# ------------------------------------------------------------------ elementwise and activations
def _unary_cases(call: OpCall, dtype: np.dtype) -> st.SearchStrategy[Case]:
    return arrays(shapes(), dtype, **call.values).map(lambda x: Case(call.source, (x,)))


@st.composite
def _binary_cases(draw: st.DrawFn, call: OpCall, dtype: np.dtype) -> Case:
    # no ties for maximum/minimum/where: there the gradient's split is a convention
    x_shape, y_shape = draw(broadcastable(2))
    x = draw(arrays(x_shape, dtype, **call.values))
    y = draw(arrays(y_shape, dtype, **call.values))
    if np.any(np.broadcast_to(x, np.broadcast_shapes(x.shape, y.shape)) == y):
        y = y + np.asarray(0.125, dtype)
    return Case(call.source, (x, y))


def _elementwise(
    unary: Sequence[OpCall], binary: Sequence[OpCall]
) -> Callable[[np.dtype], st.SearchStrategy[Case]]:
    """The cases of one op of the catalogue, each drawn from one of its calls."""

    def cases(dtype: np.dtype) -> st.SearchStrategy[Case]:
        return st.one_of(
            *(_unary_cases(call, dtype) for call in unary),
            *(_binary_cases(call, dtype) for call in binary),
        )

    return cases


_UNARY_OPS, _BINARY_OPS = by_op(UNARY), by_op(BINARY)
for _name in {**_UNARY_OPS, **_BINARY_OPS}:
    register(_name, _elementwise(_UNARY_OPS.get(_name, []), _BINARY_OPS.get(_name, [])))


# ------------------------------------------------------------------ reductions and softmax
@st.composite
def _reduction_cases(draw: st.DrawFn, dtype: np.dtype, op: str) -> Case:
    shape = draw(shapes(min_dims=1))
    dim = draw(reduction_dims(len(shape)))
    keepdim = draw(st.booleans())
    x = draw(arrays(shape, dtype))
    if dim is None:
        return Case(f"lambda t, x: t.{op}(x)", (x,), _sums(dtype))
    return Case(f"lambda t, x: t.{op}(x, dim={dim!r}, keepdim={keepdim!r})", (x,), _sums(dtype))


@st.composite
def _amax_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    shape = draw(shapes(min_dims=1))
    dim = draw(dims(len(shape)))
    x = draw(arrays(shape, dtype, distinct=True))  # a tie's gradient split is a convention
    return Case(f"lambda t, x: t.amax(x, dim={dim})", (x,))


@st.composite
def _softmax_cases(draw: st.DrawFn, dtype: np.dtype, op: str) -> Case:
    shape = draw(shapes(min_dims=1))
    dim = draw(dims(len(shape)))
    x = draw(arrays(shape, dtype))
    return Case(f"lambda t, x: t.nn.functional.{op}(x, dim={dim})", (x,), _sums(dtype))


def _sums(dtype: np.dtype) -> dict:
    return dict(F32_SUMS) if dtype == np.float32 else {}


for _op in ("sum", "mean"):
    register(_op, lambda dtype, op=_op: _reduction_cases(dtype, op))
register("amax", _amax_cases)
for _op in ("softmax", "log_softmax"):
    register(_op, lambda dtype, op=_op: _softmax_cases(dtype, op))


# ------------------------------------------------------------------ linear algebra and shapes
@st.composite
def _matmul_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    n, k, m = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    batch = draw(st.sampled_from([(), (), (2,), (3,)]))
    left_vector, right_vector = draw(st.booleans()), draw(st.booleans())
    x = draw(arrays((k,) if left_vector and not batch else (*batch, n, k), dtype))
    y = draw(arrays((k,) if right_vector else (k, m), dtype))
    return Case("lambda t, x, y: t.matmul(x, y)", (x, y), _sums(dtype))


@st.composite
def _reshape_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    x = draw(arrays(shapes(), dtype))
    sides = list(x.shape)
    draw(st.randoms(use_true_random=False)).shuffle(sides)
    if sides and draw(st.booleans()):
        sides[draw(st.integers(0, len(sides) - 1))] = -1
    return Case(f"lambda t, x: x.reshape({tuple(sides)!r})", (x,))


@st.composite
def _permute_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    x = draw(arrays(shapes(min_dims=1), dtype))
    order = draw(st.permutations(range(x.ndim)))
    return Case(f"lambda t, x: x.permute({tuple(order)!r}) * 1", (x,))


@st.composite
def _indexing_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    x = draw(arrays(shapes(min_dims=1), dtype))
    index: list[str] = []
    for side in x.shape:
        kind = draw(st.sampled_from(["all", "int", "slice"]))
        if kind == "int":
            index.append(str(draw(st.integers(-side, side - 1))))
        elif kind == "slice":
            start = draw(st.integers(0, side - 1))
            step = draw(st.integers(1, 2))
            index.append(f"{start}::{step}")
        else:
            index.append(":")
    return Case(f"lambda t, x: x[{', '.join(index)},] * 1", (x,))


register("matmul", _matmul_cases)
register("reshape", _reshape_cases)
register("permute", _permute_cases)
register("indexing", _indexing_cases)


# ------------------------------------------------------------------ layers
@st.composite
def _conv2d_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    args = draw(conv2d_args())
    x = normal(args["seed"], args["input_shape"], dtype)
    w = normal(args["seed"] + 1, args["weight_shape"], dtype)
    options = {k: args[k] for k in ("stride", "padding", "dilation", "groups")}
    keywords = ", ".join(f"{k}={v!r}" for k, v in options.items())
    if args["bias"]:
        b = normal(args["seed"] + 2, args["weight_shape"][:1], dtype)
        source = f"lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, {keywords})"
        return Case(source, (x, w, b), _sums(dtype))
    return Case(f"lambda t, x, w: t.nn.functional.conv2d(x, w, {keywords})", (x, w), _sums(dtype))


@st.composite
def _max_pool2d_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    args = draw(max_pool2d_args())
    x = distinct(args["seed"], args["shape"], dtype)
    keywords = ", ".join(
        f"{k}={args[k]!r}" for k in ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
    )
    source = f"lambda t, x: t.nn.functional.max_pool2d(x, {keywords}, return_indices=True)"
    return Case(source, (x,))


@st.composite
def _linear_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    args = draw(linear_args(dtype))
    if args["bias"] is None:
        source = "lambda t, x, w: t.nn.functional.linear(x, w)"
        return Case(source, (args["input"], args["weight"]), _sums(dtype))
    source = "lambda t, x, w, b: t.nn.functional.linear(x, w, b)"
    return Case(source, (args["input"], args["weight"], args["bias"]), _sums(dtype))


register("conv2d", _conv2d_cases)
register("max_pool2d", _max_pool2d_cases)
register("linear", _linear_cases)


# ------------------------------------------------------------------ losses
@st.composite
def _cross_entropy_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    args = draw(cross_entropy_args(dtype))
    keywords = f"reduction={args['reduction']!r}, label_smoothing={args['label_smoothing']!r}"
    if args["weight"] is None:
        source = f"lambda t, x, y: t.nn.functional.cross_entropy(x, y, {keywords})"
        return Case(source, (args["input"], args["target"]), _sums(dtype))
    source = f"lambda t, x, y, w: t.nn.functional.cross_entropy(x, y, weight=w, {keywords})"
    weight = Input(args["weight"], requires_grad=False)
    return Case(source, (args["input"], args["target"], weight), _sums(dtype))


@st.composite
def _nll_loss_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    args = draw(cross_entropy_args(dtype))
    source = f"lambda t, x, y: t.nn.functional.nll_loss(x, y, reduction={args['reduction']!r})"
    return Case(source, (args["input"], args["target"]), _sums(dtype))


@st.composite
def _pointwise_loss_cases(draw: st.DrawFn, dtype: np.dtype, op: str) -> Case:
    shape = draw(shapes(min_dims=1))
    x = draw(arrays(shape, dtype))
    y = draw(arrays(shape, dtype))
    if op == "l1_loss":  # |x - y| has no derivative where x == y
        y = np.where(np.abs(x - y) < 0.01, y + np.asarray(0.5, dtype), y)
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    source = f"lambda t, x, y: t.nn.functional.{op}(x, y, reduction={reduction!r})"
    return Case(source, (x, y), _sums(dtype))


register("cross_entropy", _cross_entropy_cases)
register("nll_loss", _nll_loss_cases)
for _op in ("l1_loss", "mse_loss"):
    register(_op, lambda dtype, op=_op: _pointwise_loss_cases(dtype, op))


# ------------------------------------------------------------------ optimizers
def sgd_trajectory(lib: Any, weight: Any, target: Any, steps: int, **options: Any) -> Any:
    """The parameter after each of ``steps`` SGD steps on ``sum(tanh(p) * target) + |p|^2/2``.

    ``lib`` is ``minitorch`` or ``torch``; returns the stacked parameter values, so that
    momentum, dampening, weight decay and Nesterov all show in the comparison.
    """
    param = lib.nn.Parameter(weight.detach().clone())
    target = target.detach()
    optimizer = lib.optim.SGD([param], **options)
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = (param.tanh() * target).sum() + (param * param).sum() / 2
        loss.backward()
        optimizer.step()
        history.append(param.detach().clone())
    return lib.stack(history)


@st.composite
def _sgd_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    shape = draw(shapes(min_dims=1, max_elements=20))
    weight, target = draw(arrays(shape, dtype)), draw(arrays(shape, dtype))
    momentum = draw(st.sampled_from([0.0, 0.0, 0.5, 0.9]))
    options = {
        "lr": draw(st.sampled_from([0.01, 0.1, 0.3])),
        "momentum": momentum,
        "dampening": draw(st.sampled_from([0.0, 0.0, 0.3])),
        "weight_decay": draw(st.sampled_from([0.0, 0.0, 1e-2])),
        "nesterov": momentum > 0 and draw(st.booleans()),
        "maximize": draw(st.booleans()),
    }
    if options["nesterov"]:
        options["dampening"] = 0.0  # PyTorch: Nesterov momentum requires zero dampening
    keywords = ", ".join(f"{k}={v!r}" for k, v in options.items())
    steps = draw(st.integers(1, 4))
    source = f"lambda t, w, y: sgd_trajectory(t, w, y, steps={steps}, {keywords})"
    inputs = (Input(weight, requires_grad=False), Input(target, requires_grad=False))
    return Case(
        source,
        inputs,
        {**_sums(dtype), "grad": False},
        imports=("from minitorch.parity import sgd_trajectory",),
    )


register("sgd", _sgd_cases)


# ------------------------------------------------------------------ the runner
@dataclass
class OpReport:
    """What one op's run found, for one dtype.

    ``examples`` counts every case checked, the shrinking steps after a failure included;
    ``worst`` is the largest error seen as a fraction of the tolerance over passing cases.
    """

    op: str
    dtype: str
    examples: int = 0
    mismatches: int = 0
    worst: float = 0.0
    error: str | None = None
    reproducer: str | None = None
    seconds: float = 0.0


def run_property(prop: Property, dtype: np.dtype, examples: int, seed_value: int) -> OpReport:
    """Check ``examples`` drawn cases of ``prop``; on a failure, shrink it and keep the smallest."""
    report = OpReport(prop.name, dtype.name)
    current: list[Case] = []

    @seed(seed_value)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=prop.cases(dtype))
    def check(case: Case) -> None:
        current[:] = [case]  # after a failure Hypothesis replays the shrunk case last
        report.examples += 1
        report.worst = max(report.worst, case.run())

    start = time.perf_counter()
    try:
        check()
    except Exception as error:  # noqa: BLE001 - a crash on either side is a mismatch too
        report.mismatches = 1
        report.error = f"{type(error).__name__}: {error}"
        if current:
            report.reproducer = current[0].reproducer()
    report.seconds = time.perf_counter() - start
    return report


def select(patterns: Sequence[str] | None) -> list[Property]:
    """The registered properties whose names match any of the glob ``patterns`` (all if None)."""
    if not patterns:
        return list(REGISTRY.values())
    chosen = [p for p in REGISTRY.values() if any(fnmatch.fnmatch(p.name, x) for x in patterns)]
    if not chosen:
        raise LookupError(f"no registered op matches {', '.join(patterns)} (--list names them)")
    return chosen


def format_table(reports: Sequence[OpReport], torch_version: str) -> str:
    """The coverage report as a plain-text table."""
    header = ("op", "dtype", "examples", "mismatches", "worst/tol", "seconds")
    rows = [
        (r.op, r.dtype, str(r.examples), str(r.mismatches), f"{r.worst:.3g}", f"{r.seconds:.1f}")
        for r in reports
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [f"minitorch vs PyTorch {torch_version}"]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    total = sum(r.examples for r in reports)
    failed = sum(r.mismatches for r in reports)
    lines.append(f"{len(reports)} op/dtype pairs, {total} examples, {failed} mismatching")
    return "\n".join(lines)


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="minitorch-parity",
        description="Check every registered minitorch op against PyTorch on random inputs.",
    )
    parser.add_argument(
        "--examples", type=positive_int, default=50, help="cases per op and dtype (default 50)"
    )
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("--ops", default="", help="comma-separated names or globs ('conv*,sum')")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (same seed, same run)")
    parser.add_argument(
        "--json", type=output_file, metavar="FILE", help="also write the report as JSON"
    )
    parser.add_argument("--list", action="store_true", help="list the registered ops and exit")
    opinfo.add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected properties, print the report; return 1 if anything mismatched."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.opinfo:
        return run_command("minitorch-parity", lambda: opinfo.run(args))
    patterns = [p.strip() for p in args.ops.split(",") if p.strip()]
    try:
        properties = select(patterns)
    except LookupError as error:
        parser.error(f"argument --ops: {error}")
    return run_command("minitorch-parity", lambda: run(args, properties))


def run(args: Namespace, properties: list[Property]) -> int:
    """List or check ``properties`` as ``args`` ask; the exit status."""
    if args.list:
        print("\n".join(p.name for p in properties))
        return 0
    try:
        import torch  # PyTorch is the reference; only the run itself needs it
    except ModuleNotFoundError as error:
        fail("minitorch-parity", missing_parity_requirement(error) or error)

    dtypes = list(DTYPES.values()) if args.dtype == "both" else [DTYPES[args.dtype]]
    reports = []
    for prop in properties:
        for dtype in dtypes:
            report = run_property(prop, dtype, args.examples, args.seed)
            reports.append(report)
            print(  # progress, so that a long run shows where it is
                f"{report.op} [{report.dtype}]: {report.examples} examples, "
                f"{report.mismatches} mismatching, {report.seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
            if report.mismatches:
                print(f"MISMATCH {report.op} [{report.dtype}]: {report.error}\n")
                print(f"Reproducer:\n{report.reproducer}", flush=True)
    print(format_table(reports, torch.__version__))
    if args.json:
        document = {
            "torch_version": torch.__version__,
            "examples_per_op": args.examples,
            "seed": args.seed,
            "ops": [vars(r) for r in reports],
        }
        try:
            with open(args.json, "w") as file:
                json.dump(document, file, indent=2)
        except OSError as error:
            raise CLIError(f"cannot write --json {args.json}: {os_error_reason(error)}") from error
    return 1 if any(r.mismatches for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
