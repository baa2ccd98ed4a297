"""``minitorch-predict`` (``python -m minitorch.predict``): the course's test.py as a command.

``minitorch-predict --checkpoint FILE IMAGE...`` loads a model and prints, for each
picture, the predicted class and the most probable classes. FILE may be:

- a checkpoint written by ``minitorch-train`` (``last.pt``, ``best.pt``): it names its
  model and dataset;
- a bare ``state_dict`` (``torch.save(model.state_dict(), ...)``): the model is the one
  of :data:`minitorch.models.MODELS` whose keys and shapes it fits (``--model`` and
  ``--dataset`` narrow the choice and name the classes);
- a whole model (``torch.save(model, ...)``), such as the course's ``tudui_29_gpu.pth``,
  with ``--unsafe-load`` (below).

Pictures are turned into the model's input the way the course's test.py does it:
``convert(mode)``, ``Resize((size, size))``, ``ToTensor()`` (RGB 32x32 for Tudui,
grayscale 8x8 for the digits CNN). Checkpoints saved on a GPU load onto the CPU.

Every checkpoint is first read with ``weights_only=True``, which loads tensors and plain
containers and refuses anything else before it runs. A whole model is a pickle of its
classes: loading it runs code named in the file, so it is refused unless ``--unsafe-load``
says the file is trusted (the course's ``test.py`` takes that risk with ``torch.load``).
"""

from __future__ import annotations

import argparse
import contextlib
import pickle
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from minitorch._backend import BACKEND_MODULES
from minitorch._cli import (
    CHECKPOINT_FORMAT,
    CLIError,
    OneLineParser,
    error_reason,
    load_backend,
    load_file,
    load_state,
    positive_int,
    resolve_device,
    run_command,
    state_dict_mismatches,
)
from minitorch.models import (
    DATASETS,
    MODELS,
    build_model,
    input_transform,
    model_input,
    tudui_class,
)

__all__ = ["build_parser", "load_model", "main", "predict", "tudui_in_main"]


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="minitorch-predict",
        description="Classify pictures with a trained model and print the most probable classes.",
    )
    parser.add_argument(
        "--checkpoint",
        required=True,
        metavar="FILE",
        help="a minitorch-train checkpoint, a state_dict or (with --unsafe-load) a whole model",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="picture files (PNG, JPEG, ...)")
    parser.add_argument(
        "--model", choices=sorted(MODELS), help="the model a bare state_dict belongs to"
    )
    parser.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        help="whose class names to print (default: the model's)",
    )
    parser.add_argument("--backend", choices=sorted(BACKEND_MODULES), default="minitorch")
    parser.add_argument(
        "--device", default="cpu", help="cpu (default), cuda or cuda:N (cuda needs --backend torch)"
    )
    parser.add_argument(
        "--top",
        type=positive_int,
        metavar="K",
        default=3,
        help="how many classes to list per picture (default 3)",
    )
    parser.add_argument(
        "--unsafe-load",
        action="store_true",
        help="also load a whole pickled model (torch.save(model)), such as the course's "
        "tudui_29_gpu.pth, which runs code stored in the file: only for files you trust",
    )
    return parser


@contextlib.contextmanager
def tudui_in_main(lib: ModuleType) -> Iterator[None]:
    """Offer the ``Tudui`` class as ``__main__.Tudui`` while a checkpoint is read.

    The course saved its model with ``torch.save(model)`` from a script, so the pickle
    names the model's class by where it lived then: ``__main__.Tudui``. Unpickling looks
    that name up in the module now running as ``__main__``; this makes the lookup find the
    course's model class, built for ``lib``. The previous value is put back afterwards, so
    a program that has its own ``Tudui`` keeps it.
    """
    main_module = sys.modules["__main__"]
    missing = object()
    previous = getattr(main_module, "Tudui", missing)
    main_module.Tudui = tudui_class(lib)
    try:
        yield
    finally:
        if previous is missing:
            del main_module.Tudui
        else:
            main_module.Tudui = previous


def fitting_models(
    lib: ModuleType, state: dict[str, Any], models: list[str], datasets: list[str]
) -> list[tuple[str, str]]:
    """The (model, dataset) pairs whose freshly built model has ``state``'s keys and shapes."""
    return [
        (model_name, dataset_name)
        for model_name in models
        for dataset_name in datasets
        if not state_dict_mismatches(build_model(lib, model_name, dataset_name).state_dict(), state)
    ]


def load_checkpoint(lib: ModuleType, path: Path, unsafe_load: bool) -> Any:
    """``path`` loaded with ``weights_only=True``; with ``weights_only=False`` only where that
    refuses the file and ``unsafe_load`` allows running its code."""
    try:
        return load_file(lib, path, weights_only=True)
    except CLIError as error:
        cause = error.__cause__
        # Damaged or cut short (minitorch's error for a cut file is an UnpicklingError and an
        # EOFError), not merely more than weights.
        if not isinstance(cause, pickle.UnpicklingError) or isinstance(cause, EOFError):
            raise
        if not unsafe_load:
            raise CLIError(
                f"{error}. If it is a whole pickled model (torch.save(model)), loading it runs "
                "code stored in the file: pass --unsafe-load only if you trust the file"
            ) from error.__cause__
    with tudui_in_main(lib):
        return load_file(lib, path, weights_only=False)


def is_known(name: Any, table: dict[str, Any]) -> bool:
    """Whether ``name`` (read from a file, so of any type) is a key of ``table``."""
    return isinstance(name, str) and name in table


def load_model(
    lib: ModuleType,
    path: Path,
    model_name: str | None,
    dataset_name: str | None,
    unsafe_load: bool,
) -> tuple[Any, str, str]:
    """The model in ``path``, its kind (a key of MODELS) and the dataset naming its classes."""
    loaded = load_checkpoint(lib, path, unsafe_load)
    if isinstance(loaded, lib.nn.Module):
        model_name = model_name or ("tudui" if isinstance(loaded, tudui_class(lib)) else None)
        if model_name is None:
            raise CLIError(
                f"{path} holds a {type(loaded).__name__} model; pass --model to say which it is"
            )
        return loaded, model_name, dataset_name or MODELS[model_name].default_dataset
    if not isinstance(loaded, dict):
        raise CLIError(f"{path} holds a {type(loaded).__name__}, not a model or a state_dict")
    if loaded.get("format") == CHECKPOINT_FORMAT:
        config = loaded.get("config")
        if not isinstance(config, dict):
            config = {}
        if not (
            "model" in loaded
            and is_known(config.get("model"), MODELS)
            and is_known(config.get("dataset"), DATASETS)
        ):
            raise CLIError(
                f"{path} is marked as a minitorch-train checkpoint but lacks its weights or "
                "a config naming a known model and dataset"
            )
        for option, given, saved in (
            ("--model", model_name, config["model"]),
            ("--dataset", dataset_name, config["dataset"]),
        ):
            if given is not None and given != saved:
                raise CLIError(f"{path} was trained as {saved!r}, not {option} {given}")
        model_name, dataset_name, state = config["model"], config["dataset"], loaded["model"]
    else:
        state = loaded
        candidates = fitting_models(
            lib,
            state,
            [model_name] if model_name else sorted(MODELS),
            [dataset_name] if dataset_name else sorted(DATASETS),
        )
        if candidates:
            model_name, dataset_name = candidates[0]
        else:
            # Nothing fits: load into the requested (or default) model to list what differs.
            model_name = model_name or "cnn"
            dataset_name = dataset_name or MODELS[model_name].default_dataset
    model = build_model(lib, model_name, dataset_name)
    load_state(model, state, path, model_name)
    return model, model_name, dataset_name


def read_picture(path: str) -> Any:
    """The picture at ``path`` as a loaded PIL image; one-line error when it cannot be read."""
    from PIL import Image  # Pillow is needed only once there are pictures to read

    try:
        with Image.open(path) as picture:
            picture.load()
            return picture
    # Missing, unreadable, not a picture, cut short or damaged (Pillow's decoders raise all of
    # these), or declaring more pixels than Pillow agrees to decode (a decompression bomb).
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as error:
        raise CLIError(f"cannot read image {path}: {error_reason(error)}") from error


def predict(args: argparse.Namespace) -> list[str]:
    """One line of text per picture: its predicted class and the ``--top`` most probable classes."""
    lib = load_backend(args.backend)
    device = resolve_device(lib, args.backend, args.device)
    pictures = [read_picture(path) for path in args.images]
    model, model_name, dataset_name = load_model(
        lib, Path(args.checkpoint), args.model, args.dataset, args.unsafe_load
    )
    model = model.to(device)
    model.eval()
    classes = DATASETS[dataset_name].classes
    transform = input_transform(lib, model_input(model_name, dataset_name))
    lines = []
    with lib.no_grad():
        for path, picture in zip(args.images, pictures, strict=True):
            image = transform(picture)
            logits = model(image.reshape(1, *image.shape).to(device))
            probabilities = logits.softmax(1)[0].tolist()
            ranked = sorted(range(len(probabilities)), key=lambda index: -probabilities[index])
            top = ", ".join(
                f"{classes[index]} {100 * probabilities[index]:.1f}%"
                for index in ranked[: args.top]
            )
            lines.append(f"{path}: {classes[ranked[0]]} ({top})")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``minitorch-predict`` with ``argv`` (default: the command line); 0 on success."""
    args = build_parser().parse_args(argv)

    def command() -> int:
        print("\n".join(predict(args)))
        return 0

    return run_command("minitorch-predict", command)


if __name__ == "__main__":
    raise SystemExit(main())
