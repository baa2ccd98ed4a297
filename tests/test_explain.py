"""minitorch.explain(model, loss_fn, inputs, targets) and the minitorch-explain command: the
rows of one training step, the module behind each op, and the memory it takes, checked
against what PyTorch saves for backward on the same network."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import minitorch
from minitorch import nn
from minitorch.explain import Explanation, Row, explain, main

REPO = Path(__file__).resolve().parents[1]


def small_cnn(lib):
    """Conv -> ReLU -> pool -> flatten -> linear, for 2x8x8 inputs, written for either backend."""
    return lib.nn.Sequential(
        lib.nn.Conv2d(2, 4, 3, padding=1),
        lib.nn.ReLU(),
        lib.nn.MaxPool2d(2),
        lib.nn.Flatten(),
        lib.nn.Linear(4 * 4 * 4, 3),
    )


def batch(seed: int = 0, size: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((size, 2, 8, 8), dtype=np.float32), rng.integers(0, 3, size)


@pytest.fixture(scope="module")
def explained() -> Explanation:
    minitorch.manual_seed(0)
    model = small_cnn(minitorch)
    images, labels = batch()
    optimizer = minitorch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return explain(
        model,
        nn.CrossEntropyLoss(),
        minitorch.tensor(images),
        minitorch.tensor(labels),
        optimizer,
    )


def torch_saved_bytes_by_module(model, loss_fn, images, labels) -> dict[str, int]:
    """What PyTorch's graph saves for backward, by the module running when it was saved:
    each storage once, the parameters' not counted (saved_tensors_hooks sees every save)."""
    torch = pytest.importorskip("torch")
    running: list[str] = []
    counted = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved: dict[str, int] = {}
    handles = []

    def leave(module, args, output) -> None:  # returns None: the output stays the module's
        running.pop()

    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(lambda m, a, n=name: running.append(n)))
        handles.append(module.register_forward_hook(leave))

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in counted:
            counted.add(storage.data_ptr())
            layer = running[-1] if running else "loss_fn"
            saved[layer] = saved.get(layer, 0) + storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss_fn(model(torch.tensor(images)), torch.tensor(labels))
    for handle in handles:
        handle.remove()
    return saved


# ------------------------------------------------------------------ memory
def test_activations_saved_per_layer_are_what_pytorch_saves(explained):
    torch = pytest.importorskip("torch")
    images, labels = batch()
    model = small_cnn(pytest.importorskip("torch_backend"))
    expected = torch_saved_bytes_by_module(model, torch.nn.CrossEntropyLoss(), images, labels)
    # conv: its input; ReLU: its result; pooling: its int64 indices (its input is ReLU's
    # result, already counted); linear: its input, a view of the pooled result
    assert expected == {"0": 1024, "1": 2048, "2": 1024, "4": 512, "loss_fn": expected["loss_fn"]}
    activations = dict(explained.memory.activations)
    # minitorch's loss keeps more than PyTorch's log-softmax and target (its own intermediates)
    assert activations.pop("loss_fn") >= expected.pop("loss_fn")
    assert activations == expected
    by_row = {row.layer: row.saved_bytes for row in explained.rows if row.phase == "forward"}
    assert {k: v for k, v in by_row.items() if v and k != "loss_fn"} == expected


def test_parameters_gradients_and_momentum_buffers_are_counted_as_pytorch_sizes_them(explained):
    torch_model = small_cnn(pytest.importorskip("torch_backend"))
    parameter_bytes = sum(p.numel() * p.element_size() for p in torch_model.parameters())
    memory = explained.memory
    assert memory.parameters == parameter_bytes == (4 * 2 * 9 + 4 + 64 * 3 + 3) * 4
    assert memory.gradients == parameter_bytes  # every parameter got a .grad
    assert memory.optimizer_state == parameter_bytes  # one momentum buffer each
    assert memory.optimizer == "SGD: momentum_buffer, one per parameter"
    assert memory.activations_total == sum(memory.activations.values())


def test_the_peak_holds_at_least_the_activations_made_during_the_step(explained):
    images_bytes = 2 * 2 * 8 * 8 * 4  # the batch existed before the step: not in the peak
    assert explained.memory.peak >= explained.memory.activations_total - images_bytes > 0


def test_without_an_optimizer_there_is_no_state_and_no_update():
    minitorch.manual_seed(0)
    model = small_cnn(minitorch)
    before = [p.detach().clone() for p in model.parameters()]
    images, labels = batch()
    result = explain(
        model, nn.CrossEntropyLoss(), minitorch.tensor(images), minitorch.tensor(labels)
    )
    assert result.memory.optimizer_state == 0 and result.memory.optimizer == "no optimizer given"
    assert not [row for row in result.rows if row.phase == "optimizer"]
    assert all((p == q).all() for p, q in zip(model.parameters(), before, strict=True))
    assert all(p.grad is not None for p in model.parameters())


def test_sgd_without_momentum_keeps_no_state():
    minitorch.manual_seed(0)
    model = small_cnn(minitorch)
    images, labels = batch()
    optimizer = minitorch.optim.SGD(model.parameters(), lr=0.01)
    result = explain(
        model, nn.CrossEntropyLoss(), minitorch.tensor(images), minitorch.tensor(labels), optimizer
    )
    assert result.memory.optimizer_state == 0
    assert "momentum > 0" in result.memory.optimizer


def test_memory_section_names_each_layer_and_explains_backward(explained):
    text = explained.memory.table(explained.layers)
    assert text.splitlines()[0] == "Memory of the step (1 KiB = 1024 bytes)"
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "activations saved for backward 4.6 KiB by layer:" in lines  # 4.5 + loss's 96 B
    assert "0 1.0 KiB float32[2,2,8,8]" in lines
    assert "2 1.0 KiB int64[2,4,4,4]" in lines
    assert "optimizer state 1.1 KiB SGD: momentum_buffer, one per parameter" in lines
    assert "peak during the step" in text and "(tracemalloc, on an untraced step)" in text
    assert "Why backward needs memory:" in text
    assert all(len(line) <= 120 for line in text.splitlines())


# ------------------------------------------------------------------ rows and layers
def test_rows_follow_the_step_with_their_modules(explained):
    rows = explained.rows
    assert all(isinstance(row, Row) for row in rows)
    assert [r.index for r in rows] == list(range(1, len(rows) + 1))
    forward = [(r.op, r.layer) for r in rows if r.phase == "forward"]
    assert forward == [
        ("Convolution", "0"),
        ("Relu", "1"),
        ("MaxPool2DWithIndices", "2"),
        ("View", "3"),
        ("Linear", "4"),
        ("CrossEntropyLoss", "loss_fn"),
    ]
    backward = [r for r in rows if r.phase == "backward"]
    nodes = [r.op for r in backward if r.op != "AccumulateGrad"]
    assert nodes == [
        "CrossEntropyLossBackward0",
        "AddmmBackward0",
        "ViewBackward0",
        "MaxPool2DWithIndicesBackward0",
        "ReluBackward0",
        "ConvolutionBackward0",
    ]
    by_index = {r.index: r for r in rows}
    for row in backward:
        if row.op == "AccumulateGrad":
            assert row.parameter is not None and row.layer == row.parameter.split(".")[0]
        else:
            assert row.layer == by_index[row.forward_index].layer
    # SGD with momentum: per parameter, buf.mul_(momentum).add_(grad) and p.add_(buf)
    optimizer_ops = [r.op for r in rows if r.phase == "optimizer"]
    assert optimizer_ops == ["Mul", "Add", "Add"] * 4
    assert all(r.layer is None for r in rows if r.phase == "optimizer")


def test_a_row_is_plain_data(explained):
    first = explained.rows[0]
    assert first.as_dict() == {
        "index": 1,
        "phase": "forward",
        "op": "Convolution",
        "layer": "0",
        "forward_index": None,
        "inputs": ("float32[2,2,8,8]", "float32[4,2,3,3]", "float32[4]"),
        "outputs": ("float32[2,4,8,8]",),
        "parameter": None,
        "kernel": "minitorch.kernels.conv.conv2d_forward",
        "saved_bytes": 1024,
        "ms": first.ms,
    }
    assert first.ms >= 0


def test_scalar_gradients_and_the_loss_show_their_values(explained):
    loss_row = next(r for r in explained.rows if r.op == "CrossEntropyLoss")
    assert loss_row.outputs == (f"float32[]={explained.loss.item():.4g}",)
    seed_row = next(r for r in explained.rows if r.op == "CrossEntropyLossBackward0")
    assert seed_row.inputs == ("float32[]=1",)  # backward() starts from d(loss)/d(loss) = 1
    assert seed_row.outputs == ("float32[2,3]",)
    line = next(
        line for line in explained.table().splitlines() if "CrossEntropyLossBackward0" in line
    )
    assert "[]=1 -> [2,3]" in line


def test_layers_tie_modules_to_their_forward_and_backward_rows(explained):
    names = {layer.name: layer for layer in explained.layers}
    assert list(names) == ["0", "1", "2", "3", "4", "loss_fn"]
    conv = names["0"]
    assert conv.module == "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert [explained.rows[i - 1].op for i in conv.backward] == ["ConvolutionBackward0"]
    assert conv.saved == ("float32[2,2,8,8]",) and conv.saved_bytes == 1024
    assert names["loss_fn"].module == "CrossEntropyLoss()"


def test_ops_a_model_runs_itself_belong_to_the_model_and_functions_work_as_loss():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(4, 2)

        def forward(self, x):
            return self.head(x.relu())

    minitorch.manual_seed(0)
    inputs = minitorch.randn(3, 4)
    result = explain(Net(), nn.functional.cross_entropy, inputs, minitorch.tensor([0, 1, 1]))
    layers = [(r.op, r.layer) for r in result.rows if r.phase == "forward"]
    assert layers == [("Relu", "Net"), ("Linear", "head"), ("CrossEntropyLoss", "loss_fn")]
    assert [layer.module for layer in result.layers][::2] == ["Net", "cross_entropy"]


# ------------------------------------------------------------------ the printed table
def test_the_default_table_fits_120_columns_and_wide_has_everything(explained):
    narrow = explained.table()
    assert all(len(line) <= 120 for line in narrow.splitlines())
    header = narrow.splitlines()[0].split()
    assert header == ["#", "phase", "op", "layer", "made", "/", "passed", "on", "saved", "ms"]
    wide = explained.table(wide=True)
    assert "minitorch.kernels.conv.conv2d_forward" in wide and "kernel" in wide.splitlines()[0]
    assert "float32[2,2,8,8] float32[4,2,3,3] float32[4]" in wide
    assert narrow.splitlines()[-2].startswith("forward: 6 ops")
    text = str(explained)
    assert text.startswith("One training step of Sequential: input 2x2x8x8, loss ")
    assert narrow in text and explained.memory.table(explained.layers) in text
    assert repr(explained).startswith("<Explanation of one training step of Sequential: 6 forward")


def test_long_names_are_cut_to_fit():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.a_rather_long_name_for_a_layer = nn.Linear(3, 3)

        def forward(self, x):
            return self.a_rather_long_name_for_a_layer(x)

    model = nn.Sequential(*[Block() for _ in range(3)])
    model.add_module("final_classification_layer_with_long_name", nn.Linear(3, 2))
    result = explain(model, nn.CrossEntropyLoss(), minitorch.randn(2, 3), minitorch.tensor([0, 1]))
    assert all(len(line) <= 120 for line in result.table().splitlines())
    assert any(len(line) > 120 for line in result.table(wide=True).splitlines())
    # cut in the middle: the layers stay apart, and a parameter keeps its .grad
    lines = result.table().splitlines()
    layers = [line.split()[3] for line in lines[2:5]]
    assert [layer[:2] for layer in layers] == ["0.", "1.", "2."]
    assert all("..." in layer and layer.endswith("layer") for layer in layers)
    assert lines[9].split()[4].endswith(".grad") and "..." in lines[9]


def test_sources_name_the_real_lines(explained):
    from minitorch._ops.conv import Convolution

    lines, first = inspect.getsourcelines(Convolution.forward)
    def_line = first + next(i for i, text in enumerate(lines) if text.lstrip().startswith("def "))
    text = str(explained)
    assert f"forward      minitorch/_ops/conv.py:{def_line} Convolution.forward" in text
    assert "backward     minitorch/autograd/engine.py:" in text  # not the decorator's file
    assert "update       minitorch/optim/sgd.py:" in text
    # the optimizer's ops are traced back to SGD.step, not into explain() itself
    assert "minitorch/explain/" not in text


# ------------------------------------------------------------------ the command
def test_command_on_a_builtin_model(capsys, tmp_path):
    assert main(["--model", "cnn", "--batch", "2", "--dot", str(tmp_path / "g.dot")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("One training step of 'cnn': input 2x1x8x8, loss ")
    table = out.split("\n\n")[1].splitlines()
    assert table[0].split()[:4] == ["#", "phase", "op", "layer"]
    assert all(len(line) <= 120 for line in out.split("\n\n")[1].splitlines())
    # 9 model ops + SGD's 6 in-place adds; 9 grad_fn + 6 leaves
    assert "forward: 9 ops" in out and "backward: 15 rows" in out and "optimizer: 6 ops" in out
    assert "0          Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))" in out
    assert "forward:  #1 Convolution" in out
    assert "loss_fn    CrossEntropyLoss()" in out
    assert "Memory of the step" in out and "Why backward needs memory" in out
    dot = (tmp_path / "g.dot").read_text()
    assert dot.startswith("digraph autograd {") and '"0.weight\\n(16, 1, 3, 3)"' in dot


USER_MODULE = """
from minitorch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(4 * 2 * 2, 5)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def factory():
    return Net()


model = Net()
"""


@pytest.fixture
def user_module(tmp_path, monkeypatch) -> str:
    name = f"explain_user_models_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(USER_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


@pytest.mark.parametrize("attribute", ["Net", "factory", "model"])
def test_command_on_a_users_model(attribute, user_module, capsys):
    argv = ["--model", f"{user_module}:{attribute}", "--input-shape", "3x4x4", "--batch", "2"]
    assert main([*argv, "--momentum", "0.5", "--wide"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"One training step of '{user_module}:{attribute}': input 2x3x4x4")
    assert "features.0" in out and "head.weight.grad" in out and "  Net  " in out
    assert "minitorch.kernels.conv.conv2d_forward" in out  # --wide
    assert "SGD: momentum_buffer, one per parameter" in out


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    for default in ["(default: tudui)", "(default: 4)", "(default: 0)", "(default: 0.01)"]:
        assert default in out
    assert "package.module:Class" in out and "120 columns" in out


def test_the_package_the_function_and_the_entry_point_coexist(monkeypatch):
    """``minitorch.explain`` is to be the function (``from minitorch.explain import
    explain`` in minitorch/__init__.py); the package stays importable by its name, and
    ``python -m minitorch.explain`` runs without runpy's warning about a module imported
    twice (the command is the package's ``__main__``)."""
    package = importlib.import_module("minitorch.explain")
    monkeypatch.setattr(minitorch, "explain", explain)  # what __init__ will do
    from minitorch.explain import main as entry_point  # pyproject: minitorch.explain:main

    assert entry_point is package.main is main
    assert importlib.import_module("minitorch.explain") is package
    import minitorch.explain as imported  # `import a.b as c` reads the attribute a.b

    assert minitorch.explain is explain and imported is explain
    run = subprocess.run(
        [sys.executable, "-W", "error", "-m", "minitorch.explain", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and run.stderr == "" and "minitorch-explain" in run.stdout


BROKEN_MODULES = {
    "raises": "raise ValueError('no GPU here')\n",
    "takes_images": "from minitorch import nn\nNet = lambda: nn.Linear(8, 2)\n",
    "returns_images": "from minitorch import nn\nNet = lambda: nn.Conv2d(3, 2, 1)\n",
}


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("raises", 2, "importing {name} for '{name}:Net' failed: ValueError: no GPU here"),
        (
            "takes_images",
            1,
            "--model {name}:Net: the forward pass on a 4x3x32x32 batch (--input-shape's "
            "default; pass the shape your model takes) failed: RuntimeError: mat1 and mat2 "
            "shapes cannot be multiplied (384x32 and 8x2)",
        ),
        (
            "returns_images",
            1,
            "--model {name}:Net: the step uses CrossEntropyLoss, which needs outputs of shape "
            "(batch, classes); the model returned (4, 2, 32, 32) for a 4x3x32x32 batch",
        ),
    ],
)
def test_a_users_model_that_fails_is_one_line(kind, status, message, tmp_path, monkeypatch, capsys):
    name = f"explain_broken_{kind}_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(BROKEN_MODULES[kind])
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(SystemExit) as exit_:
            main(["--model", f"{name}:Net"])
    finally:
        sys.modules.pop(name, None)
    err = capsys.readouterr().err
    assert exit_.value.code == status, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message.format(name=name) in err
