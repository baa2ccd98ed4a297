"""Reduction Functions: sum, mean, prod, max/min, softmax, var/std, ...

Each Function's backward spreads the incoming gradient back over the reduced
dimensions.
"""

from __future__ import annotations

import numpy as np

_HALF = np.dtype(np.float16)
_SINGLE = np.dtype(np.float32)


def accumulation_dtype(result: np.dtype) -> np.dtype:
    """The dtype a reduction adds up in: float32 for a float16 result, as PyTorch does, so that
    a half sum of many elements neither overflows nor drifts; ``result`` itself otherwise."""
    return _SINGLE if result == _HALF else result
