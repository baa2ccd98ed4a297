"""Elementwise Functions: arithmetic with broadcasting, unary math, comparisons.

Binary operations broadcast like numpy and PyTorch. Their backward sums the
incoming gradient back down to each input's shape (:func:`unbroadcast`): an
input that was stretched along a dimension receives the sum over it.
"""

from __future__ import annotations

import numpy as np


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched to reach ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def pytorch_layout(a: object, b: object) -> np.ndarray | None:
    """An empty array for the result of ``a (op) b``, laid out as PyTorch lays it out, or None
    where that is numpy's C order anyway.

    PyTorch's TensorIterator orders the result's dimensions by the inputs' strides, the first
    input deciding unless its strides tie or are broadcast (0); numpy keeps C order when its
    inputs disagree. So for ``x.t() * y`` PyTorch's result is transposed like ``x.t()``, and
    numpy's is not: a view of it (``view(-1)``) would then work in one and fail in the other.
    """
    arrays = [x for x in (a, b) if isinstance(x, np.ndarray) and x.ndim]
    if all(x.flags.c_contiguous for x in arrays):
        return None
    shape = np.broadcast_shapes(*(x.shape for x in arrays))
    strides = []
    for x in arrays:  # each input's strides over the result's shape, 0 where broadcast
        padded = (0,) * (len(shape) - x.ndim) + x.strides
        sizes = (1,) * (len(shape) - x.ndim) + x.shape
        strides.append(
            [0 if n == 1 and m != 1 else s for s, n, m in zip(padded, sizes, shape, strict=True)]
        )

    def should_swap(dim0: int, dim1: int) -> int:
        for stride in strides:
            if stride[dim0] == 0 or stride[dim1] == 0:
                continue
            if stride[dim0] != stride[dim1]:
                return 1 if stride[dim0] > stride[dim1] else -1
            if shape[dim0] > shape[dim1]:
                return 1
        return 0

    fastest_first = list(range(len(shape) - 1, -1, -1))
    for i in range(1, len(shape)):  # PyTorch's insertion sort, which allows ambiguous pairs
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            comparison = should_swap(fastest_first[dim0], fastest_first[dim1])
            if comparison > 0:
                fastest_first[dim0], fastest_first[dim1] = fastest_first[dim1], fastest_first[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    order = fastest_first[::-1]
    if order == sorted(order):
        return None
    out = np.empty([shape[d] for d in order], dtype=np.result_type(a, b))
    return out.transpose(np.argsort(order))
