"""Hostile checkpoints: a corpus built by these tests, each file loaded the way PyTorch loads it
or refused with a clear error naming it, before it can run code, change shared objects or
exhaust memory.

1. ``minitorch-predict`` loads with ``weights_only=True``; a whole model needs ``--unsafe-load``.
2. BUILD may give state only to objects the file itself created (never a storage type or a
   class shared by the whole process); ``add_safe_globals`` and friends allowlist user types.
3. Decompression and allocation bombs, wrong declared sizes and random bytes fail fast, with
   ``UnpicklingError`` or ``RuntimeError`` naming the file, in bounded memory.
4. ``save`` writes through symlinks, keeps a file's mode and owner, and writes FIFOs and
   devices in place instead of replacing them.
5. A fuzz corpus of random and mutated checkpoints: each loads what ``torch.load`` loads, or
   fails clearly, in bounded memory. 300 files under the ci profile, 10,000 under dev.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import pickletools
import stat
import struct
import threading
import time
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import settings
from PIL import Image
from test_predict_cli import run_predict

import minitorch
from minitorch import predict, serialization, train
from minitorch.models import CIFAR10_CLASSES, digits_cnn

MEMORY_LIMIT = 100 * 2**20  # what loading one hostile file may allocate, at most
CLEAR_ERRORS = (pickle.UnpicklingError, RuntimeError)


# ------------------------------------------------------------------ building files
def lit(value: Any) -> bytes:
    """The protocol-2 opcodes that push a plain ``value`` (no PROTO, no STOP, no memo)."""
    return pickletools.optimize(pickle.dumps(value, protocol=2))[2:-1]


def glob(module: str, name: str) -> bytes:
    return f"c{module}\n{name}\n".encode()


def pkl(body: bytes) -> bytes:
    return b"\x80\x02" + body + b"."


def storage_id(key: str, numel: int, *, legacy: bool = False) -> bytes:
    """Opcodes pushing float32 storage ``key`` by its persistent id, as torch.save writes it
    (a legacy file's id ends with a view, None)."""
    fields = lit("storage") + glob("torch", "FloatStorage") + lit(key) + lit("cpu") + lit(numel)
    return b"(" + fields + (lit(None) if legacy else b"") + b"tQ"


def tensor_op(key: str, numel: int, size: tuple, stride: tuple, *, legacy: bool = False) -> bytes:
    """Opcodes rebuilding a float32 tensor from storage ``key``, as torch.save writes them."""
    arguments = storage_id(key, numel, legacy=legacy) + lit(0) + lit(size) + lit(stride)
    arguments += b"\x89" + glob("collections", "OrderedDict") + b")R"
    return glob("torch._utils", "_rebuild_tensor_v2") + b"(" + arguments + b"tR"


def weights_pickle(key: str = "0", numel: int = 4) -> bytes:
    """``{"w": tensor of numel float32 from storage key}``."""
    return pkl(b"}" + lit("w") + tensor_op(key, numel, (numel,), (1,)) + b"s")


def zip_checkpoint(records: dict[str, bytes], deflated: tuple[str, ...] = ()) -> bytes:
    """A zip laid out as torch.save lays it out (records under ``archive/``)."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        for name, data in {**records, "version": b"3\n"}.items():
            compression = zipfile.ZIP_DEFLATED if name in deflated else zipfile.ZIP_STORED
            archive.writestr(zipfile.ZipInfo(f"archive/{name}"), data, compress_type=compression)
    return stream.getvalue()


def checkpoint_of(data_pkl: bytes, storages: dict[str, bytes] | None = None) -> bytes:
    return zip_checkpoint({"data.pkl": data_pkl, "byteorder": b"little", **(storages or {})})


FOUR_FLOATS = np.arange(4, dtype=np.float32).tobytes()


def deflate_bomb(
    record: str, declared_size: int, real_size: int, crc: int = 0, numel: int = 4
) -> bytes:
    """A checkpoint of ``{"w": numel float32}`` whose ``record`` declares ``declared_size``
    bytes and holds a deflate stream of ``real_size`` zero bytes.

    The stream repeats one self-contained block (a full flush resets the dictionary), so
    a bomb of gigabytes is built in milliseconds."""
    block_size = 1 << 24
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(block_size)) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(bytes(real_size % block_size)) + compressor.flush()
    stream = block * (real_size // block_size) + tail
    info = zipfile.ZipInfo(f"archive/{record}")
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size, info.compress_size, info.CRC = declared_size, len(stream), crc
    records = {"data.pkl": weights_pickle(numel=numel), "byteorder": b"little", "version": b"3\n"}
    return append_raw_record(records, info, stream)


def append_raw_record(records: dict[str, bytes], info: zipfile.ZipInfo, data: bytes) -> bytes:
    """An archive of ``records`` plus one written with ``info``'s sizes, whatever they say."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, record in records.items():
            if f"archive/{name}" != info.filename:
                archive.writestr(f"archive/{name}", record)
        info.header_offset = out.tell()
        out.write(info.FileHeader(zip64=max(info.file_size, info.compress_size) > 0xFFFFFFFF))
        out.write(data)
        archive.start_dir = out.tell()
        archive.filelist.append(info)
        archive.NameToInfo[info.filename] = info
    return out.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def measured_load(path: Path) -> tuple[Any, Exception | None, int]:
    """(result, error, peak bytes allocated) of minitorch.load(path)."""
    tracemalloc.start()
    try:
        return minitorch.load(path), None, tracemalloc.get_traced_memory()[1]
    except Exception as error:
        return None, error, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def assert_refused(path: Path, error_class: type | tuple = CLEAR_ERRORS, *fragments: str) -> str:
    """minitorch.load(path) fails with ``error_class`` naming the file, in bounded memory."""
    _, error, peak = measured_load(path)
    assert isinstance(error, error_class), f"{path.name}: {error!r}"
    message = str(error)
    assert path.name in message, message
    for fragment in fragments:
        assert fragment in message, message
    assert peak < MEMORY_LIMIT, f"{path.name}: {peak / 2**20:.0f} MiB"
    return message


def torch_refuses(path: Path, error_class: type = pickle.UnpicklingError) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error_class):
            torch.load(path, weights_only=True)


# ------------------------------------------------------------------ 1. minitorch-predict
class SystemCall:
    """Unpickles as ``os.system(command)``."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple:
        return os.system, (self.command,)


@pytest.fixture
def digit_picture(tmp_path: Path) -> Path:
    path = tmp_path / "digit.png"
    Image.new("L", (8, 8), 128).save(path)
    return path


@pytest.mark.parametrize("backend", ["minitorch", "torch"])
def test_predict_never_runs_code_from_a_state_dict(capsys, tmp_path, digit_picture, backend):
    marker = tmp_path / "pwned"
    state = dict(digits_cnn(minitorch).state_dict())
    state["0.weight"] = SystemCall(f"touch {marker}")
    minitorch.save(state, tmp_path / "evil.pth")
    status, out, err = run_predict(
        capsys,
        "--backend",
        backend,
        "--checkpoint",
        str(tmp_path / "evil.pth"),
        str(digit_picture),
    )
    assert status == 1 and not out and err.count("\n") == 1, err
    assert f"cannot read checkpoint {tmp_path / 'evil.pth'}" in err and "--unsafe-load" in err
    assert not marker.exists()
    # minitorch-train --resume refuses the same file, through the same helper
    with pytest.raises(train.CLIError, match="evil.pth"):
        train.load_file(minitorch, tmp_path / "evil.pth", weights_only=True)
    assert not marker.exists()


def test_predict_help_names_unsafe_load(capsys):
    with pytest.raises(SystemExit):
        predict.main(["--help"])
    assert "--unsafe-load" in capsys.readouterr().out


@pytest.mark.parametrize("backend", ["minitorch", "torch"])
def test_predict_needs_unsafe_load_for_a_whole_model(capsys, tmp_path, course_checkpoint, backend):
    whole_model = course_checkpoint.path
    picture = tmp_path / "picture.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (32, 32, 3), np.uint8)).save(picture)
    arguments = ["--backend", backend, "--checkpoint", str(whole_model), str(picture)]
    status, out, err = run_predict(capsys, *arguments)
    assert status == 1 and not out, err
    assert "__main__.Tudui" in err or "Weights only load failed" in err
    assert "--unsafe-load" in err and err.count("\n") == 1
    status, out, err = run_predict(capsys, "--unsafe-load", *arguments)
    assert status == 0, err
    with predict.tudui_in_main(torch):
        reference = torch.load(whole_model, map_location="cpu", weights_only=False).eval()
    pixels = np.asarray(Image.open(picture).convert("RGB"), dtype=np.float32) / 255
    with torch.no_grad():
        logits = reference(torch.from_numpy(pixels.transpose(2, 0, 1).copy())[None])
    expected = CIFAR10_CLASSES[int(logits.argmax())]
    assert out.split(": ", 1)[1].split()[0] == expected


# ------------------------------------------------------------------ 2. BUILD
def set_attribute(target: bytes, name: str, value: bytes, *, slot: bool = False) -> bytes:
    """BUILD of ``target`` with ``{name: value}``: as dict state, or as slot state
    ``(None, {name: value})``, which pickle applies with setattr (so even to a class)."""
    state = b"}" + lit(name) + value + b"s"
    return target + (b"N" + state + b"\x86" if slot else state) + b"b"


BUILD_PAYLOADS = {
    "FloatStorage.dtype = int32": set_attribute(
        glob("torch", "FloatStorage"), "dtype", glob("torch", "int32")
    ),
    "Counter.most_common replaced": set_attribute(
        glob("collections", "Counter"), "most_common", glob("collections", "OrderedDict"), slot=True
    ),
    "OrderedDict.popitem replaced": set_attribute(
        glob("collections", "OrderedDict"), "popitem", glob("collections", "Counter"), slot=True
    ),
    "float32 dtype attribute": set_attribute(glob("torch", "float32"), "itemsize", lit(1)),
    "rebuild function defaults": set_attribute(
        glob("torch._utils", "_rebuild_tensor_v2"), "__defaults__", lit((None,)), slot=True
    ),
    "storage type through the memo": set_attribute(
        glob("torch", "LongStorage") + b"q\x000h\x00", "dtype", glob("torch", "bool")
    ),
    "Tensor class attribute": set_attribute(
        glob("torch", "Tensor"), "__add__", glob("torch._utils", "_rebuild_tensor_v2"), slot=True
    ),
    "device class attribute": set_attribute(
        glob("torch", "device"), "type", lit("cuda"), slot=True
    ),
}


def shared_state() -> tuple:
    """What the payloads try to change, to compare before and after."""
    return (
        serialization.FloatStorage.dtype,
        serialization.LongStorage.dtype,
        collections.Counter.most_common,
        collections.OrderedDict.popitem,
        minitorch.float32.itemsize,
        serialization._rebuild_tensor_v2.__defaults__,
        minitorch.Tensor.__add__,
        getattr(minitorch.device, "type", None),
    )


@pytest.mark.parametrize("name", list(BUILD_PAYLOADS))
def test_build_cannot_change_shared_objects(tmp_path, name):
    before = shared_state()
    path = write(tmp_path, "hostile.pth", checkpoint_of(pkl(BUILD_PAYLOADS[name])))
    assert_refused(path, pickle.UnpicklingError, "can only build")
    assert shared_state() == before
    torch_refuses(path)
    good = write(tmp_path, "good.pth", checkpoint_of(weights_pickle(), {"data/0": FOUR_FLOATS}))
    loaded = minitorch.load(good)["w"]
    assert loaded.dtype == minitorch.float32 and loaded.tolist() == [0.0, 1.0, 2.0, 3.0]


class Settings:
    """A user class allowlisted with add_safe_globals."""

    def __init__(self, rate: float) -> None:
        self.rate = rate


SHARED_SETTINGS = Settings(0.1)  # a module-level instance: loading must never change it


def test_build_on_an_allowlisted_type_reaches_only_objects_the_file_created(tmp_path):
    payload = pkl(glob(__name__, "SHARED_SETTINGS") + b"}" + lit("rate") + lit(9.0) + b"sb")
    path = write(tmp_path, "shared.pth", checkpoint_of(payload))
    with serialization.safe_globals([Settings, (SHARED_SETTINGS, f"{__name__}.SHARED_SETTINGS")]):
        assert_refused(path, pickle.UnpicklingError, "did not create")
    assert SHARED_SETTINGS.rate == 0.1
    # an instance the file creates takes its state, in minitorch as in PyTorch
    buffer = io.BytesIO()
    minitorch.save({"settings": Settings(0.5)}, buffer)
    with pytest.raises(pickle.UnpicklingError, match="Settings"):
        minitorch.load(io.BytesIO(buffer.getvalue()))
    with serialization.safe_globals([Settings]), torch.serialization.safe_globals([Settings]):
        assert minitorch.load(io.BytesIO(buffer.getvalue()))["settings"].rate == 0.5
        assert torch.load(io.BytesIO(buffer.getvalue()))["settings"].rate == 0.5
    with pytest.raises(pickle.UnpicklingError, match="Settings"):
        minitorch.load(io.BytesIO(buffer.getvalue()))


def test_safe_globals_api_mirrors_torch(monkeypatch):
    monkeypatch.setattr(serialization, "_user_safe_globals", {})
    named = (Settings, "some.module.Settings")
    serialization.add_safe_globals([Settings, named, Settings])
    assert serialization.get_safe_globals() == [Settings, named]
    with serialization.safe_globals([collections.Counter]):
        assert collections.Counter in serialization.get_safe_globals()
    assert serialization.get_safe_globals() == [Settings, named]
    serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    for bad, error in (((Settings,), ValueError), ((Settings, 3), TypeError)):
        with pytest.raises(error):
            serialization.add_safe_globals([bad])
        # PyTorch checks the same, at its next load
        with pytest.raises(error), torch.serialization.safe_globals([bad]):
            torch.load(io.BytesIO(checkpoint_of(pkl(glob("some", "thing")))))
    for name in ("add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"):
        assert name in serialization.__all__ and name in torch.serialization.__all__


def test_blocked_modules_stay_refused_even_when_allowlisted(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "_user_safe_globals", {})
    marker = tmp_path / "pwned"
    path = tmp_path / "system.pth"
    minitorch.save({"w": SystemCall(f"touch {marker}")}, path)
    with serialization.safe_globals([os.system]), torch.serialization.safe_globals([os.system]):
        assert_refused(path, pickle.UnpicklingError, "blocked")
        torch_refuses(path)
    assert not marker.exists()


def test_the_state_pytorch_builds_still_loads(tmp_path):
    """OrderedDict metadata, parameters and tensors with attributes, and the legacy Tensor
    BUILD, load as torch.load loads them."""
    module = torch.nn.Linear(2, 3)
    parameter = torch.nn.Parameter(torch.arange(3.0))
    parameter.note = "kept"
    tagged = torch.arange(2.0)
    tagged.tag = 7
    torch.save({"state": module.state_dict(), "p": parameter, "t": tagged}, tmp_path / "t.pth")
    mine, theirs = minitorch.load(tmp_path / "t.pth"), torch.load(tmp_path / "t.pth")
    assert mine["state"]._metadata == theirs["state"]._metadata
    assert mine["p"].note == "kept" and mine["t"].tag == 7
    assert isinstance(mine["p"], minitorch.nn.Parameter) and mine["p"].tolist() == [0, 1, 2]
    # NEWOBJ torch.Tensor, then BUILD (storage, offset, size, stride): Tensor.set_
    geometry = storage_id("0", 4) + lit(0) + lit((4,)) + lit((1,))
    legacy = pkl(b"}" + lit("w") + glob("torch", "Tensor") + b")\x81(" + geometry + b"tbs")
    path = write(tmp_path, "legacy.pth", checkpoint_of(legacy, {"data/0": FOUR_FLOATS}))
    assert minitorch.load(path)["w"].tolist() == torch.load(path)["w"].tolist() == [0, 1, 2, 3]
    # NEWOBJ Parameter, then BUILD (requires_grad, _, backward_hooks): Parameter.__setstate__
    for requires_grad, outcome in ((False, None), (1, RuntimeError)):
        state = lit((requires_grad, None, None))
        parameter = glob("torch.nn.parameter", "Parameter") + b"(" + tensor_op("0", 4, (4,), (1,))
        data_pkl = pkl(b"}" + lit("p") + parameter + b"t\x81" + state + b"bs")
        path = write(tmp_path, "parameter.pth", checkpoint_of(data_pkl, {"data/0": FOUR_FLOATS}))
        if outcome is None:
            mine, theirs = minitorch.load(path)["p"], torch.load(path)["p"]
            assert isinstance(mine, minitorch.nn.Parameter) and not mine.requires_grad
            assert mine.tolist() == theirs.tolist() and not theirs.requires_grad
        else:
            assert_refused(path, outcome, "requires_grad must be a bool")
            torch_refuses(path, outcome)


# ------------------------------------------------------------------ 3. bombs and garbage
def test_a_deflate_bomb_is_refused_before_it_is_decompressed(tmp_path):
    """The issue's file: 4 MB holding a storage record that inflates to 4 GiB, of which the
    pickle needs 16 bytes."""
    path = write(tmp_path, "bomb.pth", deflate_bomb("data/0", 4 << 30, 4 << 30))
    assert path.stat().st_size < 5 << 20
    started = time.perf_counter()
    assert_refused(
        path, RuntimeError, "data/0", "record size (4294967296 bytes)", "expected size (16 bytes"
    )
    assert time.perf_counter() - started < 30  # it did not inflate 4 GiB (that takes minutes)


def test_a_deflate_stream_longer_than_its_declared_size_is_read_only_that_far(tmp_path):
    """Declared sizes are right (16 bytes), the stream inflates to 1 GiB: reading stops."""
    path = write(
        tmp_path, "lying.pth", deflate_bomb("data/0", 16, 1 << 30, crc=zlib.crc32(bytes(16)))
    )
    loaded, error, peak = measured_load(path)
    assert error is None and loaded["w"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert peak < MEMORY_LIMIT


def test_a_deflate_bomb_the_pickle_asks_for_is_refused(tmp_path):
    """Sizes all agree: the pickle asks for 1 GiB of float32 and the record inflates to it, from
    a file of 1 MB. PyTorch would allocate it; minitorch caps inflation at 16 times the file."""
    bomb = deflate_bomb("data/0", 1 << 30, 1 << 30, crc=0, numel=1 << 28)
    assert_refused(write(tmp_path, "bomb.pth", bomb), RuntimeError, "data/0", "decompression bomb")


def test_a_deflated_pickle_bomb_is_refused(tmp_path):
    path = write(tmp_path, "pickle-bomb.pth", deflate_bomb("data.pkl", 1 << 30, 1 << 30))
    assert path.stat().st_size < 2 << 20
    assert_refused(path, RuntimeError, "data.pkl", "decompression bomb")


def test_deflated_records_load_as_in_torch(tmp_path):
    records = {"data.pkl": weights_pickle(), "byteorder": b"little", "data/0": FOUR_FLOATS}
    path = write(tmp_path, "deflated.pth", zip_checkpoint(records, tuple(records)))
    assert minitorch.load(path)["w"].tolist() == torch.load(path)["w"].tolist()


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        (FOUR_FLOATS + bytes(4), "record size (20 bytes)"),
        (FOUR_FLOATS[:8], "record size (8 bytes)"),
        (b"", "record size (0 bytes)"),
    ],
    ids=["longer", "shorter", "empty"],
)
def test_a_record_of_the_wrong_size_is_refused_as_in_torch(tmp_path, record, fragment):
    path = write(tmp_path, "sized.pth", checkpoint_of(weights_pickle(), {"data/0": record}))
    assert_refused(path, RuntimeError, "data/0", fragment, "expected size (16 bytes")
    torch_refuses(path, RuntimeError)


def test_a_storage_declaring_a_trillion_elements_is_refused(tmp_path):
    data_pkl = weights_pickle(numel=10**12)
    path = write(tmp_path, "huge.pth", checkpoint_of(data_pkl, {"data/0": FOUR_FLOATS}))
    assert_refused(path, RuntimeError, "data/0", "4000000000000 bytes")
    torch_refuses(path, RuntimeError)


def test_a_record_claiming_more_bytes_than_the_file_is_refused(tmp_path):
    """A stored storage record whose zip64 directory entry claims 1 TiB."""
    claim = zipfile.ZipInfo("archive/data/0")
    claim.file_size = claim.compress_size = 1 << 40
    claim.CRC = zlib.crc32(FOUR_FLOATS)
    records = {"data.pkl": weights_pickle(), "byteorder": b"little", "version": b"3\n"}
    path = write(tmp_path, "claims.pth", append_raw_record(records, claim, FOUR_FLOATS))
    assert_refused(path, RuntimeError, "data/0", "more than the whole file")


def legacy_file(storage_numel: int, body: bytes | None = None) -> bytes:
    """A pre-1.6 (non-zip) checkpoint: magic number, version, sys_info, the object (``body``,
    or a tensor of ``storage_numel`` float32), the storage keys, then each storage's size and
    bytes (four floats)."""
    header = b"".join(
        pickle.dumps(value, protocol=2)
        for value in (serialization.LEGACY_MAGIC_NUMBER, serialization.LEGACY_PROTOCOL_VERSION, {})
    )
    body = body or pkl(tensor_op("0", storage_numel, (4,), (1,), legacy=True))
    storages = pickle.dumps(["0"], protocol=2) + struct.pack("<q", 4) + FOUR_FLOATS
    return header + body + storages


MEGABYTE_STRING = lit(("x" * (1 << 20), "latin1"))
ALLOCATION_BOMBS = {
    "bytearray(3e9)": (pkl(glob("builtins", "bytearray") + lit(3 * 10**9) + b"\x85R"), "bytearray"),
    "Tensor(1e5, 1e5)": (pkl(glob("torch", "Tensor") + lit((10**5, 10**5)) + b"R"), "Tensor"),
    # one megabyte, then 200 copies of it in a list: 200 MB from a 1 MB file
    "200 copies of 1 MB": (
        pkl(
            b"]"
            + glob("_codecs", "encode")
            + MEGABYTE_STRING
            + b"Rq\x000"
            + (glob("builtins", "bytearray") + b"h\x00\x85Ra") * 200
        ),
        "bytearray",
    ),
    # each hex encoding doubles the last: 50 KB grows to 50 TB in 30 steps
    "encode chain": (
        pkl(
            glob("_codecs", "encode")
            + lit(("x" * 50_000, "latin1"))
            + b"R"
            + (b"q\x00" + glob("_codecs", "encode") + b"(h\x00" + lit("hex") + b"tR") * 30
        ),
        "encode",
    ),
    # as a dict key, hashing it would recurse in C and crash Python
    "tuples 1,000,000 deep": (pkl(b"}" + b")" + b"\x85" * 1_000_000 + lit(1) + b"s"), "nested"),
    "BYTEARRAY8 of 2^62 bytes": (
        b"\x80\x05\x96" + (1 << 62).to_bytes(8, "little") + b".",
        "declares",
    ),
    "FRAME of 2^62 bytes": (b"\x80\x04\x95" + (1 << 62).to_bytes(8, "little") + b"N.", "declares"),
}


@pytest.mark.parametrize("name", list(ALLOCATION_BOMBS))
def test_allocation_bombs_are_refused_in_bounded_memory(tmp_path, name):
    data_pkl, fragment = ALLOCATION_BOMBS[name]
    assert_refused(write(tmp_path, "alloc.pth", checkpoint_of(data_pkl)), CLEAR_ERRORS, fragment)
    legacy = write(tmp_path, "alloc-legacy.pth", legacy_file(4, body=data_pkl))
    assert_refused(legacy, CLEAR_ERRORS, fragment)


def test_a_legacy_storage_larger_than_the_file_is_refused(tmp_path):
    path = write(tmp_path, "legacy-huge.pth", legacy_file(10**12))
    assert_refused(path, RuntimeError, "more than the rest of the file holds")
    path = write(tmp_path, "legacy.pth", legacy_file(4))
    assert minitorch.load(path).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_three_thousand_random_files_fail_clearly(tmp_path):
    """The issue's corpus: 3,000 random 200-byte files (before, about one in sixty raised a
    bare MemoryError or OverflowError, one after allocating 4 GB)."""
    rng = np.random.default_rng(2024)
    kinds: collections.Counter[str] = collections.Counter()
    path = tmp_path / "random.pth"
    for _ in range(3000):
        path.write_bytes(rng.integers(0, 256, 200, dtype=np.uint8).tobytes())
        _, error, peak = measured_load(path)
        kinds[type(error).__name__] += 1
        assert isinstance(error, CLEAR_ERRORS) and "random.pth" in str(error), repr(error)
        assert peak < MEMORY_LIMIT
    print(f"\n3,000 random files: {dict(kinds)}")


# ------------------------------------------------------------------ 4. save targets
def saved_value(path: Path) -> list[float]:
    return minitorch.load(path)["w"].tolist()


def test_save_writes_through_a_symlink_as_torch_does(tmp_path):
    for library in (minitorch, torch):
        folder = tmp_path / library.__name__
        folder.mkdir()
        (folder / "target.pth").write_bytes(b"old")
        (folder / "link.pth").symlink_to("target.pth")
        library.save({"w": library.ones(2)}, folder / "link.pth")
        assert (folder / "link.pth").is_symlink()
        assert os.readlink(folder / "link.pth") == "target.pth"
        assert saved_value(folder / "target.pth") == [1.0, 1.0]
        assert sorted(p.name for p in folder.iterdir()) == ["link.pth", "target.pth"]
        (folder / "dangling.pth").symlink_to("missing.pth")
        library.save({"w": library.zeros(1)}, folder / "dangling.pth")
        assert (folder / "dangling.pth").is_symlink() and saved_value(folder / "missing.pth") == [0]


def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    for library in (minitorch, torch):
        path = tmp_path / f"{library.__name__}.pth"
        path.write_bytes(b"secret")
        path.chmod(0o600)
        library.save({"w": library.ones(1)}, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert saved_value(path) == [1.0]
    path.chmod(0o640)
    minitorch.save({"w": minitorch.ones(1)}, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_save_refuses_a_file_it_may_not_write_as_torch_does(tmp_path, monkeypatch):
    path = tmp_path / "read-only.pth"
    path.write_bytes(b"kept")
    path.chmod(0o400)
    # what os.access answers a user other than root (who may write anything)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    with pytest.raises(PermissionError):
        minitorch.save({"w": minitorch.ones(1)}, path)
    assert path.read_bytes() == b"kept" and os.listdir(tmp_path) == ["read-only.pth"]


@pytest.mark.skipif(not hasattr(os, "fchown"), reason="POSIX ownership")
def test_save_keeps_the_owner_or_writes_in_place(tmp_path, monkeypatch):
    path = tmp_path / "owned.pth"
    minitorch.save({"w": minitorch.ones(1)}, path)
    if os.geteuid() == 0:  # root can give the replacement another owner
        os.chown(path, 12345, 23456)
        minitorch.save({"w": minitorch.zeros(1)}, path)
        assert (path.stat().st_uid, path.stat().st_gid) == (12345, 23456)
        assert saved_value(path) == [0.0]
    # where the owner cannot be given, the file is written in place, which keeps it
    inode = path.stat().st_ino
    owner = (path.stat().st_uid, path.stat().st_gid)
    monkeypatch.setattr(serialization, "_owner", lambda descriptor: (-1, -1))

    def refused(*args: object) -> None:
        raise PermissionError("not the owner")

    monkeypatch.setattr(os, "fchown", refused)
    minitorch.save({"w": minitorch.full((1,), 5.0)}, path)
    assert path.stat().st_ino == inode and (path.stat().st_uid, path.stat().st_gid) == owner
    assert saved_value(path) == [5.0] and os.listdir(tmp_path) == ["owned.pth"]


def read_fifo_while_saving(library: Any, fifo: Path) -> bytes:
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    library.save({"w": library.arange(3.0)}, fifo)
    reader.join(10)
    assert received, "the FIFO was not written"
    return received[0]


def test_save_writes_into_a_fifo_as_torch_does(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for library in (minitorch, torch):
        received = read_fifo_while_saving(library, fifo)
        assert stat.S_ISFIFO(fifo.stat().st_mode)
        assert minitorch.load(io.BytesIO(received))["w"].tolist() == [0.0, 1.0, 2.0]
    assert os.listdir(tmp_path) == ["fifo"]


def test_save_writes_into_a_character_device(tmp_path):
    """A null device made in the temporary folder (never /dev itself)."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        node.write_bytes(b"probe")
    except OSError as error:  # not root, or a folder mounted without devices
        pytest.skip(f"cannot make a character device here: {error}")
    minitorch.save({"w": minitorch.ones(1)}, node)
    assert stat.S_ISCHR(node.stat().st_mode) and os.listdir(tmp_path) == ["null"]


def test_save_into_a_directory_fails_and_leaves_nothing(tmp_path):
    with pytest.raises(IsADirectoryError):  # torch.save fails too, with a RuntimeError
        minitorch.save({"w": minitorch.ones(1)}, tmp_path)
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ 5. fuzz
ON_CI_PROFILE = settings.default.max_examples <= settings.get_profile("ci").max_examples
FUZZ_FILES = 300 if ON_CI_PROFILE else 10_000


def base_checkpoints(folder: Path) -> dict[str, bytes]:
    """Valid files to mutate: minitorch's and torch's zip format, and torch's legacy one."""
    weight = minitorch.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    mine = {
        "weight": weight,
        "row": weight[1],  # a view: the two share one storage
        "steps": minitorch.tensor([3, 1, 4], dtype=minitorch.int64),
        "mask": minitorch.tensor([True, False]),
        "half": minitorch.tensor([0.5, -2.0], dtype=minitorch.float16),
        "scalar": minitorch.tensor(2.5),
        "empty": minitorch.zeros(0, 3),
        "parameter": minitorch.nn.Parameter(minitorch.ones(2)),
        "settings": {"lr": 0.1, "betas": (0.9, 0.99), "names": ["a", "b"], "n": None},
    }
    theirs = {
        "linear": torch.nn.Linear(3, 2).state_dict(),
        "tensor": torch.arange(5, dtype=torch.int32),
        "view": torch.arange(6.0)[2:],
        "epoch": 7,
    }
    files = {}
    for name, library, obj, options in (
        ("minitorch", minitorch, mine, {}),
        ("torch", torch, theirs, {}),
        ("legacy", torch, theirs, {"_use_new_zipfile_serialization": False}),
    ):
        library.save(obj, folder / name, **options)
        files[name] = (folder / name).read_bytes()
    return files


def rezipped(data: bytes, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> bytes:
    """The archive with its records changed by ``change`` and valid CRCs written anew."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        records = {name: archive.read(name) for name in archive.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, record in change(records).items():
            archive.writestr(name, record)
    return out.getvalue()


def mutated_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    """``data`` with 1-8 bytes changed, a range deleted or duplicated, or cut short."""
    data = bytearray(data)
    kind = rng.integers(4)
    if kind == 0:
        for position in rng.integers(0, len(data), size=rng.integers(1, 9)):
            data[position] = rng.integers(256)
    elif kind == 1:
        start = int(rng.integers(len(data)))
        del data[start : start + int(rng.integers(1, 16))]
    elif kind == 2:
        start = int(rng.integers(len(data)))
        data[start:start] = data[start : start + int(rng.integers(1, 16))]
    else:
        del data[int(rng.integers(len(data))) :]
    return bytes(data)


def fuzz_case(files: dict[str, bytes], rng: np.random.Generator) -> tuple[str, bytes, bytes | None]:
    """(kind, file, the valid file it was made from or None)."""
    kind = ("random", "file", "pickle", "swap", "legacy")[int(rng.integers(5))]
    base_name = ("minitorch", "torch")[int(rng.integers(2))]
    base = files[base_name]
    if kind == "random":
        prefix = (b"", b"PK\x03\x04", files["legacy"][:64])[int(rng.integers(3))]
        return (
            kind,
            prefix + rng.integers(0, 256, int(rng.integers(1, 400)), np.uint8).tobytes(),
            None,
        )
    if kind == "file":
        return kind, mutated_bytes(base, rng), base
    if kind == "legacy":
        return kind, mutated_bytes(files["legacy"], rng), files["legacy"]

    def change(records: dict[str, bytes]) -> dict[str, bytes]:
        names = list(records)
        if kind == "pickle":  # the pickle mutated, behind valid CRCs
            pickle_name = next(name for name in names if name.endswith("data.pkl"))
            records[pickle_name] = mutated_bytes(records[pickle_name], rng)
        else:  # two records' contents swapped
            first, second = rng.choice(len(names), 2, replace=False)
            records[names[first]], records[names[second]] = (
                records[names[second]],
                records[names[first]],
            )
        return records

    return kind, rezipped(base, change), base


def torch_value(data: bytes) -> Any:
    """torch.load of a file minitorch accepted, whose globals are therefore all allowlisted:
    weights_only=True, or (where its unpickler lacks an opcode or global minitorch allows)
    weights_only=False."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return torch.load(io.BytesIO(data), weights_only=True)
        except pickle.UnpicklingError:
            return torch.load(io.BytesIO(data), weights_only=False)


def assert_same_value(mine: Any, theirs: Any) -> None:
    if isinstance(mine, minitorch.Tensor):
        assert isinstance(theirs, torch.Tensor)
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert tuple(mine.shape) == tuple(theirs.shape)
        assert mine.requires_grad == theirs.requires_grad
        if mine.numel() <= 10_000:
            np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())
        return
    if isinstance(mine, dict):
        assert type(mine).__name__ == type(theirs).__name__ and len(mine) == len(theirs)
        for (key, value), (their_key, their_value) in zip(
            mine.items(), theirs.items(), strict=True
        ):
            assert_same_value(key, their_key)
            assert_same_value(value, their_value)
        return
    if isinstance(mine, (list, tuple)):
        assert isinstance(theirs, (list, tuple)) and len(mine) == len(theirs)
        for item, their_item in zip(mine, theirs, strict=True):
            assert_same_value(item, their_item)
        return
    if isinstance(mine, (float, complex)) and mine != mine:
        assert theirs != theirs  # NaN
        return
    if isinstance(mine, (minitorch.dtype, minitorch.device)):
        assert str(mine).removeprefix("minitorch.") == str(theirs).removeprefix("torch.")
        return
    if isinstance(mine, serialization.Storage):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TypedStorage is deprecated
            assert mine.array.tolist() == theirs.tolist()
        return
    if callable(mine):  # a rebuild function or class named by the pickle, not called
        assert mine.__qualname__ == theirs.__qualname__
        return
    assert type(mine).__name__ == type(theirs).__name__ and mine == theirs


def test_fuzzed_checkpoints_load_as_torch_or_fail_clearly(tmp_path):
    files = base_checkpoints(tmp_path)
    rng = np.random.default_rng(20250101)
    path = tmp_path / "fuzzed.pth"
    outcomes: collections.Counter[str] = collections.Counter()
    slowest = largest = 0.0
    for index in range(FUZZ_FILES):
        kind, data, base = fuzz_case(files, rng)
        path.write_bytes(data)
        started = time.perf_counter()
        loaded, error, peak = measured_load(path)
        slowest = max(slowest, time.perf_counter() - started)
        largest = max(largest, peak)
        case = f"case {index} ({kind}, {len(data)} bytes)"
        assert peak < MEMORY_LIMIT, f"{case}: {peak / 2**20:.0f} MiB"
        if error is not None:
            outcomes[type(error).__name__] += 1
            assert isinstance(error, CLEAR_ERRORS), f"{case}: {error!r}"
            assert "fuzzed.pth" in str(error), f"{case}: {error!r}"
            continue
        outcomes["loaded"] += 1
        try:
            reference = torch_value(data)
        except Exception:  # PyTorch refuses it: only bytes minitorch does not read were hit
            assert base is not None, f"{case}: minitorch loaded what PyTorch refuses"
            reference = torch_value(base)
        assert_same_value(loaded, reference)
    print(
        f"\n{FUZZ_FILES} fuzzed files: {dict(outcomes)}; slowest load {1000 * slowest:.1f} ms, "
        f"largest allocation {largest / 2**20:.2f} MiB"
    )
