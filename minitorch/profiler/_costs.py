"""How much arithmetic an op or kernel does (FLOPs) and how many bytes it must move.

FLOPs follow PyTorch's formulas (``torch/utils/flop_counter.py``): a multiply-add counts
as two, and only matrix products and convolutions are counted (a bias, a max or an
exponential is not). For a convolution of ``x`` (N, C, H, W) with ``weight``
(O, C/groups, KH, KW) into ``out`` (N, O, OH, OW)::

    FLOPs = 2 * N*O*OH*OW * C/groups*KH*KW        (= 2 * out.size * weight[0].size)

Its backward does the same products once for the input's gradient and once for the
weight's, and adds up N*O*OH*OW values for the bias's.

*Bytes moved* is the size of every array a kernel reads or writes, each counted once:
the least memory traffic the kernel can do, so ``FLOPs / bytes`` is its arithmetic
intensity (the im2col copies of :mod:`minitorch.kernels.conv` move more than this).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["bytes_moved", "kernel_flops", "op_flops"]


def _arrays(values: Any) -> list[np.ndarray]:
    if isinstance(values, np.ndarray):
        return [values]
    if isinstance(values, (tuple, list)):
        return [a for v in values for a in _arrays(v)]
    return []


def bytes_moved(args: tuple, result: Any) -> int:
    """The bytes of the distinct arrays among a kernel's arguments and results."""
    seen: dict[int, int] = {}
    for array in _arrays(args) + _arrays(result):
        seen[id(array)] = array.nbytes
    return sum(seen.values())


def _conv2d_forward(args: tuple, result: Any) -> int:
    weight = args[1]
    return 2 * result.size * math.prod(weight.shape[1:])


def _conv2d_backward(args: tuple, result: Any) -> int:
    weight, grad_out = args[1], args[2]
    need_input, need_weight, need_bias = args[7:10]
    products = 2 * grad_out.size * math.prod(weight.shape[1:])
    return products * (int(need_input) + int(need_weight)) + grad_out.size * int(need_bias)


_KERNEL_FLOPS: dict[str, Callable[[tuple, Any], int]] = {
    "minitorch.kernels.conv.conv2d_forward": _conv2d_forward,
    "minitorch.kernels.conv.conv2d_backward": _conv2d_backward,
    "minitorch.kernels.reference.conv2d_forward": _conv2d_forward,
    "minitorch.kernels.reference.conv2d_backward": _conv2d_backward,
}


def kernel_flops(kernel: str, args: tuple, result: Any) -> int:
    """The FLOPs of one call of the kernel named ``kernel`` (0 where none are counted)."""
    formula = _KERNEL_FLOPS.get(kernel)
    return 0 if formula is None else formula(args, result)


def _matmul(arrays: list[np.ndarray], out: np.ndarray) -> int:
    return 2 * out.size * arrays[0].shape[-1]  # each output: a row times a column of length k


def _linear(arrays: list[np.ndarray], out: np.ndarray) -> int:
    return 2 * out.size * arrays[1].shape[-1]  # x @ weight.T: k is the weight's in_features


_OP_FLOPS: dict[str, Callable[[list[np.ndarray], np.ndarray], int]] = {
    "Linear": _linear,
    "Matmul": _matmul,
    "Mm": _matmul,
    "Bmm": _matmul,
    "Mv": _matmul,
    "Dot": _matmul,
}


def op_flops(function_name: str, arrays: list[np.ndarray], outputs: list[np.ndarray]) -> int:
    """The FLOPs of a numpy-computed op (``Linear``, the matrix products), 0 for the others:
    ``arrays`` are its tensor arguments, ``outputs`` its results."""
    formula = _OP_FLOPS.get(function_name)
    if formula is None or not outputs or not arrays:
        return 0
    return formula(arrays, outputs[0])
