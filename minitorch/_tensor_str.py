"""Printing tensors in PyTorch's format (``repr(t)`` matches ``repr`` of the same torch tensor).

The layout follows ``torch/_tensor_str.py``: one :class:`_Formatter` looks at
all printed values to pick a common style (integer-valued, fixed point or
scientific) and width, then nested lists are written with PyTorch's line
wrapping, indentation and ``...`` summarization of large tensors.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from minitorch import _dtype


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": _PrintOptions(),
    "short": _PrintOptions(precision=2, edgeitems=2),
    "full": _PrintOptions(threshold=math.inf),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print (``torch.set_printoptions``).

    ``profile`` ("default", "short" or "full") resets precision, threshold,
    edgeitems and linewidth first; the other arguments then override it. As in
    PyTorch, ``sci_mode`` is always set, so leaving it out restores automatic choice.
    """
    if profile is not None:
        preset = _PROFILES[profile]
        PRINT_OPTS.precision = preset.precision
        PRINT_OPTS.threshold = preset.threshold
        PRINT_OPTS.edgeitems = preset.edgeitems
        PRINT_OPTS.linewidth = preset.linewidth
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    """Chooses one style and width for every element of a tensor, as PyTorch's ``_Formatter``."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not self.floating:
            self.max_width = max([1] + [len(str(v)) for v in values.ravel().tolist()])
            return
        # float64 so that float16 neither overflows nor loses the ratio test below
        finite = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        # Python floats, whose ratio may overflow to inf without a warning
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = bool(
                largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
            )
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        precision = PRINT_OPTS.precision
        if self.sci_mode:
            widths = [len(f"{v:.{precision}e}") for v in finite.tolist()]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in finite.tolist()]  # + 1 for the trailing "."
        else:
            widths = [len(f"{v:.{precision}f}") for v in finite.tolist()]
        self.max_width = max(widths)

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            # the "." marks a floating tensor; nan and inf need no mark
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return text.rjust(self.max_width)


def _edges(a: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows: the first and last ``edgeitems`` along each axis."""
    edge = PRINT_OPTS.edgeitems
    for axis, size in enumerate(a.shape):
        if size > 2 * edge:
            a = np.take(a, np.r_[0:edge, size - edge : size], axis=axis)
    return a


def _vector_str(a: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    edge = PRINT_OPTS.edgeitems
    per_line = max(1, (PRINT_OPTS.linewidth - indent) // (formatter.max_width + 2))
    if summarize and not edge:
        items = ["..."]
    elif summarize and len(a) > 2 * edge:
        items = [
            *map(formatter.format, a[:edge].tolist()),
            " ...",
            *map(formatter.format, a[-edge:].tolist()),
        ]
    else:
        items = [formatter.format(v) for v in a.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    if a.ndim == 0:
        return formatter.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, formatter)
    edge = PRINT_OPTS.edgeitems
    if summarize and len(a) > 2 * edge:
        rows = [*range(edge), None, *range(len(a) - edge, len(a))]
    else:
        rows = list(range(len(a)))
    slices = [
        "..." if i is None else _nested_str(a[i], indent + 1, summarize, formatter) for i in rows
    ]
    # sub-tensors of a k-d tensor are separated by k - 1 newlines (blank lines between matrices)
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    # PyTorch's measure of the last line, kept exactly since it decides where suffixes wrap
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        # wrap where PyTorch does, so the output is torch's with only the names changed
        width = len(suffix.replace("minitorch.", "torch."))
        if last_line_len + width + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + width
        else:
            parts.append(", " + suffix)
            last_line_len += width + 2
    return "".join(parts) + ")"


def tensor_repr(t: Any) -> str:
    """``repr`` of a minitorch Tensor, character for character as PyTorch prints it."""
    prefix = "tensor("
    indent = len(prefix)
    data: np.ndarray = t.numpy(force=True)  # the tensor's own array, shared, not copied
    suffixes = []
    if data.size == 0:
        # as NumPy, the shape shows unless it is (0,); no values hint at the dtype, so it shows
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if t.dtype is not _dtype.get_default_dtype():
            suffixes.append(f"dtype={t.dtype}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if t.dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={t.dtype}")
        summarize = data.size > PRINT_OPTS.threshold
        formatter = _Formatter(_edges(data) if summarize else data)
        body = _nested_str(data, indent, summarize, formatter)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
