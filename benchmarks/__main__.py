"""``python -m benchmarks``: minitorch against PyTorch, one process, same inputs and weights."""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import sys
from pathlib import Path
from typing import Any

from benchmarks import harness, report
from benchmarks.rows import Row, all_rows, headline_shape

REFERENCE = "torch"
COLD_START = "cold_start"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time minitorch against PyTorch on the tutorial model and its ops; print "
        "median times and ratios, and write results.json, results.png and table.txt.",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmark-results"), help="output directory"
    )
    parser.add_argument(
        "--rows",
        default=None,
        help="comma-separated row names or glob patterns (e.g. 'conv*,train_step'); "
        f"'{COLD_START}' names the cold-start measurement; default: all (--quick: a subset)",
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed blocks per backend (default 5, quick 2)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for every pool (default: the cores available)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny shapes, few repetitions, a subset of rows"
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
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def select_rows(rows: list[Row], patterns: str | None, quick: bool) -> tuple[list[Row], bool]:
    """The rows the patterns name (or the default set), and whether cold start is wanted."""
    if patterns is None:
        chosen = [row for row in rows if row.in_quick] if quick else rows
        return chosen, True
    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
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


def run_rows(
    rows: list[Row], backends: list[harness.Backend], plan: harness.TimingPlan, quick: bool
) -> list[dict[str, Any]]:
    candidate = backends[0].name
    results = []
    for index, row in enumerate(rows, start=1):
        workload = row.build(quick)
        print(f"[{index}/{len(rows)}] {row.name} {workload.shape}", file=sys.stderr, flush=True)
        timings, differences = harness.time_workload(workload, backends, plan, REFERENCE)
        results.append(
            {
                "name": row.name,
                "group": row.group,
                "title": row.title,
                "shape": workload.shape,
                "params": workload.params,
                "notes": row.notes,
                "results": {name: timing.as_dict() for name, timing in timings.items()},
                "ratio": timings[candidate].median_ms / timings[REFERENCE].median_ms,
                "relative_difference": differences,
            }
        )
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = all_rows()
    if args.list_rows:
        for row in rows:
            print(f"{row.name:24} {row.group:8} {row.title}{' (quick)' if row.in_quick else ''}")
        print(
            f"{COLD_START:24} {'process':8} import -> first training step, "
            "with and without the Numba cache"
        )
        return 0
    chosen, want_cold_start = select_rows(rows, args.rows, args.quick)
    threads = args.threads or harness.default_threads()
    repeat = args.repeat or (2 if args.quick else 5)
    plan = (
        harness.TimingPlan(repeat, block_s=0.02, max_calls_per_block=3)
        if args.quick
        else harness.TimingPlan(repeat, block_s=0.25, max_calls_per_block=200)
    )
    backends = resolve_backends(args)
    args.out.mkdir(parents=True, exist_ok=True)
    load_at_start = harness.load_average()

    with harness.pinned_threads(threads):
        results = run_rows(chosen, backends, plan, args.quick)
        thread_report = harness.describe_threads(threads)
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
            threads,
            warm_runs=1 if args.quick else 3,
            quick=args.quick,
        )

    full_report = {
        "schema_version": 1,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": ["python", "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)],
        "settings": {
            "quick": args.quick,
            "repeat": repeat,
            "threads": threads,
            "device": args.device,
            "rows": [row.name for row in chosen],
            "block_s": plan.block_s,
            "max_calls_per_block": plan.max_calls_per_block,
        },
        "candidate": backends[0].name,
        "reference": REFERENCE,
        "backends": [
            {"name": b.name, "module": b.lib.__name__, "device": b.device} for b in backends
        ],
        "machine": {
            **harness.describe_machine(backends),
            "load_average_start": load_at_start,
            "load_average_end": harness.load_average(),
        },
        "threads": thread_report,
        "rows": results,
        "cold_start": cold,
    }
    table = report.format_table(full_report)
    print(table)
    report.write_table(table, args.out)
    json_path = report.write_json(full_report, args.out)
    plot_path = report.plot(full_report, args.out, *headline_shape(args.quick))
    print(f"wrote {json_path}, {plot_path} and {args.out / report.TABLE_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
