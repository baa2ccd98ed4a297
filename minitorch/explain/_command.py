"""``minitorch-explain``: :func:`minitorch.explain` on a model of :mod:`minitorch.models` or
the user's own, with random images of the right shape and random labels.

``--model`` names a model of :data:`minitorch.models.MODELS` or ``package.module:Name``,
where ``Name`` is a ``minitorch.nn.Module`` class, a function that returns a model (both
called with no arguments), or a model itself. The module is imported as ``import`` would,
with the current folder first on the path. A model that cannot be imported or built stops
the command with one line and exit status 2, as a bad option does; one that fails on the
batch (another input shape, say) stops it with one line and exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from minitorch._backend import backend
from minitorch._cli import (
    CLIError,
    OneLineParser,
    float32_positive,
    nonnegative_float,
    os_error_reason,
    output_file,
    random_seed,
    run_command,
)
from minitorch._storage import CPUAllocationError
from minitorch.explain._step import explain
from minitorch.models import MODELS, build_model, model_input
from minitorch.viz import make_dot

__all__ = ["build_parser", "main"]

DEFAULT_MODEL = "tudui"
USER_MODEL_INPUT = (3, 32, 32)  # CIFAR-10's pictures, which the course's models take


@dataclass(frozen=True)
class ModelSpec:
    """What ``--model`` names: a built-in model, or what ``package.module:Name`` holds."""

    text: str
    builtin: str | None = None
    target: Any = None  # a class, a factory, or a model


def model_spec(text: str) -> ModelSpec:
    """``--model``'s type: a key of ``MODELS``, or ``package.module:Name``, imported now."""
    if text in MODELS:
        return ModelSpec(text, builtin=text)
    module_name, colon, attribute = text.partition(":")
    if not colon or not module_name or not attribute:
        raise argparse.ArgumentTypeError(
            f"unknown model {text!r}: choose from {', '.join(sorted(MODELS))}, "
            "or name your own as package.module:Class"
        )
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` does, so that ./models.py imports
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise argparse.ArgumentTypeError(
            f"cannot import {module_name} for {text!r}: {error} "
            "(run from the folder that holds it, or add that folder to PYTHONPATH)"
        ) from None
    except Exception as error:  # the user's module raised while importing: report, not crash
        raise argparse.ArgumentTypeError(
            f"importing {module_name} for {text!r} failed: {type(error).__name__}: {error}"
        ) from None
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise argparse.ArgumentTypeError(f"{module_name} has no {attribute!r} (in {text!r})")
        target = getattr(target, part)
    return ModelSpec(text, target=target)


def input_shape(text: str) -> tuple[int, ...]:
    """``--input-shape``'s type: one input's shape, ``3x32x32`` (or ``3,32,32``)."""
    parts = text.replace(",", "x").split("x")
    try:
        shape = tuple(int(part) for part in parts)
    except ValueError:
        shape = ()
    if not shape or any(size < 1 for size in shape):
        raise argparse.ArgumentTypeError(
            f"expected positive sizes like 3x32x32 (one input, without the batch), got {text!r}"
        )
    return shape


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="minitorch-explain",
        description=(
            "Trace one training step of a model: every op and backward node, the module that "
            "ran it, where its code is, and the step's memory."
        ),
    )
    parser.add_argument(
        "--model",
        type=model_spec,
        default=DEFAULT_MODEL,
        metavar="NAME",
        help=f"{' or '.join(sorted(MODELS))}, or your own as package.module:Class (a "
        "minitorch.nn.Module class, a function returning a model, or a model) "
        f"(default: {DEFAULT_MODEL})",
    )
    parser.add_argument(
        "--input-shape",
        type=input_shape,
        metavar="CxHxW",
        help="the shape of one input (default: the model's, cnn 1x8x8 and tudui 3x32x32; "
        f"{'x'.join(map(str, USER_MODEL_INPUT))} for package.module:Class)",
    )
    parser.add_argument(
        "--batch", type=int, default=4, metavar="N", help="inputs in the batch (default: 4)"
    )
    parser.add_argument(
        "--seed",
        type=random_seed,
        default=0,
        help="seed of weights and data; any value torch.manual_seed takes (default: 0)",
    )
    parser.add_argument(
        "--lr", type=float32_positive, default=0.01, help="SGD's learning rate (default: 0.01)"
    )
    parser.add_argument(
        "--momentum",
        type=nonnegative_float,
        default=0.0,
        help="SGD's momentum; above 0 SGD keeps a buffer per parameter (default: 0)",
    )
    parser.add_argument(
        "--wide",
        action="store_true",
        help="every column of the table (inputs, kernels), however wide "
        "(default: what fits 120 columns)",
    )
    parser.add_argument(
        "--dot",
        type=output_file,
        metavar="FILE",
        help="also write the loss's autograd graph as Graphviz DOT (default: none)",
    )
    return parser


def build(lib: Any, spec: ModelSpec, parser: OneLineParser) -> Any:
    """The model ``spec`` names, freshly built; a model that cannot be built is a usage error."""
    if spec.builtin is not None:
        return build_model(lib, spec.builtin, MODELS[spec.builtin].default_dataset)
    target = spec.target
    if isinstance(target, lib.nn.Module):
        check_trainable(target, spec, parser)
        return target
    if not callable(target):
        parser.error(
            f"--model {spec.text}: is a {type(target).__name__}, not a minitorch.nn.Module "
            "class, a function returning one, or a model"
        )
    try:
        model = target()
    except Exception as error:  # the user's constructor: report it in one line
        parser.error(f"--model {spec.text}: {spec.text}() failed: {type(error).__name__}: {error}")
    if not isinstance(model, lib.nn.Module):
        kind = f"{type(model).__module__}.{type(model).__qualname__}"
        parser.error(
            f"--model {spec.text}: {spec.text}() returned a {kind}, not a minitorch.nn.Module"
        )
    check_trainable(model, spec, parser)
    return model


def check_trainable(model: Any, spec: ModelSpec, parser: OneLineParser) -> None:
    if not list(model.parameters()):
        parser.error(f"--model {spec.text}: the model has no parameters for a step to train")


def run_user_code(spec: ModelSpec, what: str, call: Callable[[], Any]) -> Any:
    """``call()``, a failure of the user's model turned into one line (exit status 1).

    A built-in model's failure is minitorch's bug and keeps its traceback; running out of
    memory is reported by :func:`run_command` for either.
    """
    if spec.builtin is not None:
        return call()
    try:
        return call()
    except (MemoryError, CPUAllocationError):
        raise
    except Exception as error:
        raise CLIError(
            f"--model {spec.text}: {what} failed: {type(error).__name__}: {error}"
        ) from error


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``minitorch-explain`` with ``argv`` (default: the command line); 0 on success."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error(f"--batch must be a positive integer, got {args.batch}")
    lib = backend("minitorch")
    spec: ModelSpec = args.model

    def command() -> int:
        lib.manual_seed(args.seed)
        model = build(lib, spec, parser)
        if args.input_shape is not None:
            shape = args.input_shape
        elif spec.builtin is not None:
            image = model_input(spec.builtin, MODELS[spec.builtin].default_dataset)
            shape = (image.channels, image.size, image.size)
        else:
            shape = USER_MODEL_INPUT
        images = lib.rand(args.batch, *shape)
        batch = "x".join(str(size) for size in images.shape)
        forward = f"the forward pass on a {batch} batch"
        if args.input_shape is None and spec.builtin is None:
            forward += " (--input-shape's default; pass the shape your model takes)"
        with lib.no_grad():
            logits = run_user_code(spec, forward, lambda: model(images))
        if not isinstance(logits, lib.Tensor) or logits.dim() != 2:
            got = tuple(logits.shape) if isinstance(logits, lib.Tensor) else type(logits).__name__
            raise CLIError(
                f"--model {spec.text}: the step uses CrossEntropyLoss, which needs outputs of "
                f"shape (batch, classes); the model returned {got} for a {batch} batch"
            )
        targets = lib.randint(0, logits.shape[1], (args.batch,))
        optimizer = lib.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
        result = run_user_code(
            spec,
            "the training step",
            lambda: explain(model, lib.nn.CrossEntropyLoss(), images, targets, optimizer),
        )
        title = f"One training step of {spec.text!r}"
        print(result.report(wide=args.wide, title=title))
        if args.dot is not None:
            try:
                make_dot(result.loss, dict(model.named_parameters())).save(args.dot)
            except OSError as error:
                raise CLIError(
                    f"cannot write --dot {args.dot}: {os_error_reason(error)}"
                ) from error
            print(
                f"\nThe loss's autograd graph is in {args.dot}; draw it with "
                f"`dot -Tsvg {args.dot} -o {args.dot.with_suffix('.svg')}` "
                "(Graphviz: `apt-get install graphviz`)"
            )
        return 0

    return run_command("minitorch-explain", command)
