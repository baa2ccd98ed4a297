"""``python -m benchmarks``: minitorch against PyTorch, one process, same inputs and weights."""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import sys
from pathlib import Path
from typing import Any

from benchmarks import harness, report
from benchmarks.rows import ALIASES, HEADLINE_ROW, Row, all_rows, name_mismatches
from benchmarks.user_rows import load_models

REFERENCE = "torch"
COLD_START = "cold_start"
DEFAULT_THREADS = (1, 2)
FLAGGED_EXIT = 3  # --strict and a row flagged (1 is a crash, 2 a bad command line)


def thread_counts(text: str) -> list[int]:
    """``'1,2'`` -> [1, 2]: each a positive count, none twice."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants counts like 1,2, got {text!r}") from None
    if not counts or min(counts) < 1 or len(set(counts)) != len(counts):
        raise argparse.ArgumentTypeError(f"wants distinct positive counts like 1,2, got {text!r}")
    return counts


def default_thread_counts() -> list[int]:
    """1 and 2 threads, as many of them as the cores available allow."""
    return [n for n in DEFAULT_THREADS if n <= harness.default_threads()] or [1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time minitorch against PyTorch on the tutorial model, its ops and your "
        "own rows; print n, min, median and IQR per side, the median ratio, peak memory and "
        "flags for untrustworthy rows, and write results.json, results.png and table.txt. "
        "See docs/benchmarks.md.",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmark-results"), help="output directory"
    )
    parser.add_argument(
        "--rows",
        default=None,
        help="comma-separated row names or glob patterns (e.g. 'conv*,train_step_b*'); "
        f"'{COLD_START}' names the cold-start measurement; default: all (--quick: a subset)",
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed blocks per backend (default 5, quick 2)"
    )
    parser.add_argument(
        "--threads",
        type=thread_counts,
        default=None,
        help="thread counts to time every row at, comma-separated (default: 1,2, as far as "
        "the cores available go); each count is given to every pool",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny shapes, few repetitions, a subset of rows"
    )
    parser.add_argument(
        "--memory",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="peak memory of each row and backend, each in a fresh process "
        "(default: on, off with --quick)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help=f"exit with status {FLAGGED_EXIT} when any row is flagged (spread, load, drift)",
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="MODULE:FACTORY",
        help="add rows for your own model: FACTORY(lib) returns (model, input_shape); "
        "rows FACTORY_train_step and FACTORY_inference (may be given more than once)",
    )
    parser.add_argument(
        "--rows-from",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE and add its benchmark_rows() and register_row() rows",
    )
    parser.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default="cpu",
        help="cuda adds a column of PyTorch on the GPU, where one exists",
    )
    parser.add_argument(
        "--backend",
        default="minitorch",
        help="the library timed against PyTorch (any module serving PyTorch's API)",
    )
    parser.add_argument("--list-rows", action="store_true", help="print the rows and exit")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    pool = harness.numba.config.NUMBA_NUM_THREADS
    if args.threads and max(args.threads) > pool:
        parser.error(
            f"--threads {max(args.threads)} is more than Numba's pool holds "
            f"(NUMBA_NUM_THREADS={pool}); set NUMBA_NUM_THREADS first"
        )
    try:
        load_models(args.model)
        args.all_rows = all_rows(tuple(args.rows_from))
    except (ImportError, ValueError) as error:
        parser.error(str(error))
    return args


def select_rows(rows: list[Row], patterns: str | None, quick: bool) -> tuple[list[Row], bool]:
    """The rows the patterns name (or the default set), and whether cold start is wanted.

    The old names of the headline rows (``train_step``, ``inference``) still select them.
    """
    if patterns is None:
        chosen = [row for row in rows if row.in_quick] if quick else rows
        return chosen, True
    wanted = [ALIASES.get(p.strip(), p.strip()) for p in patterns.split(",") if p.strip()]
    names = [row.name for row in rows] + [COLD_START]
    unknown = [p for p in wanted if not fnmatch.filter(names, p)]
    if unknown:
        raise SystemExit(
            f"--rows: no row matches {', '.join(unknown)}; rows are: {', '.join(names)}"
        )
    chosen = [row for row in rows if any(fnmatch.fnmatch(row.name, p) for p in wanted)]
    return chosen, any(fnmatch.fnmatch(COLD_START, p) for p in wanted)


def resolve_backends(args: argparse.Namespace) -> list[harness.Backend]:
    # Timing PyTorch against itself (a check of the harness) needs two distinct labels.
    label = f"{REFERENCE}_self" if args.backend == REFERENCE else args.backend
    backends = [harness.load_backend(args.backend, label), harness.load_backend(REFERENCE)]
    if args.device == "cuda":
        if harness.cuda_available():
            backends.append(harness.Backend(f"{REFERENCE}_cuda", backends[1].lib, "cuda"))
        else:
            print(
                "--device cuda: PyTorch sees no CUDA device (torch.cuda.is_available() is False);"
                " the CUDA column is skipped.",
                flush=True,
            )
    return backends


def time_row(
    row: Row,
    threads: int,
    backends: list[harness.Backend],
    plan: harness.TimingPlan,
    quick: bool,
    baseline_probe_ms: float,
) -> dict[str, Any]:
    """One row at one thread count: timings, load and probe around them, and its flags."""
    candidate = backends[0].name
    workload = row.build(quick)
    mismatches = name_mismatches(row.name, workload.params)
    if mismatches:
        raise ValueError("; ".join(mismatches))
    load_start, probe_before = harness.load_average(), harness.probe_ms()
    timings, differences = harness.time_workload(workload, backends, plan, REFERENCE)
    load_end, probe_after = harness.load_average(), harness.probe_ms()
    summaries = {name: timing.summary for name, timing in timings.items()}
    cand, ref = summaries[candidate], summaries[REFERENCE]
    drift = harness.drift(probe_before, probe_after, baseline_probe_ms)
    load_1min = [None if load is None else load[0] for load in (load_start, load_end)]
    return {
        "name": row.name,
        "threads": threads,
        "group": row.group,
        "title": row.title,
        "shape": workload.shape,
        "params": workload.params,
        "notes": row.notes,
        "results": {name: timing.as_dict() for name, timing in timings.items()},
        "ratio": cand.median_ms / ref.median_ms,
        # the ratio of the quartiles that make it largest and smallest
        "ratio_range": [cand.q1_ms / ref.q3_ms, cand.q3_ms / ref.q1_ms],
        "relative_difference": differences,
        "load_1min": load_1min,
        "probe_ms": [probe_before, probe_after],
        "drift": drift,
        "flags": harness.row_flags(summaries, load_1min, drift, harness.default_threads()),
    }


def run_rows(
    rows: list[Row],
    backends: list[harness.Backend],
    plan: harness.TimingPlan,
    quick: bool,
    thread_list: list[int],
    baseline_probe_ms: float,
) -> list[dict[str, Any]]:
    """Every row at every thread count, in table order (a row's thread counts together)."""
    by_threads: dict[int, list[dict[str, Any]]] = {}
    for threads in thread_list:
        with harness.pinned_threads(threads):
            by_threads[threads] = []
            for index, row in enumerate(rows, start=1):
                print(
                    f"[{threads} thr {index}/{len(rows)}] {row.name}", file=sys.stderr, flush=True
                )
                by_threads[threads].append(
                    time_row(row, threads, backends, plan, quick, baseline_probe_ms)
                )
    return [by_threads[t][i] for i in range(len(rows)) for t in thread_list]


def measure_memory(
    results: list[dict[str, Any]],
    backends: list[harness.Backend],
    args: argparse.Namespace,
    threads: int,
) -> None:
    """Each row's peak memory per CPU backend, once per row (at the largest thread count)."""
    done: dict[str, dict[str, Any]] = {}
    for row in results:
        if row["name"] not in done:
            print(f"[memory] {row['name']}", file=sys.stderr, flush=True)
            done[row["name"]] = {
                b.name: harness.peak_memory(
                    b.lib.__name__,
                    row["name"],
                    args.quick,
                    threads,
                    tuple(args.rows_from),
                    tuple(args.model),
                )
                for b in backends
                if b.device == "cpu"
            }
        for name, memory in done[row["name"]].items():
            row["results"][name]["memory"] = memory


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = args.all_rows
    if args.list_rows:
        for row in rows:
            print(f"{row.name:24} {row.group:8} {row.title}{' (quick)' if row.in_quick else ''}")
        print(
            f"{COLD_START:24} {'process':8} import -> first training step, "
            "with and without the Numba cache"
        )
        return 0
    chosen, want_cold_start = select_rows(rows, args.rows, args.quick)
    thread_list = args.threads or default_thread_counts()
    repeat = args.repeat or (2 if args.quick else 5)
    memory = args.memory if args.memory is not None else not args.quick
    plan = (
        harness.TimingPlan(repeat, block_s=0.02, max_calls_per_block=5)
        if args.quick
        else harness.TimingPlan(repeat, block_s=0.25, max_calls_per_block=200)
    )
    backends = resolve_backends(args)
    args.out.mkdir(parents=True, exist_ok=True)
    load_at_start = harness.load_average()
    probe_at_start = harness.probe_ms()

    results = run_rows(chosen, backends, plan, args.quick, thread_list, probe_at_start)
    with harness.pinned_threads(thread_list[-1]):
        thread_report = harness.describe_threads(thread_list[-1])
    probe_at_end = harness.probe_ms()
    if memory:
        measure_memory(results, backends, args, max(thread_list))
    cold = None
    if want_cold_start:
        print(
            "[cold start] fresh processes, with and without the Numba cache",
            file=sys.stderr,
            flush=True,
        )
        cold = harness.cold_start(
            args.backend,
            None if args.quick else REFERENCE,
            max(thread_list),
            warm_runs=1 if args.quick else 3,
            quick=args.quick,
        )

    full_report = {
        "schema_version": 2,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": ["python", "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)],
        "settings": {
            "quick": args.quick,
            "repeat": repeat,
            "threads": thread_list,
            "device": args.device,
            "rows": [row.name for row in chosen],
            "block_s": plan.block_s,
            "min_calls_per_block": plan.min_calls_per_block,
            "max_calls_per_block": plan.max_calls_per_block,
            "max_sample_ratio": harness.MAX_SAMPLE_RATIO,
            "memory": memory,
            "strict": args.strict,
            "models": args.model,
            "rows_from": args.rows_from,
        },
        "thresholds": {
            "spread": harness.SPREAD_LIMIT,
            "drift": harness.DRIFT_LIMIT,
            "load_per_core": harness.LOAD_PER_CORE,
            "cores": harness.default_threads(),
        },
        "candidate": backends[0].name,
        "reference": REFERENCE,
        "headline_row": HEADLINE_ROW,
        "backends": [
            {"name": b.name, "module": b.lib.__name__, "device": b.device} for b in backends
        ],
        "machine": {
            **harness.describe_machine(backends),
            "load_average_start": load_at_start,
            "load_average_end": harness.load_average(),
            "probe_ms_start": probe_at_start,
            "probe_ms_end": probe_at_end,
        },
        "threads": thread_report,
        "rows": results,
        "flagged": [f"{r['name']}@{r['threads']}" for r in results if r["flags"]],
        "cold_start": cold,
    }
    table = report.format_table(full_report)
    print(table)
    report.write_table(table, args.out)
    json_path = report.write_json(full_report, args.out)
    plot_path = report.plot(full_report, args.out)
    print(f"wrote {json_path}, {plot_path} and {args.out / report.TABLE_NAME}")
    if args.strict and full_report["flagged"]:
        print(
            f"--strict: {len(full_report['flagged'])} rows flagged, exit status {FLAGGED_EXIT}",
            file=sys.stderr,
        )
        return FLAGGED_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
