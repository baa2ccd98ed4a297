"""Differentiable operations, one ``Function`` each, grouped by kind.

Importing this package attaches every operation to ``Tensor`` (see
``minitorch._tensor.tensor_method``).
"""

from minitorch._ops import (
    conv,
    elementwise,
    indexing,
    inplace,
    linalg,
    linear,
    loss,
    pool,
    reduce,
    shape,
)
