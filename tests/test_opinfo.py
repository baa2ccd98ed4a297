"""PyTorch's own test database (OpInfo, ModuleInfo, OptimizerInfo) run against minitorch.

One test per entry of ``op_db``, ``module_db`` and ``optim_db`` that minitorch implements
(found from its public API by :mod:`minitorch.testing.opinfo`): every sample must match
PyTorch (values, dtypes, shapes, gradients; error samples raise PyTorch's class) or be
skipped for a reason the walk counts. Under the CI profile each entry runs the first few
samples of each list; otherwise all of them.

The samples that do not match yet are listed with their reasons in
``opinfo_known_gaps.json``, which the report writes::

    python -m minitorch.testing.opinfo --write-known-gaps tests/opinfo_known_gaps.json

The entry tests leave them out, and each is a test of its own marked ``xfail(strict=True)``:
a fix shows as XPASS and fails the run until its line leaves the list, so the list only
shrinks.
"""

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest
import torch

import minitorch
from minitorch.testing import opinfo
from minitorch.testing.catalogue import public_api

KNOWN_GAPS_FILE = Path(__file__).with_name("opinfo_known_gaps.json")
KNOWN_GAPS_DOCUMENT = json.loads(KNOWN_GAPS_FILE.read_text())
KNOWN_GAPS: dict[str, str] = KNOWN_GAPS_DOCUMENT["gaps"]

# The profile tests/conftest.py loads: CI runs the first samples of each list of each entry
# (every variant, dtype and error list), the dev profile all of them.
CI_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev") == "ci"
MAX_SAMPLES = 3 if CI_PROFILE else None


def _release(version: str) -> str:
    return ".".join(version.split("+")[0].split(".")[:2])


# A sample's key is its position in PyTorch's sample list, which another PyTorch release
# may change; the gaps were recorded with one release.
pytestmark = pytest.mark.skipif(
    _release(torch.__version__) != _release(KNOWN_GAPS_DOCUMENT["torch_version"]),
    reason=(
        f"known gaps recorded with PyTorch {KNOWN_GAPS_DOCUMENT['torch_version']}, this is "
        f"{torch.__version__}: regenerate tests/opinfo_known_gaps.json (see the docstring)"
    ),
)

ENTRIES = opinfo.entries()
FAILED = (opinfo.MISMATCHED, opinfo.UNSUPPORTED, opinfo.MISSING)


def _describe(outcome: opinfo.Outcome) -> str:
    lines = [f"{outcome.key}: {outcome.status}: {outcome.detail}"]
    if outcome.reproducer:
        lines += ["    " + line for line in outcome.reproducer.splitlines()]
    return "\n".join(lines)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.key)
def test_pytorch_samples_match(entry: opinfo.Entry) -> None:
    report = opinfo.run_entry(entry, MAX_SAMPLES, skip=frozenset(KNOWN_GAPS))
    failures = [o for o in report.outcomes if o.status in FAILED]
    assert not failures, f"{len(failures)} samples differ from PyTorch:\n" + "\n".join(
        _describe(o) for o in failures[:10]
    )


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(
            key,
            marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason),
            id=key.replace("::", "@"),
        )
        for key, reason in KNOWN_GAPS.items()
    ],
)
def test_known_gap(key: str) -> None:
    outcome = opinfo.run_sample(key)
    assert outcome.status not in FAILED, _describe(outcome)


def test_entries_come_from_the_public_api() -> None:
    api = public_api()
    assert {e.kind for e in ENTRIES} == {"op", "module", "optim"}
    for entry in ENTRIES:
        if entry.kind == "op":
            names = [entry.info.name, *(alias.name for alias in entry.info.aliases)]
            assert any(n in api or f"Tensor.{n}" in api for n in names), entry.key
        else:
            prefix = "nn." if entry.kind == "module" else "optim."
            assert prefix + entry.name.removeprefix("nn.") in api, entry.key


def test_every_known_gap_names_an_entry() -> None:
    keys = {entry.key for entry in ENTRIES}
    stale = [gap for gap in KNOWN_GAPS if gap.partition("::")[0] not in keys]
    assert not stale, f"known gaps of entries the walk no longer has: {stale[:5]}"


def test_report_command_writes_json_and_known_gaps(tmp_path: Path, capsys) -> None:
    report_file, gaps_file = tmp_path / "report.json", tmp_path / "gaps.json"
    status = opinfo.main(
        [
            "--entries",
            "op:neg,module:nn.ReLU,optim:SGD",
            "--max-samples",
            "2",
            "--json",
            str(report_file),
            "--write-known-gaps",
            str(gaps_file),
        ]
    )
    report = json.loads(report_file.read_text())
    gaps = json.loads(gaps_file.read_text())["gaps"]
    assert [e["entry"] for e in report["entries"]] == ["op:neg", "module:nn.ReLU", "optim:SGD"]
    assert report["summary"]["torch_version"] == torch.__version__
    assert report["summary"]["samples"] == sum(e["samples"] for e in report["entries"])
    assert status == (1 if gaps else 0)
    assert "PyTorch" in capsys.readouterr().out.splitlines()[-1]  # the summary line


def _pow_variant_and_sample() -> tuple[opinfo.Entry, Any, Any]:
    # pow's float32 sample 4: a (10, 5) exponent broadcast over (5, 10, 5), whose gradient
    # sums 5 terms near 4e4, where the two libraries' orders of summation differ by more
    # than assert_close's float32 tolerance
    entry = next(e for e in ENTRIES if e.key == "op:pow")
    variant = next(v for v in opinfo._op_variants(entry.key) if v.label == "pow")
    return entry, variant, opinfo._op_samples(entry.key, "float32", 5)[4]


def test_a_float32_rounding_difference_is_judged_against_pytorchs_float64_gradient() -> None:
    entry, variant, sample = _pow_variant_and_sample()
    status, detail = opinfo._op_status(entry, variant, sample, seed=4)
    assert (status, detail) == (opinfo.MATCHED, opinfo.ROUNDING_MATCH)


def test_the_float64_reference_still_catches_a_wrong_gradient() -> None:
    entry, variant, sample = _pow_variant_and_sample()

    def off_gradient(x, y, **kwargs):  # the same forward; the exponent's gradient is off
        return minitorch.pow(x, y, **kwargs) + (y - y.detach()) * 100.0

    wrong = dataclasses.replace(variant, minitorch_fn=off_gradient)
    status, detail = opinfo._op_status(entry, wrong, sample, seed=4)
    assert status == opinfo.MISMATCHED and "gradient of args[0]" in detail
