"""A whole layer against PyTorch's: outputs, input gradients and every parameter's gradient.

``assert_module_parity(lambda nn: nn.Linear(3, 4), x)``:

1. ``make_module(minitorch.nn)`` and ``make_module(torch.nn)`` build the two modules (and
   ``dtype``, where given, converts both);
2. their ``state_dict`` keys and shapes must agree; then one side's state, parameters and
   persistent buffers, is copied into the other (``state_from="minitorch"``, the default,
   loads minitorch's freshly initialised values into PyTorch's module; ``"torch"`` the
   other way), so both start from the same numbers;
3. both modules run on the same inputs (``module(*inputs)``, or ``forward(module, *inputs)``)
   and the forward outputs are compared first, then every buffer (a running mean that the
   forward updates);
4. one random upstream gradient is backpropagated through both, and each input's gradient
   (``gradient of input 0``, by position in the call) and **each named parameter's**
   ``.grad`` (``gradient of parameter 'conv.weight'``) are compared.

A layer whose outputs are right but whose weight gradient is wrong passes
:func:`~minitorch.testing.assert_parity` on its outputs alone; here it fails, naming the
parameter. Modules run in the mode ``make_module`` leaves them (training, by default): a
random layer (``Dropout``) cannot match PyTorch's draws unless it is put in ``eval()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import minitorch
from minitorch.testing._parity import (
    ParityError,
    _torch,
    backward_and_compare,
    compare_arrays,
    compare_outputs,
    make_inputs,
)

__all__ = ["assert_module_parity"]

STATE_SOURCES = ("minitorch", "torch")


def _shapes(state: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    return {key: tuple(value.shape) for key, value in state.items()}


def _check_same_state_layout(mt_state: dict[str, Any], torch_state: dict[str, Any]) -> None:
    __tracebackhide__ = True
    mt_shapes, torch_shapes = _shapes(mt_state), _shapes(torch_state)
    if mt_shapes == torch_shapes:
        return
    problems = []
    if only_mt := [key for key in mt_shapes if key not in torch_shapes]:
        problems.append(f"only minitorch's has {only_mt}")
    if only_torch := [key for key in torch_shapes if key not in mt_shapes]:
        problems.append(f"only PyTorch's has {only_torch}")
    for key in (key for key in mt_shapes if key in torch_shapes):  # minitorch's order
        if mt_shapes[key] != torch_shapes[key]:
            mt_shape, torch_shape = list(mt_shapes[key]), list(torch_shapes[key])
            problems.append(f"{key!r} is {mt_shape} in minitorch, {torch_shape} in PyTorch")
    raise ParityError("state_dict: " + "; ".join(problems))


def _copy_state(mt_module: Any, torch_module: Any, state_from: str) -> None:
    """Load one module's state (parameters and persistent buffers) into the other."""
    __tracebackhide__ = True
    torch = _torch()
    mt_state, torch_state = mt_module.state_dict(), torch_module.state_dict()
    _check_same_state_layout(mt_state, torch_state)
    if state_from == "minitorch":
        torch_module.load_state_dict(
            {key: torch.tensor(value.detach().numpy()) for key, value in mt_state.items()}
        )
    else:
        mt_module.load_state_dict(
            {key: minitorch.tensor(value.detach().numpy()) for key, value in torch_state.items()}
        )


def _named(module: Any, kind: str) -> dict[str, Any]:
    return dict(getattr(module, f"named_{kind}")())


def _check_same_names(mt_named: dict[str, Any], torch_named: dict[str, Any], kind: str) -> None:
    __tracebackhide__ = True
    if set(mt_named) != set(torch_named):
        raise ParityError(
            f"{kind}: minitorch has {sorted(mt_named)}, PyTorch {sorted(torch_named)}"
        )


def assert_module_parity(
    make_module: Callable[[Any], Any],
    *inputs: Any,
    forward: Callable[..., Any] | None = None,
    state_from: str = "minitorch",
    dtype: np.dtype | type | str | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    grad: bool = True,
    seed: int = 0,
    check_dtype: bool = True,
) -> float:
    """Check a module built on both libraries: outputs, buffers, input and parameter gradients.

    ``make_module(nn)`` receives ``minitorch.nn`` or ``torch.nn`` and returns the module,
    so one lambda serves both (``lambda nn: nn.Sequential(nn.Linear(4, 3), nn.ReLU())``);
    a user's own layer is a function of ``nn`` that defines or builds it. ``inputs`` are
    numpy arrays (or :class:`~minitorch.testing.Input`, or values passed unchanged), as for
    :func:`~minitorch.testing.assert_parity`; ``forward(module, *tensors)`` replaces
    ``module(*tensors)`` for a call of another shape. ``dtype`` (``np.float64``,
    ``"float64"``) converts both modules with ``.to``. ``state_from`` names the side whose
    state is copied into the other (``"minitorch"`` or ``"torch"``).

    Raises :class:`~minitorch.testing.ParityError` naming what differs: ``state_dict``
    keys or shapes, ``forward output 0``, ``buffer 'running_mean' after the forward``,
    ``gradient of input 1`` or ``gradient of parameter 'conv.weight'``. Returns the worst
    error seen as a fraction of the tolerance (below 1 means a pass).
    """
    __tracebackhide__ = True
    if state_from not in STATE_SOURCES:
        raise ValueError(f"state_from must be 'minitorch' or 'torch', got {state_from!r}")
    torch = _torch()
    mt_module, torch_module = make_module(minitorch.nn), make_module(torch.nn)
    if dtype is not None:
        name = np.dtype(dtype).name
        mt_module, torch_module = (
            mt_module.to(getattr(minitorch, name)),
            torch_module.to(getattr(torch, name)),
        )
    _copy_state(mt_module, torch_module, state_from)
    mt_inputs, torch_inputs = make_inputs(inputs)
    call = forward or (lambda module, *args: module(*args))
    mt_out, torch_out = call(mt_module, *mt_inputs), call(torch_module, *torch_inputs)
    worst = compare_outputs(mt_out, torch_out, rtol, atol, check_dtype)
    worst = max(worst, _compare_buffers(mt_module, torch_module, rtol, atol))
    if not grad:
        return worst
    mt_params, torch_params = _named(mt_module, "parameters"), _named(torch_module, "parameters")
    _check_same_names(mt_params, torch_params, "parameters")
    leaves: Sequence[tuple[str, Any, Any]] = [
        *(
            (f"input {position}", m, t)
            for position, (m, t) in enumerate(zip(mt_inputs, torch_inputs, strict=True))
            if isinstance(m, minitorch.Tensor) and m.requires_grad
        ),
        *((f"parameter {name!r}", mt_params[name], torch_params[name]) for name in mt_params),
    ]
    return max(worst, backward_and_compare(mt_out, torch_out, leaves, seed, rtol, atol))


def _compare_buffers(
    mt_module: Any, torch_module: Any, rtol: float | None, atol: float | None
) -> float:
    __tracebackhide__ = True
    mt_buffers, torch_buffers = _named(mt_module, "buffers"), _named(torch_module, "buffers")
    _check_same_names(mt_buffers, torch_buffers, "buffers")
    worst = 0.0
    for name, mt_buffer in mt_buffers.items():
        worst = max(
            worst,
            compare_arrays(
                mt_buffer.detach().numpy(),
                torch_buffers[name].detach().numpy(),
                f"buffer {name!r} after the forward",
                rtol,
                atol,
            ),
        )
    return worst
