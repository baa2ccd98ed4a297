"""``set_num_threads`` / ``get_num_threads``: the threads minitorch computes with, PyTorch's API.

They set how many parts the convolution, pooling and linear kernels split a batch into
(``minitorch/kernels/_threads.py``) and how many threads BLAS uses outside those splits.
"""

from __future__ import annotations

from minitorch.kernels import _threads

__all__ = ["get_num_threads", "set_num_threads"]


def get_num_threads() -> int:
    """The number of threads the kernels split their work over."""
    return _threads.num_threads()


def set_num_threads(num: int) -> None:
    """Use ``num`` threads from now on (PyTorch's intra-op thread count)."""
    if isinstance(num, bool) or not isinstance(num, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads.set_threads(num)
