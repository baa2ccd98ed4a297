"""Creating tensors: ``tensor``, ``zeros``, ``arange``, ``randn``, ``*_like`` and friends."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from minitorch import _dtype
from minitorch._checks import checked_conversion, parsed_number
from minitorch._device import check_cpu
from minitorch._dtype import dtype
from minitorch._random import Generator, generator_or_default
from minitorch._storage import allocates, check_storage_size
from minitorch._tensor import Tensor

Shape = int | Sequence[int]


def _finish(data: np.ndarray, dtype: dtype | None, device: object, requires_grad: bool) -> Tensor:
    if device is not None:
        check_cpu(device)
    if dtype is not None:
        data = data.astype(_dtype.as_dtype(dtype).numpy_dtype, copy=False)
    t = Tensor._make(data)
    if requires_grad:
        if data.dtype.kind != "f":  # the factories' wording; requires_grad_() has its own
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
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
        return _from_list_with_tensors(data, dtype)
    array = _python_numbers_array(data, dtype)
    if array.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(_first_leaf(data)).__name__}")
    if dtype is not None:  # straight from the Python values: no rounding through float32 first
        target = _dtype.as_dtype(dtype).numpy_dtype
        check_fits(array, target, str(target))
        with np.errstate(over="ignore"):  # beyond float32's or float16's range: inf, silently
            return array.astype(target)
    if array.dtype.kind == "f":
        with np.errstate(over="ignore"):  # tensor([1e39]) is inf in float32, silently
            return array.astype(_dtype.get_default_dtype().numpy_dtype)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "b":
        return array
    raise TypeError(f"Could not infer dtype of {array.dtype}")


def _python_numbers_array(data: Any, dtype: dtype | None) -> np.ndarray:
    """``np.array(data)``, except for Python ints beyond int64, which PyTorch reads as 64-bit
    integers: refused (ValueError) when the tensor holds integers, converted when it holds
    floats or bools. numpy would store them as uint64, float64 or objects instead."""
    try:
        array = np.array(data)
    except ValueError as error:
        raise ValueError(f"expected sequence of equal-length lists: {error}") from None
    kind = array.dtype.kind
    # Only these arrays can come from such ints; the walk over the Python values is rare.
    suspect = kind in "uO" or (kind == "f" and array.size and np.abs(array).max() >= 2.0**63)
    if not suspect or not any(_beyond_int64(x) for x in _leaves(data)):
        return array
    if dtype is None:
        holds_floats = any(isinstance(x, float) for x in _leaves(data))
        target = _dtype.get_default_dtype() if holds_floats else _dtype.int64
    else:
        target = _dtype.as_dtype(dtype)
    if target is _dtype.uint64 and all(0 <= x < 2**64 for x in _leaves(data)):
        return np.array(data, dtype=np.uint64)  # uint64 holds them
    if target.numpy_dtype.kind in "iu":
        raise ValueError("Overflow when unpacking long long")
    return np.array(data, dtype=np.bool_ if target is _dtype.bool else np.float64)


def _beyond_int64(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63


def check_fits(array: np.ndarray, target: np.dtype, type_name: str) -> None:
    """PyTorch's overflow check for numbers written into an integer dtype (RuntimeError).

    Integers may wrap from negative into an unsigned type (uint8 takes -255 to 255), as C
    conversions do; floats are truncated toward zero first, so 127.9 fits int8 while 128.0,
    -128.5 and nan do not. Other dtypes take any number.
    """
    if target.kind not in "iu" or array.dtype.kind not in "iuf" or not array.size:
        return
    info = np.iinfo(target)
    if array.dtype.kind == "f":
        fits = not np.isnan(array).any() and array.min() >= info.min and array.max() < info.max + 1
    else:
        lowest = -info.max if info.min == 0 else info.min
        fits = array.min() >= lowest and array.max() <= info.max
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {type_name} without overflow")


def _from_list_with_tensors(data: list | tuple, dtype: dtype | None) -> np.ndarray:
    """A list holding tensors, read as PyTorch reads it.

    The shape comes from following first elements down to something that is not a list, so
    a tensor ends it: ``[tensor([1.]), tensor([2.])]`` has shape (2,). A tensor at that
    depth is one number (it must have one element); a tensor above it is iterated like a
    list. A tensor's dtype takes part in the dtype inference like a Python number's type.
    """
    shape: list[int] = []
    first: Any = data
    while isinstance(first, (list, tuple)):
        shape.append(len(first))
        if not first:
            break
        first = first[0]
    target = _dtype.as_dtype(dtype) if dtype is not None else _scalar_type(data)
    values: list = []
    _collect_values(data, shape, 0, target, values)
    array = np.array(values) if values else np.empty(0, target.numpy_dtype)
    if dtype is not None:
        check_fits(array, target.numpy_dtype, str(target.numpy_dtype))
    return array.astype(target.numpy_dtype).reshape(shape)


def _scalar_type(value: Any) -> dtype:
    """PyTorch's ``infer_scalar_type``: the promoted dtype of everything in ``value``."""
    if isinstance(value, Tensor):
        return value.dtype
    if isinstance(value, (np.generic, np.ndarray)):  # before float: np.float64 is a float
        return _dtype.from_numpy_dtype(value.dtype)
    if isinstance(value, bool):
        return _dtype.bool
    if isinstance(value, int):
        return _dtype.int64
    if isinstance(value, float):
        return _dtype.get_default_dtype()
    if isinstance(value, (list, tuple)):
        result = None
        for item in value:
            item_type = _scalar_type(item)
            result = item_type if result is None else _dtype.promote_types(result, item_type)
        return result or _dtype.get_default_dtype()  # an empty list: the default, as in numpy
    raise TypeError(f"Could not infer dtype of {type(value).__name__}")


def _collect_values(value: Any, shape: list[int], depth: int, target: dtype, out: list) -> None:
    """Append the numbers of ``value`` (at ``depth`` of ``shape``) to ``out``, in order."""
    if depth == len(shape):
        out.append(_number(value, target))
        return
    items = list(value)
    if len(items) != shape[depth]:
        raise ValueError(
            f"expected sequence of length {shape[depth]} at dim {depth} (got {len(items)})"
        )
    for item in items:
        _collect_values(item, shape, depth + 1, target, out)


def _number(value: Any, target: dtype) -> Any:
    """One element of the new tensor, converted to a Python number as PyTorch converts it."""
    integer_target = target.numpy_dtype.kind in "iu"
    if isinstance(value, Tensor):
        if integer_target and (value.numel() != 1 or value.is_floating_point()):
            raise TypeError("only integer tensors of a single element can be converted to an index")
        if value.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return value.item()
    if isinstance(value, (list, tuple)):
        raise TypeError(f"must be real number, not {type(value).__name__}")
    if integer_target and _beyond_int64(value):
        raise ValueError("Overflow when unpacking long long")
    return value


def _leaves(data: Any):
    return _flatten(data) if isinstance(data, (list, tuple)) else iter((data,))


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


def _shape(size: tuple, element: np.dtype, op: str) -> tuple[int, ...]:
    """``size`` (sizes, or one sequence of them) as a shape of ``element``s, checked as PyTorch
    checks it before allocating: int64 sizes, none negative, a byte count that fits int64."""
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    for position, s in enumerate(shape, start=1):
        if not -(2**63) <= s < 2**63:
            raise TypeError(
                f"{op}(): argument 'size' failed to unpack the object at pos {position} with "
                'error "Overflow when unpacking long long"'
            )
    if any(s < 0 for s in shape):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}"
        )
    check_storage_size(shape, np.dtype(element).itemsize)
    return shape


def _float(dtype: dtype | None) -> np.dtype:
    return (_dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()).numpy_dtype


@allocates
def zeros(
    *size: Shape, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    element = _float(dtype)
    return _finish(np.zeros(_shape(size, element, "zeros"), element), None, device, requires_grad)


@allocates
def ones(
    *size: Shape, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    element = _float(dtype)
    return _finish(np.ones(_shape(size, element, "ones"), element), None, device, requires_grad)


@allocates
def empty(
    *size: Shape, dtype: dtype | None = None, device: object = None, requires_grad: bool = False
) -> Tensor:
    element = _float(dtype)
    return _finish(np.empty(_shape(size, element, "empty"), element), None, device, requires_grad)


@allocates
def full(
    size: Shape,
    fill_value: float | int | bool,
    *,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype inferred from the value)."""
    if isinstance(fill_value, complex) and dtype is None:
        raise TypeError(
            f"full(): fill_value {fill_value!r} would make a complex tensor; minitorch has no "
            "complex dtypes"
        )
    if dtype is None:
        dtype = _dtype.result_type(fill_value)
    target = _dtype.as_dtype(dtype).numpy_dtype
    value = _fill_value(fill_value, target)
    return _finish(
        np.full(_shape((size,), target, "full"), value, target), None, device, requires_grad
    )


def _fill_value(value: float | int | bool | complex, target: np.dtype) -> np.ndarray:
    """``value`` as a 0-d array of ``target``, converted as PyTorch converts a Scalar argument:
    an int beyond 64 bits is an OverflowError, a value ``target`` cannot hold (a finite number
    beyond float16's or float32's range, an imaginary part) a RuntimeError."""
    number = checked_conversion(parsed_number(value), _dtype.from_numpy_dtype(target))
    return np.asarray(number).astype(target)


@allocates
def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    element = _float(dtype)
    check_storage_size((n, n if m is None else m), np.dtype(element).itemsize)
    return _finish(np.eye(n, m, dtype=element), None, device, requires_grad)


@allocates
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
    if not all(np.isfinite(float(v)) for v in (start, end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
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


@allocates
def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced points from ``start`` to ``end`` (numbers or 0-d tensors)."""
    given = [
        (name, x.dim()) for name, x in (("start", start), ("end", end)) if isinstance(x, Tensor)
    ]
    if any(dims for _, dims in given):  # PyTorch names the tensors it was given
        got = " and ".join(f"{name} with {dims} dimension(s)" for name, dims in given)
        raise RuntimeError(
            f"linspace only supports 0-dimensional start and end tensors, but got {got}."
        )
    start, end = (x.item() if isinstance(x, Tensor) else x for x in (start, end))
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(
        np.linspace(start, end, steps).astype(_float(dtype)), None, device, requires_grad
    )


@allocates
def rand(
    *size: Shape,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1)."""
    element = _float(dtype)
    data = generator_or_default(generator).random(_shape(size, element, "rand")).astype(element)
    return _finish(data, None, device, requires_grad)


@allocates
def randn(
    *size: Shape,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    device: object = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples."""
    element = _float(dtype)
    shape = _shape(size, element, "randn")
    data = generator_or_default(generator).standard_normal(shape).astype(element)
    return _finish(data, None, device, requires_grad)


@allocates
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
    element = _dtype.as_dtype(dtype or _dtype.int64).numpy_dtype
    data = generator_or_default(generator).integers(low, high, _shape((size,), element, "randint"))
    return _finish(data.astype(element), None, device, requires_grad)


@allocates
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
