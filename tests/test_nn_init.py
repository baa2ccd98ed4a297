"""``nn.init``: PyTorch's gains, fans and scales; in-place fills; seeded reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minitorch
from minitorch.nn import init


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_pytorch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param)
    )


def test_calculate_gain_rejects_unknown_names():
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")


@pytest.mark.parametrize("shape", [(4, 3), (8, 3, 5, 5), (2, 6, 3)])
def test_fan_in_and_fan_out_match_pytorch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(minitorch.empty(shape)) == expected


def test_fan_needs_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(minitorch.empty(3))


def test_fills_are_in_place_and_keep_the_dtype():
    t = minitorch.empty(3, 4, dtype=minitorch.float64)
    assert init.constant_(t, 0.5) is t and t.dtype is minitorch.float64
    assert (t.numpy() == 0.5).all()
    assert init.zeros_(t).numpy().sum() == 0
    assert init.ones_(t).numpy().sum() == 12


def test_init_works_on_parameters_without_recording_a_graph():
    layer = minitorch.nn.Linear(3, 2)
    init.normal_(layer.weight)
    assert layer.weight.is_leaf and layer.weight.grad_fn is None and layer.weight.requires_grad


# (function, kwargs, expected bound or std for a (256, 128) tensor: fan_in 128, fan_out 256)
SCALES = [
    (init.uniform_, {"a": -0.5, "b": 1.5}, None),
    (init.normal_, {"mean": 1.0, "std": 0.5}, 0.5),
    (init.xavier_uniform_, {"gain": 2.0}, 2.0 * math.sqrt(6 / 384)),
    (init.xavier_normal_, {}, math.sqrt(2 / 384)),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / math.sqrt(128)),
    (init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(6 / 256)),
    (init.kaiming_normal_, {"nonlinearity": "relu"}, math.sqrt(2 / 128)),
    (init.trunc_normal_, {"std": 0.02, "a": -0.04, "b": 0.04}, None),
]


@pytest.mark.parametrize(
    ("fn", "kwargs", "scale"), SCALES, ids=lambda v: getattr(v, "__name__", "")
)
def test_distribution_scales(fn, kwargs, scale):
    values = fn(minitorch.empty(256, 128), **kwargs).numpy()
    name = fn.__name__
    if name == "uniform_":
        assert (
            values.min() >= -0.5
            and values.max() < 1.5
            and values.mean() == pytest.approx(0.5, abs=0.02)
        )
    elif name == "trunc_normal_":
        assert values.min() >= -0.04 and values.max() <= 0.04
    elif "uniform" in name:
        assert np.abs(values).max() <= scale and values.std() == pytest.approx(
            scale / math.sqrt(3), rel=0.03
        )
    else:
        assert values.std() == pytest.approx(scale, rel=0.03)


def test_manual_seed_makes_initialisation_reproducible():
    minitorch.manual_seed(7)
    first = minitorch.nn.Conv2d(3, 4, 3).weight.detach().numpy().copy()
    minitorch.manual_seed(7)
    second = minitorch.nn.Conv2d(3, 4, 3).weight.detach().numpy()
    np.testing.assert_array_equal(first, second)


def test_explicit_generator():
    a = init.uniform_(minitorch.empty(5), generator=minitorch.Generator().manual_seed(3)).numpy()
    b = init.uniform_(minitorch.empty(5), generator=minitorch.Generator().manual_seed(3)).numpy()
    np.testing.assert_array_equal(a, b)


def test_kaiming_on_an_empty_tensor_is_a_no_op():
    t = minitorch.empty(0, 3)
    assert init.kaiming_uniform_(t) is t


def test_kaiming_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(minitorch.empty(2, 2), mode="fan_avg")


@pytest.mark.parametrize(
    "fill",
    [
        lambda lib, t: lib.nn.init.uniform_(t),
        lambda lib, t: lib.nn.init.kaiming_uniform_(t, a=math.sqrt(5)),
        lambda lib, t: lib.nn.init.constant_(t, 0.5),
        lambda lib, t: lib.nn.init.zeros_(t),
    ],
)
def test_init_writes_in_place_under_no_grad_as_torch(fill):
    """An init function is one in-place write under no_grad: the parameter stays a leaf, its
    version (shared with the tensor it was made from, as in PyTorch) counts the write."""
    seen = {}
    for lib in (minitorch, torch):
        data = lib.zeros(3, 4)
        weight = lib.nn.Parameter(data)
        assert fill(lib, weight) is weight
        assert weight.is_leaf and weight.requires_grad and weight.grad_fn is None
        data.add_(1.0)  # a write through the tensor the parameter was made from
        seen[lib.__name__] = (weight._version, data._version, weight.data_ptr() == data.data_ptr())
    assert seen["minitorch"] == seen["torch"]
