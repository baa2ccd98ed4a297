"""``__all__`` and star-imports: every public module says what it exports, and exports that.

1. ``from m import *`` of a module a course script star-imports (``minitorch``, ``nn``,
   ``nn.functional``, ``optim``, ``utils.data``, every ``vision`` module) brings in exactly
   ``m.__all__``; every name there exists, once; none is a module (``np``, ``os``), a helper
   of another library (``Sequence``, ``Any``), a private ``_name``, or a subclass of
   ``minitorch.autograd.Function`` (the Function floor's classes, such as nn.functional's
   ``Linear``, are internals).
2. ``from minitorch.nn import *`` followed by ``from minitorch.nn.functional import *``
   leaves ``Linear`` the layer.
3. Every torch_backend module declares the same ``__all__`` as its minitorch counterpart,
   except for the names in ``NOT_IN_TORCH_BACKEND``.
4. Every public module of both packages (no part of its dotted name starts with ``_``)
   defines ``__all__``.

Which names each module exports is its own business (PyTorch's names it implements plus
minitorch's documented extras); ``tests/test_backend_surface.py`` compares the surfaces
themselves (names and signatures) between the two backends.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import minitorch
from minitorch.autograd.function import Function
from minitorch.nn.modules.module import Module

STAR_IMPORTED = ["minitorch", "minitorch.nn", "minitorch.nn.functional", "minitorch.optim"]
STAR_IMPORTED += ["minitorch.utils.data", "minitorch.vision"]
STAR_IMPORTED += [
    info.name
    for info in pkgutil.walk_packages(
        importlib.import_module("minitorch.vision").__path__, "minitorch.vision."
    )
]

# (minitorch module, name) -> why torch_backend's counterpart does not export the name
# (see ALLOWED in tests/test_backend_surface.py).
NOT_IN_TORCH_BACKEND = {
    ("minitorch", "explain"): "explains a minitorch training step; PyTorch has no such function",
}


def _public_modules(package: types.ModuleType) -> list[str]:
    """The dotted names of ``package`` and of every module under it with no ``_`` part."""
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _why_not_exported(value: object) -> str | None:
    """Why ``value`` has no place in a star-import, or None when it has one."""
    if isinstance(value, types.ModuleType):
        return "a module"
    if isinstance(value, type) and issubclass(value, Function) and value is not Function:
        return "an autograd Function (an internal of the op floors)"
    if isinstance(value, type) or callable(value):
        origin = getattr(value, "__module__", None) or ""
        if not origin.startswith("minitorch"):
            return f"defined in {origin or 'an unknown module'}, not in minitorch"
        return None
    kind = type(value).__module__
    if kind != "builtins" and not kind.startswith("minitorch"):
        return f"a {kind}.{type(value).__qualname__} object, not minitorch's"
    return None  # a constant: a number, string, tuple, dict, dtype, default generator


@pytest.mark.parametrize("name", STAR_IMPORTED)
def test_star_import_brings_in_exactly_all(name: str) -> None:
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} defines no __all__"
    exported = list(module.__all__)
    duplicated = sorted({n for n in exported if exported.count(n) > 1})
    assert not duplicated, f"{name}.__all__ names these twice: {duplicated}"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what {name} lacks: {missing}"
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)
    del namespace["__builtins__"]
    assert set(namespace) == set(exported)
    wrong = {n: why for n, v in namespace.items() if (why := _why_not_exported(v)) is not None}
    wrong.update({n: "private" for n in exported if n.startswith("_")})
    assert not wrong, f"from {name} import * brings in: " + "; ".join(
        f"{n} ({why})" for n, why in sorted(wrong.items())
    )


def test_why_not_exported_examples() -> None:
    """The rule of the test above, on the kinds of names that used to leak."""
    import warnings
    from collections.abc import Sequence
    from typing import Any

    import numpy as np

    from minitorch._ops.linear import Linear as LinearFunction

    for leak in (np, warnings, Sequence, Any, LinearFunction, np.zeros):
        assert _why_not_exported(leak) is not None, leak
    for fine in (minitorch.zeros, minitorch.Tensor, minitorch.float32, minitorch.nn.Linear):
        assert _why_not_exported(fine) is None, fine
    assert _why_not_exported(minitorch.default_generator) is None
    assert _why_not_exported((".png", ".jpg")) is None


def test_functional_star_import_keeps_the_layers() -> None:
    namespace: dict[str, object] = {}
    exec("from minitorch.nn import *\nfrom minitorch.nn.functional import *", namespace)
    layer = namespace["Linear"](4, 2)  # type: ignore[operator]
    assert isinstance(layer, Module), f"nn.functional's star-import replaced Linear: {layer!r}"
    assert namespace["linear"] is minitorch.nn.functional.linear


def test_every_public_module_defines_all() -> None:
    lacking = []
    for package in ("minitorch", "torch_backend"):
        if package == "torch_backend":
            pytest.importorskip("torch")
            pytest.importorskip("torchvision")
        for name in _public_modules(importlib.import_module(package)):
            if not hasattr(importlib.import_module(name), "__all__"):
                lacking.append(name)
    assert not lacking, f"public modules without __all__: {lacking}"


def test_torch_backend_declares_minitorchs_all() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("torchvision")
    torch_backend = importlib.import_module("torch_backend")
    problems = []
    for name in _public_modules(torch_backend):
        counterpart = "minitorch" + name.removeprefix("torch_backend")
        backend_all = getattr(importlib.import_module(name), "__all__", None)
        mini_all = getattr(importlib.import_module(counterpart), "__all__", None)
        if backend_all is None or mini_all is None:
            side = name if backend_all is None else counterpart
            problems.append(f"{side} defines no __all__")
            continue
        expected = {n for n in mini_all if (counterpart, n) not in NOT_IN_TORCH_BACKEND}
        if set(backend_all) != expected:
            problems.append(
                f"{name}: lacks {sorted(expected - set(backend_all))}, "
                f"adds {sorted(set(backend_all) - expected)}"
            )
    assert not problems, "\n  ".join(["torch_backend vs minitorch __all__:", *problems])


def test_not_in_torch_backend_is_current() -> None:
    for module_name, name in NOT_IN_TORCH_BACKEND:
        assert name in importlib.import_module(module_name).__all__, (module_name, name)
