"""``minitorch.vision.models``'s VGG family against torchvision 0.29's.

Structure (module tree, ``repr``, ``state_dict`` keys and shapes), logits and gradients from
copied weights, torchvision's initialisation, the course's edits of ``vgg16``, saving and
loading a whole VGG, the weights enums and the legacy ``pretrained=`` keyword with
torchvision's warnings, and pretrained weights: read from the torch hub cache (a checkpoint
written here by ``torch.save``) and downloaded as torch.hub does. Nothing here reaches the
network: downloads go to a stand-in ``urlopen`` or to a closed local port.

Building a VGG costs seconds (its first linear layer alone has 103M weights), so each model
is built once per module and copied where a test changes it.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import io
import os
import warnings
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
from _support import copy_weights

import minitorch
from minitorch import hub
from minitorch.vision import models
from minitorch.vision.models import vgg

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

NAMES = ["vgg11", "vgg13", "vgg16", "vgg19"]


@pytest.fixture(scope="module")
def built() -> dict[str, tuple[object, object]]:
    """name -> (minitorch model, torchvision model) holding the same weights, in eval mode."""
    return {}


def pair(built: dict, name: str) -> tuple[object, object]:
    if name not in built:
        built.clear()  # one pair at a time: each VGG holds about half a gigabyte per side
        mini = getattr(models, name)(init_weights=False)  # the weights come from torchvision
        reference = getattr(torchvision.models, name)()
        copy_weights(reference, mini)
        built[name] = (mini.eval(), reference.eval())
    return built[name]


def pictures(*shape: int, dtype: type = np.float32) -> np.ndarray:
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


def assert_close(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> None:
    """``np.testing.assert_allclose``'s test, a few million elements at a time (a VGG's
    gradients hold 133M; comparing them whole would take seconds and gigabytes)."""
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    actual, expected = actual.reshape(-1), expected.reshape(-1)
    for start in range(0, actual.size, 1 << 22):
        a, e = actual[start : start + (1 << 22)], expected[start : start + (1 << 22)]
        bad = np.abs(a - e) > atol + rtol * np.abs(e)
        assert not bad.any(), f"{bad.sum()} elements differ, e.g. {a[bad][0]} vs {e[bad][0]}"


def logits(model: object, lib: object, x: np.ndarray) -> np.ndarray:
    with lib.no_grad():
        return model(lib.tensor(x)).numpy()


# ------------------------------------------------------------------ structure
@pytest.mark.parametrize("name", NAMES)
def test_module_tree_repr_and_state_dict_are_torchvisions(built, name) -> None:
    mini, reference = pair(built, name)
    assert repr(mini) == repr(reference)
    assert [n for n, _ in mini.named_modules()] == [n for n, _ in reference.named_modules()]
    mini_state, state = mini.state_dict(), reference.state_dict()
    assert list(mini_state) == list(state)
    assert [tuple(v.shape) for v in mini_state.values()] == [tuple(v.shape) for v in state.values()]
    assert sum(p.numel() for p in mini.parameters()) == sum(
        p.numel() for p in reference.parameters()
    )


def test_the_builders_and_their_signatures_are_torchvisions() -> None:
    torch_backend = pytest.importorskip("torch_backend.vision.models")
    assert set(models.__all__) == set(torch_backend.__all__)
    assert set(models.__all__) <= set(dir(torchvision.models))
    for name in [*NAMES, *(f"{name}_bn" for name in NAMES)]:
        mini, reference = getattr(models, name), getattr(torchvision.models, name)
        ours = [(p.name, p.kind, p.default) for p in inspect.signature(mini).parameters.values()]
        theirs = inspect.signature(reference).parameters.values()
        assert ours == [(p.name, p.kind, p.default) for p in theirs]


# ------------------------------------------------------------------ the same numbers
def test_vgg11_logits_match_torchvision_in_float32(built) -> None:
    mini, reference = pair(built, "vgg11")
    x = pictures(2, 3, 32, 32)
    np.testing.assert_allclose(logits(mini, minitorch, x), logits(reference, torch, x), atol=1e-5)


def test_vgg11_logits_and_gradients_match_torchvision_in_float64(built) -> None:
    """Eval mode (dropout off); every parameter's gradient from a random upstream gradient
    (through the in-place ReLUs, the max poolings and the adaptive pooling from 1x1 to 7x7)."""
    mini, reference = (copy.deepcopy(m).double() for m in pair(built, "vgg11"))
    x = pictures(1, 3, 32, 32, dtype=np.float64)
    upstream = pictures(1, 1000, dtype=np.float64)
    mini_x = minitorch.tensor(x, requires_grad=True)
    torch_x = torch.tensor(x, requires_grad=True)
    mini_out, torch_out = mini(mini_x), reference(torch_x)
    np.testing.assert_allclose(mini_out.detach().numpy(), torch_out.detach().numpy(), atol=1e-12)
    mini_out.backward(minitorch.tensor(upstream))
    torch_out.backward(torch.tensor(upstream))
    assert_close(mini_x.grad.numpy(), torch_x.grad.numpy(), rtol=1e-9, atol=1e-13)
    torch_params = dict(reference.named_parameters())
    for name, parameter in mini.named_parameters():
        assert_close(parameter.grad.numpy(), torch_params[name].grad.numpy(), 1e-9, 1e-13)


def test_vgg16_logits_and_the_courses_edits_match_torchvision(built) -> None:
    mini, reference = (copy.deepcopy(m) for m in pair(built, "vgg16"))
    x = pictures(1, 3, 32, 32)
    np.testing.assert_allclose(logits(mini, minitorch, x), logits(reference, torch, x), atol=1e-5)
    # the course's model_pretrained: a layer added to the classifier ...
    for model, nn in ((mini, minitorch.nn), (reference, torch.nn)):
        model.classifier.add_module("add_linear", nn.Linear(1000, 10))
    assert repr(mini) == repr(reference)
    copy_weights(reference, mini)
    np.testing.assert_allclose(logits(mini, minitorch, x), logits(reference, torch, x), atol=1e-5)
    # ... and, instead, the last layer replaced (the course prints the result)
    mini.classifier[6] = minitorch.nn.Linear(4096, 10)
    reference.classifier[6] = torch.nn.Linear(4096, 10)
    assert repr(mini) == repr(reference)
    assert list(mini.state_dict()) == list(reference.state_dict())
    assert [tuple(v.shape) for v in mini.state_dict().values()] == [
        tuple(v.shape) for v in reference.state_dict().values()
    ]


def test_dropout_is_on_in_training_and_off_in_eval(built) -> None:
    mini, _ = pair(built, "vgg11")
    model = copy.deepcopy(mini)
    x = pictures(1, 3, 32, 32)
    model.train()
    assert not np.array_equal(logits(model, minitorch, x), logits(model, minitorch, x))
    model.eval()
    np.testing.assert_array_equal(logits(model, minitorch, x), logits(model, minitorch, x))


# ------------------------------------------------------------------ initialisation
def test_initialisation_is_torchvisions() -> None:
    """Convolutions N(0, 2/fan_out) (Kaiming, fan-out, ReLU gain), linear layers N(0, 0.01^2),
    every bias zero."""
    model = models.vgg11()
    for module in model.modules():
        if isinstance(module, minitorch.nn.Conv2d):
            out_channels, _, kh, kw = module.weight.shape
            expected = np.sqrt(2.0 / (out_channels * kh * kw))
            weights = module.weight.detach().numpy()
        elif isinstance(module, minitorch.nn.Linear):
            expected, weights = 0.01, module.weight.detach().numpy()
        else:
            continue
        assert abs(weights.mean()) < 5 * expected / np.sqrt(weights.size)
        assert abs(weights.std() / expected - 1) < 6 * np.sqrt(0.5 / weights.size) + 1e-3
        assert not module.bias.detach().numpy().any()


# ------------------------------------------------------------------ saving a whole VGG
def test_a_whole_vgg_saved_and_loaded_is_the_same_model(built, tmp_path) -> None:
    mini, _ = pair(built, "vgg11")
    path = tmp_path / "vgg11_method1.pth"
    minitorch.save(mini, path)
    try:
        loaded = minitorch.load(path, weights_only=False)
        assert type(loaded) is vgg.VGG and repr(loaded) == repr(mini)
        for (name, value), (other, expected) in zip(
            loaded.state_dict().items(), mini.state_dict().items(), strict=True
        ):
            assert name == other and minitorch.equal(value, expected), name
        x = pictures(1, 3, 32, 32)
        np.testing.assert_array_equal(
            logits(loaded.eval(), minitorch, x), logits(mini, minitorch, x)
        )
    finally:
        path.unlink()  # half a gigabyte


def test_a_whole_vgg_pickled_by_torchvision_loads_as_minitorchs_and_back(built, tmp_path) -> None:
    """The course's model_save/model_load across the two libraries: torchvision's classes are
    minitorch.vision's in the file's names, as torch's are minitorch's."""
    mini, reference = pair(built, "vgg11")
    x = pictures(1, 3, 32, 32)
    path = tmp_path / "vgg11_method1.pth"
    try:
        torch.save(reference, path)
        loaded = minitorch.load(path, weights_only=False)
        assert type(loaded) is vgg.VGG
        np.testing.assert_allclose(
            logits(loaded.eval(), minitorch, x), logits(reference, torch, x), rtol=1e-5, atol=1e-5
        )
        minitorch.save(mini, path)
        back = torch.load(path, weights_only=False)
        assert type(back) is torchvision.models.vgg.VGG
        np.testing.assert_allclose(
            logits(back.eval(), torch, x), logits(mini, minitorch, x), rtol=1e-5, atol=1e-5
        )
    finally:
        path.unlink(missing_ok=True)


# ------------------------------------------------------------------ weights enums, legacy calls
def test_weights_enums_are_torchvisions() -> None:
    for name in [
        *("VGG11_Weights", "VGG13_Weights", "VGG16_Weights", "VGG19_Weights"),
        *("VGG11_BN_Weights", "VGG13_BN_Weights", "VGG16_BN_Weights", "VGG19_BN_Weights"),
    ]:
        mini, reference = getattr(models, name), getattr(torchvision.models, name)
        assert [m.name for m in mini] == [m.name for m in reference]
        assert mini.DEFAULT is mini.IMAGENET1K_V1
        for member in mini:
            theirs = reference[member.name]
            assert repr(member) == repr(theirs) and str(member) == str(theirs)
            assert member.url == theirs.url
            meta, expected = dict(member.meta), dict(theirs.meta)
            assert meta.pop("_docs").split() == expected.pop("_docs").split()
            nan_metrics = "_metrics"  # IMAGENET1K_FEATURES has NaN accuracies
            assert str(meta.pop(nan_metrics)) == str(expected.pop(nan_metrics))
            assert meta == expected
        assert mini.verify("DEFAULT") is mini.IMAGENET1K_V1
        assert mini.verify(f"{name}.IMAGENET1K_V1") is mini.IMAGENET1K_V1
        assert mini.verify(None) is None


@pytest.fixture
def builds_nothing(monkeypatch):
    """Make both libraries' ``_vgg`` return what the builder chose instead of a model."""

    def chosen(cfg, batch_norm, weights, progress, **kwargs):
        return cfg, batch_norm, weights, progress, kwargs

    monkeypatch.setattr(vgg, "_vgg", chosen)
    monkeypatch.setattr(torchvision.models.vgg, "_vgg", chosen)


def called(builder, *args, **kwargs) -> tuple[object, list[str]]:
    """What ``builder(*args, **kwargs)`` returned (or raised) and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: object = builder(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the error is what is compared
            result = (type(error), str(error))
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]


LEGACY_CALLS = [
    ((), {"pretrained": False}),
    ((), {"pretrained": True}),
    ((False,), {}),
    ((True,), {}),
    ((None, False), {}),
    ((), {"weights": "DEFAULT"}),
    ((), {"weights": "legacy"}),
    ((), {"weights": None, "num_classes": 10}),
    ((), {"weights": "nope"}),
    ((), {"weights": "VGG11_Weights.IMAGENET1K_V1"}),
]


@pytest.mark.parametrize("args, kwargs", LEGACY_CALLS, ids=[str(c) for c in LEGACY_CALLS])
def test_old_spellings_choose_the_weights_and_warn_as_torchvision(
    builds_nothing, args, kwargs
) -> None:
    mini, mini_warnings = called(models.vgg16, *args, **kwargs)
    reference, reference_warnings = called(torchvision.models.vgg16, *args, **kwargs)
    assert mini_warnings == reference_warnings
    assert repr(mini) == repr(reference)


def test_weights_of_another_model_and_a_leftover_pretrained_are_refused_as_in_torchvision():
    for mini, reference in [
        (
            lambda: models.vgg11(weights=models.VGG16_Weights.DEFAULT),
            lambda: torchvision.models.vgg11(weights=torchvision.models.VGG16_Weights.DEFAULT),
        ),
        (
            lambda: models.vgg11(weights=None, pretrained=False),
            lambda: torchvision.models.vgg11(weights=None, pretrained=False),
        ),
    ]:
        with pytest.raises(TypeError) as expected:
            reference()
        with pytest.raises(TypeError) as raised:
            mini()
        assert str(raised.value) == str(expected.value)


# ------------------------------------------------------------------ pretrained weights
@pytest.fixture
def torch_home(tmp_path, monkeypatch) -> Path:
    """A fresh $TORCH_HOME; any attempt to reach the network fails the test."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def no_network(*args, **kwargs):
        raise AssertionError(f"a test reached for the network: {args}")

    monkeypatch.setattr(hub, "urlopen", no_network)
    return tmp_path


def test_pretrained_weights_load_from_the_torch_hub_cache(torch_home, capsys) -> None:
    reference = torchvision.models.vgg11(init_weights=False)  # PyTorch's default init
    checkpoints = torch_home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    path = checkpoints / "vgg11-8a719046.pth"  # the name in VGG11_Weights.IMAGENET1K_V1.url
    torch.save(reference.state_dict(), path)
    try:
        model = models.vgg11(weights=models.VGG11_Weights.DEFAULT).eval()
        assert capsys.readouterr().out == ""  # nothing to download
        for (name, value), expected in zip(
            model.state_dict().items(), reference.state_dict().values(), strict=True
        ):
            np.testing.assert_array_equal(value.numpy(), expected.numpy(), err_msg=name)
    finally:
        path.unlink()


def test_the_cache_is_where_torch_hub_looks(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    assert hub.torch_home() == torch.hub._get_torch_home() == str(tmp_path / "home")
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.torch_home() == torch.hub._get_torch_home() == str(tmp_path / "xdg" / "torch")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert hub.torch_home() == torch.hub._get_torch_home()
    assert hub.torch_home() == os.path.expanduser("~/.cache/torch")


def test_a_legacy_format_checkpoint_loads_from_the_cache(torch_home) -> None:
    """torchvision's VGG files were saved before PyTorch's zip format."""
    state = torch.nn.Linear(3, 2).state_dict()
    checkpoints = torch_home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(state, checkpoints / "tiny-00000000.pth", _use_new_zipfile_serialization=False)
    loaded = hub.load_state_dict_from_url("https://example.invalid/models/tiny-00000000.pth")
    assert list(loaded) == ["weight", "bias"]
    np.testing.assert_array_equal(loaded["weight"].numpy(), state["weight"].numpy())


def test_offline_the_builder_fails_as_torchvision_does_and_leaves_nothing(
    torch_home, monkeypatch, capsys
) -> None:
    url = models.VGG11_Weights.IMAGENET1K_V1.url

    def offline(request, timeout):
        assert request.full_url == url and timeout == hub.DOWNLOAD_TIMEOUT
        raise URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(hub, "urlopen", offline)
    with pytest.raises(URLError, match="Temporary failure in name resolution") as raised:
        models.vgg11(weights=models.VGG11_Weights.IMAGENET1K_V1)
    assert url in str(raised.value)
    checkpoints = torch_home / "hub" / "checkpoints"
    assert list(checkpoints.iterdir()) == []
    cached = checkpoints / "vgg11-8a719046.pth"
    assert capsys.readouterr().out == f'Downloading: "{url}" to {cached}\n'  # torch.hub's line


def test_an_unreachable_server_is_a_url_error_naming_the_url(tmp_path) -> None:
    url = "http://127.0.0.1:9/models/tiny-00000000.pth"  # the discard port: nothing listens
    with pytest.raises(URLError) as raised:
        hub.download_url_to_file(url, str(tmp_path / "tiny-00000000.pth"))
    assert url in str(raised.value)
    assert list(tmp_path.iterdir()) == []


class FakeResponse(io.BytesIO):
    """What ``urlopen`` returns: the file's bytes, with a Content-Length header; ``fail_at``
    makes a read past that many bytes time out, as a stalled server does."""

    def __init__(self, data: bytes, fail_at: int | None = None) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}
        self.fail_at = fail_at

    def read(self, size: int = -1) -> bytes:
        if self.fail_at is not None and self.tell() >= self.fail_at:
            raise TimeoutError("The read operation timed out")
        return super().read(min(size, 1000))


def checkpoint_bytes() -> tuple[bytes, dict]:
    state = torch.nn.Linear(4, 3).state_dict()
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue(), state


def test_a_download_lands_in_the_cache_checked_against_its_hash(torch_home, monkeypatch) -> None:
    data, state = checkpoint_bytes()
    name = f"tiny-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    url = f"https://example.invalid/models/{name}"
    monkeypatch.setattr(hub, "urlopen", lambda request, timeout: FakeResponse(data))
    loaded = hub.load_state_dict_from_url(url, progress=False, check_hash=True)
    np.testing.assert_array_equal(loaded["weight"].numpy(), state["weight"].numpy())
    assert [p.name for p in (torch_home / "hub" / "checkpoints").iterdir()] == [name]


def test_a_download_with_the_wrong_hash_leaves_nothing(torch_home, monkeypatch) -> None:
    data, _ = checkpoint_bytes()
    monkeypatch.setattr(hub, "urlopen", lambda request, timeout: FakeResponse(data))
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "0123abcd"'):
        hub.load_state_dict_from_url(
            "https://example.invalid/tiny-0123abcd.pth", progress=False, check_hash=True
        )
    assert list((torch_home / "hub" / "checkpoints").iterdir()) == []


def test_a_download_that_stalls_is_a_url_error_and_leaves_nothing(torch_home, monkeypatch) -> None:
    data, _ = checkpoint_bytes()
    monkeypatch.setattr(hub, "urlopen", lambda request, timeout: FakeResponse(data, fail_at=500))
    url = "https://example.invalid/tiny-00000000.pth"
    with pytest.raises(URLError, match="timed out") as raised:
        hub.load_state_dict_from_url(url, progress=False)
    assert url in str(raised.value)
    assert list((torch_home / "hub" / "checkpoints").iterdir()) == []


def test_the_preset_transforms_say_they_are_not_implemented() -> None:
    with pytest.raises(NotImplementedError, match="ImageClassification"):
        models.VGG16_Weights.DEFAULT.transforms()


def test_vgg11_bn_is_torchvisions_in_structure_and_in_training_and_evaluation() -> None:
    """A BatchNorm2d between each convolution and its ReLU (weight 1 and bias 0 when
    initialised); logits in evaluation (running estimates) and training (the batch's)."""
    reference = torchvision.models.vgg11_bn(init_weights=False)
    mini = models.vgg11_bn()
    assert repr(mini) == repr(reference)
    assert list(mini.state_dict()) == list(reference.state_dict())
    norms = [m for m in mini.modules() if isinstance(m, minitorch.nn.BatchNorm2d)]
    assert len(norms) == 8
    assert all(
        (m.weight.detach().numpy() == 1).all() and not m.bias.detach().numpy().any() for m in norms
    )
    copy_weights(reference, mini)
    for module in (mini.classifier, reference.classifier):
        module.eval()  # no dropout: the same numbers on both sides
    x = pictures(2, 3, 32, 32)
    mini.features.train()
    reference.features.train()
    np.testing.assert_allclose(
        logits(mini, minitorch, x), logits(reference, torch, x), rtol=1e-4, atol=1e-5
    )
    for name, value in reference.state_dict().items():  # the running estimates moved alike
        np.testing.assert_allclose(
            mini.state_dict()[name].numpy(), value.numpy(), rtol=1e-4, atol=1e-6, err_msg=name
        )
    mini.eval()
    reference.eval()
    np.testing.assert_allclose(logits(mini, minitorch, x), logits(reference, torch, x), atol=1e-5)


# ------------------------------------------------------------------ ReLU(inplace=True)
def test_relu_inplace_writes_into_its_input_as_pytorch_does() -> None:
    """VGG's ReLUs overwrite the convolutions' outputs: the same object comes back, its
    version moves on, the gradient flows through, and a leaf that requires grad is refused."""
    values = np.array([-1.0, 2.0, -3.0, 4.0], dtype=np.float32)
    weights = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    grads = []
    for lib in (minitorch, torch):
        spellings = [
            lib.nn.ReLU(inplace=True),
            lambda y, lib=lib: lib.nn.functional.relu(y, inplace=True),
            lib.nn.functional.relu_,
        ]
        for relu in spellings:
            x = lib.tensor(values, requires_grad=True)
            y = x * 2
            version = y._version
            assert relu(y) is y
            assert y._version == version + 1 and type(y.grad_fn).__name__ == "ReluBackward0"
            (y * lib.tensor(weights)).sum().backward()
            grads.append(x.grad.numpy())
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being"):
                relu(x)
        assert repr(lib.nn.ReLU(True)) == "ReLU(inplace=True)"
    for grad in grads:
        np.testing.assert_array_equal(grad, [0.0, 4.0, 0.0, 8.0])


# ------------------------------------------------------------------ ResNet
RESNETS = ["resnet18", "resnet34"]


@pytest.fixture(scope="module")
def resnet18_pair() -> tuple[object, object]:
    """(minitorch resnet18, torchvision resnet18) holding the same weights."""
    torch.manual_seed(0)
    reference = torchvision.models.resnet18()
    mini = models.resnet18()
    copy_weights(reference, mini)
    return mini, reference


@pytest.mark.parametrize("name", RESNETS)
def test_resnet_module_tree_repr_and_state_dict_are_torchvisions(name) -> None:
    mini, reference = getattr(models, name)(), getattr(torchvision.models, name)()
    assert repr(mini) == repr(reference)
    assert [n for n, _ in mini.named_modules()] == [n for n, _ in reference.named_modules()]
    assert [type(m).__name__ for m in mini.modules()] == [
        type(m).__name__ for m in reference.modules()
    ]
    mini_state, state = mini.state_dict(), reference.state_dict()
    assert list(mini_state) == list(state)
    assert [(tuple(v.shape), str(v.dtype).split(".")[-1]) for v in mini_state.values()] == [
        (tuple(v.shape), str(v.dtype).split(".")[-1]) for v in state.values()
    ]
    assert sum(p.numel() for p in mini.parameters()) == sum(
        p.numel() for p in reference.parameters()
    )


@pytest.mark.parametrize("name", RESNETS)
def test_resnet_builders_signatures_are_torchvisions(name) -> None:
    mini, reference = getattr(models, name), getattr(torchvision.models, name)
    ours = [(p.name, p.kind, p.default) for p in inspect.signature(mini).parameters.values()]
    theirs = inspect.signature(reference).parameters.values()
    assert ours == [(p.name, p.kind, p.default) for p in theirs]
    ours = inspect.signature(models.ResNet).parameters
    theirs = inspect.signature(torchvision.models.ResNet).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in theirs.values()
    ]


def one_step(model, lib, x: np.ndarray, upstream: np.ndarray) -> dict[str, np.ndarray]:
    """Logits, the input's and every parameter's gradient, and the state after one forward
    and backward, as float64 arrays by name."""
    inputs = lib.tensor(x, requires_grad=True)
    out = model(inputs)
    out.backward(lib.tensor(upstream))
    found = {"logits": out.detach().numpy(), "input gradient": inputs.grad.numpy()}
    found |= {f"gradient of {n}": p.grad.numpy() for n, p in model.named_parameters()}
    found |= {n: v.numpy() for n, v in model.state_dict().items()}
    return {name: value.astype(np.float64) for name, value in found.items()}


@pytest.mark.parametrize("mode", ["eval", "train"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_resnet18_logits_gradients_and_running_stats_match_torchvision(
    resnet18_pair, mode, dtype
) -> None:
    """One step from the same weights: the logits, the input's and every parameter's
    gradient (through the in-place residual additions and ReLUs, the padded max pooling and
    the batch normalisations) and the state (in training, the updated running estimates).

    float64 agrees with PyTorch to rounding. In float32 a gradient through twenty batch
    normalisations of a few values per channel loses digits (PyTorch's own float32 gradients
    can differ from its float64 ones by a percent for some weights), so float32 is held to
    PyTorch's own accuracy: no further from PyTorch's float64 result than PyTorch's float32.
    """
    mini, reference = (copy.deepcopy(m) for m in resnet18_pair)
    # in training two 64x64 pictures leave layer4's batch norms 8 values per channel (with
    # fewer, float32's gradients on both sides are mostly rounding noise)
    batch = 2 if mode == "train" else 1
    x = pictures(batch, 3, 64, 64, dtype=np.float64)
    upstream = pictures(batch, 1000, dtype=np.float64)
    truth = one_step(copy.deepcopy(reference).double().train(mode == "train"), torch, x, upstream)
    if dtype == np.float64:
        mini.double()
    else:
        x, upstream = x.astype(dtype), upstream.astype(dtype)
        expected = one_step(reference.train(mode == "train"), torch, x, upstream)
    found = one_step(mini.train(mode == "train"), minitorch, x, upstream)
    assert list(found) == list(truth)
    for name, value in found.items():
        scale = np.abs(truth[name]).max()
        error = np.abs(value - truth[name]).max()
        if dtype == np.float64:
            assert error <= 1e-10 * scale + 1e-14, f"{name}: {error} (largest {scale})"
        else:
            pytorchs = np.abs(expected[name] - truth[name]).max()
            assert error <= 2 * pytorchs + 1e-6 * scale, f"{name}: {error}, PyTorch's {pytorchs}"
    if mode == "train":
        assert mini.bn1.num_batches_tracked.item() == 1


def test_resnet_initialisation_is_torchvisions() -> None:
    """Convolutions N(0, 2/fan_out) (Kaiming, fan-out, ReLU gain), batch norms weight 1 and
    bias 0; with zero_init_residual each block's last batch norm starts at weight 0."""
    model = models.resnet18()
    for module in model.modules():
        if isinstance(module, minitorch.nn.Conv2d):
            out_channels, _, kh, kw = module.weight.shape
            expected = np.sqrt(2.0 / (out_channels * kh * kw))
            weights = module.weight.detach().numpy()
            assert abs(weights.mean()) < 5 * expected / np.sqrt(weights.size)
            assert abs(weights.std() / expected - 1) < 6 * np.sqrt(0.5 / weights.size) + 1e-3
            assert module.bias is None
        elif isinstance(module, minitorch.nn.BatchNorm2d):
            assert (module.weight.detach().numpy() == 1).all()
            assert not module.bias.detach().numpy().any()
    zeroed = models.resnet18(zero_init_residual=True)
    for block in [*zeroed.layer1, *zeroed.layer2, *zeroed.layer3, *zeroed.layer4]:
        assert not block.bn2.weight.detach().numpy().any()
        assert (block.bn1.weight.detach().numpy() == 1).all()


def test_resnet_arguments_are_refused_as_in_torchvision() -> None:
    calls = [
        lambda lib: lib.resnet18(groups=2),
        lambda lib: lib.resnet18(width_per_group=32),
        lambda lib: lib.resnet18(replace_stride_with_dilation=[False, True, False]),
        lambda lib: lib.resnet18(replace_stride_with_dilation=[False, True]),
        lambda lib: lib.resnet18(weights=lib.ResNet34_Weights.DEFAULT),
        lambda lib: lib.resnet18(weights=None, pretrained=False),
    ]
    for call in calls:
        with pytest.raises(Exception) as expected:  # noqa: PT011 - the class is compared
            call(torchvision.models)
        with pytest.raises(type(expected.value)) as raised:
            call(models)
        assert str(raised.value) == str(expected.value)


def test_resnet18_with_ten_classes_and_small_pictures() -> None:
    """A CIFAR-10-sized picture goes through (1x1 after layer4) and num_classes sizes fc."""
    model = models.resnet18(num_classes=10).eval()
    assert repr(model.fc) == "Linear(in_features=512, out_features=10, bias=True)"
    assert tuple(logits(model, minitorch, pictures(1, 3, 32, 32)).shape) == (1, 10)


def test_a_whole_resnet_pickled_by_torchvision_loads_as_minitorchs_and_back(
    resnet18_pair, tmp_path
) -> None:
    mini, reference = (copy.deepcopy(m).eval() for m in resnet18_pair)
    x = pictures(1, 3, 64, 64)
    path = tmp_path / "resnet18_method1.pth"
    torch.save(reference, path)
    loaded = minitorch.load(path, weights_only=False)
    assert type(loaded) is models.ResNet and type(loaded.layer1[0]).__name__ == "BasicBlock"
    assert repr(loaded) == repr(reference)
    np.testing.assert_allclose(
        logits(loaded.eval(), minitorch, x), logits(reference, torch, x), rtol=1e-5, atol=1e-5
    )
    minitorch.save(mini, path)
    back = torch.load(path, weights_only=False)
    assert type(back) is torchvision.models.resnet.ResNet
    assert back.bn1.num_batches_tracked.dtype == torch.int64
    np.testing.assert_allclose(
        logits(back.eval(), torch, x), logits(mini, minitorch, x), rtol=1e-5, atol=1e-5
    )


def test_resnet_weights_enums_are_torchvisions() -> None:
    for name in ["ResNet18_Weights", "ResNet34_Weights"]:
        mini, reference = getattr(models, name), getattr(torchvision.models, name)
        assert [m.name for m in mini] == [m.name for m in reference]
        assert mini.DEFAULT is mini.IMAGENET1K_V1
        for member in mini:
            theirs = reference[member.name]
            assert repr(member) == repr(theirs) and member.url == theirs.url
            assert member.meta == theirs.meta


@pytest.fixture
def resnet_builds_nothing(monkeypatch):
    """Make both libraries' ``_resnet`` return what the builder chose instead of a model."""

    def chosen(block, layers, weights, progress, **kwargs):
        return block.__name__, layers, weights, progress, kwargs

    monkeypatch.setattr(models.resnet, "_resnet", chosen)
    monkeypatch.setattr(torchvision.models.resnet, "_resnet", chosen)


RESNET_LEGACY_CALLS = [
    ((), {"pretrained": False}),
    ((), {"pretrained": True}),
    ((True,), {}),
    ((), {"weights": "DEFAULT"}),
    ((), {"weights": "ResNet18_Weights.IMAGENET1K_V1", "num_classes": 10}),
]


@pytest.mark.parametrize(
    "args, kwargs", RESNET_LEGACY_CALLS, ids=[str(c) for c in RESNET_LEGACY_CALLS]
)
def test_resnet_old_spellings_choose_the_weights_and_warn_as_torchvision(
    resnet_builds_nothing, args, kwargs
) -> None:
    mini, mini_warnings = called(models.resnet18, *args, **kwargs)
    reference, reference_warnings = called(torchvision.models.resnet18, *args, **kwargs)
    assert mini_warnings == reference_warnings
    assert repr(mini) == repr(reference)


def test_resnet18_pretrained_weights_load_from_the_torch_hub_cache(torch_home, capsys) -> None:
    reference = torchvision.models.resnet18()
    reference(torch.randn(2, 3, 32, 32))  # running estimates and counts of their own
    checkpoints = torch_home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    path = checkpoints / "resnet18-f37072fd.pth"  # the name in ResNet18_Weights' url
    torch.save(reference.state_dict(), path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = models.resnet18(pretrained=True)
    assert any("'pretrained' is deprecated" in str(w.message) for w in caught)
    assert capsys.readouterr().out == ""  # nothing to download
    for (name, value), expected in zip(
        model.state_dict().items(), reference.state_dict().values(), strict=True
    ):
        np.testing.assert_array_equal(value.numpy(), expected.numpy(), err_msg=name)
