"""What the ``minitorch-*`` commands share: one-line errors, argument types, backends, checkpoints.

``minitorch-train`` writes checkpoints and ``minitorch-predict`` reads them; both reach a
backend and a device the same way and report every mistake in the input as one line on
stderr (:class:`CLIError`, :func:`fail`), exit status 1 (2 for command-line syntax, from
:class:`OneLineParser`). :func:`run_parity` starts ``minitorch-parity``, whose checks need
the optional Hypothesis and PyTorch.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from minitorch._backend import backend

# The "format" entry of every checkpoint minitorch-train writes (and minitorch-predict reads).
CHECKPOINT_FORMAT = "minitorch-train/1"
# How to get what minitorch-parity needs beyond minitorch itself.
PARITY_INSTALL_HINT = 'pip install "minitorch[parity]"'
PARITY_REQUIREMENTS = {"hypothesis": "Hypothesis", "torch": "PyTorch"}


class CLIError(Exception):
    """A mistake in what the user asked for, reported as one line on stderr."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (argparse prints the whole usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def fail(program: str, error: BaseException | str) -> NoReturn:
    """Print ``error`` as one line on stderr and exit with status 1."""
    print(f"{program}: error: {error}", file=sys.stderr)
    raise SystemExit(1)


# ------------------------------------------------------------------ argument types
def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def nonnegative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def positive_float(text: str) -> float:
    value = nonnegative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


# ------------------------------------------------------------------ backend and device
def load_backend(name: str) -> ModuleType:
    """The namespace ``lib`` of backend ``name`` (``"minitorch"``, ``"torch"``), with its vision."""
    try:
        lib = backend(name)
        # minitorch, like torch, leaves its torchvision part to an explicit import.
        importlib.import_module(f"{lib.__name__}.vision")
    except ImportError as error:
        hint = " (install PyTorch: pip install torch torchvision)" if name == "torch" else ""
        raise CLIError(f"--backend {name} is not usable here: {error}{hint}") from error
    except RuntimeError as error:  # MINITORCH_DEVICE asks minitorch for a GPU
        raise CLIError(f"--backend {name}: {error}") from error
    return lib


def resolve_device(lib: ModuleType, backend: str, text: str) -> Any:
    """``lib.device(text)``, after checking that this backend and machine have it."""
    try:
        device = lib.device(text)
    except (RuntimeError, ValueError, TypeError) as error:
        raise CLIError(f"--device {text}: {error}") from error
    if device.type == "cpu":
        return device
    if backend == "minitorch":
        raise CLIError(
            f"--device {text}: minitorch runs on the CPU only; "
            f"pass --backend torch to use {device.type}"
        )
    cuda = getattr(lib, "cuda", None)
    if device.type != "cuda" or cuda is None or not cuda.is_available():
        raise CLIError(f"--device {text}: no {device.type} device is available on this machine")
    if device.index is not None and device.index >= cuda.device_count():
        raise CLIError(f"--device {text}: this machine has {cuda.device_count()} CUDA device(s)")
    return device


# ------------------------------------------------------------------ checkpoints
def load_file(lib: ModuleType, path: Path, weights_only: bool) -> Any:
    """``lib.load(path)`` onto the CPU, with any failure turned into one line naming the file."""
    if not path.is_file():
        raise CLIError(f"checkpoint {path} does not exist")
    try:
        return lib.load(path, map_location="cpu", weights_only=weights_only)
    except Exception as error:  # a damaged file fails in zipfile, pickle or the tensor reader
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CLIError(f"cannot read checkpoint {path}: {reason}") from error


def state_dict_mismatches(expected: dict[str, Any], state: dict[str, Any]) -> list[str]:
    """What keeps ``state`` from loading where ``expected`` came from: missing and unexpected
    keys, and shapes that differ (an empty list when it fits)."""
    problems = []
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    if missing:
        problems.append("missing keys: " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected keys: " + ", ".join(unexpected))
    for key in expected.keys() & state.keys():
        have, want = tuple(getattr(state[key], "shape", ())), tuple(expected[key].shape)
        if have != want:
            problems.append(f"{key} has shape {have} in the checkpoint, {want} in the model")
    return problems


def load_state(model: Any, state: Any, source: Path, model_name: str) -> None:
    """``model.load_state_dict(state)``, first listing every key or shape that does not fit."""
    if not isinstance(state, dict):
        raise CLIError(f"{source} holds a {type(state).__name__}, not a state_dict")
    if problems := state_dict_mismatches(model.state_dict(), state):
        raise CLIError(f"{source} does not fit model {model_name!r}: " + "; ".join(problems))
    model.load_state_dict(state)


# ------------------------------------------------------------------ minitorch-parity
def missing_parity_requirement(error: ModuleNotFoundError) -> str | None:
    """The line to print when ``error`` is a module minitorch-parity needs; None otherwise."""
    top_level = (error.name or "").partition(".")[0]
    if top_level not in PARITY_REQUIREMENTS:
        return None
    return (
        f"minitorch-parity needs {PARITY_REQUIREMENTS[top_level]}, which is not installed: "
        f"{PARITY_INSTALL_HINT}"
    )


def run_parity(argv: Sequence[str] | None = None) -> int:
    """The ``minitorch-parity`` command: :func:`minitorch.parity.main`, or one line naming
    the extra to install where Hypothesis is missing (``main`` itself says so for PyTorch)."""
    try:
        # Imported here, not at the top: minitorch.parity needs Hypothesis to import at all.
        from minitorch.parity import main
    except ModuleNotFoundError as error:
        message = missing_parity_requirement(error)
        if message is None:
            raise
        fail("minitorch-parity", message)
    return main(argv)
