"""``minitorch-predict``: the course's checkpoint and pictures, our checkpoints, and bad input.

Predictions are checked against PyTorch computing the same weights on the same picture.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import minitorch
import minitorch.vision
from minitorch import predict, train
from minitorch.models import CIFAR10_CLASSES, digits_cnn, tudui_class

LINE = re.compile(r"(?P<path>.+): (?P<label>\S+) \((?P<top>.*)\)")


def run_predict(capsys, *args: str) -> tuple[int, str, str]:
    try:
        status = predict.main(list(args))
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def parse(out: str) -> list[tuple[str, str, list[tuple[str, float]]]]:
    """Each line as (path, predicted class, [(class, percent), ...])."""
    rows = []
    for line in out.splitlines():
        match = LINE.fullmatch(line)
        assert match, line
        top = [
            (name, float(percent.rstrip("%")))
            for name, percent in (item.split() for item in match["top"].split(", "))
        ]
        rows.append((match["path"], match["label"], top))
    return rows


def assert_one_line_error(status: int, err: str, *fragments: str) -> None:
    assert status == 1
    assert err.count("\n") == 1 and err.startswith("minitorch-predict: error: "), err
    for fragment in fragments:
        assert fragment in err, err


def torch_probabilities(model: torch.nn.Module, picture: np.ndarray) -> np.ndarray:
    """PyTorch's class probabilities for one picture given as (C, H, W) floats."""
    with torch.no_grad():
        return model.eval()(torch.from_numpy(picture)[None]).softmax(1)[0].numpy()


@pytest.fixture(scope="module")
def digit_pictures(tmp_path_factory) -> tuple[list[Path], list[int]]:
    """Five test-split digits written as 8x8 grayscale PNG files, and their labels."""
    folder = tmp_path_factory.mktemp("digits")
    dataset = minitorch.vision.datasets.Digits(train=False)
    paths, labels = [], []
    for index in range(5):
        picture, label = dataset[index]
        paths.append(folder / f"digit{index}.png")
        picture.save(paths[-1])
        labels.append(label)
    return paths, labels


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            sys, "stdout", sys.stderr
        )  # keep the training's lines out of the test's output
        assert train.main(["--epochs", "3", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("backend", ["minitorch", "torch"])
def test_the_courses_whole_model_checkpoint(capsys, backend, course_checkpoint):
    status, out, err = run_predict(
        capsys,
        "--backend",
        backend,
        "--unsafe-load",  # a whole pickled model: its classes' code runs
        "--checkpoint",
        str(course_checkpoint.path),
        *map(str, course_checkpoint.pictures),
        "--top",
        "10",
    )
    assert status == 0, err
    rows = parse(out)
    assert [path for path, _, _ in rows] == list(map(str, course_checkpoint.pictures))
    if course_checkpoint.labels is not None:  # the course's trained model knows these two
        assert [label for _, label, _ in rows] == [
            CIFAR10_CLASSES[index] for index in course_checkpoint.labels
        ]
    # The same weights, picture and transforms in PyTorch, step by step as the course's test.py.
    with predict.tudui_in_main(torch):
        reference = torch.load(course_checkpoint.path, map_location="cpu", weights_only=False)
    for path, label, top in rows:
        picture = Image.open(path).convert("RGB").resize((32, 32), Image.BILINEAR)
        expected = torch_probabilities(
            reference, np.asarray(picture, dtype=np.float32).transpose(2, 0, 1) / 255
        )
        assert label == CIFAR10_CLASSES[int(expected.argmax())]
        assert len(top) == 10
        for name, percent in top:
            assert percent == pytest.approx(100 * expected[CIFAR10_CLASSES.index(name)], abs=0.06)


def test_tudui_under_main_is_restored_after_loading():
    main_module = sys.modules["__main__"]
    assert not hasattr(main_module, "Tudui")
    with predict.tudui_in_main(minitorch):
        assert main_module.Tudui is tudui_class(minitorch)
    assert not hasattr(main_module, "Tudui")


def test_a_training_checkpoint_names_its_model(capsys, trained_run, digit_pictures):
    paths, labels = digit_pictures
    status, out, err = run_predict(
        capsys, "--checkpoint", str(trained_run / "best.pt"), *map(str, paths)
    )
    assert status == 0, err
    rows = parse(out)
    reference = digits_cnn(torch)
    reference.load_state_dict(torch.load(trained_run / "best.pt", weights_only=True)["model"])
    for (path, label, top), expected_path in zip(rows, paths, strict=True):
        assert path == str(expected_path)
        probabilities = torch_probabilities(
            reference, np.asarray(Image.open(path), dtype=np.float32)[None] / 255
        )
        assert label == str(int(probabilities.argmax()))
        assert top[0] == (label, pytest.approx(100 * probabilities.max(), abs=0.06))
        assert len(top) == 3
    assert sum(label == str(true) for (_, label, _), true in zip(rows, labels, strict=True)) >= 4


@pytest.mark.parametrize("backend", ["minitorch", "torch"])
def test_a_bare_state_dict_is_matched_to_its_model(
    capsys, tmp_path, trained_run, digit_pictures, backend
):
    state = minitorch.load(trained_run / "last.pt")["model"]
    minitorch.save(state, tmp_path / "weights.pth")
    paths, _ = digit_pictures
    status, out, err = run_predict(
        capsys, "--backend", backend, "--checkpoint", str(tmp_path / "weights.pth"), str(paths[0])
    )
    assert status == 0, err
    status, expected, _ = run_predict(
        capsys, "--checkpoint", str(trained_run / "last.pt"), str(paths[0])
    )
    ((_, label, top),) = parse(out)
    ((_, expected_label, expected_top),) = parse(expected)
    assert label == expected_label
    assert [p for _, p in top] == pytest.approx([p for _, p in expected_top], abs=0.11)


def test_a_state_dict_that_does_not_fit(capsys, tmp_path, digit_pictures):
    minitorch.save(digits_cnn(minitorch).state_dict(), tmp_path / "cnn.pth")
    status, _, err = run_predict(
        capsys,
        "--model",
        "tudui",
        "--checkpoint",
        str(tmp_path / "cnn.pth"),
        str(digit_pictures[0][0]),
    )
    assert_one_line_error(
        status,
        err,
        "does not fit model 'tudui'",
        "missing keys: model.0.weight",
        "unexpected keys: 0.weight",
    )
    state = digits_cnn(minitorch).state_dict()
    state["7.weight"] = minitorch.zeros(10, 99)
    minitorch.save(state, tmp_path / "wide.pth")
    status, _, err = run_predict(
        capsys, "--checkpoint", str(tmp_path / "wide.pth"), str(digit_pictures[0][0])
    )
    assert_one_line_error(
        status, err, "7.weight has shape (10, 99) in the checkpoint, (10, 128) in the model"
    )


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip file at all", b"PK\x03\x04" + bytes(40)],
    ids=["empty", "text", "bad-zip"],
)
@pytest.mark.parametrize("backend", ["minitorch", "torch"])
def test_a_corrupt_checkpoint(capsys, tmp_path, digit_pictures, content, backend):
    (tmp_path / "bad.pth").write_bytes(content)
    status, _, err = run_predict(
        capsys,
        "--backend",
        backend,
        "--checkpoint",
        str(tmp_path / "bad.pth"),
        str(digit_pictures[0][0]),
    )
    assert_one_line_error(status, err, f"cannot read checkpoint {tmp_path / 'bad.pth'}")


def test_unreadable_and_missing_images(capsys, tmp_path, trained_run):
    (tmp_path / "fake.png").write_text("not a picture")
    status, _, err = run_predict(
        capsys, "--checkpoint", str(trained_run / "best.pt"), str(tmp_path / "fake.png")
    )
    assert_one_line_error(status, err, f"cannot read image {tmp_path / 'fake.png'}")
    status, _, err = run_predict(
        capsys, "--checkpoint", str(trained_run / "best.pt"), str(tmp_path / "none.png")
    )
    assert_one_line_error(status, err, f"cannot read image {tmp_path / 'none.png'}")


def test_missing_checkpoint_and_cuda_on_minitorch(capsys, tmp_path, digit_pictures):
    picture = str(digit_pictures[0][0])
    status, _, err = run_predict(capsys, "--checkpoint", str(tmp_path / "none.pt"), picture)
    assert_one_line_error(status, err, f"checkpoint {tmp_path / 'none.pt'} does not exist")
    status, _, err = run_predict(
        capsys, "--device", "cuda", "--checkpoint", str(tmp_path / "none.pt"), picture
    )
    assert_one_line_error(status, err, "--device cuda", "CPU only")


def test_unknown_model_name(capsys):
    status, _, err = run_predict(capsys, "--model", "vgg", "--checkpoint", "x.pt", "a.png")
    assert status == 2 and err.count("\n") == 1 and "invalid choice: 'vgg'" in err
