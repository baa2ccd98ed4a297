"""``gradcheck``: autograd's gradients against finite differences (``torch.autograd.gradcheck``).

For a function ``f`` of inputs ``x`` it builds, for every input ``i`` and
output ``o``, two Jacobians of shape ``(x_i.numel(), o.numel())``:

* numerical: column by column from central differences,
  ``(f(x + eps e_j) - f(x - eps e_j)) / (2 eps)`` for each element ``j`` of ``x_i``;
* analytical: row by row from backward passes, one per output element
  (a vector-Jacobian product with a one-hot upstream gradient).

They must agree within ``atol + rtol * |numerical|``. Finite differences are
only accurate in float64, so inputs that require grad should be float64.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minitorch._tensor import Tensor
from minitorch.autograd.engine import grad as autograd_grad
from minitorch.autograd.grad_mode import no_grad

__all__ = ["GradcheckError", "gradcheck"]


class GradcheckError(RuntimeError):
    """Analytical and numerical gradients disagree (a RuntimeError, as in PyTorch)."""


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _differentiable_outputs(outputs: tuple) -> list[tuple[int, Tensor]]:
    """(position, tensor) of each floating-point tensor output: the ones with a Jacobian."""
    return [
        (i, o) for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.is_floating_point()
    ]


def _evaluate(func: Callable, inputs: tuple) -> list[np.ndarray]:
    """The floating outputs of ``func(*inputs)`` as float64 copies (no graph recorded)."""
    with no_grad():
        outputs = _as_tuple(func(*inputs))
    return [o._data.astype(np.float64) for _, o in _differentiable_outputs(outputs)]


def _numerical_jacobians(
    func: Callable, inputs: tuple, index: int, eps: float, outputs: list[Tensor]
) -> list[np.ndarray]:
    """d(outputs)/d(inputs[index]) by central differences, one (numel_in, numel_out) per output."""
    data = inputs[index]._data
    columns: list[list[np.ndarray]] = []
    for position in np.ndindex(data.shape):
        original = data[position].copy()
        data[position] = original + eps
        plus = _evaluate(func, inputs)
        data[position] = original - eps
        minus = _evaluate(func, inputs)
        data[position] = original
        columns.append(
            [((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus, strict=True)]
        )
    return [
        np.stack([column[k] for column in columns]) if columns else np.zeros((0, o._data.size))
        for k, o in enumerate(outputs)
    ]


def _analytical_jacobians(
    outputs: list[Tensor], inputs: tuple, differentiable: list[int]
) -> dict[tuple[int, int], np.ndarray]:
    """d(output k)/d(input i) from one backward pass per output element."""
    jacobians = {
        (k, i): np.zeros((inputs[i]._data.size, o._data.size))
        for k, o in enumerate(outputs)
        for i in differentiable
    }
    wrt = [inputs[i] for i in differentiable]
    for k, out in enumerate(outputs):
        if not out.requires_grad:
            continue  # a constant output: its analytical Jacobian is zero
        for j in range(out._data.size):
            one_hot = np.zeros(out._data.size, dtype=out._data.dtype)
            one_hot[j] = 1
            grads = autograd_grad(
                out,
                wrt,
                grad_outputs=Tensor._make(one_hot.reshape(out._data.shape)),
                retain_graph=True,
                allow_unused=True,
            )
            for i, g in zip(differentiable, grads, strict=True):
                if g is None:
                    continue
                if g._data.shape != inputs[i]._data.shape:
                    raise GradcheckError(
                        f"Gradient for input {i} has shape {list(g._data.shape)}, expected "
                        f"{list(inputs[i]._data.shape)}"
                    )
                jacobians[(k, i)][:, j] = g._data.reshape(-1)
    return jacobians


def _mismatch_message(k: int, i: int, numerical: np.ndarray, analytical: np.ndarray) -> str:
    error = np.abs(numerical - analytical)
    worst = np.unravel_index(int(np.argmax(error)), error.shape)
    with np.printoptions(precision=4, suppress=True, linewidth=120):
        return (
            f"Jacobian mismatch for output {k} with respect to input {i}: worst at "
            f"(input element {worst[0]}, output element {worst[1]}): numerical "
            f"{numerical[worst]:.6g}, analytical {analytical[worst]:.6g}\n"
            f"numerical:\n{numerical}\nanalytical:\n{analytical}"
        )


def gradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central finite differences.

    Returns True when every Jacobian matches. Otherwise raises
    :class:`GradcheckError` naming the output, the input and the worst
    element, or returns False when ``raise_exception=False``.
    """
    inputs = _as_tuple(inputs)
    differentiable = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not differentiable:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True."
        )
    for i in differentiable:
        if inputs[i].dtype.numpy_dtype != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point or "
                "complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex.",
                UserWarning,
                stacklevel=2,
            )
    outputs = [o for _, o in _differentiable_outputs(_as_tuple(func(*inputs)))]
    try:
        analytical = _analytical_jacobians(outputs, inputs, differentiable)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    for i in differentiable:
        numerical = _numerical_jacobians(func, inputs, i, eps, outputs)
        for k in range(len(outputs)):
            n, a = numerical[k], analytical[(k, i)]
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                if raise_exception:
                    raise GradcheckError(_mismatch_message(k, i, n, a))
                return False
    return True
