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

import ast
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "API_NAMESPACES",
    "BINARY",
    "BINARY_SPELLINGS",
    "NOT_CHECKED",
    "UNARY",
    "UNARY_SPELLINGS",
    "OpCall",
    "by_op",
    "calls_in",
    "public_api",
    "public_ops",
]

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


def public_ops() -> dict[str, Any]:
    """The public names ``minitorch-parity`` accounts for: :func:`public_api` without its
    constants (the dtype objects ``float32``..., the ``default_generator`` instance)."""
    import minitorch

    constants = (minitorch.dtype, minitorch.Generator)
    return {path: value for path, value in public_api().items() if not isinstance(value, constants)}


# Why ``minitorch-parity`` checks no property of these public names; every other public name is
# called by a registered property (tests/test_testing_toolkit.py holds both lists to that).
_NOT_CHECKED_GROUPS = {
    "a type, not an op: the properties check its instances and what it builds": (
        "Generator Size Tensor device dtype memory_format nn.Module optim.Optimizer "
        "optim.lr_scheduler.LRScheduler"
    ),
    "grad mode, not a computation: it changes what gets recorded (tests/test_autograd.py)": (
        "enable_grad inference_mode no_grad set_grad_enabled is_grad_enabled"
    ),
    "global settings, seeds and generator state: no tensor to compare": (
        "backend get_default_device get_default_dtype set_default_device set_default_dtype "
        "get_num_threads set_num_threads get_rng_state set_rng_state initial_seed manual_seed "
        "seed set_printoptions"
    ),
    "returns a dtype, a library's own object (tests/test_dtype.py compares them by name)": (
        "promote_types result_type Tensor.dtype"
    ),
    "random by definition: no draw can match PyTorch's (tests/test_nn_dropout.py and "
    "tests/test_tensor.py check them)": (
        "rand rand_like randint randint_like randn randn_like randperm nn.Dropout nn.Dropout2d "
        "nn.functional.dropout nn.functional.dropout2d"
    ),
    "uninitialised values by definition: only the shape is defined": (
        "empty empty_like Tensor.resize_"
    ),
    "files, not values: tests/test_serialization.py round-trips them with PyTorch": "save load",
    "a report on a training step, not a tensor op: tests/test_explain.py checks its figures "
    "against PyTorch's saved tensors and parameters": "explain",
    "the functional form under nn.BatchNorm1d/2d, whose property calls it; PyTorch's op_db "
    "entry runs it in tests/test_opinfo.py": "nn.functional.batch_norm",
    "memory and device plumbing: addresses, storages and devices, no values": (
        "Tensor.data_ptr Tensor.untyped_storage Tensor.cpu Tensor.cuda Tensor.device "
        "Tensor.is_cuda Tensor.__array__ Tensor.__deepcopy__"
    ),
    "autograd bookkeeping: every property's gradient comparison reads .grad, and "
    "tests/test_hooks.py checks hooks against PyTorch's": "Tensor.grad Tensor.register_hook",
    "learning-rate schedules: tests/test_lr_scheduler.py compares each with PyTorch's, and "
    "python -m minitorch.testing.opinfo runs PyTorch's optim_db schedules": (
        "optim.lr_scheduler.ChainedScheduler optim.lr_scheduler.ConstantLR "
        "optim.lr_scheduler.CosineAnnealingLR optim.lr_scheduler.CosineAnnealingWarmRestarts "
        "optim.lr_scheduler.CyclicLR optim.lr_scheduler.ExponentialLR "
        "optim.lr_scheduler.LambdaLR optim.lr_scheduler.LinearLR "
        "optim.lr_scheduler.MultiStepLR optim.lr_scheduler.MultiplicativeLR "
        "optim.lr_scheduler.OneCycleLR optim.lr_scheduler.PolynomialLR "
        "optim.lr_scheduler.ReduceLROnPlateau optim.lr_scheduler.SequentialLR "
        "optim.lr_scheduler.StepLR"
    ),
}
NOT_CHECKED: dict[str, str] = {
    name: reason for reason, names in _NOT_CHECKED_GROUPS.items() for name in names.split()
}


# Python's operators, as the Tensor methods they call (the reflected one when the tensor is
# on the right of a number: ``2 - x`` is ``x.__rsub__(2)``).
_BINARY_OPERATORS = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "truediv",
    ast.FloorDiv: "floordiv",
    ast.Mod: "mod",
    ast.Pow: "pow",
    ast.MatMult: "matmul",
    ast.BitAnd: "and",
    ast.BitOr: "or",
    ast.BitXor: "xor",
}
_UNARY_OPERATORS = {ast.USub: "__neg__", ast.Invert: "__invert__"}
# Built-in functions that call a Tensor method of the same name: abs(x) is x.__abs__().
_BUILTINS = ("abs", "len", "float", "int", "bool", "complex")


def _builtin_argument(node: ast.AST) -> tuple[str, ast.expr] | None:
    """``("abs", x)`` for a call ``abs(x)`` of one of :data:`_BUILTINS`; None otherwise."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        return (node.func.id, node.args[0]) if node.func.id in _BUILTINS else None
    return None


def calls_in(source: str, api: Iterable[str] | None = None) -> set[str]:
    """The public paths that the ``lambda`` in ``source`` calls, found from its syntax.

    The lambda's first parameter is the library: ``t.nn.functional.relu(x)`` calls
    ``"nn.functional.relu"``, and in a module lambda (``lambda nn: nn.Linear(3, 2)``, the
    parameter named ``nn``) ``nn.Linear`` is ``"nn.Linear"``. Any other attribute is a
    Tensor's (``x.exp()`` is ``"Tensor.exp"``, ``x.mT`` is ``"Tensor.mT"``), and operators are
    the Tensor methods they call (``x + y`` is ``"Tensor.__add__"``, ``2 - x`` is
    ``"Tensor.__rsub__"``, ``x[0]`` is ``"Tensor.__getitem__"``, ``abs(x)`` is
    ``"Tensor.__abs__"``). Only names of ``api`` (default :func:`public_ops`) are kept.
    """
    known = set(public_ops() if api is None else api)
    tree = ast.parse(source.strip(), mode="eval").body
    if not isinstance(tree, ast.Lambda) or not tree.args.args:
        raise ValueError(f"expected a lambda taking the library first, got {source!r}")
    library = tree.args.args[0].arg
    prefix = "nn." if library == "nn" else ""

    # Names that hold tensors: the lambda's parameters after the library, and those of any
    # inner lambda or comprehension. A chain rooted anywhere else (``np.arange(6.0)``, a
    # literal) is not a Tensor's.
    tensors = {
        arg.arg for node in ast.walk(tree) if isinstance(node, ast.Lambda) for arg in node.args.args
    } - {library}
    tensors |= {
        name.id
        for node in ast.walk(tree)
        if isinstance(node, ast.comprehension)
        for name in ast.walk(node.target)
        if isinstance(name, ast.Name)
    }

    def library_path(node: ast.expr) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id == library and parts:
            return prefix + ".".join(reversed(parts))
        return None

    def foreign(node: ast.expr) -> bool:
        while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
            node = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, ast.Name):
            return node.id not in tensors and node.id != library and node.id not in _BUILTINS
        return isinstance(node, (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set))

    found = set()
    for node in ast.walk(tree.body):
        if isinstance(node, ast.Attribute):
            path = library_path(node)
            if path is not None:
                found.add(path)
            elif not foreign(node.value):
                found.add(f"Tensor.{node.attr}")
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPERATORS:
            if foreign(node.left) and foreign(node.right):
                continue
            reflected = "r" if foreign(node.left) else ""
            found.add(f"Tensor.__{reflected}{_BINARY_OPERATORS[type(node.op)]}__")
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY_OPERATORS:
            if not foreign(node.operand):
                found.add(f"Tensor.{_UNARY_OPERATORS[type(node.op)]}")
        elif isinstance(node, ast.Subscript) and not foreign(node.value):
            found.add("Tensor.__getitem__")
        elif isinstance(node, ast.Subscript) and not foreign(node.slice):
            found.add("Tensor.__index__")  # [10, 20][i]: a tensor as a list's index
        elif isinstance(node, ast.comprehension):  # [row for row in x]
            if not foreign(node.iter):
                found.add("Tensor.__iter__")
        elif (builtin := _builtin_argument(node)) is not None and not foreign(builtin[1]):
            found.add(f"Tensor.__{builtin[0]}__")  # abs(x) is x.__abs__()
    return found & known


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


# More spellings of the same ops and their relatives (aliases, methods, in-place forms,
# comparisons, logic): minitorch-parity draws them as it draws the calls above, and
# tests/test_testing_toolkit.py runs each once on fixed inputs (the Hypothesis tests of
# tests/test_ops_elementwise.py keep to UNARY and BINARY, so that CI stays short).
UNARY_SPELLINGS = (
    OpCall("clone", "lambda t, x: t.clone(x)"),
    # method spellings and aliases
    OpCall("neg", "lambda t, x: x.negative()"),
    OpCall("exp", "lambda t, x: x.exp()"),
    OpCall("sqrt", "lambda t, x: x.sqrt()", {"low": 0.05}),
    OpCall("abs", "lambda t, x: x.abs()", {"min_magnitude": 0.01}),
    OpCall("pow", "lambda t, x: x.pow(3)"),
    OpCall("pow", "lambda t, x: t.pow(x, 2)"),
    OpCall("clamp", "lambda t, x: t.clip(x, -0.5, 1.0)"),
    OpCall("relu", "lambda t, x: x.relu()", {"min_magnitude": 0.01}),
    OpCall("sigmoid", "lambda t, x: x.sigmoid()"),
    OpCall("tanh", "lambda t, x: t.tanh(x)"),
    OpCall("rsub", "lambda t, x: t.rsub(x, 2.0)"),
    OpCall("div", "lambda t, x: x.true_divide(4)"),
    # in-place methods, on a copy (an in-place op on a leaf that requires grad is an error)
    OpCall("neg", "lambda t, x: x.clone().neg_()"),
    OpCall("exp", "lambda t, x: x.clone().exp_()"),
    OpCall("log", "lambda t, x: x.clone().log_()", {"low": 0.05}),
    OpCall("sqrt", "lambda t, x: x.clone().sqrt_()", {"low": 0.05}),
    OpCall("abs", "lambda t, x: x.clone().abs_()", {"min_magnitude": 0.01}),
    OpCall("pow", "lambda t, x: x.clone().pow_(2)"),
    OpCall("clamp", "lambda t, x: x.clone().clamp_(-1.0, 2.0)"),
    OpCall("clamp", "lambda t, x: x.clone().clip_(max=0.5)"),
    OpCall("relu", "lambda t, x: x.clone().relu_()", {"min_magnitude": 0.01}),
    OpCall("relu", "lambda t, x: t.nn.functional.relu_(x.clone())", {"min_magnitude": 0.01}),
    OpCall("sigmoid", "lambda t, x: x.clone().sigmoid_()"),
    OpCall("tanh", "lambda t, x: x.clone().tanh_()"),
    OpCall("add", "lambda t, x: x.clone().add_(1.5, alpha=2)"),
    OpCall("sub", "lambda t, x: x.clone().sub_(0.5)"),
    OpCall("mul", "lambda t, x: x.clone().mul_(2.5)"),
    OpCall("div", "lambda t, x: x.clone().div_(4)"),
    OpCall("neg", "lambda t, x: x.neg()"),
    OpCall("add", "lambda t, x: x.add(1.5)"),
    OpCall("mul", "lambda t, x: x.mul(2)"),
    OpCall("div", "lambda t, x: x.div(4)"),
    OpCall("remainder", "lambda t, x: x % 1.5"),
    OpCall("remainder", "lambda t, x: t.remainder(x, 1.5)"),
    OpCall("remainder", "lambda t, x: x.remainder(-2.5)"),
    OpCall("remainder", "lambda t, x: x.clone().remainder_(1.5)"),
    # dtype conversions: the values and the gradient flow back through the cast
    OpCall("to", "lambda t, x: x.double()"),
    OpCall("to", "lambda t, x: x.float()"),
    OpCall("to", "lambda t, x: x.half().float()"),
    OpCall("to", "lambda t, x: x.to(t.float64)"),
    OpCall("to", "lambda t, x: x.type(t.float32)"),
    # the in-place operators (``x += 1.5`` is a statement: the lambda calls the method)
    OpCall("add", "lambda t, x: x.clone().__iadd__(1.5)"),
    OpCall("sub", "lambda t, x: x.clone().__isub__(0.5)"),
    OpCall("mul", "lambda t, x: x.clone().__imul__(3)"),
    OpCall("div", "lambda t, x: x.clone().__itruediv__(4)"),
    OpCall("div", "lambda t, x: x.clone().divide_(2)"),
    OpCall("div", "lambda t, x: x.clone().true_divide_(8)"),
    OpCall("pow", "lambda t, x: x.clone().__ipow__(2)"),
    OpCall("remainder", "lambda t, x: x.clone().__imod__(1.5)"),
    OpCall(
        "remainder", "lambda t, x: 2.5 % x.detach()", {"min_magnitude": 0.1}
    ),  # no derivative in PyTorch
    OpCall("floor_divide", "lambda t, x: 3.0 // x.detach()", {"min_magnitude": 0.1}),
    OpCall("floor_divide", "lambda t, x: x.detach().clone().floor_divide_(0.75)"),
    OpCall("floor_divide", "lambda t, x: x.detach().clone().__ifloordiv__(0.75)"),
    # more aliases and in-place forms, functions and methods
    OpCall("abs", "lambda t, x: t.absolute(x)", {"min_magnitude": 0.01}),
    OpCall("abs", "lambda t, x: x.absolute()", {"min_magnitude": 0.01}),
    OpCall("abs", "lambda t, x: x.clone().absolute_()", {"min_magnitude": 0.01}),
    OpCall("abs", "lambda t, x: t.abs_(x.clone())", {"min_magnitude": 0.01}),
    OpCall("neg", "lambda t, x: t.negative(x)"),
    OpCall("neg", "lambda t, x: x.clone().negative_()"),
    OpCall("neg", "lambda t, x: t.neg_(x.clone())"),
    OpCall("neg", "lambda t, x: t.negative_(x.clone())"),
    OpCall("clamp", "lambda t, x: t.clamp_(x.clone(), -1.0, 2.0)"),
    OpCall("clamp", "lambda t, x: t.clip_(x.clone(), max=0.5)"),
    OpCall("exp", "lambda t, x: t.exp_(x.clone())"),
    OpCall("log", "lambda t, x: t.log_(x.clone())", {"low": 0.05}),
    OpCall("sqrt", "lambda t, x: t.sqrt_(x.clone())", {"low": 0.05}),
    OpCall("relu", "lambda t, x: t.relu_(x.clone())", {"min_magnitude": 0.01}),
    OpCall("sigmoid", "lambda t, x: t.sigmoid_(x.clone())"),
    OpCall("tanh", "lambda t, x: t.tanh_(x.clone())"),
    OpCall("fill", "lambda t, x: t.fill_(x.clone(), 0.5) + x"),
    OpCall("fill", "lambda t, x: t.zero_(x.clone()) + x"),
    OpCall("mul", "lambda t, x: x.clone().multiply_(2.5)"),
    OpCall("sub", "lambda t, x: x.clone().subtract_(0.5)"),
    OpCall("floor_divide", "lambda t, x: x.detach().floor_divide(0.75)"),
)

BINARY_SPELLINGS = (
    # function and method spellings and aliases
    OpCall("sub", "lambda t, x, y: t.sub(x, y)"),
    OpCall("sub", "lambda t, x, y: x.subtract(y)"),
    OpCall("mul", "lambda t, x, y: t.mul(x, y)"),
    OpCall("mul", "lambda t, x, y: x.multiply(y)"),
    OpCall("div", "lambda t, x, y: t.div(x, y)", {"min_magnitude": 0.1}),
    OpCall("div", "lambda t, x, y: x.divide(y)", {"min_magnitude": 0.1}),
    OpCall("pow", "lambda t, x, y: t.pow(x, y)", {"low": 0.1}),
    OpCall("maximum", "lambda t, x, y: x.maximum(y)"),
    OpCall("minimum", "lambda t, x, y: x.minimum(y)"),
    OpCall("where", "lambda t, x, y: x.where(x > y, y)"),
    OpCall("rsub", "lambda t, x, y: t.rsub(x, y, alpha=2)"),
    # comparisons: boolean outputs, no gradient
    OpCall("eq", "lambda t, x, y: t.eq(x, y)"),
    OpCall("ne", "lambda t, x, y: x.ne(y)"),
    OpCall("ne", "lambda t, x, y: t.not_equal(x, y)"),
    OpCall("lt", "lambda t, x, y: t.lt(x, y)"),
    OpCall("lt", "lambda t, x, y: x.less(y)"),
    OpCall("le", "lambda t, x, y: x.le(y)"),
    OpCall("le", "lambda t, x, y: t.less_equal(x, y)"),
    OpCall("gt", "lambda t, x, y: x.gt(y)"),
    OpCall("gt", "lambda t, x, y: t.greater(x, y)"),
    OpCall("ge", "lambda t, x, y: t.ge(x, y)"),
    OpCall("ge", "lambda t, x, y: x.greater_equal(y)"),
    OpCall("add", "lambda t, x, y: x.add(y)"),
    OpCall("mul", "lambda t, x, y: x.mul(y)"),
    OpCall("div", "lambda t, x, y: x.div(y)", {"min_magnitude": 0.1}),
    OpCall("remainder", "lambda t, x, y: x % y", {"min_magnitude": 0.1}),
    OpCall("remainder", "lambda t, x, y: t.remainder(x, y)", {"min_magnitude": 0.1}),
    OpCall("eq", "lambda t, x, y: x.eq(y)"),
    OpCall("ne", "lambda t, x, y: t.ne(x, y)"),
    OpCall("ne", "lambda t, x, y: x.not_equal(y)"),
    OpCall("lt", "lambda t, x, y: x.lt(y)"),
    OpCall("lt", "lambda t, x, y: t.less(x, y)"),
    OpCall("le", "lambda t, x, y: t.le(x, y)"),
    OpCall("le", "lambda t, x, y: x.less_equal(y)"),
    OpCall("gt", "lambda t, x, y: t.gt(x, y)"),
    OpCall("gt", "lambda t, x, y: x.greater(y)"),
    OpCall("ge", "lambda t, x, y: x.ge(y)"),
    OpCall("ge", "lambda t, x, y: t.greater_equal(x, y)"),
    # floor division has no derivative in PyTorch ("not implemented"): values only
    OpCall("floor_divide", "lambda t, x, y: x.detach() // y.detach()", {"min_magnitude": 0.1}),
    OpCall(
        "floor_divide",
        "lambda t, x, y: t.floor_divide(x.detach(), y.detach())",
        {"min_magnitude": 0.1},
    ),
    # logic on the comparisons' booleans
    OpCall("logical_and", "lambda t, x, y: t.logical_and(x > 0, y > 0)"),
    OpCall("logical_and", "lambda t, x, y: (x > 0).logical_and(y > 0)"),
    OpCall("logical_and", "lambda t, x, y: (x > 0) & (y > 0)"),
    OpCall("logical_or", "lambda t, x, y: t.logical_or(x > 0, y < 0)"),
    OpCall("logical_or", "lambda t, x, y: (x > 0).logical_or(y > 0)"),
    OpCall("logical_or", "lambda t, x, y: (x > 0) | (y < 0)"),
    OpCall("logical_xor", "lambda t, x, y: t.logical_xor(x > 0, y < 0)"),
    OpCall("logical_xor", "lambda t, x, y: (x > 0).logical_xor(y > 0)"),
    OpCall("logical_xor", "lambda t, x, y: (x > 0) ^ (y > 0)"),
    OpCall("logical_not", "lambda t, x, y: t.logical_not(x > y)"),
    OpCall("logical_not", "lambda t, x, y: (x > y).logical_not()"),
    OpCall("logical_not", "lambda t, x, y: ~(x > y)"),
    OpCall("isnan", "lambda t, x, y: t.isnan(x / y)"),
    OpCall("isnan", "lambda t, x, y: (x / y).isnan()"),
    OpCall("isinf", "lambda t, x, y: t.isinf(x / y)"),
    OpCall("isinf", "lambda t, x, y: (x / y).isinf()"),
    OpCall("isfinite", "lambda t, x, y: t.isfinite(x / y)"),
    OpCall("isfinite", "lambda t, x, y: (x / y).isfinite()"),
    OpCall("all", "lambda t, x, y: t.all(x > y)"),
    OpCall("all", "lambda t, x, y: (x < y + 8).all()"),
    OpCall("any", "lambda t, x, y: t.any(x > y)"),
    OpCall("any", "lambda t, x, y: (x > y).any()"),
    OpCall("equal", "lambda t, x, y: t.equal(x, y)"),
    OpCall("equal", "lambda t, x, y: x.equal(x * 1)"),
    OpCall("allclose", "lambda t, x, y: t.allclose(x, x + y * 1e-9)"),
    OpCall("allclose", "lambda t, x, y: x.allclose(y)"),
    # more aliases; in-place comparisons and logic, on a copy of x broadcast to y's shape
    OpCall("div", "lambda t, x, y: t.divide(x, y)", {"min_magnitude": 0.1}),
    OpCall("div", "lambda t, x, y: t.true_divide(x, y)", {"min_magnitude": 0.1}),
    OpCall("mul", "lambda t, x, y: t.multiply(x, y)"),
    OpCall("sub", "lambda t, x, y: t.subtract(x, y, alpha=2)"),
    OpCall("eq", "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().eq_(y.detach())"),
    OpCall("ne", "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().ne_(y.detach())"),
    OpCall(
        "ne", "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().not_equal_(y.detach())"
    ),
    OpCall("lt", "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().lt_(y.detach())"),
    OpCall("lt", "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().less_(y.detach())"),
    OpCall("le", "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().le_(y.detach())"),
    OpCall(
        "le",
        "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().less_equal_(y.detach())",
    ),
    OpCall("gt", "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().gt_(y.detach())"),
    OpCall(
        "gt", "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().greater_(y.detach())"
    ),
    OpCall("ge", "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().ge_(y.detach())"),
    OpCall(
        "ge",
        "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().greater_equal_(y.detach())",
    ),
    OpCall(
        "logical_and",
        "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().logical_and_(y.detach())",
    ),
    OpCall(
        "logical_or",
        "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().logical_or_(y.detach())",
    ),
    OpCall(
        "logical_xor",
        "lambda t, x, y: t.broadcast_tensors(x, y)[0].detach().clone().logical_xor_(y.detach())",
    ),
    OpCall("logical_not", "lambda t, x, y: (x > 0).logical_not_()"),
)


def by_op(calls: Iterable[OpCall]) -> dict[str, list[OpCall]]:
    """``calls`` grouped by op, ops in the order they first appear."""
    grouped: dict[str, list[OpCall]] = {}
    for call in calls:
        grouped.setdefault(call.op, []).append(call)
    return grouped
