"""Turning a list of samples into a batch: ``default_collate`` and ``default_convert``.

``default_collate`` works recursively on the structure of the first sample:

- tensors are stacked along a new first dimension; numpy arrays likewise, as tensors;
- Python floats become a float64 tensor, ints an int64 tensor, bools a bool
  tensor, numpy scalars a tensor of their dtype;
- strings and bytes stay a list;
- dicts collate key by key, namedtuples field by field;
- tuples and lists are transposed: a batch of ``(image, label)`` pairs becomes
  ``[images, labels]`` (a list, as in PyTorch).
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from minitorch._creation import as_tensor, tensor
from minitorch._functional.shape import stack
from minitorch._tensor import Tensor

# numpy dtypes default_collate cannot turn into tensors: strings, bytes, objects
_STRING_OR_OBJECT_DTYPE = re.compile(r"[SaUO]")

DEFAULT_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)

CollateFnMap = dict[type | tuple[type, ...], Callable]


def collate_tensor_fn(batch: list[Tensor], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Stack equally shaped tensors along a new first dimension."""
    return stack(batch, 0)


def collate_numpy_array_fn(
    batch: list[np.ndarray], *, collate_fn_map: CollateFnMap | None = None
) -> Any:
    if _STRING_OR_OBJECT_DTYPE.search(batch[0].dtype.str) is not None:
        raise TypeError(DEFAULT_COLLATE_ERROR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(
    batch: list[np.generic], *, collate_fn_map: CollateFnMap | None = None
) -> Tensor:
    return as_tensor(np.array(batch))


def collate_float_fn(batch: list[float], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    # straight to float64: no detour through the default dtype, which would round the values
    return as_tensor(np.array(batch, dtype=np.float64))


def collate_int_fn(batch: list[int], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    return tensor(batch)


def collate_str_fn(batch: list[str], *, collate_fn_map: CollateFnMap | None = None) -> list[str]:
    return batch


default_collate_fn_map: CollateFnMap = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch: list[Any], *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """Collate ``batch`` by the type of its first element, using ``collate_fn_map`` for leaves.

    ``collate_fn_map`` maps an element type to ``fn(batch, *, collate_fn_map)``;
    an exact type match wins, then the first entry the element is an instance of.
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type, fn in collate_fn_map.items():
            if isinstance(elem, collate_type):
                return fn(batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        collated = {
            key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem
        }
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return elem_type(collated)
        except TypeError:  # the mapping type cannot be rebuilt from a dict
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(
            *(
                collate(samples, collate_fn_map=collate_fn_map)
                for samples in zip(*batch, strict=False)
            )
        )
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [
            collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch, strict=False)
        ]
        if isinstance(elem, tuple):
            return transposed  # a list, as in PyTorch
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                clone[:] = transposed
                return clone
            return elem_type(transposed)
        except TypeError:  # the sequence type cannot be rebuilt from a list
            return transposed
    raise TypeError(DEFAULT_COLLATE_ERROR.format(elem_type))


def default_collate(batch: list[Any]) -> Any:
    """Merge a list of samples into a batch (see the module docstring for the rules).

    Example::

        >>> default_collate([(minitorch.zeros(2), 0), (minitorch.ones(2), 1)])
        [tensor([[0., 0.],
                [1., 1.]]), tensor([0, 1])]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data: Any) -> Any:
    """Turn numpy arrays and scalars (also inside dicts, tuples and lists) into tensors.

    The collate function used when automatic batching is off (``batch_size=None``).
    """
    data_type = type(data)
    if isinstance(data, Tensor):
        return data
    if data_type.__module__ == "numpy" and data_type.__name__ not in ("str_", "bytes_"):
        if isinstance(data, np.ndarray) and _STRING_OR_OBJECT_DTYPE.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return data_type(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return data_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted_items = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                clone[:] = converted_items
                return clone
            return data_type(converted_items)
        except TypeError:
            return converted_items
    return data
