"""Switching gradient recording on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


class _GradMode:
    """A context manager that is also a decorator, like PyTorch's grad-mode classes."""

    _mode: bool

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = self._mode

    def __exit__(self, *exc_info: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(*self._init_args()):
                return fn(*args, **kwargs)

        return wrapper

    def _init_args(self) -> tuple:
        return ()


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Inside it, results of operations do not record a graph (``requires_grad=False``)."""

    _mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Turn gradient recording back on, e.g. inside a ``no_grad`` block."""

    _mode = True


class set_grad_enabled(_GradMode):  # noqa: N801
    """``set_grad_enabled(False)`` acts as ``no_grad``; usable as a function call too."""

    def __init__(self, mode: bool):
        global _grad_enabled
        self._mode = bool(mode)
        self._previous = _grad_enabled
        _grad_enabled = self._mode  # a plain call switches the mode at once, as in PyTorch

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable) -> Callable:
        global _grad_enabled
        _grad_enabled = self._previous  # used as a decorator: switch only while fn runs
        return super().__call__(fn)

    def _init_args(self) -> tuple:
        return (self._mode,)


class inference_mode(no_grad):  # noqa: N801
    """Same as ``no_grad`` here (minitorch has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode

    def _init_args(self) -> tuple:
        return (not self._mode,)
