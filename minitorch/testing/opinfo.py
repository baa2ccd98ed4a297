"""PyTorch's own test database run against minitorch: OpInfo, ModuleInfo and OptimizerInfo.

PyTorch tests itself from three tables in ``torch.testing._internal``: ``op_db`` (an op's
sample inputs and error inputs), ``module_db`` (constructor and forward inputs of each
``nn`` module) and ``optim_db`` (optimizer configurations and learning-rate schedulers).
This module walks every entry whose name minitorch's public API has
(:func:`minitorch.testing.catalogue.public_api`) and runs each sample on both libraries:

- **ops** (``op:add``), float32 and float64: every variant PyTorch lists that minitorch has
  (the function, the Tensor method, the in-place method, the operator and the aliases).
  The outputs' values, dtypes, shapes and ``requires_grad`` are compared with
  :func:`torch.testing.assert_close` at its default tolerances for the dtype (NaN equal to
  NaN, as PyTorch's own tests do), then every input's gradient under a seeded random
  upstream gradient. Each ``error_inputs`` sample must raise PyTorch's exception class; a
  different message is reported, not failed.
- **modules** (``module:nn.Conv2d``): both modules built from the same constructor
  arguments, PyTorch's state copied across by ``state_dict``, then outputs, input gradients
  and every parameter's ``.grad`` compared; ``module_error_inputs`` as for ops.
- **optimizers** (``optim:SGD``): every configuration ``optim_db`` lists steps identical
  parameters with identical gradients on both sides, the parameters compared after each
  step; then the same with each chain of schedulers ``optim_db`` lists, learning rates
  compared too; ``optim_error_inputs`` as for ops.

Each sample ends as one :class:`Outcome`: ``matched``; ``mismatched`` (with a reproducer:
three lines that rebuild the sample and print the difference); ``unsupported`` (minitorch
refused a keyword with TypeError, or raised NotImplementedError: the argument's name or the
message); ``skipped`` with its reason (complex or bfloat16 dtypes, sparse layouts, more
than 64 dimensions, CUDA, values that are random or uninitialised by definition, ...).
Nothing is left out silently. A variant PyTorch has and minitorch lacks (``Tensor.eq_``)
is one ``missing`` outcome, not one per sample.

Samples are PyTorch's, drawn as its own tests draw them (op_db reseeds the generators
before each sample; module_db and optim_db are drawn with torch seeded with 0), so a
sample's key (``op:div.trunc_rounding::Tensor.div_/float32/3``) names the same inputs on
every run with the same PyTorch; the process's generators are left as they were. Each
side gets its own copy of a sample's storages, viewed with the same sizes, strides and
offsets (non-contiguous and expanded inputs stay so, tensors sharing memory still do);
torch dtypes, devices, sizes and memory formats in the arguments become minitorch's.

    python -m minitorch.testing.opinfo --entries 'op:div*,module:*' --json report.json

prints the per-entry report and a summary line; ``tests/test_opinfo.py`` runs the same
walk. The walk needs PyTorch and ``expecttest`` (``torch.testing._internal`` imports it).
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import functools
import json
import os
import random
import re
import sys
import time
import types
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import minitorch
from minitorch._cli import CLIError, OneLineParser, output_file, positive_int, run_command
from minitorch.testing.catalogue import public_api

__all__ = [
    "MATCHED",
    "MISMATCHED",
    "MISSING",
    "SKIPPED",
    "UNSUPPORTED",
    "Entry",
    "EntryReport",
    "Outcome",
    "add_arguments",
    "entries",
    "format_report",
    "known_gaps",
    "main",
    "run",
    "run_entry",
    "run_sample",
    "summary",
    "summary_line",
]

MATCHED = "matched"
MISMATCHED = "mismatched"
UNSUPPORTED = "unsupported"
SKIPPED = "skipped"
MISSING = "missing"

DTYPES = ("float32", "float64")
SAMPLE_SEED = 0  # torch's generator is seeded with this before a sample list is drawn
MAX_DIMS = 64  # numpy's limit, and so minitorch's
OPTIMIZER_STEPS = 4
SCHEDULER_STEPS = 12  # StepLR(step_size=10) and ReduceLROnPlateau(patience=10) act once


@dataclass(frozen=True)
class Outcome:
    """What one sample gave: ``status`` is one of the five constants above.

    ``detail`` is the difference (mismatched), the argument or message (unsupported), the
    reason (skipped) or the name (missing); ``message`` notes an error sample whose class
    matched but whose message differs from PyTorch's (informational).
    """

    entry: str  # "op:div.trunc_rounding"
    sample: str  # "Tensor.div_/float32/3"
    status: str
    detail: str = ""
    message: str = ""
    reproducer: str = ""

    @property
    def key(self) -> str:
        """``entry::sample``, the name of this sample in reports and the known-gaps file."""
        return f"{self.entry}::{self.sample}"


@dataclass(frozen=True)
class Entry:
    """One entry of PyTorch's database that minitorch implements."""

    kind: str  # "op", "module" or "optim"
    name: str  # "div.trunc_rounding", "nn.Conv2d", "SGD"
    info: Any  # the OpInfo, ModuleInfo or OptimizerInfo

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass
class EntryReport:
    """The outcomes of one entry, counted."""

    entry: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def samples(self) -> int:
        """Samples run: every outcome but the missing variants, which ran none."""
        return sum(o.status != MISSING for o in self.outcomes)

    def as_json(self) -> dict[str, Any]:
        by_status = {s: [o for o in self.outcomes if o.status == s] for s in _STATUSES}
        return {
            "entry": self.entry,
            "samples": self.samples,
            "matched": len(by_status[MATCHED]),
            "mismatched": [
                {"sample": o.sample, "detail": o.detail, "reproducer": o.reproducer}
                for o in by_status[MISMATCHED]
            ],
            "unsupported": dict(Counter(o.detail for o in by_status[UNSUPPORTED])),
            "skipped": dict(Counter(o.detail for o in by_status[SKIPPED])),
            "missing": [o.sample for o in by_status[MISSING]],
            "message_differences": [
                {"sample": o.sample, "message": o.message} for o in self.outcomes if o.message
            ],
            "seconds": round(self.seconds, 2),
        }


_STATUSES = (MATCHED, MISMATCHED, UNSUPPORTED, SKIPPED, MISSING)


# ------------------------------------------------------------------ PyTorch's database


@functools.cache
def _torch() -> Any:
    import torch

    return torch


@functools.cache
def _database() -> types.SimpleNamespace:
    """PyTorch's three tables, imported once (about ten seconds)."""
    torch = _torch()
    frozen = torch.backends.flags_frozen()
    argv, sys.argv = sys.argv, sys.argv[:1]  # the test utilities read the command line
    environment = dict(os.environ)
    try:
        from torch.testing._internal import (
            common_methods_invocations,
            common_modules,
            common_optimizers,
        )
    finally:
        # The test utilities prepare a process for PyTorch's own test runs: they freeze
        # torch.backends' flags and set environment variables. The process importing this
        # walk (a test session, a command) keeps its own settings.
        sys.argv = argv
        for name in os.environ.keys() - environment.keys():
            del os.environ[name]
        if not frozen:
            torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
    return types.SimpleNamespace(
        op_db=common_methods_invocations.op_db,
        module_db=common_modules.module_db,
        optim_db=common_optimizers.optim_db,
        ModuleErrorEnum=common_modules.ModuleErrorEnum,
        OptimizerErrorEnum=common_optimizers.OptimizerErrorEnum,
        optim_inputs=getattr(
            common_optimizers,
            "_get_optim_inputs_including_global_cliquey_kwargs",
            lambda device, dtype, info: info.optim_inputs_func(device),
        ),
    )


def entries(patterns: Sequence[str] = ()) -> list[Entry]:
    """The database's entries that minitorch implements, found from its public API.

    An op entry is in when its name or one of its aliases is a public path of minitorch
    (``"add"``, ``"nn.functional.conv2d"``, ``"Tensor.__radd__"``), a module entry when
    ``nn.<class>`` is, an optimizer when ``optim.<class>`` is. ``patterns`` (globs over
    the keys, ``"op:div*"``, ``"module:*"``) select some.
    """
    return [e for e in _all_entries() if not patterns or _selected(e.key, patterns)]


def _selected(key: str, patterns: Sequence[str]) -> bool:
    """Whether a glob selects ``key``; one without a kind (``"add"``) matches the name."""
    name = key.split(":", 1)[1]
    return any(
        fnmatch.fnmatchcase(key, p) or (":" not in p and fnmatch.fnmatchcase(name, p))
        for p in patterns
    )


@functools.cache
def _all_entries() -> tuple[Entry, ...]:
    db = _database()
    api = public_api()
    found = []
    for info in db.op_db:
        names = [info.name, *(alias.name for alias in info.aliases)]
        if any(n in api or f"Tensor.{n}" in api for n in names):
            name = f"{info.name}.{info.variant_test_name}" if info.variant_test_name else info.name
            found.append(Entry("op", name, info))
    for info in db.module_db:
        if f"nn.{info.module_cls.__name__}" in api:
            found.append(Entry("module", f"nn.{info.module_cls.__name__}", info))
    for info in db.optim_db:
        if f"optim.{info.optim_cls.__name__}" in api:
            found.append(Entry("optim", info.optim_cls.__name__, info))
    return tuple(found)


@functools.cache
def _entry(key: str) -> Entry:
    for entry in _all_entries():
        if entry.key == key:
            return entry
    raise KeyError(f"no entry {key!r} in PyTorch's test database that minitorch implements")


# ------------------------------------------------------------------ torch names to minitorch


class _MissingAPI(AttributeError):
    """minitorch has no counterpart of a PyTorch name a variant needs (``Tensor.eq_``)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"minitorch has no {path}")
        self.path = path


class _Missing:
    """Stands for a PyTorch object minitorch lacks: calling it or reading it raises."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise _MissingAPI(self.path)

    def __getattr__(self, name: str) -> Any:
        raise _MissingAPI(f"{self.path}.{name}")


class _Namespace:
    """A minitorch module seen through PyTorch's names: a missing one raises _MissingAPI."""

    def __init__(self, module: types.ModuleType, path: str) -> None:
        self._module, self._path = module, path

    def __getattr__(self, name: str) -> Any:
        path = f"{self._path}.{name}" if self._path else name
        value = getattr(self._module, name, _Missing(path))
        if isinstance(value, _Missing):
            raise _MissingAPI(path)
        return _Namespace(value, path) if isinstance(value, types.ModuleType) else value


def _resolve(root: Any, path: str) -> Any:
    """``root.a.b`` for ``path`` ``"a.b"``; None where a part is missing."""
    value = root
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


TORCH_NAMESPACES = (
    "",
    "nn.functional",
    "Tensor",
    "nn",
    "optim",
    "optim.lr_scheduler",
    "special",
    "linalg",
    "fft",
)


@functools.cache
def _torch_paths() -> dict[int, str]:
    """id of each public PyTorch callable -> its path (``"Tensor.add_"``), first path wins."""
    torch = _torch()
    paths: dict[int, str] = {}
    for namespace in TORCH_NAMESPACES:
        module = _resolve(torch, namespace) if namespace else torch
        prefix = f"{namespace}." if namespace else ""
        for name in dir(module):
            if name.startswith("_") and not name.endswith("__"):
                continue
            with contextlib.suppress(Exception):  # some attributes raise when read
                value = getattr(module, name)
                if callable(value) or isinstance(value, types.GetSetDescriptorType):
                    paths.setdefault(id(value), prefix + name)
    return paths


def _minitorch_object(value: Any) -> Any:
    """What stands for PyTorch's ``value`` in code run on minitorch."""
    torch = _torch()
    if value is torch:
        return _Namespace(minitorch, "")
    if isinstance(value, types.ModuleType) and value.__name__.startswith("torch."):
        path = value.__name__.removeprefix("torch.")
        module = _resolve(minitorch, path)
        return _Namespace(module, path) if module is not None else _Missing(path)
    torch_path = _torch_paths().get(id(value)) if callable(value) else None
    if torch_path is None:
        return value
    found = _resolve(minitorch, torch_path)
    return _Missing(torch_path) if found is None else found


def _call_without_reseeding(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # Stands for op_db's wrapper_set_seed, which seeds torch with 42 inside every call: the
    # walk seeds both generators itself, so that two seeds can show an output is random.
    return fn(*args, **kwargs)


def _transplant(fn: types.FunctionType, on_minitorch: bool) -> types.FunctionType:
    """``fn`` (a lambda of op_db or optim_db) with its PyTorch names bound to minitorch's.

    ``lambda self, condition, other: torch.where(condition, self, other)`` becomes the same
    call of ``minitorch.where``; a name minitorch lacks raises an AttributeError naming it
    when used, which the walk records as a missing variant.
    With ``on_minitorch`` false only ``wrapper_set_seed`` is replaced.
    """
    names = set(_code_names(fn.__code__))
    namespace = dict(fn.__globals__)
    for name in names & namespace.keys():
        if name == "wrapper_set_seed":
            namespace[name] = _call_without_reseeding
        elif on_minitorch:
            namespace[name] = _minitorch_object(namespace[name])
    closure = fn.__closure__
    if on_minitorch and closure:
        closure = tuple(types.CellType(_minitorch_object(c.cell_contents)) for c in closure)
    return types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, closure)


def _code_names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_names(const)


def _is_database_lambda(fn: Any) -> bool:
    return isinstance(fn, types.FunctionType) and fn.__module__.startswith(
        "torch.testing._internal"
    )


# ------------------------------------------------------------------ op variants


@dataclass(frozen=True)
class _Variant:
    """One way PyTorch calls an op, and minitorch's counterpart (None: minitorch lacks it)."""

    label: str  # "add", "Tensor.add_", "operator.add", "lambda", "lambda_"
    torch_fn: Callable[..., Any]
    minitorch_fn: Callable[..., Any] | None
    inplace: bool
    random: bool


def _variant(label_hint: str, torch_fn: Any, inplace: bool) -> _Variant | None:
    torch = _torch()
    if torch_fn is None:
        return None
    reseeds = isinstance(torch_fn, types.FunctionType) and "wrapper_set_seed" in set(
        _code_names(torch_fn.__code__)
    )
    if getattr(torch_fn, "__module__", None) in ("_operator", "operator"):
        # operator.add(x, y) is x + y: the same function serves both libraries
        return _Variant(f"operator.{torch_fn.__name__}", torch_fn, torch_fn, inplace, False)
    path: str | None
    if _resolve(torch, label_hint) is torch_fn:
        path = label_hint
    elif _resolve(torch.Tensor, label_hint) is torch_fn:
        path = f"Tensor.{label_hint}"
    else:
        path = _torch_paths().get(id(torch_fn))
    if path is not None and not _is_database_lambda(torch_fn):
        return _Variant(path, torch_fn, _resolve(minitorch, path), inplace, reseeds)
    if _is_database_lambda(torch_fn):
        return _Variant(
            "lambda_" if inplace else "lambda",  # op_db's own lambda (an in-place one: lambda_)
            _transplant(torch_fn, on_minitorch=False),
            _transplant(torch_fn, on_minitorch=True),
            inplace,
            reseeds,
        )
    return None


def _only_tensor_methods(fn: Any) -> bool:
    """A lambda that only calls Tensor methods (``lambda x: x.float()``): the method variant
    runs the same call, so it is not run twice."""
    torch = _torch()
    return _is_database_lambda(fn) and all(
        hasattr(torch.Tensor, name) for name in _code_names(fn.__code__)
    )


@functools.cache
def _op_variants(key: str) -> tuple[_Variant, ...]:
    info = _entry(key).info
    candidates: list[tuple[str, Any, bool]] = []
    if not (info.method_variant is not None and _only_tensor_methods(info.op)):
        candidates.append((info.name, info.op, False))
    candidates += [
        (info.name, info.method_variant, False),
        (f"{info.name}_", info.inplace_variant, True),
        (info.name, getattr(info, "operator_variant", None), False),
        (info.name, getattr(info, "inplace_operator_variant", None), True),
    ]
    for alias in info.aliases:
        parent = alias.name.rpartition(".")[0]
        if parent and _resolve(minitorch, parent) is None:
            continue  # an alias in a namespace minitorch does not have (torch.special)
        candidates += [
            (alias.name, alias.op, False),
            (alias.name, alias.method_variant, False),
            (f"{alias.name}_", alias.inplace_variant, True),
        ]
    variants: dict[str, _Variant] = {}
    for hint, fn, inplace in candidates:
        variant = _variant(hint, fn, inplace)
        if variant is not None:
            variants.setdefault(variant.label, variant)
    return tuple(variants.values())


def _function_variant(key: str) -> _Variant | None:
    """The variant PyTorch's error tests call: ``op`` itself."""
    info = _entry(key).info
    return _variant(info.name, info.op, inplace=False)


def _values_undefined(info: Any) -> bool:
    """Whether the op's outputs are uninitialised memory: the ``empty`` family, which op_db
    skips in its value tests as "not comparable" (not random: no seed makes them agree)."""
    if info.name.startswith(("empty", "new_empty")):
        return True
    for decorator in getattr(info, "decorators", ()):
        if getattr(decorator, "cls_name", None) == "TestDecomp":
            # a decomposition that makes its output with new_empty_strided (circular pad's)
            # cannot be compared with the op there; the op's own values can
            continue
        for inner in _as_tuple(getattr(decorator, "decorators", decorator)):
            for cell in getattr(inner, "__closure__", None) or ():
                with contextlib.suppress(ValueError):
                    text = cell.cell_contents
                    if isinstance(text, str) and "is not comparable" in text:
                        return "between dtypes" not in text
    return False


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


# ------------------------------------------------------------------ samples


class _Skip(Exception):
    """The sample uses something minitorch does not have by design; the reason is counted."""


class _Unsupported(Exception):
    """The sample passes an argument minitorch cannot take; the argument is recorded."""


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Both generators seeded with ``seed`` inside, and restored after."""
    torch = _torch()
    minitorch_state = minitorch.get_rng_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        minitorch.manual_seed(seed)
        try:
            yield
        finally:
            minitorch.set_rng_state(minitorch_state)


@contextlib.contextmanager
def _drawing() -> Iterator[None]:
    """Where PyTorch's samples are drawn: torch seeded with SAMPLE_SEED, and every global
    generator the test utilities reseed (torch's, numpy's, Python's) restored after, so that
    drawing samples changes nothing for the code around it."""
    torch = _torch()
    common_utils: Any = sys.modules["torch.testing._internal.common_utils"]
    python_state, numpy_state = random.getstate(), np.random.get_state()
    # op_db's sample iterators look for a unittest TestCase up the stack (inspect.stack(),
    # slow under pytest's deep stacks) to name their seed; there is none here either way.
    find_test, common_utils.extract_test_fn = common_utils.extract_test_fn, lambda: None
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(SAMPLE_SEED)
            yield
    finally:
        common_utils.extract_test_fn = find_test
        random.setstate(python_state)
        np.random.set_state(numpy_state)


class _SampleList:
    """One of PyTorch's sample lists, drawn only as far as asked: op_db reseeds the
    generators before each sample, so the first ``n`` are the same however far it is drawn."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._iterator: Iterator[Any] | None = None
        self._drawn: list[Any] = []
        self._done = False

    def first(self, count: int | None) -> list[Any]:
        while not self._done and (count is None or len(self._drawn) < count):
            with _drawing():
                if self._iterator is None:
                    self._iterator = iter(self._make())
                item = next(self._iterator, _END)
            if item is _END:
                self._done = True
            else:
                self._drawn.append(item)
        return self._drawn if count is None else self._drawn[:count]


_END = object()


@functools.cache
def _op_sample_list(key: str, dtype_name: str) -> _SampleList:
    torch = _torch()
    info = _entry(key).info
    dtype = getattr(torch, dtype_name)
    requires_grad = info.supports_autograd and dtype in info.supported_backward_dtypes("cpu")
    return _SampleList(lambda: info.sample_inputs("cpu", dtype, requires_grad=requires_grad))


def _op_samples(key: str, dtype_name: str, count: int | None = None) -> list[Any]:
    """The first ``count`` samples (all with None) of the op's list for ``dtype_name``."""
    return _op_sample_list(key, dtype_name).first(count)


@functools.cache
def _op_error_sample_list(key: str) -> _SampleList:
    info = _entry(key).info
    if info.error_inputs_func is None:
        return _SampleList(lambda: ())
    return _SampleList(lambda: info.error_inputs("cpu"))


def _op_error_samples(key: str, count: int | None = None) -> list[Any]:
    return _op_error_sample_list(key).first(count)


class _Leaves:
    """The tensors requiring grad in a sample, in order, on both sides, with where they are."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, Any, Any]] = []  # (where, torch leaf, minitorch leaf)


def _map_tensors(value: Any, memo: dict[Any, Any], convert: Callable[[Any], Any]) -> Any:
    """PyTorch's sample with each tensor replaced by ``convert(tensor)``, once per tensor
    (``memo``), in lists, tuples (named ones too) and dicts, in their order."""
    torch = _torch()
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, torch.Tensor):
        converted = memo[id(value)] = convert(value)
        return converted
    if isinstance(value, (list, tuple)) and not isinstance(value, torch.Size):
        items = [_map_tensors(v, memo, convert) for v in value]
        return type(value)(*items) if _is_namedtuple(value) else type(value)(items)
    if isinstance(value, dict):
        return {k: _map_tensors(v, memo, convert) for k, v in value.items()}
    return value


def _fresh_torch(value: Any, memo: dict[Any, Any]) -> Any:
    """A copy of PyTorch's sample whose tensors are new leaves over copied storages, with
    the same sizes, strides and offsets (an expanded ``out=`` stays expanded) and the same
    sharing between tensors: in-place variants write into it, and gradients collect in it,
    once per run."""
    torch = _torch()

    def fresh(tensor: Any) -> Any:
        if tensor.layout != torch.strided or tensor.is_quantized or tensor.device.type != "cpu":
            return tensor  # refused with its reason when converted
        storage = _shared(memo, tensor, lambda: tensor.untyped_storage().clone())
        copy = torch.empty(0, dtype=tensor.dtype)
        copy.set_(storage, tensor.storage_offset(), tensor.size(), tensor.stride())
        copy.requires_grad_(tensor.requires_grad)
        if isinstance(tensor, torch.nn.Parameter):
            copy = torch.nn.Parameter(copy, requires_grad=tensor.requires_grad)
        return copy

    return _map_tensors(value, memo, fresh)


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


DTYPE_SKIPS = {"bfloat16": "bfloat16 dtype", "complex32": "complex dtype"}


def _minitorch_dtype(dtype: Any) -> Any:
    name = str(dtype).removeprefix("torch.")
    found = getattr(minitorch, name, None)
    if isinstance(found, minitorch.dtype):
        return found
    if dtype.is_complex:
        raise _Skip("complex dtype")
    raise _Skip(DTYPE_SKIPS.get(name, f"dtype {name} (not in minitorch)"))


def _to_minitorch(value: Any, memo: dict[Any, Any], leaves: _Leaves, where: str) -> Any:
    """PyTorch's argument ``value`` as minitorch's; raises _Skip or _Unsupported."""
    torch = _torch()
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, torch.Tensor):
        converted = _tensor_to_minitorch(value, memo)
        if value.requires_grad:
            leaves.pairs.append((where, value, converted))
        memo[id(value)] = converted
        return converted
    if isinstance(value, torch.dtype):
        return _minitorch_dtype(value)
    if isinstance(value, torch.device):
        if value.type != "cpu":
            raise _Skip("CUDA" if value.type == "cuda" else f"device {value.type}")
        return minitorch.device(str(value))
    if isinstance(value, torch.memory_format):
        name = str(value).removeprefix("torch.")
        found = getattr(minitorch, name, None)
        if found is None:
            raise _Unsupported(f"memory_format=torch.{name}")
        return found
    if isinstance(value, torch.layout):
        if value != torch.strided:
            raise _Skip(f"{value} layout")
        found = getattr(minitorch, "strided", None)
        if found is None:
            raise _Unsupported("layout=torch.strided")
        return found
    if isinstance(value, torch.Generator):
        raise _Unsupported("generator=torch.Generator")
    if isinstance(value, torch.Size):
        return minitorch.Size(tuple(value))
    if isinstance(value, (list, tuple)):
        items = [_to_minitorch(v, memo, leaves, f"{where}[{i}]") for i, v in enumerate(value)]
        return type(value)(*items) if _is_namedtuple(value) else type(value)(items)
    if isinstance(value, dict):
        return {k: _to_minitorch(v, memo, leaves, f"{where}[{k!r}]") for k, v in value.items()}
    return value


def _shared(memo: dict[Any, Any], tensor: Any, make: Callable[[], Any]) -> Any:
    """One copy per storage of the sample, so that tensors sharing memory still do."""
    if tensor.untyped_storage().nbytes() == 0:
        return make()
    key = ("storage", tensor.untyped_storage().data_ptr())
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _tensor_to_minitorch(value: Any, memo: dict[Any, Any] | None = None) -> Any:
    """PyTorch's tensor as minitorch's, over a copy of its storage with the same sizes,
    strides and offset, so that non-contiguous and expanded inputs stay so."""
    torch = _torch()
    if value.layout != torch.strided:
        raise _Skip("sparse layout")
    if value.device.type != "cpu":
        raise _Skip("CUDA" if value.device.type == "cuda" else f"device {value.device.type}")
    if value.dim() > MAX_DIMS:
        raise _Skip(f"more than {MAX_DIMS} dims")
    if value.is_quantized:
        raise _Skip("quantized tensor")
    _minitorch_dtype(value.dtype)  # a dtype minitorch lacks is a skip

    def storage_copy() -> np.ndarray:
        storage = value.untyped_storage()
        flat = torch.empty(0, dtype=value.dtype)
        flat.set_(storage, 0, (storage.nbytes() // value.element_size(),), (1,))
        return flat.detach().numpy().copy()

    storage = _shared({} if memo is None else memo, value, storage_copy)
    # an ndarray over the storage's buffer has the storage as its base, so minitorch sees
    # one storage behind tensors that share one (as_strided's wrapper would hide it)
    array = np.ndarray(
        tuple(value.shape),
        storage.dtype,
        buffer=storage,
        offset=value.storage_offset() * storage.itemsize,
        strides=tuple(stride * storage.itemsize for stride in value.stride()),
    )
    tensor = minitorch.from_numpy(array)
    if isinstance(value, torch.nn.Parameter):
        return minitorch.nn.Parameter(tensor, requires_grad=value.requires_grad)
    return tensor.requires_grad_(value.requires_grad)


def _as_torch(value: Any) -> Any:
    """minitorch's tensor as a torch tensor, for assert_close."""
    return _torch().from_numpy(np.array(value.detach().numpy(), copy=True))


# ------------------------------------------------------------------ comparing


class _Mismatch(Exception):
    """minitorch and PyTorch differ; the message says where and how."""


class _GradientMismatch(_Mismatch):
    """A gradient's values differ (the forward matched): float64 may arbitrate."""


def _flatten(value: Any) -> list[Any]:
    torch = _torch()
    if isinstance(value, (list, tuple)) and not isinstance(value, (torch.Size, minitorch.Size)):
        return [x for item in value for x in _flatten(item)]
    return [value]


def _describe(value: Any) -> str:
    torch = _torch()
    if isinstance(value, (torch.Tensor, minitorch.Tensor)):
        dtype = str(value.dtype).split(".")[-1]
        return f"a {dtype} tensor of shape {tuple(value.shape)}"
    return f"{type(value).__name__} {value!r}"


def _compare(actual: Any, expected: Any, where: str, values: bool = True) -> None:
    """Raise _Mismatch unless minitorch's ``actual`` is PyTorch's ``expected``.

    Tensors: type, ``requires_grad``, then ``assert_close`` (shape, dtype, values at the
    dtype's default tolerances; with ``values`` false, shape and dtype only). Sequences
    item by item; numbers, bools, dtypes and the rest by equality and type.
    """
    torch = _torch()
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, minitorch.Tensor):
            raise _Mismatch(f"{where}: minitorch gave {_describe(actual)}, PyTorch a tensor")
        if actual.requires_grad != expected.requires_grad:
            raise _Mismatch(
                f"{where}: requires_grad is {actual.requires_grad} in minitorch, "
                f"{expected.requires_grad} in PyTorch"
            )
        got = _as_torch(actual)
        want = expected.detach()
        if not values:
            got, want = torch.zeros_like(got), torch.zeros_like(want)
        try:
            torch.testing.assert_close(got, want, equal_nan=True)
        except AssertionError as error:
            raise _Mismatch(f"{where}: {_first_lines(str(error))}{_values(got, want)}") from None
        return
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            raise _Mismatch(
                f"{where}: minitorch gave {_describe(actual)}, "
                f"PyTorch a {type(expected).__name__} of {len(expected)}"
            )
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _compare(a, e, f"{where}[{i}]", values)
        return
    if isinstance(expected, torch.dtype):
        if str(actual).removeprefix("minitorch.") != str(expected).removeprefix("torch."):
            raise _Mismatch(f"{where}: minitorch gave {actual!r}, PyTorch {expected!r}")
        return
    if isinstance(expected, (bool, int, float, complex)) and values:
        try:
            torch.testing.assert_close(actual, expected, equal_nan=True)
        except (AssertionError, TypeError) as error:
            raise _Mismatch(f"{where}: {_first_lines(str(error))}") from None
        return
    if values and actual != expected:
        raise _Mismatch(f"{where}: minitorch gave {actual!r}, PyTorch {expected!r}")


def _first_lines(text: str, lines: int = 4) -> str:
    """The first ``lines`` lines that have text, joined (assert_close's message: the verdict,
    the mismatched elements, the greatest absolute and relative differences)."""
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(kept[:lines])


def _values(got: Any, want: Any) -> str:
    """Both tensors' values where they are small enough to read."""
    if got.numel() > 12 or got.shape != want.shape:
        return ""
    return f" minitorch {got.tolist()}, PyTorch {want.tolist()}"


def _differentiable(outputs: list[Any]) -> list[int]:
    torch = _torch()
    return [
        i for i, out in enumerate(outputs) if isinstance(out, torch.Tensor) and out.requires_grad
    ]


def _compare_gradients(
    mt_outputs: list[Any], torch_outputs: list[Any], leaves: _Leaves, seed: int
) -> None:
    """Backpropagate the same random upstream gradient on both sides; compare each leaf's."""
    torch = _torch()
    chosen = _differentiable(torch_outputs)
    if not chosen or not leaves.pairs:
        return
    rng = np.random.default_rng(seed)
    torch_grads, mt_grads = [], []
    for i in chosen:
        dtype = torch_outputs[i].detach().numpy().dtype
        upstream = rng.standard_normal(tuple(torch_outputs[i].shape)).astype(dtype)
        torch_grads.append(torch.from_numpy(upstream.copy()))
        mt_grads.append(minitorch.tensor(upstream))
    try:
        torch.autograd.backward([torch_outputs[i] for i in chosen], torch_grads)
    except RuntimeError as error:
        raise _Skip(f"PyTorch's backward raised: {_first_lines(str(error), 1)}") from None
    try:
        with _minitorch_warnings():
            minitorch.autograd.backward([mt_outputs[i] for i in chosen], mt_grads)
    except NotImplementedError as error:
        raise _Unsupported(f"backward: {_first_lines(str(error), 1)}") from None
    except Exception as error:  # noqa: BLE001 - whatever minitorch raised is the finding
        raise _Mismatch(f"minitorch's backward raised {_name(error)}") from None
    for where, torch_leaf, mt_leaf in leaves.pairs:
        if torch_leaf.grad is None and mt_leaf.grad is None:
            continue
        if torch_leaf.grad is None or mt_leaf.grad is None:
            has = "has none" if mt_leaf.grad is None else "has one"
            torch_has = "has none" if torch_leaf.grad is None else "has one"
            raise _Mismatch(f"gradient of {where}: minitorch {has}, PyTorch {torch_has}")
        try:
            _compare(mt_leaf.grad, torch_leaf.grad, f"gradient of {where}")
        except _Mismatch as mismatch:
            raise _GradientMismatch(str(mismatch)) from None


def _name(error: BaseException | None) -> str:
    return f"{type(error).__name__}: {_first_lines(str(error), 2)}"


@contextlib.contextmanager
def _minitorch_warnings() -> Iterator[None]:
    """minitorch's calls under the test suite's warning rules, so the report agrees with the
    tests: numpy's RuntimeWarnings from minitorch's code are errors (pyproject's
    filterwarnings); other warnings, which PyTorch gives its own way, are not compared."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.filterwarnings("error", category=RuntimeWarning, module="minitorch")
        yield


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# Python's "f() got an unexpected keyword argument 'dims'", and "to() got unexpected keyword
# arguments ['memory_format']" where a function takes **kwargs and checks them itself.
_UNEXPECTED_KEYWORD = re.compile(r"unexpected keyword arguments? \[?'(\w+)'")
_MISSING_METHOD = re.compile(r"^'Tensor' object has no attribute '(\w+)'$")


def _refusal(error: BaseException, callee: str) -> tuple[str, str] | None:
    """(status, detail) when minitorch's error means it lacks something, else None."""
    torch = _torch()
    if isinstance(error, _MissingAPI):
        return MISSING, error.path
    if isinstance(error, AttributeError):
        match = _MISSING_METHOD.match(str(error))
        if match and hasattr(torch.Tensor, match.group(1)):
            return MISSING, f"Tensor.{match.group(1)}"
    if isinstance(error, TypeError):
        match = _UNEXPECTED_KEYWORD.search(str(error))
        if match:
            return UNSUPPORTED, f"{callee}({match.group(1)}=)"
    if isinstance(error, NotImplementedError):
        return UNSUPPORTED, f"{callee}: {_first_lines(str(error), 1)}"
    return None


@dataclass
class _Run:
    """One call's result on one library: the value, or the exception it raised."""

    value: Any = None
    error: BaseException | None = None


def _run(fn: Callable[[], Any], on_minitorch: bool) -> _Run:
    try:
        with _minitorch_warnings() if on_minitorch else _quiet():
            return _Run(fn())
    except Exception as error:  # noqa: BLE001 - what each side raised is what is compared
        return _Run(error=error)


def _judge_errors(mt: _Run, pt: _Run, callee: str) -> tuple[str, str] | None:
    """The outcome when either side raised; None when both returned."""
    if pt.error is None and mt.error is None:
        return None
    if pt.error is not None and mt.error is not None:
        if isinstance(mt.error, type(pt.error)):
            return MATCHED, ""
        refusal = _refusal(mt.error, callee)
        if refusal is not None:
            return refusal  # minitorch refused the call before it could check the input
        return MISMATCHED, f"minitorch raised {_name(mt.error)}; PyTorch raised {_name(pt.error)}"
    if pt.error is not None:
        return MISMATCHED, f"PyTorch raised {_name(pt.error)}; minitorch returned a result"
    assert mt.error is not None
    refusal = _refusal(mt.error, callee)
    if refusal is not None:
        return refusal
    return MISMATCHED, f"minitorch raised {_name(mt.error)}; PyTorch returned a result"


# ------------------------------------------------------------------ running op samples


def _reproducer(key: str, about: str) -> str:
    return (
        f"# {about}\n"
        "from minitorch.testing.opinfo import run_sample\n"
        f"print(run_sample({key!r}).detail)"
    )


def _sample_summary(sample: Any) -> str:
    with contextlib.suppress(Exception):
        return " ".join(sample.summary().split())
    return type(sample).__name__


def _callee(variant: _Variant, entry: Entry) -> str:
    return entry.info.name if variant.label.startswith("lambda") else variant.label


def _call_op(variant_fn: Callable[..., Any], sample: Any, inplace: bool) -> Any:
    """``fn(input, *args, **kwargs)``, op_db's convention, for ``(input, args, kwargs)``."""
    first = sample[0]
    if inplace and getattr(first, "requires_grad", False):
        first = first.clone()  # a leaf that requires grad cannot be written in place
    return variant_fn(first, *sample[1], **sample[2])


def _call_variant(variant: _Variant, sample: Any, on_minitorch: bool) -> _Run:
    fn = variant.minitorch_fn if on_minitorch else variant.torch_fn
    assert fn is not None
    return _run(lambda: _call_op(fn, sample, variant.inplace), on_minitorch)


def _op_outcome(entry: Entry, variant: _Variant, dtype_name: str, index: int) -> Outcome:
    """Run sample ``index`` of ``dtype_name`` through ``variant`` on both libraries."""
    sample = _op_samples(entry.key, dtype_name, index + 1)[index]
    sample_id = f"{variant.label}/{dtype_name}/{index}"
    key = f"{entry.key}::{sample_id}"
    status, detail = _op_status(entry, variant, sample, seed=index)
    reproducer = ""
    if status == MISMATCHED:
        reproducer = _reproducer(key, f"{entry.key} {sample_id}: {_sample_summary(sample)}")
    return Outcome(entry.key, sample_id, status, detail, reproducer=reproducer)


def _op_status(entry: Entry, variant: _Variant, sample: Any, seed: int) -> tuple[str, str]:
    if variant.minitorch_fn is None:
        return MISSING, variant.label
    as_args = (sample.input, sample.args, sample.kwargs)
    torch_memo: dict[int, Any] = {}
    torch_sample = _fresh_torch(as_args, torch_memo)
    leaves = _Leaves()
    try:
        mt_sample = _to_minitorch(torch_sample, {}, leaves, "input")
    except _Skip as skip:
        return SKIPPED, str(skip)
    except _Unsupported as unsupported:
        return UNSUPPORTED, f"{_callee(variant, entry)}({unsupported})"
    _name_leaves(leaves)
    with _seeded(seed):
        pt = _call_variant(variant, torch_sample, on_minitorch=False)
    with _seeded(seed):
        mt = _call_variant(variant, mt_sample, on_minitorch=True)
    judged = _judge_errors(mt, pt, _callee(variant, entry))
    if judged is not None:
        return judged
    random_values = variant.random and not _deterministic(
        variant, as_args, pt.value, mt.value, seed
    )
    undefined = _values_undefined(entry.info)
    torch_outputs, mt_outputs = _flatten(pt.value), _flatten(mt.value)
    try:
        _compare(mt.value, pt.value, "output", values=not (random_values or undefined))
        if random_values:
            return SKIPPED, "random values (shapes and dtypes matched)"
        if undefined:
            return SKIPPED, "uninitialised values (shapes and dtypes matched)"
        _compare_gradients(mt_outputs, torch_outputs, leaves, seed)
    except _GradientMismatch as mismatch:
        verdict = _float64_verdict(variant, as_args, leaves, seed)
        return (MATCHED, verdict) if verdict else (MISMATCHED, str(mismatch))
    except _Mismatch as mismatch:
        return MISMATCHED, str(mismatch)
    except _Skip as skip:
        return SKIPPED, str(skip)
    except _Unsupported as unsupported:
        return UNSUPPORTED, f"{_callee(variant, entry)} {unsupported}"
    return MATCHED, ""


# A float32 gradient summed over many elements (a broadcast operand's) differs between two
# correct libraries by their order of summation, which can exceed assert_close's float32
# tolerance; PyTorch's float64 answer says whether minitorch's is as accurate as PyTorch's.
ROUNDING_FACTOR = 2.0
ROUNDING_MATCH = "matched within PyTorch's own float32 rounding (float64 reference)"


def _float64_verdict(
    variant: _Variant, as_args: tuple[Any, ...], leaves: _Leaves, seed: int
) -> str:
    """:data:`ROUNDING_MATCH` when every float32 gradient that differs from PyTorch's is
    within ``ROUNDING_FACTOR`` times PyTorch's own largest error of the gradient PyTorch
    computes in float64 from the same inputs and upstream gradients; else ``""``."""
    torch = _torch()
    if not leaves.pairs or any(t.dtype != torch.float32 for _, t, _ in leaves.pairs):
        return ""
    wide_leaves: list[Any] = []
    wide_sample = _widened(_fresh_torch(as_args, {}), wide_leaves)
    if len(wide_leaves) != len(leaves.pairs):
        return ""
    pt = _call_variant(variant, wide_sample, on_minitorch=False)
    if pt.error is not None:
        return ""
    outputs = _flatten(pt.value)
    chosen = _differentiable(outputs)
    rng = np.random.default_rng(seed)  # the upstream gradients _compare_gradients drew
    upstream = [
        torch.from_numpy(
            rng.standard_normal(tuple(outputs[i].shape)).astype(np.float32).astype(np.float64)
        )
        for i in chosen
    ]
    try:
        with _quiet():
            torch.autograd.backward([outputs[i] for i in chosen], upstream)
    except RuntimeError:
        return ""
    for (_, torch_leaf, mt_leaf), wide in zip(leaves.pairs, wide_leaves, strict=True):
        if torch_leaf.grad is None or wide.grad is None:
            continue
        reference = wide.grad.numpy()
        ours = np.abs(mt_leaf.grad.numpy().astype(np.float64) - reference).max(initial=0.0)
        theirs = np.abs(torch_leaf.grad.numpy().astype(np.float64) - reference).max(initial=0.0)
        if not ours <= ROUNDING_FACTOR * theirs:
            return ""
    return ROUNDING_MATCH


def _widened(value: Any, leaves: list[Any]) -> Any:
    """PyTorch's sample with float32 tensors as float64 leaves, in :func:`_to_minitorch`'s
    order (the leaves requiring grad are appended to ``leaves``)."""
    torch = _torch()

    def widen(tensor: Any) -> Any:
        wide = tensor.detach()
        if wide.dtype == torch.float32:
            wide = wide.double()
        wide.requires_grad_(tensor.requires_grad)
        if tensor.requires_grad:
            leaves.append(wide)
        return wide

    return _map_tensors(value, {}, widen)


def _name_leaves(leaves: _Leaves) -> None:
    """``input[0]`` -> ``input``, ``input[1][0]`` -> ``args[0]``: the sample's own names."""
    renamed = []
    for where, torch_leaf, mt_leaf in leaves.pairs:
        name = re.sub(r"^input\[0\]", "input", where)
        name = re.sub(r"^input\[1\]\[(\d+)\]", r"args[\1]", name)
        name = re.sub(r"^input\[2\]\[('\w+')\]", r"kwargs[\1]", name)
        renamed.append((name, torch_leaf, mt_leaf))
    leaves.pairs = renamed


PROBE_SEEDS = 4


def _deterministic(
    variant: _Variant, as_args: tuple[Any, ...], torch_first: Any, mt_first: Any, seed: int
) -> bool:
    """Whether a random op's outputs are the same under other seeds on both libraries.

    Dropout with ``p=0`` or ``training=False`` is, and then its values are compared. Both
    libraries and several seeds: a one-element dropout can keep its element under two seeds.
    """
    torch = _torch()
    for probe_seed in range(seed + 1, seed + 1 + PROBE_SEEDS):
        torch_sample = _fresh_torch(as_args, {})
        mt_sample = _to_minitorch(_fresh_torch(as_args, {}), {}, _Leaves(), "input")
        with _seeded(probe_seed), torch.no_grad():
            pt = _call_variant(variant, torch_sample, on_minitorch=False)
        with _seeded(probe_seed), minitorch.no_grad():
            mt = _call_variant(variant, mt_sample, on_minitorch=True)
        if pt.error is not None or mt.error is not None:
            return False
        if not (_identical(pt.value, torch_first) and _identical(mt.value, mt_first)):
            return False
    return True


def _identical(first: Any, second: Any) -> bool:
    try:
        torch = _torch()
        torch.testing.assert_close(
            _torchified(first), _torchified(second), rtol=0, atol=0, equal_nan=True
        )
    except (AssertionError, TypeError, ValueError):
        return False
    return True


def _torchified(value: Any) -> Any:
    if isinstance(value, minitorch.Tensor):
        return _as_torch(value)
    if isinstance(value, (list, tuple)):
        return [_torchified(v) for v in value]
    return value


def _op_error_outcome(entry: Entry, variant: _Variant, index: int) -> Outcome:
    error_input = _op_error_samples(entry.key, index + 1)[index]
    sample = error_input.sample_input
    sample_id = f"error/{index}"
    key = f"{entry.key}::{sample_id}"
    about = f"{entry.key} {sample_id}: {_sample_summary(sample)}"
    as_args = (sample.input, sample.args, sample.kwargs)
    status, detail, message = _error_status(as_args, variant, error_input)
    reproducer = _reproducer(key, about) if status == MISMATCHED else ""
    return Outcome(entry.key, sample_id, status, detail, message, reproducer)


def _error_status(as_args: Any, variant: _Variant, error_input: Any) -> tuple[str, str, str]:
    """(status, detail, message difference) of an op's error sample (op_db's ErrorInput):
    minitorch must raise the class PyTorch declares (and raises)."""
    error_type = error_input.error_type
    if variant.minitorch_fn is None:
        return MISSING, variant.label, ""
    torch_sample = _fresh_torch(as_args, {})
    try:
        mt_sample = _to_minitorch(torch_sample, {}, _Leaves(), "input")
    except _Skip as skip:
        return SKIPPED, str(skip), ""
    except _Unsupported as unsupported:
        return UNSUPPORTED, f"{variant.label}({unsupported})", ""
    pt = _call_variant(variant, torch_sample, on_minitorch=False)
    if not isinstance(pt.error, error_type):
        return SKIPPED, "error sample PyTorch itself accepts in this build", ""
    mt = _call_variant(variant, mt_sample, on_minitorch=True)
    return _error_verdict(mt, pt, error_type, error_input.error_regex, variant.label)


def _error_verdict(
    mt: _Run, pt: _Run, error_type: type[BaseException], error_regex: str, callee: str
) -> tuple[str, str, str]:
    if mt.error is None:
        return MISMATCHED, f"minitorch accepted it; PyTorch raised {_name(pt.error)}", ""
    if not isinstance(mt.error, error_type):
        refusal = _refusal(mt.error, callee)
        if refusal is not None:
            return (*refusal, "")  # minitorch refused the call before it could check the input
        return (
            MISMATCHED,
            f"minitorch raised {_name(mt.error)}; PyTorch raised {_name(pt.error)}",
            "",
        )
    return MATCHED, "", _message_difference(str(mt.error), str(pt.error), error_regex)


def _message_difference(mt_message: str, torch_message: str, error_regex: str) -> str:
    """How minitorch's message differs from PyTorch's ("" when it does not): against the
    sample's regex where PyTorch's own message matches it (as PyTorch's tests check), else
    against PyTorch's message itself."""
    if error_regex and re.search(error_regex, torch_message):
        if re.search(error_regex, mt_message):
            return ""
        return f"PyTorch's message /{error_regex}/, minitorch's {mt_message[:200]!r}"
    if _first_lines(mt_message, 1) == _first_lines(torch_message, 1):
        return ""
    return f"PyTorch's message {torch_message[:200]!r}, minitorch's {mt_message[:200]!r}"


# ------------------------------------------------------------------ entries: ops


def _op_samples_or_skip(entry: Entry, dtype_name: str, limit: int | None) -> list[Any] | str:
    torch = _torch()
    if getattr(torch, dtype_name) not in entry.info.supported_dtypes("cpu"):
        return f"PyTorch's op takes no {dtype_name} on CPU"
    try:
        return _op_samples(entry.key, dtype_name, limit)
    except Exception as error:  # noqa: BLE001 - a sample function PyTorch cannot run here
        return f"PyTorch's sample_inputs raised {type(error).__name__}"


def _op_outcomes(entry: Entry, limit: int | None, skip: frozenset[str]) -> Iterator[Outcome]:
    for variant in _op_variants(entry.key):
        yield from _variant_outcomes(entry, variant, limit, skip)
    function = _function_variant(entry.key)
    if function is None:
        return
    for index in range(len(_op_error_samples(entry.key, limit))):
        if f"{entry.key}::error/{index}" in skip:
            continue
        outcome = _op_error_outcome(entry, function, index)
        if outcome.status == MISSING:
            return  # the variant's own samples recorded it
        yield outcome


def _variant_outcomes(
    entry: Entry, variant: _Variant, limit: int | None, skip: frozenset[str]
) -> Iterator[Outcome]:
    if f"{entry.key}::{variant.label}" in skip:
        return  # a variant known to be missing
    if variant.minitorch_fn is None:
        yield Outcome(entry.key, variant.label, MISSING, f"minitorch has no {variant.label}")
        return
    for dtype_name in DTYPES:
        samples = _op_samples_or_skip(entry, dtype_name, limit)
        if isinstance(samples, str):
            yield Outcome(entry.key, f"{variant.label}/{dtype_name}", SKIPPED, samples)
            continue
        for index in range(len(samples)):
            if f"{entry.key}::{variant.label}/{dtype_name}/{index}" in skip:
                continue
            outcome = _op_outcome(entry, variant, dtype_name, index)
            if outcome.status == MISSING:
                yield Outcome(
                    entry.key, variant.label, MISSING, f"minitorch has no {outcome.detail}"
                )
                return
            yield outcome


# ------------------------------------------------------------------ entries: modules


@functools.cache
def _module_samples(key: str, dtype_name: str, errors: bool = False) -> tuple[Any, ...]:
    torch = _torch()
    info = _entry(key).info
    function = info.module_error_inputs_func if errors else info.module_inputs_func
    if function is None:
        return ()
    with _drawing():
        return tuple(
            function(
                info,
                device="cpu",
                dtype=getattr(torch, dtype_name),
                requires_grad=not errors,
                training=True,
            )
        )


def _module_status(entry: Entry, dtype_name: str, module_input: Any, seed: int) -> tuple[str, str]:
    torch = _torch()
    torch_cls = entry.info.module_cls
    mt_cls = _resolve(minitorch, entry.name)
    ctor = (module_input.constructor_input.args, module_input.constructor_input.kwargs)
    if module_input.forward_input is None:
        return SKIPPED, "no forward input"
    forward = (module_input.forward_input.args, module_input.forward_input.kwargs)
    leaves = _Leaves()
    try:
        mt_ctor = _to_minitorch(_fresh_torch(ctor, {}), {}, _Leaves(), "constructor")
        torch_forward = _fresh_torch(forward, {})
        mt_forward = _to_minitorch(torch_forward, {}, leaves, "forward")
    except _Skip as skip:
        return SKIPPED, str(skip)
    except _Unsupported as unsupported:
        return UNSUPPORTED, f"{entry.name}({unsupported})"
    dtype = getattr(torch, dtype_name)
    with _seeded(seed), _quiet():
        torch_module = torch_cls(*ctor[0], **ctor[1]).to(dtype)
    built = _run(lambda: mt_cls(*mt_ctor[0], **mt_ctor[1]), True)
    if built.error is not None:
        return _judge_errors(built, _Run(torch_module), entry.name) or (MISMATCHED, "")
    mt_module = built.value
    state = {k: _tensor_to_minitorch(v) for k, v in torch_module.state_dict().items()}
    loaded = _run(lambda: mt_module.to(_minitorch_dtype(dtype)).load_state_dict(state), True)
    if loaded.error is not None:
        return MISMATCHED, f"load_state_dict of PyTorch's state raised {_name(loaded.error)}"
    with _seeded(seed):
        pt = _run(lambda: torch_module(*torch_forward[0], **torch_forward[1]), False)
    with _seeded(seed):
        mt = _run(lambda: mt_module(*mt_forward[0], **mt_forward[1]), True)
    judged = _judge_errors(mt, pt, f"{entry.name}.forward")
    if judged is not None:
        return judged
    _name_module_leaves(leaves)
    try:
        _compare(mt.value, pt.value, "output")
        _compare_gradients(_flatten(mt.value), _flatten(pt.value), leaves, seed)
        _compare_parameter_gradients(mt_module, torch_module)
    except _Mismatch as mismatch:
        return MISMATCHED, str(mismatch)
    except _Skip as skip:
        return SKIPPED, str(skip)
    except _Unsupported as unsupported:
        return UNSUPPORTED, f"{entry.name} {unsupported}"
    return MATCHED, ""


def _name_module_leaves(leaves: _Leaves) -> None:
    leaves.pairs = [
        (re.sub(r"^forward\[0\]\[(\d+)\]", r"forward input \1", w), t, m)
        for w, t, m in leaves.pairs
    ]


def _compare_parameter_gradients(mt_module: Any, torch_module: Any) -> None:
    mt_params = dict(mt_module.named_parameters())
    torch_params = dict(torch_module.named_parameters())
    if set(mt_params) != set(torch_params):
        raise _Mismatch(
            f"parameters: minitorch has {sorted(mt_params)}, PyTorch {sorted(torch_params)}"
        )
    for name, torch_param in torch_params.items():
        mt_grad, torch_grad = mt_params[name].grad, torch_param.grad
        if mt_grad is None and torch_grad is None:
            continue
        if mt_grad is None or torch_grad is None:
            raise _Mismatch(
                f"{name}.grad: minitorch {'has none' if mt_grad is None else 'has one'}, "
                f"PyTorch {'has none' if torch_grad is None else 'has one'}"
            )
        _compare(mt_grad, torch_grad, f"{name}.grad")


def _module_error_status(entry: Entry, error_input: Any) -> tuple[str, str, str]:
    db = _database()
    module_input = error_input.module_error_input
    ctor = (module_input.constructor_input.args, module_input.constructor_input.kwargs)
    forward_input = module_input.forward_input
    forward = (forward_input.args, forward_input.kwargs) if forward_input else ((), {})
    on_forward = error_input.error_on == db.ModuleErrorEnum.FORWARD_ERROR
    mt_cls = _resolve(minitorch, entry.name)
    try:
        mt_args = _to_minitorch(_fresh_torch((ctor, forward), {}), {}, _Leaves(), "input")
    except _Skip as skip:
        return SKIPPED, str(skip), ""
    except _Unsupported as unsupported:
        return UNSUPPORTED, f"{entry.name}({unsupported})", ""

    def build_and_call(cls: Any, args: Any) -> Any:
        (c_args, c_kwargs), (f_args, f_kwargs) = args
        module = cls(*c_args, **c_kwargs)
        return module(*f_args, **f_kwargs) if on_forward else module

    torch_args = _fresh_torch((ctor, forward), {})
    pt = _run(lambda: build_and_call(entry.info.module_cls, torch_args), False)
    if not isinstance(pt.error, error_input.error_type):
        return SKIPPED, "error sample PyTorch itself accepts in this build", ""
    mt = _run(lambda: build_and_call(mt_cls, mt_args), True)
    return _error_verdict(mt, pt, error_input.error_type, error_input.error_regex, entry.name)


def _module_outcomes(entry: Entry, limit: int | None, skip: frozenset[str]) -> Iterator[Outcome]:
    torch = _torch()
    for dtype_name in DTYPES:
        if getattr(torch, dtype_name) not in entry.info.dtypes:
            yield Outcome(entry.key, dtype_name, SKIPPED, f"PyTorch's module takes no {dtype_name}")
            continue
        yield from _module_sample_outcomes(entry, dtype_name, limit, skip)


def _module_sample_outcomes(
    entry: Entry, dtype_name: str, limit: int | None, skip: frozenset[str]
) -> Iterator[Outcome]:
    for errors in (False, True):
        samples = _module_samples(entry.key, dtype_name, errors)
        for index in range(len(samples) if limit is None else min(limit, len(samples))):
            sample_id = f"{dtype_name}/{'error/' if errors else ''}{index}"
            if f"{entry.key}::{sample_id}" in skip:
                continue
            yield _module_outcome(entry, sample_id)


def _module_outcome(entry: Entry, sample_id: str) -> Outcome:
    dtype_name, *rest = sample_id.split("/")
    errors, index = rest[0] == "error", int(rest[-1])
    sample = _module_samples(entry.key, dtype_name, errors)[index]
    message = ""
    if errors:
        status, detail, message = _module_error_status(entry, sample)
        module_input = sample.module_error_input
    else:
        status, detail = _module_status(entry, dtype_name, sample, seed=index)
        module_input = sample
    about = f"{entry.key} {sample_id}: {_module_call(entry, module_input)}"
    status, detail = _missing_as_unsupported(status, detail)
    key = f"{entry.key}::{sample_id}"
    reproducer = _reproducer(key, about) if status == MISMATCHED else ""
    return Outcome(entry.key, sample_id, status, detail, message, reproducer)


def _module_call(entry: Entry, module_input: Any) -> str:
    """``nn.Softmax(dim=True)(tensor(10, 20) float32)``: a module sample, briefly."""
    ctor, forward = module_input.constructor_input, module_input.forward_input
    call = f"{entry.name}({_brief_arguments(ctor.args, ctor.kwargs)})"
    if forward is not None:
        call += f"({_brief_arguments(forward.args, forward.kwargs)})"
    return f"{module_input.desc or 'default'}: {call}"


def _brief_arguments(args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    return ", ".join([*map(_brief, args), *(f"{k}={_brief(v)}" for k, v in kwargs.items())])


def _brief(value: Any) -> str:
    """A tensor as its shape and dtype, containers item by item, the rest as repr."""
    torch = _torch()
    if isinstance(value, torch.Tensor):
        return f"tensor{tuple(value.shape)} {str(value.dtype).removeprefix('torch.')}"
    if isinstance(value, (list, tuple)):
        return f"[{', '.join(map(_brief, value))}]"
    return repr(value)


def _missing_as_unsupported(status: str, detail: str) -> tuple[str, str]:
    """A module's or an optimizer's sample that needs a class minitorch lacks (a scheduler)
    is unsupported: the entry itself is there, so the sample counts."""
    if status == MISSING:
        return UNSUPPORTED, f"minitorch has no {detail}"
    return status, detail


# ------------------------------------------------------------------ entries: optimizers


@functools.cache
def _optim_configs(key: str, dtype_name: str) -> tuple[Any, ...]:
    torch = _torch()
    info = _entry(key).info
    return tuple(_database().optim_inputs("cpu", getattr(torch, dtype_name), info))


@functools.cache
def _optim_error_configs(key: str, dtype_name: str) -> tuple[Any, ...]:
    torch = _torch()
    info = _entry(key).info
    if info.optim_error_inputs_func is None:
        return ()
    with _drawing():
        return tuple(info.optim_error_inputs_func("cpu", getattr(torch, dtype_name)))


def _optim_parameters(dtype_name: str) -> list[Any]:
    """A weight and a bias, as the layer an optimizer usually steps."""
    torch = _torch()
    generator = torch.Generator().manual_seed(SAMPLE_SEED)
    dtype = getattr(torch, dtype_name)
    return [
        torch.nn.Parameter(torch.randn(3, 2, generator=generator, dtype=dtype)),
        torch.nn.Parameter(torch.randn(3, generator=generator, dtype=dtype)),
    ]


def _optim_status(
    entry: Entry, dtype_name: str, kwargs: dict[str, Any], schedulers: Sequence[Any], seed: int
) -> tuple[str, str]:
    """Step both optimizers with the same gradients; compare parameters (and rates)."""
    torch = _torch()
    torch_params = _optim_parameters(dtype_name)
    try:
        mt_params = [_tensor_to_minitorch(p) for p in torch_params]
        mt_kwargs = _to_minitorch(_fresh_torch(kwargs, {}), {}, _Leaves(), "kwargs")
    except _Skip as skip:
        return SKIPPED, str(skip)
    except _Unsupported as unsupported:
        return UNSUPPORTED, f"{entry.name}({unsupported})"
    mt_cls = _resolve(minitorch, f"optim.{entry.name}")
    with _quiet():
        torch_optimizer = entry.info.optim_cls(torch_params, **_fresh_torch(kwargs, {}))
    built = _run(lambda: mt_cls(mt_params, **mt_kwargs), True)
    if built.error is not None:
        return _judge_errors(built, _Run(torch_optimizer), entry.name) or (MISMATCHED, "")
    mt_optimizer = built.value
    torch_schedulers, mt_schedulers = [], []
    for make in schedulers:
        with _quiet():
            torch_schedulers.append(_transplant(make, on_minitorch=False)(torch_optimizer))
        on_minitorch = _transplant(make, on_minitorch=True)
        made = _run(functools.partial(on_minitorch, mt_optimizer), True)
        judged = _judge_errors(made, _Run(torch_schedulers[-1]), "lr_scheduler")
        if judged is not None:
            return judged
        mt_schedulers.append(made.value)
    rng = np.random.default_rng(seed)
    steps = SCHEDULER_STEPS if schedulers else OPTIMIZER_STEPS
    try:
        for step in range(steps):
            for torch_param, mt_param in zip(torch_params, mt_params, strict=True):
                grad = rng.standard_normal(tuple(torch_param.shape))
                grad = grad.astype(torch_param.detach().numpy().dtype)
                torch_param.grad = torch.from_numpy(grad.copy())
                mt_param.grad = minitorch.tensor(grad)
            _step_both(torch_optimizer, mt_optimizer, torch_schedulers, mt_schedulers, step)
            for i, (torch_param, mt_param) in enumerate(zip(torch_params, mt_params, strict=True)):
                _compare(
                    mt_param.detach(), torch_param.detach(), f"parameter {i} after step {step + 1}"
                )
            for g, (pt_group, mt_group) in enumerate(
                zip(torch_optimizer.param_groups, mt_optimizer.param_groups, strict=True)
            ):
                _compare(
                    _plain(mt_group["lr"]),
                    _plain(pt_group["lr"]),
                    f"group {g} lr after step {step + 1}",
                )
    except _Mismatch as mismatch:
        return MISMATCHED, str(mismatch)
    except _StepRaised as raised:
        return raised.status, raised.detail
    return MATCHED, ""


class _StepRaised(Exception):
    """A step raised on either side: the sample ends there, with this verdict."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def _plain(rate: Any) -> float:
    """A learning rate, a float or a 1-element tensor, as a float."""
    return float(rate.item() if hasattr(rate, "item") else rate)


def _step_both(
    torch_optimizer: Any,
    mt_optimizer: Any,
    torch_schedulers: list[Any],
    mt_schedulers: list[Any],
    step: int,
) -> None:
    """One optimizer step (and scheduler steps) on each library.

    Where either side raises (PyTorch's differentiable step refuses leaf parameters), the
    sample ends there: :class:`_StepRaised` carries the verdict, matched when both raised the
    same class.
    """
    torch = _torch()
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau
    metric = 1.0  # a loss that never improves: ReduceLROnPlateau acts after its patience

    def step_all(optimizer: Any, schedulers: list[Any]) -> None:
        optimizer.step()
        for torch_scheduler, scheduler in zip(torch_schedulers, schedulers, strict=True):
            scheduler.step(metric) if isinstance(torch_scheduler, plateau) else scheduler.step()

    pt = _run(lambda: step_all(torch_optimizer, torch_schedulers), False)
    mt = _run(lambda: step_all(mt_optimizer, mt_schedulers), True)
    judged = _judge_errors(mt, pt, "step")
    if judged is not None:
        status, detail = judged
        raise _StepRaised(status, f"at step {step + 1}: {detail}" if detail else "")


def _optim_error_status(entry: Entry, dtype_name: str, error_input: Any) -> tuple[str, str, str]:
    db = _database()
    config = error_input.optimizer_error_input
    params = config.params if config.params is not None else _optim_parameters(dtype_name)
    on_step = error_input.error_on == db.OptimizerErrorEnum.STEP_ERROR
    try:
        mt_args = _to_minitorch(_fresh_torch((params, config.kwargs), {}), {}, _Leaves(), "input")
    except _Skip as skip:
        return SKIPPED, str(skip), ""
    except _Unsupported as unsupported:
        return UNSUPPORTED, f"{entry.name}({unsupported})", ""
    warning = issubclass(error_input.error_type, Warning)

    def build_and_step(cls: Any, args: Any) -> Any:
        params, kwargs = args
        with warnings.catch_warnings():
            # a Warning the sample expects becomes the error; other warnings stay quiet
            warnings.simplefilter("ignore")
            if warning:
                warnings.simplefilter("error", error_input.error_type)
            optimizer = cls(params, **kwargs)
            if on_step:
                optimizer.step()
        return optimizer

    torch_args = _fresh_torch((params, config.kwargs), {})
    pt = _run(lambda: build_and_step(entry.info.optim_cls, torch_args), False)
    if not isinstance(pt.error, error_input.error_type):
        return SKIPPED, "error sample PyTorch itself accepts in this build", ""
    mt_cls = _resolve(minitorch, f"optim.{entry.name}")
    mt = _run(lambda: build_and_step(mt_cls, mt_args), True)
    return _error_verdict(mt, pt, error_input.error_type, error_input.error_regex, entry.name)


def _optim_outcomes(entry: Entry, limit: int | None, skip: frozenset[str]) -> Iterator[Outcome]:
    for dtype_name in DTYPES:
        counts = (
            ("", len(_optim_configs(entry.key, dtype_name))),
            ("scheduler/", len(entry.info.scheduler_inputs)),
            ("error/", len(_optim_error_configs(entry.key, dtype_name))),
        )
        for part, count in counts:
            for index in range(count if limit is None else min(limit, count)):
                sample_id = f"{dtype_name}/{part}{index}"
                if f"{entry.key}::{sample_id}" not in skip:
                    yield _optim_outcome(entry, sample_id)


def _optim_outcome(entry: Entry, sample_id: str) -> Outcome:
    dtype_name, *rest = sample_id.split("/")
    part, index = (rest[0] if len(rest) > 1 else ""), int(rest[-1])
    message = ""
    if part == "error":
        error_input = _optim_error_configs(entry.key, dtype_name)[index]
        status, detail, message = _optim_error_status(entry, dtype_name, error_input)
        config = error_input.optimizer_error_input
        about = f"{config.desc}: {entry.name}({_brief_arguments((), config.kwargs)})"
    elif part == "scheduler":
        schedulers = entry.info.scheduler_inputs[index]
        status, detail = _optim_status(entry, dtype_name, {"lr": 0.1}, schedulers, seed=index)
        about = "lr=0.1 with " + ", ".join(_scheduler_names(schedulers))
    else:
        config = _optim_configs(entry.key, dtype_name)[index]
        status, detail = _optim_status(entry, dtype_name, config.kwargs, (), seed=index)
        about = f"{config.desc}: {entry.name}({_brief_arguments((), config.kwargs)})"
    status, detail = _missing_as_unsupported(status, detail)
    key = f"{entry.key}::{sample_id}"
    reproducer = _reproducer(key, f"{key}: {about}") if status == MISMATCHED else ""
    return Outcome(entry.key, sample_id, status, detail, message, reproducer)


def _scheduler_names(schedulers: Sequence[Any]) -> list[str]:
    torch = _torch()
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with _quiet():
        return [type(make(optimizer)).__name__ for make in schedulers]


# ------------------------------------------------------------------ the walk


def run_entry(
    entry: Entry, max_samples: int | None = None, skip: frozenset[str] = frozenset()
) -> EntryReport:
    """Run ``entry``'s samples (the first ``max_samples`` of each list, or all of them),
    leaving out the sample keys in ``skip``."""
    start = time.perf_counter()
    outcomes = {"op": _op_outcomes, "module": _module_outcomes, "optim": _optim_outcomes}
    report = EntryReport(entry.key, list(outcomes[entry.kind](entry, max_samples, skip)))
    report.seconds = time.perf_counter() - start
    return report


def run_sample(key: str) -> Outcome:
    """Run the one sample ``key`` names (``"op:add::Tensor.add_/float32/3"``), or check that
    the missing variant it names (``"op:eq::Tensor.eq_"``) is still missing."""
    entry_key, _, sample_id = key.partition("::")
    entry = _entry(entry_key)
    if entry.kind == "module":
        return _module_outcome(entry, sample_id)
    if entry.kind == "optim":
        return _optim_outcome(entry, sample_id)
    if sample_id.startswith("error/"):
        variant = _function_variant(entry.key)
        assert variant is not None
        return _op_error_outcome(entry, variant, int(sample_id.split("/")[1]))
    label, _, rest = sample_id.partition("/")
    variants = {v.label: v for v in _op_variants(entry.key)}
    variant = variants[label]
    if "/" in rest:
        dtype_name, index = rest.split("/")
        return _op_outcome(entry, variant, dtype_name, int(index))
    if rest:  # a dtype PyTorch's op does not take
        return next(
            o for o in _variant_outcomes(entry, variant, 1, frozenset()) if o.sample == sample_id
        )
    # a missing variant: its first sample says whether minitorch has it now
    first = next(_variant_outcomes(entry, variant, 1, frozenset()), None)
    if first is not None and first.status == MISSING:
        return first
    return Outcome(entry.key, label, MATCHED)


def known_gaps(reports: Sequence[EntryReport]) -> dict[str, str]:
    """Every sample that is neither matched nor skipped, by key, with its reason."""
    return {
        o.key: f"{o.status}: {o.detail}"[:300]
        for report in reports
        for o in report.outcomes
        if o.status in (MISMATCHED, UNSUPPORTED, MISSING)
    }


def summary(reports: Sequence[EntryReport]) -> dict[str, Any]:
    """The totals: entries by kind, samples, each status, unsupported by argument, skipped
    by reason, missing variants, message differences."""
    torch = _torch()
    outcomes = [o for r in reports for o in r.outcomes]
    samples = sum(r.samples for r in reports)
    matched = sum(o.status == MATCHED for o in outcomes)
    return {
        "torch_version": torch.__version__,
        "entries": dict(Counter(r.entry.split(":")[0] for r in reports)),
        "samples": samples,
        "matched": matched,
        "matched_percent": round(100 * matched / samples, 2) if samples else 100.0,
        "matched_by_float64": sorted(
            o.key for o in outcomes if o.status == MATCHED and o.detail == ROUNDING_MATCH
        ),
        "mismatched": sum(o.status == MISMATCHED for o in outcomes),
        "unsupported": dict(
            Counter(o.detail for o in outcomes if o.status == UNSUPPORTED).most_common()
        ),
        "skipped": dict(Counter(o.detail for o in outcomes if o.status == SKIPPED).most_common()),
        "missing": {o.key: o.detail for o in outcomes if o.status == MISSING},
        "message_differences": sum(bool(o.message) for o in outcomes),
    }


def summary_line(totals: dict[str, Any]) -> str:
    """One line: ``PyTorch 2.14.1's test database (...): 168 entries (154 ops, ...), ...``."""
    kinds = totals["entries"]
    names = {"op": "op", "module": "module", "optim": "optimizer"}
    parts = ", ".join(_counted(kinds[k], names[k]) for k in names if k in kinds)
    unsupported = sum(totals["unsupported"].values())
    skipped = sum(totals["skipped"].values())
    return (
        f"PyTorch {totals['torch_version']}'s test database (OpInfo, ModuleInfo, "
        f"OptimizerInfo): {_counted(sum(kinds.values()), 'entry', 'entries')} ({parts}), "
        f"{_counted(totals['samples'], 'sample')}: {totals['matched']:,} matched "
        f"({totals['matched_percent']:.1f} %{_by_float64(totals)}), "
        f"{totals['mismatched']:,} mismatched, "
        f"{unsupported:,} unsupported, {skipped:,} skipped; "
        f"{_counted(len(totals['missing']), 'variant')} missing"
    )


def _by_float64(totals: dict[str, Any]) -> str:
    count = len(totals.get("matched_by_float64", ()))
    return f"; {count:,} of them against float64, see below" if count else ""


def _counted(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def format_report(reports: Sequence[EntryReport]) -> str:
    """The per-entry table, then the mismatches with reproducers, the unsupported arguments,
    the skip reasons, the missing variants and the summary line."""
    header = ("entry", "samples", "matched", "mismatched", "unsupported", "skipped", "missing")
    rows = [
        (r.entry, str(r.samples), *(str(r.count(s)) for s in _STATUSES[:4]), str(r.count(MISSING)))
        for r in reports
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, tuple("-" * w for w in widths), *rows]:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    totals = summary(reports)
    mismatches = [o for r in reports for o in r.outcomes if o.status == MISMATCHED]
    if mismatches:
        lines += ["", f"Mismatched ({len(mismatches)}):"]
        for outcome in mismatches:
            lines += [f"- {outcome.key}: {outcome.detail}", _indent(outcome.reproducer)]
    if totals["matched_by_float64"]:
        lines += [
            "",
            f"Matched against float64 ({len(totals['matched_by_float64'])}): a float32 gradient "
            "outside assert_close's tolerance of PyTorch's, but no further than "
            f"{ROUNDING_FACTOR:g}x PyTorch's own distance from PyTorch's float64 gradient:",
        ]
        lines += [f"  {key}" for key in totals["matched_by_float64"]]
    for title, table in (("Unsupported", totals["unsupported"]), ("Skipped", totals["skipped"])):
        if table:
            lines += ["", f"{title} ({sum(table.values())}):"]
            lines += [f"  {count:6d}  {what}" for what, count in table.items()]
    if totals["missing"]:
        lines += ["", f"Missing variants ({len(totals['missing'])}):"]
        lines += [f"  {key}: {detail}" for key, detail in totals["missing"].items()]
    if totals["message_differences"]:
        lines.append(
            f"\n{totals['message_differences']} error samples raise PyTorch's class with "
            "another message (--json lists them)"
        )
    lines += ["", summary_line(totals)]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


# ------------------------------------------------------------------ the command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the walk, for ``minitorch-parity --opinfo`` and ``python -m`` alike
    (``--json`` is the command's own)."""
    parser.add_argument(
        "--opinfo",
        action="store_true",
        help="run PyTorch's own test database (OpInfo, ModuleInfo, OptimizerInfo) instead",
    )
    parser.add_argument(
        "--entries",
        default="",
        help="with --opinfo: comma-separated entries or globs ('op:div*,module:*,SGD')",
    )
    parser.add_argument(
        "--max-samples",
        type=positive_int,
        default=None,
        metavar="N",
        help="with --opinfo: the first N samples of each list (default: all)",
    )
    parser.add_argument(
        "--write-known-gaps",
        type=output_file,
        metavar="FILE",
        help="with --opinfo: write the samples that do not match as a known-gaps file",
    )


def run(args: argparse.Namespace) -> int:
    """Walk the entries ``args`` select, print the report; 1 if any sample did not match.

    Run it under :func:`minitorch._cli.run_command`, which prints a :class:`CLIError` (a
    missing requirement, a pattern that selects nothing) as one line.
    """
    try:
        _database()
    except ModuleNotFoundError as error:
        raise CLIError(
            f"PyTorch's test database needs {error.name}, which is not installed: "
            'pip install "minitorch[parity]"'
        ) from None
    patterns = [p.strip() for p in args.entries.split(",") if p.strip()]
    chosen = entries(patterns)
    if not chosen:
        raise CLIError(f"no entry of PyTorch's test database matches --entries {args.entries!r}")
    reports = []
    for entry in chosen:
        report = run_entry(entry, args.max_samples)
        reports.append(report)
        print(
            f"{entry.key}: {report.samples} samples, {report.count(MATCHED)} matched, "
            f"{report.seconds:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    print(format_report(reports))
    totals = summary(reports)
    if getattr(args, "json", None):
        document = {"summary": totals, "entries": [r.as_json() for r in reports]}
        with open(args.json, "w") as file:
            json.dump(document, file, indent=1)
    if args.write_known_gaps:
        gaps = known_gaps(reports)
        document = {
            "about": (
                "Samples of PyTorch's test database that minitorch does not match yet; "
                "tests/test_opinfo.py marks each xfail(strict=True). Regenerate with "
                "python -m minitorch.testing.opinfo --write-known-gaps "
                "tests/opinfo_known_gaps.json"
            ),
            "torch_version": totals["torch_version"],
            "gaps": dict(sorted(gaps.items())),
        }
        with open(args.write_known_gaps, "w") as file:
            json.dump(document, file, indent=1)
            file.write("\n")
    failed = totals["mismatched"] + sum(totals["unsupported"].values()) + len(totals["missing"])
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m minitorch.testing.opinfo``: the walk as a command (``--opinfo`` implied)."""
    program = "python -m minitorch.testing.opinfo"
    parser = OneLineParser(
        prog=program,
        description="Run PyTorch's own test database against minitorch and report.",
    )
    parser.add_argument(
        "--json", type=output_file, metavar="FILE", help="also write the report as JSON"
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run_command(program, lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
