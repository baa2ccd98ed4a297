"""The benchmark harness: ``python -m benchmarks --quick`` runs end to end and writes what it
promises (table, JSON, PNG). Nothing here asserts a time; only the output's structure."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
import torch

from benchmarks import harness
from benchmarks.__main__ import COLD_START, select_rows
from benchmarks.rows import Backend, Workload, all_rows, tutorial_model, tutorial_weights

ROOT = Path(__file__).resolve().parents[1]
QUICK_ROWS = [row.name for row in all_rows() if row.in_quick]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One quick run of the real entry point, in a process of its own (threads stay set there)."""
    out = tmp_path_factory.mktemp("benchmark-results")
    command = [sys.executable, "-m", "benchmarks", "--quick", "--device", "cuda", "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout, out


@pytest.fixture(scope="module")
def quick_json(quick_run: tuple[str, Path]) -> dict:
    return json.loads((quick_run[1] / "results.json").read_text())


def test_quick_run_prints_a_table_with_every_quick_row(quick_run: tuple[str, Path]) -> None:
    stdout, out = quick_run
    header = next(line for line in stdout.splitlines() if line.startswith("row "))
    assert "minitorch ms" in header and "torch ms" in header and "ratio" in header
    ratio_end = header.index("ratio") + len("ratio")  # numbers are right-aligned
    for name in QUICK_ROWS:
        line = next(line for line in stdout.splitlines() if line.startswith(name + " "))
        assert float(line[:ratio_end].split()[-1]) > 0
    assert "cold start, import minitorch -> first finished training step" in stdout
    assert "BLAS:" in stdout
    assert (out / "table.txt").read_text().strip() in stdout


def test_quick_run_cuda_column_or_clean_skip(quick_run: tuple[str, Path], quick_json: dict) -> None:
    names = [backend["name"] for backend in quick_json["backends"]]
    if torch.cuda.is_available():
        assert names == ["minitorch", "torch", "torch_cuda"]
    else:
        assert names == ["minitorch", "torch"]
        assert "--device cuda: PyTorch sees no CUDA device" in quick_run[0]


def test_quick_json_holds_every_repetition_and_the_machine(quick_json: dict) -> None:
    assert quick_json["candidate"] == "minitorch" and quick_json["reference"] == "torch"
    assert quick_json["settings"]["quick"] is True
    assert [row["name"] for row in quick_json["rows"]] == QUICK_ROWS
    repeat = quick_json["settings"]["repeat"]
    for row in quick_json["rows"]:
        assert set(row) >= {"shape", "params", "results", "ratio", "relative_difference"}
        for backend in quick_json["backends"]:
            result = row["results"][backend["name"]]
            assert len(result["blocks_ms"]) == repeat
            assert all(len(block) == result["calls_per_block"] for block in result["blocks_ms"])
            assert result["median_ms"] > 0 and result["first_call_ms"] > 0

    machine = quick_json["machine"]
    assert machine["cpu"]["model"] and machine["logical_cores"] >= 1
    for package in ("numpy", "numba", "torch"):
        assert machine["versions"][package]
    threads = quick_json["threads"]
    assert threads["torch_num_threads"] == threads["numba_num_threads"] == threads["requested"]
    assert "ATen parallel backend" in threads["torch_parallel_info"]
    blas = [pool for pool in threads["thread_pools"] if pool["user_api"] == "blas"]
    assert {"numpy", "scipy"} <= {pool["owner"] for pool in blas}
    assert all(pool["num_threads"] == threads["requested"] for pool in blas)

    cold = quick_json["cold_start"]
    for run in [cold["no_cache"], *cold["cached"]]:
        assert run["total_s"] >= run["import_s"] > 0 and math.isfinite(run["loss"])


def test_quick_run_feeds_both_backends_the_same_inputs_and_weights(quick_json: dict) -> None:
    # Outputs of the first call agree to float32 rounding only if inputs and weights match.
    for row in quick_json["rows"]:
        assert row["relative_difference"]["minitorch"] < 1e-3, row["name"]


def test_quick_run_writes_a_png(quick_run: tuple[str, Path]) -> None:
    assert (quick_run[1] / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rows_are_chosen_by_name_or_glob() -> None:
    rows = all_rows()
    chosen, cold = select_rows(rows, "conv1*,train_step", quick=False)
    assert [row.name for row in chosen] == ["conv1_fwd", "conv1_fwd_bwd", "train_step"]
    assert not cold
    assert select_rows(rows, COLD_START, quick=False) == ([], True)
    assert [row.name for row in select_rows(rows, None, quick=True)[0]] == QUICK_ROWS
    with pytest.raises(SystemExit, match="no row matches nonsense"):
        select_rows(rows, "conv1_fwd,nonsense", quick=False)


def test_full_rows_cover_the_issue() -> None:
    names = {row.name for row in all_rows()}
    for conv in ("conv1", "conv2", "conv3"):
        assert {f"{conv}_fwd", f"{conv}_fwd_bwd"} <= names
    assert {"max_pool_fwd_bwd", "linear_fwd_bwd", "cross_entropy_fwd_bwd"} <= names
    assert {"train_step", "inference", "train_step_b16", "train_step_b256"} <= names
    assert {"train_step_img16", "train_step_img64"} <= names


@pytest.mark.parametrize("image_size", [8, 32, 64])
def test_shared_weights_fit_the_tutorial_model(image_size: int) -> None:
    model = tutorial_model(torch, image_size)
    shapes = {name: tuple(t.shape) for name, t in model.state_dict().items()}
    weights = tutorial_weights(image_size)
    assert {name: a.shape for name, a in weights.items()} == shapes
    if image_size == 32:
        assert sum(a.size for a in weights.values()) == 145_578
    for name, array in weights.items():
        fan_in = math.prod(shapes[name.rsplit(".", 1)[0] + ".weight"][1:])
        assert np.abs(array).max() <= 1 / math.sqrt(fan_in)


def test_pinned_threads_sets_every_pool_and_restores_it() -> None:
    before = (torch.get_num_threads(), numba.get_num_threads())
    with harness.pinned_threads(1):
        assert torch.get_num_threads() == numba.get_num_threads() == 1
        blas = [pool for pool in harness.thread_pools() if pool["user_api"] == "blas"]
        assert blas and all(pool["num_threads"] == 1 for pool in blas)
    assert (torch.get_num_threads(), numba.get_num_threads()) == before


def test_more_threads_than_numbas_pool_is_refused() -> None:
    with (
        pytest.raises(ValueError, match="NUMBA_NUM_THREADS"),
        harness.pinned_threads(numba.config.NUMBA_NUM_THREADS + 1),
    ):
        pass


def test_relative_difference() -> None:
    a, b = [np.array([1.0, 2.0])], [np.array([1.0, 4.0])]
    assert harness.relative_difference(a, b) == 0.5
    assert harness.relative_difference(a, a) == 0.0
    assert harness.relative_difference([np.zeros(3)], [np.zeros(2)]) == math.inf


def test_time_workload_alternates_blocks_and_reports_first_calls() -> None:
    calls: list[str] = []

    def prepare(backend: Backend):
        return lambda: calls.append(backend.name) or torch.zeros(2)

    workload = Workload("(2,)", {}, prepare)
    backends = [Backend("a", torch), Backend("b", torch)]
    plan = harness.TimingPlan(repeat=2, block_s=0.0, max_calls_per_block=1)
    timings, differences = harness.time_workload(workload, backends, plan, reference="b")
    # First and calibration calls, then per repetition an untimed call and one timed call per
    # block, the order of the blocks reversed in the second repetition.
    assert calls == ["a", "a", "b", "b"] + ["a", "a", "b", "b"] + ["b", "b", "a", "a"]
    assert differences == {"a": 0.0}
    assert [len(t.blocks) for t in timings.values()] == [2, 2]
