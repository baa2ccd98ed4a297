"""``set_num_threads`` / ``get_num_threads``: the threads minitorch computes with, PyTorch's API.

They set how many parts the convolution, pooling and linear kernels split a batch into
(``minitorch/kernels/_threads.py``), Numba's thread count (up to the threads Numba started,
``NUMBA_NUM_THREADS``) and how many threads BLAS uses outside those splits.

Until ``set_num_threads`` is called, ``get_num_threads()`` is Numba's thread count, which
defaults to the CPUs this process may run on (PyTorch's default is the physical cores; the
two agree where each core runs one thread).
"""

from __future__ import annotations

import numpy as np

from minitorch.kernels import _threads

__all__ = ["get_num_threads", "set_num_threads"]

_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class defined in Python


def _type_name(value: object) -> str:
    """The type's name as PyTorch prints it: a C type with its module (``numpy.float64``)."""
    cls = type(value)
    if cls.__flags__ & _HEAP_TYPE or cls.__module__ == "builtins":
        return cls.__name__
    return f"{cls.__module__}.{cls.__name__}"


def get_num_threads() -> int:
    """The number of threads the kernels split their work over."""
    return _threads.num_threads()


def set_num_threads(num: int) -> None:
    """Use ``num`` threads from now on (PyTorch's intra-op thread count).

    ``num`` is an int (numpy integers too), positive and within a C ``int``, as in PyTorch.
    """
    if isinstance(num, bool) or not isinstance(num, int | np.integer):
        raise RuntimeError(f"set_num_threads expects an int, but got {_type_name(num)}")
    num = int(num)
    if not -(2**63) <= num < 2**63:
        raise ValueError("Overflow when unpacking long long")
    if not -(2**31) <= num < 2**31:
        raise ValueError("Overflow when unpacking long")
    if num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads.set_threads(num)
