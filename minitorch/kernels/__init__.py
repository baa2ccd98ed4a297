"""Numba kernels: plain loops over numpy arrays, no Tensors, no autograd.

Two sets of kernels compute convolution, max pooling and the fused cross-entropy:

- ``"fast"`` (the default): :mod:`minitorch.kernels.conv`, :mod:`minitorch.kernels.pool`
  and :mod:`minitorch.kernels.loss`, with a direct float32 convolution, im2col,
  channels-last copies, BLAS and threads;
- ``"reference"``: :mod:`minitorch.kernels.reference`, the same formulas as plain loops,
  written to be read first (``docs/kernels.md`` goes from one to the other).

:func:`use` chooses the set for the whole process (``MINITORCH_KERNELS=reference`` in the
environment chooses it at import); :func:`current` names it. The Functions of
:mod:`minitorch._ops` call their kernels by a module-level name that :func:`bind` set up:
``use`` rebinds those names, so a call costs one global lookup whichever set is active,
and their ``kernel`` / ``backward_kernel`` attributes (:class:`KernelName`) name the
kernel of the active set, as ``minitorch.profiler`` and ``minitorch-explain`` report it.

Why names in the Function's module rather than a lookup in a table here: the profiler
finds a Function's kernel in the Function's module under the name its ``kernel``
attribute ends with, and wraps it there while it records. For the same reason the set
cannot change while a profiler is recording (its wrappers would be lost, and put back
stale when it stops): :func:`use` then raises instead.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["KernelName", "PreviousSet", "bind", "current", "kernel_name", "sets", "use"]

# Each set: the module that holds each kernel, under the kernel's own name.
_SETS: dict[str, dict[str, str]] = {
    "fast": {
        "conv2d_forward": "minitorch.kernels.conv",
        "conv2d_backward": "minitorch.kernels.conv",
        "max_pool2d_forward": "minitorch.kernels.pool",
        "max_pool2d_backward": "minitorch.kernels.pool",
        "cross_entropy_forward": "minitorch.kernels.loss",
        "cross_entropy_backward": "minitorch.kernels.loss",
    },
    "reference": {
        name: "minitorch.kernels.reference"
        for name in (
            "conv2d_forward",
            "conv2d_backward",
            "max_pool2d_forward",
            "max_pool2d_backward",
            "cross_entropy_forward",
            "cross_entropy_backward",
        )
    },
}
ENVIRONMENT_VARIABLE = "MINITORCH_KERNELS"

_lock = threading.Lock()
# (namespace, name, the kernel bound there): what use() rebinds, and checks is untouched
_bindings: list[tuple[dict[str, Any], str, Callable[..., Any]]] = []


def sets() -> tuple[str, ...]:
    """The names of the kernel sets: ``("fast", "reference")``."""
    return tuple(_SETS)


def _checked(name: object, where: str) -> str:
    if not isinstance(name, str) or name not in _SETS:
        raise ValueError(f"{where}: unknown kernel set {name!r}; the sets are {', '.join(_SETS)}")
    return name


def _set_from_environment() -> str:
    value = os.environ.get(ENVIRONMENT_VARIABLE, "fast").strip() or "fast"
    return _checked(value, f"the environment variable {ENVIRONMENT_VARIABLE}")


_active = _set_from_environment()


def current() -> str:
    """The name of the active kernel set, ``"fast"`` or ``"reference"``."""
    return _active


def kernel_name(kernel: str, kernel_set: str | None = None) -> str:
    """The dotted name of ``kernel`` in ``kernel_set`` (default: the active set), such as
    ``minitorch.kernels.reference.conv2d_forward``."""
    return f"{_SETS[kernel_set or _active][kernel]}.{kernel}"


def _kernel(kernel: str, kernel_set: str) -> Callable[..., Any]:
    module = importlib.import_module(_SETS[kernel_set][kernel])
    function: Callable[..., Any] = getattr(module, kernel)
    return function


def bind(namespace: dict[str, Any], *kernels: str) -> tuple[Callable[..., Any], ...]:
    """The active set's ``kernels``, and the promise to rebind ``namespace[kernel]`` to the
    newly active set's on every :func:`use`. A module calls them by those global names::

        conv2d_forward, conv2d_backward = kernels.bind(globals(), "conv2d_forward", ...)
    """
    with _lock:
        bound = tuple(_kernel(kernel, _active) for kernel in kernels)
        for kernel, function in zip(kernels, bound, strict=True):
            _bindings.append((namespace, kernel, function))
        return bound


def _switch(kernel_set: str) -> str:
    """Make ``kernel_set`` active; returns the set that was."""
    global _active
    with _lock:
        previous = _active
        if kernel_set == previous:
            return previous
        for namespace, kernel, function in _bindings:
            if namespace.get(kernel) is not function:
                module = namespace.get("__name__", "a module")
                raise RuntimeError(
                    f"minitorch.kernels.use({kernel_set!r}): {module}.{kernel} is no longer the "
                    f"kernel it was bound to (a running minitorch.profiler wraps the kernels); "
                    f"choose the kernel set before the profiler starts"
                )
        rebound = [
            (namespace, kernel, _kernel(kernel, kernel_set)) for namespace, kernel, _ in _bindings
        ]
        for namespace, kernel, function in rebound:
            namespace[kernel] = function
        _bindings[:] = rebound
        _active = kernel_set
        return previous


class PreviousSet(str):
    """What :func:`use` returns: the name of the set that was active before it, and a context
    manager that makes that set active again when its block ends."""

    def __enter__(self) -> str:
        return current()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _switch(str(self))


def use(kernel_set: str) -> PreviousSet:
    """Make ``kernel_set`` (``"fast"`` or ``"reference"``) the active kernel set, now.

    Returns the name of the set that was active, which is also a context manager that
    makes that set active again when the block ends::

        previous = minitorch.kernels.use("reference")   # previous == "fast"
        minitorch.kernels.use(previous)

        with minitorch.kernels.use("reference"):
            ...                                          # reference kernels here
        # the previous set again

    The choice holds for the whole process, in every thread. Raises ValueError for an
    unknown set, and RuntimeError while a profiler is recording (see the module doc).
    """
    return PreviousSet(_switch(_checked(kernel_set, "minitorch.kernels.use")))


class KernelName:
    """A Function's ``kernel`` / ``backward_kernel`` attribute: the dotted name of the kernel
    of the active set, read on the class or an instance (``Convolution.kernel``)."""

    def __init__(self, kernel: str) -> None:
        self.kernel = kernel

    def __get__(self, instance: object, owner: type | None = None) -> str:
        return kernel_name(self.kernel)

    def __repr__(self) -> str:
        return f"KernelName({self.kernel!r})"
