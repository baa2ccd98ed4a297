"""What the benchmark shows: the terminal table, the JSON file and the plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot loads)

from benchmarks.loader import format_worker_speedup  # noqa: E402

JSON_NAME = "results.json"
PLOT_NAME = "results.png"
TABLE_NAME = "table.txt"


def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _row_cells(row: dict[str, Any], candidate: str, reference: str, extra: list[str]) -> list[str]:
    results = row["results"]
    cells = [
        row["name"],
        row["shape"],
        _ms(results[candidate]["median_ms"]),
        _ms(results[reference]["median_ms"]),
        f"{row['ratio']:.2f}",
    ]
    cells += [_ms(results[name]["median_ms"]) for name in extra]
    cells.append(_ms(results[candidate]["first_call_ms"]))
    cells.append(f"{row['relative_difference'][candidate]:.0e}")
    return cells


def format_table(report: dict[str, Any]) -> str:
    """Medians in ms and the candidate/reference ratio, one line per row, then cold start."""
    candidate, reference = report["candidate"], report["reference"]
    extra = [b["name"] for b in report["backends"] if b["name"] not in (candidate, reference)]
    header = ["row", "shape", f"{candidate} ms", f"{reference} ms", "ratio"]
    header += [f"{name} ms" for name in extra]
    header += [f"{candidate} 1st call ms", "rel. diff"]
    lines = [header] + [_row_cells(row, candidate, reference, extra) for row in report["rows"]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        left = cells[:2]
        right = cells[2:]
        return "  ".join(
            [c.ljust(w) for c, w in zip(left, widths[:2], strict=True)]
            + [c.rjust(w) for c, w in zip(right, widths[2:], strict=True)]
        ).rstrip()

    settings, threads = report["settings"], report["threads"]
    title = (
        f"{candidate} vs {reference} {report['machine']['versions']['torch']}"
        f" on {report['machine']['cpu']['model']}, {threads['requested']} threads,"
        f" median of {settings['repeat']} alternating blocks per backend"
        + (" (quick mode: small shapes)" if settings["quick"] else "")
    )
    out = [title, render(header), "  ".join("-" * w for w in widths)]
    out += [render(cells) for cells in lines[1:]]
    out.append(
        f"ratio = {candidate} / {reference} (below 1: {candidate} is faster); "
        f"rel. diff = largest |{candidate} - {reference}| of the first call's outputs "
        "over the largest |reference|"
    )
    out += format_worker_speedup(report)
    out += format_threads(report)
    out += format_load(report["machine"])
    if report.get("cold_start"):
        out += format_cold_start(report["cold_start"])
    return "\n".join(out)


def format_threads(report: dict[str, Any]) -> list[str]:
    threads = report["threads"]

    def pools(user_api: str) -> str:
        found = [
            f"{pool['owner']} {pool['internal_api']} {pool.get('version') or ''}".rstrip()
            + f" ({pool['num_threads']} threads)"
            for pool in threads["thread_pools"]
            if pool["user_api"] == user_api
        ]
        return "; ".join(found) or "none seen"

    parallel = threads["torch_parallel_info"]
    backend_line = next((ln for ln in parallel.splitlines() if "parallel backend" in ln), "")
    return [
        f"threads: torch {threads['torch_num_threads']} ({backend_line.strip() or 'see JSON'}),"
        f" numba {threads['numba_num_threads']} ({threads['numba_threading_layer']} layer)",
        f"  BLAS: {pools('blas')}; OpenMP runtimes: {pools('openmp')}",
    ]


def format_load(machine: dict[str, Any]) -> list[str]:
    start, end = machine.get("load_average_start"), machine.get("load_average_end")
    if start is None or end is None:
        return []
    line = f"load average (1 min) at start {start[0]:.2f}, at end {end[0]:.2f}"
    if start[0] >= 1.0:
        line += ": other processes were using the cores, so these timings are noisy"
    return [line]


def format_cold_start(cold: dict[str, Any]) -> list[str]:
    cached, target = cold["cached_median_s"], cold["target_cached_s"]
    no_cache = cold["no_cache"]
    lines = [
        f"cold start, import {cold['backend']} -> first finished training step"
        f" (batch {cold['batch']}, {cold['image']}x{cold['image']}), fresh processes:",
        f"  no Numba cache: {no_cache['total_s']:.2f} s (import {no_cache['import_s']:.2f} s,"
        f" then a steady step takes {no_cache['second_step_s'] * 1e3:.0f} ms)",
        f"  cached: {cached:.2f} s, median of {len(cold['cached'])}"
        f" ({'within' if cached < target else 'OVER'} the {target:.0f} s target;"
        f" cache {cold['cache_bytes'] / 1e6:.1f} MB)",
    ]
    reference = cold["reference"]
    if reference is not None:
        lines.append(f"  {reference['backend']} for scale: {reference['total_s']:.2f} s")
    return lines


def write_json(report: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / JSON_NAME
    path.write_text(json.dumps(report, indent=1) + "\n")
    return path


def write_table(table: str, out_dir: Path) -> Path:
    path = out_dir / TABLE_NAME
    path.write_text(table + "\n")
    return path


def _scaling_series(rows: list[dict[str, Any]], fixed: str, value: int, varying: str) -> list[dict]:
    """Training-step rows that hold ``fixed`` at ``value``, ordered by ``varying``."""
    series = [
        row
        for row in rows
        if row["title"] == "training step"
        and row["params"].get(fixed) == value
        and varying in row["params"]
    ]
    return sorted(series, key=lambda row: row["params"][varying])


def _plot_ratios(axis: Any, rows: list[dict[str, Any]], candidate: str, reference: str) -> None:
    names = [row["name"] for row in rows][::-1]
    values = [row["ratio"] for row in rows][::-1]
    # Bars grow from 1 (parity) on a log axis, so 0.5x and 2x look equally far from it.
    axis.barh(
        names,
        [v - 1 for v in values],
        left=1,
        color=["tab:red" if v > 1 else "tab:green" for v in values],
    )
    axis.set_xscale("log")
    axis.axvline(1.0, color="black", linewidth=1)
    axis.set_xlabel(f"{candidate} / {reference}, median time (log scale)")
    axis.set_title("ratio per row (left of 1: faster than PyTorch)")
    for y, v in enumerate(values):
        axis.text(v, y, f" {v:.2f} ", va="center", ha="left" if v >= 1 else "right", fontsize=8)
    axis.margins(x=0.15)


def plot(report: dict[str, Any], out_dir: Path, base_batch: int, base_image: int) -> Path:
    """Ratio per row, and training-step time against batch size and against image size."""
    rows, candidate, reference = report["rows"], report["candidate"], report["reference"]
    figure, (ratios, by_batch, by_image) = plt.subplots(
        1,
        3,
        figsize=(17, max(4.5, 0.32 * len(rows) + 1.5)),
        gridspec_kw={"width_ratios": [1.3, 1, 1]},
    )
    if rows:
        _plot_ratios(ratios, rows, candidate, reference)
    else:
        ratios.text(0.5, 0.5, "no timed rows selected", ha="center", transform=ratios.transAxes)

    curves = [
        (by_batch, _scaling_series(rows, "image", base_image, "batch"), "batch", "batch size"),
        (
            by_image,
            _scaling_series(rows, "batch", base_batch, "image"),
            "image",
            "image side in px (first Linear's input adapted: 64*(side/8)^2)",
        ),
    ]
    for axis, series, key, label in curves:
        axis.set_xlabel(label)
        axis.set_ylabel("training step, median ms")
        if not series:
            axis.text(0.5, 0.5, "no such rows selected", ha="center", transform=axis.transAxes)
            continue
        xs = [row["params"][key] for row in series]
        for backend in report["backends"]:
            ys = [row["results"][backend["name"]]["median_ms"] for row in series]
            axis.plot(xs, ys, marker="o", label=backend["name"])
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xticks(xs, [str(x) for x in xs])
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    by_batch.set_title(f"training step vs batch ({base_image}x{base_image})")
    by_image.set_title(f"training step vs image side (batch {base_batch})")
    figure.tight_layout()
    path = out_dir / PLOT_NAME
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
