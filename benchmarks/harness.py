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


@dataclass(frozen=True)
class Summary:
    """The samples of one backend on one row, in milliseconds.

    ``iqr_ms`` is the interquartile range (numpy's linear percentiles, 75th - 25th) and
    ``spread`` is ``iqr_ms / median_ms``: how far apart the middle half of the calls lie.
    """

    n: int
    min_ms: float
    median_ms: float
    q1_ms: float
    q3_ms: float

    @property
    def iqr_ms(self) -> float:
        return self.q3_ms - self.q1_ms

    @property
    def spread(self) -> float:
        return self.iqr_ms / self.median_ms if self.median_ms > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "min_ms": self.min_ms,
            "median_ms": self.median_ms,
            "q1_ms": self.q1_ms,
            "q3_ms": self.q3_ms,
            "iqr_ms": self.iqr_ms,
            "spread": self.spread,
        }


def summarize(samples: list[float]) -> Summary:
    """n, min, median and quartiles of ``samples`` (at least one)."""
    if not samples:
        raise ValueError("summarize needs at least one sample")
    q1, median, q3 = (float(v) for v in np.percentile(samples, [25, 50, 75]))
    return Summary(len(samples), float(min(samples)), median, q1, q3)


@dataclass
class Timing:
    """One backend's numbers for one row; all times in milliseconds."""

    first_call_ms: float
    calls_per_block: int
    calibration_ms: list[float] = field(default_factory=list)
    blocks: list[list[float]] = field(default_factory=list)

    @property
    def samples(self) -> list[float]:
        return [t for block in self.blocks for t in block]

    @property
    def summary(self) -> Summary:
        return summarize(self.samples)

    @property
    def median_ms(self) -> float:
        return self.summary.median_ms

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_call_ms": self.first_call_ms,
            **self.summary.as_dict(),
            "calls_per_block": self.calls_per_block,
            "calibration_ms": self.calibration_ms,
            "blocks_ms": self.blocks,
        }


# The faster side's calls per block are cut to at most this many times the slower side's,
# so that the two sample counts stay comparable (n per side is reported).
MAX_SAMPLE_RATIO = 2


@dataclass(frozen=True)
class TimingPlan:
    """How long to time: ``repeat`` blocks per backend, each about ``block_s`` long.

    Each backend is calibrated on its own: calls are timed until half a block has passed
    (at least three, unless one call takes a whole block), and their median sets the calls
    per block, between ``min_calls_per_block`` and ``max_calls_per_block``; then
    ``MAX_SAMPLE_RATIO`` caps the faster side. Every backend gets ``repeat`` blocks.
    """

    repeat: int
    block_s: float
    max_calls_per_block: int
    min_calls_per_block: int = 1


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


def calibration_samples(call: Call, backend: Backend, plan: TimingPlan) -> list[float]:
    """Steady calls timed until half a block has passed: at least 3, unless one fills a block."""
    block_ms, samples = plan.block_s * 1e3, []
    while len(samples) < plan.max_calls_per_block:
        samples.append(_timed(call, backend)[0])
        total = sum(samples)
        if total >= block_ms or (total >= block_ms / 2 and len(samples) >= 3):
            break
    return samples


def calls_per_block(typical_ms: dict[str, float], plan: TimingPlan) -> dict[str, int]:
    """Each backend's calls per block from its typical call, the faster side capped.

    The cap (``MAX_SAMPLE_RATIO`` times the slowest side's count) keeps sample counts
    comparable; a single slow calibration call can no longer leave one side with 5 samples
    and the other with 200, since the median of several calls sets the count.
    """
    wanted = {
        name: max(
            plan.min_calls_per_block,
            min(plan.max_calls_per_block, round(plan.block_s * 1e3 / max(ms, 1e-3))),
        )
        for name, ms in typical_ms.items()
    }
    ceiling = MAX_SAMPLE_RATIO * min(wanted.values())
    return {name: min(count, ceiling) for name, count in wanted.items()}


def time_workload(
    workload: Workload, backends: list[Backend], plan: TimingPlan, reference: str
) -> tuple[dict[str, Timing], dict[str, float]]:
    """Time one workload on every backend, in alternating blocks.

    Returns each backend's timing and, for every other backend, the relative difference
    of its first call's outputs from those of the ``reference`` backend.
    """
    calls = {b.name: workload.prepare(b) for b in backends}
    first: dict[str, float] = {}
    calibration: dict[str, list[float]] = {}
    outputs: dict[str, list[np.ndarray]] = {}
    for backend in backends:
        call = calls[backend.name]
        first[backend.name], result = _timed(call, backend)
        outputs[backend.name] = _outputs(result)
        calibration[backend.name] = calibration_samples(call, backend, plan)
    counts = calls_per_block(
        {name: statistics.median(samples) for name, samples in calibration.items()}, plan
    )
    timings = {name: Timing(first[name], counts[name], calibration[name]) for name in first}

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


# --------------------------------------------------------------------------- load and flags

# A side whose IQR is more than this fraction of its median is flagged "spread".
SPREAD_LIMIT = 0.25
# The probe loop's time may change by this fraction (between a row's start and end, or
# against the run's first probe) before the row is flagged "drift".
DRIFT_LIMIT = 0.25
# A 1-minute load average above this many runnable threads per available core means other
# processes competed for the cores: the row is flagged "load".
LOAD_PER_CORE = 1.0


def probe_ms(repeats: int = 5) -> float:
    """Median time of a fixed pure-Python + numpy loop (single-threaded), in milliseconds.

    The same work every time: when it takes longer, the machine is busier (or slower) than
    when it was timed before. About 3 ms a loop on a 2020s x86 core.
    """
    values = np.arange(4096, dtype=np.float64)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(20_000):
            total += i * i % 7
        x = values
        for _ in range(20):
            x = np.sqrt(x * x + 1.0)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def drift(before_ms: float, after_ms: float, baseline_ms: float) -> float:
    """How far the probe moved: slowest over fastest of a row's two probes and the run's first,
    less 1 (0.3: one of them took 30 % longer than another)."""
    probes = (before_ms, after_ms, baseline_ms)
    return max(probes) / min(probes) - 1.0


def row_flags(
    summaries: dict[str, Summary],
    load_1min: list[float | None],
    probe_drift: float,
    cores: int,
) -> list[str]:
    """Why a row's numbers should not be trusted; empty when nothing is wrong.

    ``spread:<backend>`` when that side's IQR/median is above ``SPREAD_LIMIT``; ``load``
    when a 1-minute load average read at the row's start or end is above
    ``LOAD_PER_CORE * cores``; ``drift`` when the probe moved by more than ``DRIFT_LIMIT``.
    """
    flags = [f"spread:{name}" for name, s in summaries.items() if s.spread > SPREAD_LIMIT]
    if any(load is not None and load > LOAD_PER_CORE * cores for load in load_1min):
        flags.append("load")
    if probe_drift > DRIFT_LIMIT:
        flags.append("drift")
    return flags


# --------------------------------------------------------------------------- peak memory

# Runs in a fresh interpreter, one per row and backend, so that nothing another row or the
# other library allocated is in it. The numbers come from the kernel's resident-set counters
# in /proc/self/status, which see every allocator alike: numpy's, PyTorch's own CPU
# allocator, oneDNN's scratch buffers (tracemalloc would see numpy's arrays only, and so
# only minitorch's side). A first, throwaway instance of the row runs two calls first, so
# that lazy imports, Numba's compiling or cache loading and PyTorch's one-time set-up are
# in the baseline and not in the row's figure.
_MEMORY_CHILD = """
import gc, json, sys, resource
library, row_name, quick = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
modules = [m for m in sys.argv[4].split(",") if m]
models = [m for m in sys.argv[5].split(",") if m]
import importlib
lib = importlib.import_module(library)
from benchmarks.rows import Backend, all_rows
from benchmarks.user_rows import load_models
load_models(models)
row = next(r for r in all_rows(tuple(modules)) if r.name == row_name)
backend = Backend(library, lib)

def status():
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "RssAnon", "RssFile", "RssShmem"):
                fields[key] = int(value.split()[0]) / 1024
    return fields

def run(times):
    workload = row.build(quick)
    call = workload.prepare(backend)
    for _ in range(times):
        call()
    return call

throwaway = run(2)
del throwaway
gc.collect()
try:
    before = status()["RssAnon"]
    call = run(2)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the resident set now
    for _ in range(3):
        call()
    now = status()
    peak = now["VmHWM"] - now["RssFile"] - now["RssShmem"]
    method = "VmHWM - RssFile - RssShmem after clear_refs, less RssAnon before"
except (OSError, KeyError):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    call = run(5)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    method = "ru_maxrss growth (no /proc: a lower bound)"
print(json.dumps({"baseline_mb": before, "peak_mb": max(0.0, peak - before), "method": method}))
"""


def peak_memory(
    library: str,
    row_name: str,
    quick: bool,
    threads: int,
    row_modules: tuple[str, ...] = (),
    models: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Peak memory of ``row_name`` on ``library`` in a fresh process, in MB.

    ``peak_mb`` is the high-water anonymous resident memory (the heap: no mapped library
    code) of a prepared row over three steady calls, less the anonymous resident memory
    before it was prepared, once a throwaway instance had run: its weights, inputs,
    gradients, optimiser state and every intermediate that its calls hold at once.
    The high-water mark is reset after two warm-up calls (``/proc/self/clear_refs``).
    """
    command = [
        sys.executable,
        "-c",
        _MEMORY_CHILD,
        library,
        row_name,
        "1" if quick else "0",
        ",".join(row_modules),
        ",".join(models),
    ]
    env = _child_env(threads)
    # A fixed mmap threshold: glibc then hands every large buffer back to the kernel when it
    # is freed, so the throwaway instance's arrays cannot be reused unseen by the measured one.
    env["MALLOC_MMAP_THRESHOLD_"] = str(128 * 1024)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit status {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_env(threads: int, cache_dir: str | None = None) -> dict[str, str]:
    """The environment of a child process: this checkout importable, every pool at ``threads``."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    for variable in (
        "NUMBA_NUM_THREADS",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
    ):
        env[variable] = str(threads)
    return env


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
    env = _child_env(threads, cache_dir)
    # Python's bytecode cache on, as a user has it (pip writes it at install): with
    # PYTHONDONTWRITEBYTECODE=1 inherited, every child compiled minitorch's ~90 modules
    # again, about 0.2 s of each "cached" cold start that no user pays
    env.pop("PYTHONDONTWRITEBYTECODE", None)
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
        "target_cached_s": 1.0,  # issue 19's goal for a cached cold start
    }
