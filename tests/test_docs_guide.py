"""The guide ``docs/adding-an-op.md`` works: its Python blocks run in order and prove parity.

The blocks share one namespace, as a reader running them one after another would; the
line numbers in a traceback point into the Markdown file.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from minitorch.testing import assert_parity

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "adding-an-op.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def run_guide(capsys) -> tuple[dict, str]:
    text = GUIDE.read_text()
    namespace: dict = {"__name__": "docs.adding_an_op"}
    for match in BLOCK.finditer(text):
        first_line = text.count("\n", 0, match.start(1)) + 1
        padded = "\n" * (first_line - 1) + match.group(1)
        exec(compile(padded, str(GUIDE), "exec"), namespace)
    return namespace, capsys.readouterr().out


def test_the_guide_runs_and_its_avg_pool2d_matches_pytorch(capsys):
    namespace, output = run_guide(capsys)
    assert len(BLOCK.findall(GUIDE.read_text())) >= 8
    assert "AvgPool2d(kernel_size=2, stride=2, padding=0)" in output
    assert "worst error:" in output
    assert "Worst at index" in output  # the faked bug's ParityError was printed
    # the guide's layer, checked here once more on a shape the page does not use
    x = np.random.default_rng(5).standard_normal((3, 2, 9, 4)).astype(np.float32)
    assert_parity(
        lambda t, x: namespace["AvgPool2d"]((3, 2), stride=(2, 1))(x),
        x,
        torch_fn=lambda t, x: t.nn.AvgPool2d((3, 2), stride=(2, 1))(x),
    )
    out = namespace["avg_pool2d"](namespace["minitorch"].ones(2, 3, 3, requires_grad=True), 2)
    assert out.grad_fn.name() == "AvgPool2DBackward0"
