"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minitorch._tensor import Tensor
from minitorch.autograd.grad_mode import enable_grad, set_grad_enabled
from minitorch.optim.optimizer import Optimizer, ParamsT

__all__ = ["SGD"]


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

    The update is written into the parameters in place (``param.add_(grad, alpha=-lr)``),
    as PyTorch's is, so each step bumps the parameters' versions. The step runs with grad
    mode set to ``differentiable`` (whatever mode the caller is in), as PyTorch's does.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3), a float or a 1-element Tensor.
        momentum: momentum factor (default 0).
        dampening: dampening for momentum (default 0).
        weight_decay: L2 penalty (default 0), a float or a 1-element Tensor.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: follow the gradient upwards instead of downwards.
        foreach, fused: PyTorch kernel choices; minitorch has one implementation
            with the same arithmetic, so these only record the setting.
        differentiable: record the step in the autograd graph (default False). The step
            then runs with grad mode on, even inside ``no_grad``, and its in-place
            arithmetic is recorded like any other in-place op, so a loss computed from the
            stepped parameters backpropagates through the step: into the tensors the
            parameters were made from, into gradients that require grad, and into a Tensor
            ``lr`` or ``weight_decay`` that requires grad. As in PyTorch, this needs
            non-leaf parameters (a leaf that requires grad refuses the in-place update
            with a RuntimeError), the first step's momentum buffer is a detached copy of
            the gradient, and a Tensor ``weight_decay`` that requires grad is added into
            the ``.grad`` tensors in place. First-order only: minitorch has no
            higher-order gradients.

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
        weight_decay: float | Tensor = 0,
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
        if fused:  # checked after the groups, as PyTorch does
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:  # groups saved by older PyTorch versions lack these
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()``'s loss if given.

        Grad mode is ``differentiable`` during the step (PyTorch's
        ``_use_grad_for_differentiable``): off, the update is no part of any graph; on, it is
        recorded even when the caller is inside ``no_grad``.
        """
        with set_grad_enabled(bool(self.defaults["differentiable"])):
            loss = None
            if closure is not None:
                with enable_grad():
                    loss = closure()
            for group in self.param_groups:
                params: list[Tensor] = []
                grads: list[Tensor] = []
                momentum_buffer_list: list[Tensor | None] = []
                self._init_group(group, params, grads, momentum_buffer_list)
                _single_tensor_sgd(
                    params,
                    grads,
                    momentum_buffer_list,
                    weight_decay=group["weight_decay"],
                    momentum=group["momentum"],
                    lr=group["lr"],
                    dampening=group["dampening"],
                    nesterov=group["nesterov"],
                    maximize=group["maximize"],
                )
                if group["momentum"] != 0:  # the buffers made by the first step
                    for p, momentum_buffer in zip(params, momentum_buffer_list, strict=True):
                        self.state[p]["momentum_buffer"] = momentum_buffer
        return loss

    def _init_group(
        self,
        group: dict[str, Any],
        params: list[Tensor],
        grads: list[Tensor],
        momentum_buffer_list: list[Tensor | None],
    ) -> None:
        """Collect the group's parameters that have a gradient, their gradients and buffers."""
        for p in group["params"]:
            if p.grad is not None:
                params.append(p)
                grads.append(p.grad)
                if group["momentum"] != 0:
                    momentum_buffer_list.append(self.state[p].get("momentum_buffer"))


def _single_tensor_sgd(
    params: list[Tensor],
    grads: list[Tensor],
    momentum_buffer_list: list[Tensor | None],
    *,
    weight_decay: float | Tensor,
    momentum: float,
    lr: float | Tensor,
    dampening: float,
    nesterov: bool,
    maximize: bool,
) -> None:
    """PyTorch's one-tensor-at-a-time update (``torch/optim/sgd.py``), written with in-place ops.

    Each in-place op (``add_``, ``mul_``) bumps the version of the tensor it writes, so a
    graph that saved a parameter refuses backward after the step, as in PyTorch. A new
    momentum buffer is stored into ``momentum_buffer_list``.

    Where PyTorch uses ``addcmul_`` (a Tensor ``lr`` or ``weight_decay`` that requires grad,
    so that its gradient is recorded), the same product is made by ``mul`` and added in
    place: the values, the version bumps and what backward saves (the factors) are the same.
    """
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        if weight_decay != 0:
            if isinstance(weight_decay, Tensor) and weight_decay.requires_grad:
                # grad.addcmul_(param.clone(), weight_decay): into the gradient itself; the
                # clone is saved for weight_decay's gradient, untouched by the write into param
                grad = grad.add_(param.clone() * weight_decay)
            else:
                grad = grad.add(param, alpha=_number(weight_decay))
        if momentum != 0:
            buf = momentum_buffer_list[i]
            if buf is None:
                buf = grad.detach().clone()
                momentum_buffer_list[i] = buf
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - dampening)
            grad = grad.add(buf, alpha=momentum) if nesterov else buf
        if isinstance(lr, Tensor) and lr.requires_grad:
            param.sub_(grad * lr)  # param.addcmul_(grad, lr, value=-1)
        else:
            param.add_(grad, alpha=-_number(lr))


def _to_scalar(hyperparameter: float | Tensor) -> float | Tensor:
    """A 1-element Tensor hyperparameter as a 0-d Tensor (PyTorch's ``_to_scalar``), so it
    broadcasts against a parameter of any shape; a number as it is."""
    if isinstance(hyperparameter, Tensor) and hyperparameter.dim() != 0:
        return hyperparameter.squeeze()
    return hyperparameter


def _number(hyperparameter: float | Tensor) -> float:
    """A hyperparameter as a Python number, for an ``alpha`` (PyTorch reads a Tensor's value)."""
    if isinstance(hyperparameter, Tensor):
        return hyperparameter.item()
    return hyperparameter
