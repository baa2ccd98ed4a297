"""The op catalogue: minitorch's public API, and every way of calling an elementwise op that
is checked against PyTorch.

:func:`public_api` lists every public name of minitorch (the package, ``Tensor``,
``nn.functional``, ``nn``, ``optim``, ``optim.lr_scheduler``) from the namespaces
themselves, so that no checker keeps a hand-written list of what minitorch implements:
:mod:`minitorch.testing.opinfo` runs PyTorch's own test database over the names found here.

One table of elementwise calls serves both checkers. ``minitorch-parity``
(:mod:`minitorch.parity`) registers one property per op and draws each case from one of
the op's calls; the test suite (``tests/test_ops_elementwise.py``) runs one Hypothesis
test per call. A new spelling added here is checked by both.

A call is the source text of a ``lambda t, ...`` taking the library first (``t`` is
``minitorch`` or ``torch``), so that the parity command can print a failing case as code;
:meth:`OpCall.function` evaluates it. ``values`` are keyword arguments for
:func:`minitorch.testing.strategies.arrays` that keep the drawn inputs off the points where
a derivative is only a convention: no zeros for abs, relu and division, positive inputs for
log, sqrt and fractional powers.

The tables are plain data: importing this module needs neither Hypothesis nor PyTorch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["API_NAMESPACES", "BINARY", "UNARY", "OpCall", "by_op", "public_api"]

# The public namespaces, as paths below ``minitorch`` ("" is the package itself).
API_NAMESPACES = ("", "Tensor", "nn.functional", "nn", "optim", "optim.lr_scheduler")


def public_api() -> dict[str, Any]:
    """Every public name of minitorch, by its path below ``minitorch``, to the object.

    ``{"add": minitorch.add, "Tensor.add": Tensor.add, "Tensor.__radd__": ...,
    "nn.functional.conv2d": ..., "nn.Conv2d": ..., "optim.SGD": ...,
    "optim.lr_scheduler.StepLR": ...}``. A module's names are its ``__all__``; Tensor's are
    its attributes without a leading underscore and the operator methods the class defines
    (``__radd__``, ``__getitem__``: the dunders ``object`` does not have). The paths are
    PyTorch's, so ``"nn.functional.conv2d"`` in PyTorch's test database names the same op.
    """
    import minitorch  # the package is imported already when this module is; no cycle at load

    api: dict[str, Any] = {}
    for namespace in API_NAMESPACES:
        if namespace == "Tensor":
            continue
        module = importlib.import_module(f"minitorch.{namespace}" if namespace else "minitorch")
        prefix = f"{namespace}." if namespace else ""
        for name in module.__all__:
            api[prefix + name] = getattr(module, name)
    tensor_names = {name for name in dir(minitorch.Tensor) if not name.startswith("_")}
    tensor_names |= {
        name
        for cls in minitorch.Tensor.__mro__[:-1]  # all but object
        for name, value in vars(cls).items()
        if name.startswith("__") and name not in dir(object) and callable(value)
    }
    for name in sorted(tensor_names):
        api[f"Tensor.{name}"] = getattr(minitorch.Tensor, name)
    return api


@dataclass(frozen=True)
class OpCall:
    """One way of calling the elementwise op ``op`` (the name ``minitorch-parity`` reports)."""

    op: str
    source: str  # "lambda t, x: t.exp(x)"
    values: dict[str, Any] = field(default_factory=dict)

    def function(self) -> Callable[..., Any]:
        """The callable ``source`` describes."""
        return eval(self.source, {})

    @property
    def label(self) -> str:
        """``op`` and the call's expression, e.g. ``"abs: abs(x)"`` (a test id)."""
        return f"{self.op}: {self.source.split(': ', 1)[1]}"


# One tensor operand (a Python scalar in the call is a constant).
UNARY = (
    OpCall("neg", "lambda t, x: -x"),
    OpCall("neg", "lambda t, x: t.neg(x)"),
    OpCall("exp", "lambda t, x: t.exp(x)"),
    OpCall("log", "lambda t, x: t.log(x)", {"low": 0.05}),
    OpCall("log", "lambda t, x: x.log()", {"low": 0.05}),
    OpCall("sqrt", "lambda t, x: t.sqrt(x)", {"low": 0.05}),
    OpCall("abs", "lambda t, x: t.abs(x)", {"min_magnitude": 0.01}),
    OpCall("abs", "lambda t, x: abs(x)", {"min_magnitude": 0.01}),
    OpCall("pow", "lambda t, x: x ** 3"),
    OpCall("pow", "lambda t, x: x ** 2"),
    OpCall("pow", "lambda t, x: x ** 0.5", {"low": 0.05}),
    OpCall("pow", "lambda t, x: x ** -1.5", {"low": 0.1}),
    OpCall("pow", "lambda t, x: x ** 0"),
    OpCall("pow", "lambda t, x: 2.0 ** x"),
    OpCall("reciprocal", "lambda t, x: 1 / x", {"min_magnitude": 0.1}),
    OpCall("clamp", "lambda t, x: t.clamp(x, -1.0, 2.0)"),
    OpCall("clamp", "lambda t, x: x.clamp(-1.0, 2.0)"),
    OpCall("clamp", "lambda t, x: t.clamp(x, min=0.5)"),
    OpCall("clamp", "lambda t, x: x.clip(max=-0.5)"),
    OpCall("relu", "lambda t, x: t.nn.functional.relu(x)", {"min_magnitude": 0.01}),
    OpCall("relu", "lambda t, x: t.relu(x)", {"min_magnitude": 0.01}),
    OpCall("sigmoid", "lambda t, x: t.nn.functional.sigmoid(x)"),
    OpCall("sigmoid", "lambda t, x: t.sigmoid(x)"),
    OpCall("tanh", "lambda t, x: t.nn.functional.tanh(x)"),
    OpCall("tanh", "lambda t, x: x.tanh()"),
    OpCall("add", "lambda t, x: 2 + x"),
    OpCall("add", "lambda t, x: t.add(x, 1.0, alpha=2)"),
    OpCall("sub", "lambda t, x: 3 - x"),
    OpCall("sub", "lambda t, x: x - 1.5"),
    OpCall("mul", "lambda t, x: 2.5 * x"),
    OpCall("mul", "lambda t, x: x * 3"),
    OpCall("div", "lambda t, x: x / 4"),
    OpCall("clone", "lambda t, x: x.clone()"),
    OpCall("contiguous", "lambda t, x: x.contiguous()"),
)

# Two tensor operands, of broadcastable shapes.
BINARY = (
    OpCall("add", "lambda t, x, y: x + y"),
    OpCall("add", "lambda t, x, y: t.add(x, y, alpha=-0.5)"),
    OpCall("sub", "lambda t, x, y: x - y"),
    OpCall("sub", "lambda t, x, y: x.sub(y, alpha=3)"),
    OpCall("mul", "lambda t, x, y: x * y"),
    OpCall("div", "lambda t, x, y: x / y", {"min_magnitude": 0.1}),
    OpCall("pow", "lambda t, x, y: x ** y", {"low": 0.1}),
    OpCall("maximum", "lambda t, x, y: t.maximum(x, y)"),
    OpCall("minimum", "lambda t, x, y: t.minimum(x, y)"),
    OpCall("where", "lambda t, x, y: t.where(x > y, x, y * 2)"),
)


def by_op(calls: Iterable[OpCall]) -> dict[str, list[OpCall]]:
    """``calls`` grouped by op, ops in the order they first appear."""
    grouped: dict[str, list[OpCall]] = {}
    for call in calls:
        grouped.setdefault(call.op, []).append(call)
    return grouped
