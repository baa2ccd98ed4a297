"""Every ``minitorch-*`` command over a table of bad arguments and bad files.

Each case must end with exit status 2 for a mistake in the command line (argparse's
convention: the value is checked before any work starts) or 1 for a failure found while
running (a file that does not hold what it should, a training that diverges), with exactly
one line on stderr, ``<command>: error: ...``, naming the offending value or path, and no
traceback. The commands run in this process through their ``main(argv)``; a few run as
real processes, to show that nothing else reaches a terminal. No case trains for more
than a few batches: each one is caught before training, or within its first steps.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

import minitorch
from minitorch import predict, train
from minitorch._cli import CHECKPOINT_FORMAT, run_parity
from minitorch.explain import build_parser as explain_parser
from minitorch.explain import main as explain_main
from minitorch.models import digits_cnn, tudui_class

REPO = Path(__file__).resolve().parents[1]
COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "minitorch-train": train.main,
    "minitorch-predict": predict.main,
    "minitorch-explain": explain_main,
    "minitorch-parity": run_parity,
}
USAGE, RUNTIME = 2, 1
PARITY_PROGRESS = re.compile(r"\S+ \[float(32|64)\]: \d+ examples, \d+ mismatching, [\d.]+ s")
# As root, access() grants writing anywhere, so only the write itself finds that /proc takes
# no new files (a runtime error); for anyone else the check of the command line sees it.
UNWRITABLE_STATUS = RUNTIME if os.geteuid() == 0 else USAGE
needs_proc = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
needs_torch_digits = pytest.mark.skipif(
    not hasattr(__import__("torch_backend").vision.datasets, "Digits"),
    reason="torch_backend.vision.datasets.Digits is not available",
)


@dataclass(frozen=True)
class Case:
    """One bad command line: ``{name}`` in ``argv`` and ``fragment`` is a path of ``files``."""

    program: str
    argv: tuple[str, ...]
    status: int
    fragment: str


def case(id: str, program: str, argv: str, status: int, fragment: str, marks=()) -> Any:
    return pytest.param(Case(program, tuple(argv.split()), status, fragment), id=id, marks=marks)


def run_in_process(program: str, argv: list[str], capsys) -> tuple[int, str, str]:
    """``main(argv)`` of ``program``: exit status, stdout, stderr."""
    try:
        status = COMMANDS[program](argv)
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_error_line(program: str, status: int, err: str, expected: int, fragment: str):
    """One line ``program: error: ...`` holding ``fragment``, the last on stderr; before it
    only minitorch-parity's progress lines (stderr, so that the report on stdout stays clean)."""
    assert "Traceback" not in err, err
    assert status == expected, err
    *before, last = err.splitlines() or [""]
    assert all(PARITY_PROGRESS.fullmatch(line) for line in before), err
    assert last.startswith(f"{program}: error: "), err
    assert fragment in last, err


def write_png_with_size(path: Path, width: int, height: int) -> None:
    """A valid 1x1 PNG whose header declares ``width`` x ``height`` (its CRC recomputed):
    a few dozen bytes that claim more pixels than Pillow agrees to decode."""
    Image.new("L", (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """Paths the cases name: good and bad pictures, checkpoints, a file, a folder."""
    root = tmp_path_factory.mktemp("files")
    (root / "file.txt").write_text("a file, not a folder\n")
    (root / "folder").mkdir()
    write_png_with_size(root / "bomb.png", 40_000, 40_000)  # 1.6 gigapixels in 67 bytes
    Image.new("L", (8, 8), 128).save(root / "digit.png")
    (root / "cut.png").write_bytes((root / "digit.png").read_bytes()[:40])
    (root / "garbage.png").write_bytes(bytes(range(256)) * 4)
    (root / "empty.pt").write_bytes(b"")
    minitorch.save(digits_cnn(minitorch).state_dict(), root / "weights.pt")
    minitorch.save({"format": CHECKPOINT_FORMAT, "epoch": 1}, root / "no-config.pt")
    paths = {path.stem.replace("-", "_"): str(path) for path in root.iterdir()}
    return {
        **paths,
        "folder": str(root / "folder"),
        "missing": str(root / "missing.png"),
        "long": str(root / ("x" * 300)),
    }


def expand(text: str, files: dict[str, str]) -> str:
    return text.format(**files)


# ------------------------------------------------------------------ the table
SEED_OVER = str(2**64)  # torch.manual_seed(2**64): "Overflow when unpacking long long"
SEED_UNDER = str(-(2**63) - 1)
CASES = [
    # minitorch-train: numbers that cannot be, checked before the data loads
    case("train-seed-2**64", "minitorch-train", f"--seed {SEED_OVER}", USAGE, SEED_OVER),
    case("train-seed-below-int64", "minitorch-train", f"--seed {SEED_UNDER}", USAGE, SEED_UNDER),
    case("train-seed-not-int", "minitorch-train", "--seed 1.5", USAGE, "'1.5'"),
    case("train-epochs-0", "minitorch-train", "--epochs 0", USAGE, "--epochs"),
    case("train-epochs-negative", "minitorch-train", "--epochs -3", USAGE, "got -3"),
    case("train-batch-size-0", "minitorch-train", "--batch-size 0", USAGE, "--batch-size"),
    case("train-limit-batches-0", "minitorch-train", "--limit-batches 0", USAGE, "--limit-batches"),
    case("train-lr-0", "minitorch-train", "--lr 0", USAGE, "--lr: expected a finite number > 0"),
    case("train-lr-negative", "minitorch-train", "--lr -0.1", USAGE, "got -0.1"),
    case("train-lr-nan", "minitorch-train", "--lr nan", USAGE, "got nan"),
    case("train-lr-inf", "minitorch-train", "--lr inf", USAGE, "got inf"),
    case("train-lr-1e400", "minitorch-train", "--lr 1e400", USAGE, "got 1e400"),
    # PyTorch's SGD refuses it at its first step: "value cannot be converted to type float"
    case("train-lr-1e308", "minitorch-train", "--lr 1e308", USAGE, "float32's largest"),
    case("train-weight-decay-1e39", "minitorch-train", "--weight-decay 1e39", USAGE, "got 1e39"),
    case("train-lr-decay-0", "minitorch-train", "--lr-decay 0", USAGE, "--lr-decay"),
    case("train-momentum-negative", "minitorch-train", "--momentum -1", USAGE, "--momentum"),
    case("train-weight-decay-inf", "minitorch-train", "--weight-decay inf", USAGE, "got inf"),
    case("train-model-unknown", "minitorch-train", "--model resnet", USAGE, "'resnet'"),
    # minitorch-train: where the run would go
    case("train-out-is-a-file", "minitorch-train", "--out {file}", USAGE, "{file} is a file"),
    case(
        "train-out-below-a-file",
        "minitorch-train",
        "--out {file}/run",
        USAGE,
        "{file}/run cannot be made inside it",
    ),
    case("train-out-name-too-long", "minitorch-train", "--out {long}", USAGE, "File name too long"),
    case(
        "train-out-unwritable",
        "minitorch-train",
        "--out /proc/minitorch-run --limit-batches 1",
        UNWRITABLE_STATUS,
        "/proc/minitorch-run",
        marks=needs_proc,
    ),
    case(
        "train-resume-without-out", "minitorch-train", "--resume", RUNTIME, "--resume needs --out"
    ),
    case(
        "train-resume-empty-folder",
        "minitorch-train",
        "--resume --out {folder}",
        RUNTIME,
        "{folder}/config.json",
    ),
    case(
        "train-cifar10-data-dir-is-a-file",
        "minitorch-train",
        "--dataset cifar10 --data-dir {file} --out {folder}/c",
        RUNTIME,
        "CIFAR-10 not found in {file}",
    ),
    case("train-device-unknown", "minitorch-train", "--device tpu:x", RUNTIME, "--device tpu:x"),
    # minitorch-predict: pictures (read before the checkpoint)
    case(
        "predict-decompression-bomb",
        "minitorch-predict",
        "--checkpoint {weights} {bomb}",
        RUNTIME,
        "cannot read image {bomb}: Image size (1600000000 pixels) exceeds limit",
    ),
    case(
        "predict-image-cut-short",
        "minitorch-predict",
        "--checkpoint {weights} {cut}",
        RUNTIME,
        "cannot read image {cut}",
    ),
    case(
        "predict-image-garbage",
        "minitorch-predict",
        "--checkpoint {weights} {garbage}",
        RUNTIME,
        "cannot read image {garbage}",
    ),
    case(
        "predict-image-missing",
        "minitorch-predict",
        "--checkpoint {weights} {missing}",
        RUNTIME,
        "cannot read image {missing}: No such file",
    ),
    case(
        "predict-image-is-a-folder",
        "minitorch-predict",
        "--checkpoint {weights} {folder}",
        RUNTIME,
        "cannot read image {folder}",
    ),
    # minitorch-predict: checkpoints
    case(
        "predict-checkpoint-is-a-folder",
        "minitorch-predict",
        "--checkpoint {folder} {digit}",
        RUNTIME,
        "checkpoint {folder} is a folder, not a file",
    ),
    case(
        "predict-checkpoint-dev-null",
        "minitorch-predict",
        "--checkpoint /dev/null {digit}",
        RUNTIME,
        "cannot read checkpoint /dev/null: Ran out of input",
    ),
    case(
        "predict-checkpoint-dev-null-torch",
        "minitorch-predict",
        "--backend torch --checkpoint /dev/null {digit}",
        RUNTIME,
        "cannot read checkpoint /dev/null: the file ends early",
    ),
    case(
        "predict-checkpoint-empty",
        "minitorch-predict",
        "--checkpoint {empty} {digit}",
        RUNTIME,
        "cannot read checkpoint {empty}",
    ),
    case(
        "predict-checkpoint-missing",
        "minitorch-predict",
        "--checkpoint {missing} {digit}",
        RUNTIME,
        "checkpoint {missing} does not exist",
    ),
    case(
        "predict-train-checkpoint-without-config",
        "minitorch-predict",
        "--checkpoint {no_config} {digit}",
        RUNTIME,
        "{no_config} is marked as a minitorch-train checkpoint but lacks",
    ),
    case(
        "predict-top-0",
        "minitorch-predict",
        "--checkpoint {weights} --top 0 {digit}",
        USAGE,
        "--top",
    ),
    case("predict-no-image", "minitorch-predict", "--checkpoint {weights}", USAGE, "IMAGE"),
    case(
        "predict-backend-unknown",
        "minitorch-predict",
        "--backend jax --checkpoint {weights} {digit}",
        USAGE,
        "'jax'",
    ),
    # minitorch-explain
    case("explain-seed-2**64", "minitorch-explain", f"--seed {SEED_OVER}", USAGE, SEED_OVER),
    case("explain-seed-not-int", "minitorch-explain", "--seed one", USAGE, "'one'"),
    case("explain-batch-0", "minitorch-explain", "--batch 0", USAGE, "--batch must be a positive"),
    case("explain-batch-negative", "minitorch-explain", "--batch -2", USAGE, "got -2"),
    case("explain-model-unknown", "minitorch-explain", "--model vgg", USAGE, "'vgg'"),
    case(
        "explain-model-not-importable",
        "minitorch-explain",
        "--model no_such_module_for_explain:Net",
        USAGE,
        "cannot import no_such_module_for_explain",
    ),
    case(
        "explain-model-no-such-name",
        "minitorch-explain",
        "--model minitorch.models:Nope",
        USAGE,
        "minitorch.models has no 'Nope'",
    ),
    case(
        "explain-model-cannot-be-built",
        "minitorch-explain",
        "--model minitorch.models:digits_cnn",
        USAGE,
        "minitorch.models:digits_cnn() failed: TypeError",
    ),
    case(
        "explain-model-not-callable",
        "minitorch-explain",
        "--model minitorch.models:CIFAR10_CLASSES",
        USAGE,
        "is a tuple, not a minitorch.nn.Module",
    ),
    case(
        "explain-model-builds-something-else",
        "minitorch-explain",
        "--model minitorch:get_default_dtype",
        USAGE,
        "returned a minitorch._dtype.dtype, not a minitorch.nn.Module",
    ),
    case(
        "explain-model-without-parameters",
        "minitorch-explain",
        "--model minitorch.nn:Flatten",
        USAGE,
        "the model has no parameters",
    ),
    case("explain-input-shape-bad", "minitorch-explain", "--input-shape 3x0", USAGE, "'3x0'"),
    case("explain-momentum-negative", "minitorch-explain", "--momentum -1", USAGE, "got -1"),
    case(
        "explain-batch-beyond-memory",
        "minitorch-explain",
        f"--batch {10**11}",
        RUNTIME,
        "out of memory: DefaultCPUAllocator: can't allocate memory",
    ),
    case(
        "explain-dot-is-a-folder",
        "minitorch-explain",
        "--dot {folder}",
        USAGE,
        "{folder} is a folder",
    ),
    case(
        "explain-dot-in-a-missing-folder",
        "minitorch-explain",
        "--dot {folder}/no/graph.dot",
        USAGE,
        "folder {folder}/no does not exist",
    ),
    case(
        "explain-dot-below-a-file",
        "minitorch-explain",
        "--dot {file}/graph.dot",
        USAGE,
        "{file} is not a folder",
    ),
    case(
        "explain-dot-unwritable",
        "minitorch-explain",
        "--model cnn --batch 1 --dot /proc/minitorch-graph.dot",
        UNWRITABLE_STATUS,
        "/proc/minitorch-graph.dot",
        marks=needs_proc,
    ),
    # minitorch-parity
    case("parity-examples-0", "minitorch-parity", "--examples 0", USAGE, "--examples"),
    case("parity-examples-negative", "minitorch-parity", "--examples -5", USAGE, "got -5"),
    case("parity-examples-not-int", "minitorch-parity", "--examples many", USAGE, "'many'"),
    case(
        "parity-json-is-a-folder",
        "minitorch-parity",
        "--json {folder}",
        USAGE,
        "{folder} is a folder",
    ),
    case(
        "parity-json-in-a-missing-folder",
        "minitorch-parity",
        "--json {folder}/no/report.json",
        USAGE,
        "folder {folder}/no does not exist",
    ),
    case(
        "parity-json-name-too-long",
        "minitorch-parity",
        "--json {long}",
        USAGE,
        "File name too long",
    ),
    case("parity-ops-unmatched", "minitorch-parity", "--ops nothing*", USAGE, "nothing*"),
    case("parity-dtype-unknown", "minitorch-parity", "--dtype float16", USAGE, "'float16'"),
    case(
        "parity-json-unwritable",
        "minitorch-parity",
        "--examples 1 --ops relu --dtype float32 --json /proc/minitorch-report.json",
        UNWRITABLE_STATUS,
        "/proc/minitorch-report.json",
        marks=needs_proc,
    ),
]


@pytest.mark.parametrize("bad", CASES)
def test_bad_arguments_end_with_one_line(bad: Case, files, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a default output folder (runs/...) would land here
    argv = [expand(arg, files) for arg in bad.argv]
    status, _, err = run_in_process(bad.program, argv, capsys)
    assert_one_error_line(bad.program, status, err, bad.status, expand(bad.fragment, files))


# ------------------------------------------------------------------ minitorch-train --resume
@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    """A one-epoch run (negative seed: torch.manual_seed takes it, and so does the command)."""
    out = tmp_path_factory.mktemp("run") / "out"
    argv = ["--seed", "-5", "--epochs", "1", "--limit-batches", "1", "--batch-size", "4"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", sys.stderr)  # keep the run's lines out of the test's output
        assert train.main([*argv, "--out", str(out)]) == 0
    return out


def edit_config(**changes: Any) -> Callable[[Path], None]:
    def edit(out: Path) -> None:
        config = json.loads((out / "config.json").read_text())
        config.update(changes)
        (out / "config.json").write_text(json.dumps(config))

    return edit


def edit_checkpoint(change: Callable[[dict], Any]) -> Callable[[Path], None]:
    def edit(out: Path) -> None:
        checkpoint = minitorch.load(out / "last.pt")
        change(checkpoint)
        minitorch.save(checkpoint, out / "last.pt")

    return edit


def write(name: str, content: bytes | str) -> Callable[[Path], None]:
    def edit(out: Path) -> None:
        path = out / name
        path.unlink()
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)

    return edit


def replace_with_folder(name: str) -> Callable[[Path], None]:
    def edit(out: Path) -> None:
        (out / name).unlink()
        (out / name).mkdir()

    return edit


def momentum_of_shape(shape: tuple[int, ...]) -> Callable[[dict], None]:
    def change(checkpoint: dict) -> None:
        checkpoint["optimizer"]["state"][0]["momentum_buffer"] = minitorch.zeros(*shape)

    return change


RESUME_CASES = [
    pytest.param(write("config.json", "{"), "config.json", id="config-not-json"),
    pytest.param(write("config.json", b"\xff\xfe"), "config.json", id="config-not-utf8"),
    pytest.param(write("config.json", "[1, 2]"), "holds a JSON list", id="config-a-list"),
    pytest.param(write("config.json", "{}"), "has no 'model'", id="config-empty"),
    pytest.param(replace_with_folder("config.json"), "config.json", id="config-a-folder"),
    pytest.param(edit_config(lr="fast"), "has lr 'fast'", id="config-lr-text"),
    pytest.param(edit_config(limit_batches=0), "has limit_batches 0", id="config-limit-0"),
    pytest.param(edit_config(lr=1e308), "has lr 1e+308", id="config-lr-beyond-float32"),
    pytest.param(edit_config(batch_size=True), "has batch_size True", id="config-batch-bool"),
    pytest.param(edit_config(model="vgg"), "has model 'vgg'", id="config-model-unknown"),
    pytest.param(edit_config(model=["cnn"]), "has model a list of 1", id="config-model-list"),
    pytest.param(edit_config(seed=2**64), f"has seed {2**64}", id="config-seed-2**64"),
    pytest.param(edit_config(momentum=float("nan")), "has momentum nan", id="config-momentum-nan"),
    pytest.param(lambda out: (out / "last.pt").unlink(), "does not exist", id="last-missing"),
    pytest.param(write("last.pt", b""), "cannot read checkpoint", id="last-empty"),
    pytest.param(write("last.pt", os.urandom(300)), "cannot read checkpoint", id="last-random"),
    pytest.param(replace_with_folder("last.pt"), "is a folder", id="last-a-folder"),
    pytest.param(
        lambda out: minitorch.save({"a": 1}, out / "last.pt"),
        "not a checkpoint written by minitorch-train",
        id="last-not-ours",
    ),
    pytest.param(
        edit_checkpoint(lambda c: c.pop("optimizer")), "lacks optimizer", id="last-no-optimizer"
    ),
    pytest.param(edit_checkpoint(lambda c: c.update(epoch="1")), "epoch '1'", id="last-epoch-text"),
    pytest.param(
        edit_checkpoint(lambda c: c.update(best_accuracy=None)),
        "best_accuracy None",
        id="last-best-accuracy-none",
    ),
    pytest.param(
        edit_checkpoint(lambda c: c.update(model=tudui_class(minitorch)().state_dict())),
        "does not fit model 'cnn'",
        id="last-another-model",
    ),
    pytest.param(
        edit_checkpoint(lambda c: c["optimizer"].update(param_groups=[])),
        "optimizer['param_groups'] should be a list of 1, not a list of 0",
        id="last-no-param-groups",
    ),
    pytest.param(
        edit_checkpoint(lambda c: c["optimizer"]["param_groups"][0].update(lr="x")),
        "optimizer['param_groups'][0]['lr'] should be a number, not 'x'",
        id="last-lr-text",
    ),
    pytest.param(
        edit_checkpoint(momentum_of_shape((3,))),
        "momentum_buffer of parameter 0 is not a tensor of shape (16, 1, 3, 3)",
        id="last-momentum-shape",
    ),
    pytest.param(
        edit_checkpoint(lambda c: c.update(scheduler=5)),
        "scheduler should be a dict, not int",
        id="last-scheduler-int",
    ),
    pytest.param(
        edit_checkpoint(lambda c: c.update(rng_state={"a": 1})),
        "rng_state has no 'bit_generator'",
        id="last-rng-state-garbage",
    ),
    pytest.param(
        edit_checkpoint(lambda c: c["shuffle_rng_state"].update(bit_generator="MT19937")),
        "shuffle_rng_state does not load",
        id="last-shuffle-rng-other-generator",
    ),
    pytest.param(write("metrics.jsonl", "not json\n"), "metrics.jsonl, line 1", id="metrics-text"),
    pytest.param(
        write("metrics.jsonl", '{"epoch": 1}\n'), "metrics.jsonl, line 1", id="metrics-no-numbers"
    ),
]


@pytest.mark.parametrize(("damage", "fragment"), RESUME_CASES)
def test_resume_from_a_damaged_run_ends_with_one_line(
    damage, fragment, finished_run, capsys, tmp_path
):
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    damage(out)
    status, _, err = run_in_process(
        "minitorch-train", ["--epochs", "2", "--resume", "--out", str(out)], capsys
    )
    assert_one_error_line("minitorch-train", status, err, RUNTIME, fragment)


def test_the_damaged_run_resumes_once_repaired(finished_run, capsys, tmp_path):
    """The cases above fail on the damage alone: the same run, undamaged, resumes."""
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    status, stdout, err = run_in_process(
        "minitorch-train", ["--epochs", "2", "--resume", "--out", str(out)], capsys
    )
    assert status == 0, err
    assert stdout.startswith("Resuming at epoch 2")


# ------------------------------------------------------------------ seeds and divergence
@pytest.mark.parametrize("seed", [-5, -(2**63), 2**64 - 1])
def test_seeds_are_what_torch_manual_seed_takes(seed, finished_run):
    """The commands take every seed PyTorch takes, and wrap negative ones as it does."""
    assert train.build_parser().parse_args(["--seed", str(seed)]).seed == seed
    assert explain_parser().parse_args(["--seed", str(seed)]).seed == seed
    assert minitorch.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()
    assert json.loads((finished_run / "config.json").read_text())["seed"] == -5


@pytest.mark.parametrize(
    ("backend", "lr"),
    [
        ("minitorch", "1e30"),
        pytest.param("torch", "1e30", marks=needs_torch_digits),
    ],
)
def test_a_diverging_training_stops_with_one_line(backend, lr, capsys, tmp_path):
    """A learning rate that blows the weights up stops at the first non-finite loss, before
    a step on it, and leaves no checkpoint of nan weights behind."""
    out = tmp_path / "run"
    argv = ["--backend", backend, "--lr", lr, "--batch-size", "4", "--limit-batches", "5"]
    status, stdout, err = run_in_process("minitorch-train", [*argv, "--out", str(out)], capsys)
    assert_one_error_line(
        "minitorch-train", status, err, RUNTIME, "training diverged: the loss became nan"
    )
    assert "at epoch 1, batch 2; lower --lr" in err
    assert stdout.startswith("Training: cnn on digits")
    assert not (out / "last.pt").exists()


def test_a_learning_rate_grown_beyond_float32_stops_with_one_line(capsys, tmp_path):
    """ExponentialLR with a factor > 1 grows the rate each epoch; past float32's largest,
    PyTorch's SGD would raise at its next step, so the command stops before it."""
    argv = ["--lr", "1", "--lr-decay", "1e39", "--epochs", "2", "--limit-batches", "1"]
    status, _, err = run_in_process(
        "minitorch-train", [*argv, "--out", str(tmp_path / "run")], capsys
    )
    assert_one_error_line(
        "minitorch-train", status, err, RUNTIME, "--lr-decay 1e+39 made the learning rate 1e+39"
    )
    assert "by epoch 2" in err


# ------------------------------------------------------------------ real processes
SUBPROCESS_CASES = [
    case("train", "minitorch-train", f"--seed {SEED_UNDER}", USAGE, SEED_UNDER),
    case(
        "predict",
        "minitorch-predict",
        "--checkpoint {weights} {bomb}",
        RUNTIME,
        "cannot read image {bomb}",
    ),
    case("explain", "minitorch-explain", "--dot {folder}", USAGE, "{folder} is a folder"),
    case(
        "explain-model",
        "minitorch-explain",
        "--model minitorch.models:digits_cnn",
        USAGE,
        "digits_cnn() failed",
    ),
    case("parity", "minitorch-parity", "--examples 0", USAGE, "--examples"),
]


def run_entry_point(program: str, argv: list[str], **options: Any) -> subprocess.Popen:
    """``program`` started as pip's wrapper for its ``[project.scripts]`` entry starts it."""
    target = {
        "minitorch-train": "minitorch.train:main",
        "minitorch-predict": "minitorch.predict:main",
        "minitorch-explain": "minitorch.explain:main",
        "minitorch-parity": "minitorch._cli:run_parity",
    }[program]
    module, _, function = target.partition(":")
    script = f"import sys; from {module} import {function}; sys.exit({function}())"
    return subprocess.Popen(
        [sys.executable, "-c", script, *argv],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        text=True,
        **options,
    )


@pytest.mark.parametrize("bad", SUBPROCESS_CASES)
def test_a_real_process_shows_no_traceback(bad: Case, files):
    argv = [expand(arg, files) for arg in bad.argv]
    process = run_entry_point(bad.program, argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=300)
    assert_one_error_line(
        bad.program, process.returncode, err, bad.status, expand(bad.fragment, files)
    )
    assert out == ""


def test_output_into_a_closed_pipe_ends_quietly():
    """``minitorch-parity --list | head -1``: the reader leaves early; no BrokenPipeError."""
    process = run_entry_point(
        "minitorch-parity", ["--list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()  # before the command has written anything
    err = process.stderr.read()
    assert process.wait(timeout=300) == 1
    assert err == ""
