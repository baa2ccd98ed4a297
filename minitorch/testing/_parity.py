"""Run one callable on minitorch and on PyTorch from the same inputs, and compare everything.

``assert_parity(lambda t, x, w: t.nn.functional.conv2d(x, w), x_np, w_np)``:

1. each numpy input becomes a minitorch tensor and a torch tensor (floating
   inputs require grad; ``requires_grad=False`` in :class:`Input` opts out);
2. ``fn(minitorch, *mt_inputs)`` and ``fn(torch, *torch_inputs)`` run (or
   ``torch_fn`` for the PyTorch side when the two spellings differ);
3. the forward outputs are compared first: shape, dtype, then values
   (``forward output 0``);
4. each output is multiplied by the same **random** upstream gradient, summed,
   and backpropagated on both sides, and every input's gradient is compared
   (``gradient of input 2``, numbered by position in the call), so every element
   of every gradient is checked.

:func:`compare_outputs` and :func:`backward_and_compare` are steps 3 and 4 on their own;
:mod:`minitorch.testing._module_parity` uses them for a whole Module. The toolkit's
functions set ``__tracebackhide__``, so a failing pytest test shows the test's line.
PyTorch is imported only when a check runs, so ``minitorch.testing`` itself
needs neither torch nor pytest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import minitorch

DEFAULT_TOLERANCES = {  # (rtol, atol) per dtype, as torch.testing.assert_close
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
}


@dataclass
class Input:
    """A numpy input with options: ``Input(array, requires_grad=False)`` gets no gradient."""

    array: np.ndarray
    requires_grad: bool = True


class ParityError(AssertionError):
    """minitorch and PyTorch disagree; the message says where and by how much."""


def _torch() -> Any:
    import torch

    return torch


def _unwrap(value: Any) -> tuple[np.ndarray, bool]:
    if isinstance(value, Input):
        return np.asarray(value.array), value.requires_grad
    array = np.asarray(value)
    return array, array.dtype.kind == "f"


def make_inputs(values: Sequence[Any]) -> tuple[list, list]:
    """Build matching minitorch and torch leaves from numpy arrays (or :class:`Input`)."""
    torch = _torch()
    mt_inputs, torch_inputs = [], []
    for value in values:
        if not isinstance(value, (np.ndarray, Input, np.generic)):
            mt_inputs.append(value)  # a non-array argument is passed to both sides unchanged
            torch_inputs.append(value)
            continue
        array, requires_grad = _unwrap(value)
        mt_inputs.append(minitorch.tensor(array, requires_grad=requires_grad))
        torch_inputs.append(torch.tensor(array, requires_grad=requires_grad))
    return mt_inputs, torch_inputs


def _flatten_outputs(out: Any) -> list:
    if isinstance(out, (tuple, list)):
        return [x for item in out for x in _flatten_outputs(item)]
    return [out]


def _torch_dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")


def _plain(value: Any) -> str:
    """A number as a plain literal: ``1.25``, not ``np.float32(1.25)`` (shortest repr per dtype)."""
    return str(value.item() if isinstance(value, np.bool_) else value)


def _index(flat_index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat_index, shape))


def _greatest(values: np.ndarray) -> int:
    """The flat index of the largest value, a NaN counting as largest (as ``torch.max``)."""
    flat = values.ravel()
    nans = np.flatnonzero(np.isnan(flat))
    return int(nans[0]) if nans.size else int(np.argmax(flat))


def _mismatch_message(
    what: str,
    actual: np.ndarray,
    expected: np.ndarray,
    mismatched: np.ndarray,
    worst: tuple[int, ...],
    atol: float,
    rtol: float,
) -> str:
    """``torch.testing.assert_close``'s report (mismatched elements, greatest absolute and
    relative differences, over the mismatched elements only) and both values at the worst."""
    a64, e64 = actual.astype(np.float64), expected.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.where(mismatched, np.abs(a64 - e64), 0.0)
        rel_diff = np.where(mismatched, abs_diff / np.abs(e64), 0.0)
    count, total = int(np.count_nonzero(mismatched)), mismatched.size
    exact = actual.dtype.kind not in "fc"
    allowed_abs = "" if exact else f" (up to {float(atol)!r} allowed)"
    allowed_rel = "" if exact else f" (up to {float(rtol)!r} allowed)"
    if actual.dtype.kind in "iub" and expected.dtype.kind in "iub":
        abs_diff = abs_diff.astype(np.int64)  # torch writes an integer difference as one
    biggest_abs, biggest_rel = _greatest(abs_diff), _greatest(rel_diff)
    tolerance = "exact" if exact else f"atol {float(atol)!r}, rtol {float(rtol)!r}"
    return "\n".join(
        [
            f"{what}: values differ ({expected.dtype}, {tolerance})",
            f"Mismatched elements: {count} / {total} ({100 * count / total:.1f}%)",
            f"Greatest absolute difference: {_plain(abs_diff.flat[biggest_abs])} at index "
            f"{_index(biggest_abs, abs_diff.shape)}{allowed_abs}",
            f"Greatest relative difference: {_plain(rel_diff.flat[biggest_rel])} at index "
            f"{_index(biggest_rel, rel_diff.shape)}{allowed_rel}",
            f"Worst at index {worst}: minitorch {_plain(actual[worst])}, "
            f"PyTorch {_plain(expected[worst])}",
        ]
    )


def compare_arrays(
    actual: np.ndarray,
    expected: np.ndarray,
    what: str,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = True,
) -> float:
    """Raise :class:`ParityError` unless ``actual`` matches ``expected`` (PyTorch's).

    An element matches when ``|actual - expected| <= atol + rtol * |expected|`` (NaN matches
    NaN, an infinity only the same infinity; integers and booleans must be equal). The
    message starts with ``what`` and reports as ``torch.testing.assert_close`` does::

        forward output 0: values differ (float64, atol 1e-07, rtol 1e-07)
        Mismatched elements: 1 / 6 (16.7%)
        Greatest absolute difference: 0.001 at index (1, 2) (up to 1e-07 allowed)
        Greatest relative difference: 0.0009 at index (1, 2) (up to 1e-07 allowed)
        Worst at index (1, 2): minitorch 1.1061, PyTorch 1.1051

    Returns the worst element's error as a fraction of its tolerance (at most 1 on a pass).
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this function's
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        raise ParityError(f"{what}: shape {list(actual.shape)} != PyTorch's {list(expected.shape)}")
    if check_dtype and actual.dtype != expected.dtype:
        raise ParityError(f"{what}: dtype {actual.dtype} != PyTorch's {expected.dtype}")
    if actual.size == 0:
        return 0.0
    if actual.dtype.kind not in "fc" or expected.dtype.kind not in "fc":
        mismatched = actual != expected
        if mismatched.any():
            worst = _index(int(np.argmax(mismatched)), mismatched.shape)
            raise ParityError(
                _mismatch_message(what, actual, expected, mismatched, worst, 0.0, 0.0)
            )
        return 0.0
    default_rtol, default_atol = DEFAULT_TOLERANCES.get(expected.dtype, (1e-5, 1e-8))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    a64, e64 = actual.astype(np.float64), expected.astype(np.float64)
    nan_mismatch = np.isnan(a64) != np.isnan(e64)
    both_finite = np.isfinite(a64) & np.isfinite(e64)
    inf_mismatch = ~both_finite & ~np.isnan(a64) & ~np.isnan(e64) & (a64 != e64)
    allowed = atol + rtol * np.abs(e64)
    with np.errstate(invalid="ignore", divide="ignore"):  # inf - inf where not both finite
        ratio = np.where(both_finite, np.abs(a64 - e64) / allowed, 0.0)
    ratio = np.where(nan_mismatch | inf_mismatch, np.inf, ratio)
    worst = _index(int(np.argmax(ratio)), ratio.shape)
    worst_ratio = float(ratio[worst])
    if worst_ratio > 1.0:
        raise ParityError(_mismatch_message(what, actual, expected, ratio > 1.0, worst, atol, rtol))
    return worst_ratio


def compare_outputs(
    mt_out: Any,
    torch_out: Any,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = True,
) -> float:
    """Compare a forward pass's outputs (a tensor, a number or nested tuples/lists of them),
    each named ``forward output i`` in the order they are flattened; the worst fraction."""
    __tracebackhide__ = True
    torch = _torch()
    mt_flat, torch_flat = _flatten_outputs(mt_out), _flatten_outputs(torch_out)
    if len(mt_flat) != len(torch_flat):
        raise ParityError(
            f"forward: minitorch returned {len(mt_flat)} outputs, PyTorch {len(torch_flat)}"
        )
    worst = 0.0
    for i, (m, t) in enumerate(zip(mt_flat, torch_flat, strict=True)):
        what = f"forward output {i}"
        if not isinstance(m, minitorch.Tensor):
            if m != (t.item() if isinstance(t, torch.Tensor) else t):
                raise ParityError(f"{what}: minitorch {m!r} != PyTorch {t!r}")
            continue
        if not isinstance(t, torch.Tensor):
            raise ParityError(f"{what}: minitorch returned a Tensor, PyTorch {t!r}")
        if check_dtype and str(m.dtype).removeprefix("minitorch.") != _torch_dtype_name(t.dtype):
            raise ParityError(f"{what}: dtype {m.dtype} != PyTorch's {t.dtype}")
        worst = max(worst, compare_arrays(m.detach().numpy(), t.detach().numpy(), what, rtol, atol))
    return worst


def backward_and_compare(
    mt_out: Any,
    torch_out: Any,
    leaves: Sequence[tuple[str, Any, Any]],
    seed: int = 0,
    rtol: float | None = None,
    atol: float | None = None,
) -> float:
    """Backpropagate one random upstream gradient through both outputs and compare the
    ``.grad`` of each ``(name, minitorch leaf, torch leaf)``, reported as ``gradient of
    <name>``; the worst fraction of the tolerance."""
    __tracebackhide__ = True
    torch = _torch()
    differentiable = [
        (m, t)
        for m, t in zip(_flatten_outputs(mt_out), _flatten_outputs(torch_out), strict=True)
        if isinstance(m, minitorch.Tensor) and m.requires_grad and t.requires_grad
    ]
    if not differentiable or not leaves:
        return 0.0
    rng = np.random.default_rng(seed)
    mt_seeds, torch_seeds = [], []
    for _, t in differentiable:
        upstream = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
        mt_seeds.append(minitorch.tensor(upstream))
        torch_seeds.append(torch.tensor(upstream))
    minitorch.autograd.backward([m for m, _ in differentiable], mt_seeds)
    torch.autograd.backward([t for _, t in differentiable], torch_seeds)
    worst = 0.0
    for name, m, t in leaves:
        what = f"gradient of {name}"
        if t.grad is None and m.grad is None:
            continue
        if m.grad is None or t.grad is None:
            raise ParityError(
                f"{what}: minitorch {'has none' if m.grad is None else 'has one'}, "
                f"PyTorch {'has none' if t.grad is None else 'has one'}"
            )
        worst = max(worst, compare_arrays(m.grad.numpy(), t.grad.numpy(), what, rtol, atol))
    return worst


def assert_parity(
    fn: Callable[..., Any],
    *inputs: Any,
    torch_fn: Callable[..., Any] | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    grad: bool = True,
    seed: int = 0,
    check_dtype: bool = True,
) -> float:
    """Check that ``fn`` gives the same outputs and gradients on minitorch and PyTorch.

    ``fn(lib, *tensors)`` receives the library module (``minitorch`` or ``torch``)
    first, so one lambda serves both: ``lambda t, x: t.relu(x)``. Non-array
    inputs (ints, tuples) are passed unchanged to both sides. The forward outputs are
    compared first (``forward output 0``), then each input's gradient, an input named
    by its position among ``inputs`` counting from 0, non-array ones included
    (``gradient of input 2``). Returns the worst error seen as a fraction of the
    tolerance (below 1 means a pass).
    """
    __tracebackhide__ = True
    mt_inputs, torch_inputs = make_inputs(inputs)
    mt_out = fn(minitorch, *mt_inputs)
    torch_out = (torch_fn or fn)(_torch(), *torch_inputs)
    worst = compare_outputs(mt_out, torch_out, rtol, atol, check_dtype)
    if not grad:
        return worst
    leaves = [
        (f"input {position}", m, t)
        for position, (m, t) in enumerate(zip(mt_inputs, torch_inputs, strict=True))
        if isinstance(m, minitorch.Tensor) and m.requires_grad
    ]
    return max(worst, backward_and_compare(mt_out, torch_out, leaves, seed, rtol, atol))


def assert_same_error(
    fn: Callable[..., Any], *inputs: Any, torch_fn: Callable[..., Any] | None = None
) -> type[BaseException]:
    """Check that ``fn`` raises on both libraries, with the same exception class; return it."""
    __tracebackhide__ = True
    torch = _torch()
    mt_inputs, torch_inputs = make_inputs(inputs)
    errors = []
    for lib, args, f in ((minitorch, mt_inputs, fn), (torch, torch_inputs, torch_fn or fn)):
        try:
            f(lib, *args)
        except Exception as error:  # noqa: BLE001 - any exception is what we compare
            errors.append(error)
        else:
            errors.append(None)
    mt_error, torch_error = errors
    if torch_error is None:
        raise ParityError(f"PyTorch did not raise (minitorch raised {mt_error!r})")
    if mt_error is None:
        raise ParityError(
            f"minitorch did not raise; PyTorch raised {type(torch_error).__name__}: {torch_error}"
        )
    if type(mt_error) is not type(torch_error) and not isinstance(mt_error, type(torch_error)):
        raise ParityError(
            f"minitorch raised {type(mt_error).__name__}: {mt_error}; "
            f"PyTorch raised {type(torch_error).__name__}: {torch_error}"
        )
    return type(torch_error)
