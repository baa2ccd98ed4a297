"""``minitorch.vision.utils.make_grid`` and ``save_image`` against torchvision's, to the bit.

Hypothesis draws the pictures (one ``H x W`` or ``C x H x W`` picture, a batch, or a list of
pictures; one or three channels; float32 or float64, values past [0, 1] too) and every
argument; the grid must equal torchvision's element for element, and the saved PNG's
pixels must be the ones torchvision saves.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.utils
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import minitorch
from minitorch.testing.strategies import arrays, float_dtypes
from minitorch.vision.utils import make_grid, save_image

ROOT = Path(__file__).resolve().parents[1]


@st.composite
def pictures(draw) -> tuple[str, np.ndarray]:
    """``(layout, values)``: ``"HW"``, ``"CHW"``, ``"BCHW"`` or ``"list"`` of ``C x H x W``."""
    layout = draw(st.sampled_from(["HW", "CHW", "BCHW", "list"]))
    channels = draw(st.sampled_from([1, 3]))
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    batch = draw(st.integers(1, 11))
    shape = {
        "HW": (height, width),
        "CHW": (channels, height, width),
        "BCHW": (batch, channels, height, width),
        "list": (batch, channels, height, width),
    }[layout]
    return layout, draw(arrays(shape, draw(float_dtypes()), low=-0.5, high=1.5))


@st.composite
def grid_options(draw) -> dict:
    options = {
        "nrow": draw(st.integers(1, 10)),
        "padding": draw(st.integers(0, 4)),
        "normalize": draw(st.booleans()),
        "scale_each": draw(st.booleans()),
        "pad_value": draw(st.sampled_from([0.0, 1.0, 0.25])),
    }
    if draw(st.booleans()):
        low = draw(st.floats(-1, 1))
        options["value_range"] = (low, low + draw(st.floats(0, 2)))
    return options


def as_input(lib, layout: str, values: np.ndarray):
    if layout == "list":
        return [lib.tensor(picture) for picture in values]
    return lib.tensor(values)


@given(picture=pictures(), options=grid_options())
@example(  # a flat picture: max - min is 0, so normalize divides by 1e-5
    picture=("BCHW", np.full((2, 3, 2, 2), 0.5, dtype=np.float32)),
    options={"nrow": 8, "padding": 2, "normalize": True, "scale_each": True, "pad_value": 0.0},
)
def test_make_grid_is_torchvisions(picture, options):
    layout, values = picture
    expected = torchvision.utils.make_grid(as_input(torch, layout, values), **options)
    got = make_grid(as_input(minitorch, layout, values), **options)
    assert got.dtype.numpy_dtype == expected.numpy().dtype
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@given(picture=pictures(), options=grid_options(), format=st.sampled_from(["PNG", "BMP"]))
def test_save_image_writes_torchvisions_pixels(picture, options, format):
    layout, values = picture
    mine, theirs = io.BytesIO(), io.BytesIO()
    save_image(as_input(minitorch, layout, values), mine, format=format, **options)
    torchvision.utils.save_image(as_input(torch, layout, values), theirs, format=format, **options)
    np.testing.assert_array_equal(np.asarray(Image.open(mine)), np.asarray(Image.open(theirs)))


def test_save_image_to_a_path_takes_the_format_from_the_extension(tmp_path):
    batch = np.random.default_rng(0).random((5, 3, 4, 4), dtype=np.float32)
    save_image(minitorch.tensor(batch), tmp_path / "mine.png", nrow=2)
    torchvision.utils.save_image(torch.tensor(batch), tmp_path / "theirs.png", nrow=2)
    mine, theirs = Image.open(tmp_path / "mine.png"), Image.open(tmp_path / "theirs.png")
    assert mine.format == theirs.format == "PNG"
    np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))


def test_make_grid_leaves_its_input_alone_and_records_no_gradient():
    values = np.random.default_rng(1).random((4, 3, 2, 2), dtype=np.float32) * 3
    batch = minitorch.tensor(values, requires_grad=True)
    grid = make_grid(batch, normalize=True)
    np.testing.assert_array_equal(batch.detach().numpy(), values)
    assert grid.grad_fn is None and not grid.requires_grad


def test_uint8_pictures_keep_their_dtype():
    batch = np.random.default_rng(2).integers(0, 256, (3, 1, 2, 3), dtype=np.uint8)
    expected = torchvision.utils.make_grid(torch.tensor(batch), pad_value=0.5)
    got = make_grid(minitorch.tensor(batch), pad_value=0.5)
    assert got.dtype == minitorch.uint8
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize(
    ("make_input", "kwargs", "message"),
    [
        (lambda lib: np.zeros((3, 2, 2)), {}, "tensor or list of tensors expected, got"),
        (lambda lib: [lib.zeros(3, 2, 2), 1], {}, "got a list containing <class 'int'>"),
        (
            lambda lib: lib.zeros(2, 3, 2, 2),
            {"normalize": True, "value_range": [0, 1]},
            "value_range has to be a tuple",
        ),
    ],
)
def test_bad_input_raises_torchvisions_type_error(make_input, kwargs, message):
    with pytest.raises(TypeError, match=message):
        torchvision.utils.make_grid(make_input(torch), **kwargs)
    with pytest.raises(TypeError, match=message):
        make_grid(make_input(minitorch), **kwargs)


def test_both_backends_expose_vision_utils():
    import minitorch.vision
    import torch_backend.vision

    assert minitorch.vision.utils.make_grid is make_grid
    assert torch_backend.vision.utils.make_grid is torchvision.utils.make_grid
    assert torch_backend.vision.utils.save_image is torchvision.utils.save_image


def test_the_courses_read_data_example_logs_its_batches_as_grids(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "read_data.py")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    accumulator = EventAccumulator(str(tmp_path / "logs"))
    accumulator.Reload()
    images = accumulator.Images("train_data_b2")
    assert [image.step for image in images] == [0, 1, 2]
    # 4, 4 and 2 pictures of 32 x 32, 2 pixels apart and around
    assert [(image.height, image.width) for image in images] == [(36, 138), (36, 138), (36, 70)]
