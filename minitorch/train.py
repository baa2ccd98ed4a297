"""``minitorch-train`` (``python -m minitorch.train``): train a CNN and keep all it made.

With no arguments it trains the default CNN (:func:`minitorch.models.digits_cnn`) on
scikit-learn's 8x8 digits, on minitorch, and writes into ``runs/<date-time>/``:

- ``config.json``: the run's settings;
- ``metrics.jsonl``: one JSON object per epoch (``epoch``, ``train_loss``, ``test_loss``,
  ``test_accuracy``, ``seconds``, ``images_per_second``, and the ``lr`` it trained with);
- ``last.pt`` (after every epoch) and ``best.pt`` (best test accuracy so far): model,
  optimizer and random-generator states, saved with ``lib.save`` through a temporary
  file and a rename, so a crash never leaves a half-written checkpoint;
- ``curves.png``: loss and accuracy per epoch (when matplotlib is installed);
- a TensorBoard event file (:class:`minitorch.utils.tensorboard.SummaryWriter`).

``--resume --out DIR`` continues the run in DIR from ``last.pt`` and ends with the same
numbers as a run that was never interrupted. ``--backend torch`` runs the same code on
PyTorch (``torch_backend``), which also trains on CUDA and, launched by ``torchrun``,
with DistributedDataParallel.

Every model, loader and optimizer is reached through the backend namespace ``lib``
(``lib.nn.Conv2d``, ``lib.optim.SGD``, ``lib.save``, ...), so the code is the same for both
backends. Mistakes in the input (a missing data folder, an unknown name, a checkpoint
that does not fit) end the command with one line on stderr and exit status 1 (2 for the
command line itself, checked before anything loads). So does a training that diverges: at
the first loss that is inf or nan it stops, before a step on it, leaving the checkpoints
of the epochs before.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from minitorch._backend import BACKEND_MODULES, DEVICE_ENV_VAR
from minitorch._cli import (
    CHECKPOINT_FORMAT,
    FLOAT32_MAX,
    SEED_RANGE,
    CLIError,
    OneLineParser,
    error_reason,
    float32_nonnegative,
    float32_positive,
    load_backend,
    load_file,
    load_state,
    nonnegative_float,
    os_error_reason,
    output_folder,
    positive_float,
    positive_int,
    random_seed,
    resolve_device,
    run_command,
)
from minitorch._progress import ProgressBar, format_duration
from minitorch.models import DATASETS, MODELS, build_model, input_transform, model_input
from minitorch.utils.tensorboard import SummaryWriter

__all__ = ["PRESETS", "Training", "build_parser", "main"]

# Settings per model when the command line leaves them out. The CNN's reach >= 97% test
# accuracy on digits in a few seconds of training; Tudui's are the course's.
PRESETS: dict[str, dict[str, Any]] = {
    "cnn": {
        "epochs": 12,
        "batch_size": 32,
        "lr": 0.1,
        "lr_decay": 0.8,
        "momentum": 0.9,
        "weight_decay": 0.0,
    },
    "tudui": {
        "epochs": 10,
        "batch_size": 64,
        "lr": 0.01,
        "lr_decay": 1.0,
        "momentum": 0.0,
        "weight_decay": 0.0,
    },
}
# What a resumed run may change; everything else must stay as the run started.
RESUME_OVERRIDES = ("epochs", "device", "data_dir", "download", "limit_batches")
# What --resume takes from last.pt (the checkpoint also holds its config and metrics row).
RESTORED = (
    "epoch", "best_accuracy", "model", "optimizer", "scheduler", "rng_state", "shuffle_rng_state"
)  # fmt: skip
# The numbers of each row of metrics.jsonl, one row per epoch.
METRICS = (
    "epoch", "train_loss", "test_loss", "test_accuracy", "seconds", "images_per_second", "lr"
)  # fmt: skip
CIFAR10_HELP = (
    "download the CIFAR-10 python version (cifar-10-python.tar.gz) from "
    "https://www.cs.toronto.edu/~kriz/cifar.html, extract it so that DIR/cifar-10-batches-py/"
    "data_batch_1 exists and pass --data-dir DIR, or add --download where a network is reachable"
)


def build_parser() -> OneLineParser:
    presets = PRESETS["cnn"]
    parser = OneLineParser(
        prog="minitorch-train",
        description=(
            "Train a CNN made of the course's layers and report test accuracy. With no options: "
            "the default CNN on the embedded 8x8 digits, on minitorch."
        ),
        epilog=(
            "Hyperparameters left out take the model's preset (cnn: "
            + ", ".join(f"{k}={v}" for k, v in presets.items())
            + "; tudui: the course's SGD with lr=0.01, batch 64, 10 epochs). A resumed run keeps "
            "its settings "
            "except " + ", ".join("--" + name.replace("_", "-") for name in RESUME_OVERRIDES) + "."
        ),
    )
    parser.add_argument(
        "--model", choices=sorted(MODELS), help="cnn (default) or tudui (course's CIFAR-10 model)"
    )
    parser.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        help="default: the model's (cnn: digits, tudui: cifar10)",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", help="folder holding cifar-10-batches-py (--dataset cifar10)"
    )
    parser.add_argument(
        "--download", action="store_true", default=None, help="download CIFAR-10 into --data-dir"
    )
    parser.add_argument(
        "--backend", choices=sorted(BACKEND_MODULES), help="minitorch (default) or torch"
    )
    parser.add_argument(
        "--device",
        help=f"cpu, cuda or cuda:N (cuda needs --backend torch); default ${DEVICE_ENV_VAR} or cpu",
    )
    parser.add_argument("--epochs", type=positive_int, metavar="N")
    parser.add_argument("--batch-size", type=positive_int, metavar="N")
    parser.add_argument("--lr", type=float32_positive, help="SGD learning rate")
    parser.add_argument(
        "--lr-decay",
        type=positive_float,
        metavar="FACTOR",
        help="multiply the learning rate by this after each epoch (ExponentialLR; 1: constant)",
    )
    parser.add_argument("--momentum", type=nonnegative_float, metavar="M")
    parser.add_argument("--weight-decay", type=float32_nonnegative, metavar="L2")
    parser.add_argument(
        "--seed",
        type=random_seed,
        metavar="N",
        help="random seed (default 0); any value torch.manual_seed takes, negative ones included",
    )
    parser.add_argument(
        "--out", type=output_folder, metavar="DIR", help="output folder (default runs/<date-time>)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its last.pt"
    )
    parser.add_argument(
        "--limit-batches",
        type=positive_int,
        metavar="N",
        help="use at most N train and N test batches per epoch",
    )
    return parser


def make_config(args: argparse.Namespace) -> dict[str, Any]:
    """The settings of a new run: what the command line says, the rest from the presets."""
    model = args.model or "cnn"
    config = {
        "model": model,
        "dataset": args.dataset or MODELS[model].default_dataset,
        "data_dir": args.data_dir,
        "download": bool(args.download),
        "backend": args.backend or "minitorch",
        "device": args.device or os.environ.get(DEVICE_ENV_VAR) or "cpu",
        "seed": 0 if args.seed is None else args.seed,
        "limit_batches": args.limit_batches,
    }
    for key, default in PRESETS[model].items():
        value = getattr(args, key)
        config[key] = default if value is None else value
    return config


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 1  # not a bool, which is an int to Python


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite(value: Any, positive: bool) -> bool:
    return _is_number(value) and math.isfinite(value) and (value > 0 if positive else value >= 0)


def _is_name(value: Any, names: Any) -> bool:
    return isinstance(value, str) and value in names


# Every setting of a run, as config.json holds it: what a valid value is, and its wording.
SETTINGS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "model": (lambda value: _is_name(value, MODELS), "one of " + ", ".join(sorted(MODELS))),
    "dataset": (lambda value: _is_name(value, DATASETS), "one of " + ", ".join(sorted(DATASETS))),
    "data_dir": (lambda value: value is None or isinstance(value, str), "a path or null"),
    "download": (lambda value: isinstance(value, bool), "true or false"),
    "backend": (
        lambda value: _is_name(value, BACKEND_MODULES),
        "one of " + ", ".join(sorted(BACKEND_MODULES)),
    ),
    "device": (lambda value: isinstance(value, str), "a device name"),
    "seed": (lambda value: type(value) is int and value in SEED_RANGE, "a 64-bit integer"),
    "limit_batches": (lambda value: value is None or _is_count(value), "a positive integer"),
    "epochs": (_is_count, "a positive integer"),
    "batch_size": (_is_count, "a positive integer"),
    "lr": (
        lambda value: _is_finite(value, positive=True) and value <= FLOAT32_MAX,
        "a number > 0 that float32 holds",
    ),
    "lr_decay": (lambda value: _is_finite(value, positive=True), "a finite number > 0"),
    "momentum": (lambda value: _is_finite(value, positive=False), "a finite number >= 0"),
    "weight_decay": (
        lambda value: _is_finite(value, positive=False) and value <= FLOAT32_MAX,
        "a number >= 0 that float32 holds",
    ),
}


def resumed_config(args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    """The settings of the run being resumed, with the few a resumed run may change."""
    path = out_dir / "config.json"
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as error:  # missing, unreadable, not JSON, not UTF-8
        raise CLIError(f"--resume: cannot read {path}: {error}") from error
    if not isinstance(config, dict):
        raise CLIError(
            f"--resume: {path} holds a JSON {type(config).__name__}, not a run's settings"
        )
    for key, value in vars(args).items():
        if key in ("out", "resume") or value is None:
            continue
        if key in RESUME_OVERRIDES:
            config[key] = value
        elif value != config.get(key):
            option = "--" + key.replace("_", "-")
            raise CLIError(
                f"--resume: {option} {value} differs from the run's {config.get(key)}; "
                f"a resumed run keeps its settings (start a new --out to change them)"
            )
    # Checked after the overrides: a value the command line replaces need not be valid in
    # the file, and any invalid one left can only come from the file (edited, or not ours).
    for key, (valid, expected) in SETTINGS.items():
        if key not in config:
            raise CLIError(
                f"--resume: {path} has no {key!r}: it was not written by minitorch-train"
            )
        if not valid(config[key]):
            raise CLIError(
                f"--resume: {path} has {key} {summary(config[key])}; expected {expected}"
            )
    return config


def default_out_dir() -> Path:
    base = Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate, suffix = base, 1
    while candidate.exists():
        candidate, suffix = Path(f"{base}-{suffix}"), suffix + 1
    return candidate


# ------------------------------------------------------------------ data
def load_datasets(lib: ModuleType, config: dict[str, Any]) -> tuple[Any, Any]:
    """The train and test datasets, each turning its pictures into the model's input."""
    name = config["dataset"]
    source = DATASETS[name].image
    transform = input_transform(lib, model_input(config["model"], name), source)
    datasets = lib.vision.datasets
    if name == "digits":
        return datasets.Digits(train=True, transform=transform), datasets.Digits(
            train=False, transform=transform
        )
    root = config["data_dir"]
    if root is None:
        raise CLIError(f"--dataset cifar10 needs its files: {CIFAR10_HELP}")
    root_path = Path(root)
    if root_path.name == "cifar-10-batches-py":  # also accept the extracted folder itself
        root_path = root_path.parent
    if (
        not config["download"]
        and not (root_path / "cifar-10-batches-py" / "data_batch_1").is_file()
    ):
        raise CLIError(f"CIFAR-10 not found in {root}: {CIFAR10_HELP}")
    try:
        return tuple(
            datasets.CIFAR10(
                root=str(root_path), train=train, transform=transform, download=config["download"]
            )
            for train in (True, False)
        )
    except (OSError, RuntimeError, ValueError) as error:
        raise CLIError(f"cannot load CIFAR-10 from {root}: {error}") from error


# ------------------------------------------------------------------ one or several processes
class SingleProcess:
    """Training in this process alone (minitorch, or PyTorch without ``torchrun``)."""

    rank = 0
    world_size = 1
    is_main = True

    def sampler(self, dataset: Any, seed: int) -> Any:
        return None

    def set_epoch(self, epoch: int) -> None:
        pass

    def wrap(self, model: Any, device: Any) -> Any:
        return model

    def shard(self, lib: ModuleType, dataset: Any) -> Any:
        return dataset

    def sum(self, values: list[float]) -> list[float]:
        return values

    def share_path(self, path: Path) -> Path:
        return path

    def replica_report(self, model: Any) -> dict[str, Any] | None:
        """Whether the replicas ended identical (None: there is only one)."""
        return None

    def close(self) -> None:
        pass


class Distributed(SingleProcess):
    """Training in one of ``torchrun``'s processes, with PyTorch's DistributedDataParallel.

    Each process holds a replica of the model and trains on its share of every epoch
    (``DistributedSampler``); DDP averages the gradients, so the replicas stay identical.
    Losses and accuracies are summed over processes; only rank 0 writes files.
    """

    def __init__(self, device: Any):
        import torch  # the distributed path is PyTorch's own, so it talks to PyTorch directly
        import torch.distributed

        self.torch = torch
        self.dist = torch.distributed
        self.rank = int(os.environ["RANK"])
        self.world_size = int(os.environ["WORLD_SIZE"])
        self.is_main = self.rank == 0
        self.process_group_backend = "nccl" if device.type == "cuda" else "gloo"
        self.dist.init_process_group(self.process_group_backend)
        self._sampler: Any = None

    def sampler(self, dataset: Any, seed: int) -> Any:
        from torch.utils.data.distributed import DistributedSampler

        self._sampler = DistributedSampler(
            dataset, self.world_size, self.rank, shuffle=True, seed=seed
        )
        return self._sampler

    def set_epoch(self, epoch: int) -> None:
        self._sampler.set_epoch(epoch)

    def wrap(self, model: Any, device: Any) -> Any:
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=device_ids)

    def shard(self, lib: ModuleType, dataset: Any) -> Any:
        # Every rank scores a disjoint slice; summing over ranks scores each image once.
        return lib.utils.data.Subset(dataset, range(self.rank, len(dataset), self.world_size))

    def sum(self, values: list[float]) -> list[float]:
        device = "cuda" if self.process_group_backend == "nccl" else "cpu"
        totals = self.torch.tensor(values, dtype=self.torch.float64, device=device)
        self.dist.all_reduce(totals)
        return totals.tolist()

    def share_path(self, path: Path) -> Path:
        shared = [str(path)]
        self.dist.broadcast_object_list(shared, src=0)
        return Path(shared[0])

    def replica_report(self, model: Any) -> dict[str, Any]:
        checksums: list[Any] = [None] * self.world_size
        self.dist.all_gather_object(checksums, parameter_checksum(model))
        return {
            "world_size": self.world_size,
            "process_group_backend": self.process_group_backend,
            "parameter_sha256": checksums,
            "replicas_identical": len(set(checksums)) == 1,
        }

    def close(self) -> None:
        self.dist.destroy_process_group()


def parameter_checksum(model: Any) -> str:
    """SHA-256 of every parameter's bytes, in state_dict order: equal iff the weights are."""
    digest = hashlib.sha256()
    for key, value in model.state_dict().items():
        digest.update(key.encode())
        digest.update(value.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


def check_launch(backend: str) -> bool:
    """Whether ``torchrun`` started several processes; an error if minitorch was asked to join."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    if backend != "torch":
        raise CLIError(
            f"launched as one of {os.environ['WORLD_SIZE']} distributed processes, but minitorch "
            "trains in a single process; pass --backend torch for DistributedDataParallel"
        )
    return True


# ------------------------------------------------------------------ the outputs
@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path to write, renamed over ``path`` once written: ``path`` is always whole.

    ``minitorch.save`` writes this way by itself, but ``torch.save`` (the torch backend's)
    does not, and a run stopped while saving must not lose its last good checkpoint.
    """
    temporary = path.with_name(path.name + ".tmp")
    yield temporary
    os.replace(temporary, path)


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The rows of ``metrics.jsonl`` (none when the file is missing), each checked to be a
    row of metrics, since the rows of a resumed run are written back after its own."""
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise CLIError(f"{path}, line {number}: not JSON ({error})") from error
        if (
            not isinstance(row, dict)
            or type(row.get("epoch")) is not int
            or not all(_is_number(row.get(key)) for key in METRICS)
        ):
            raise CLIError(f"{path}, line {number}: not a row of metrics ({', '.join(METRICS)})")
        rows.append(row)
    return rows


def write_metrics(path: Path, rows: list[dict[str, Any]]) -> None:
    with replacing(path) as temporary:
        temporary.write_text("".join(json.dumps(row) + "\n" for row in rows))


def plot_curves(rows: list[dict[str, Any]], path: Path) -> str | None:
    """Draw loss and accuracy per epoch into ``path``; a note instead when matplotlib is missing."""
    try:
        import matplotlib  # optional, and slow to import: only here, at the end of a run
    except ImportError:
        return "matplotlib is not installed, so no curves.png (pip install matplotlib)"
    matplotlib.use("Agg")
    from matplotlib import pyplot

    epochs = [row["epoch"] for row in rows]
    figure, (loss_axes, accuracy_axes) = pyplot.subplots(1, 2, figsize=(10, 4))
    loss_axes.plot(epochs, [row["train_loss"] for row in rows], marker="o", label="train")
    loss_axes.plot(epochs, [row["test_loss"] for row in rows], marker="o", label="test")
    loss_axes.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    loss_axes.legend()
    accuracy_axes.plot(epochs, [100 * row["test_accuracy"] for row in rows], marker="o", color="C2")
    accuracy_axes.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return None


# ------------------------------------------------------------------ training
def layout_problem(fresh: Any, loaded: Any, where: str) -> str | None:
    """What in ``loaded`` differs in layout from ``fresh`` (a state this run made itself):
    a missing key, a list of another length, a number that is not one, a tensor of another
    shape; None when it fits. Extra keys and other values (names, flags) are the loader's."""
    if isinstance(fresh, dict):
        if not isinstance(loaded, dict):
            return f"{where} should be a dict, not {type(loaded).__name__}"
        for key, value in fresh.items():
            if key not in loaded:
                return f"{where} has no {key!r}"
            if problem := layout_problem(value, loaded[key], f"{where}[{key!r}]"):
                return problem
    elif isinstance(fresh, list | tuple):
        if not isinstance(loaded, list | tuple) or len(loaded) != len(fresh):
            return f"{where} should be a list of {len(fresh)}, not {summary(loaded)}"
        for index, (value, item) in enumerate(zip(fresh, loaded, strict=True)):
            if problem := layout_problem(value, item, f"{where}[{index}]"):
                return problem
    elif isinstance(fresh, bool):
        if not isinstance(loaded, bool):
            return f"{where} should be true or false, not {summary(loaded)}"
    elif _is_number(fresh):
        if not _is_number(loaded):
            return f"{where} should be a number, not {summary(loaded)}"
    elif hasattr(fresh, "shape"):
        shape = tuple(getattr(loaded, "shape", ()))
        if shape != tuple(fresh.shape):
            return f"{where} should have shape {tuple(fresh.shape)}, not {shape}"
    return None


def summary(value: Any) -> str:
    """``value`` in a few words for an error line: a hostile file's values can be huge."""
    if isinstance(value, list | tuple | dict):
        return f"a {type(value).__name__} of {len(value)}"
    text = repr(value)
    return text if len(text) <= 40 else f"a {type(value).__name__}"


def optimizer_state_problem(optimizer: Any) -> str | None:
    """A per-parameter buffer (SGD's momentum) that is not a tensor of its parameter's shape,
    or None: the optimizer's loader keeps whatever it is given, for the next step to trip on."""
    for group in optimizer.param_groups:
        for index, parameter in enumerate(group["params"]):
            for name, value in optimizer.state.get(parameter, {}).items():
                want = tuple(parameter.shape)
                if value is not None and tuple(getattr(value, "shape", (None,))) != want:
                    return f"optimizer {name} of parameter {index} is not a tensor of shape {want}"
    return None


class Training:
    """One run: the model, its optimizer and data, and the files it writes.

    ``epoch`` counts the epochs finished; :meth:`restore` sets every stateful part (model,
    optimizer, scheduler, both random generators) back to what :meth:`checkpoint` saved,
    so the epochs that follow are the same as in a run that never stopped.
    """

    def __init__(
        self,
        lib: ModuleType,
        config: dict[str, Any],
        device: Any,
        out_dir: Path,
        processes: SingleProcess,
    ):
        self.lib, self.config, self.device, self.out_dir = lib, config, device, out_dir
        self.processes = processes
        self.train_set, self.test_set = load_datasets(lib, config)
        lib.manual_seed(config["seed"])
        self.model = build_model(lib, config["model"], config["dataset"]).to(device)
        self.loss_fn = lib.nn.CrossEntropyLoss()
        self.optimizer = lib.optim.SGD(
            self.model.parameters(),
            lr=config["lr"],
            momentum=config["momentum"],
            weight_decay=config["weight_decay"],
        )
        # The decay does not depend on the number of epochs, so a run extended by --resume
        # follows the same learning rates as one that was asked for all its epochs at once.
        self.scheduler = lib.optim.lr_scheduler.ExponentialLR(self.optimizer, config["lr_decay"])
        self.shuffle_generator = lib.Generator()
        self.shuffle_generator.manual_seed(config["seed"])
        sampler = processes.sampler(self.train_set, config["seed"])
        self.train_loader = lib.utils.data.DataLoader(
            self.train_set,
            batch_size=config["batch_size"],
            shuffle=sampler is None,
            sampler=sampler,
            generator=self.shuffle_generator if sampler is None else None,
        )
        self.test_loader = lib.utils.data.DataLoader(
            processes.shard(lib, self.test_set), batch_size=256
        )
        self.trained_model = processes.wrap(self.model, device)
        self.limit = config["limit_batches"]
        self.steps_per_epoch = min(self.limit or len(self.train_loader), len(self.train_loader))
        self.epoch = 0
        self.best_accuracy = -1.0

    def checkpoint(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "rng_state": self.lib.get_rng_state(),
            "shuffle_rng_state": self.shuffle_generator.get_state(),
            "best_accuracy": self.best_accuracy,
            "config": self.config,
            "metrics": row,
        }

    def restore(self, path: Path) -> None:
        checkpoint = load_file(self.lib, path, weights_only=True)
        if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
            raise CLIError(f"{path} is not a checkpoint written by minitorch-train")
        fresh = self.checkpoint({})
        if missing := [key for key in RESTORED if key not in checkpoint]:
            raise CLIError(f"{path} lacks {', '.join(missing)}: it is not a whole checkpoint")
        if type(checkpoint["epoch"]) is not int or checkpoint["epoch"] < 0:
            raise CLIError(
                f"{path}: epoch {summary(checkpoint['epoch'])} is not a number of epochs"
            )
        if not _is_number(checkpoint["best_accuracy"]):
            raise CLIError(
                f"{path}: best_accuracy {summary(checkpoint['best_accuracy'])} is not a number"
            )
        load_state(self.model, checkpoint["model"], path, self.config["model"])
        # Each part must have the layout of this run's own (the loaders accept much that the
        # next step would trip over) before it loads; a loader's refusal names the part too.
        for part, restore in (
            ("optimizer", self.optimizer.load_state_dict),
            ("scheduler", self.scheduler.load_state_dict),
            ("rng_state", self.lib.set_rng_state),
            ("shuffle_rng_state", self.shuffle_generator.set_state),
        ):
            problem = layout_problem(fresh[part], checkpoint[part], part)
            if problem is None:
                try:
                    restore(checkpoint[part])
                except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as error:
                    problem = (
                        f"{part} does not load ({type(error).__name__}: {error_reason(error)})"
                    )
            if problem is None and part == "optimizer":
                problem = optimizer_state_problem(self.optimizer)
            if problem is not None:
                raise CLIError(f"{path} does not fit this run: {problem}")
        self.epoch, self.best_accuracy = checkpoint["epoch"], checkpoint["best_accuracy"]

    def train_epoch(self, bar: ProgressBar, writer: SummaryWriter | None) -> tuple[float, int]:
        """One pass over (this process's share of) the training data: summed loss, images."""
        self.trained_model.train()
        total_loss, seen = 0.0, 0
        first_step = (self.epoch - 1) * self.steps_per_epoch
        batches = itertools.islice(self.train_loader, self.limit)
        for step, (images, targets) in enumerate(batches, start=first_step):
            images, targets = images.to(self.device), targets.to(self.device)
            loss = self.loss_fn(self.trained_model(images), targets)
            batch_loss, batch_size = loss.item(), len(targets)
            if not math.isfinite(batch_loss):
                # Every later step would train on inf/nan and save weights that predict
                # nothing; the last good checkpoint (if any) stays as it is.
                raise CLIError(
                    f"training diverged: the loss became {batch_loss} at epoch {self.epoch}, "
                    f"batch {step - first_step + 1}; lower --lr (it is {self.config['lr']}) "
                    "or --momentum and start again"
                )
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total_loss += batch_loss * batch_size
            seen += batch_size
            bar.update(batch_size, batch_loss)
            if writer is not None:
                writer.add_scalar("train/batch_loss", batch_loss, step)
        return total_loss, seen

    def evaluate(self) -> tuple[float, int, int]:
        """Summed loss, correct predictions and images over (this process's share of) test data."""
        self.model.eval()
        total_loss, correct, seen = 0.0, 0, 0
        with self.lib.no_grad():
            for images, targets in itertools.islice(self.test_loader, self.limit):
                images, targets = images.to(self.device), targets.to(self.device)
                outputs = self.model(images)
                total_loss += self.loss_fn(outputs, targets).item() * len(targets)
                correct += (outputs.argmax(1) == targets).sum().item()
                seen += len(targets)
        return total_loss, correct, seen

    def run_epoch(self, writer: SummaryWriter | None) -> dict[str, Any]:
        """Train and test one more epoch; its row of metrics."""
        self.epoch += 1
        lr = self.optimizer.param_groups[0]["lr"]
        if lr > FLOAT32_MAX:  # PyTorch's SGD refuses it: "cannot be converted to type float"
            raise CLIError(
                f"--lr-decay {self.config['lr_decay']} made the learning rate {lr} by epoch "
                f"{self.epoch}, more than float32 weights can take; lower --lr-decay"
            )
        started = time.perf_counter()
        self.processes.set_epoch(self.epoch)
        description = f"epoch {self.epoch}/{self.config['epochs']}"
        # Only the process that reports draws a bar, and only on a terminal.
        bar = ProgressBar(
            self.steps_per_epoch, description, enabled=None if self.processes.is_main else False
        )
        try:
            train_loss, train_seen = self.train_epoch(bar, writer)
        finally:
            bar.close()  # also when training stops, so that the error starts its own line
        train_seconds = time.perf_counter() - started
        test_loss, correct, test_seen = self.evaluate()
        train_loss, train_seen, test_loss, correct, test_seen = self.processes.sum(
            [train_loss, train_seen, test_loss, correct, test_seen]
        )
        if not math.isfinite(test_loss):  # the epoch's last steps diverged
            raise CLIError(
                f"training diverged: the test loss became {test_loss} after epoch {self.epoch}; "
                f"lower --lr (it is {self.config['lr']}) or --momentum and start again"
            )
        row = {
            "epoch": self.epoch,
            "train_loss": train_loss / train_seen,
            "test_loss": test_loss / test_seen,
            "test_accuracy": correct / test_seen,
            "seconds": time.perf_counter() - started,
            "images_per_second": train_seen / train_seconds,
            "lr": self.optimizer.param_groups[0]["lr"],
        }
        self.scheduler.step()
        self.best_accuracy = max(self.best_accuracy, row["test_accuracy"])
        return row


def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    if args.resume and args.out is None:
        raise CLIError("--resume needs --out DIR naming the run to continue")
    out_dir = Path(args.out) if args.out is not None else default_out_dir()
    config = resumed_config(args, out_dir) if args.resume else make_config(args)
    distributed = check_launch(config["backend"])
    lib = load_backend(config["backend"])
    device = resolve_device(lib, config["backend"], config["device"])
    if distributed and device.type == "cuda":
        device = lib.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    processes = Distributed(device) if distributed else SingleProcess()
    try:
        out_dir = processes.share_path(out_dir)
        last_path = out_dir / "last.pt"
        if not args.resume and last_path.exists():
            raise CLIError(
                f"{out_dir} already holds a run ({last_path.name}); "
                "add --resume to continue it or pick another --out"
            )
        training = Training(lib, config, device, out_dir, processes)
        if args.resume:
            training.restore(last_path)
            if training.epoch >= config["epochs"]:
                raise CLIError(
                    f"{out_dir} has already run {training.epoch} epoch(s); "
                    "pass a larger --epochs to continue"
                )
        if processes.is_main:
            train_and_record(training, args.resume, started)
        else:
            while training.epoch < config["epochs"]:
                training.run_epoch(writer=None)
            processes.replica_report(training.model)
    finally:
        processes.close()


def train_and_record(training: Training, resume: bool, started: float) -> None:
    """Train the remaining epochs, writing every output file and a line per epoch."""
    config, out_dir = training.config, training.out_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    except OSError as error:  # what --out's check cannot see: a read-only mount, a full disk
        raise CLIError(
            f"cannot write the run into --out {out_dir}: {os_error_reason(error)}"
        ) from error
    metrics_path = out_dir / "metrics.jsonl"
    # Rows after the checkpoint's epoch (a crash between the two writes) are trained again.
    rows = [row for row in read_metrics(metrics_path) if row["epoch"] <= training.epoch]
    writer = SummaryWriter(out_dir)
    try:
        record_epochs(training, resume, writer, metrics_path, rows)
    finally:
        writer.close()  # what was logged before a failure stays readable
    report = training.processes.replica_report(training.model)
    if report is not None:
        (out_dir / "distributed.json").write_text(json.dumps(report, indent=2) + "\n")
        print(
            f"{report['world_size']} replicas, parameters identical: {report['replicas_identical']}"
        )
    note = plot_curves(rows, out_dir / "curves.png")
    final, best = rows[-1], max(rows, key=lambda row: row["test_accuracy"])
    print(
        f"Done: {config['model']} on {config['dataset']} ({config['backend']}, {training.device}), "
        f"{final['epoch']} epochs in {format_duration(time.perf_counter() - started)}: "
        f"test accuracy {100 * final['test_accuracy']:.2f}%, test loss {final['test_loss']:.4f}; "
        f"best {100 * best['test_accuracy']:.2f}% at epoch {best['epoch']} ({out_dir / 'best.pt'})"
    )
    outputs = "config.json, metrics.jsonl, last.pt, best.pt, TensorBoard events"
    print(f"Outputs in {out_dir}: {outputs}" + (f"\nnote: {note}" if note else ", curves.png"))


def record_epochs(
    training: Training,
    resume: bool,
    writer: SummaryWriter,
    metrics_path: Path,
    rows: list[dict[str, Any]],
) -> None:
    """Train the remaining epochs, appending to ``rows`` and writing each epoch's files."""
    config, out_dir = training.config, training.out_dir
    print(describe(training, resume), flush=True)
    if not resume:
        # An unshuffled loader, so that logging the pictures draws nothing from the shuffle RNG.
        images, _ = next(
            iter(training.lib.utils.data.DataLoader(training.train_set, batch_size=64))
        )
        writer.add_images("train/first_batch", images, 0)
    while training.epoch < config["epochs"]:
        previous_best = training.best_accuracy
        row = training.run_epoch(writer)
        rows.append(row)
        write_metrics(metrics_path, rows)
        with replacing(out_dir / "last.pt") as temporary:
            training.lib.save(training.checkpoint(row), temporary)
        improved = row["test_accuracy"] > previous_best
        if improved:
            with replacing(out_dir / "best.pt") as temporary:
                shutil.copyfile(out_dir / "last.pt", temporary)
        for name in ("train_loss", "test_loss", "test_accuracy", "lr"):
            writer.add_scalar(name.replace("_", "/", 1), row[name], row["epoch"])
        writer.flush()
        print(
            f"epoch {row['epoch']}/{config['epochs']}: train loss {row['train_loss']:.4f}, "
            f"test loss {row['test_loss']:.4f}, test accuracy {100 * row['test_accuracy']:.2f}%"
            f"{' (best)' if improved else ''}, {row['seconds']:.1f}s, "
            f"{row['images_per_second']:.0f} img/s",
            flush=True,
        )


def describe(training: Training, resume: bool) -> str:
    """The line that opens a run: what trains on what, where, how, and where its files go."""
    config, processes = training.config, training.processes
    decay = f" x{config['lr_decay']} per epoch" if config["lr_decay"] != 1 else ""
    replicas = f" x {processes.world_size} processes" if processes.world_size > 1 else ""
    action = f"Resuming at epoch {training.epoch + 1}" if resume else "Training"
    return (
        f"{action}: {config['model']} on {config['dataset']} ({len(training.train_set)} train"
        f" / {len(training.test_set)} test images), {config['backend']} on {training.device}"
        f"{replicas}, "
        f"{config['epochs']} epochs, batch {config['batch_size']}, SGD lr {config['lr']}{decay} "
        f"momentum {config['momentum']}; outputs in {training.out_dir}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``minitorch-train`` with ``argv`` (default: the command line); 0 on success."""
    args = build_parser().parse_args(argv)

    def command() -> int:
        run(args)
        return 0

    return run_command(
        "minitorch-train", command, interrupted="interrupted; continue with --resume --out DIR"
    )


if __name__ == "__main__":
    raise SystemExit(main())
