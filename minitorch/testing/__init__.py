"""The parity toolkit: prove that a minitorch op matches PyTorch, values and gradients.

Five lines check an op against PyTorch on random inputs, gradients included::

    import numpy as np
    from minitorch.testing import assert_parity
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8))
    w = np.random.default_rng(1).standard_normal((4, 3, 3, 3))
    assert_parity(lambda t, x, w: t.nn.functional.conv2d(x, w, stride=2), x, w)

- :func:`assert_parity` runs ``fn(lib, *tensors)`` with ``lib`` = minitorch and then
  torch, from the same numpy inputs, and compares shape, dtype, values and every input's
  gradient under a random upstream gradient; a mismatch raises :class:`ParityError`
  saying what differs (``forward output 0``, ``gradient of input 2``, numbered by position
  in the call) and how, as ``torch.testing.assert_close`` reports it: mismatched elements,
  greatest absolute and relative differences, both values at the worst element.
- :func:`assert_module_parity` builds a layer on both libraries (``make_module(nn)`` gets
  ``minitorch.nn`` or ``torch.nn``), copies one side's ``state_dict`` into the other, and
  compares outputs, buffers, input gradients and every named parameter's ``.grad``.
- :func:`assert_same_error` checks that both libraries reject a bad call with the same
  exception class.
- :mod:`minitorch.testing.strategies` holds Hypothesis strategies for the course's shapes
  and layer arguments (``tensors``, ``broadcastable``, ``conv2d_args``,
  ``max_pool2d_args``, ``linear_args``, ``cross_entropy_args``, ...). It is imported on
  first use, so this package needs neither pytest nor Hypothesis.
- :func:`gradcheck` compares minitorch's gradients with finite differences, no PyTorch needed.
- :mod:`minitorch.testing.opinfo` runs PyTorch's own test database (OpInfo, ModuleInfo,
  OptimizerInfo) on minitorch and reports per entry: matched, mismatched with a reproducer,
  unsupported arguments, skips with their reasons (``python -m minitorch.testing.opinfo``).
  It needs PyTorch and ``expecttest``, and is imported on first use too.
- ``python -m minitorch.parity`` (``minitorch-parity``) runs every registered property
  and prints a coverage report.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from minitorch.autograd.gradcheck import GradcheckError, gradcheck
from minitorch.testing._module_parity import assert_module_parity
from minitorch.testing._parity import (
    Input,
    ParityError,
    assert_parity,
    assert_same_error,
    compare_arrays,
    make_inputs,
)

__all__ = [
    "GradcheckError",
    "Input",
    "ParityError",
    "assert_module_parity",
    "assert_parity",
    "assert_same_error",
    "compare_arrays",
    "gradcheck",
    "make_inputs",
    "opinfo",
    "strategies",
]


def __getattr__(name: str) -> ModuleType:
    # strategies needs Hypothesis and opinfo's walk PyTorch's test utilities; importing them
    # only on first use keeps assert_parity usable where neither is installed.
    if name in ("opinfo", "strategies"):
        return importlib.import_module(f"minitorch.testing.{name}")
    raise AttributeError(f"module 'minitorch.testing' has no attribute {name!r}")
