"""How the benchmark times things: thread pools, blocks of calls, cold start, the machine.

Rules it follows, each one learned from timings that came out wrong without it (on 2 cores,
pools that spin while they wait block each other: timings in ~4 ms steps, 2-3x slow):
- one thread count for every pool in the process: PyTorch's (OpenMP and MKL), Numba's, and
  every OpenBLAS that threadpoolctl can see, NumPy's and SciPy's (the one Numba's ``np.dot``
  calls) told apart by file path;
- backends alternate in blocks of consecutive calls, never call by call, so that one
  library's spinning worker threads do not land in the other's timings; the order of the
  blocks reverses every repetition, and an untimed call opens each block;
- the first call of each backend (Numba compiling or loading its cache, oneDNN building its
  primitives) is reported on its own, apart from the steady state.
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numba
import numpy as np

# Numba's np.dot calls SciPy's OpenBLAS, which threadpoolctl can only see once this module
# has loaded it: imported here, before any thread pool is configured.
import scipy.linalg.cython_blas  # noqa: F401
import torch
from threadpoolctl import ThreadpoolController

from benchmarks.rows import Backend, Call, Workload, headline_shape

REPO_ROOT = Path(__file__).resolve().parents[1]


def load_backend(module: str, label: str | None = None, device: str = "cpu") -> Backend:
    """``minitorch``, ``torch``, or any importable module that serves PyTorch's API."""
    return Backend(label or module, importlib.import_module(module), device)


def cuda_available() -> bool:
    return torch.cuda.is_available()


# --------------------------------------------------------------------------- thread pools


def _owner(filepath: str) -> str:
    """Which package shipped a shared library, read from its path (``numpy.libs`` -> numpy)."""
    parts = Path(filepath).parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            return parts[parts.index(marker) + 1].removesuffix(".libs")
    return "system"


def thread_pools() -> list[dict[str, Any]]:
    """Every thread-pool library threadpoolctl sees now, each labelled with its owner."""
    return [{**info, "owner": _owner(info["filepath"])} for info in ThreadpoolController().info()]


@contextmanager
def pinned_threads(threads: int) -> Iterator[None]:
    """Give PyTorch, Numba and every BLAS the same thread count; restore them afterwards."""
    if threads > numba.config.NUMBA_NUM_THREADS:
        raise ValueError(
            f"--threads {threads} is more than Numba's pool holds "
            f"(NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}); set NUMBA_NUM_THREADS first"
        )
    controller = ThreadpoolController()
    blas_paths = [lib.filepath for lib in controller.lib_controllers if lib.user_api == "blas"]
    limiter = controller.select(filepath=blas_paths).limit(limits=threads)
    torch_threads, numba_threads = torch.get_num_threads(), numba.get_num_threads()
    torch.set_num_threads(threads)
    numba.set_num_threads(threads)
    try:
        yield
    finally:
        limiter.restore_original_limits()
        torch.set_num_threads(torch_threads)
        numba.set_num_threads(numba_threads)


def numba_threading_layer() -> str:
    """The layer Numba's parallel loops use; known only once a parallel function has run."""
    try:
        return numba.threading_layer()
    except ValueError:
        return f"not started yet (configured: {numba.config.THREADING_LAYER})"


def describe_threads(requested: int) -> dict[str, Any]:
    return {
        "requested": requested,
        "torch_num_threads": torch.get_num_threads(),
        "torch_num_interop_threads": torch.get_num_interop_threads(),
        "torch_parallel_info": torch.__config__.parallel_info(),
        "numba_num_threads": numba.get_num_threads(),
        "numba_pool_size": numba.config.NUMBA_NUM_THREADS,
        "numba_threading_layer": numba_threading_layer(),
        "thread_pools": thread_pools(),
    }


def default_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# --------------------------------------------------------------------------- the machine


def _cpuinfo() -> dict[str, Any]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {"model": platform.processor() or "unknown"}
    fields: dict[str, str] = {}
    physical = set()
    for block in text.strip().split("\n\n"):
        entry = dict(
            (key.strip(), value.strip())
            for key, _, value in (line.partition(":") for line in block.splitlines())
        )
        fields = fields or entry
        physical.add((entry.get("physical id"), entry.get("core id")))
    flags = set(fields.get("flags", "").split())
    return {
        "model": fields.get("model name", platform.processor() or "unknown"),
        "physical_cores": len(physical),
        "simd": sorted(flags & {"sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni"}),
    }


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_average() -> list[float] | None:
    """1, 5 and 15-minute load averages: other processes on the cores make timings noisy."""
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def describe_machine(backends: list[Backend]) -> dict[str, Any]:
    packages = ["minitorch", "numpy", "numba", "llvmlite", "scipy", "torch", "threadpoolctl"]
    machine = {
        "cpu": _cpuinfo(),
        "logical_cores": os.cpu_count(),
        "cores_available": default_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in packages},
        "backends": {b.name: getattr(b.lib, "__file__", None) for b in backends},
    }
    if any(b.device.startswith("cuda") for b in backends):
        machine["gpu"] = torch.cuda.get_device_name()
        machine["cuda"] = torch.version.cuda
    return machine


# --------------------------------------------------------------------------- timing


@dataclass
class Timing:
    """One backend's numbers for one row; all times in milliseconds."""

    first_call_ms: float
    calls_per_block: int
    blocks: list[list[float]] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(t for block in self.blocks for t in block)

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_call_ms": self.first_call_ms,
            "median_ms": self.median_ms,
            "calls_per_block": self.calls_per_block,
            "blocks_ms": self.blocks,
        }


@dataclass(frozen=True)
class TimingPlan:
    """How long to time: ``repeat`` blocks per backend, each about ``block_s`` long."""

    repeat: int
    block_s: float
    max_calls_per_block: int


def _timed(call: Call, backend: Backend) -> tuple[float, Any]:
    backend.synchronize()
    start = time.perf_counter()
    result = call()
    backend.synchronize()
    return (time.perf_counter() - start) * 1e3, result


def _outputs(result: Any) -> list[np.ndarray]:
    items = result if isinstance(result, tuple | list) else [result]
    return [Backend.to_numpy(item) for item in items]


def relative_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    """Largest |a - b| over all outputs, relative to the largest |b| of the same output."""
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        if x.shape != y.shape:
            return math.inf
        if y.size:
            scale = max(float(np.max(np.abs(y))), 1e-30)
            worst = max(worst, float(np.max(np.abs(x.astype(np.float64) - y))) / scale)
    return worst


def time_workload(
    workload: Workload, backends: list[Backend], plan: TimingPlan, reference: str
) -> tuple[dict[str, Timing], dict[str, float]]:
    """Time one workload on every backend, in alternating blocks.

    Returns each backend's timing and, for every other backend, the relative difference
    of its first call's outputs from those of the ``reference`` backend.
    """
    calls = {b.name: workload.prepare(b) for b in backends}
    timings: dict[str, Timing] = {}
    outputs: dict[str, list[np.ndarray]] = {}
    for backend in backends:
        call = calls[backend.name]
        first_ms, result = _timed(call, backend)
        outputs[backend.name] = _outputs(result)
        steady_ms, _ = _timed(call, backend)
        per_block = max(
            1, min(plan.max_calls_per_block, round(plan.block_s * 1e3 / max(steady_ms, 1e-3)))
        )
        timings[backend.name] = Timing(first_ms, per_block)

    for repetition in range(plan.repeat):
        order = backends if repetition % 2 == 0 else backends[::-1]
        for backend in order:
            timing, call = timings[backend.name], calls[backend.name]
            _timed(call, backend)
            gc.collect()
            gc.disable()
            try:
                timing.blocks.append(
                    [_timed(call, backend)[0] for _ in range(timing.calls_per_block)]
                )
            finally:
                gc.enable()

    differences = {
        name: relative_difference(values, outputs[reference])
        for name, values in outputs.items()
        if name != reference
    }
    return timings, differences


# --------------------------------------------------------------------------- cold start

# Runs in a fresh interpreter: the clock starts before the backend is imported and stops when
# the first training step has finished, so Numba's compilation (or its cache loading) is in it.
_COLD_START_CHILD = """
import sys, time
start = time.perf_counter()
import importlib
lib = importlib.import_module(sys.argv[1])
imported = time.perf_counter()
import json
from benchmarks.rows import Backend, training_step
step = training_step(Backend(sys.argv[1], lib), int(sys.argv[2]), int(sys.argv[3]))
loss = float(step()[0].item())
first = time.perf_counter()
step()
second = time.perf_counter()
print(json.dumps({"import_s": imported - start, "first_step_s": first - imported,
                  "total_s": first - start, "second_step_s": second - first, "loss": loss}))
"""


def _cold_start_run(
    backend: str, batch: int, image_size: int, threads: int, cache_dir: str
) -> dict:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = cache_dir
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    for variable in (
        "NUMBA_NUM_THREADS",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
    ):
        env[variable] = str(threads)
    command = [sys.executable, "-c", _COLD_START_CHILD, backend, str(batch), str(image_size)]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    wall_s = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold-start child for {backend} failed:\n{done.stderr[-3000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "process_wall_s": wall_s}


def cold_start(
    backend: str, reference: str | None, threads: int, warm_runs: int, quick: bool
) -> dict:
    """``import backend`` to the first finished training step, in fresh processes.

    First with an empty Numba cache directory (everything compiles), then ``warm_runs`` times
    with the cache that run left (what a user sees from the second run on), then, unless
    ``reference`` is None, the reference library once for scale.
    """
    batch, image = headline_shape(quick)
    with tempfile.TemporaryDirectory(prefix="minitorch-numba-cache-") as cache_dir:
        cold = _cold_start_run(backend, batch, image, threads, cache_dir)
        warm = [
            _cold_start_run(backend, batch, image, threads, cache_dir) for _ in range(warm_runs)
        ]
        cache_bytes = sum(p.stat().st_size for p in Path(cache_dir).rglob("*") if p.is_file())
    reference_run = None
    if reference is not None:
        with tempfile.TemporaryDirectory(prefix="minitorch-numba-cache-") as cache_dir:
            reference_run = {
                "backend": reference,
                **_cold_start_run(reference, batch, image, threads, cache_dir),
            }
    return {
        "backend": backend,
        "batch": batch,
        "image": image,
        "no_cache": cold,
        "cached": warm,
        "cached_median_s": statistics.median(run["total_s"] for run in warm),
        "cache_bytes": cache_bytes,
        "reference": reference_run,
        "target_cached_s": 3.0,
    }
