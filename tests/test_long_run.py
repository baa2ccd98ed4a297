"""Long runs of the tutorial model: memory levels off, each step's graph is freed.

CI trains 150 steps at batch 8; ``MINITORCH_LONG_TESTS=1`` trains 2,000 at batch 64.
Resident memory is read from ``/proc/self/statm`` after a warm-up (Numba compilation,
first allocations) and at the end; growth must stay under 50 MB. Each step's autograd
graph must be freed by reference counting alone: the cyclic garbage collector is off
during the run, and a weak reference to the loss's ``grad_fn`` must die as soon as the
step's tensors go out of scope. Step times are recorded (never asserted) in
``<tmp>/minitorch_long_run.json``.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import tempfile
import time
import weakref

import numpy as np
import pytest

import minitorch
from minitorch import nn
from minitorch.models import tutorial_sequential

LONG = os.environ.get("MINITORCH_LONG_TESTS") == "1"
STEPS, BATCH = (2000, 64) if LONG else (150, 8)
WARMUP = 30
MAX_GROWTH_MB = 50.0
REPORT_PATH = os.path.join(tempfile.gettempdir(), "minitorch_long_run.json")


def tutorial_model() -> nn.Module:
    return tutorial_sequential(minitorch)


def resident_mb() -> float:
    """Current resident set size in MB (Linux), else the peak from ``resource``."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_step(
    model: nn.Module,
    optimizer: minitorch.optim.Optimizer,
    images: minitorch.Tensor,
    targets: minitorch.Tensor,
) -> tuple[float, weakref.ref]:
    """One SGD step; returns the loss and a weak reference to its graph's root node."""
    loss = nn.functional.cross_entropy(model(images), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item(), weakref.ref(loss.grad_fn)


@pytest.mark.slow
def test_long_training_run_is_steady() -> None:
    minitorch.manual_seed(0)
    model = tutorial_model()
    optimizer = minitorch.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    images = [
        minitorch.tensor(rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32))
        for _ in range(4)
    ]
    targets = [minitorch.tensor(rng.integers(0, 10, BATCH)) for _ in range(4)]
    step_seconds, losses, graphs_alive = [], [], 0
    memory_after_warmup = 0.0
    gc.collect()
    gc.disable()  # a graph freed only by the cycle collector would now stay alive
    try:
        for step in range(STEPS):
            if step == WARMUP:
                memory_after_warmup = resident_mb()
            start = time.perf_counter()
            loss, graph = train_step(model, optimizer, images[step % 4], targets[step % 4])
            step_seconds.append(time.perf_counter() - start)
            losses.append(loss)
            graphs_alive += graph() is not None
        memory_at_end = resident_mb()
    finally:
        gc.enable()
    growth = memory_at_end - memory_after_warmup
    quarter = max(STEPS // 4, 1)
    report = {
        "steps": STEPS,
        "batch": BATCH,
        "rss_after_warmup_mb": round(memory_after_warmup, 1),
        "rss_at_end_mb": round(memory_at_end, 1),
        "rss_growth_mb": round(growth, 1),
        "graphs_alive_after_their_step": graphs_alive,
        "median_step_ms_first_quarter": round(1e3 * float(np.median(step_seconds[:quarter])), 2),
        "median_step_ms_last_quarter": round(1e3 * float(np.median(step_seconds[-quarter:])), 2),
        "first_loss": losses[0],
        "last_loss": losses[-1],
    }
    with open(REPORT_PATH, "w") as f:
        json.dump(report, f, indent=1)
    print(f"\nlong run: {report}")
    assert all(np.isfinite(losses))
    assert graphs_alive == 0, f"{graphs_alive} step graphs outlived their step without gc"
    assert growth < MAX_GROWTH_MB, f"resident memory grew {growth:.1f} MB after warm-up"


def test_graph_is_freed_by_reference_counting_alone() -> None:
    x = minitorch.randn(4, 3, requires_grad=True)
    gc.disable()
    try:
        loss = (nn.functional.relu(x @ minitorch.randn(3, 2)) * 2).sum()
        root = weakref.ref(loss.grad_fn)
        loss.backward()
        del loss
        assert root() is None
    finally:
        gc.enable()
