"""The benchmark harness: ``python -m benchmarks`` runs end to end on tiny rows and writes what
it promises (table, JSON, PNG); the statistics, the flags, the calibration, row names, user
rows and peak memory. Nothing here asserts a time: flags are fed synthetic samples."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
import torch

from benchmarks import harness, report, user_rows
from benchmarks.__main__ import COLD_START, FLAGGED_EXIT, main, select_rows, thread_counts
from benchmarks.rows import (
    Backend,
    Workload,
    all_rows,
    name_mismatches,
    tutorial_model,
    tutorial_weights,
)

ROOT = Path(__file__).resolve().parents[1]
TINY_MODEL = "benchmarks.example_model:tiny_mlp"
TINY_ROWS = ["cross_entropy_fwd_bwd", "tiny_mlp_train_step", "tiny_mlp_inference"]


@pytest.fixture(autouse=True)
def _no_registered_rows_leak() -> None:
    """A test that registers rows takes them back: the registry is the process's."""
    before = list(user_rows._registered)
    yield
    user_rows._registered[:] = before


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One run of the real entry point on tiny rows, at 1 and 2 threads, in its own process."""
    out = tmp_path_factory.mktemp("benchmark-results")
    command = [
        sys.executable, "-m", "benchmarks", "--quick", "--repeat", "1", "--threads", "1,2",
        "--device", "cuda", "--model", TINY_MODEL, "--rows", "cross_entropy_fwd_bwd,tiny_mlp*",
        "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout, out


@pytest.fixture(scope="module")
def tiny_json(tiny_run: tuple[str, Path]) -> dict:
    return json.loads((tiny_run[1] / "results.json").read_text())


# --------------------------------------------------------------------------- end to end


def test_tiny_run_prints_n_min_median_iqr_and_flags(tiny_run: tuple[str, Path]) -> None:
    stdout, out = tiny_run
    lines = stdout.splitlines()
    header = next(line for line in lines if line.startswith("row "))
    assert header.split()[:11] == ["row", "thr", "shape", *["n", "min", "median", "IQR"] * 2]
    assert "ratio" in header and header.rstrip().endswith("flags")
    assert " minitorch (ms) " in stdout and " torch (ms) " in stdout
    for name in TINY_ROWS:
        assert [line.split()[1] for line in lines if line.startswith(name + " ")] == ["1", "2"]
    assert "flags: spread:<side> = IQR/median above 0.25" in stdout
    assert "BLAS:" in stdout
    assert (out / "table.txt").read_text().strip() in stdout


def test_tiny_run_cuda_column_or_clean_skip(tiny_run: tuple[str, Path], tiny_json: dict) -> None:
    names = [backend["name"] for backend in tiny_json["backends"]]
    if torch.cuda.is_available():
        assert names == ["minitorch", "torch", "torch_cuda"]
    else:
        assert names == ["minitorch", "torch"]
        assert "--device cuda: PyTorch sees no CUDA device" in tiny_run[0]


def test_tiny_json_holds_every_sample_its_statistics_and_the_machine(tiny_json: dict) -> None:
    assert tiny_json["candidate"] == "minitorch" and tiny_json["reference"] == "torch"
    assert tiny_json["settings"]["quick"] is True and tiny_json["settings"]["threads"] == [1, 2]
    assert [(row["name"], row["threads"]) for row in tiny_json["rows"]] == [
        (name, t) for name in TINY_ROWS for t in (1, 2)
    ]
    for row in tiny_json["rows"]:
        assert set(row) >= {"shape", "params", "ratio", "ratio_range", "flags", "drift"}
        assert row["shape"] == ("(4,10) mean" if row["name"].startswith("cross") else "input (2,8)")
        for backend in tiny_json["backends"]:
            result = row["results"][backend["name"]]
            assert len(result["blocks_ms"]) == 1
            samples = [t for block in result["blocks_ms"] for t in block]
            assert result["n"] == len(samples) == result["calls_per_block"]
            assert result["min_ms"] == min(samples)
            assert result["median_ms"] == pytest.approx(float(np.median(samples)))
            q1, q3 = np.percentile(samples, [25, 75])
            assert result["iqr_ms"] == pytest.approx(q3 - q1)
        # flags are exactly what the flagging rule says of the recorded numbers
        summaries = {
            name: harness.summarize([t for b in result["blocks_ms"] for t in b])
            for name, result in row["results"].items()
        }
        expected = harness.row_flags(
            summaries, row["load_1min"], row["drift"], tiny_json["thresholds"]["cores"]
        )
        assert row["flags"] == expected
    flagged = [f"{r['name']}@{r['threads']}" for r in tiny_json["rows"] if r["flags"]]
    assert tiny_json["flagged"] == flagged

    machine = tiny_json["machine"]
    assert machine["cpu"]["model"] and machine["logical_cores"] >= 1
    assert machine["probe_ms_start"] > 0 and machine["probe_ms_end"] > 0
    for package in ("numpy", "numba", "torch"):
        assert machine["versions"][package]
    threads = tiny_json["threads"]
    assert threads["torch_num_threads"] == threads["numba_num_threads"] == threads["requested"]
    assert "ATen parallel backend" in threads["torch_parallel_info"]
    blas = [pool for pool in threads["thread_pools"] if pool["user_api"] == "blas"]
    assert {"numpy", "scipy"} <= {pool["owner"] for pool in blas}
    assert tiny_json["cold_start"] is None


def test_tiny_run_feeds_both_backends_the_same_inputs_and_weights(tiny_json: dict) -> None:
    # Outputs of the first call agree to float32 rounding only if inputs and weights match,
    # the user model's weights included (drawn by minitorch's model, loaded into torch's).
    for row in tiny_json["rows"]:
        assert row["relative_difference"]["minitorch"] < 1e-5, row["name"]


def test_tiny_run_writes_a_png(tiny_run: tuple[str, Path]) -> None:
    assert (tiny_run[1] / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_strict_exits_non_zero_when_a_row_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--quick", "--repeat", "1", "--threads", "1", "--model", TINY_MODEL]
    argv += ["--rows", "tiny_mlp_inference", "--out", str(tmp_path), "--strict"]
    monkeypatch.setattr(harness, "SPREAD_LIMIT", -1.0)  # every side's spread is above it
    assert main(argv) == FLAGGED_EXIT
    out = capsys.readouterr().out
    assert "WARNING: 1 of 1 row timings flagged" in out
    assert "spread:minitorch,spread:torch" in out
    flagged = json.loads((tmp_path / "results.json").read_text())
    assert flagged["flagged"] == ["tiny_mlp_inference@1"]
    assert main([a for a in argv if a != "--strict"]) == 0


# --------------------------------------------------------------------------- statistics


def test_summary_is_n_min_median_and_quartiles() -> None:
    summary = harness.summarize([5.0, 1.0, 3.0, 2.0, 100.0])
    assert (summary.n, summary.min_ms, summary.median_ms) == (5, 1.0, 3.0)
    assert (summary.q1_ms, summary.q3_ms, summary.iqr_ms) == (2.0, 5.0, 3.0)
    assert summary.spread == 1.0
    single = harness.summarize([4.0])
    assert (single.n, single.min_ms, single.median_ms, single.iqr_ms) == (1, 4.0, 4.0, 0.0)
    # linear percentiles between samples: 25th of 1..4 is 1.75
    assert harness.summarize([1.0, 2.0, 3.0, 4.0]).q1_ms == 1.75
    with pytest.raises(ValueError, match="at least one sample"):
        harness.summarize([])


def test_flags_come_from_spread_load_and_drift() -> None:
    quiet = harness.summarize([1.0, 1.01, 1.02, 0.99, 1.0])
    # the issue's cross-entropy row: PyTorch from 0.12 ms to a 56 ms median
    spinning = harness.summarize([0.12, 0.2, 40.0, 56.0, 60.0, 70.0, 80.0])
    assert spinning.spread > harness.SPREAD_LIMIT
    assert harness.row_flags({"a": quiet, "b": quiet}, [0.5, 0.7], 0.01, cores=2) == []
    assert harness.row_flags({"a": quiet, "b": spinning}, [0.5, 0.7], 0.01, cores=2) == ["spread:b"]
    assert harness.row_flags({"a": quiet}, [1.5, 2.5], 0.0, cores=2) == ["load"]
    assert harness.row_flags({"a": quiet}, [None, None], 0.0, cores=2) == []
    assert harness.row_flags({"a": quiet}, [2.5, 2.5], 0.0, cores=4) == []
    assert harness.row_flags({"a": spinning}, [9.0, 9.0], 0.5, cores=2) == [
        "spread:a",
        "load",
        "drift",
    ]
    # a spread just at the limit is not flagged; just above it is
    at_limit = harness.summarize([0.75, 1.0, 1.25])
    assert at_limit.spread == harness.SPREAD_LIMIT == 0.25
    assert harness.row_flags({"a": at_limit}, [0.0], 0.0, cores=1) == []
    above = harness.summarize([0.7, 1.0, 1.3])
    assert harness.row_flags({"a": above}, [0.0], 0.0, cores=1) == ["spread:a"]


def test_drift_is_the_probes_largest_change() -> None:
    assert harness.drift(3.0, 3.0, 3.0) == 0.0
    assert harness.drift(3.0, 4.5, 3.0) == pytest.approx(0.5)
    assert harness.drift(4.0, 4.0, 2.0) == pytest.approx(1.0)  # slower than the run's start
    assert harness.drift(2.0, 2.0, 4.0) == pytest.approx(1.0)  # or faster
    assert harness.probe_ms(repeats=1) > 0


def test_calls_per_block_keep_sample_counts_comparable() -> None:
    plan = harness.TimingPlan(repeat=5, block_s=0.25, max_calls_per_block=200)
    # the issue's case: one side 0.1 ms a call, the other 50 ms: 200 against 5 before
    counts = harness.calls_per_block({"minitorch": 0.1, "torch": 50.0}, plan)
    assert counts == {"minitorch": 5 * harness.MAX_SAMPLE_RATIO, "torch": 5}
    assert harness.calls_per_block({"a": 1.0, "b": 2.0}, plan) == {"a": 200, "b": 125}
    assert harness.calls_per_block({"a": 1e-6, "b": 1e-6}, plan) == {"a": 200, "b": 200}
    assert harness.calls_per_block({"a": 5000.0, "b": 1.0}, plan) == {"a": 1, "b": 2}


def test_calibration_times_several_calls_unless_one_fills_a_block() -> None:
    backend = Backend("a", torch)
    plan = harness.TimingPlan(repeat=1, block_s=1e-9, max_calls_per_block=200)
    assert len(harness.calibration_samples(lambda: None, backend, plan)) == 1
    plan = harness.TimingPlan(repeat=1, block_s=3600.0, max_calls_per_block=7)
    assert len(harness.calibration_samples(lambda: None, backend, plan)) == 7


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
    assert [t.summary.n for t in timings.values()] == [2, 2]


# --------------------------------------------------------------------------- rows


def test_row_names_match_their_shapes_in_quick_and_full_mode() -> None:
    for row in all_rows():
        for quick in (True, False):
            assert name_mismatches(row.name, row.build(quick).params) == [], (row.name, quick)
    assert name_mismatches("train_step_b256", {"batch": 16, "image": 8}) == [
        "train_step_b256 says batch 256, the workload has 16"
    ]
    assert name_mismatches("train_step_img64", {"batch": 4, "image": 64}) == []
    assert name_mismatches("loader_epoch_w2_persistent", {"workers": 0}) != []
    assert name_mismatches("resnet_b16_train_step", {}) == []  # a user row states no batch


def test_rows_are_chosen_by_name_glob_or_old_name() -> None:
    rows = all_rows()
    chosen, cold = select_rows(rows, "conv1*,train_step", quick=False)
    assert [row.name for row in chosen] == ["conv1_fwd", "conv1_fwd_bwd", "train_step_b64"]
    assert not cold
    assert select_rows(rows, COLD_START, quick=False) == ([], True)
    quick = [row.name for row in select_rows(rows, None, quick=True)[0]]
    assert {"train_step_b1", "train_step_b16", "inference_b1", "train_step_img16"} <= set(quick)
    with pytest.raises(SystemExit, match="no row matches nonsense"):
        select_rows(rows, "conv1_fwd,nonsense", quick=False)


def test_full_rows_cover_the_issue() -> None:
    names = {row.name for row in all_rows()}
    for conv in ("conv1", "conv2", "conv3"):
        assert {f"{conv}_fwd", f"{conv}_fwd_bwd"} <= names
    assert {"max_pool_fwd_bwd", "linear_fwd_bwd", "cross_entropy_fwd_bwd"} <= names
    for batch in (1, 16, 64, 256):
        assert {f"train_step_b{batch}", f"inference_b{batch}"} <= names
    assert {"train_step_img16", "train_step_img64", "vgg16_fwd_b1", "conv_large_fwd"} <= names


def test_thread_counts_parse_a_list() -> None:
    assert thread_counts("1,2") == [1, 2]
    assert thread_counts("4") == [4]
    for bad in ("0", "1,1", "a", ""):
        with pytest.raises(Exception, match="counts like 1,2"):
            thread_counts(bad)


def test_register_model_adds_rows_and_refuses_a_second_of_one_name() -> None:
    from benchmarks.example_model import tiny_mlp

    rows = user_rows.register_model("tiny_again", tiny_mlp)
    assert [row.name for row in rows] == ["tiny_again_train_step", "tiny_again_inference"]
    assert {"tiny_again_train_step", "tiny_again_inference"} <= {r.name for r in all_rows()}
    with pytest.raises(ValueError, match="already registered"):
        user_rows.register_model("tiny_again", tiny_mlp)
    with pytest.raises(ValueError, match="package.module:factory"):
        user_rows.load_factory("benchmarks.example_model")
    with pytest.raises(ValueError, match="no function 'nothing'"):
        user_rows.load_factory("benchmarks.example_model:nothing")


def test_a_bad_model_spec_is_a_command_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--model", "benchmarks.example_model:nothing", "--list-rows"])
    assert exit_info.value.code == 2
    assert "no function 'nothing'" in capsys.readouterr().err


def test_more_threads_than_numbas_pool_is_a_command_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--threads", f"1,{numba.config.NUMBA_NUM_THREADS + 1}", "--list-rows"])
    assert exit_info.value.code == 2
    assert "NUMBA_NUM_THREADS" in capsys.readouterr().err


def test_list_rows_shows_rows_from_a_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--model", TINY_MODEL, "--list-rows"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert {"tiny_mlp_train_step", "tiny_mlp_inference", "train_step_b256", COLD_START} <= set(
        listed
    )


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


# --------------------------------------------------------------------------- memory, plot


def test_peak_memory_measures_both_sides_the_same_way() -> None:
    found = {
        library: harness.peak_memory(library, "tiny_mlp_inference", True, 1, (), (TINY_MODEL,))
        for library in ("minitorch", "torch")
    }
    assert found["minitorch"]["method"] == found["torch"]["method"]
    for memory in found.values():
        assert memory["peak_mb"] >= 0 and memory["baseline_mb"] > 0
    assert "error" in harness.peak_memory("minitorch", "no_such_row", True, 1)


def _synthetic_row(name: str, threads: int, params: dict, flags: list[str]) -> dict:
    result = {"median_ms": 2.0, "q1_ms": 1.5, "q3_ms": 2.5}
    return {
        "name": name,
        "threads": threads,
        "params": params,
        "ratio": 0.8,
        "ratio_range": [0.6, 1.2],
        "flags": flags,
        "results": {"minitorch": result, "torch": result},
    }


def test_plot_has_no_empty_panels_and_warns_when_flagged(tmp_path: Path) -> None:
    ops = [_synthetic_row("conv1_fwd", t, {"batch": 4}, []) for t in (1, 2)]
    assert report.curve_panels(ops) == []
    sweep = [
        _synthetic_row(f"train_step_b{b}", t, {"batch": b, "image": 32}, ["load"] * (b == 16))
        for b in (1, 16)
        for t in (1, 2)
    ]
    assert [panel[2] for panel in report.curve_panels(ops + sweep)] == [
        "training step vs batch (32x32)"
    ]
    synthetic = {
        "rows": ops + sweep,
        "candidate": "minitorch",
        "reference": "torch",
        "settings": {"threads": [1, 2]},
        "backends": [{"name": "minitorch"}, {"name": "torch"}],
        "flagged": ["train_step_b16@1", "train_step_b16@2"],
        "machine": {"load_average_start": [3.0, 2, 1], "load_average_end": [4.0, 2, 1]},
        "thresholds": {"cores": 2},
    }
    assert report.load_warning(synthetic).startswith("WARNING: 2 of 6 row timings flagged")
    assert "load average 3.00 -> 4.00" in report.load_warning(synthetic)
    assert report.plot(synthetic, tmp_path).read_bytes()[:4] == b"\x89PNG"
    assert report.load_warning({**synthetic, "flagged": []}) == ""


# --------------------------------------------------------------------------- threads


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
