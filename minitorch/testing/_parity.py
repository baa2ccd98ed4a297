"""Run one callable on minitorch and on PyTorch from the same inputs, and compare everything.

``assert_parity(lambda t, x, w: t.nn.functional.conv2d(x, w), x_np, w_np)``:

1. each numpy input becomes a minitorch tensor and a torch tensor (floating
   inputs require grad; ``requires_grad=False`` in :class:`Input` opts out);
2. ``fn(minitorch, *mt_inputs)`` and ``fn(torch, *torch_inputs)`` run (or
   ``torch_fn`` for the PyTorch side when the two spellings differ);
3. outputs are compared: shape, dtype, then values;
4. each output is multiplied by the same **random** upstream gradient, summed,
   and backpropagated on both sides, and every input's gradient is compared,
   so every element of every gradient is checked.

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


def compare_arrays(
    actual: np.ndarray,
    expected: np.ndarray,
    what: str,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = True,
) -> float:
    """Raise :class:`ParityError` unless ``actual`` matches ``expected``.

    Returns the worst element's error as a fraction of its tolerance (at most 1 on a pass).
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        raise ParityError(f"{what}: shape {list(actual.shape)} != PyTorch's {list(expected.shape)}")
    if check_dtype and actual.dtype != expected.dtype:
        raise ParityError(f"{what}: dtype {actual.dtype} != PyTorch's {expected.dtype}")
    if actual.dtype.kind not in "fc":
        if not np.array_equal(actual, expected):
            index = tuple(int(i) for i in np.argwhere(actual != expected)[0])
            raise ParityError(
                f"{what}: values differ at index {index}: minitorch {actual[index]!r}, "
                f"PyTorch {expected[index]!r}"
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
        error = np.where(both_finite, np.abs(a64 - e64), 0.0)
        ratio = np.where(both_finite, error / allowed, 0.0)
    ratio = np.where(nan_mismatch | inf_mismatch, np.inf, ratio)
    if ratio.size == 0:
        return 0.0
    worst = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
    worst_ratio = float(ratio[worst])
    if worst_ratio > 1.0:
        bad = int(np.count_nonzero(ratio > 1.0))
        raise ParityError(
            f"{what}: {bad} of {ratio.size} elements differ. Worst at index "
            f"{tuple(int(i) for i in worst)}: minitorch {actual[worst]!r}, "
            f"PyTorch {expected[worst]!r}, "
            f"|diff| {error[worst]:.3g} > atol {atol:.3g} + rtol {rtol:.3g} * |expected|"
        )
    return worst_ratio


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
    inputs (ints, tuples) are passed unchanged to both sides. Returns the worst
    error seen as a fraction of the tolerance (below 1 means a pass).
    """
    torch = _torch()
    mt_inputs, torch_inputs = make_inputs(inputs)
    mt_out = _flatten_outputs(fn(minitorch, *mt_inputs))
    torch_out = _flatten_outputs((torch_fn or fn)(torch, *torch_inputs))
    if len(mt_out) != len(torch_out):
        raise ParityError(f"minitorch returned {len(mt_out)} outputs, PyTorch {len(torch_out)}")
    worst = 0.0
    for i, (m, t) in enumerate(zip(mt_out, torch_out, strict=True)):
        if not isinstance(m, minitorch.Tensor):
            if m != (t.item() if isinstance(t, torch.Tensor) else t):
                raise ParityError(f"output {i}: minitorch {m!r} != PyTorch {t!r}")
            continue
        if check_dtype and str(m.dtype).removeprefix("minitorch.") != _torch_dtype_name(t.dtype):
            raise ParityError(f"output {i}: dtype {m.dtype} != PyTorch's {t.dtype}")
        worst = max(
            worst, compare_arrays(m.detach().numpy(), t.detach().numpy(), f"output {i}", rtol, atol)
        )
    if not grad:
        return worst
    differentiable = [
        (m, t)
        for m, t in zip(mt_out, torch_out, strict=True)
        if isinstance(m, minitorch.Tensor) and m.requires_grad and t.requires_grad
    ]
    leaves = [
        (m, t)
        for m, t in zip(mt_inputs, torch_inputs, strict=True)
        if isinstance(m, minitorch.Tensor) and m.requires_grad
    ]
    if not differentiable or not leaves:
        return worst
    rng = np.random.default_rng(seed)
    mt_seeds, torch_seeds = [], []
    for _, t in differentiable:
        upstream = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
        mt_seeds.append(minitorch.tensor(upstream))
        torch_seeds.append(torch.tensor(upstream))
    minitorch.autograd.backward([m for m, _ in differentiable], mt_seeds)
    torch.autograd.backward([t for _, t in differentiable], torch_seeds)
    for i, (m, t) in enumerate(leaves):
        if t.grad is None and m.grad is None:
            continue
        if m.grad is None or t.grad is None:
            raise ParityError(
                f"gradient of input {i}: minitorch {'has none' if m.grad is None else 'has one'}, "
                f"PyTorch {'has none' if t.grad is None else 'has one'}"
            )
        worst = max(
            worst,
            compare_arrays(m.grad.numpy(), t.grad.numpy(), f"gradient of input {i}", rtol, atol),
        )
    return worst


def assert_same_error(
    fn: Callable[..., Any], *inputs: Any, torch_fn: Callable[..., Any] | None = None
) -> type[BaseException]:
    """Check that ``fn`` raises on both libraries, with the same exception class; return it."""
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
