"""``minitorch-parity``: run the parity property of every public op against PyTorch, and report.

Each registered :class:`Property` is an op name, a Hypothesis strategy that draws a
:class:`Case` (the source of a ``lambda t, ...`` that runs on either library, numpy inputs
and tolerances; or of a ``lambda nn: <module>`` checked by ``assert_module_parity``) and the
public names its cases call. The runner draws ``--examples`` cases per op and dtype, checks
each with :func:`minitorch.testing.assert_parity`, and prints a table: examples run,
mismatches, the worst error seen as a fraction of the tolerance, and the PyTorch version.
A mismatch prints the smallest failing case Hypothesis found as a runnable snippet::

    python -m minitorch.parity --examples 50 --ops 'conv2d,max_pool2d' --json report.json

The exit status is 1 when any op mismatched. A property's callable is stored as source
text and evaluated, so the reproducer shows exactly the code that failed. The elementwise
ops' properties come from :mod:`minitorch.testing.catalogue`, which the test suite runs too.

The report ends with a coverage line over every public name of minitorch
(:func:`~minitorch.testing.catalogue.public_ops`): how many the cases of this run called
(read from their sources by :func:`~minitorch.testing.catalogue.calls_in`); ``--json``
holds each other name with its reason, and ``--coverage`` lists all of them, with the
property that checks each or the reason none does
(:data:`~minitorch.testing.catalogue.NOT_CHECKED`). ``--module my_package.parity_ops``
imports a module whose :func:`register` calls add a user's own ops to the run.

The command needs Hypothesis and PyTorch: ``pip install "minitorch[parity]"``.
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import sys
import time
import warnings
from argparse import Namespace
from collections.abc import Callable, Iterable, Sequence
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
from minitorch.testing._module_parity import assert_module_parity
from minitorch.testing._parity import Input, assert_parity
from minitorch.testing.catalogue import (
    BINARY,
    BINARY_SPELLINGS,
    NOT_CHECKED,
    UNARY,
    UNARY_SPELLINGS,
    OpCall,
    by_op,
    calls_in,
    public_ops,
)
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
    "Coverage",
    "OpReport",
    "Property",
    "coverage",
    "format_coverage",
    "format_table",
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
    module: bool = False  # source is ``lambda nn: <module>``, checked by assert_module_parity

    def run(self) -> float:
        """Run the check; return the worst error as a fraction of the tolerance."""
        namespace: dict[str, Any] = {"np": np}
        for line in self.imports:
            exec(line, namespace)
        fn = eval(self.source, namespace)
        torch_fn = None if self.torch_source is None else eval(self.torch_source, namespace)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "padding='same' with even kernel lengths"
            if self.module:
                return assert_module_parity(fn, *self.inputs, **self.options)
            return assert_parity(fn, *self.inputs, torch_fn=torch_fn, **self.options)

    def reproducer(self) -> str:
        """Python source that rebuilds this case's inputs and runs its ``assert_parity``."""
        check = "assert_module_parity" if self.module else "assert_parity"
        lines = ["import numpy as np", "", f"from minitorch.testing import Input, {check}"]
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
        lines.append(f"{check}({', '.join(call)})")
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
    """An op's parity property: ``cases(dtype)`` is a strategy of :class:`Case`;
    ``covers`` are the public paths its cases call (``{"exp", "Tensor.exp"}``), what the
    coverage report counts as checked."""

    name: str
    cases: Callable[[np.dtype], st.SearchStrategy[Case]]
    covers: frozenset[str] = frozenset()


REGISTRY: dict[str, Property] = {}


def register(
    name: str,
    cases: Callable[[np.dtype], st.SearchStrategy[Case]],
    covers: Iterable[str] | None = None,
) -> Property:
    """Add (or replace) the property checked under ``name``; return it.

    ``cases(dtype)`` returns a Hypothesis strategy of :class:`Case`. ``covers`` names the
    public minitorch paths the cases call (``"nn.functional.conv2d"``, ``"Tensor.exp"``);
    by default the property's own name. A name outside minitorch's API (a user's own op)
    is listed in the report under its property, not in minitorch's coverage.
    """
    REGISTRY[name] = Property(name, cases, frozenset((name,) if covers is None else covers))
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


_UNARY_OPS = by_op((*UNARY, *UNARY_SPELLINGS))
_BINARY_OPS = by_op((*BINARY, *BINARY_SPELLINGS))
for _name in {**_UNARY_OPS, **_BINARY_OPS}:
    _calls = [*_UNARY_OPS.get(_name, []), *_BINARY_OPS.get(_name, [])]
    register(
        _name,
        _elementwise(_UNARY_OPS.get(_name, []), _BINARY_OPS.get(_name, [])),
        covers=set().union(*(calls_in(call.source) for call in _calls)),
    )


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
    call = draw(st.sampled_from([f"t.amax(x, dim={dim})", f"x.amax({dim})"]))
    return Case(f"lambda t, x: {call}", (x,))


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
register("amax", _amax_cases, covers={"amax", "Tensor.amax"})
for _op in ("softmax", "log_softmax"):
    register(_op, lambda dtype, op=_op: _softmax_cases(dtype, op), covers={f"nn.functional.{_op}"})


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
    order = tuple(draw(st.permutations(range(x.ndim))))
    call = draw(st.sampled_from([f"x.permute({order!r})", f"t.permute(x, {order!r})"]))
    return Case(f"lambda t, x: {call} * 1", (x,))


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
register("reshape", _reshape_cases, covers={"Tensor.reshape"})
register("permute", _permute_cases, covers={"permute", "Tensor.permute", "Tensor.__mul__"})
register("indexing", _indexing_cases, covers={"Tensor.__getitem__", "Tensor.__mul__"})


# ------------------------------------------------------------------ layers
@st.composite
def _conv2d_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    args = draw(conv2d_args())
    x = normal(args["seed"], args["input_shape"], dtype)
    w = normal(args["seed"] + 1, args["weight_shape"], dtype)
    options = {k: args[k] for k in ("stride", "padding", "dilation", "groups")}
    keywords = ", ".join(f"{k}={v!r}" for k, v in options.items())
    conv = draw(st.sampled_from(["t.nn.functional.conv2d", "t.conv2d"]))
    if args["bias"]:
        b = normal(args["seed"] + 2, args["weight_shape"][:1], dtype)
        source = f"lambda t, x, w, b: {conv}(x, w, b, {keywords})"
        return Case(source, (x, w, b), _sums(dtype))
    return Case(f"lambda t, x, w: {conv}(x, w, {keywords})", (x, w), _sums(dtype))


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


register("conv2d", _conv2d_cases, covers={"nn.functional.conv2d", "conv2d"})
register("max_pool2d", _max_pool2d_cases, covers={"nn.functional.max_pool2d"})
register("linear", _linear_cases, covers={"nn.functional.linear"})


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


register("cross_entropy", _cross_entropy_cases, covers={"nn.functional.cross_entropy"})
register("nll_loss", _nll_loss_cases, covers={"nn.functional.nll_loss"})
for _op in ("l1_loss", "mse_loss"):
    register(
        _op,
        lambda dtype, op=_op: _pointwise_loss_cases(dtype, op),
        covers={f"nn.functional.{_op}"},
    )


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


# sgd_trajectory makes the calls: a Parameter, SGD's steps, backward, stack
register("sgd", _sgd_cases, covers={"optim.SGD", "nn.Parameter", "Tensor.backward", "stack"})


# ------------------------------------------------------------------ more reductions
@st.composite
def _more_reduction_cases(draw: st.DrawFn, dtype: np.dtype, op: str) -> Case:
    """``prod``, ``logsumexp``, ``std``, ``var``, ``amin`` and the method spellings of
    ``sum`` and ``mean``: each with the ``dim`` forms PyTorch accepts for it."""
    min_side = 2 if op in ("std", "var") else 1  # one element: Bessel's correction divides by 0
    shape = draw(shapes(min_dims=1, min_side=min_side))
    values = {"min_magnitude": 0.25} if op == "prod" else {}
    x = draw(arrays(shape, dtype, distinct=op == "amin", **values))
    # prod takes one dim only; the others one or a tuple
    dim = draw(dims(len(shape))) if op == "prod" else draw(reduction_dims(len(shape), False))
    keywords = f"dim={dim!r}, keepdim={draw(st.booleans())!r}"
    if op in ("sum", "mean") or draw(st.booleans()):  # the functions sum and mean: above
        return Case(f"lambda t, x: x.{op}({keywords})", (x,), _sums(dtype))
    return Case(f"lambda t, x: t.{op}(x, {keywords})", (x,), _sums(dtype))


@st.composite
def _max_min_cases(draw: st.DrawFn, dtype: np.dtype, op: str) -> Case:
    """``max``/``min`` (all, or along a dim with values and indices), ``argmax``/``argmin``."""
    shape = draw(shapes(min_dims=1))
    x = draw(arrays(shape, dtype, distinct=True))  # a tie's index and gradient are conventions
    dim = draw(st.one_of(st.none(), dims(len(shape))))
    spelling = draw(st.sampled_from([f"t.{op}(x", f"x.{op}("]))
    arguments = "" if dim is None else f"dim={dim}, keepdim={draw(st.booleans())!r}"
    separator = ", " if spelling.endswith("x") and arguments else ""
    return Case(f"lambda t, x: {spelling}{separator}{arguments})", (x,))


for _op in ("prod", "logsumexp", "std", "var", "amin"):
    register(
        _op, lambda dtype, op=_op: _more_reduction_cases(dtype, op), covers={_op, f"Tensor.{_op}"}
    )
for _op in ("sum", "mean"):
    register(
        f"{_op}.method",
        lambda dtype, op=_op: _more_reduction_cases(dtype, op),
        covers={f"Tensor.{_op}"},
    )
for _op in ("max", "min", "argmax", "argmin"):
    register(_op, lambda dtype, op=_op: _max_min_cases(dtype, op), covers={_op, f"Tensor.{_op}"})


# ------------------------------------------------------------------ more shapes and views
@st.composite
def _dim_pair_cases(draw: st.DrawFn, dtype: np.dtype, op: str) -> Case:
    x = draw(arrays(shapes(min_dims=1), dtype))
    d0, d1 = draw(dims(x.ndim)), draw(dims(x.ndim))
    call = draw(st.sampled_from([f"t.{op}(x, {d0}, {d1})", f"x.{op}({d0}, {d1})"]))
    return Case(f"lambda t, x: {call} * 1", (x,))


@st.composite
def _view_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    """The ops that return a view or a reshaped copy, each with arguments valid for ``x``."""
    x = draw(arrays(shapes(min_dims=1), dtype))
    n = x.ndim
    calls = [
        f"t.flatten(x, {draw(st.integers(-n, 0))})",
        f"x.flatten({draw(st.integers(0, n - 1))}, -1)",
        f"t.squeeze(x, {draw(dims(n))})",
        "x.squeeze()",
        f"t.unsqueeze(x, {draw(st.integers(-n - 1, n))})",
        f"x.unsqueeze({draw(st.integers(-n - 1, n))})",
        f"t.flip(x, {tuple(draw(st.lists(dims(n), min_size=1, max_size=1)))!r})",
        f"x.flip({draw(dims(n))})",
        f"x.view({tuple(reversed(x.shape))!r})",
        "x.view(-1)",
        "t.reshape(x, (-1,))",
        f"x.expand(2, *{x.shape!r})",
        f"t.broadcast_to(x, (3, *{x.shape!r}))",
        f"x.broadcast_to((2, *{x.shape!r}))",
        f"x.unflatten(0, (1, {x.shape[0]}))",
        f"t.unflatten(x, -1, ({x.shape[-1]}, 1))",
        "x.mT" if n >= 2 else "x.t()",
        "x.T" if n == 2 else "t.t(x)" if n <= 2 else "x.mT",
        "x.ndimension() * x + x.nelement() + x.numel() + x.dim()",
        "x.detach() * x",
        "x.reshape_as(x.flatten()) * 2",
        "x.view_as(x) + x.expand_as(x)",
        # the in-place view ops, on a non-leaf (a leaf that requires grad is refused)
        f"(x * 1).squeeze_({draw(dims(n))})",
        f"(x * 1).unsqueeze_({draw(st.integers(-n - 1, n))})",
        "(x * 1).t_()" if n <= 2 else f"(x * 1).transpose_(0, {draw(dims(n))})",
        f"(x * 1).swapaxes_({draw(dims(n))}, -1)",
        f"(x * 1).swapdims_(0, {draw(dims(n))})",
    ]
    return Case(f"lambda t, x: ({draw(st.sampled_from(calls))}) * 1", (x,))


@st.composite
def _join_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    """``cat`` and its aliases, ``stack``, and the splits: ``split``, ``chunk``, ``unbind``."""
    x = draw(arrays(shapes(min_dims=1), dtype))
    dim = draw(dims(x.ndim))
    side = x.shape[dim]
    calls = [
        f"t.cat([x, x * 2], dim={dim})",
        f"t.concat((x, x), {dim})",
        f"t.concatenate([x * 3, x], dim={dim})",
        f"t.stack([x, x * 2], dim={draw(st.integers(-x.ndim - 1, x.ndim))})",
        f"t.split(x, {draw(st.integers(1, side))}, dim={dim})",
        f"x.split({draw(st.integers(1, side))}, {dim})",
        f"t.chunk(x, {draw(st.integers(1, side + 1))}, dim={dim})",
        f"x.chunk({draw(st.integers(1, side + 1))}, {dim})",
        f"t.unbind(x, {dim})",
        f"x.unbind({dim})",
    ]
    return Case(f"lambda t, x: {draw(st.sampled_from(calls))}", (x,))


for _op in ("transpose", "swapaxes", "swapdims"):
    register(_op, lambda dtype, op=_op: _dim_pair_cases(dtype, op), covers={_op, f"Tensor.{_op}"})
register(
    "views",
    _view_cases,
    covers={
        "flatten",
        "Tensor.flatten",
        "squeeze",
        "Tensor.squeeze",
        "unsqueeze",
        "Tensor.unsqueeze",
        "flip",
        "Tensor.flip",
        "Tensor.view",
        "reshape",
        "Tensor.expand",
        "broadcast_to",
        "Tensor.broadcast_to",
        "Tensor.unflatten",
        "unflatten",
        "Tensor.mT",
        "Tensor.t",
        "Tensor.T",
        "t",
        "Tensor.ndimension",
        "Tensor.nelement",
        "Tensor.numel",
        "Tensor.dim",
        "Tensor.detach",
        "Tensor.reshape_as",
        "Tensor.view_as",
        "Tensor.expand_as",
        "Tensor.squeeze_",
        "Tensor.unsqueeze_",
        "Tensor.t_",
        "Tensor.transpose_",
        "Tensor.swapaxes_",
        "Tensor.swapdims_",
        "Tensor.__add__",
        "Tensor.__mul__",
        "Tensor.__rmul__",
    },
)
register(
    "join_and_split",
    _join_cases,
    covers={
        "cat",
        "concat",
        "concatenate",
        "stack",
        "split",
        "Tensor.split",
        "chunk",
        "Tensor.chunk",
        "unbind",
        "Tensor.unbind",
        "Tensor.__mul__",
    },
)


# ------------------------------------------------------------------ more linear algebra
@st.composite
def _products_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    n, k, m, b = (draw(st.integers(1, 4)) for _ in range(4))
    choice = draw(st.sampled_from(["mm", "bmm", "mv", "dot", "outer", "trace", "operator"]))
    shapes_: list[tuple[int, ...]]
    if choice == "mm":
        shapes_ = [(n, k), (k, m)]
        call = draw(st.sampled_from(["t.mm(x, y)", "x.mm(y)", "x.matmul(y)"]))
    elif choice == "bmm":
        shapes_ = [(b, n, k), (b, k, m)]
        call = draw(st.sampled_from(["t.bmm(x, y)", "x.bmm(y)"]))
    elif choice == "mv":
        shapes_ = [(n, k), (k,)]
        call = draw(st.sampled_from(["t.mv(x, y)", "x.mv(y)"]))
    elif choice == "dot":
        shapes_ = [(k,), (k,)]
        call = draw(st.sampled_from(["t.dot(x, y)", "x.dot(y)"]))
    elif choice == "outer":
        shapes_ = [(n,), (m,)]
        call = draw(st.sampled_from(["t.outer(x, y)", "x.outer(y)", "t.ger(x, y)", "x.ger(y)"]))
    elif choice == "trace":
        shapes_ = [(n, m), (1,)]
        call = draw(st.sampled_from(["t.trace(x) * y", "x.trace() * y"]))
    else:
        shapes_ = [(n, k), (k, m)]
        call = draw(st.sampled_from(["x @ y", "y.__rmatmul__(x)"]))
    x, y = (draw(arrays(shape, dtype)) for shape in shapes_)
    return Case(f"lambda t, x, y: {call}", (x, y), _sums(dtype))


register(
    "products",
    _products_cases,
    covers={
        "mm",
        "Tensor.mm",
        "Tensor.matmul",
        "bmm",
        "Tensor.bmm",
        "mv",
        "Tensor.mv",
        "dot",
        "Tensor.dot",
        "outer",
        "Tensor.outer",
        "ger",
        "Tensor.ger",
        "trace",
        "Tensor.trace",
        "Tensor.__matmul__",
        "Tensor.__rmatmul__",
    },
)


# ------------------------------------------------------------------ more functional forms
@st.composite
def _softmax_spellings(draw: st.DrawFn, dtype: np.dtype) -> Case:
    x = draw(arrays(shapes(min_dims=1), dtype))
    dim = draw(dims(x.ndim))
    op = draw(st.sampled_from(["softmax", "log_softmax"]))
    call = draw(st.sampled_from([f"t.{op}(x, {dim})", f"x.{op}({dim})"]))
    return Case(f"lambda t, x: {call}", (x,), _sums(dtype))


@st.composite
def _pad_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    x = draw(arrays(shapes(min_dims=1, max_dims=3), dtype))
    sides = draw(st.integers(1, x.ndim))
    pad = tuple(draw(st.integers(0, 2)) for _ in range(2 * sides))
    value = draw(st.sampled_from([0.0, 1.5]))
    return Case(f"lambda t, x: t.nn.functional.pad(x, {pad!r}, value={value!r})", (x,))


@st.composite
def _adaptive_avg_pool2d_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    leading = draw(st.sampled_from([(), (1,), (2,)]))
    shape = (*leading, draw(st.integers(1, 3)), draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    x = normal(draw(st.integers(0, 2**31)), shape, dtype)
    size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    return Case(f"lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, {size!r})", (x,))


@st.composite
def _max_pool2d_with_indices_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    args = draw(max_pool2d_args())
    x = distinct(args["seed"], args["shape"], dtype)
    keywords = ", ".join(f"{k}={args[k]!r}" for k in ("kernel_size", "stride", "padding"))
    source = f"lambda t, x: t.nn.functional.max_pool2d_with_indices(x, {keywords})"
    return Case(source, (x,))


register(
    "softmax_spellings",
    _softmax_spellings,
    covers={"softmax", "log_softmax", "Tensor.softmax", "Tensor.log_softmax"},
)
register("pad", _pad_cases, covers={"nn.functional.pad"})
register(
    "adaptive_avg_pool2d",
    _adaptive_avg_pool2d_cases,
    covers={"nn.functional.adaptive_avg_pool2d"},
)
register(
    "max_pool2d_with_indices",
    _max_pool2d_with_indices_cases,
    covers={"nn.functional.max_pool2d_with_indices"},
)


# ------------------------------------------------------------------ modules
# A module's case is checked by assert_module_parity: minitorch's freshly initialised state
# is copied into PyTorch's module, then outputs, input and parameter gradients compared.
@st.composite
def _layer_module_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    kind = draw(st.sampled_from(["linear", "conv2d", "activation", "pool", "norm", "block"]))
    if kind == "linear":
        args = draw(linear_args(dtype))
        n_out, n_in = args["weight"].shape
        bias = args["bias"] is not None
        source = f"lambda nn: nn.Linear({n_in}, {n_out}, bias={bias!r})"
        return Case(source, (args["input"],), _module(dtype), module=True)
    if kind == "conv2d":
        args = draw(conv2d_args())
        keywords = ", ".join(
            f"{k}={args[k]!r}" for k in ("stride", "padding", "dilation", "groups", "bias")
        )
        source = (
            f"lambda nn: nn.Conv2d({args['in_channels']}, {args['out_channels']}, "
            f"{args['kernel_size']!r}, {keywords})"
        )
        x = normal(args["seed"], args["input_shape"], dtype)
        return Case(source, (x,), _module(dtype), module=True)
    x = draw(arrays(shapes(min_dims=3, max_dims=4), dtype, min_magnitude=0.01))
    if kind == "activation":
        layer = draw(
            st.sampled_from(
                [
                    "nn.ReLU()",
                    "nn.Sigmoid()",
                    "nn.Tanh()",
                    "nn.Identity()",
                    "nn.Flatten()",
                    "nn.Softmax(dim=1)",
                    "nn.LogSoftmax(dim=-1)",
                ]
            )
        )
        return Case(f"lambda nn: {layer}", (x,), _module(dtype), module=True)
    if kind == "norm":  # the running estimates are buffers: compared after the forward too
        x = np.concatenate([x, x[:1] * 0.5 + 1])[None] if x.ndim == 3 else x  # batch >= 2
        x = x[:, :, 0] if draw(st.booleans()) else x  # (N, C, L) for BatchNorm1d
        layer = "BatchNorm2d" if x.ndim == 4 else "BatchNorm1d"
        options = {
            "momentum": draw(st.sampled_from([0.1, 0.5, None])),
            "affine": draw(st.booleans()),
            "track_running_stats": draw(st.booleans()),
        }
        keywords = ", ".join(f"{k}={v!r}" for k, v in options.items())
        evaluate = ".eval()" if options["track_running_stats"] and draw(st.booleans()) else ""
        source = f"lambda nn: nn.{layer}({x.shape[1]}, {keywords}){evaluate}"
        return Case(source, (x,), _module(dtype), module=True)
    if kind == "pool":
        x = distinct(draw(st.integers(0, 2**31)), x.shape, dtype)
        side = min(x.shape[-2:])
        layer = draw(
            st.sampled_from(
                [
                    f"nn.MaxPool2d({draw(st.integers(1, side))})",
                    f"nn.AdaptiveAvgPool2d(({draw(st.integers(1, 3))}, {draw(st.integers(1, 3))}))",
                ]
            )
        )
        return Case(f"lambda nn: {layer}", (x,), _module(dtype), module=True)
    features = int(np.prod(x.shape[1:])) if x.ndim == 4 else int(np.prod(x.shape))
    flatten = "nn.Flatten()" if x.ndim == 4 else "nn.Flatten(0)"
    source = (
        f"lambda nn: nn.Sequential({flatten}, nn.Linear({features}, 3), nn.Tanh(), "
        "nn.ModuleList([nn.Linear(3, 2)])[0])"
    )
    return Case(source, (x,), _module(dtype), module=True)


@st.composite
def _loss_module_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    kind = draw(st.sampled_from(["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss"]))
    if kind in ("CrossEntropyLoss", "NLLLoss"):
        args = draw(cross_entropy_args(dtype))
        options = f"reduction={args['reduction']!r}"
        if kind == "CrossEntropyLoss":
            options += f", label_smoothing={args['label_smoothing']!r}"
        return Case(
            f"lambda nn: nn.{kind}({options})",
            (args["input"], args["target"]),
            _module(dtype),
            module=True,
        )
    shape = draw(shapes(min_dims=1))
    x, y = draw(arrays(shape, dtype)), draw(arrays(shape, dtype))
    if kind == "L1Loss":  # |x - y| has no derivative where x == y
        y = np.where(np.abs(x - y) < 0.01, y + np.asarray(0.5, dtype), y)
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    return Case(
        f"lambda nn: nn.{kind}(reduction={reduction!r})", (x, y), _module(dtype), module=True
    )


def _module(dtype: np.dtype) -> dict[str, Any]:
    return {**_sums(dtype), "dtype": dtype.name}


register(
    "layers",
    _layer_module_cases,
    covers={
        "nn.Linear",
        "nn.Conv2d",
        "nn.ReLU",
        "nn.Sigmoid",
        "nn.Tanh",
        "nn.Identity",
        "nn.Flatten",
        "nn.Softmax",
        "nn.LogSoftmax",
        "nn.MaxPool2d",
        "nn.AdaptiveAvgPool2d",
        "nn.Sequential",
        "nn.ModuleList",
        "nn.BatchNorm1d",
        "nn.BatchNorm2d",
    },
)
register(
    "losses",
    _loss_module_cases,
    covers={"nn.CrossEntropyLoss", "nn.NLLLoss", "nn.MSELoss", "nn.L1Loss"},
)


# ------------------------------------------------------------------ creation, selection, values
CREATION_CALLS = (
    "lambda t, x: t.zeros(2, 3)",
    "lambda t, x: t.ones((3,), dtype=t.float64)",
    "lambda t, x: t.full((2, 2), 1.5)",
    "lambda t, x: t.arange(0, 5, 0.5)",
    "lambda t, x: t.arange(7)",
    "lambda t, x: t.linspace(-1, 2, 7)",
    "lambda t, x: t.eye(3, 4)",
    "lambda t, x: t.tensor([[1.0, 2.0], [3.0, 4.5]])",
    "lambda t, x: t.as_tensor([1, 2, 3])",
    "lambda t, x: t.from_numpy(np.arange(6.0).reshape(2, 3))",
    "lambda t, x: t.zeros_like(x) + x",
    "lambda t, x: t.ones_like(x) * x",
    "lambda t, x: t.full_like(x, 2.5) - x",
    "lambda t, x: t.broadcast_tensors(x, t.ones(2, *x.shape))",
)


@st.composite
def _creation_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    x = draw(arrays(shapes(), dtype))
    return Case(draw(st.sampled_from(CREATION_CALLS)), (x,))


@st.composite
def _selection_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    """Masks, gathers and index lists, their arguments valid for the drawn ``x``."""
    x = draw(arrays(shapes(min_dims=1), dtype))
    dim = draw(dims(x.ndim))
    side = x.shape[dim]
    positions = draw(st.lists(st.integers(0, side - 1), min_size=1, max_size=4))
    index_shape = tuple(draw(st.integers(1, s)) for s in x.shape)
    gather_index = draw(arrays(index_shape, np.int64, low=0, high=side - 1))
    repeats = tuple(draw(st.integers(1, 2)) for _ in range(x.ndim + draw(st.integers(0, 1))))
    calls = [
        ("lambda t, x: t.masked_fill(x, x > 0.5, -1.0)", (x,)),
        ("lambda t, x: x.masked_fill(x < 0, 2.0)", (x,)),
        ("lambda t, x: x.clone().masked_fill_(x > 1, 0.25)", (x,)),
        ("lambda t, x: t.masked_select(x, x > 0)", (x,)),
        ("lambda t, x: x.masked_select(x <= 0)", (x,)),
        (f"lambda t, x, i: t.gather(x, {dim}, i)", (x, gather_index)),
        (f"lambda t, x, i: x.gather({dim}, i)", (x, gather_index)),
        (f"lambda t, x, i: t.index_select(x, {dim}, i)", (x, np.array(positions))),
        (f"lambda t, x, i: x.index_select({dim}, i)", (x, np.array(positions))),
        ("lambda t, x: t.nonzero(x > 0)", (x,)),
        ("lambda t, x: (x > 0).nonzero()", (x,)),
        ("lambda t, x: t.argwhere(x > 0)", (x,)),
        ("lambda t, x: x.argwhere()", (x,)),
        (f"lambda t, x: x.repeat{repeats!r}", (x,)),
        (f"lambda t, x: (lambda y: (y.__setitem__({positions[0]}, 1.5), y)[1])(x.clone())", (x,)),
        ("lambda t, x: x.clone().fill_(0.5) + x", (x,)),
        ("lambda t, x: x.clone().zero_() + x", (x,)),
        ("lambda t, x: x.clone().copy_(x * 2)", (x,)),
    ]
    source, inputs = draw(st.sampled_from(calls))
    return Case(source, inputs)


# What a tensor says about itself, compared as Python values (shape, sizes, strides, flags).
PYTHON_VALUE_CALLS = (
    "lambda t, x: x.size()",
    "lambda t, x: x.size(-1)",
    "lambda t, x: x.shape",
    "lambda t, x: x.ndim",
    "lambda t, x: x.stride()",
    "lambda t, x: x.mT.is_contiguous()",
    "lambda t, x: x.storage_offset()",
    "lambda t, x: x.element_size()",
    "lambda t, x: x.is_floating_point()",
    "lambda t, x: x.requires_grad",
    "lambda t, x: x.is_leaf",
    "lambda t, x: (x * 1).is_leaf",
    "lambda t, x: len(x)",
    "lambda t, x: x.tolist()",
    "lambda t, x: [row * 1 for row in x]",
    "lambda t, x: x[-1].item()",
    "lambda t, x: float(x[-1])",
    "lambda t, x: int(x[-1])",
    "lambda t, x: bool(x[-1] > 0)",
    "lambda t, x: x.detach().numpy().tolist()",
    "lambda t, x: x.data * 1",
    "lambda t, x: x.int()",
    "lambda t, x: x.long()",
    "lambda t, x: x.short()",
    "lambda t, x: x.char()",
    "lambda t, x: x.bool()",
    "lambda t, x: (x.abs() * 10).byte()",
    "lambda t, x: t.is_tensor(x)",
    "lambda t, x: [10, 20, 30][(x * 0).long().sum()]",
    "lambda t, x: complex(x[-1])",
    "lambda t, x: (lambda y: (y.retain_grad(), y.retains_grad)[1])(x * 1)",
    "lambda t, x: x.detach().requires_grad_().requires_grad",
    "lambda t, x: (x * 2).detach_().requires_grad",
    "lambda t, x: (x * 2).grad_fn.name()",
)


@st.composite
def _python_value_cases(draw: st.DrawFn, dtype: np.dtype) -> Case:
    source = draw(st.sampled_from(PYTHON_VALUE_CALLS))
    x = draw(arrays(shapes(min_dims=2 if "mT" in source else 1), dtype, low=-100, high=100))
    if "x[-1]" in source:  # one element, converted exactly (a float32 sum would round)
        x = x.reshape(-1)
    return Case(source, (x,), {"grad": False})


register("creation", _creation_cases, covers=set().union(*(calls_in(c) for c in CREATION_CALLS)))
register(
    "selection",
    _selection_cases,
    covers={
        "masked_fill",
        "Tensor.masked_fill",
        "Tensor.masked_fill_",
        "masked_select",
        "Tensor.masked_select",
        "gather",
        "Tensor.gather",
        "index_select",
        "Tensor.index_select",
        "nonzero",
        "Tensor.nonzero",
        "argwhere",
        "Tensor.argwhere",
        "Tensor.repeat",
        "Tensor.__setitem__",
        "Tensor.fill_",
        "Tensor.zero_",
        "Tensor.copy_",
    },
)
register(
    "python_values",
    _python_value_cases,
    covers=set().union(*(calls_in(c) for c in PYTHON_VALUE_CALLS)),
)


# ------------------------------------------------------------------ the runner
@dataclass
class OpReport:
    """What one op's run found, for one dtype.

    ``examples`` counts every case checked, the shrinking steps after a failure included;
    ``worst`` is the largest error seen as a fraction of the tolerance over passing cases;
    ``calls`` are the public names the cases' sources called (``catalogue.calls_in``).
    """

    op: str
    dtype: str
    examples: int = 0
    mismatches: int = 0
    worst: float = 0.0
    error: str | None = None
    reproducer: str | None = None
    seconds: float = 0.0
    calls: list[str] = field(default_factory=list)


def run_property(prop: Property, dtype: np.dtype, examples: int, seed_value: int) -> OpReport:
    """Check ``examples`` drawn cases of ``prop``; on a failure, shrink it and keep the smallest."""
    report = OpReport(prop.name, dtype.name)
    current: list[Case] = []
    called: set[str] = set()

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
        called.update(calls_in(case.source))
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
    report.calls = sorted(called)
    return report


def select(patterns: Sequence[str] | None) -> list[Property]:
    """The registered properties whose names match any of the glob ``patterns`` (all if None)."""
    if not patterns:
        return list(REGISTRY.values())
    chosen = [p for p in REGISTRY.values() if any(fnmatch.fnmatch(p.name, x) for x in patterns)]
    if not chosen:
        raise LookupError(f"no registered op matches {', '.join(patterns)} (--list names them)")
    return chosen


@dataclass
class Coverage:
    """Which public names of minitorch the properties run call, and why the others are not.

    ``checked`` maps a public path to the properties that call it; ``not_checked`` maps
    every other public path to its reason (:data:`~minitorch.testing.catalogue.NOT_CHECKED`,
    or the properties left out by ``--ops``); ``other`` lists, per property, the names it
    covers outside minitorch's API (a user's own ops).
    """

    public: int
    checked: dict[str, list[str]]
    not_checked: dict[str, str]
    other: dict[str, list[str]]
    observed: bool = False  # counted from the cases a run drew, not from the declarations

    def line(self) -> str:
        """The report's summary of coverage, in one line."""
        if self.observed:
            how, where = "called by the cases this run checked", "--json lists them"
        else:
            how, where = "declared by the properties selected", "listed above"
        text = (
            f"coverage: {len(self.checked)} of {self.public} public names of minitorch {how}; "
            f"the other {len(self.not_checked)}, each with its reason: {where}"
        )
        if self.other:
            names = sum(len(names) for names in self.other.values())
            text += f"; and {names} names outside minitorch ({', '.join(self.other)})"
        return text


NO_REASON = "no property calls it and no reason is recorded (minitorch.testing.catalogue)"


def coverage(properties: Sequence[Property], reports: Sequence[OpReport] | None = None) -> Coverage:
    """The :class:`Coverage` of ``properties`` over the public names (``public_ops()``).

    Without ``reports`` a property checks what it declares (``covers``); with them, only
    what the cases of those runs called (``OpReport.calls``): a declared name no drawn case
    reached is reported as not drawn, so that a run's coverage line claims nothing it did
    not check.
    """
    ops = public_ops()
    checked: dict[str, list[str]] = {}
    for prop in properties:
        reached = prop.covers
        if reports is not None:
            reached = frozenset(name for r in reports if r.op == prop.name for name in r.calls)
        for name in sorted(reached & ops.keys()):
            if prop.name not in checked.get(name, []):
                checked.setdefault(name, []).append(prop.name)
    not_checked = {}
    for name in ops:
        if name in checked:
            continue
        declared = [p.name for p in properties if name in p.covers]
        elsewhere = [p.name for p in REGISTRY.values() if name in p.covers]
        if declared:
            not_checked[name] = (
                f"no case of {', '.join(declared)} drawn in this run called it (more --examples)"
            )
        elif elsewhere:
            not_checked[name] = f"not selected by --ops; checked by {', '.join(elsewhere)}"
        else:
            not_checked[name] = NOT_CHECKED.get(name, NO_REASON)
    other = {p.name: sorted(p.covers - ops.keys()) for p in properties if p.covers - ops.keys()}
    return Coverage(len(ops), checked, not_checked, other, observed=reports is not None)


def format_coverage(cover: Coverage) -> str:
    """Every public name: the properties that check it, or the reason none does."""
    width = max(len(name) for name in [*cover.checked, *cover.not_checked])
    lines = [
        f"checked      {name.ljust(width)}  by {', '.join(props)}"
        for name, props in sorted(cover.checked.items())
    ]
    by_reason: dict[str, list[str]] = {}
    for name, reason in cover.not_checked.items():
        by_reason.setdefault(reason, []).append(name)
    for reason, names in by_reason.items():
        lines += [f"not checked  {name.ljust(width)}  {reason}" for name in sorted(names)]
    for prop, names in cover.other.items():
        lines += [
            f"checked      {name.ljust(width)}  by {prop} (not minitorch's)" for name in names
        ]
    lines.append(cover.line())
    return "\n".join(lines)


def format_table(
    reports: Sequence[OpReport], torch_version: str, cover: Coverage | None = None
) -> str:
    """The report as a plain-text table, ending with the coverage line when ``cover`` is given."""
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
    if cover is not None:
        lines.append(cover.line())
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
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="list every public name of minitorch: the properties that check it, or why none does",
    )
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE first (repeatable): its minitorch.parity.register() calls add ops",
    )
    opinfo.add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected properties, print the report; return 1 if anything mismatched."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.opinfo:
        return run_command("minitorch-parity", lambda: opinfo.run(args))
    for name in args.module:
        try:
            importlib.import_module(name)
        except ImportError as error:
            parser.error(f"argument --module: cannot import {name}: {error}")
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
    if args.coverage:
        print(format_coverage(coverage(properties)))
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
    cover = coverage(properties, reports)
    print(format_table(reports, torch.__version__, cover))
    if args.json:
        document = {
            "torch_version": torch.__version__,
            "examples_per_op": args.examples,
            "seed": args.seed,
            "ops": [vars(r) for r in reports],
            "coverage": vars(cover),
        }
        try:
            with open(args.json, "w") as file:
                json.dump(document, file, indent=2)
        except OSError as error:
            raise CLIError(f"cannot write --json {args.json}: {os_error_reason(error)}") from error
    return 1 if any(r.mismatches for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
