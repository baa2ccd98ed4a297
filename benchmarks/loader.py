"""The loader rows: one epoch over JPEG pictures, with two worker processes and with none.

The course's read_data step at the size of its ants/bees pictures (about 500x375, landscape
and portrait): each picture is decoded by PIL, resized to 224x224 and made a tensor by the
library's own transforms (``Resize``, ``ToTensor``), in batches of 16. A call is a whole
epoch, with workers started afresh, as a ``for`` loop over a ``DataLoader`` does; a third
row keeps them between epochs (``persistent_workers=True``), which leaves out the cost of
starting and stopping two processes (a fork of the whole benchmark process each).

The table's ratio is minitorch / PyTorch for each row, as for every row; below the table,
the worker speedup (epoch time with no workers / with two), for each library.

Like ``rows``, this module imports nothing but numpy and the standard library at the top.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks.rows import Backend, Call, Row, Workload

WORKERS = 2
PICTURES = 240  # the course's ants/bees training set has 245
BATCH = 16
SIDE = 224
PICTURE_SIZES = ((500, 375), (375, 500), (500, 333), (333, 500))  # (width, height), as the course's
TARGET_SPEEDUP = 1.7  # the goal for two workers on two cores
NO_WORKERS_ROW, WORKERS_ROW = "loader_epoch_w0", f"loader_epoch_w{WORKERS}"
PERSISTENT_ROW = f"{WORKERS_ROW}_persistent"

# the generated pictures, one folder per size of the workload, removed when the process exits
_folders: dict[tuple[int, int], tempfile.TemporaryDirectory] = {}


def picture_paths(count: int, scale: int) -> list[str]:
    """``count`` JPEG files of the course's sizes divided by ``scale``, made once per process.

    Smooth colour fields with some grain: they compress and decode like photographs
    (random noise would make files several times larger and slower to decode).
    """
    from PIL import Image

    key = (count, scale)
    if key not in _folders:
        folder = tempfile.TemporaryDirectory(prefix="minitorch-loader-bench-")
        rng = np.random.default_rng(0)
        for index in range(count):
            width, height = (side // scale for side in PICTURE_SIZES[index % len(PICTURE_SIZES)])
            coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
            picture = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
            grain = rng.normal(0, 8, size=(height, width, 3))
            pixels = np.clip(np.asarray(picture, dtype=np.float64) + grain, 0, 255)
            Image.fromarray(pixels.astype(np.uint8)).save(
                os.path.join(folder.name, f"{index}.jpg"), quality=90
            )
        _folders[key] = folder
    folder = _folders[key].name
    return [os.path.join(folder, f"{index}.jpg") for index in range(count)]


class JpegPictures:
    """A map-style dataset of JPEG files: ``transform(PIL picture)`` for each."""

    def __init__(self, paths: list[str], transform: Any) -> None:
        self.paths = paths
        self.transform = transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> Any:
        from PIL import Image

        with Image.open(self.paths[index]) as picture:
            return self.transform(picture.convert("RGB"))


def vision_of(lib: ModuleType) -> ModuleType:
    """The library's torchvision: ``lib.vision`` (minitorch, torch_backend) or torchvision."""
    vision = getattr(lib, "vision", None)
    return vision if vision is not None else importlib.import_module("torchvision")


def loader_row(name: str, workers: int, persistent: bool = False) -> Row:
    def build(quick: bool) -> Workload:
        count, scale, side, batch = (8, 4, SIDE // 4, 4) if quick else (PICTURES, 1, SIDE, BATCH)

        def prepare(backend: Backend) -> Call:
            paths = picture_paths(count, scale)  # made once per process, when first needed
            transforms = vision_of(backend.lib).transforms
            transform = transforms.Compose([transforms.Resize((side, side)), transforms.ToTensor()])
            loader = backend.lib.utils.data.DataLoader(
                JpegPictures(paths, transform),
                batch_size=batch,
                num_workers=workers,
                persistent_workers=persistent,
            )

            def epoch() -> Any:
                # one sum per batch: the values the harness compares across libraries
                return backend.lib.stack([images.sum() for images in loader])

            return epoch

        width, height = (side // scale for side in PICTURE_SIZES[0])
        text = f"{count} JPEGs ~{width}x{height} -> ({batch},3,{side},{side}), {workers} workers"
        text += " kept" if persistent else ""
        return Workload(text, {"pictures": count, "batch": batch, "workers": workers}, prepare)

    title = f"DataLoader epoch, {workers} worker processes" if workers else "DataLoader epoch"
    title += " (persistent_workers)" if persistent else ""
    return Row(name, "loader", title, build, in_quick=not persistent)


def benchmark_rows() -> list[Row]:
    return [
        loader_row(NO_WORKERS_ROW, 0),
        loader_row(WORKERS_ROW, WORKERS),
        loader_row(PERSISTENT_ROW, WORKERS, persistent=True),
    ]


def format_worker_speedup(report: dict[str, Any]) -> list[str]:
    """Each library's speedup from the workers, for the loader rows the run timed."""
    lines = []
    for threads in report["settings"]["threads"]:
        rows = {row["name"]: row for row in report["rows"] if row["threads"] == threads}
        if NO_WORKERS_ROW not in rows:
            continue

        def speedups(row_name: str, rows: dict[str, Any] = rows) -> str:
            return ", ".join(
                f"{name} {rows[NO_WORKERS_ROW]['results'][name]['median_ms'] / median:.2f}x"
                for name, median in (
                    (backend["name"], rows[row_name]["results"][backend["name"]]["median_ms"])
                    for backend in report["backends"]
                )
            )

        found = [
            f"{label}: {speedups(row_name)}"
            for row_name, label in (
                (WORKERS_ROW, "started each epoch"),
                (PERSISTENT_ROW, "kept between epochs"),
            )
            if row_name in rows
        ]
        if found:
            lines.append(
                f"loader ({threads} thr): an epoch with {WORKERS} worker processes against none, "
                f"{'; '.join(found)} (goal: at least {TARGET_SPEEDUP}x on 2 cores)"
            )
    return lines
