"""A type checker sees Tensor's whole API: mypy passes on a script of common methods.

Tensor's methods are written out in ``minitorch/_tensor.py``, so static tools know them.
A second probe with deliberate mistakes shows that mypy really reads the types (a probe
that passed because mypy saw ``Any`` everywhere would prove nothing).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
import minitorch as t

x = t.ones(2, 3, requires_grad=True)
w = t.randn(3, 4)
y = (x * 2 + 1).reshape(3, 2)
z = (x @ w).relu().sigmoid().exp().log()
s = z.sum(dim=1, keepdim=True).mean()
m = (x - x.max()).abs().sqrt().clamp(min=0.1)
v = x.view(-1).unsqueeze(0).squeeze(0).flatten()
p = x.permute(1, 0).transpose(0, 1).contiguous().t()
c = t.cat([x, x], dim=0).detach().clone()
mask = (x > 0.5) & (x < 2.0)
picked = x[0, 1:3]
ratio = x / (x ** 2 + 1e-3) - (-x)
total: float = s.item()
shape: tuple[int, ...] = tuple(x.shape)
n: int = x.numel() + x.dim() + x.size(0)
arr = x.detach().numpy()
x.data.add_(1.0).mul_(0.5)
s.backward()
grad = x.grad
values = x.tolist()
u = x.to(t.float64).float().double().argmax(dim=1)
best = x.max(dim=1).indices + x.min().long()
"""

BAD = """\
import minitorch as t

x = t.ones(2, 3)
x.no_such_method()
count: str = x.numel()
"""


def test_mypy_sees_the_tensor_api(tmp_path: Path) -> None:
    (tmp_path / "probe_good.py").write_text(GOOD)
    (tmp_path / "probe_bad.py").write_text(BAD)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--follow-imports=silent",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(tmp_path / "probe_good.py"),
            str(tmp_path / "probe_bad.py"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    good_errors = [line for line in errors if "probe_good.py" in line]
    bad_errors = [line for line in errors if "probe_bad.py" in line]
    assert not good_errors, "\n".join(good_errors) + result.stderr
    assert any('has no attribute "no_such_method"' in line for line in bad_errors), result.stdout
    assert any("probe_bad.py:5" in line for line in bad_errors), result.stdout
