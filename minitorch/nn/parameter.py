"""``Parameter``: a Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from minitorch._creation import empty, from_numpy
from minitorch._tensor import Tensor

__all__ = ["Parameter"]


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
        # PyTorch's Tensor._make_subclass(cls, data.detach(), requires_grad): the same storage
        # and the same version counter, so an in-place write through ``data`` counts here too.
        source = (empty(0) if data is None else data).detach()
        self._init(source.numpy())
        self._version_counter = source._version_counter
        self.requires_grad = requires_grad  # raises for integer data, as in PyTorch

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: int) -> Any:
        return (_rebuild_parameter, (self.detach().numpy(), self.requires_grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(from_numpy(data), requires_grad)
