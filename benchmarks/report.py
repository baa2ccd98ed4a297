"""What the benchmark shows: the terminal table, the JSON file and the plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot loads)
from matplotlib import ticker  # noqa: E402

from benchmarks.loader import format_worker_speedup  # noqa: E402

JSON_NAME = "results.json"
PLOT_NAME = "results.png"
TABLE_NAME = "table.txt"


def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _mb(memory: dict[str, Any] | None) -> str:
    if not memory:
        return "-"
    if "error" in memory:
        return "err"
    return f"{memory['peak_mb']:.1f}"


def _side_cells(result: dict[str, Any]) -> list[str]:
    return [
        str(result["n"]),
        _ms(result["min_ms"]),
        _ms(result["median_ms"]),
        _ms(result["iqr_ms"]),
    ]


SIDE_COLUMNS = ["n", "min", "median", "IQR"]


def _row_cells(
    row: dict[str, Any], candidate: str, reference: str, extra: list[str], memory: bool
) -> list[str]:
    results = row["results"]
    cells = [row["name"], str(row["threads"]), row["shape"]]
    cells += _side_cells(results[candidate]) + _side_cells(results[reference])
    cells.append(f"{row['ratio']:.2f}")
    cells += [_ms(results[name]["median_ms"]) for name in extra]
    if memory:
        cells += [_mb(results[candidate].get("memory")), _mb(results[reference].get("memory"))]
    cells.append(_ms(results[candidate]["first_call_ms"]))
    cells.append(f"{row['relative_difference'][candidate]:.0e}")
    cells.append(",".join(row["flags"]) or "-")
    return cells


def format_table(report: dict[str, Any]) -> str:
    """n, min, median and IQR per side in ms, the ratio of medians, memory and flags."""
    candidate, reference = report["candidate"], report["reference"]
    settings = report["settings"]
    memory = bool(settings.get("memory"))
    extra = [b["name"] for b in report["backends"] if b["name"] not in (candidate, reference)]
    header = ["row", "thr", "shape", *SIDE_COLUMNS, *SIDE_COLUMNS, "ratio"]
    header += [f"{name} med" for name in extra]
    if memory:
        header += [f"{candidate} MB", f"{reference} MB"]
    header += [f"{candidate} 1st ms", "rel. diff", "flags"]
    lines = [header] + [
        _row_cells(row, candidate, reference, extra, memory) for row in report["rows"]
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    left_columns = 3  # row, thr, shape: left-aligned; flags (last) too

    def render(cells: list[str]) -> str:
        out = []
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            aligned_left = index == 0 or index == 2 or index == len(cells) - 1
            out.append(cell.ljust(width) if aligned_left else cell.rjust(width))
        return "  ".join(out).rstrip()

    # a line above the two sides' columns naming each side
    def span(first: int, label: str) -> str:
        width = sum(widths[first : first + len(SIDE_COLUMNS)]) + 2 * (len(SIDE_COLUMNS) - 1)
        return f" {label} (ms) ".center(width, "-")

    lead = sum(widths[:left_columns]) + 2 * left_columns
    groups = (
        " " * lead
        + span(left_columns, candidate)
        + "  "
        + span(left_columns + len(SIDE_COLUMNS), reference)
    )
    threads = settings["threads"]
    title = (
        f"{candidate} vs {reference} {report['machine']['versions']['torch']}"
        f" on {report['machine']['cpu']['model']}, threads {','.join(map(str, threads))},"
        f" {settings['repeat']} alternating blocks per backend"
        + (" (quick mode: small shapes)" if settings["quick"] else "")
    )
    out = [title, groups, render(header), "  ".join("-" * w for w in widths)]
    out += [render(cells) for cells in lines[1:]]
    out.append(
        f"ratio = median {candidate} / median {reference} (below 1: {candidate} is faster); "
        "n = timed calls; IQR = 75th - 25th percentile; "
        f"rel. diff = largest |{candidate} - {reference}| of the first call's outputs "
        "over the largest |reference|"
    )
    if memory:
        out.append(
            "MB = peak anonymous resident memory of three steady calls above that before the"
            " row was prepared, each row and library in a fresh process (docs/benchmarks.md)"
        )
    out += format_flags(report)
    out += format_headline(report)
    out += format_worker_speedup(report)
    out += format_threads(report)
    out += format_load(report["machine"])
    if report.get("cold_start"):
        out += format_cold_start(report["cold_start"])
    return "\n".join(out)


def format_flags(report: dict[str, Any]) -> list[str]:
    limits = report["thresholds"]
    legend = (
        f"flags: spread:<side> = IQR/median above {limits['spread']:.2f};"
        f" load = 1-min load average above {limits['load_per_core'] * limits['cores']:.1f}"
        f" ({limits['cores']} cores); drift = the probe loop's time moved by more than"
        f" {limits['drift']:.0%}"
    )
    flagged = report["flagged"]
    if not flagged:
        return [legend, "no row flagged"]
    return [
        legend,
        f"WARNING: {len(flagged)} of {len(report['rows'])} row timings flagged, do not trust"
        f" them: {', '.join(flagged)}",
    ]


def format_headline(report: dict[str, Any]) -> list[str]:
    """The headline row's ratio at each thread count, and whether the winner changes."""
    rows = [row for row in report["rows"] if row["name"] == report["headline_row"]]
    if not rows:
        return []
    parts = [
        f"{row['threads']} thr {row['ratio']:.2f}"
        f" ({row['ratio_range'][0]:.2f}-{row['ratio_range'][1]:.2f})"
        + (" flagged" if row["flags"] else "")
        for row in rows
    ]
    line = f"headline {report['headline_row']} ratio (quartile range): {'; '.join(parts)}"
    if len({row["ratio"] < 1 for row in rows}) > 1:
        line += ": the faster library changes with the thread count"
    return [line]


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
        f" ({'within' if cached < target else 'OVER'} the {target:.1f} s target;"
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


# --------------------------------------------------------------------------- plot

THREAD_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown"]
NICE_RATIOS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]


def _log_ticks(axis: Any, which: str) -> None:
    """1-2-5 ticks labelled as plain numbers, no minor labels: nothing overlaps on a log axis."""
    target = axis.xaxis if which == "x" else axis.yaxis
    target.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    target.set_minor_locator(ticker.NullLocator())


def _plot_ratios(axis: Any, report: dict[str, Any]) -> None:
    rows, candidate, reference = report["rows"], report["candidate"], report["reference"]
    names = list(dict.fromkeys(row["name"] for row in rows))
    threads = report["settings"]["threads"]
    height = 0.8 / len(threads)
    for t_index, count in enumerate(threads):
        these = {row["name"]: row for row in rows if row["threads"] == count}
        ys, values, low, high, flagged = [], [], [], [], []
        for position, name in enumerate(reversed(names)):
            if name in these:
                row = these[name]
                ys.append(position + (t_index - (len(threads) - 1) / 2) * height)
                values.append(row["ratio"])
                low.append(row["ratio"] - row["ratio_range"][0])
                high.append(row["ratio_range"][1] - row["ratio"])
                flagged.append(bool(row["flags"]))
        # Bars grow from 1 (parity) on a log axis, so 0.5x and 2x look equally far from it.
        bars = axis.barh(
            ys,
            [v - 1 for v in values],
            left=1,
            height=height,
            color=THREAD_COLOURS[t_index % len(THREAD_COLOURS)],
            label=f"{count} thread{'s' if count > 1 else ''}",
            xerr=[low, high],
            error_kw={"ecolor": "black", "elinewidth": 0.8, "capsize": 2},
        )
        for bar, y, v, below, above, bad in zip(bars, ys, values, low, high, flagged, strict=True):
            if bad:
                bar.set_hatch("///")
                bar.set_edgecolor("red")
            # the label beyond the whisker's end, where nothing is drawn
            label = f" {v:.2f}{' !' if bad else ''} "
            axis.text(
                v + above if v >= 1 else v - below, y, label, va="center",
                ha="left" if v >= 1 else "right", fontsize=7, color="red" if bad else "black",
            )  # fmt: skip
    axis.set_yticks(range(len(names)), list(reversed(names)))
    axis.set_xscale("log")
    extremes = [r["ratio_range"][0] for r in rows] + [r["ratio_range"][1] for r in rows]
    lo, hi = min([*extremes, 0.9]), max([*extremes, 1.1])
    axis.set_xlim(lo / 1.6, hi * 1.6)
    axis.xaxis.set_major_locator(
        ticker.FixedLocator([v for v in NICE_RATIOS if lo / 2 <= v <= hi * 2])
    )
    axis.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.xaxis.set_minor_locator(ticker.NullLocator())
    axis.axvline(1.0, color="black", linewidth=1)
    axis.set_xlabel(
        f"{candidate} / {reference}, median time (log scale; whiskers: quartile ratios)"
    )
    axis.set_title("ratio per row (left of 1: faster than PyTorch; hatched: flagged)")
    axis.legend(loc="lower right", fontsize=8)


def _series(rows: list[dict[str, Any]], prefix: str, key: str) -> list[dict[str, Any]]:
    """Rows named ``prefix<number>`` (``train_step_b16``...), ordered by ``params[key]``."""
    matching = [
        row
        for row in rows
        if row["name"].startswith(prefix) and row["name"][len(prefix) :].isdigit()
    ]
    return sorted(matching, key=lambda row: row["params"][key])


def _image_series(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The image sweep and the batch-sweep row at its batch and the tutorial's 32x32."""
    sweep = _series(rows, "train_step_img", "image")
    if not sweep:
        return []
    batch = sweep[0]["params"]["batch"]
    middle = [
        row
        for row in _series(rows, "train_step_b", "batch")
        if row["params"]["batch"] == batch and row["params"]["image"] not in
        {r["params"]["image"] for r in sweep}
    ]  # fmt: skip
    return sorted(sweep + middle, key=lambda row: row["params"]["image"])


def _plot_curve(
    axis: Any, report: dict[str, Any], series: list[dict[str, Any]], key: str, title: str
) -> None:
    threads = report["settings"]["threads"]
    markers = ["o", "s", "^", "D"]
    for b_index, backend in enumerate(report["backends"]):
        name = backend["name"]
        for t_index, count in enumerate(threads):
            points = [row for row in series if row["threads"] == count]
            if not points:
                continue
            xs = [row["params"][key] for row in points]
            results = [row["results"][name] for row in points]
            ys = [r["median_ms"] for r in results]
            errors = [
                [r["median_ms"] - r["q1_ms"] for r in results],
                [r["q3_ms"] - r["median_ms"] for r in results],
            ]
            axis.errorbar(
                xs, ys, yerr=errors, marker=markers[b_index % len(markers)],
                color=THREAD_COLOURS[t_index % len(THREAD_COLOURS)],
                linestyle="-" if b_index == 0 else "--", capsize=3,
                label=f"{name}, {count} thr",
            )  # fmt: skip
            bad = [(x, y) for x, y, row in zip(xs, ys, points, strict=True) if row["flags"]]
            if bad:
                axis.scatter(*zip(*bad, strict=True), s=140, facecolors="none",
                             edgecolors="red", zorder=5)  # fmt: skip
    xs = sorted({row["params"][key] for row in series})
    axis.set_xscale("log", base=2)
    axis.set_xticks(xs, [str(x) for x in xs])
    axis.xaxis.set_minor_locator(ticker.NullLocator())
    axis.set_yscale("log")
    _log_ticks(axis, "y")
    axis.grid(True, which="major", alpha=0.3)
    axis.set_ylabel("median ms per call (whiskers: quartiles)")
    axis.set_title(title)
    axis.legend(fontsize=7)


def curve_panels(rows: list[dict[str, Any]]) -> list[tuple[list[dict], str, str, str]]:
    """The curve panels the rows fill: (rows, x key, title, x label), none left empty.

    Training step and inference against batch (``train_step_b*``, ``inference_b*``), and
    the training step against image side (``train_step_img*`` with the batch row between).
    A panel needs at least two x values.
    """
    curves = []
    for prefix, what in (("train_step_b", "training step"), ("inference_b", "inference")):
        series = _series(rows, prefix, "batch")
        if len({row["params"]["batch"] for row in series}) > 1:
            image = series[0]["params"]["image"]
            curves.append((series, "batch", f"{what} vs batch ({image}x{image})", "batch size"))
    by_image = _image_series(rows)
    if len({row["params"]["image"] for row in by_image}) > 1:
        batch = by_image[0]["params"]["batch"]
        curves.append(
            (
                by_image,
                "image",
                f"training step vs image side (batch {batch})",
                "image side in px (first Linear's input adapted: 64*(side/8)^2)",
            )
        )
    return curves


def plot(report: dict[str, Any], out_dir: Path) -> Path:
    """Ratio per row, and time against batch and image side; only panels with data."""
    rows = report["rows"]
    curves = curve_panels(rows)
    names = len({row["name"] for row in rows}) * len(report["settings"]["threads"])
    figure, axes = plt.subplots(
        1,
        1 + len(curves),
        figsize=(7.5 + 5.5 * len(curves), max(4.5, 0.22 * names + 2)),
        gridspec_kw={"width_ratios": [1.4] + [1] * len(curves)},
        squeeze=False,
    )
    ratios, *curve_axes = axes[0]
    if rows:
        _plot_ratios(ratios, report)
    else:
        ratios.text(0.5, 0.5, "no timed rows selected", ha="center", transform=ratios.transAxes)
        ratios.set_axis_off()
    for axis, (series, key, title, label) in zip(curve_axes, curves, strict=True):
        _plot_curve(axis, report, series, key, title)
        axis.set_xlabel(label)
    warning = load_warning(report)
    if warning:
        figure.suptitle(warning, color="red", fontsize=10)
    figure.tight_layout()
    path = out_dir / PLOT_NAME
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def load_warning(report: dict[str, Any]) -> str:
    """The plot's warning line, empty when no row is flagged."""
    flagged = report["flagged"]
    if not flagged:
        return ""
    machine = report["machine"]
    start, end = machine.get("load_average_start"), machine.get("load_average_end")
    load = f"; load average {start[0]:.2f} -> {end[0]:.2f}" if start and end else ""
    return (
        f"WARNING: {len(flagged)} of {len(report['rows'])} row timings flagged "
        f"(spread, load or drift{load}, {report['thresholds']['cores']} cores): noisy, "
        "rerun on a quiet machine"
    )
