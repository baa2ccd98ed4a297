"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minitorch._tensor import Tensor
from minitorch.autograd.grad_mode import enable_grad
from minitorch.optim.optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    r"""Stochastic gradient descent (``torch.optim.SGD``), PyTorch's update rule exactly.

    For each parameter ``p`` with gradient ``g``, one step does::

        g = -g                                  if maximize
        g = g + weight_decay * p                if weight_decay != 0
        if momentum != 0:
            buf = g (a copy)                    on the first step
            buf = momentum * buf + (1 - dampening) * g   afterwards
            g = g + momentum * buf              if nesterov
            g = buf                             otherwise
        p = p - lr * g

    The update is written into the parameters' arrays in place, outside autograd.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening for momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: follow the gradient upwards instead of downwards.
        foreach, fused: PyTorch kernel choices; minitorch has one implementation
            with the same arithmetic, so these only record the setting.
        differentiable: not supported (raises NotImplementedError when True).

    Example::

        >>> optimizer = minitorch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(x), y).backward()
        >>> optimizer.step()
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable:
            raise NotImplementedError("SGD(differentiable=True) is not implemented in minitorch")
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:  # groups saved by older PyTorch versions lack these
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()``'s loss if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                buffer = self.state[p].get("momentum_buffer") if group["momentum"] != 0 else None
                new_buffer = _sgd_update(
                    p._data,
                    p.grad._data,
                    buffer._data if buffer is not None else None,
                    lr=float(group["lr"]),
                    momentum=group["momentum"],
                    dampening=group["dampening"],
                    weight_decay=group["weight_decay"],
                    nesterov=group["nesterov"],
                    maximize=group["maximize"],
                )
                p._bump_version()  # an in-place update: graphs that saved p now refuse backward
                if group["momentum"] != 0 and buffer is None:
                    self.state[p]["momentum_buffer"] = Tensor._make(new_buffer)
                elif buffer is not None:
                    buffer._bump_version()
        return loss


def _sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    buffer: np.ndarray | None,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
) -> np.ndarray | None:
    """One SGD step on arrays: ``param`` (and ``buffer``) change in place.

    Scalars are cast to the parameter's dtype first, so float32 stays float32
    and each operation rounds as PyTorch's does. Returns the momentum buffer
    (new on the first step), or None without momentum.
    """

    def scalar(value: float) -> np.ndarray:
        return np.asarray(value, dtype=param.dtype)

    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + scalar(weight_decay) * param
    if momentum != 0:
        if buffer is None:
            buffer = np.array(g, dtype=param.dtype, copy=True)
        else:
            buffer *= scalar(momentum)
            buffer += scalar(1 - dampening) * g
        g = g + scalar(momentum) * buffer if nesterov else buffer
    param += scalar(-lr) * g
    return buffer
