"""``minitorch-train --backend torch`` under ``torchrun``: DistributedDataParallel on CPU (gloo).

Two processes on the loopback interface train one short epoch; every rank reports a
SHA-256 of its parameters, and the replicas must be bit-identical, and identical to the
checkpoint rank 0 saved.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
    reason="this PyTorch has no gloo distributed backend",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_cpu_processes_keep_identical_replicas(tmp_path):
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
        "-m", "minitorch.train", "--backend", "torch", "--epochs", "1", "--limit-batches", "6",
        "--out", str(out),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

    report = json.loads((out / "distributed.json").read_text())
    assert report["world_size"] == 2 and report["process_group_backend"] == "gloo"
    rank0, rank1 = report["parameter_sha256"]
    assert rank0 == rank1 and report["replicas_identical"] is True

    # The same checksum, computed here from the checkpoint rank 0 wrote.
    state = torch.load(out / "last.pt", weights_only=True)["model"]
    digest = hashlib.sha256()
    for key, value in state.items():
        digest.update(key.encode())
        digest.update(value.numpy().tobytes())
    assert digest.hexdigest() == rank0

    (row,) = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert row["epoch"] == 1 and 0 <= row["test_accuracy"] <= 1
    assert "2 replicas, parameters identical: True" in result.stdout
    assert (
        "cnn on digits (1437 train / 360 test images), torch on cpu x 2 processes" in result.stdout
    )
    assert result.stdout.count("Done:") == 1  # only rank 0 reports
