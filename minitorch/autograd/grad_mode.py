"""Switching gradient recording on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

The mode belongs to the calling thread, as PyTorch's does: a thread evaluating under
``no_grad`` leaves another thread's training graph recorded. A new thread starts with
recording on, whatever the thread that started it was doing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled"]


class _ThreadGradMode(threading.local):
    enabled = True  # the class attribute is every new thread's starting value


_state = _ThreadGradMode()


def is_grad_enabled() -> bool:
    return _state.enabled


class _GradMode:
    """A context manager that is also a decorator, like PyTorch's grad-mode classes."""

    _mode: bool

    def __enter__(self) -> None:
        self._previous = _state.enabled
        _state.enabled = self._mode

    def __exit__(self, *exc_info: object) -> None:
        _state.enabled = self._previous

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
        self._mode = bool(mode)
        self._previous = _state.enabled
        _state.enabled = self._mode  # a plain call switches the mode at once, as in PyTorch

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable) -> Callable:
        _state.enabled = self._previous  # used as a decorator: switch only while fn runs
        return super().__call__(fn)

    def _init_args(self) -> tuple:
        return (self._mode,)


class inference_mode(no_grad):  # noqa: N801
    """Same as ``no_grad`` here (minitorch has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode

    def _init_args(self) -> tuple:
        return (not self._mode,)
