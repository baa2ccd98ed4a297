"""``minitorch.backend()``: one switch between minitorch and real PyTorch.

A script that reaches everything through the namespace this returns runs on either
backend unchanged, the way Keras 3 reads ``KERAS_BACKEND``::

    torch = minitorch.backend()            # MINITORCH_BACKEND=torch selects PyTorch
    model = torch.nn.Linear(4, 2)

``"torch"`` gives :mod:`torch_backend`, the same public tree served by PyTorch, which
also honours ``MINITORCH_DEVICE`` (``cpu``, ``cuda``, ``cuda:N``) as its default device.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from minitorch._device import CUDA_UNSUPPORTED, device

BACKEND_ENV_VAR = "MINITORCH_BACKEND"
DEVICE_ENV_VAR = "MINITORCH_DEVICE"
DEFAULT_BACKEND = "minitorch"
# Imported by name, when asked for: minitorch must work where PyTorch is not installed, and
# importing PyTorch costs seconds that a minitorch-only script should not pay.
BACKEND_MODULES = {"minitorch": "minitorch", "torch": "torch_backend"}


def backend(name: str | None = None) -> ModuleType:
    """The namespace a script uses: ``minitorch`` itself, or ``torch_backend`` for ``"torch"``.

    Args:
        name: ``"minitorch"`` or ``"torch"``; when None, the environment variable
            ``MINITORCH_BACKEND`` decides, and ``"minitorch"`` when it is unset or empty.

    Raises:
        ValueError: ``name`` is not one of the backends.
        RuntimeError: minitorch was chosen while ``MINITORCH_DEVICE`` names a device other
            than the CPU (minitorch computes on the CPU only; silently ignoring the request
            would hide that the script did not run where it was asked to).
    """
    if name is None:
        name = os.environ.get(BACKEND_ENV_VAR) or DEFAULT_BACKEND
        source = f"{BACKEND_ENV_VAR}={name!r}"
    else:
        source = repr(name)
    if name not in BACKEND_MODULES:
        valid = ", ".join(repr(known) for known in BACKEND_MODULES)
        raise ValueError(f"unknown backend {source}; valid backends are {valid}")
    if name == "minitorch":
        requested = os.environ.get(DEVICE_ENV_VAR)
        if requested and device(requested).type != "cpu":
            raise RuntimeError(f"{DEVICE_ENV_VAR}={requested}: {CUDA_UNSUPPORTED}")
    return importlib.import_module(BACKEND_MODULES[name])
