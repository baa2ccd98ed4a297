"""Untrusted checkpoints: ``load(weights_only=True)`` refuses malicious pickles unexecuted.

Every payload, if anything in it ran, would create a marker file; each is loaded as a
raw pickle and packed into PyTorch's zip layout, and must be refused (an
``UnpicklingError`` or another clear error) with the marker never appearing.
"""

from __future__ import annotations

import builtins
import io
import os
import pickle
import pickletools
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import pytest

import minitorch
from minitorch._pytorch_zip import CheckpointZipWriter

REFUSALS = (pickle.UnpicklingError, RuntimeError, NotImplementedError, ValueError, EOFError)


def text(value: str) -> bytes:
    """A protocol-0 ``STRING`` opcode pushing ``value``, quoted as ``repr`` quotes it."""
    return b"S" + repr(value).encode()


class Reduce:
    """Pickles as ``func(*args)``, the classic ``__reduce__`` payload."""

    def __init__(self, func: Callable, *args: object) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple:
        return self.func, self.args


def payloads(marker: Path) -> dict[str, bytes]:
    """Malicious pickles by name; every one would create ``marker`` if executed."""
    shell = f"touch {marker}"
    python = f"open({str(marker)!r}, 'w').close()"
    m = text(shell)
    found: dict[str, bytes] = {}
    for protocol in (0, 2, 4, 5):
        found[f"os.system p{protocol}"] = pickle.dumps(Reduce(os.system, shell), protocol)
        found[f"exec p{protocol}"] = pickle.dumps(Reduce(builtins.exec, python), protocol)
        found[f"eval p{protocol}"] = pickle.dumps(Reduce(builtins.eval, python), protocol)
        found[f"in OrderedDict p{protocol}"] = pickle.dumps(
            OrderedDict(weight=Reduce(os.system, shell)), protocol
        )
        found[f"in list in dict p{protocol}"] = pickle.dumps(
            {"a": [1, Reduce(builtins.exec, python)]}, protocol
        )
    found["getattr(__import__('os'), 'system')"] = (
        b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(" + m + b"\ntR."
    )
    found["getattr on allowed OrderedDict"] = (
        b"cbuiltins\ngetattr\n(ccollections\nOrderedDict\nS'__init__'\ntR."
    )
    found["INST"] = b"(" + m + b"\nios\nsystem\n."
    found["OBJ"] = b"(cos\nsystem\n" + m + b"\no."
    found["NEWOBJ subprocess.Popen"] = (
        b"\x80\x02csubprocess\nPopen\n(S'sh'\nS'-c'\n" + m + b"\nl\x85\x81."
    )
    found["NEWOBJ_EX"] = b"\x80\x04csubprocess\nPopen\n((S'sh'\nS'-c'\n" + m + b"\nlt}\x92."
    found["STACK_GLOBAL posix.system"] = (
        b"\x80\x04\x8c\x05posix\x8c\x06system\x93"
        + b"\x8c"
        + bytes([len(shell)])
        + shell.encode()
        + b"\x85R."
    )
    found["tensor rebuild of os.system"] = (
        b"ctorch._utils\n_rebuild_tensor_v2\n(cos\nsystem\n(" + m + b"\ntRI0\n(I1\nt(I1\ntI00\n"
        b"ccollections\nOrderedDict\n)RtR."
    )
    found["parameter rebuild of exec"] = (
        b"ctorch._utils\n_rebuild_parameter\n(cbuiltins\nexec\n(" + text(python) + b"\ntRI00\n"
        b"ccollections\nOrderedDict\n)RtR."
    )
    found["BUILD __setstate__ = exec on OrderedDict"] = (
        b"ccollections\nOrderedDict\n)R(dS'__setstate__'\ncbuiltins\nexec\nsb"
        + text(python)
        + b"\nb."
    )
    found["BUILD __setstate__ = system on Counter"] = (
        b"ccollections\nCounter\n)R}S'__setstate__'\ncposix\nsystem\nsb" + m + b"\nb."
    )
    found["BUILD __reduce__ on allowed slice"] = (
        b"cbuiltins\nslice\n(I1\ntR}S'__reduce__'\ncos\nsystem\nsb."
    )
    found["copyreg extension code"] = b"\x80\x02\x82\x01" + b"(" + m + b"\ntR."
    found["persistent id 'module'"] = b"(S'module'\ncos\nsystem\nS'x'\ntQ."
    found["__builtin__ (py2) eval"] = b"c__builtin__\neval\n(" + text(python) + b"\ntR."
    found["torch name of os"] = b"ctorch.os\nsystem\n(" + m + b"\ntR."
    found["nested module path"] = b"ctorch._utils.os\nsystem\n(" + m + b"\ntR."
    for data in found.values():
        pickletools.dis(data, out=io.StringIO())  # each payload is a well-formed pickle
    return found


def as_checkpoint(data_pkl: bytes) -> bytes:
    stream = io.BytesIO()
    archive = CheckpointZipWriter(stream, "archive")
    archive.write_record("data.pkl", data_pkl)
    archive.write_record(".format_version", b"1")
    archive.write_record("byteorder", b"little")
    archive.finish()
    return stream.getvalue()


PAYLOAD_NAMES = list(payloads(Path("marker")))


@pytest.mark.parametrize("layout", ["zip", "raw pickle"])
@pytest.mark.parametrize("name", PAYLOAD_NAMES)
def test_malicious_pickle_is_refused_unexecuted(tmp_path: Path, name: str, layout: str) -> None:
    marker = tmp_path / "pwned"
    data = payloads(marker)[name]
    path = tmp_path / "evil.pth"
    path.write_bytes(as_checkpoint(data) if layout == "zip" else data)
    with pytest.raises(REFUSALS) as refused:
        minitorch.load(path, weights_only=True)
    assert not marker.exists(), f"{name} ran"
    assert "evil.pth" in str(refused.value) or isinstance(refused.value, pickle.UnpicklingError)


def test_allowed_globals_alone_do_not_load_as_a_dangerous_object(tmp_path: Path) -> None:
    """A pickle made of allowed names only loads as plain data, and runs nothing."""
    data = b"ccollections\nOrderedDict\n)R(dS'x'\nI1\nsb."
    path = tmp_path / "ok.pth"
    path.write_bytes(as_checkpoint(data))
    loaded = minitorch.load(path, weights_only=True)
    assert isinstance(loaded, OrderedDict)


def zip_with_names(names: list[str], data_pkl: bytes) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as archive:
        for name in names:
            archive.writestr(name, data_pkl)
    return stream.getvalue()


STATE = pickle.dumps({"a": 1}, protocol=2)


@pytest.mark.parametrize(
    "names",
    [
        ["../evil", "archive/data.pkl"],
        ["../evil/data.pkl"],
        ["archive/../../evil", "archive/data.pkl"],
        ["/abs/evil", "archive/data.pkl"],
        ["archive/data/../../../evil", "archive/data.pkl"],
    ],
)
def test_zip_entries_with_traversal_names_write_nothing(tmp_path: Path, names: list[str]) -> None:
    work = tmp_path / "inner"
    work.mkdir()
    path = work / "evil.pth"
    path.write_bytes(zip_with_names(names, STATE))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    try:
        minitorch.load(path, weights_only=True)
    except REFUSALS as error:
        assert "evil.pth" in str(error)
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before
    assert not Path("/abs/evil").exists()


def test_refused_count() -> None:
    assert len(PAYLOAD_NAMES) >= 30
