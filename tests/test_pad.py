"""Parity of ``F.pad``: every mode on 1 to 3 padded dims, negative (cropping) pads, and
PyTorch's errors with its messages, values and gradients against PyTorch."""

import numpy as np
import pytest
import torch
from _outcomes import assert_same_outcome
from hypothesis import example, given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import assert_parity, assert_same_error

MODES = ["constant", "reflect", "replicate", "circular"]


def normal(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


def wraps_around_cropped_memory(shape, pad):
    """Circular pads PyTorch fills from memory it has not written yet, or is writing: a
    border longer than what the negative pads leave, or any border around nothing left."""
    for i in range(len(pad) // 2):
        size, before, after = shape[-1 - i], pad[2 * i], pad[2 * i + 1]
        kept = size - max(-before, 0) - max(-after, 0)
        if kept < 0 or (size + before + after > 0 and (max(before, after) > kept or kept == 0)):
            return True
    return False


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("shape", "pad"),
    [
        ((2, 5), (2, 1)),  # (C, W)
        ((2, 3, 5), (1, 3)),  # (N, C, W)
        ((3, 4, 5), (1, 2, 2, 1)),  # (C, H, W)
        ((1, 2, 3, 4, 5), (1, 0, 2, 1, 1, 2)),  # (N, C, D, H, W)
        ((2, 3, 4, 5), (2, 1, 0, 1, 1, 1)),  # (C, D, H, W)
        ((2, 3, 6), (-2, 3)),  # crop one side, pad the other
        ((2, 3, 6), (4, -1)),
        ((1, 3, 4, 6), (-1, -2, 2, -1)),
        ((0, 3, 6), (1, 2)),  # an empty batch
    ],
)
def test_pad_values_and_gradients(mode, shape, pad):
    assert_parity(lambda t, x: t.nn.functional.pad(x, pad, mode=mode), normal(0, shape))


def test_pad_constant_crops_any_dims_with_a_value():
    x = normal(1, (3, 4, 5))
    assert_parity(lambda t, x: t.nn.functional.pad(x, (-1, 2, 0, -3, 1, 1), value=2.5), x)


def test_circular_pad_wraps_around_what_a_negative_pad_leaves():
    x = normal(2, (2, 5))
    assert_parity(lambda t, x: t.nn.functional.pad(x, (-2, 3), mode="circular"), x)


@pytest.mark.parametrize(
    ("mode", "shape", "pad"),
    [
        ("reflect", (3,), (1, 1)),  # one dim: no channels
        ("replicate", (2, 3), (1, 1, 1, 1)),
        ("circular", (1, 1, 1, 1, 2, 3), (1, 1, 1, 1, 1, 1)),
        ("reflect", (1, 2, 3), (1, 1, 1, 1, 1, 1, 1, 1)),
        ("reflect", (2, 3, 4), (4, 0)),  # a reflection as long as its dim
        ("reflect", (1, 1, 3, 4), (0, 0, 3, 0, 0, 0)),
        ("reflect", (2, 0, 4), (1, 1)),  # an empty channel dim
        ("replicate", (1, 0, 3, 4), (1, 0, 1, 1)),
        ("reflect", (2, 4), (-5, 0)),  # crops more than there is
        ("reflect", (1, 3, 4), (-4, 0, -3, 0)),
        ("reflect", (1, 1, 3, 4), (-4, 0, -3, 0, -1, 0)),
        ("reflect", (1, 1, 3, 4), (-5, 0, 0, 0, 0, 0)),
        ("replicate", (1, 3, 4), (-4, 0, 1, 1)),
        ("replicate", (1, 1, 3, 4), (-5, 0, 1, 1, 0, 0)),
        ("circular", (2, 4), (5, -1)),
        ("circular", (2, 4), (-5, 0)),
        ("constant", (2, 4), (-5, 2)),
        ("constant", (2, 4), (-4, -1)),
        ("reflect", (2, 3), (1, 1, 1)),
        ("bogus", (2, 3), (1, 1)),
    ],
)
def test_pad_errors_are_pytorchs(mode, shape, pad):
    assert_same_outcome(lambda t, x: t.nn.functional.pad(x, pad, mode), np.zeros(shape))


def test_pad_value_only_in_constant_mode():
    pad = (1, 1)
    assert_same_outcome(lambda t, x: t.nn.functional.pad(x, pad, "circular", 1.0), np.zeros((2, 3)))


@pytest.mark.parametrize(
    ("mode", "shape", "pad"),
    [("reflect", (1, 3, 4), (-4, 0, 1, 1)), ("reflect", (1, 1, 3, 4), (-4, 0, -3, 0, 0, 0))],
)
def test_reflect_pad_may_empty_a_dim_while_another_keeps_elements(mode, shape, pad):
    assert_same_outcome(lambda t, x: t.nn.functional.pad(x, pad, mode).shape, np.zeros(shape))


def test_circular_pad_refuses_a_border_longer_than_what_cropping_leaves():
    """PyTorch copies such a border from memory it has not written (or raises)."""
    with pytest.raises(RuntimeError, match="wraps around the 3 elements"):
        minitorch.nn.functional.pad(minitorch.zeros(2, 4), (4, -1), mode="circular")


@given(
    mode=st.sampled_from(MODES),
    dims=st.integers(1, 3),
    batched=st.booleans(),
    sizes=st.lists(st.integers(1, 4), min_size=5, max_size=5),
    pad=st.lists(st.integers(-4, 4), min_size=6, max_size=6),
)
@example(mode="replicate", dims=1, batched=True, sizes=[2, 3, 4, 1, 1], pad=[-2, 4, 0, 0, 0, 0])
@example(mode="circular", dims=1, batched=False, sizes=[2, 2, 1, 1, 1], pad=[-1, 2, 0, 0, 0, 0])
@example(mode="circular", dims=2, batched=True, sizes=[1, 1, 1, 3, 1], pad=[1, -4, 0, 0, 0, 0])
@example(mode="circular", dims=3, batched=False, sizes=[1, 2, 1, 1, 1], pad=[0, 0, 0, 2, 1, -2])
@example(mode="reflect", dims=2, batched=False, sizes=[1, 1, 1, 1, 1], pad=[0, 0, 0, -2, 0, 0])
def test_pad_matches_pytorch_or_raises_as_it_does(mode, dims, batched, sizes, pad):
    shape = tuple(sizes[: dims + 1 + batched])
    pad = tuple(pad[: 2 * dims])
    x = normal(0, shape)
    try:
        torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode)
    except RuntimeError:
        refused = True
    else:
        refused = False
    if mode == "circular" and wraps_around_cropped_memory(shape, pad):
        # PyTorch copies from memory it has not written yet, or raises (a check of its own,
        # the overlap it finds, a slice that does not fit); minitorch refuses
        with pytest.raises(RuntimeError):
            minitorch.nn.functional.pad(minitorch.zeros(shape), pad, mode=mode)
    elif refused:  # the class; the messages are checked above (a negative reflected dim
        # gives one of two, as PyTorch's allocation meets it)
        assert_same_error(lambda t, x: t.nn.functional.pad(x, pad, mode), x)
    else:
        assert_parity(lambda t, x: t.nn.functional.pad(x, pad, mode=mode), x)
