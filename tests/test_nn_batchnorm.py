"""``nn.BatchNorm1d``, ``nn.BatchNorm2d`` and ``batch_norm`` against PyTorch 2.14.

The layers are built on both libraries with the same weights and run side by side over
several steps, in training and in evaluation, with every configuration PyTorch has
(``momentum=None``, ``affine=False``, ``bias=False``, ``track_running_stats=False``):
outputs, running estimates (the variance unbiased), ``num_batches_tracked``, and the
gradients of the input, weight and bias under a random upstream gradient. Hypothesis draws
small shapes; the bad calls raise PyTorch's class with PyTorch's message.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import minitorch
from minitorch._functional.normalization import batch_norm

torch = pytest.importorskip("torch")

CONFIGURATIONS = [
    {},
    {"momentum": None},
    {"momentum": 0.5, "eps": 1e-3},
    {"affine": False},
    {"bias": False},
    {"track_running_stats": False},
    {"affine": False, "track_running_stats": False},
]


def values(seed: int, shape: tuple[int, ...], dtype: type, scale: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale + rng.standard_normal()).astype(dtype)


def check_close(actual: object, expected: object, what: str) -> None:
    """Values, shape and dtype as ``torch.testing.assert_close`` compares them."""
    torch.testing.assert_close(torch.from_numpy(np.asarray(actual.numpy())), expected, msg=what)


def layer_pair(cls: str, channels: int, dtype: type, seed: int, **options) -> tuple:
    """The same layer on minitorch and PyTorch, with random (equal) weights."""
    mini = getattr(minitorch.nn, cls)(channels, **options)
    reference = getattr(torch.nn, cls)(channels, **options)
    if dtype == np.float64:
        mini.double()
        reference.double()
    for name, parameter in reference.named_parameters():
        random = values(seed + len(name), tuple(parameter.shape), dtype)
        with torch.no_grad():
            parameter.copy_(torch.from_numpy(random))
        with minitorch.no_grad():
            getattr(mini, name).copy_(minitorch.tensor(random))
    return mini, reference


def step_and_compare(mini, reference, x: np.ndarray, seed: int) -> None:
    """One forward and backward on both layers; every output, gradient and buffer equal."""
    upstream = values(seed, x.shape, x.dtype)
    mini_x = minitorch.tensor(x, requires_grad=True)
    torch_x = torch.tensor(x, requires_grad=True)
    mini_out, torch_out = mini(mini_x), reference(torch_x)
    check_close(mini_out.detach(), torch_out.detach(), "output")
    mini_out.backward(minitorch.tensor(upstream))
    torch_out.backward(torch.tensor(upstream))
    check_close(mini_x.grad, torch_x.grad, "input gradient")
    for (name, parameter), (_, expected) in zip(
        mini.named_parameters(), reference.named_parameters(), strict=True
    ):
        check_close(parameter.grad, expected.grad, f"gradient of {name}")
        parameter.grad, expected.grad = None, None
    mini_state, state = mini.state_dict(), reference.state_dict()
    assert list(mini_state) == list(state)
    for name, expected in state.items():
        check_close(mini_state[name], expected, name)


# ------------------------------------------------------------------ the layers
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", CONFIGURATIONS, ids=str)
def test_batchnorm2d_matches_pytorch_over_training_and_evaluation_steps(options, dtype) -> None:
    mini, reference = layer_pair("BatchNorm2d", 3, dtype, seed=1, **options)
    assert repr(mini) == repr(reference)
    for step, mode in enumerate(["train", "train", "train", "eval", "train", "eval"]):
        mini.train(mode == "train")
        reference.train(mode == "train")
        step_and_compare(mini, reference, values(step, (4, 3, 5, 6), dtype, scale=3.0), step)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(8, 4), (3, 4, 5)])
@pytest.mark.parametrize("options", CONFIGURATIONS[:4], ids=str)
def test_batchnorm1d_matches_pytorch(options, shape, dtype) -> None:
    mini, reference = layer_pair("BatchNorm1d", 4, dtype, seed=2, **options)
    assert repr(mini) == repr(reference)
    for step, mode in enumerate(["train", "train", "eval"]):
        mini.train(mode == "train")
        reference.train(mode == "train")
        step_and_compare(mini, reference, values(step, shape, dtype), step)


@given(
    batch=st.integers(1, 4),
    channels=st.integers(1, 4),
    height=st.integers(1, 5),
    width=st.integers(1, 5),
    training=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
@example(batch=1, channels=2, height=1, width=2, training=True, dtype=np.float64, seed=0)
@example(batch=2, channels=1, height=1, width=1, training=True, dtype=np.float32, seed=0)
def test_batch_norm_parity(batch, channels, height, width, training, dtype, seed) -> None:
    """F.batch_norm with weight and bias: the output and the gradients of the input, weight
    and bias, and the running estimates it updates in training."""
    if training and batch * height * width == 1:
        return  # refused, as PyTorch refuses it (tested below)
    x = values(seed, (batch, channels, height, width), dtype, scale=2.0)
    weight, bias = values(seed + 1, (channels,), dtype), values(seed + 2, (channels,), dtype)
    mean = values(seed + 3, (channels,), dtype)
    var = np.abs(values(seed + 4, (channels,), dtype)) + 0.5
    mini_args = [minitorch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    torch_args = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    mini_stats = [minitorch.tensor(mean), minitorch.tensor(var)]
    torch_stats = [torch.tensor(mean), torch.tensor(var)]
    mini_out = batch_norm(mini_args[0], *mini_stats, *mini_args[1:], training, 0.3, 1e-4)
    torch_out = torch.nn.functional.batch_norm(
        torch_args[0], *torch_stats, *torch_args[1:], training, 0.3, 1e-4
    )
    check_close(mini_out.detach(), torch_out.detach(), "output")
    upstream = values(seed + 5, x.shape, dtype)
    mini_out.backward(minitorch.tensor(upstream))
    torch_out.backward(torch.tensor(upstream))
    for name, mini_arg, torch_arg in zip(
        ["input", "weight", "bias"], mini_args, torch_args, strict=True
    ):
        check_close(mini_arg.grad, torch_arg.grad, f"gradient of {name}")
    for name, mini_stat, torch_stat in zip(["mean", "var"], mini_stats, torch_stats, strict=True):
        check_close(mini_stat, torch_stat, f"running {name}")


def test_float16_input_with_float32_parameters_as_pytorch() -> None:
    """PyTorch's one mixed case on the CPU: a half input, float32 weights and estimates."""
    x = values(0, (4, 3, 2, 2), np.float16)
    outputs = []
    for lib in (minitorch, torch):
        stats = [lib.zeros(3), lib.ones(3)]
        out = functional(lib)(lib.tensor(x), *stats, lib.ones(3) * 2, lib.zeros(3), training=True)
        assert out.dtype == lib.float16 and stats[0].dtype == lib.float32
        outputs.append((out.float().numpy(), stats[1].numpy()))
    np.testing.assert_allclose(outputs[0][0], outputs[1][0], rtol=1e-3, atol=2e-3)
    np.testing.assert_allclose(outputs[0][1], outputs[1][1], rtol=1e-3)


# ------------------------------------------------------------------ the running estimates
def test_momentum_none_is_the_cumulative_average_of_the_batches() -> None:
    bn = minitorch.nn.BatchNorm2d(2, momentum=None)
    batches = [values(seed, (3, 2, 4, 4), np.float64, scale=seed + 1.0) for seed in range(4)]
    for x in batches:
        bn.double()(minitorch.tensor(x))
    means = [x.mean(axis=(0, 2, 3)) for x in batches]
    variances = [x.var(axis=(0, 2, 3), ddof=1) for x in batches]  # unbiased, as PyTorch
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean(variances, axis=0), rtol=1e-12)
    assert bn.num_batches_tracked.item() == 4


def test_buffers_and_their_versions_are_pytorchs() -> None:
    """running_mean/var written in place by the op (their versions stay, as PyTorch's),
    num_batches_tracked an int64 0-d tensor counted with add_."""
    x = values(0, (2, 3, 4, 4), np.float32)
    seen = []
    for lib in (minitorch, torch):
        bn = lib.nn.BatchNorm2d(3)
        running_mean = bn.running_mean
        before = (
            bn.running_mean._version,
            bn.running_var._version,
            bn.num_batches_tracked._version,
        )
        bn(lib.tensor(x))
        after = (bn.running_mean._version, bn.running_var._version, bn.num_batches_tracked._version)
        assert bn.running_mean is running_mean  # updated in place, not replaced
        assert bn.num_batches_tracked.dtype == lib.int64 and bn.num_batches_tracked.dim() == 0
        assert not bn.running_mean.requires_grad
        state = bn.state_dict()
        seen.append(
            (before, after, list(state), [str(v.dtype) for v in state.values()], bn._version)
        )
        bn.eval()(lib.tensor(x))
        assert bn.num_batches_tracked.item() == 1  # evaluation leaves the estimates alone
    mini, reference = seen
    assert mini[:2] == reference[:2] and mini[2] == reference[2] and mini[4] == reference[4]
    assert [d.split(".")[-1] for d in mini[3]] == [d.split(".")[-1] for d in reference[3]]


def test_without_running_stats_evaluation_uses_the_batch() -> None:
    bn = minitorch.nn.BatchNorm2d(3, track_running_stats=False, affine=False).eval()
    assert bn.running_mean is None and bn.num_batches_tracked is None
    assert list(bn.state_dict()) == []
    x = values(0, (2, 3, 4, 4), np.float64, scale=5.0)
    out = bn.double()(minitorch.tensor(x)).numpy()
    expected = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(
        x.var(axis=(0, 2, 3), keepdims=True) + 1e-5
    )
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_a_pytorch_state_dict_loads_and_an_old_one_without_the_count_too() -> None:
    reference = torch.nn.BatchNorm2d(3)
    reference(torch.randn(4, 3, 2, 2) * 3)
    state = {k: minitorch.tensor(v.numpy()) for k, v in reference.state_dict().items()}
    bn = minitorch.nn.BatchNorm2d(3)
    bn.load_state_dict(state)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == minitorch.int64
    np.testing.assert_array_equal(bn.running_var.numpy(), reference.running_var.numpy())
    del state["num_batches_tracked"]  # as saved by PyTorch 0.4 and before
    fresh = minitorch.nn.BatchNorm2d(3)
    assert fresh.load_state_dict(state).missing_keys == []
    assert fresh.num_batches_tracked.item() == 0


@pytest.mark.parametrize("version", [None, 1, 2])
def test_a_missing_count_is_kept_or_reported_by_the_checkpoints_version(version) -> None:
    """A state_dict without num_batches_tracked: from a plain dict or a version-1 record the
    module keeps its own count; a version-2 state_dict (what state_dict() writes today) is
    missing the key, with PyTorch's error under strict=True."""
    outcomes = []
    for lib in (minitorch, torch):
        model = lib.nn.Sequential(lib.nn.BatchNorm2d(2))
        state = model.state_dict()
        del state["0.num_batches_tracked"]
        if version is None:
            state = dict(state)
        else:
            state._metadata["0"]["version"] = version
        try:
            outcomes.append(("loaded", model.load_state_dict(state).missing_keys))
        except RuntimeError as error:
            outcomes.append(("refused", str(error)))
        assert model.load_state_dict(state, strict=False).missing_keys == (
            ["0.num_batches_tracked"] if version == 2 else []
        )
    assert outcomes[0] == outcomes[1]


def test_reset_parameters_and_running_stats() -> None:
    bn = minitorch.nn.BatchNorm1d(2)
    bn(minitorch.randn(5, 2) * 4)
    with minitorch.no_grad():
        bn.weight.mul_(3)
    bn.reset_parameters()
    assert bn.weight.tolist() == [1.0, 1.0] and bn.bias.tolist() == [0.0, 0.0]
    assert bn.running_mean.tolist() == [0.0, 0.0] and bn.running_var.tolist() == [1.0, 1.0]
    assert bn.num_batches_tracked.item() == 0


def test_a_whole_batchnorm_pickled_by_pytorch_loads_and_back(tmp_path) -> None:
    reference = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    reference(torch.randn(3, 1, 5, 5))
    path = tmp_path / "bn.pth"
    torch.save(reference, path)
    loaded = minitorch.load(path, weights_only=False)
    assert type(loaded[1]) is minitorch.nn.BatchNorm2d and repr(loaded) == repr(reference)
    x = values(0, (2, 1, 5, 5), np.float32)
    with torch.no_grad():
        expected = reference.eval()(torch.tensor(x))
    check_close(loaded.eval()(minitorch.tensor(x)).detach(), expected, "output")
    minitorch.save(loaded, path)
    back = torch.load(path, weights_only=False)
    assert type(back[1]) is torch.nn.BatchNorm2d
    assert back[1].num_batches_tracked.dtype == torch.int64
    torch.testing.assert_close(back[1].running_var, reference[1].running_var)


# ------------------------------------------------------------------ bad calls
def functional(lib):
    return batch_norm if lib is minitorch else torch.nn.functional.batch_norm


ERRORS = [
    ((1, 3), {"training": True}),
    ((1, 3, 1, 1), {"training": True}),
    ((1, 3, 1), {"stats": None, "training": True}),
    ((2, 3, 4), {"eps": 0.0, "training": True}),
    ((2, 3, 4), {"eps": -1.0}),
    ((2, 3, 4), {"stats": (4, 3)}),
    ((2, 3, 4), {"stats": (3, 4), "training": True}),
    ((2, 3, 4), {"weight": 4}),
    ((2, 3, 4), {"bias": 2, "training": True}),
    ((2, 3, 4), {"stats": None}),
    ((2, 3, 4), {"stats": (3, None)}),
    ((2, 3, 4), {"stats": (None, 3)}),
    ((2, 3, 4), {"stats": (3, None), "training": True}),
    ((3,), {}),
    ((3,), {"stats": None, "training": True}),
    ((2, 3, 4), {"dtype": "int64"}),
    ((2, 3, 4), {"stats_dtype": "float64"}),
    ((2, 3, 4), {"dtype": "float64"}),
    ((2, 3, 4), {"dtype": "float16", "weight_dtype": "float16"}),
    ((2, 3, 4), {"training": 1}),
    ((2, 3, 4), {"momentum": None, "training": True}),
    ((2, 3, 4), {"stats_grad": True, "training": True}),
    ((2, 3, 4), {"stats_shape": (3, 1)}),
]


@pytest.mark.parametrize("shape, case", ERRORS, ids=[str(e) for e in ERRORS])
def test_bad_calls_raise_pytorchs_error(shape, case) -> None:
    raised = []
    for lib in (minitorch, torch):
        dtype = getattr(lib, case.get("dtype", "float32"))
        x = lib.ones(shape, dtype=dtype) if dtype == lib.int64 else lib.randn(shape).to(dtype)
        stats_dtype = getattr(lib, case.get("stats_dtype", "float32"))
        sizes = case.get("stats", (3, 3))
        stats = [None, None] if sizes is None else [None if n is None else n for n in sizes]
        stats = [
            None if n is None else lib.zeros(case.get("stats_shape", n), dtype=stats_dtype)
            for n in stats
        ]
        if case.get("stats_grad"):
            stats[0].requires_grad_(True)
        weight_dtype = getattr(lib, case.get("weight_dtype", "float32"))
        weight = lib.ones(case.get("weight", 3), dtype=weight_dtype)
        bias = lib.zeros(case.get("bias", 3), dtype=lib.float32)
        with pytest.raises(Exception) as error:  # noqa: PT011 - the class is compared below
            functional(lib)(
                x,
                *stats,
                weight,
                bias,
                training=case.get("training", False),
                momentum=case.get("momentum", 0.1),
                eps=case.get("eps", 1e-5),
            )
        raised.append(error.value)
    mini, reference = raised
    assert type(mini) is type(reference)
    assert str(mini).replace("minitorch", "torch") == str(reference)


@pytest.mark.parametrize(
    "cls, shape, message",
    [
        ("BatchNorm2d", (2, 3, 4), "expected 4D input (got 3D input)"),
        ("BatchNorm2d", (2, 3, 4, 4, 1), "expected 4D input (got 5D input)"),
        ("BatchNorm1d", (2, 3, 4, 4), "expected 2D or 3D input (got 4D input)"),
        ("BatchNorm1d", (3,), "expected 2D or 3D input (got 1D input)"),
    ],
)
def test_the_layers_refuse_other_ranks_as_pytorch(cls, shape, message) -> None:
    for lib in (minitorch, torch):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            getattr(lib.nn, cls)(3)(lib.randn(shape))


def test_a_wrong_channel_count_is_pytorchs_runtime_error() -> None:
    for lib in (minitorch, torch):
        with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
            lib.nn.BatchNorm2d(3)(lib.randn(2, 4, 3, 3))
        with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
            lib.nn.BatchNorm2d(3)(lib.randn(1, 3, 1, 1))
        lib.nn.BatchNorm2d(3).eval()(lib.randn(1, 3, 1, 1))  # evaluation takes one value


def test_an_empty_batch_passes_through_and_leaves_the_estimates() -> None:
    for lib in (minitorch, torch):
        bn = lib.nn.BatchNorm2d(3)
        out = bn(lib.randn(0, 3, 2, 2))
        assert tuple(out.shape) == (0, 3, 2, 2)
        assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
