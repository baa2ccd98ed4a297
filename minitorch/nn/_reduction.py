"""The legacy ``size_average``/``reduce`` loss flags as a ``reduction`` string, as in PyTorch."""

from __future__ import annotations

import warnings


def legacy_get_string(
    size_average: bool | None, reduce: bool | None, emit_warning: bool = True
) -> str:
    """'mean', 'sum' or 'none' for the old flags (each None counts as True), with a warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    if emit_warning:
        warnings.warn(
            "size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.",
            stacklevel=3,
        )
    return reduction
