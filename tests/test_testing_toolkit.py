"""The parity toolkit itself: assert_parity's verdicts and messages, assert_same_error, the
strategies' argument sets, and the ``minitorch-parity`` command (report, JSON, reproducer)."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch import parity
from minitorch._cli import PARITY_REQUIREMENTS
from minitorch.testing import (
    ParityError,
    assert_parity,
    assert_same_error,
    compare_arrays,
    gradcheck,
)
from minitorch.testing.catalogue import (
    BINARY_SPELLINGS,
    NOT_CHECKED,
    UNARY_SPELLINGS,
    OpCall,
    calls_in,
    public_ops,
)
from minitorch.testing.strategies import (
    conv2d_args,
    cross_entropy_args,
    distinct,
    linear_args,
    max_pool2d_args,
)


def conv_output_side(size: int, kernel: int, pad: int, stride: int, dilation: int) -> int:
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def pair(value: object) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


# ------------------------------------------------------------------ assert_parity
def test_assert_parity_passes_on_a_matching_op_and_reports_the_error_fraction():
    x = np.array([[0.5, -1.25, 2.0], [3.0, -0.75, 0.1]])
    worst = assert_parity(lambda t, x: (x.exp() * x).sum(dim=1), x)
    assert 0.0 <= worst <= 1.0


def test_assert_parity_failure_reports_as_assert_close_does_and_names_the_worst_element():
    x = np.array([[0.5, -1.25, 2.0], [3.0, -0.75, 0.1]])
    # minitorch's side is off by 1e-3 at one element only; PyTorch's is the true exp
    wrong = np.zeros_like(x)
    wrong[1, 2] = 1e-3
    with pytest.raises(ParityError) as caught:
        assert_parity(
            lambda t, x: t.exp(x) + (t.tensor(wrong) if t is minitorch else 0), x, grad=False
        )
    lines = str(caught.value).splitlines()
    assert lines[0] == "forward output 0: values differ (float64, atol 1e-07, rtol 1e-07)"
    assert lines[1] == "Mismatched elements: 1 / 6 (16.7%)"
    difference = (np.exp(0.1) + 1e-3) - np.exp(0.1)
    assert lines[2] == (
        f"Greatest absolute difference: {difference!s} at index (1, 2) (up to 1e-07 allowed)"
    )
    assert lines[3] == (
        f"Greatest relative difference: {difference / np.exp(0.1)!s} at index (1, 2) "
        "(up to 1e-07 allowed)"
    )
    assert lines[4] == (
        f"Worst at index (1, 2): minitorch {float(np.exp(0.1) + 1e-3)!r}, "
        f"PyTorch {float(np.exp(0.1))!r}"
    )


def test_the_report_matches_torch_testing_assert_close_on_the_same_arrays():
    import torch

    actual = np.array([[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]])
    expected = actual.copy()
    expected[0, 1], expected[2, 3], expected[1, 0] = 1.5, np.nan, 0.0
    with pytest.raises(AssertionError) as theirs:
        torch.testing.assert_close(torch.tensor(actual), torch.tensor(expected))
    with pytest.raises(ParityError) as ours:
        compare_arrays(actual, expected, "forward output 0")
    # the three lines torch writes are ours too, word for word
    torch_lines = str(theirs.value).splitlines()[2:]
    assert str(ours.value).splitlines()[1:4] == torch_lines


def test_integer_mismatches_are_reported_exactly():
    with pytest.raises(ParityError) as caught:
        compare_arrays(np.array([1, 2, 3]), np.array([1, 5, 3]), "forward output 1")
    assert str(caught.value).splitlines()[:3] == [
        "forward output 1: values differ (int64, exact)",
        "Mismatched elements: 1 / 3 (33.3%)",
        "Greatest absolute difference: 3 at index (1,)",
    ]


def test_assert_parity_checks_gradients_under_a_random_upstream_gradient():
    x = np.array([0.5, -1.5, 2.0])
    # same forward values, but minitorch's gradient is scaled by 2 through a detached term
    with pytest.raises(ParityError, match=r"gradient of input 0: values differ") as caught:
        assert_parity(
            lambda t, x: x * 2 - x.detach(),
            x,
            torch_fn=lambda t, x: x * 1,
        )
    assert "Mismatched elements: 3 / 3 (100.0%)" in str(caught.value)


def test_assert_parity_reports_shape_and_dtype_mismatches():
    x = np.ones((2, 3))
    with pytest.raises(ParityError, match=r"shape \[3, 2\] != PyTorch's \[2, 3\]"):
        assert_parity(lambda t, x: x.mT * 1, x, torch_fn=lambda t, x: x * 1)
    with pytest.raises(ParityError, match="dtype"):
        assert_parity(lambda t, x: x.float(), x, torch_fn=lambda t, x: x * 1, grad=False)


def test_assert_same_error_both_ways():
    x = np.ones((2, 3))
    assert assert_same_error(lambda t, x: x.reshape(4, 2), x) is RuntimeError
    with pytest.raises(ParityError, match="minitorch did not raise; PyTorch raised RuntimeError"):
        assert_same_error(lambda t, x: x.reshape(3, 2), x, torch_fn=lambda t, x: x.reshape(4, 2))
    with pytest.raises(ParityError, match="PyTorch did not raise"):
        assert_same_error(lambda t, x: x.reshape(4, 2), x, torch_fn=lambda t, x: x.reshape(3, 2))
    with pytest.raises(ParityError, match="minitorch raised ValueError.*PyTorch raised Runtime"):
        assert_same_error(
            lambda t, x: (_ for _ in ()).throw(ValueError("no")),
            x,
            torch_fn=lambda t, x: x.reshape(4, 2),
        )


def test_the_package_reexports_gradcheck_and_imports_without_pytest():
    x = minitorch.tensor([0.3, -0.7], dtype=minitorch.float64, requires_grad=True)
    assert gradcheck(lambda a: (a * a).tanh(), (x,))
    script = (
        "import sys; sys.modules['pytest'] = None; sys.modules['hypothesis'] = None\n"
        "import numpy as np\n"
        "from minitorch.testing import assert_parity\n"
        "assert_parity(lambda t, x: t.exp(x), np.ones(3))\n"
        "import minitorch.testing as T\n"
        "try:\n    T.strategies\nexcept ImportError:\n    print('lazy')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lazy"


# ------------------------------------------------------------------ strategies
@given(args=conv2d_args())
def test_conv2d_args_are_consistent(args):
    batch_free = args["input_shape"][-3:]
    out_channels, group_channels, *kernel = args["weight_shape"]
    assert batch_free[0] == group_channels * args["groups"]
    assert out_channels % args["groups"] == 0
    if args["padding"] == "same":
        assert pair(args["stride"]) == (1, 1)
        return
    pads = (0, 0) if args["padding"] == "valid" else pair(args["padding"])
    stride, dilation = pair(args["stride"]), pair(args["dilation"])
    for i in range(2):
        assert conv_output_side(batch_free[1 + i], kernel[i], pads[i], stride[i], dilation[i]) >= 1


@given(
    args=conv2d_args(
        batch=(2,), groups=(1,), channels=(2, 2), out_channels=(3, 4), kernel=(3, 3), bias=(True,)
    )
)
def test_conv2d_args_take_ranges_and_give_pytorchs_output_shape(args):
    import torch

    assert args["input_shape"][:2] == (2, 2) and args["in_channels"] == 2
    assert args["out_channels"] in (3, 4) and args["kernel_size"] == 3 and args["bias"]
    x = torch.zeros(args["input_shape"])
    w = torch.zeros(args["weight_shape"])
    options = {k: args[k] for k in ("stride", "padding", "dilation", "groups")}
    assert tuple(torch.nn.functional.conv2d(x, w, **options).shape) == args["output_shape"]


@given(args=linear_args(in_features=(7, 7), out_features=(1, 2), bias=(False,)))
def test_linear_args_take_ranges(args):
    assert args["input"].shape[-1] == 7 and args["weight"].shape[0] in (1, 2)
    assert args["bias"] is None


@given(args=cross_entropy_args(classes=(3, 3), batch=(4,), reductions=("sum",)))
def test_cross_entropy_args_take_ranges(args):
    assert args["input"].shape == (4, 3) and args["reduction"] == "sum"


@given(args=max_pool2d_args())
def test_max_pool2d_args_are_consistent_and_accepted_by_pytorch(args):
    import torch

    kernel = pair(args["kernel_size"])
    assert all(p <= k // 2 for p, k in zip(args["padding"], kernel, strict=True))
    x = distinct(args["seed"], args["shape"], np.float32)
    assert len(np.unique(x)) == x.size
    options = {k: args[k] for k in ("kernel_size", "stride", "padding", "dilation", "ceil_mode")}
    out = torch.nn.functional.max_pool2d(torch.tensor(x), **options)
    assert min(out.shape[-2:]) >= 1
    assert torch.isfinite(out).all()  # no window holds only padding


@given(args=linear_args(np.float32))
def test_linear_args_fit_together(args):
    assert args["input"].shape[-1] == args["weight"].shape[1]
    assert args["bias"] is None or args["bias"].shape == args["weight"].shape[:1]
    assert args["input"].dtype == args["weight"].dtype == np.float32


@given(args=cross_entropy_args())
def test_cross_entropy_args_have_targets_in_range(args):
    classes = args["input"].shape[-1]
    assert args["target"].dtype == np.int64
    assert args["target"].shape == args["input"].shape[:-1]
    assert ((args["target"] >= 0) & (args["target"] < classes)).all()
    assert args["weight"] is None or (args["weight"] > 0).all()


# ------------------------------------------------------------------ minitorch-parity
def test_parity_command_writes_a_json_report(tmp_path, capsys):
    report_file = tmp_path / "report.json"
    status = parity.main(["--examples", "3", "--ops", "relu,conv2d", "--json", str(report_file)])
    assert status == 0
    import torch

    table = capsys.readouterr().out
    assert f"minitorch vs PyTorch {torch.__version__}" in table
    assert re.search(r"^conv2d\s+float32\s+3\s+0\s", table, re.M)
    document = json.loads(report_file.read_text())
    assert document["torch_version"] == torch.__version__
    assert document["examples_per_op"] == 3
    rows = {(row["op"], row["dtype"]): row for row in document["ops"]}
    assert set(rows) == {(op, d) for op in ("relu", "conv2d") for d in ("float32", "float64")}
    for row in rows.values():
        assert row["examples"] == 3 and row["mismatches"] == 0
        assert 0.0 <= row["worst"] <= 1.0 and row["reproducer"] is None


def test_parity_command_lists_the_registry(capsys):
    assert parity.main(["--list"]) == 0
    listed = capsys.readouterr().out.split()
    for op in ("conv2d", "max_pool2d", "linear", "cross_entropy", "softmax", "sgd", "matmul"):
        assert op in listed


def test_a_broken_op_fails_the_run_with_a_runnable_reproducer(monkeypatch, capsys):
    monkeypatch.setattr(parity, "REGISTRY", dict(parity.REGISTRY))

    def broken_cases(dtype: np.dtype) -> st.SearchStrategy[parity.Case]:
        # minitorch's side is wrong wherever an element exceeds 1
        values = st.lists(st.floats(-2, 2, width=32), min_size=1, max_size=6)
        return values.map(
            lambda v: parity.Case(
                "lambda t, x: t.where(x > 1, x * 1.5, x)",
                (np.array(v, dtype),),
                torch_source="lambda t, x: x * 1",
            )
        )

    parity.register("broken_scale", broken_cases)
    status = parity.main(["--examples", "30", "--ops", "broken_*", "--dtype", "float64"])
    output = capsys.readouterr().out
    assert status == 1
    assert "MISMATCH broken_scale [float64]: ParityError" in output
    snippet = output.split("Reproducer:\n", 1)[1].split("\nminitorch vs PyTorch", 1)[0]
    assert "np.array([" in snippet and "assert_parity(lambda t, x:" in snippet
    # Hypothesis shrank it to a single element above 1
    shrunk = re.search(r"x0 = np\.array\(\[([-\d.e]+)\], dtype=np\.float64\)", snippet)
    assert shrunk and float(shrunk.group(1)) > 1, snippet
    with pytest.raises(ParityError):
        exec(snippet, {})


def test_parity_module_runs_as_a_script():
    result = subprocess.run(
        [sys.executable, "-m", "minitorch.parity", "--list", "--ops", "conv*"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["conv2d"]


# ------------------------------------------------------------------ minitorch-parity's extra
PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
INSTALL_HINT = 'pip install "minitorch[parity]"'
# The command started both ways, its console script and "python -m minitorch.parity", in an
# interpreter where "import hypothesis" fails.
WITHOUT_HYPOTHESIS = """
import importlib, runpy, sys
sys.modules["hypothesis"] = None  # "import hypothesis" now fails, as if it were not installed
sys.argv = ["minitorch-parity", "--list"]
target = {target!r}
if target == "-m":
    runpy.run_module("minitorch.parity", run_name="__main__", alter_sys=True)
else:  # what the wrapper pip writes for an entry of [project.scripts] does
    module, _, function = target.partition(":")
    sys.exit(getattr(importlib.import_module(module), function)())
"""


def test_the_parity_extra_holds_what_the_command_needs():
    extras = PYPROJECT["project"]["optional-dependencies"]
    required = {re.split(r"[<>=]", r)[0] for r in extras["parity"]}
    assert required == {"hypothesis", "torch", "expecttest"} == set(PARITY_REQUIREMENTS)
    assert any(r.startswith("minitorch[") and "parity" in r for r in extras["dev"])


@pytest.mark.parametrize("target", [PYPROJECT["project"]["scripts"]["minitorch-parity"], "-m"])
def test_parity_command_without_hypothesis_names_the_extra(target):
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_HYPOTHESIS.format(target=target)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and not result.stdout
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("minitorch-parity: error: minitorch-parity needs Hypothesis")
    assert INSTALL_HINT in result.stderr


def test_importing_parity_without_hypothesis_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "minitorch.parity")
    with pytest.raises(ModuleNotFoundError, match=re.escape(INSTALL_HINT)) as error:
        importlib.import_module("minitorch.parity")
    assert error.value.name == "hypothesis"


def test_parity_run_without_pytorch_names_the_extra(monkeypatch, capsys):
    assert parity.main(["--list", "--ops", "relu"]) == 0  # listing needs no PyTorch
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(SystemExit) as exit_:
        parity.main(["--ops", "relu", "--examples", "1"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("minitorch-parity: error: "), err
    assert "needs PyTorch, which is not installed" in err and INSTALL_HINT in err


# ------------------------------------------------------------------ coverage of the public API
def _fixed_inputs(call: OpCall, count: int) -> list[np.ndarray]:
    """Mixed-sign inputs off the points ``call.values`` rules out (positive where low > 0)."""
    x = np.array([[-1.3, 0.7, 2.1], [0.45, -1.9, 3.2]])
    y = np.array([1.1, -0.6, 2.4])
    if call.values.get("low", -1.0) > 0:
        x, y = np.abs(x), np.abs(y)
    return [x, y][:count]


@pytest.mark.parametrize(
    "call, operands",
    [(call, 1) for call in UNARY_SPELLINGS] + [(call, 2) for call in BINARY_SPELLINGS],
    ids=[call.label for call in (*UNARY_SPELLINGS, *BINARY_SPELLINGS)],
)
def test_every_further_spelling_matches_pytorch(call, operands):
    # minitorch-parity draws these at length; here each runs once, values and gradients
    assert_parity(call.function(), *_fixed_inputs(call, operands))


def test_every_public_name_is_checked_or_has_a_reason():
    cover = parity.coverage(list(parity.REGISTRY.values()))
    api = public_ops()
    assert cover.public == len(api) and set(cover.checked) | set(cover.not_checked) == set(api)
    unexplained = [name for name, reason in cover.not_checked.items() if reason == parity.NO_REASON]
    assert not unexplained, f"public names with neither a property nor a reason: {unexplained}"
    assert not set(NOT_CHECKED) - set(api), "reasons for names minitorch no longer has"
    assert not set(NOT_CHECKED) & set(cover.checked), "a reason for a name a property checks"
    assert len(cover.checked) > 3 * len(cover.not_checked)


def test_a_run_counts_only_what_its_cases_called(tmp_path, capsys):
    # The run's coverage line counts the names the drawn cases called, never a declaration:
    # what a property declares and no drawn case reached is reported as not drawn.
    report_file = tmp_path / "report.json"
    argv = ["--ops", "views", "--examples", "3", "--dtype", "float64", "--json", str(report_file)]
    assert parity.main(argv) == 0
    out = capsys.readouterr().out
    document = json.loads(report_file.read_text())
    called = set(document["ops"][0]["calls"]) & set(public_ops())
    assert called <= parity.REGISTRY["views"].covers  # no case calls a name it does not declare
    assert set(document["coverage"]["checked"]) == called
    assert f"coverage: {len(called)} of {len(public_ops())} public names" in out
    missed = parity.REGISTRY["views"].covers - called
    for name in missed:
        assert document["coverage"]["not_checked"][name].startswith("no case of views drawn")


def test_calls_in_reads_library_calls_methods_and_operators():
    assert calls_in("lambda t, x: t.nn.functional.relu_(x.clone())") == {
        "nn.functional.relu_",
        "Tensor.clone",
    }
    assert calls_in("lambda t, x: 2 - abs(x)[0]") == {
        "Tensor.__rsub__",
        "Tensor.__abs__",
        "Tensor.__getitem__",
    }
    assert calls_in("lambda nn: nn.Sequential(nn.Linear(3, 2), nn.ReLU())") == {
        "nn.Sequential",
        "nn.Linear",
        "nn.ReLU",
    }
    # numpy's reshape and a negative literal are not Tensor calls
    assert calls_in("lambda t, x: t.from_numpy(np.arange(6.0).reshape(2, -3))") == {"from_numpy"}


def test_the_coverage_listing_names_every_public_name(capsys):
    assert parity.main(["--coverage"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.match(
        r"^checked +nn\.Linear +by layers$", next(x for x in lines if "nn.Linear " in x)
    )
    save = next(line for line in lines if re.match(r"^not checked +save ", line))
    assert save.endswith(NOT_CHECKED["save"])
    # (a user's op registered earlier in this process is listed too, as not minitorch's)
    checked = sum(x.startswith("checked ") and "(not minitorch's)" not in x for x in lines)
    assert lines[-1].startswith(f"coverage: {checked} of {len(public_ops())} public names")
    assert "declared by the properties selected" in lines[-1]


def test_a_selection_is_reported_as_a_selection(capsys):
    assert parity.main(["--coverage", "--ops", "conv2d"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"^not checked +nn\.Linear +not selected by --ops; checked by layers$", out, re.M
    )
    selected = len(parity.REGISTRY["conv2d"].covers & public_ops().keys())
    assert f"coverage: {selected} of {len(public_ops())} public names" in out


USER_OPS = '''
import numpy as np
from hypothesis import strategies as st

from minitorch import parity
from minitorch.testing.strategies import arrays, shapes


def softsign(lib, x):
    """The user's op, written once against either library."""
    return x / (1 + abs(x))


def cases(dtype):
    return arrays(shapes(), dtype).map(
        lambda x: parity.Case(
            "lambda t, x: softsign(t, x)", (x,), imports=("from {module} import softsign",)
        )
    )


parity.register("softsign", cases, covers={{"{module}.softsign"}})
'''


def test_a_users_own_op_is_registered_with_module(tmp_path, monkeypatch, capsys):
    module = "user_parity_ops"
    (tmp_path / f"{module}.py").write_text(USER_OPS.format(module=module))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(parity, "REGISTRY", dict(parity.REGISTRY))
    monkeypatch.delitem(sys.modules, module, raising=False)
    report_file = tmp_path / "report.json"
    argv = ["--module", module, "--ops", "softsign", "--examples", "5", "--json", str(report_file)]
    assert parity.main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(r"^softsign\s+float32\s+5\s+0\s", out, re.M)
    assert out.rstrip().endswith("and 1 names outside minitorch (softsign)")
    document = json.loads(report_file.read_text())
    assert document["coverage"]["other"] == {"softsign": [f"{module}.softsign"]}
    monkeypatch.delitem(sys.modules, module)


def test_a_module_that_does_not_import_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        parity.main(["--module", "no_such_module_here", "--list"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "argument --module: cannot import no_such_module_here" in err
