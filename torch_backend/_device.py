"""The backend's default device: where new tensors and modules land.

``set_default_device("cuda")`` (or ``MINITORCH_DEVICE=cuda`` in the environment, read once
when :mod:`torch_backend` is imported) makes factory functions (``zeros``, ``randn``,
``tensor``, ...) and therefore every module's parameters land on that device, so a script
moves to the GPU by changing one line or one flag. Tensors made from memory that already
exists (``from_numpy``, ``ToTensor``, ``load``) stay where that memory is, as in PyTorch:
a training loop still moves its batches with ``x.to(device)``.

How, and what it costs (measured with torch 2.11 on an H100 machine):

- It is PyTorch's own mechanism, ``torch.set_default_device``: a ``DeviceContext`` mode
  that sees every Python call into torch, factory or not. A small CPU op went from 3.0 us
  to 5.4 us with a CPU default and to 12.8 us with a CUDA default; the tutorial model's
  training step on the GPU went from 1.9 ms to 2.3 ms at batch 64, unchanged at batch
  1024. The CPU is torch's default already, so ``set_default_device("cpu")`` installs no
  mode at all and costs nothing.
- PyTorch's plain mode breaks random draws that name a CPU generator (``DataLoader(shuffle=
  True)``, ``random_split``, ``randn(..., generator=g)``: "Expected a 'cuda' device type
  for generator but found 'cpu'"). The mode here differs in one rule: an operation that
  names a generator runs on the generator's device. Its numbers are therefore the same as
  on the CPU: a shuffle seeded through ``generator=`` gives the same order on every
  default device. (Without one, the sampler seeds itself from the default device's
  generator, so the order depends on the device, as in PyTorch.)
- Like PyTorch's, the setting belongs to the thread that made it. DataLoader workers
  (``num_workers > 0``) are forked copies of that thread and cannot use CUDA, so with a
  GPU default keep the course's ``num_workers=0``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch
from torch.utils._device import DeviceContext, _device_constructors

DEVICE_ENV_VAR = "MINITORCH_DEVICE"


def _replace_tensors(args: tuple, kwargs: dict, replace: Callable) -> tuple[tuple, dict]:
    def one(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return replace(value)
        if isinstance(value, (list, tuple)):
            return type(value)(one(item) for item in value)
        return value

    return one(args), {key: one(value) for key, value in kwargs.items()}


def _call_on(device: torch.device, func: Callable, args: tuple, kwargs: dict) -> Any:
    """Call ``func`` with its tensor arguments on ``device``.

    An in-place call (``random_``, ``uniform_``, ``nn.init.normal_``, ...) fills a scratch
    tensor there instead of its target, whose old values it would overwrite anyway, and
    the target receives the result; any other result stays on ``device``.
    """
    if getattr(func, "__name__", "").endswith("_"):
        tensors = [v for v in (*args, *kwargs.values()) if isinstance(v, torch.Tensor)]
        if tensors:
            target = tensors[0]
            scratch = torch.empty_like(target, device=device)
            args, kwargs = _replace_tensors(
                args, kwargs, lambda t: scratch if t is target else t.to(device)
            )
            func(*args, **kwargs)
            return target.copy_(scratch)
    args, kwargs = _replace_tensors(args, kwargs, lambda t: t.to(device))
    return func(*args, **kwargs)


class GeneratorDeviceContext(DeviceContext):
    """PyTorch's default-device mode, except that a generator's draws happen on its device.

    A factory call that names a generator of another device type is made on the
    generator's device (``randperm(n, generator=cpu_generator)`` is a CPU tensor, which is
    what ``RandomSampler`` and ``random_split`` need). Any other call that names one runs on
    that device too (see :func:`_call_on`).
    """

    def __torch_function__(
        self, func: Callable, types: Any, args: tuple = (), kwargs: dict | None = None
    ) -> Any:
        kwargs = kwargs or {}
        generator = kwargs.get("generator")
        if generator is None or generator.device.type == self.device.type:
            return super().__torch_function__(func, types, args, kwargs)
        if func in _device_constructors():
            if kwargs.get("device") is None:
                kwargs = {**kwargs, "device": generator.device}
            return func(*args, **kwargs)
        return _call_on(generator.device, func, args, kwargs)


def set_default_device(device: torch.device | str | int | None) -> None:
    """Make ``device`` the default device of factory calls (``None`` or ``"cpu"``: PyTorch's).

    The signature and meaning of ``torch.set_default_device``; see the module docstring
    for the one rule that differs (draws named by a generator happen on its device).

    Raises:
        RuntimeError: ``device`` is a CUDA device this machine does not have (PyTorch's
            own function accepts it and fails at the first tensor made; this fails here).
    """
    # Leaves whatever default-device mode is installed, ours or one torch.set_default_device
    # installed, so that the two functions can be mixed.
    torch.set_default_device(None)
    if device is None:
        return
    chosen = torch.device(device)
    _check_available(chosen)
    if chosen.type == "cpu":
        return  # torch's default already; a mode would only add its per-call cost
    context = GeneratorDeviceContext(chosen)
    context.__enter__()
    # Registered where torch.set_default_device keeps its own, so that torch's function
    # (and a later call of this one) can take it off again.
    torch._GLOBAL_DEVICE_CONTEXT.device_context = context


def _check_available(device: torch.device) -> None:
    if device.type != "cuda":
        return
    if not torch.cuda.is_available():
        raise RuntimeError(
            f"default device {device} requested, but CUDA is not available on this machine"
        )
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        raise RuntimeError(
            f"default device {device} requested, but this machine has {count} CUDA device(s)"
        )


def apply_device_from_environment() -> None:
    """Set the default device from ``MINITORCH_DEVICE`` when it is set and not empty."""
    requested = os.environ.get(DEVICE_ENV_VAR)
    if not requested:
        return
    try:
        set_default_device(requested)
    except RuntimeError as error:
        raise RuntimeError(f"{DEVICE_ENV_VAR}={requested}: {error}") from None
