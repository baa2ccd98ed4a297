"""The course's steps in examples/ run as scripts, print the course's numbers, and port back.

Each example runs as a subprocess in a temporary working directory (they save files
there, as the course's scripts do). Some of them are also run with their minitorch
imports replaced by PyTorch's: the script must need nothing else, and where it prints
only deterministic values the two outputs must be the same text.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _support import torch_predictions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(path.stem for path in EXAMPLES.glob("*.py"))

# import lines and their PyTorch spelling; nothing else in an example may name minitorch
IMPORT_SWAPS = [
    (r"^import minitorch\.vision as torchvision$", "import torchvision"),
    (r"^from minitorch\.vision import ", "from torchvision import "),
    (r"^from minitorch\.vision\.", "from torchvision."),
    (r"^import minitorch as torch$", "import torch"),
    (r"^import minitorch\.nn\.functional as F$", "import torch.nn.functional as F"),
    (r"^from minitorch import ", "from torch import "),
    (r"^from minitorch\.", "from torch."),
]
# examples that print only deterministic values: their output on PyTorch is the same text
SAME_OUTPUT_ON_PYTORCH = [
    "dataloader_workers",
    "model_pretrained",
    "model_pretrained_resnet",
    "nn_conv",
    "nn_loss",
    "nn_maxpool",
    "nn_module",
    "nn_relu",
    "read_data",
]


def run_script(script: Path, cwd: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stderr}"
    return result.stdout


def run_example(name: str, cwd: Path, *args: str) -> str:
    return run_script(EXAMPLES / f"{name}.py", cwd, *args)


@pytest.fixture(scope="module")
def output_of(tmp_path_factory):
    """``output_of(name)``: the example's stdout, run once per test module in a fresh folder."""
    outputs: dict[str, str] = {}

    def output(name: str) -> str:
        if name not in outputs:
            outputs[name] = run_example(name, tmp_path_factory.mktemp(name))
        return outputs[name]

    return output


def to_pytorch(source: str) -> str:
    """The script with its minitorch imports spelled for PyTorch."""
    lines = []
    for line in source.splitlines():
        for pattern, replacement in IMPORT_SWAPS:
            line = re.sub(pattern, replacement, line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def code_lines_naming_minitorch(source: str) -> list[str]:
    return [
        line
        for line in source.splitlines()
        if "minitorch" in line.split("#", 1)[0] and not line.lstrip().startswith("#")
    ]


def test_every_course_step_has_an_example():
    expected = {
        "read_data",
        "nn_module",
        "nn_conv",
        "nn_maxpool",
        "nn_relu",
        "nn_linear",
        "nn_seq",
        "nn_loss",
        "nn_loss_network",
        "nn_optim",
        "dataloader_workers",
        "model_pretrained",
        "model_save",
        "model_load",
        "model",
        "train",
        "test",
    }
    assert expected <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_only_the_imports_name_minitorch(name):
    source = (EXAMPLES / f"{name}.py").read_text()
    assert code_lines_naming_minitorch(to_pytorch(source)) == []


# ------------------------------------------------------------------ each script runs
def test_nn_module(output_of):
    assert output_of("nn_module") == "tensor(2.)\n"


def test_nn_conv_prints_the_courses_numbers(output_of):
    out = output_of("nn_conv")
    assert "tensor([[[[10, 12, 12],\n          [18, 16, 16],\n          [13,  9,  3]]]])" in out
    assert "tensor([[[[10, 12],\n          [13,  3]]]])" in out
    assert "[ 1,  3,  4, 10,  8]" in out and "[14, 13,  9,  7,  4]" in out


def test_nn_maxpool(output_of):
    out = output_of("nn_maxpool")
    assert "tensor([[[[2., 3.],\n          [5., 1.]]]])" in out  # ceil_mode=True
    assert "tensor([[[[2.]]]])" in out  # ceil_mode=False


def test_nn_relu(output_of):
    out = output_of("nn_relu")
    assert "[[[[1., 0.],\n          [0., 3.]]]]" in out
    assert "[[[[0.7311, 0.3775],\n          [0.2689, 0.9526]]]]" in out


def test_nn_loss_prints_the_courses_numbers(output_of):
    assert output_of("nn_loss").splitlines() == [
        "tensor(2.)",
        "tensor(1.3333)",
        "tensor(1.1019)",
    ]


def test_nn_linear(output_of):
    out = output_of("nn_linear").splitlines()
    assert (
        out
        == ["minitorch.Size([64, 3, 32, 32])", "minitorch.Size([196608])", "minitorch.Size([10])"]
        * 2
    )


@pytest.mark.parametrize("name", ["nn_seq", "model"])
def test_tutorial_model_maps_64_pictures_to_64_scores(name, output_of):
    assert output_of(name).splitlines()[-1] == "minitorch.Size([64, 10])"


def test_nn_loss_network_fills_gradients(output_of):
    out = output_of("nn_loss_network").splitlines()
    assert out[0].startswith("tensor(2.") and "grad_fn=<CrossEntropyLossBackward0>" in out[0]
    assert out[1:] == ["None", "minitorch.Size([32, 3, 5, 5])"]


def test_read_data(output_of):
    out = output_of("read_data").splitlines()
    assert out[:2] == ["6 4 10", "(64, 48) RGB ants"]
    assert out[2:] == [
        "minitorch.Size([4, 3, 32, 32]) ('ants', 'ants', 'ants', 'ants')",
        "minitorch.Size([4, 3, 32, 32]) ('ants', 'ants', 'bees', 'bees')",
        "minitorch.Size([2, 3, 32, 32]) ('bees', 'bees')",
    ]


def test_dataloader_workers_load_the_same_batches(output_of):
    same = "same pictures as with num_workers=0: True"
    assert output_of("dataloader_workers").splitlines() == [
        "minitorch.Size([4, 3, 32, 32]) ('ants', 'ants', 'ants', 'ants') loaded by worker "
        "[0, 0, 0, 0]",
        same,
        "minitorch.Size([4, 3, 32, 32]) ('ants', 'ants', 'bees', 'bees') loaded by worker "
        "[1, 1, 1, 1]",
        same,
        "minitorch.Size([2, 3, 32, 32]) ('bees', 'bees') loaded by worker [0, 0]",
        same,
        "epoch 0 [('ants', 'ants', 'ants', 'ants', 'ants'), ('ants', 'bees', 'bees', 'bees', "
        "'bees')]",
        "epoch 1 [('ants', 'ants', 'ants', 'ants', 'ants'), ('ants', 'bees', 'bees', 'bees', "
        "'bees')]",
    ]


def test_nn_optim_loss_goes_down(output_of):
    losses = [float(line) for line in output_of("nn_optim").splitlines()]
    assert len(losses) == 3 and losses[0] > losses[1] > losses[2]


def test_model_save_then_load(tmp_path):
    run_example("model_save", tmp_path)
    assert (tmp_path / "tudui_method1.pth").is_file()
    assert (tmp_path / "tudui_method2.pth").is_file()
    out = run_example("model_load", tmp_path).splitlines()
    assert out[-1] == "True"  # both methods give the same weights
    assert out.count("  (conv1): Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1))") == 2


def test_train_then_test(tmp_path):
    out = run_example("train", tmp_path)
    assert "------- epoch 2 -------" in out and out.count("model saved") == 2
    test_losses = [float(x) for x in re.findall(r"loss on the test set: (\S+)", out)]
    assert len(test_losses) == 2 and test_losses[1] < test_losses[0]
    assert (tmp_path / "tudui_0.pth").is_file() and (tmp_path / "tudui_1.pth").is_file()
    prediction = run_example("test", tmp_path).splitlines()[-1]
    assert re.fullmatch(r"tensor\(\[\d\]\)", prediction)


@pytest.mark.parametrize("picture", [0, 1])
def test_test_script_with_the_courses_checkpoint(picture, tmp_path, course_checkpoint):
    # The course's trained model knows its two pictures; the stand-in answers as PyTorch does.
    labels = course_checkpoint.labels or torch_predictions(course_checkpoint)
    path = course_checkpoint.pictures[picture]
    out = run_example("test", tmp_path, str(path), str(course_checkpoint.path))
    assert out.splitlines()[-1] == f"tensor([{labels[picture]}])"


# ------------------------------------------------------------------ the same scripts on PyTorch
RUN_ALL = """
import runpy, sys
for path in sys.argv[1:]:
    print("=== " + path, flush=True)
    runpy.run_path(path, run_name="__main__")
    sys.stdout.flush()
"""
# run on PyTorch too, besides SAME_OUTPUT_ON_PYTORCH: checked by their last line
PORTED_LAST_LINE = {"model_load": "True", "model": "torch.Size([64, 10])"}


def test_examples_run_on_pytorch_with_the_imports_swapped(tmp_path, output_of):
    """One PyTorch process runs the ported scripts (importing torch once costs seconds)."""
    pytest.importorskip("torch")
    pytest.importorskip("torchvision")
    ported = tmp_path / "ported"
    ported.mkdir()
    for name in SCRIPTS:  # all of them, so that `from model import Tudui` finds the port
        (ported / f"{name}.py").write_text(to_pytorch((EXAMPLES / f"{name}.py").read_text()))
    names = [*SAME_OUTPUT_ON_PYTORCH, *PORTED_LAST_LINE]
    result = subprocess.run(
        [sys.executable, "-c", RUN_ALL, *(str(ported / f"{name}.py") for name in names)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ported)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    parts = dict(part.split("\n", 1) for part in result.stdout.split("=== ")[1:])
    on_torch = {Path(path).stem: text for path, text in parts.items()}
    assert list(on_torch) == names
    for name in SAME_OUTPUT_ON_PYTORCH:
        assert output_of(name).replace("minitorch.", "torch.") == on_torch[name], name
    for name, last_line in PORTED_LAST_LINE.items():
        assert on_torch[name].splitlines()[-1] == last_line, name


def test_model_pretrained_resnet_replaces_the_last_layer(output_of):
    out = output_of("model_pretrained_resnet")
    assert "(bn1): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True" in out
    assert "Linear(in_features=512, out_features=1000, bias=True)" in out
    assert out.splitlines()[-3:] == [
        "Linear(in_features=512, out_features=10, bias=True)",
        "minitorch.Size([4, 10])",
        "tensor(1)",
    ]
