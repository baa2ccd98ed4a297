"""What the ``minitorch-*`` commands share: one-line errors, argument types, backends, checkpoints.

``minitorch-train`` writes checkpoints and ``minitorch-predict`` reads them; both reach a
backend and a device the same way. Every command reports a mistake in what it was given as
one line on stderr, never a traceback: exit status 2 for the command line itself (argparse's
convention, from :class:`OneLineParser` and the argument types below, which check a value
before any work starts), 1 for what goes wrong while running (:class:`CLIError`, raised
where the failure is understood, with the file or option it concerns; :func:`run_command`
prints it). :func:`run_parity` starts ``minitorch-parity``, whose checks need the optional
Hypothesis and PyTorch.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from minitorch._backend import backend
from minitorch._storage import CPUAllocationError

# The "format" entry of every checkpoint minitorch-train writes (and minitorch-predict reads).
CHECKPOINT_FORMAT = "minitorch-train/1"
# How to get what minitorch-parity needs beyond minitorch itself.
PARITY_INSTALL_HINT = 'pip install "minitorch[parity]"'
PARITY_REQUIREMENTS = {
    "hypothesis": "Hypothesis",
    "torch": "PyTorch",
    "expecttest": "expecttest (PyTorch's test database imports it)",
}


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


def os_error_reason(error: OSError) -> str:
    """``"No such file or directory"``: an OSError's reason without the errno and the path."""
    return error.strerror or str(error) or type(error).__name__


def run_command(program: str, command: Callable[[], int], interrupted: str = "interrupted") -> int:
    """Run ``command`` (a command's body), its failures reported the way users read them.

    - :class:`CLIError`: the line it carries, status 1.
    - ``OSError`` and running out of memory (``MemoryError``, minitorch's allocation
      RuntimeError) that no code below turned into a CLIError (a full disk
      while saving, a size this machine cannot hold): the machine's answer, status 1. They
      come from the environment, not from a mistake in minitorch.
    - Ctrl-C: ``interrupted`` (what to do next), status 130, as shells report SIGINT.
    - stdout closed early (``minitorch-parity --list | head -1``): silence, status 1.

    Any other exception is a bug in minitorch and keeps its traceback, which is what a bug
    report needs; hiding it behind one line would lose where it happened.
    """
    try:
        status = command()
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's shutdown
    except CLIError as error:
        fail(program, error)
    except BrokenPipeError:
        # Python's documented recipe: point stdout at devnull so the final flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        fail(program, f"{os_error_reason(error)}{where}")
    except (MemoryError, CPUAllocationError) as error:
        fail(program, f"out of memory: {error}" if str(error) else "out of memory")
    except KeyboardInterrupt:
        print(f"\n{program}: {interrupted}", file=sys.stderr)
        raise SystemExit(130) from None
    return status


# ------------------------------------------------------------------ argument types
# Each raises argparse.ArgumentTypeError, which argparse reports as
# "prog: error: argument --name: <message>" with status 2, before the command starts.
# What torch.manual_seed accepts: any 64-bit integer, signed or not (a negative seed wraps
# to 2**64 + seed, so -5 and 2**64 - 5 seed alike, as in PyTorch).
SEED_RANGE = range(-(2**63), 2**64)
FLOAT32_MAX = 3.4028234663852886e38


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def positive_int(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def nonnegative_float(text: str) -> float:
    value = _number(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def positive_float(text: str) -> float:
    value = _number(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text}")
    return value


def _within_float32(value: float, text: str) -> float:
    if value > FLOAT32_MAX:
        raise argparse.ArgumentTypeError(
            f"expected at most {FLOAT32_MAX:.8g} (float32's largest, as the weights are float32), "
            f"got {text}"
        )
    return value


def float32_positive(text: str) -> float:
    """A factor of float32 weights (SGD's lr): PyTorch refuses one beyond float32 at its
    first step ("value cannot be converted to type float without overflow")."""
    return _within_float32(positive_float(text), text)


def float32_nonnegative(text: str) -> float:
    """A factor of float32 weights that may be 0 (SGD's weight decay), as for float32_positive."""
    return _within_float32(nonnegative_float(text), text)


def random_seed(text: str) -> int:
    """A seed for ``manual_seed``: an integer in :data:`SEED_RANGE`, as PyTorch takes it."""
    value = _integer(text)
    if value not in SEED_RANGE:
        raise argparse.ArgumentTypeError(
            f"expected an integer from -2**63 to 2**64-1 (what torch.manual_seed takes), got {text}"
        )
    return value


def output_file(text: str) -> Path:
    """A file the command will write: not a folder, inside a writable folder that exists.

    Checked when the command line is read, so that a long run does not fail at its end;
    the write itself still reports what the file system says (a read-only mount).
    """
    path = Path(text)
    try:
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text} is a folder; name a file to write")
        folder = path.parent
        if not folder.exists():
            raise argparse.ArgumentTypeError(f"cannot write {text}: folder {folder} does not exist")
        if not folder.is_dir():
            raise argparse.ArgumentTypeError(f"cannot write {text}: {folder} is not a folder")
        writable = os.access(folder, os.W_OK | os.X_OK)
        if not writable or (path.exists() and not os.access(path, os.W_OK)):
            raise argparse.ArgumentTypeError(f"cannot write {text}: permission denied")
    except OSError as error:  # a name too long for the file system, say
        raise argparse.ArgumentTypeError(f"cannot write {text}: {os_error_reason(error)}") from None
    return path


def output_folder(text: str) -> str:
    """A folder the command will create or add to: it, or the closest part of its path that
    exists, must be a writable folder (``runs/a`` cannot be made where ``runs`` is a file)."""
    path = existing = Path(text)
    try:
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            where = "" if existing == path else f", so {text} cannot be made inside it"
            raise argparse.ArgumentTypeError(f"{existing} is a file, not a folder{where}")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"cannot write in {existing}: permission denied")
    except OSError as error:  # a name too long for the file system, say
        raise argparse.ArgumentTypeError(f"cannot use {text}: {os_error_reason(error)}") from None
    return text


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
    """``lib.load(path)`` onto the CPU, with any failure turned into one line naming the file.

    Every exception counts: the file is the input here, and a damaged or hostile one can
    make a loader (minitorch's, or PyTorch's for ``--backend torch``) fail in any of its
    layers (zipfile, pickle, the tensor reader, a class the pickle names).
    """
    try:
        return lib.load(path, map_location="cpu", weights_only=weights_only)
    except FileNotFoundError as error:
        raise CLIError(f"checkpoint {path} does not exist") from error
    except IsADirectoryError as error:
        raise CLIError(f"checkpoint {path} is a folder, not a file") from error
    except Exception as error:
        raise CLIError(f"cannot read checkpoint {path}: {error_reason(error)}") from error


def error_reason(error: BaseException) -> str:
    """The first line of ``error``'s message, or what its class means when it has none; an
    OSError's reason alone, since the line names the path already."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).strip()
    if text:
        return text.splitlines()[0]
    if isinstance(error, EOFError):  # torch.load of an empty or cut file says nothing more
        return "the file ends early (it is empty or was cut short)"
    return type(error).__name__


def state_dict_mismatches(expected: dict[str, Any], state: dict[str, Any]) -> list[str]:
    """What keeps ``state`` from loading where ``expected`` came from: missing and unexpected
    keys, and shapes that differ (an empty list when it fits)."""
    problems = []
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    if missing:
        problems.append("missing keys: " + ", ".join(missing))
    if unexpected:  # a hostile file's keys need not be strings
        problems.append("unexpected keys: " + ", ".join(map(str, unexpected)))
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
