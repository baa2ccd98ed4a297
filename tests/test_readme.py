"""The README's set-up section stays true: two commands, and CI runs the second verbatim."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```\n(.*?)```", section, re.S)]


def test_readme_has_exactly_two_setup_commands():
    commands = setup_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)


def test_ci_runs_the_readme_test_command():
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert setup_commands()[1] in ci_lines


def test_main_command_is_a_declared_script():
    pyproject = (ROOT / "pyproject.toml").read_text()
    program = setup_commands()[0].split("&&")[-1].split()[0]
    assert re.search(rf'^{re.escape(program)} = "', pyproject, re.M)
