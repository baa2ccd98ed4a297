"""minitorch and torch_backend expose the same public surface, so a script runs on either.

What is compared
    The module tree in ``MIRRORED``: for each path (``""`` is the top package, ``"nn"`` is
    ``minitorch.nn`` against ``torch_backend.nn``, ...) the public names of both modules.
    Every public top-level subpackage of minitorch is either mirrored or named in
    ``NOT_MIRRORED`` with the reason.

Public names
    ``__all__`` when the module defines it. Otherwise PEP 8's rule: names not starting
    with ``_``, where imported names are an implementation detail except in a package's
    ``__init__``, which exposes what its submodules define. So a plain module's public
    names are the classes, functions and instances it defines itself (plus constants); a
    package's are those defined anywhere in minitorch. Modules (``np``, subpackages outside
    the tree) and ``from __future__`` features (``annotations``) never count. On the
    torch_backend side re-exporting PyTorch's objects is the point: every module there
    either declares ``__all__`` or is a package.

Compatible signatures
    Checked where ``inspect.signature`` reads both objects (classes by their constructor);
    PyTorch's C builtins (``torch.zeros``, ``F.conv2d``, most ``Tensor`` methods) have no
    readable signature and are checked for existence only, as are PyTorch functions whose
    signature is just ``(*args, **kwargs)`` (``F.max_pool2d``'s dispatcher). minitorch's
    signature ``m`` is compatible with PyTorch's ``t`` when every call that ``m`` accepts
    means the same to ``t``:

    1. every parameter of ``m`` exists in ``t`` under the same name, of the same kind
       (positional-only, positional-or-keyword, keyword-only) and with the same default
       (or both without one); ``*args``/``**kwargs`` of ``m`` need the same in ``t``;
    2. the positional parameters of ``m`` are, in order, the first positional parameters
       of ``t`` (so a positional call binds the same way);
    3. every parameter that ``t`` has beyond ``m``'s has a default (a call written for
       minitorch never needs it).

    The objects torch_backend writes itself (``OWN``: minitorch's extras and the device
    switch) must match minitorch's signature exactly: same parameters, kinds and defaults.

    The same rules apply to the public methods and properties that minitorch's classes
    define (``Tensor.view``, ``Module.state_dict``, ``Optimizer.zero_grad``, ...): each
    exists on PyTorch's class, with a compatible signature where both are readable.

Reverse direction
    torch_backend adds no public name that minitorch lacks, and each of its names is
    PyTorch's own object (the one the PyTorch module of the same path holds) unless it is
    listed in ``OWN``.

``ALLOWED`` lists real, justified differences; it is empty while there are none.
Failures list every mismatch of a module at once, naming the side at fault.
"""

from __future__ import annotations
import __future__

import enum
import importlib
import inspect
import pkgutil
import types
from typing import Any

import pytest

import minitorch

pytest.importorskip("torch")
pytest.importorskip("torchvision")
torch_backend = pytest.importorskip("torch_backend")

# minitorch path -> the PyTorch module whose objects torch_backend re-exports there.
MIRRORED = {
    "": "torch",
    "autograd": "torch.autograd",
    "cuda": "torch.cuda",
    "hub": "torch.hub",
    "nn": "torch.nn",
    "nn.functional": "torch.nn.functional",
    "nn.init": "torch.nn.init",
    "optim": "torch.optim",
    "optim.lr_scheduler": "torch.optim.lr_scheduler",
    "profiler": "torch.profiler",
    "autograd.graph": "torch.autograd.graph",
    "utils": "torch.utils",
    "utils.data": "torch.utils.data",
    "vision": "torchvision",
    "vision.datasets": "torchvision.datasets",
    "vision.models": "torchvision.models",
    "vision.transforms": "torchvision.transforms",
    "vision.utils": "torchvision.utils",
}

NOT_MIRRORED = {
    "kernels": "Numba loops over numpy arrays, minitorch's own machinery; PyTorch has its own",
    "testing": "the parity toolkit compares minitorch with PyTorch; on PyTorch it would "
    "compare PyTorch with itself",
    "serialization": "its API is save/load, mirrored at the top level (torch.save, torch.load)",
    "models": "model builders that take the backend namespace as an argument, shared by both",
    "train": "the training command, which takes --backend itself",
    "predict": "the prediction command, which takes --backend itself",
    "viz": "draws minitorch's own autograd graph (grad_fn nodes); torchviz does it for PyTorch",
    "explain": "a command that traces one minitorch training step down to its kernels",
    "parity": "a command that checks minitorch against PyTorch",
}

# Objects torch_backend writes itself, by (path, name); everything else is PyTorch's own.
OWN = {
    ("", "backend"): "the switch itself, shared by both namespaces",
    ("", "set_default_device"): "torch.set_default_device, except that draws naming a generator "
    "happen on the generator's device and 'cpu' installs no per-call mode",
    ("vision.datasets", "CIFAR10"): "torchvision's reader without the checksum of local files",
    ("vision.datasets", "Digits"): "minitorch's embedded dataset (scikit-learn's 8x8 digits)",
}

# (path, name), (path, "Class()") for a constructor or (path, "Class.member") -> why the
# difference is right.
ALLOWED: dict[tuple[str, str], str] = {
    ("", "explain"): "minitorch.explain() traces a minitorch training step; PyTorch has none",
    ("", "dtype()"): "dtypes are constants (minitorch.float32); torch.dtype cannot be constructed",
    ("hub", "load_state_dict_from_url"): "weights_only defaults to True: a downloaded file "
    "runs no code unless asked (torch.hub keeps False for old whole-model files)",
    ("autograd", "Function.backward_name"): "how minitorch's Functions name their graph node "
    "(PowBackward1); PyTorch names its nodes in C++",
}


def _module(root: str, path: str) -> types.ModuleType:
    return importlib.import_module(f"{root}.{path}" if path else root)


def _origin(value: Any) -> str | None:
    """The module that defined ``value`` (for an instance, its class's); None for builtins."""
    holder = (
        value
        if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType))
        else type(value)
    )
    origin = getattr(holder, "__module__", None)
    return None if origin in (None, "builtins") else origin


def public_names(module: types.ModuleType, package: str | None) -> set[str]:
    """The module's public names (see the module docstring); ``package`` filters imports."""
    if hasattr(module, "__all__"):
        return set(module.__all__)
    is_package = hasattr(module, "__path__")
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, (types.ModuleType, __future__._Feature)):
            continue
        origin = _origin(value)
        if (
            origin is None
            or package is None
            or origin == module.__name__
            or (is_package and origin.startswith(package))
        ):
            names.add(name)
    return names


def _signature(obj: Any) -> inspect.Signature | None:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    kinds = {p.kind for p in signature.parameters.values()}
    if kinds and kinds <= {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}:
        return None  # a dispatcher such as (*args, **kwargs) says nothing to compare
    return signature


_MISSING = object()


def _counterpart(value: Any) -> Any:
    """torch_backend's object under the top-level name minitorch gives ``value``, if any."""
    for name, candidate in vars(minitorch).items():
        if candidate is value and not name.startswith("_") and hasattr(torch_backend, name):
            return getattr(torch_backend, name)
    return _MISSING


def _same_default(a: Any, b: Any) -> bool:
    """Equal defaults; a minitorch object matches PyTorch's object of the same name."""
    if a is b:
        return True
    if isinstance(a, enum.Enum) and isinstance(b, enum.Enum):  # InterpolationMode.BILINEAR
        return (type(a).__name__, a.name) == (type(b).__name__, b.name)
    if (_origin(a) or "").startswith("minitorch"):
        if isinstance(a, (type, types.FunctionType)):  # e.g. ImageFolder's default_loader
            return getattr(a, "__qualname__", None) == getattr(b, "__qualname__", None)
        return _counterpart(a) is b  # e.g. minitorch.default_generator
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # e.g. comparing tensors or arrays
        return False


POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def signature_problems(
    mini: Any, other: Any, exact: bool = False, method: bool = False
) -> list[str]:
    """Why ``mini``'s signature is not compatible with ``other``'s (empty when it is).

    ``method``: both are methods; their first parameter is the instance, whatever its name
    (minitorch's ops attached to Tensor call it ``input``, PyTorch's methods ``self``).
    """
    m_sig, o_sig = _signature(mini), _signature(other)
    if m_sig is None or o_sig is None:
        return []
    m_params = list(m_sig.parameters.values())[int(method) :]
    o_params = {p.name: p for p in list(o_sig.parameters.values())[int(method) :]}
    o_kinds = {p.kind for p in o_params.values()}
    problems = []
    for p in m_params:
        if p.kind in VARIADIC:
            if p.kind not in o_kinds:
                problems.append(f"minitorch takes {p} but the other signature does not")
            continue
        q = o_params.get(p.name)
        if q is None:
            problems.append(f"parameter {p.name!r} missing")
        elif q.kind != p.kind:
            problems.append(f"{p.name!r} is {p.kind.description}, there {q.kind.description}")
        elif not _same_default(p.default, q.default):
            problems.append(f"{p.name!r} defaults to {p.default!r}, there to {q.default!r}")
    m_positional = [p.name for p in m_params if p.kind in POSITIONAL]
    o_positional = [name for name, q in o_params.items() if q.kind in POSITIONAL]
    if m_positional != o_positional[: len(m_positional)]:
        problems.append(f"positional order {m_positional} vs {o_positional}")
    m_names = {p.name for p in m_params}
    for name, q in o_params.items():
        if name in m_names or (not exact and q.kind in VARIADIC):
            continue
        if exact:
            problems.append(f"extra parameter {name!r}")
        elif q.default is inspect.Parameter.empty:
            problems.append(f"required parameter {name!r} that minitorch lacks")
    if problems:
        return [f"{m_sig} vs {o_sig}: " + "; ".join(problems)]
    return []


def _class_members(cls: type) -> dict[str, Any]:
    """Public members that minitorch defines on ``cls`` and its private minitorch bases.

    A public base (``Tensor`` under ``Parameter``, ``Module`` under ``Conv2d``) is checked
    as a name of its own.
    """
    members: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        if not base.__module__.startswith("minitorch"):
            continue
        if base is not cls and not base.__name__.startswith("_"):
            continue
        for name, value in vars(base).items():
            if not name.startswith("_"):
                members[name] = value
    return members


def _callable_of(member: Any) -> Any:
    if isinstance(member, (staticmethod, classmethod)):
        return member.__func__
    return member


def _member_problems(path: str, name: str, mini: type, other: Any) -> list[str]:
    if not isinstance(other, type):
        return [f"{name}: minitorch's is a class, torch_backend's a {type(other).__name__}"]
    problems = []
    for member, value in _class_members(mini).items():
        key = (path, f"{name}.{member}")
        if key in ALLOWED:
            continue
        if not hasattr(other, member):
            problems.append(f"{name}.{member}: missing on {other.__module__}.{other.__qualname__}")
            continue
        if callable(_callable_of(value)) and not isinstance(value, type):
            counterpart = inspect.getattr_static(other, member)
            is_method = not isinstance(value, staticmethod)
            both = _callable_of(value), _callable_of(counterpart)
            for problem in signature_problems(*both, method=is_method):
                problems.append(f"{name}.{member}{problem}")
    return problems


def _mismatches(path: str) -> list[str]:
    mini_module = _module("minitorch", path)
    backend_module = _module("torch_backend", path)
    problems = []
    backend_names = public_names(backend_module, None)
    for name in sorted(public_names(mini_module, "minitorch")):
        if (path, name) in ALLOWED:
            continue
        if name not in backend_names:
            problems.append(f"{name}: in minitorch, missing from torch_backend")
            continue
        mini, other = getattr(mini_module, name), getattr(backend_module, name)
        exact = (path, name) in OWN
        if (path, f"{name}()") not in ALLOWED:
            problems += [f"{name}{p}" for p in signature_problems(mini, other, exact=exact)]
        if isinstance(mini, type) and mini.__module__.startswith("minitorch"):
            problems += _member_problems(path, name, mini, other)
    return problems


@pytest.mark.parametrize("path", sorted(MIRRORED))
def test_minitorch_names_exist_in_torch_backend_with_compatible_signatures(path: str) -> None:
    problems = _mismatches(path)
    assert not problems, f"minitorch.{path} vs torch_backend.{path}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", sorted(MIRRORED))
def test_torch_backend_adds_no_names(path: str) -> None:
    mini = public_names(_module("minitorch", path), "minitorch")
    added = public_names(_module("torch_backend", path), None) - mini
    added = sorted(name for name in added if (path, name) not in ALLOWED)
    mini_module = _module("minitorch", path)
    imported_only = [name for name in added if hasattr(mini_module, name)]
    assert not added, f"torch_backend.{path} has names minitorch.{path} lacks: {added}" + (
        f" (of these, minitorch only imports {imported_only}; declare them in __all__)"
        if imported_only
        else ""
    )


@pytest.mark.parametrize("path", sorted(MIRRORED))
def test_torch_backend_adds_no_submodules(path: str) -> None:
    """PyTorch modules torch_backend exposes (``cuda``) exist in minitorch too, or are in the tree.

    (Other modules there, such as PIL's ``Image``, are imports for its own use.)
    """
    prefix = f"{path}." if path else ""
    mini_module, backend_module = _module("minitorch", path), _module("torch_backend", path)
    added = sorted(
        name
        for name, value in vars(backend_module).items()
        if isinstance(value, types.ModuleType)
        and value.__name__.startswith("torch")
        and not name.startswith("_")
        and f"{prefix}{name}" not in MIRRORED
        and not isinstance(getattr(mini_module, name, None), types.ModuleType)
    )
    assert not added, f"torch_backend.{path} has modules minitorch.{path} lacks: {added}"


@pytest.mark.parametrize("path", sorted(MIRRORED))
def test_torch_backend_serves_pytorchs_own_objects(path: str) -> None:
    backend_module = _module("torch_backend", path)
    source = importlib.import_module(MIRRORED[path])
    foreign = []
    for name in sorted(public_names(backend_module, None)):
        value = getattr(backend_module, name)
        is_own = (getattr(value, "__module__", None) or "").startswith(
            ("torch_backend", "minitorch._backend")
        )
        if is_own != ((path, name) in OWN):
            foreign.append(
                f"{name} ({'written here' if is_own else 'PyTorch'}s, OWN says otherwise)"
            )
        elif is_own:
            continue
        elif hasattr(source, name) and getattr(source, name) is not value:
            foreign.append(f"{name} is not {MIRRORED[path]}.{name}")
        elif not (_origin(value) or "torch").startswith(("torch", "torchvision")):
            foreign.append(f"{name} comes from {_origin(value)}, not from PyTorch")
    assert not foreign, f"torch_backend.{path}: " + "; ".join(foreign)


def test_every_public_subpackage_is_mirrored_or_excused() -> None:
    children = {info.name for info in pkgutil.iter_modules(minitorch.__path__)}
    public = {name for name in children if not name.startswith("_")}
    unexplained = public - set(MIRRORED) - set(NOT_MIRRORED)
    assert not unexplained, f"minitorch.{sorted(unexplained)} neither mirrored nor in NOT_MIRRORED"
    stale = set(NOT_MIRRORED) - public
    assert not stale, f"NOT_MIRRORED names modules minitorch no longer has: {sorted(stale)}"


def test_own_objects_exist() -> None:
    for path, name in OWN:
        assert hasattr(_module("torch_backend", path), name), f"torch_backend.{path}.{name}"


def test_signature_rule_examples() -> None:
    """The compatibility rule itself, on small functions (so a lenient rule cannot hide)."""

    def torch_like(input, dim=None, *, keepdim=False, out=None): ...

    def subset(input, dim=None, *, keepdim=False): ...

    def other_default(input, dim=0, *, keepdim=False): ...

    def keyword_became_positional(input, dim=None, keepdim=False): ...

    def unknown_parameter(input, dim=None, *, scale=1.0): ...

    def order_swapped(dim, input): ...

    assert signature_problems(subset, torch_like) == []
    assert signature_problems(other_default, torch_like)
    assert signature_problems(keyword_became_positional, torch_like)
    assert signature_problems(unknown_parameter, torch_like)
    assert signature_problems(order_swapped, torch_like)
    assert signature_problems(torch_like, subset)  # torch would need `out` minitorch lacks
    assert signature_problems(subset, torch_like, exact=True)
