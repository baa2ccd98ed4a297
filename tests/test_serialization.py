"""minitorch.save and minitorch.load: PyTorch's checkpoint format, both ways, safely, atomically."""

import collections
import io
import os
import pickle
import pickletools
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch
from minitorch import nn, predict
from minitorch.models import tudui_class

REPO = Path(__file__).resolve().parents[1]

DTYPES = [
    np.float32,
    np.float64,
    np.float16,
    np.int64,
    np.int32,
    np.int16,
    np.int8,
    np.uint8,
    np.bool_,
]
arrays = st.sampled_from(DTYPES).flatmap(
    lambda dtype: hnp.arrays(
        dtype,
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
        elements=hnp.from_dtype(np.dtype(dtype), allow_nan=False, allow_infinity=False),
    )
)


def saved(obj, library=minitorch) -> io.BytesIO:
    buffer = io.BytesIO()
    library.save(obj, buffer)
    buffer.seek(0)
    return buffer


def dtype_name(t) -> str:
    return str(t.dtype).split(".")[-1]


def assert_same_tensor(mine, theirs):
    assert dtype_name(mine) == dtype_name(theirs)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert mine.requires_grad == theirs.requires_grad
    np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())


# ------------------------------------------------------------------ tensors both ways
@given(st.lists(arrays, min_size=1, max_size=4))
def test_state_dicts_round_trip_and_cross_to_torch_both_ways(values):
    names = [f"layer{i}.weight" for i in range(len(values))]
    mine = collections.OrderedDict(
        (n, minitorch.tensor(v)) for n, v in zip(names, values, strict=True)
    )
    theirs = collections.OrderedDict(
        (n, torch.tensor(v)) for n, v in zip(names, values, strict=True)
    )

    for loaded, expected in (
        (minitorch.load(saved(mine)), theirs),  # minitorch -> minitorch
        (minitorch.load(saved(theirs, torch)), theirs),  # torch -> minitorch
    ):
        assert type(loaded) is collections.OrderedDict and list(loaded) == names
        for name in names:
            assert_same_tensor(loaded[name], expected[name])
    from_minitorch = torch.load(saved(mine), weights_only=True)  # minitorch -> torch
    for name in names:
        assert_same_tensor(minitorch.tensor(from_minitorch[name].numpy()), theirs[name])


def test_files_are_byte_identical_to_torch_save(tmp_path, monkeypatch):
    values = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, 2, 3])}
    torch_path, mine_path = tmp_path / "torch" / "model.pth", tmp_path / "mine" / "model.pth"
    torch_path.parent.mkdir()
    mine_path.parent.mkdir()
    torch.save(collections.OrderedDict((k, torch.tensor(v)) for k, v in values.items()), torch_path)
    serialization_id = zipfile.ZipFile(torch_path).read("model/.data/serialization_id").decode()
    halves = iter([int(serialization_id[:20]), int(serialization_id[20:])])
    monkeypatch.setattr("minitorch._pytorch_zip.secrets.randbits", lambda bits: next(halves))
    minitorch.save(
        collections.OrderedDict((k, minitorch.tensor(v)) for k, v in values.items()), mine_path
    )
    assert mine_path.read_bytes() == torch_path.read_bytes()


def test_parameters_and_requires_grad_survive_both_ways():
    weight = nn.Parameter(minitorch.tensor([[1.0, 2.0]]))
    frozen = nn.Parameter(minitorch.tensor([3.0]), requires_grad=False)
    state = {
        "weight": weight,
        "frozen": frozen,
        "leaf": minitorch.tensor([1.0], requires_grad=True),
    }
    loaded = minitorch.load(saved(state))
    assert type(loaded["weight"]) is nn.Parameter and loaded["weight"].requires_grad
    assert type(loaded["frozen"]) is nn.Parameter and not loaded["frozen"].requires_grad
    assert type(loaded["leaf"]) is minitorch.Tensor and loaded["leaf"].requires_grad
    in_torch = torch.load(saved(state), weights_only=True)
    assert type(in_torch["weight"]) is torch.nn.Parameter and in_torch["weight"].tolist() == [
        [1.0, 2.0]
    ]
    assert type(in_torch["frozen"]) is torch.nn.Parameter and not in_torch["frozen"].requires_grad
    from_torch = minitorch.load(saved({"p": torch.nn.Parameter(torch.ones(2))}, torch))
    assert type(from_torch["p"]) is nn.Parameter and from_torch["p"].tolist() == [1.0, 1.0]


def test_views_share_one_storage_like_torch():
    base = minitorch.arange(12.0).reshape(3, 4)
    state = {"base": base, "row": base[1], "column": base[:, 2], "transposed": base.t()}
    loaded = minitorch.load(saved(state))
    for name, tensor in state.items():
        np.testing.assert_array_equal(loaded[name].numpy(), tensor.numpy())
    loaded["base"].numpy()[1, 2] = -1.0  # one storage, as in PyTorch: the views see the change
    assert loaded["row"].tolist()[2] == -1.0 and loaded["column"].tolist()[1] == -1.0
    in_torch = torch.load(saved(state), weights_only=True)
    assert in_torch["column"].stride() == (4,) and in_torch["transposed"].stride() == (1, 4)
    assert (
        in_torch["row"].untyped_storage().data_ptr()
        == in_torch["base"].untyped_storage().data_ptr()
    )
    np.testing.assert_array_equal(in_torch["transposed"].numpy(), base.t().numpy())


def test_torch_views_load_as_views():
    base = torch.arange(10.0)
    loaded = minitorch.load(saved({"a": base, "b": base[3:7], "c": base[::2]}, torch))
    assert loaded["b"].tolist() == [3.0, 4.0, 5.0, 6.0] and loaded["c"].tolist() == [
        0.0,
        2.0,
        4.0,
        6.0,
        8.0,
    ]
    loaded["a"].numpy()[4] = 100.0
    assert loaded["b"].tolist()[1] == 100.0 and loaded["c"].tolist()[2] == 100.0
    saved_again = torch.load(saved(loaded), weights_only=True)  # still one storage
    assert saved_again["c"].stride() == (2,) and saved_again["b"].storage_offset() == 3
    pointer = saved_again["a"].untyped_storage().data_ptr()
    assert saved_again["b"].untyped_storage().data_ptr() == pointer


def test_containers_numbers_dtypes_sizes_and_devices():
    obj = {
        "list": [1, 2.5, "three", None, True],
        "tuple": (b"bytes", complex(1, 2), {4, 5}),
        "nested": {
            "tensor": minitorch.ones(2, dtype=minitorch.int64),
            "empty": minitorch.zeros(0, 3),
        },
        "dtype": minitorch.float16,
        "size": minitorch.Size([2, 3]),
        "device": minitorch.device("cpu"),
        "scalar": minitorch.tensor(3.5),
    }
    loaded = minitorch.load(saved(obj))
    assert loaded["list"] == obj["list"] and loaded["tuple"] == obj["tuple"]
    assert loaded["dtype"] is minitorch.float16
    assert type(loaded["size"]) is minitorch.Size and loaded["size"] == (2, 3)
    assert loaded["device"] == minitorch.device("cpu")
    assert loaded["nested"]["empty"].shape == (0, 3) and loaded["scalar"].item() == 3.5
    in_torch = torch.load(saved(obj), weights_only=True)
    assert in_torch["dtype"] is torch.float16 and type(in_torch["size"]) is torch.Size
    assert in_torch["device"] == torch.device("cpu") and in_torch["scalar"].item() == 3.5
    from_torch = minitorch.load(
        saved({"d": torch.int8, "s": torch.Size([1]), "v": torch.device("cpu")}, torch)
    )
    assert (
        from_torch["d"] is minitorch.int8
        and from_torch["s"] == (1,)
        and from_torch["v"].type == "cpu"
    )


def test_loaded_tensors_are_writable_for_training():
    loaded = minitorch.load(saved({"w": torch.ones(3)}, torch))
    loaded["w"].numpy()[0] = 5.0
    assert loaded["w"].tolist() == [5.0, 1.0, 1.0]


def test_unsupported_torch_dtype_is_named():
    with pytest.raises(NotImplementedError, match="BFloat16Storage"):
        minitorch.load(saved({"w": torch.ones(2, dtype=torch.bfloat16)}, torch))


def test_legacy_non_zip_format_loads():
    base = torch.arange(6.0)
    buffer = io.BytesIO()
    torch.save(
        {"a": base, "b": base[2:], "i": torch.tensor([7], dtype=torch.int16)},
        buffer,
        _use_new_zipfile_serialization=False,
    )
    buffer.seek(0)
    loaded = minitorch.load(buffer)
    assert loaded["a"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and loaded["b"].tolist() == [
        2.0,
        3.0,
        4.0,
        5.0,
    ]
    assert loaded["i"].dtype == minitorch.int16 and loaded["i"].tolist() == [7]


# ------------------------------------------------------------------ paths and streams
def test_paths_pathlike_and_streams(tmp_path):
    state = {"w": minitorch.ones(2)}
    minitorch.save(state, str(tmp_path / "a.pth"))
    minitorch.save(state, tmp_path / "checkpoint.tar")
    with open(tmp_path / "c.pt", "wb") as stream:
        minitorch.save(state, stream)
    assert zipfile.ZipFile(tmp_path / "a.pth").namelist()[0] == "a/data.pkl"
    assert zipfile.ZipFile(tmp_path / "checkpoint.tar").namelist()[0] == "checkpoint/data.pkl"
    assert zipfile.ZipFile(tmp_path / "c.pt").namelist()[0] == "archive/data.pkl"
    for name in ("a.pth", "checkpoint.tar", "c.pt"):
        assert minitorch.load(tmp_path / name)["w"].tolist() == [1.0, 1.0]
        with open(tmp_path / name, "rb") as stream:
            assert minitorch.load(stream)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(FileNotFoundError):
        minitorch.load(tmp_path / "missing.pth")


def test_save_leaves_no_temporary_files_and_creates_ordinary_permissions(tmp_path):
    minitorch.save({"w": minitorch.ones(1)}, tmp_path / "m.pth")
    assert os.listdir(tmp_path) == ["m.pth"]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "m.pth").stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "model.pth"
    minitorch.save({"w": minitorch.ones(3)}, path)
    good = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError)):
        minitorch.save({"w": minitorch.zeros(3), "f": lambda x: x}, path)  # fails mid-pickle
    assert path.read_bytes() == good

    def interrupted(source, target):
        raise KeyboardInterrupt  # dies just before the new file would replace the old one

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        minitorch.save({"w": minitorch.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["model.pth"]
    assert minitorch.load(path)["w"].tolist() == [1.0, 1.0, 1.0]


# ------------------------------------------------------------------ damaged files
@pytest.fixture
def checkpoint(tmp_path) -> Path:
    path = tmp_path / "model.pth"
    minitorch.save({"w": minitorch.arange(100.0)}, path)
    return path


def test_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.pth"
    path.write_bytes(b"")
    with pytest.raises(EOFError, match="empty.pth"):
        minitorch.load(path)


def test_truncated_file_is_a_clear_error(checkpoint):
    data = checkpoint.read_bytes()
    for length in (10, len(data) // 2, len(data) - 5):
        checkpoint.write_bytes(data[:length])
        with pytest.raises(
            RuntimeError, match="PytorchStreamReader failed reading zip archive.*model.pth"
        ):
            minitorch.load(checkpoint)


def test_corrupted_storage_bytes_are_detected(checkpoint):
    data = bytearray(checkpoint.read_bytes())
    start = data.index(np.arange(100, dtype=np.float32).tobytes())
    data[start + 40] ^= 0xFF
    checkpoint.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="failed reading file data/0 of .*model.pth"):
        minitorch.load(checkpoint)


def test_garbage_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_text("hello world, not a checkpoint")
    with pytest.raises(pickle.UnpicklingError, match="notes.pth"):
        minitorch.load(path)


# ------------------------------------------------------------------ weights_only
class Exploit:
    """Unpickling this runs a command, as a malicious checkpoint would."""

    def __init__(self, function, argument):
        self.function, self.argument = function, argument

    def __reduce__(self):
        return self.function, (self.argument,)


def malicious_checkpoint(path: Path, function, argument) -> None:
    """A zip laid out like a checkpoint whose data.pkl calls ``function(argument)``."""
    payload = pickle.dumps({"w": Exploit(function, argument)}, protocol=2)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model/data.pkl", payload)
        archive.writestr("model/version", "3\n")


@pytest.mark.parametrize(
    ("function", "command", "offender"),
    [
        (os.system, "touch {marker}", r"(posix|nt)\.system"),
        (eval, "open({marker!r}, 'w')", r"builtins\.eval"),
    ],
)
@pytest.mark.parametrize("as_zip", [True, False])
def test_weights_only_refuses_code_and_never_runs_it(tmp_path, function, command, offender, as_zip):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pth"
    if as_zip:
        malicious_checkpoint(path, function, command.format(marker=str(marker)))
    else:
        path.write_bytes(
            pickle.dumps(Exploit(function, command.format(marker=str(marker))), protocol=2)
        )
    for weights_only in (True, None):
        with pytest.raises(pickle.UnpicklingError, match=offender):
            minitorch.load(path, weights_only=weights_only)
    assert not marker.exists()


def test_weights_only_refuses_whole_models_and_names_the_class():
    buffer = saved(nn.Linear(2, 3))
    with pytest.raises(
        pickle.UnpicklingError, match=r"torch\.nn\.modules\.linear\.Linear.*weights_only=False"
    ):
        minitorch.load(buffer)


class Settings:
    def __init__(self, rate):
        self.rate = rate


def test_safe_globals_can_be_added(monkeypatch):
    monkeypatch.setattr(minitorch.serialization, "_user_safe_globals", {})
    buffer = saved({"settings": Settings(0.5)})
    with pytest.raises(pickle.UnpicklingError, match="Settings"):
        minitorch.load(buffer)
    minitorch.serialization.add_safe_globals([Settings])
    buffer.seek(0)
    assert minitorch.load(buffer)["settings"].rate == 0.5
    assert minitorch.serialization.get_safe_globals() == [Settings]


# ------------------------------------------------------------------ map_location
@pytest.mark.parametrize(
    "map_location",
    [
        "cpu",
        minitorch.device("cpu"),
        {"cuda:0": "cpu"},
        lambda storage, location: storage,
        torch.device("cpu"),
    ],
)
def test_map_location_to_the_cpu_is_accepted(map_location):
    assert minitorch.load(saved({"w": minitorch.ones(1)}), map_location=map_location)[
        "w"
    ].tolist() == [1.0]


@pytest.mark.parametrize("map_location", ["cuda", "cuda:1", {"cpu": "cuda:0"}])
def test_map_location_to_a_gpu_names_the_torch_backend(map_location):
    with pytest.raises(RuntimeError, match="torch backend"):
        minitorch.load(saved({"w": minitorch.ones(1)}), map_location=map_location)


def test_unsupported_load_options_are_refused():
    with pytest.raises(NotImplementedError, match="mmap"):
        minitorch.load(saved({}), mmap=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        minitorch.load(saved({}), errors="strict")


# ------------------------------------------------------------------ models and optimizers
def small_model(lib):
    return lib.nn.Sequential(
        lib.nn.Conv2d(3, 4, 3, 1, 1),
        lib.nn.MaxPool2d(2),
        lib.nn.Flatten(),
        lib.nn.Linear(64, 5),
        lib.nn.ReLU(),
    )


def test_model_state_dict_moves_between_libraries():
    x = np.random.default_rng(0).random((2, 3, 8, 8), dtype=np.float32)
    torch_model, mine = small_model(torch), small_model(minitorch)
    mine.load_state_dict(minitorch.load(saved(torch_model.state_dict(), torch)))
    np.testing.assert_allclose(
        mine(minitorch.tensor(x)).detach().numpy(),
        torch_model(torch.tensor(x)).detach().numpy(),
        atol=1e-5,
    )
    back = small_model(torch)
    back.load_state_dict(torch.load(saved(mine.state_dict()), weights_only=True))
    for (name, a), (_, b) in zip(
        back.state_dict().items(), torch_model.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name


def test_whole_models_move_between_libraries():
    x = np.random.default_rng(1).random((2, 3, 8, 8), dtype=np.float32)
    mine = small_model(minitorch)
    in_torch = torch.load(saved(mine), weights_only=False)
    assert type(in_torch[0]) is torch.nn.Conv2d
    np.testing.assert_allclose(
        in_torch(torch.tensor(x)).detach().numpy(),
        mine(minitorch.tensor(x)).detach().numpy(),
        atol=1e-5,
    )
    torch_model = small_model(torch)
    back = minitorch.load(saved(torch_model, torch), weights_only=False)
    assert type(back[0]) is nn.Conv2d and type(back) is nn.Sequential
    np.testing.assert_allclose(
        back(minitorch.tensor(x)).detach().numpy(),
        torch_model(torch.tensor(x)).detach().numpy(),
        atol=1e-5,
    )
    again = minitorch.load(saved(back), weights_only=False)
    for (name, a), (_, b) in zip(
        again.state_dict().items(), back.state_dict().items(), strict=True
    ):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_optimizer_state_round_trips_and_loads_into_torch():
    rng = np.random.default_rng(2)
    start, g1, g2 = rng.standard_normal((3, 6)).astype(np.float32)
    param = minitorch.tensor(start, requires_grad=True)
    optimizer = minitorch.optim.SGD([param], lr=0.1, momentum=0.9, weight_decay=0.01)
    param.grad = minitorch.tensor(g1)
    optimizer.step()
    checkpoint = saved({"param": param.detach(), "optimizer": optimizer.state_dict()})

    restored = minitorch.load(checkpoint)
    m_param = restored["param"].requires_grad_()
    m_opt = minitorch.optim.SGD([m_param])
    m_opt.load_state_dict(restored["optimizer"])
    assert m_opt.param_groups[0]["momentum"] == 0.9

    checkpoint.seek(0)
    in_torch = torch.load(checkpoint, weights_only=True)
    t_param = in_torch["param"].requires_grad_()
    t_opt = torch.optim.SGD([t_param])
    t_opt.load_state_dict(in_torch["optimizer"])
    for p, opt, lib in ((m_param, m_opt, minitorch), (t_param, t_opt, torch)):
        p.grad = lib.tensor(g2)
        opt.step()
    np.testing.assert_allclose(
        m_param.detach().numpy(), t_param.detach().numpy(), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        m_opt.state[m_param]["momentum_buffer"].numpy(),
        t_opt.state[t_param]["momentum_buffer"].numpy(),
        rtol=1e-6,
    )


def test_reading_needs_no_torch(tmp_path, course_checkpoint):
    torch_file = tmp_path / "from_torch.pth"
    torch.save({"w": torch.arange(4.0), "model": small_model(torch)}, torch_file)
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        sys.modules["torch"] = None  # "import torch" now fails, as if it were not installed
        import minitorch
        from minitorch import nn

        loaded = minitorch.load({str(torch_file)!r}, weights_only=False)
        print(loaded["w"].tolist(), type(loaded["model"][0]).__name__)
        minitorch.save(loaded, {str(tmp_path / "again.pth")!r})

        class Tudui(nn.Module):  # the course script's class, in this script's __main__
            def __init__(self):
                super().__init__()
                self.model = nn.Sequential()

            def forward(self, x):
                return self.model(x)

        model = minitorch.load({str(course_checkpoint.path)!r}, weights_only=False)
        print(type(model).__name__, model(minitorch.zeros(1, 3, 32, 32)).shape)
        assert [m for m in sys.modules if m == "torch" or m.startswith("torch.")] == ["torch"]
        """
    )
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, env=environment
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "[0.0, 1.0, 2.0, 3.0] Conv2d"
    assert lines[1] == "Tudui minitorch.Size([1, 10])"
    assert torch.load(tmp_path / "again.pth", weights_only=False)["w"].tolist() == [
        0.0,
        1.0,
        2.0,
        3.0,
    ]


# ------------------------------------------------------------------ the course's checkpoint
def test_the_checkpoint_is_saved_as_the_course_saved_its_own(course_checkpoint):
    """What the stand-in copies from the course's file, checked on both: PyTorch's zip format
    as an older PyTorch wrote it, and a protocol-2 pickle of a whole ``__main__.Tudui`` model
    built from ``torch.nn`` modules, every storage a float32 one on ``cuda:0``."""
    with zipfile.ZipFile(course_checkpoint.path) as archive:
        records = archive.infolist()
        names = [record.filename for record in records]
        assert names[0] == "archive/data.pkl" and names[-1] == "archive/version"
        assert len(names) == 12 and all(name.startswith("archive/data/") for name in names[1:-1])
        assert archive.read("archive/version") == b"3\n"
        for record in records:
            assert record.compress_type == zipfile.ZIP_STORED
            archive.fp.seek(record.header_offset + 26)
            name_length, extra_length = struct.unpack("<HH", archive.fp.read(4))
            assert (record.header_offset + 30 + name_length + extra_length) % 64 == 0
        data_pkl = archive.read("archive/data.pkl")
    opcodes = list(pickletools.genops(data_pkl))
    assert (opcodes[0][0].name, opcodes[0][1]) == ("PROTO", 2)
    assert (opcodes[1][0].name, opcodes[1][1]) == ("GLOBAL", "__main__ Tudui")
    assert {arg for opcode, arg, _ in opcodes if opcode.name == "GLOBAL"} == {
        "__main__ Tudui",
        "__builtin__ set",
        "collections OrderedDict",
        "torch FloatStorage",
        "torch._utils _rebuild_parameter",
        "torch._utils _rebuild_tensor_v2",
        "torch.nn.modules.container Sequential",
        "torch.nn.modules.conv Conv2d",
        "torch.nn.modules.flatten Flatten",
        "torch.nn.modules.linear Linear",
        "torch.nn.modules.pooling MaxPool2d",
    }
    locations = []

    def record_location(storage, location):
        locations.append(location)
        return storage

    with predict.tudui_in_main(torch):
        model = torch.load(course_checkpoint.path, map_location=record_location, weights_only=False)
    assert locations == ["cuda:0"] * 10  # a weight and a bias for each of the five layers
    assert not model.training  # saved in eval mode, as the course's last test pass left it


def test_course_checkpoint_saved_on_a_gpu_gives_pytorchs_logits(monkeypatch, course_checkpoint):
    from PIL import Image
    from torchvision import transforms as tv_transforms

    from minitorch.vision import transforms

    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "Tudui", tudui_class(minitorch), raising=False)
    model = minitorch.load(course_checkpoint.path, weights_only=False)  # storages say cuda:0
    assert type(model).__name__ == "Tudui" and type(model.model[0]) is nn.Conv2d
    assert sum(p.numel() for p in model.parameters()) == 145578
    monkeypatch.setattr(main, "Tudui", tudui_class(torch))
    reference = torch.load(course_checkpoint.path, weights_only=False, map_location="cpu")

    mine_transform = transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor()])
    torch_transform = tv_transforms.Compose(
        [tv_transforms.Resize((32, 32)), tv_transforms.ToTensor()]
    )
    model.eval()
    reference.eval()
    for index, picture in enumerate(course_checkpoint.pictures):
        image = Image.open(picture).convert("RGB")
        with minitorch.no_grad():
            logits = model(minitorch.reshape(mine_transform(image), (1, 3, 32, 32)))
        with torch.no_grad():
            expected = reference(torch.reshape(torch_transform(image), (1, 3, 32, 32)))
        np.testing.assert_allclose(logits.numpy(), expected.numpy(), rtol=1e-4, atol=1e-4)
        assert int(logits.argmax(1).item()) == int(expected.argmax(1).item())
        if course_checkpoint.labels is not None:  # the course's trained model knows these two
            assert int(logits.argmax(1).item()) == course_checkpoint.labels[index]


def test_course_checkpoint_needs_weights_only_false(course_checkpoint):
    with pytest.raises(pickle.UnpicklingError, match=r"__main__\.Tudui.*weights_only=False"):
        minitorch.load(course_checkpoint.path)
    with pytest.raises(pickle.UnpicklingError, match=r"__main__\.Tudui"):
        minitorch.load(course_checkpoint.path, map_location="cpu", weights_only=True)
