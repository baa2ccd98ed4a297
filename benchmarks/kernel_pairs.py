"""Kernel pairs: each reference kernel (``minitorch/kernels/reference.py``) against its fast
counterpart and PyTorch, on the tutorial model's shapes; and the steps from the reference
convolution to the fast one (``docs/kernels.md`` quotes what this measures).

As benchmark rows (:func:`benchmark_rows`): one row per kernel and per set, the
row's op run inside ``minitorch.kernels.use(set)`` on minitorch and unchanged on PyTorch,
so each row is minitorch with that set against PyTorch: ``conv2_fwd_reference`` next to
``conv2_fwd_fast``, and so on.

Standalone, ``python -m benchmarks.kernel_pairs [--quick] [--repeat N] [--ladder]``
times the three sides of each pair (reference, fast, PyTorch) in one process, in
alternating blocks of calls (the order reversing every repetition, an untimed call opening
each block), and prints their medians and ratios. ``--ladder`` times the convolution's
steps instead, at kernel level on numpy arrays, each step checked against the reference.

Like ``rows``, this module imports nothing but numpy and the standard library at the top.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.rows import (
    NUM_CLASSES,
    TUTORIAL_BATCH,
    Backend,
    Call,
    Row,
    Workload,
    conv_row,
    cross_entropy_row,
    max_pool_row,
)

KERNEL_SETS = ("reference", "fast")


def _pair_bases() -> list[Row]:
    """The ops of the pairs, as the built-in rows time them (with the fast kernels)."""
    b = TUTORIAL_BATCH
    return [
        conv_row("conv2_fwd", (b, 32, 16, 16), 32, backward=False),
        conv_row("conv2_fwd_bwd", (b, 32, 16, 16), 32, backward=True),
        max_pool_row("max_pool_fwd_bwd", (b, 32, 32, 32), backward=True),
        cross_entropy_row("cross_entropy_fwd_bwd", b, NUM_CLASSES),
    ]


def in_kernel_set(call: Call, backend: Backend, kernel_set: str) -> Call:
    """``call`` run inside ``backend.lib.kernels.use(kernel_set)``; a library without kernel
    sets (PyTorch) runs it as it is."""
    kernels = getattr(backend.lib, "kernels", None)
    if kernels is None or not hasattr(kernels, "use"):
        return call

    def with_set() -> Any:
        with kernels.use(kernel_set):
            return call()

    return with_set


def _row_in_set(base: Row, kernel_set: str) -> Row:
    def build(quick: bool) -> Workload:
        workload = base.build(quick)

        def prepare(backend: Backend) -> Call:
            return in_kernel_set(workload.prepare(backend), backend, kernel_set)

        return Workload(workload.shape, workload.params, prepare)

    title = f"{base.title}, {kernel_set} kernels"
    return Row(f"{base.name}_{kernel_set}", "kernel", title, build)


def benchmark_rows() -> list[Row]:
    """For each kernel pair, its row with the reference kernels, then with the fast ones."""
    return [_row_in_set(base, kernel_set) for base in _pair_bases() for kernel_set in KERNEL_SETS]


# --------------------------------------------------------------------------- timing
def alternate(
    calls: dict[str, Call],
    repeat: int,
    block_s: float,
    before: dict[str, Callable[[], None]] | None = None,
) -> dict[str, float]:
    """Median milliseconds of each call, timed in blocks that alternate between the calls.

    Each block runs ``before[name]`` (untimed; setting thread counts, say), one untimed
    call, then as many timed calls as fill about ``block_s`` (at least one); the order of
    the calls reverses every repetition.
    """
    setup = before or {}
    per_block: dict[str, int] = {}
    for name, call in calls.items():
        setup.get(name, lambda: None)()
        call()  # compiled, or loaded from Numba's cache
        start = time.perf_counter()
        call()
        per_block[name] = max(1, round(block_s / max(time.perf_counter() - start, 1e-6)))
    times: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls)
    for repetition in range(repeat):
        for name in order if repetition % 2 == 0 else order[::-1]:
            setup.get(name, lambda: None)()
            calls[name]()
            for _ in range(per_block[name]):
                start = time.perf_counter()
                calls[name]()
                times[name].append((time.perf_counter() - start) * 1e3)
    return {name: statistics.median(values) for name, values in times.items()}


def time_pairs(quick: bool, repeat: int, block_s: float) -> list[tuple[str, str, dict]]:
    """``(row, shape, {side: median ms})`` for each pair: reference, fast and torch."""
    import torch

    import minitorch

    results = []
    for base in _pair_bases():
        workload = base.build(quick)
        mini, reference_torch = Backend("minitorch", minitorch), Backend("torch", torch)
        calls = {
            kernel_set: in_kernel_set(workload.prepare(mini), mini, kernel_set)
            for kernel_set in KERNEL_SETS
        }
        calls["torch"] = workload.prepare(reference_torch)
        results.append((base.name, workload.shape, alternate(calls, repeat, block_s)))
    return results


# --------------------------------------------------------------------------- the ladder
def im2col_gemm_conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, pad: int) -> np.ndarray:
    """Step 2 of the ladder: im2col of the whole NCHW batch in numpy, then one BLAS product.

    ``cols[(n, oh, ow), (c, kh, kw)] = x_pad[n, c, oh + kh, ow + kw]`` (stride 1) and
    ``out[n, o, oh, ow] = (cols @ weight.reshape(O, -1).T)[(n, oh, ow), o] + bias[o]``.
    """
    n, _, height, width = x.shape
    out_channels, _, kernel_h, kernel_w = weight.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_h, out_w = height + 2 * pad - kernel_h + 1, width + 2 * pad - kernel_w + 1
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, (kernel_h, kernel_w), axis=(2, 3))
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * out_h * out_w, -1)  # copies
    out = cols @ weight.reshape(out_channels, -1).T + bias
    return np.ascontiguousarray(out.reshape(n, out_h, out_w, out_channels).transpose(0, 3, 1, 2))


def ladder_calls(quick: bool) -> tuple[str, dict[str, tuple[Call, int]]]:
    """The tutorial's second convolution forward (64 samples, 32 -> 32 channels, 16x16, 5x5,
    padding 2), one call per step of ``docs/kernels.md``, each with its thread count."""
    import torch

    from minitorch.kernels import conv as fast
    from minitorch.kernels import reference

    batch, side = (4, 8) if quick else (TUTORIAL_BATCH, 16)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 32, side, side)).astype(np.float32)
    weight = (rng.standard_normal((32, 32, 5, 5)) / np.sqrt(800)).astype(np.float32)
    bias = rng.standard_normal(32).astype(np.float32)
    geometry = ((1, 1), (2, 2, 2, 2), (1, 1), 1)
    tx, tw, tb = torch.from_numpy(x), torch.from_numpy(weight), torch.from_numpy(bias)

    # the im2col matrix of every sample at once: N*OH*OW rows of C*KH*KW values
    whole_batch_bytes = batch * side * side * weight[0].size * x.itemsize

    def whole_batch_chunk() -> np.ndarray:
        saved, fast.CHUNK_BYTES = fast.CHUNK_BYTES, whole_batch_bytes  # all samples at once
        try:
            return fast.conv2d_forward(x, weight, bias, *geometry)
        finally:
            fast.CHUNK_BYTES = saved

    def torch_conv() -> np.ndarray:
        with torch.no_grad():
            return torch.nn.functional.conv2d(tx, tw, tb, padding=2).numpy()

    steps: dict[str, tuple[Call, int]] = {
        "1 plain loops (reference)": (
            lambda: reference.conv2d_forward(x, weight, bias, *geometry),
            1,
        ),
        "2 im2col (NCHW, numpy) + one GEMM": (lambda: im2col_gemm_conv2d(x, weight, bias, 2), 1),
        "3 channels-last im2col, whole batch": (whole_batch_chunk, 1),
        "4 + cache-sized chunks (fast, 1 thread)": (
            lambda: fast.conv2d_forward(x, weight, bias, *geometry),
            1,
        ),
        "5 + batch over 2 threads (fast)": (
            lambda: fast.conv2d_forward(x, weight, bias, *geometry),
            2,
        ),
        "torch, 1 thread": (torch_conv, 1),
        "torch, 2 threads": (torch_conv, 2),
    }
    expected = reference.conv2d_forward(x, weight, bias, *geometry)
    for name, (call, threads) in steps.items():
        set_threads(threads)()
        np.testing.assert_allclose(call(), expected, rtol=1e-3, atol=1e-4, err_msg=name)
    return f"({batch},32,{side},{side})->32ch 5x5 pad 2", steps


def set_threads(threads: int) -> Callable[[], None]:
    """What sets minitorch's (Numba's, BLAS's) and PyTorch's thread counts to ``threads``."""
    import torch

    import minitorch

    def setter() -> None:
        minitorch.set_num_threads(threads)
        torch.set_num_threads(threads)

    return setter


# --------------------------------------------------------------------------- printing
def _load() -> str:
    import os

    return " ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def print_pairs(results: list[tuple[str, str, dict]], out: Callable[[str], None]) -> None:
    out(f"{'row':24} {'shape':28} {'reference':>10} {'fast':>9} {'torch':>9} {'ref/fast':>9}")
    for name, shape, medians in results:
        ratio = medians["reference"] / medians["fast"]
        out(
            f"{name:24} {shape:28} {medians['reference']:10.2f} {medians['fast']:9.3f}"
            f" {medians['torch']:9.3f} {ratio:9.1f}"
        )


def print_ladder(shape: str, medians: dict[str, float], out: Callable[[str], None]) -> None:
    first = next(iter(medians.values()))
    out(f"conv2d forward {shape}; ms (median) and speed-up over step 1")
    for name, ms in medians.items():
        out(f"  {name:42} {ms:9.2f} ms  {first / ms:7.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.kernel_pairs", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny shapes, two repetitions")
    parser.add_argument("--repeat", type=int, default=None, help="blocks per side (default 5)")
    parser.add_argument("--ladder", action="store_true", help="the conv steps, not the pairs")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads of both libraries for the pairs (1)"
    )
    args = parser.parse_args(argv)
    repeat = args.repeat or (2 if args.quick else 5)
    block_s = 0.02 if args.quick else 0.25
    print(f"load average at start: {_load()}", flush=True)
    if args.ladder:
        shape, steps = ladder_calls(args.quick)
        calls = {name: call for name, (call, _) in steps.items()}
        before = {name: set_threads(threads) for name, (_, threads) in steps.items()}
        print_ladder(shape, alternate(calls, repeat, block_s, before), print)
    else:
        set_threads(args.threads)()
        print(f"threads: {args.threads} (minitorch, BLAS and PyTorch)")
        print_pairs(time_pairs(args.quick, repeat, block_s), print)
    print(f"load average at end: {_load()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
