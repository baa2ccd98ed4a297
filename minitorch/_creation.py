"""Creating tensors: ``tensor``, ``zeros``, ``arange``, ``randn``, ``*_like`` and friends."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from minitorch import _dtype
from minitorch._device import check_cpu
from minitorch._dtype import dtype
from minitorch._random import Generator, generator_or_default
from minitorch._tensor import Tensor

Shape = int | Sequence[int]


def _finish(data: np.ndarray, dtype: dtype | None, device: object, requires_grad: bool) -> Tensor:
    if device is not None:
        check_cpu(device)
    if dtype is not None:
        data = data.astype(_dtype.as_dtype(dtype).numpy_dtype, copy=False)
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad = True
    return t


def _infer(data: Any, dtype: dtype | None = None) -> np.ndarray:
    """Convert Python data to an array with PyTorch's dtype inference (or ``dtype`` when given)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.ndarray):
        if data.dtype.kind == "f" and data.dtype.itemsize not in (2, 4, 8):
            raise TypeError(f"can't convert np.ndarray of type {data.dtype}")
        _dtype.from_numpy_dtype(data.dtype)  # raises TypeError for unsupported dtypes
        return data
    if isinstance(data, np.generic):
        return np.asarray(data)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flatten(data)):
        data = _nested_tensors_to_lists(data)
    try:
        array = np.array(data)
    except ValueError as error:
        raise ValueError(f"expected sequence of equal-length lists: {error}") from None
    if array.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(_first_leaf(data)).__name__}")
    if dtype is not None:  # straight from the Python values: no rounding through float32 first
        return array.astype(_dtype.as_dtype(dtype).numpy_dtype)
    if array.dtype.kind == "f":
        return array.astype(_dtype.get_default_dtype().numpy_dtype)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "b":
        return array
    raise TypeError(f"Could not infer dtype of {array.dtype}")


def _flatten(data: Any):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _flatten(x)
        else:
            yield x


def _first_leaf(data: Any) -> Any:
    for x in _flatten(data) if isinstance(data, (list, tuple)) else [data]:
        return x
    return data


def _nested_tensors_to_lists(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data._data.tolist()
    if isinstance(data, (list, tuple)):
        return [_nested_tensors_to_lists(x) for x in data]
    return data


def tensor(
    data: Any, *, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays).

    Integers become int64, floats the default dtype (float32), bools bool; a
    numpy array keeps its dtype.
    """
    array = np.array(_infer(data, dtype), copy=True)
    return _finish(array, dtype, device, requires_grad)


def as_tensor(data: Any, dtype: dtype | None = None, device: object = None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array or tensor when it can."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    return _finish(_infer(data, dtype), dtype, device, False)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


def _shape(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}"
        )
    return shape


def _float(dtype: dtype | None) -> np.dtype:
    return (_dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()).numpy_dtype


def zeros(
    *size: Shape, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    return _finish(np.zeros(_shape(size), _float(dtype)), None, device, requires_grad)


def ones(
    *size: Shape, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    return _finish(np.ones(_shape(size), _float(dtype)), None, device, requires_grad)


def empty(
    *size: Shape, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    return _finish(np.empty(_shape(size), _float(dtype)), None, device, requires_grad)


def full(
    size: Shape,
    fill_value: float | int | bool,
    *,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype inferred from the value)."""
    if dtype is None:
        dtype = _dtype.result_type(fill_value)
    return _finish(
        np.full(_shape((size,)), fill_value, _dtype.as_dtype(dtype).numpy_dtype),
        None,
        device,
        requires_grad,
    )


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    return _finish(np.eye(n, m, dtype=_float(dtype)), None, device, requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a bound is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if is_float else _dtype.int64
    count = builtins.max(0, int(np.ceil((end - start) / step)))
    data = (start + step * np.arange(count, dtype=np.float64)).astype(
        _dtype.as_dtype(dtype).numpy_dtype
    )
    return _finish(data, None, device, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    return _finish(
        np.linspace(start, end, steps).astype(_float(dtype)), None, device, requires_grad
    )


def rand(
    *size: Shape,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1)."""
    data = generator_or_default(generator).random(_shape(size)).astype(_float(dtype))
    return _finish(data, None, device, requires_grad)


def randn(
    *size: Shape,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples."""
    data = generator_or_default(generator).standard_normal(_shape(size)).astype(_float(dtype))
    return _finish(data, None, device, requires_grad)


def randint(
    low: int,
    high: int | None = None,
    size: Shape = (),
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers drawn uniformly from ``[low, high)`` (``randint(high, size)`` also works)."""
    if high is None or isinstance(high, (tuple, list)):
        low, high, size = 0, low, high if high is not None else size
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    data = generator_or_default(generator).integers(low, high, _shape((size,)))
    return _finish(
        data.astype(_dtype.as_dtype(dtype or _dtype.int64).numpy_dtype), None, device, requires_grad
    )


def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1``."""
    data = generator_or_default(generator).permutation(n)
    return _finish(
        data.astype(_dtype.as_dtype(dtype or _dtype.int64).numpy_dtype), None, device, requires_grad
    )


def _like(fn: Any, input: Tensor, dtype: dtype | None, **kwargs: Any) -> Tensor:
    return fn(*input._data.shape, dtype=dtype or input.dtype, **kwargs)


def zeros_like(
    input: Tensor, *, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    return _like(zeros, input, dtype, device=device, requires_grad=requires_grad)


def ones_like(
    input: Tensor, *, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    return _like(ones, input, dtype, device=device, requires_grad=requires_grad)


def empty_like(
    input: Tensor, *, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    return _like(empty, input, dtype, device=device, requires_grad=requires_grad)


def rand_like(
    input: Tensor, *, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    return _like(rand, input, dtype, device=device, requires_grad=requires_grad)


def randn_like(
    input: Tensor, *, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    return _like(randn, input, dtype, device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor,
    fill_value: float | int | bool,
    *,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    return full(
        input._data.shape,
        fill_value,
        dtype=dtype or input.dtype,
        device=device,
        requires_grad=requires_grad,
    )


def randint_like(
    input: Tensor,
    low: int,
    high: int | None = None,
    *,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    return randint(
        low,
        high,
        input._data.shape,
        dtype=dtype or input.dtype,
        device=device,
        requires_grad=requires_grad,
    )
