"""What several tensors can share: the memory (a storage) and the count of writes into it.

A tensor is a *view* of a storage: ``(storage, offset, sizes, strides)``. Here the storage
is the numpy array that owns the memory, and the view is a numpy array into it, so numpy
already keeps offsets and strides; :func:`storage_array` finds the owner again.

The version counter is shared by a tensor, its views and ``detach()``, not by ``.data``
(PyTorch's rule): every in-place write bumps it, and a tensor saved for backward remembers
the value it saw, so that backward can refuse a tensor changed since.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "CPUAllocationError",
    "UntypedStorage",
    "VersionCounter",
    "allocates",
    "check_storage_size",
    "out_of_memory",
    "storage_array",
]

_Fn = TypeVar("_Fn", bound=Callable[..., Any])


class VersionCounter:
    """How many in-place writes the shared memory has seen (``Tensor._version``)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


def storage_array(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (``array`` itself when it owns it)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


class UntypedStorage:
    """The bytes behind one or more tensors (``Tensor.untyped_storage()``)."""

    def __init__(self, array: np.ndarray) -> None:
        self._array = storage_array(array)

    def data_ptr(self) -> int:
        return self._array.__array_interface__["data"][0]

    def nbytes(self) -> int:
        return int(self._array.nbytes)

    def size(self) -> int:
        return self.nbytes()

    def __len__(self) -> int:
        return self.nbytes()

    def __repr__(self) -> str:
        return f"<minitorch.UntypedStorage of {self.nbytes()} bytes at {self.data_ptr():#x}>"


# ------------------------------------------------------------------ allocation failures
class CPUAllocationError(RuntimeError):
    """PyTorch's RuntimeError for memory the CPU allocator cannot give, as a class of its own
    so that the commands can tell it from a bug (``except RuntimeError`` still catches it)."""


def out_of_memory(error: MemoryError) -> CPUAllocationError:
    """PyTorch's error for memory the CPU allocator cannot give; numpy raises MemoryError,
    and says how many bytes it asked for (``_total_size``) when the array was too big."""
    size = getattr(error, "_total_size", None)
    tried = f": you tried to allocate {size} bytes" if size is not None else ""
    return CPUAllocationError(f"DefaultCPUAllocator: can't allocate memory{tried}.")


def allocates(fn: _Fn) -> _Fn:
    """``fn`` raises PyTorch's RuntimeError instead of numpy's MemoryError when memory runs out."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MemoryError as error:
            raise out_of_memory(error) from None

    return wrapper  # type: ignore[return-value]


def check_storage_size(shape: tuple[int, ...], itemsize: int) -> None:
    """PyTorch refuses a shape whose byte count overflows int64 before it tries to allocate."""
    elements = 1
    for size in shape:
        elements *= size
    if elements * itemsize >= 2**63:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")
