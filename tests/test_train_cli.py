"""``minitorch-train``: outputs, resume, both backends, the progress bar, and bad input.

Runs are tiny (``--limit-batches``) so the file stays fast; the full default run is
measured by hand, not here. Most runs call ``main`` in this process; one goes through
``python -m minitorch.train`` to check the entry point and the output without a terminal.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from _support import write_fake_cifar

import minitorch
from minitorch import train
from minitorch._progress import ProgressBar, format_duration
from minitorch.models import build_model, digits_cnn, tudui_class
from minitorch.utils.tensorboard import read_events

REPO = Path(__file__).resolve().parents[1]
METRIC_KEYS = {
    "epoch", "train_loss", "test_loss", "test_accuracy", "seconds", "images_per_second", "lr"
}  # fmt: skip
needs_torch_digits = pytest.mark.skipif(
    not hasattr(__import__("torch_backend").vision.datasets, "Digits"),
    reason="torch_backend.vision.datasets.Digits is not available",
)


def run_train(capsys, *args: str) -> tuple[int, str, str]:
    """``main(args)``: exit status, stdout, stderr."""
    try:
        status = train.main(list(args))
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status: int, err: str, *fragments: str) -> None:
    assert status != 0
    assert err.count("\n") == 1 and err.startswith("minitorch-train: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def metrics(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


# ------------------------------------------------------------------ a run and its outputs
@pytest.fixture(scope="module")
def short_run(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("run") / "out"
    stdout = io.StringIO()
    sys_stdout, sys.stdout = sys.stdout, stdout
    try:
        assert train.main(["--epochs", "2", "--limit-batches", "3", "--out", str(out)]) == 0
    finally:
        sys.stdout = sys_stdout
    return out, stdout.getvalue()


def test_run_writes_metrics_config_and_a_summary(short_run):
    out, stdout = short_run
    rows = metrics(out)
    assert [row["epoch"] for row in rows] == [1, 2]
    for row in rows:
        assert set(row) == METRIC_KEYS
        assert 0 <= row["test_accuracy"] <= 1 and row["train_loss"] > 0
        assert row["images_per_second"] > 0 and row["seconds"] > 0
    assert [row["lr"] for row in rows] == pytest.approx([0.1, 0.08])  # decayed x0.8 per epoch
    assert json.loads((out / "config.json").read_text()) == {
        "model": "cnn",
        "dataset": "digits",
        "data_dir": None,
        "download": False,
        "backend": "minitorch",
        "device": "cpu",
        "seed": 0,
        "limit_batches": 3,
        "epochs": 2,
        "batch_size": 32,
        "lr": 0.1,
        "lr_decay": 0.8,
        "momentum": 0.9,
        "weight_decay": 0.0,
    }
    lines = stdout.splitlines()
    assert lines[0].startswith(
        "Training: cnn on digits (1437 train / 360 test images), minitorch on cpu"
    )
    assert lines[1].startswith("epoch 1/2: train loss ") and "test accuracy" in lines[1]
    assert lines[3].startswith("Done: cnn on digits (minitorch, cpu), 2 epochs")


def test_checkpoints_load_into_the_model_on_both_backends(short_run):
    out, _ = short_run
    checkpoint = minitorch.load(out / "last.pt")
    assert checkpoint["epoch"] == 2 and checkpoint["config"]["model"] == "cnn"
    model = digits_cnn(minitorch)
    model.load_state_dict(checkpoint["model"])
    reference = torch.load(out / "last.pt", weights_only=True)["model"]
    torch_model = digits_cnn(torch)
    torch_model.load_state_dict(reference)
    images = np.random.default_rng(0).random((4, 1, 8, 8), dtype=np.float32)
    np.testing.assert_allclose(
        model(minitorch.tensor(images)).detach().numpy(),
        torch_model(torch.tensor(images)).detach().numpy(),
        rtol=1e-5,
        atol=1e-5,
    )
    best = minitorch.load(out / "best.pt")
    best_epoch = max(metrics(out), key=lambda row: row["test_accuracy"])["epoch"]
    assert best["epoch"] == best_epoch


def test_tensorboard_events_and_plot(short_run):
    out, _ = short_run
    (event_file,) = [name for name in os.listdir(out) if name.startswith("events.out.tfevents.")]
    events = read_events(out / event_file)
    scalars = {
        (value["tag"], event["step"]): value["simple_value"]
        for event in events
        for value in event.get("summary", [])
        if "simple_value" in value
    }
    for row in metrics(out):
        assert scalars["test/accuracy", row["epoch"]] == pytest.approx(row["test_accuracy"])
        assert scalars["train/loss", row["epoch"]] == pytest.approx(row["train_loss"])
    assert sum(1 for tag, _ in scalars if tag == "train/batch_loss") == 6  # 3 batches x 2 epochs
    images = [v for e in events for v in e.get("summary", []) if "image" in v]
    assert images[0]["tag"] == "train/first_batch" and images[0]["image"]["width"] == 64
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_gives_the_same_metrics_as_an_uninterrupted_run(capsys, tmp_path):
    common = ["--limit-batches", "4", "--batch-size", "16", "--seed", "3"]
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert run_train(capsys, *common, "--epochs", "3", "--out", str(whole))[0] == 0
    assert run_train(capsys, *common, "--epochs", "1", "--out", str(split))[0] == 0
    assert run_train(capsys, "--epochs", "2", "--resume", "--out", str(split))[0] == 0
    status, out, _ = run_train(capsys, "--epochs", "3", "--resume", "--out", str(split))
    assert status == 0 and out.startswith("Resuming at epoch 3")
    for expected, got in zip(metrics(whole), metrics(split), strict=True):
        for key in ("epoch", "train_loss", "test_loss", "test_accuracy"):
            assert got[key] == pytest.approx(expected[key], rel=1e-6, abs=1e-6), key
    whole_state, split_state = minitorch.load(whole / "last.pt"), minitorch.load(split / "last.pt")
    for key, value in whole_state["model"].items():
        np.testing.assert_allclose(
            split_state["model"][key].numpy(), value.numpy(), rtol=1e-6, atol=1e-7
        )


@needs_torch_digits
def test_resume_on_the_torch_backend(capsys, tmp_path):
    common = ["--backend", "torch", "--limit-batches", "5", "--seed", "1"]
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert run_train(capsys, *common, "--epochs", "2", "--out", str(whole))[0] == 0
    assert run_train(capsys, *common, "--epochs", "1", "--out", str(split))[0] == 0
    assert run_train(capsys, "--epochs", "2", "--resume", "--out", str(split))[0] == 0
    for expected, got in zip(metrics(whole), metrics(split), strict=True):
        for key in ("train_loss", "test_loss", "test_accuracy"):
            assert got[key] == pytest.approx(expected[key], rel=1e-6, abs=1e-6), key


@pytest.mark.parametrize("backend", ["minitorch", pytest.param("torch", marks=needs_torch_digits)])
def test_two_epochs_learn_the_digits(capsys, tmp_path, backend):
    status, _, _ = run_train(
        capsys, "--backend", backend, "--epochs", "2", "--out", str(tmp_path / "o")
    )
    assert status == 0
    assert metrics(tmp_path / "o")[-1]["test_accuracy"] > 0.9


@pytest.mark.parametrize("model", ["tudui", "cnn"])
def test_cifar10_format_from_data_dir(capsys, tmp_path, model):
    write_fake_cifar(tmp_path / "data", per_batch=8)
    status, out, _ = run_train(
        capsys,
        "--model",
        model,
        "--dataset",
        "cifar10",
        "--data-dir",
        str(tmp_path / "data"),
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--limit-batches",
        "2",
        "--out",
        str(tmp_path / "o"),
    )
    assert status == 0, out
    assert out.startswith(f"Training: {model} on cifar10 (40 train / 8 test images)")
    state = minitorch.load(tmp_path / "o" / "last.pt")["model"]
    expected = build_model(minitorch, model, "cifar10").state_dict()
    assert {k: tuple(v.shape) for k, v in state.items()} == {
        k: tuple(v.shape) for k, v in expected.items()
    }


def test_tudui_trains_on_digits_resized_to_rgb_32(capsys, tmp_path):
    status, _, _ = run_train(
        capsys,
        "--model",
        "tudui",
        "--dataset",
        "digits",
        "--epochs",
        "1",
        "--limit-batches",
        "1",
        "--out",
        str(tmp_path / "o"),
    )
    assert status == 0
    state = minitorch.load(tmp_path / "o" / "last.pt")["model"]
    assert tuple(state["model.0.weight"].shape) == (32, 3, 5, 5)


def test_python_dash_m_without_a_terminal_prints_one_line_per_epoch(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "minitorch.train",
            "--epochs",
            "2",
            "--limit-batches",
            "2",
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar without a terminal
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[1:3]] == ["epoch 1/2", "epoch 2/2"]
    assert lines[3].startswith("Done:") and lines[4].startswith("Outputs in")


# ------------------------------------------------------------------ progress bar
class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_loss_speed_and_eta_on_a_terminal():
    stream = FakeTerminal()
    bar = ProgressBar(4, "epoch 1/3", stream=stream, width=8, min_interval=0)
    bar.update(32, 0.5)
    bar.update(32, 0.25)
    text = stream.getvalue().split("\r")[-1]
    assert text.startswith("epoch 1/3 [####....] 2/4 loss 0.2500 ")
    assert " img/s ETA 0:0" in text
    bar.close()
    assert stream.getvalue().endswith("\r")


def test_progress_bar_is_silent_off_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar(2, "epoch", stream=stream)
    bar.update(1, 1.0)
    bar.close()
    assert stream.getvalue() == ""


def test_format_duration():
    assert [format_duration(s) for s in (0, 75.4, 3725)] == ["0:00", "1:15", "1:02:05"]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--model", "resnet"], "argument --model: invalid choice: 'resnet'"),
        (["--dataset", "mnist"], "argument --dataset: invalid choice: 'mnist'"),
        (["--epochs", "0"], "argument --epochs: expected a positive integer"),
    ],
)
def test_unknown_names_and_bad_numbers(capsys, args, fragment):
    status, _, err = run_train(capsys, *args)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("minitorch-train: error: ") and fragment in err


def test_cifar10_without_its_files(capsys, tmp_path):
    status, _, err = run_train(capsys, "--dataset", "cifar10", "--out", str(tmp_path / "a"))
    assert_one_line_error(
        status, err, "needs its files", "https://www.cs.toronto.edu/~kriz/cifar.html", "--data-dir"
    )
    status, _, err = run_train(
        capsys,
        "--dataset",
        "cifar10",
        "--data-dir",
        str(tmp_path / "nowhere"),
        "--out",
        str(tmp_path / "b"),
    )
    assert_one_line_error(
        status, err, f"CIFAR-10 not found in {tmp_path / 'nowhere'}", "cifar-10-batches-py"
    )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_cuda_on_minitorch(capsys, tmp_path):
    status, _, err = run_train(capsys, "--device", "cuda", "--out", str(tmp_path / "o"))
    assert_one_line_error(status, err, "--device cuda", "CPU only", "--backend torch")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_on_torch_without_a_gpu(capsys, tmp_path):
    status, _, err = run_train(
        capsys, "--backend", "torch", "--device", "cuda", "--out", str(tmp_path / "o")
    )
    assert_one_line_error(status, err, "--device cuda", "no cuda device is available")


def test_minitorch_under_a_distributed_launch(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    status, _, err = run_train(capsys, "--out", str(tmp_path / "o"))
    assert_one_line_error(status, err, "single process", "--backend torch")


def test_a_finished_run_is_never_overwritten(capsys, short_run):
    out, _ = short_run
    before = (out / "last.pt").read_bytes()
    status, _, err = run_train(capsys, "--epochs", "1", "--out", str(out))
    assert_one_line_error(status, err, "already holds a run", "--resume")
    status, _, err = run_train(capsys, "--epochs", "2", "--resume", "--out", str(out))
    assert_one_line_error(status, err, "already run 2 epoch(s)", "--epochs")
    status, _, err = run_train(
        capsys, "--epochs", "3", "--lr", "0.5", "--resume", "--out", str(out)
    )
    assert_one_line_error(status, err, "--lr 0.5 differs from the run's 0.1")
    assert (out / "last.pt").read_bytes() == before


def test_resume_from_a_corrupt_checkpoint(capsys, tmp_path):
    out = tmp_path / "o"
    assert run_train(capsys, "--epochs", "1", "--limit-batches", "1", "--out", str(out))[0] == 0
    (out / "last.pt").write_bytes(b"PK\x03\x04 this is not a checkpoint")
    status, _, err = run_train(capsys, "--epochs", "2", "--resume", "--out", str(out))
    assert_one_line_error(status, err, f"cannot read checkpoint {out / 'last.pt'}")
    assert (out / "last.pt").read_bytes() == b"PK\x03\x04 this is not a checkpoint"


def test_resume_from_a_checkpoint_of_another_model(capsys, tmp_path):
    out = tmp_path / "o"
    assert run_train(capsys, "--epochs", "1", "--limit-batches", "1", "--out", str(out))[0] == 0
    checkpoint = minitorch.load(out / "last.pt")
    checkpoint["model"] = tudui_class(minitorch)().state_dict()
    minitorch.save(checkpoint, out / "last.pt")
    before = (out / "last.pt").read_bytes()
    status, _, err = run_train(capsys, "--epochs", "2", "--resume", "--out", str(out))
    assert_one_line_error(
        status,
        err,
        "does not fit model 'cnn'",
        "missing keys: 0.weight, 0.bias",
        "unexpected keys: model.0.weight",
    )
    assert (out / "last.pt").read_bytes() == before


def test_resume_needs_a_run(capsys, tmp_path):
    status, _, err = run_train(capsys, "--resume")
    assert_one_line_error(status, err, "--resume needs --out DIR")
    status, _, err = run_train(capsys, "--resume", "--out", str(tmp_path))
    assert_one_line_error(status, err, "cannot read", "config.json")
