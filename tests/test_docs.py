"""The docs cannot go stale: their Python blocks run, and the files they name exist.

Each ```python block of a ``docs/*.md`` file runs, in order, in one fresh namespace per
file (so a block may use what an earlier block of the same page defined), with line
numbers in tracebacks pointing into the Markdown file. Paths the pages name in
backquotes (``minitorch/nn/functional.py``, ``torch/nn/modules/conv.py``) must exist
in this repository or in the installed PyTorch; C++ paths of PyTorch's source tree
(``aten/...``, ``torch/csrc/...``) are not installed and are not checked.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("**/*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
PYTHON_PATH = re.compile(r"`((?:minitorch|torch|torchvision|examples)/[\w/]+\.py)`")


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """``(line number of the block's first line, code)`` for each ```python block."""
    text = page.read_text()
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1)) for match in BLOCK.finditer(text)
    ]


def installed_file(path: str) -> Path | None:
    """Where ``torch/nn/modules/conv.py`` is in the installed package, if it is installed."""
    package = path.split("/", 1)[0]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent.parent / path


def test_there_are_pages_with_code():
    assert any(python_blocks(page) for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_python_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pages may write files
    namespace: dict = {"__name__": f"docs.{page.stem}"}
    for first_line, code in python_blocks(page):
        padded = "\n" * (first_line - 1) + code  # tracebacks show the Markdown line numbers
        exec(compile(padded, str(page), "exec"), namespace)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_named_python_files_exist(page):
    missing = []
    for path in sorted(set(PYTHON_PATH.findall(page.read_text()))):
        if path.startswith(("minitorch/", "examples/")):
            exists = (ROOT / path).is_file()
        else:
            location = installed_file(path)
            if location is None:
                continue  # PyTorch is not installed here: nothing to check against
            exists = location.is_file()
        if not exists:
            missing.append(path)
    assert not missing, f"{page.name} names files that do not exist: {missing}"
