"""``Parameter``: a Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from minitorch import _dtype
from minitorch._tensor import Tensor


class Parameter(Tensor):
    """A Tensor that, assigned as an attribute of a :class:`~minitorch.nn.Module`, becomes
    one of its parameters (listed by ``parameters()``, saved by ``state_dict()``).

    Args:
        data (Tensor, optional): the initial values; the parameter shares their storage.
            Default: an empty float tensor.
        requires_grad (bool, optional): whether the parameter requires gradient.
            Default: ``True``.

    Example::

        >>> w = nn.Parameter(minitorch.zeros(3))
        >>> w.requires_grad
        True
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        array = (
            np.empty(0, dtype=_dtype.get_default_dtype().numpy_dtype)
            if data is None
            else data._data
        )
        self._init(array)
        self.requires_grad = requires_grad  # raises for integer data, as in PyTorch

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: int) -> Any:
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._make(data), requires_grad)
