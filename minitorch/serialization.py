"""``save`` and ``load`` in PyTorch's own checkpoint format, without PyTorch.

A checkpoint is a zip archive (see :mod:`minitorch._pytorch_zip`) holding a
pickle, ``data.pkl``, and one raw record per tensor storage. In the pickle a
tensor is the call ``torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, OrderedDict())`` whose ``storage`` is a *persistent id*
``('storage', torch.FloatStorage, key, location, numel)``: the unpickler
answers it with the bytes of record ``data/<key>``. A parameter wraps such a
tensor in ``torch._utils._rebuild_parameter(tensor, requires_grad, OrderedDict())``.

Writing, minitorch's objects are pickled under PyTorch's names
(``minitorch.nn.modules.conv.Conv2d`` as ``torch.nn.modules.conv.Conv2d``,
``minitorch.float32`` as ``torch.float32``), so ``torch.load`` reads the files.
Reading maps those names back, so files written by ``torch.save`` load here,
with every storage placed on the CPU (a checkpoint saved on a GPU included).

``load(..., weights_only=True)``, the default, unpickles with PyTorch's rules
(see :class:`_WeightsOnlyUnpickler`): tensors, parameters, dtypes, containers and
numbers load, and a file that names any other global (a class, ``os.system``,
...) is refused with ``pickle.UnpicklingError`` before anything from it runs;
:func:`add_safe_globals` and :class:`safe_globals` allow classes of your own.
The pickle cannot change objects shared by the process (a storage type, a class),
and what it builds is capped at the file's size. Whole models need
``weights_only=False``, which runs the pickle's code: use it only for files you
trust. Every record's declared size is checked against what the storages need
(and all of them against ``MAX_RECORD_EXPANSION`` times the file's size) before
it is read, so a damaged or hostile file fails with ``UnpicklingError`` or
``RuntimeError`` naming it instead of exhausting memory.

Saving to a regular file writes a temporary file next to it and renames it into
place, so a crash mid-save never leaves a truncated checkpoint behind; the
replacement keeps the file's mode and owner, and a symlink stays a link to the
file it names. A FIFO or a device is written in place, as ``torch.save`` does.
"""

from __future__ import annotations

import _compat_pickle
import contextlib
import errno
import importlib
import io
import math
import operator
import os
import pickle
import re
import reprlib
import stat
import struct
import sys
import types
import zipfile
from _codecs import encode
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from typing import IO, Any, BinaryIO

import numpy as np

from minitorch import _dtype
from minitorch._device import check_cpu, device
from minitorch._pytorch_zip import CheckpointZipWriter, archive_name_for
from minitorch._size import Size
from minitorch._tensor import Tensor
from minitorch.nn.parameter import Parameter

__all__ = [
    "StorageType",
    "TruncatedCheckpointError",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "load",
    "safe_globals",
    "save",
]

FileLike = str | os.PathLike | IO[bytes]
MapLocation = None | str | device | dict[str, str] | Callable[..., Any]

DEFAULT_PROTOCOL = 2
# the legacy (pre-zip) format starts with these pickled numbers
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001


# ---------------------------------------------------------------- storages
class StorageType:
    """Stands for one of PyTorch's typed storage classes (``torch.FloatStorage``, ...)."""

    def __init__(self, name: str, dtype: _dtype.dtype) -> None:
        self.__name__ = self.__qualname__ = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"<storage type torch.{self.__name__} ({self.dtype})>"

    def __reduce__(self) -> str:
        return self.__name__  # pickled by name, as the module attribute below


FloatStorage = StorageType("FloatStorage", _dtype.float32)
DoubleStorage = StorageType("DoubleStorage", _dtype.float64)
HalfStorage = StorageType("HalfStorage", _dtype.float16)
LongStorage = StorageType("LongStorage", _dtype.int64)
IntStorage = StorageType("IntStorage", _dtype.int32)
ShortStorage = StorageType("ShortStorage", _dtype.int16)
CharStorage = StorageType("CharStorage", _dtype.int8)
ByteStorage = StorageType("ByteStorage", _dtype.uint8)
BoolStorage = StorageType("BoolStorage", _dtype.bool)
STORAGE_TYPES = {
    t.__name__: t
    for t in (
        FloatStorage,
        DoubleStorage,
        HalfStorage,
        LongStorage,
        IntStorage,
        ShortStorage,
        CharStorage,
        ByteStorage,
        BoolStorage,
    )
}
_STORAGE_TYPE_OF_DTYPE = {t.dtype: t for t in STORAGE_TYPES.values()}
# Bytes, for the dtypes that have no typed storage (uint16, uint32, uint64): PyTorch saves
# them as an untyped storage and names the dtype in _rebuild_tensor_v3.
UntypedStorage = StorageType("UntypedStorage", _dtype.uint8)


class Storage:
    """A loaded storage: a flat array that tensors view, plus the device it was saved from."""

    def __init__(self, array: np.ndarray, location: str) -> None:
        self.array = array
        self.location = location

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy_dtype(self.array.dtype)

    def cpu(self) -> Storage:
        return self

    def cuda(self, device: object = None, non_blocking: bool = False) -> Storage:
        index = "" if device is None else f":{device}" if isinstance(device, int) else None
        check_cpu(f"cuda{index}" if index is not None else device)  # raises: minitorch is CPU-only
        return self

    def __len__(self) -> int:
        return self.array.size


class _StorageToSave:
    """A storage met while pickling: the array written as record ``data/<key>``."""

    def __init__(self, array: np.ndarray, key: str) -> None:
        self.array = array
        self.key = key


# ---------------------------------------------------------------- rebuild functions
# Named and called as PyTorch's torch._utils functions are, so that the pickles agree.
def _rebuild_tensor_v2(
    storage: Storage,
    storage_offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    requires_grad: bool,
    backward_hooks: Any,
    metadata: Any = None,
) -> Tensor:
    """A tensor viewing ``storage`` from ``storage_offset`` with the given size and stride."""
    if type(requires_grad) is not bool:
        raise RuntimeError("requires_grad must be a bool")  # PyTorch's check and message
    tensor = Tensor._make(_view(storage, storage_offset, size, stride))
    if requires_grad:
        tensor.requires_grad = True
    return tensor


def _rebuild_tensor_v3(
    storage: Storage,
    storage_offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    requires_grad: bool,
    backward_hooks: Any,
    dtype: _dtype.dtype,
    metadata: Any = None,
) -> Tensor:
    """A tensor of ``dtype`` viewing the bytes of an untyped ``storage`` (offset and strides in
    elements of ``dtype``)."""
    if not isinstance(storage, Storage) or not isinstance(dtype, _dtype.dtype):
        raise pickle.UnpicklingError(
            f"expected an untyped storage and a dtype, got {_brief(storage)} and {_brief(dtype)}"
        )
    if storage.array.nbytes % dtype.itemsize:
        raise RuntimeError(
            f"corrupt checkpoint: a storage of {storage.array.nbytes} bytes does not hold "
            f"whole elements of {dtype}"
        )
    typed = Storage(storage.array.view(dtype.numpy_dtype), storage.location)
    return _rebuild_tensor_v2(typed, storage_offset, size, stride, requires_grad, backward_hooks)


def _rebuild_tensor(
    storage: Storage, storage_offset: int, size: tuple[int, ...], stride: tuple[int, ...]
) -> Tensor:
    """The version-1 rebuild function, found in older checkpoints."""
    return _rebuild_tensor_v2(storage, storage_offset, size, stride, False, None)


def _view(
    storage: Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...]
) -> np.ndarray:
    """``storage.array`` seen through (offset, size, stride), checked to stay inside the storage."""
    if not isinstance(storage, Storage):
        raise pickle.UnpicklingError(
            f"expected a storage to rebuild a tensor from, got {type(storage).__name__}"
        )
    if not isinstance(size, (tuple, list)) or not isinstance(stride, (tuple, list)):
        raise pickle.UnpicklingError(
            f"expected tuples of sizes and strides, got {_brief(size)} and {_brief(stride)}"
        )
    # operator.index takes ints (and numpy's) only: a float or a string here is a damaged file
    offset = operator.index(offset)
    size, stride = tuple(map(operator.index, size)), tuple(map(operator.index, stride))
    array = storage.array
    if (
        len(size) != len(stride)
        or not all(0 <= n <= _INT64_MAX for n in (offset, *size, *stride))
        or math.prod(n for n in size if n) > _INT64_MAX
    ):
        raise RuntimeError(
            f"corrupt checkpoint: invalid tensor geometry size={_brief(size)} "
            f"stride={_brief(stride)} offset={offset}"
        )
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if 0 not in size and last >= array.size:
        raise RuntimeError(
            f"corrupt checkpoint: a tensor of size {_brief(list(size))} at offset {offset} "
            f"reaches element {last} of a storage of {array.size} elements"
        )
    itemsize = array.itemsize
    try:
        if 0 in size:
            return np.empty(size, dtype=array.dtype)
        # a view whose .base is the storage array, so that saving it again shares the storage
        return np.ndarray(
            size,
            dtype=array.dtype,
            buffer=array,
            offset=offset * itemsize,
            strides=tuple(s * itemsize for s in stride),
        )
    except ValueError as error:  # more dimensions or elements than numpy can describe
        raise RuntimeError(
            f"corrupt checkpoint: a tensor of size {_brief(list(size))} cannot be built: {error}"
        ) from None


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any) -> Parameter:
    if not isinstance(data, Tensor) or type(requires_grad) is not bool:
        raise TypeError(  # as PyTorch's Tensor._make_subclass refuses them
            f"a Parameter is rebuilt from a tensor and a bool, got {type(data).__name__} and "
            f"{type(requires_grad).__name__}"
        )
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(
    data: Tensor, requires_grad: bool, backward_hooks: Any, state: Any
) -> Parameter:
    return _set_obj_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _rebuild_from_type_v2(func: Callable[..., Any], new_type: type, args: tuple, state: Any) -> Any:
    """A tensor of class ``new_type`` (a subclass, or one with Python attributes)."""
    result = func(*args)
    if type(result) is not new_type and isinstance(result, Tensor) and issubclass(new_type, Tensor):
        converted = Tensor.__new__(new_type)
        converted._init(result._data, result._requires_grad)
        result = converted
    return _set_obj_state(result, state)


def _set_obj_state(obj: Any, state: Any) -> Any:
    if isinstance(state, tuple):
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    if dict_state:
        obj.__dict__.update(dict_state)
    if slots_state:
        for name, value in slots_state.items():
            setattr(obj, name, value)
    return obj


def _rebuild_size(sizes: tuple[int, ...]) -> Size:
    return Size(sizes)


# ---------------------------------------------------------------- PyTorch's names
def _pytorch_names() -> dict[Any, tuple[str, str]]:
    """minitorch objects that PyTorch knows under a name other than ``torch`` + their own path."""
    names: dict[Any, tuple[str, str]] = {
        _rebuild_tensor_v2: ("torch._utils", "_rebuild_tensor_v2"),
        _rebuild_tensor_v3: ("torch._utils", "_rebuild_tensor_v3"),
        UntypedStorage: ("torch.storage", "UntypedStorage"),
        _rebuild_tensor: ("torch._utils", "_rebuild_tensor"),
        _rebuild_parameter: ("torch._utils", "_rebuild_parameter"),
        _rebuild_parameter_with_state: ("torch._utils", "_rebuild_parameter_with_state"),
        _rebuild_from_type_v2: ("torch._tensor", "_rebuild_from_type_v2"),
        Tensor: ("torch", "Tensor"),
        Parameter: ("torch.nn.parameter", "Parameter"),
        _rebuild_size: ("torch", "Size"),
        device: ("torch", "device"),
    }
    names.update({t: ("torch", name) for name, t in STORAGE_TYPES.items()})
    names.update({d: ("torch", repr(d).removeprefix("minitorch.")) for d in _dtype.ALL_DTYPES})
    return names


PYTORCH_NAMES = _pytorch_names()
_MINITORCH_OBJECTS = {f"{module}.{name}": obj for obj, (module, name) in PYTORCH_NAMES.items()}
_MINITORCH_OBJECTS["torch.Size"] = Size
_MINITORCH_OBJECTS["torch.UntypedStorage"] = UntypedStorage

# What weights_only=True loads: tensors, parameters, dtypes, storages and plain containers.
_WEIGHTS_ONLY_GLOBALS: dict[str, Any] = {
    **_MINITORCH_OBJECTS,
    "collections.OrderedDict": OrderedDict,
    "collections.Counter": Counter,
    "builtins.set": set,
    "builtins.frozenset": frozenset,
    "builtins.bytearray": bytearray,
    "builtins.complex": complex,
    "builtins.slice": slice,
    "_codecs.encode": encode,  # how protocol 2 pickles bytes
}
# Refused by weights_only=True even when allowlisted, as PyTorch refuses them.
_BLOCKED_MODULES = frozenset({"sys", "os", "posix", "nt"})

SafeGlobal = Callable[..., Any] | tuple[Callable[..., Any], str]
# The entries given to add_safe_globals, as given (a dict keeps their order and drops repeats).
_user_safe_globals: dict[SafeGlobal, None] = {}


def add_safe_globals(safe_globals: list[SafeGlobal]) -> None:
    """Let ``load(weights_only=True)`` use these classes and functions too, as
    ``torch.serialization.add_safe_globals`` does.

    Each entry is a class or function, found in a pickle under its ``__module__`` and
    ``__qualname__``, or a pair ``(obj, "module.name")`` naming it explicitly. Loading may
    call an allowlisted global with arguments taken from the file, and may set the pickled
    state of instances of an allowlisted class: allowlist only types you trust.
    """
    for entry in safe_globals:
        _allowlisted_name(entry)  # a malformed entry fails here, not at the next load
        _user_safe_globals[entry] = None


def get_safe_globals() -> list[SafeGlobal]:
    """The entries added by :func:`add_safe_globals`, in the order they were added."""
    return list(_user_safe_globals)


def clear_safe_globals() -> None:
    """Forget every entry added by :func:`add_safe_globals`."""
    _user_safe_globals.clear()


class safe_globals:  # noqa: N801 - PyTorch's name
    """``with safe_globals([Settings]): load(path)``: allowlist entries for one block.

    As ``torch.serialization.safe_globals``: the entries are added on entry and removed on
    exit, including any that were already allowlisted before the block.
    """

    def __init__(self, safe_globals: list[SafeGlobal]) -> None:
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc_info: object) -> None:
        for entry in self.safe_globals:
            _user_safe_globals.pop(entry, None)


def _allowlisted_name(entry: SafeGlobal) -> tuple[str, Any]:
    """(the name a pickle uses for it, the object) for one add_safe_globals entry."""
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise ValueError(
                "Expected tuple of length 2 (global, str of callable full path), but got tuple "
                f"of length: {len(entry)}"
            )
        obj, name = entry
        if type(name) is not str:
            raise TypeError(
                "Expected second item in tuple to be str of callable full path, but got: "
                f"{type(name)}"
            )
        return name, obj
    return f"{entry.__module__}.{entry.__qualname__}", entry


def _user_allowed_globals() -> dict[str, Any]:
    return dict(_allowlisted_name(entry) for entry in _user_safe_globals)


# ---------------------------------------------------------------- saving
class _CheckpointPickler(pickle._Pickler):
    """A pickler that writes tensors as PyTorch does and minitorch's names as PyTorch's.

    It is the pure-Python pickler because only that one lets a subclass choose how a
    global is written (``save_global``); the bulk of a checkpoint, the storages, does
    not go through the pickle at all.
    """

    def __init__(self, file: BinaryIO, protocol: int) -> None:
        super().__init__(file, protocol=protocol)
        self.storages: dict[str, np.ndarray] = {}
        self._storage_keys: dict[int, tuple[str, np.ndarray]] = {}

    def persistent_id(self, obj: Any) -> tuple | None:
        if isinstance(obj, _StorageToSave):
            typed = _STORAGE_TYPE_OF_DTYPE.get(_dtype.from_numpy_dtype(obj.array.dtype))
            if typed is None:
                return ("storage", UntypedStorage, obj.key, "cpu", obj.array.nbytes)
            return ("storage", typed, obj.key, "cpu", obj.array.size)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Parameter):
            return _rebuild_parameter, (Tensor._make(obj._data), obj.requires_grad, OrderedDict())
        if isinstance(obj, Tensor):
            storage, offset, stride = self._storage_of(obj._data)
            size = tuple(int(n) for n in obj._data.shape)
            if obj.dtype not in _STORAGE_TYPE_OF_DTYPE:
                hooks = OrderedDict()
                return _rebuild_tensor_v3, (
                    storage,
                    offset,
                    size,
                    stride,
                    obj.requires_grad,
                    hooks,
                    obj.dtype,
                )
            return _rebuild_tensor_v2, (
                storage,
                offset,
                size,
                stride,
                obj.requires_grad,
                OrderedDict(),
            )
        if isinstance(obj, Size):
            return _rebuild_size, (tuple(obj),)
        if isinstance(obj, device):
            return device, (obj.type,) if obj.index is None else (obj.type, obj.index)
        return NotImplemented

    def _storage_of(self, array: np.ndarray) -> tuple[_StorageToSave, int, tuple[int, ...]]:
        """The storage holding ``array`` (shared with other views of it), offset and strides."""
        root = array
        while isinstance(root.base, np.ndarray):
            root = root.base
        placement = _placement_in(array, root)
        if placement is None:  # not a plain view of a contiguous array: save a copy
            root = np.ascontiguousarray(array)
            placement = 0, tuple(s // root.itemsize for s in root.strides)
        entry = self._storage_keys.get(id(root))
        if entry is None:
            entry = (str(len(self._storage_keys)), root)  # keeps root alive: its id stays unique
            self._storage_keys[id(root)] = entry
            self.storages[entry[0]] = root
        return _StorageToSave(root, entry[0]), placement[0], placement[1]

    def save_global(self, obj: Any, name: str | None = None) -> None:
        target = _pytorch_name_of(obj)
        if target is None:
            super().save_global(obj, name)
            return
        module, qualname = target
        if self.proto >= 4:
            self.save(module)
            self.save(qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(
                pickle.GLOBAL + module.encode("utf-8") + b"\n" + qualname.encode("utf-8") + b"\n"
            )
        self.memoize(obj)

    # The base class files functions straight under its own save_global; classes already
    # reach this one through save_type.
    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[types.FunctionType] = save_global


def _pytorch_name_of(obj: Any) -> tuple[str, str] | None:
    """PyTorch's (module, name) for a minitorch object written as a global; None for others."""
    try:
        known = PYTORCH_NAMES.get(obj)
    except TypeError:  # unhashable
        known = None
    if known is not None:
        return known
    module = getattr(obj, "__module__", None)
    if isinstance(module, str):
        for ours, theirs in _PACKAGE_NAMES:
            if module == ours or module.startswith(ours + "."):
                return theirs + module.removeprefix(ours), obj.__qualname__
    return None


# minitorch's packages and PyTorch's names for them, the more specific first
_PACKAGE_NAMES = (("minitorch.vision", "torchvision"), ("minitorch", "torch"))


def _pytorch_package(module: str) -> str | None:
    """``torch...`` or ``torchvision...`` when ``module`` is in one of PyTorch's packages."""
    for _, theirs in _PACKAGE_NAMES:
        if module == theirs or module.startswith(theirs + "."):
            return theirs
    return None


def _placement_in(array: np.ndarray, root: np.ndarray) -> tuple[int, tuple[int, ...]] | None:
    """(offset, strides) in elements of ``array`` inside contiguous ``root``, or None."""
    if root.dtype != array.dtype or not root.flags.c_contiguous:
        return None
    itemsize = array.itemsize
    start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    if start < 0 or start % itemsize or any(s < 0 or s % itemsize for s in array.strides):
        return None
    offset = start // itemsize
    strides = tuple(s // itemsize for s in array.strides)
    if (
        array.size
        and offset + sum((n - 1) * s for n, s in zip(array.shape, strides, strict=True))
        >= root.size
    ):
        return None
    return offset, strides


def _native_bytes(array: np.ndarray) -> memoryview:
    return memoryview(np.ascontiguousarray(array).reshape(-1).view(np.uint8))


def _write_checkpoint(obj: Any, stream: BinaryIO, archive_name: str, protocol: int) -> None:
    pickled = io.BytesIO()
    pickler = _CheckpointPickler(pickled, protocol)
    pickler.dump(obj)
    archive = CheckpointZipWriter(stream, archive_name)
    archive.write_record("data.pkl", pickled.getbuffer())
    archive.write_record(".format_version", b"1")
    archive.write_record(".storage_alignment", str(64).encode())
    archive.write_record("byteorder", sys.byteorder.encode())
    for key, array in pickler.storages.items():
        archive.write_record(f"data/{key}", _native_bytes(array))
    archive.finish()


def save(
    obj: object,
    f: FileLike,
    pickle_module: Any = pickle,
    pickle_protocol: int = DEFAULT_PROTOCOL,
) -> None:
    """Save ``obj`` (a state_dict, optimizer state, tensors, containers or a whole model) to ``f``.

    The file is PyTorch's zip checkpoint: ``torch.load`` reads it, and a
    state_dict of tensors loads there with ``weights_only=True``.

    Args:
        obj: what to save.
        f: a path, or a binary file-like object with ``write``.
        pickle_module: only Python's ``pickle`` (minitorch pickles with its own subclass of it).
        pickle_protocol: the pickle protocol (PyTorch's default, 2, unless you need another).

    Example::

        >>> minitorch.save(model.state_dict(), "model.pth")
        >>> model.load_state_dict(minitorch.load("model.pth"))
    """
    if pickle_module is not pickle:
        raise NotImplementedError(
            "minitorch.save pickles with Python's pickle only (pickle_module)"
        )
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        with _writing(path) as stream:
            _write_checkpoint(obj, stream, archive_name_for(path), pickle_protocol)
        return
    if not callable(getattr(f, "write", None)):
        raise AttributeError(f"Buffer of {type(f).__name__} has no callable attribute 'write'")
    _write_checkpoint(obj, f, "archive", pickle_protocol)
    if callable(getattr(f, "flush", None)):
        f.flush()


@contextlib.contextmanager
def _writing(path: str) -> Iterator[BinaryIO]:
    """The stream that :func:`save` writes ``path`` through.

    A regular file (or a new one) is replaced atomically, by a temporary file renamed over
    it once complete and on disk; a symlink is followed, so that the link stays and its
    target is replaced, and the replacement keeps the old file's mode and owner. Anything
    else -- a FIFO, a device, a socket -- is written in place, as ``torch.save`` does:
    renaming over it would replace the node itself. So is a file whose owner the
    replacement could not be given, or one in a folder where no temporary file can be made.
    A file that may not be written is not replaced either: PermissionError, as in PyTorch.
    """
    target = os.path.realpath(path)
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not os.access(target, os.W_OK):
        # torch.save's open() fails here too: a read-only checkpoint is not replaced
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    temporary = None
    if existing is None or stat.S_ISREG(existing.st_mode):
        temporary = _temporary_replacement(target, existing)
    if temporary is None:
        with open(target, "wb") as stream:
            yield stream
        return
    temporary_path, descriptor = temporary
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary_path)
        raise
    _fsync_directory(os.path.dirname(target))


def _temporary_replacement(target: str, existing: os.stat_result | None) -> tuple[str, int] | None:
    """A new file next to ``target`` (path, open descriptor) with ``existing``'s owner and mode;
    None where the folder refuses it or the owner cannot be kept."""
    directory, name = os.path.split(target)
    temporary = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.tmp")
    try:
        # 0o666 minus the umask: the permissions a plain open() gives a new file
        descriptor = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
        )
    except PermissionError:
        return None
    if existing is None:
        return temporary, descriptor
    try:
        if hasattr(os, "fchown") and (existing.st_uid, existing.st_gid) != _owner(descriptor):
            os.fchown(descriptor, existing.st_uid, existing.st_gid)
        # after fchown, which clears the set-user-ID and set-group-ID bits
        os.chmod(temporary, stat.S_IMODE(existing.st_mode))
    except PermissionError:
        os.close(descriptor)
        os.unlink(temporary)
        return None
    return temporary, descriptor


def _owner(descriptor: int) -> tuple[int, int]:
    status = os.fstat(descriptor)
    return status.st_uid, status.st_gid


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------- loading
# The records of a zip checkpoint may decompress to at most this many times the file's size:
# torch.save stores them uncompressed, pickles deflate about fourfold, bombs a thousandfold.
MAX_RECORD_EXPANSION = 16
# Deeper tuples are refused: hashing one (as a dict key) recurses in C and crashes Python.
MAX_TUPLE_NESTING = 1000
# The values of a zip checkpoint's "version" record that PyTorch 2 reads.
SUPPORTED_FORMAT_VERSIONS = range(1, 11)
_INT64_MAX = 2**63 - 1
_READ_CHUNK = 1 << 20
_DOS_DIRECTORY = 0x10  # in a zip entry's external attributes
# What the pickle machine raises on a malformed or hostile pickle; weights_only=True reports
# all of them as pickle.UnpicklingError.
_MALFORMED_PICKLE = (
    ArithmeticError,
    AttributeError,
    LookupError,
    TypeError,
    ValueError,
    struct.error,
)


class TruncatedCheckpointError(pickle.UnpicklingError, EOFError):
    """A checkpoint that ends early: an ``EOFError``, which ``torch.load`` raises for it, and an
    ``UnpicklingError``, as every other damaged file is."""


class _MapLocationFailed(Exception):
    """Carries an error of the caller's ``map_location`` unchanged through the unpickler."""


class _BriefRepr(reprlib.Repr):
    """Reprs short enough for an error message, whatever a hostile file nests or repeats."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = 120

    def repr_instance(self, obj: Any, level: int) -> str:
        if isinstance(obj, Tensor):  # printing values would read all of them
            return f"<{type(obj).__name__} of size {list(obj.shape)}, {obj.dtype}>"
        return super().repr_instance(obj, level)


_brief = _BriefRepr().repr


def _storage_fields(pid: Any) -> tuple[StorageType, str, str, int, Any]:
    """(storage type, key, location, numel, view) of a persistent id
    ``('storage', type, key, location, numel[, view])``; view is None but in legacy files."""
    if not isinstance(pid, tuple) or len(pid) < 5:
        raise pickle.UnpicklingError(f"malformed storage id {_brief(pid)}")
    storage_type, key, location, numel = pid[1:5]
    if (
        not isinstance(storage_type, StorageType)
        or not isinstance(key, (str, bytes, int))
        or not isinstance(location, (str, bytes))
        or type(numel) is not int
        or numel < 0
    ):
        raise pickle.UnpicklingError(f"malformed storage id {_brief(pid)}")
    key = key.decode("ascii") if isinstance(key, bytes) else str(key)
    location = location.decode("ascii") if isinstance(location, bytes) else location
    try:
        device(location)  # "cpu", "cuda:0", ...: a device PyTorch could have saved it from
    except (RuntimeError, ValueError):
        raise RuntimeError(
            f"don't know how to restore data location of a storage tagged with {_brief(location)}"
        ) from None
    return storage_type, key, location, numel, pid[5] if len(pid) > 5 else None


def _persistent_kind(pid: Any) -> str:
    kind = pid[0] if isinstance(pid, tuple) and pid else None
    kind = kind.decode("ascii", "replace") if isinstance(kind, bytes) else kind
    if not isinstance(kind, str):
        raise pickle.UnpicklingError(f"unsupported persistent id {_brief(pid)}")
    return kind


class _FullUnpickler(pickle.Unpickler):
    """The unpickler of ``load(weights_only=False)``: any global, PyTorch's names mapped to
    minitorch's objects, storages read from the archive's records. It runs the file's code."""

    def __init__(
        self, file: IO[bytes], *, load_storage: Callable[[tuple], Storage], encoding: str
    ) -> None:
        super().__init__(file, encoding=encoding)
        self._load_storage = load_storage

    def persistent_load(self, pid: Any) -> Any:
        kind = _persistent_kind(pid)
        if kind == "module":
            return pid[1]  # legacy whole-model files name each module class with its source
        if kind != "storage":
            raise pickle.UnpicklingError(f"unsupported persistent id {_brief(pid)}")
        return self._load_storage(_storage_fields(pid))

    def find_class(self, module: str, name: str) -> Any:
        module, name = _python3_name(module, name)
        full_name = f"{module}.{name}"
        if full_name in _MINITORCH_OBJECTS:
            return _MINITORCH_OBJECTS[full_name]
        if _pytorch_package(module) is not None:
            _refuse_storage_dtype(module, name)
            return _minitorch_counterpart(module, name)
        return super().find_class(module, name)


class _BoundedReader:
    """The bytes of ``stream`` up to ``length`` of them, as the unpickler reads them.

    A read longer than what is left fails at once, instead of allocating what a damaged
    length field claims.
    """

    def __init__(self, stream: IO[bytes], length: int) -> None:
        self._stream = stream
        self._left = length

    def read(self, size: int) -> bytes:
        if size > self._left > 0:
            raise pickle.UnpicklingError(
                f"the pickle declares an item of {size} bytes where {self._left} are left "
                "(the file is truncated or corrupt)"
            )
        data = self._stream.read(size)
        self._left -= len(data)
        return data

    def readline(self) -> bytes:
        line = self._stream.readline(self._left)
        self._left -= len(line)
        return line


class _WeightsOnlyUnpickler(pickle._Unpickler):
    """The unpickler of ``load(weights_only=True)``, PyTorch's rules on Python's own pickle
    machine (the pure-Python one, whose opcodes a subclass can replace):

    - a global must be allowlisted (never one of sys, os, posix, nt), and only allowlisted
      callables are called, by REDUCE, NEWOBJ, OBJ or INST;
    - what those calls build -- bytes of strings, bytes-like objects and new tensors, items
      of containers -- adds up to at most ``file_size``; a call whose
      arguments announce more (``bytearray(3_000_000_000)``) is refused before it runs;
    - BUILD sets state only on an object this unpickler built from the allowlist, and only
      the state PyTorch accepts: a storage on a Tensor, Parameter's legacy states,
      attributes of an OrderedDict or Counter, or what an add_safe_globals class takes.
      Classes, functions, dtypes and storage types are shared by the whole process and are
      never changed;
    - APPEND, SETITEM and ADDITEMS fill only lists, dicts and sets;
    - a length the pickle declares is checked against the bytes left before it is read,
      and tuples nest at most MAX_TUPLE_NESTING deep.
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(
        self,
        file: _BoundedReader,
        *,
        load_storage: Callable[[tuple], Storage],
        encoding: str,
        file_size: int,
    ) -> None:
        super().__init__(file, encoding=encoding)
        self._load_storage = load_storage
        self._file_size = file_size
        self._budget = file_size  # what allowlisted calls may still build
        user_globals = _user_allowed_globals()
        self._globals = {**user_globals, **_WEIGHTS_ONLY_GLOBALS}
        self._callables = {id(obj) for obj in self._globals.values()}
        self._user_types = {id(obj) for obj in user_globals.values() if isinstance(obj, type)}
        # id -> object: holding the object keeps its id from being reused by another
        self._built: dict[int, Any] = {}
        self._tuple_depths: dict[int, tuple[tuple, int]] = {}

    def load(self) -> Any:
        try:
            return super().load()
        except _MALFORMED_PICKLE as error:
            raise pickle.UnpicklingError(
                f"Weights only load failed: malformed pickle ({type(error).__name__}: "
                f"{str(error)[:300]})"
            ) from None

    # -------------------------------------------------------------- globals and storages
    def find_class(self, module: str, name: str) -> Any:
        module, name = _python3_name(module, name)
        full_name = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(
                f"Weights only load failed: unsupported global GLOBAL {full_name}: its module "
                f"{module} is blocked, whatever add_safe_globals allows. It was not called."
            )
        if full_name not in self._globals:
            _refuse_storage_dtype(module, name)
            raise pickle.UnpicklingError(
                f"Weights only load failed: unsupported global GLOBAL {full_name} is not an "
                "allowed global (weights_only=True loads tensors, parameters, dtypes and plain "
                "containers only). It was not called. If you trust the file's source, load it "
                "with weights_only=False, which runs the code the file names; or allowlist "
                f"the global with minitorch.serialization.add_safe_globals([{full_name}]) or "
                f"the minitorch.serialization.safe_globals([{full_name}]) context manager."
            )
        return self._globals[full_name]

    def get_extension(self, code: int) -> None:
        raise pickle.UnpicklingError(
            f"Weights only load failed: extension code {code} (copyreg) is not supported"
        )

    def persistent_load(self, pid: Any) -> Any:
        if _persistent_kind(pid) != "storage":
            raise pickle.UnpicklingError(
                f"Only persistent_load of storage is allowed, but got {_brief(pid)}"
            )
        return self._load_storage(_storage_fields(pid))

    # -------------------------------------------------------------- calls
    def _call(self, func: Any, args: Any, kwargs: Any, *, new: bool = False) -> Any:
        """``func(*args, **kwargs)`` for an allowlisted ``func`` (``func.__new__(func, ...)``
        for NEWOBJ), within the budget; the result is recorded as built by this unpickler."""
        if id(func) not in self._callables:
            raise pickle.UnpicklingError(
                f"Weights only load failed: trying to call {_brief(func)}, which is not an "
                "allowlisted function or class"
            )
        if type(args) is not tuple or type(kwargs) is not dict:
            raise pickle.UnpicklingError(
                f"Weights only load failed: malformed call of {_brief(func)}: "
                f"arguments {_brief(args)}, {_brief(kwargs)}"
            )
        self._spend(_announced_size(func, (*args, *kwargs.values()), self._budget), func)
        if func is _rebuild_from_type_v2 and args:
            # it calls its first argument: that call goes through this check too
            inner = args[0]
            args = (lambda *inner_args: self._call(inner, inner_args, {}), *args[1:])
        if new and not (isinstance(func, type) and issubclass(func, (Tensor, device))):
            result = func.__new__(func, *args, **kwargs)
        else:  # minitorch's Tensor and device are made by __init__, as PyTorch's are by __new__
            result = func(*args, **kwargs)
        self._spend(_built_size(result), func)
        self._built[id(result)] = result
        if isinstance(result, tuple):
            self._note_tuple(result)
        return result

    def _spend(self, size: int, func: Any) -> None:
        if size > self._budget:
            raise pickle.UnpicklingError(
                f"Weights only load failed: {_brief(func)} would build more than the file's "
                f"{self._file_size} bytes allow (allowlisted constructors are capped at the "
                "file's size)"
            )
        self._budget -= size

    def load_reduce(self) -> None:
        args = self.stack.pop()
        self.stack[-1] = self._call(self.stack[-1], args, {})

    def load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        self._check_class(cls)
        self.append(self._call(cls, args, {}, new=True))

    def load_newobj_ex(self) -> None:
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self._check_class(cls)
        self.append(self._call(cls, args, kwargs, new=True))

    def _instantiate(self, klass: Any, args: list) -> None:  # for OBJ and INST
        self.append(self._call(klass, tuple(args), {}))

    def _check_class(self, cls: Any) -> None:
        if not isinstance(cls, type):
            raise pickle.UnpicklingError(
                "Can only create new object for nn.Parameter or classes allowlisted via "
                f"add_safe_globals but got {_brief(cls)}"
            )

    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    # -------------------------------------------------------------- state
    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        kind = type(inst)
        if not (kind in (Tensor, Parameter, OrderedDict, Counter) or id(kind) in self._user_types):
            raise pickle.UnpicklingError(
                "Weights only load failed: can only build Tensor, Parameter, OrderedDict, "
                f"Counter or types allowlisted via add_safe_globals, but got {kind}"
            )
        if self._built.get(id(inst)) is not inst:
            raise pickle.UnpicklingError(
                f"Weights only load failed: BUILD of {_brief(inst)}, which the file did not "
                "create: only objects built while loading may be given state"
            )
        if kind is Tensor or kind is Parameter:
            _set_tensor_state(inst, state)
        elif kind is OrderedDict or kind is Counter:
            if type(state) is not dict:
                raise pickle.UnpicklingError(
                    f"Weights only load failed: the state of a {kind.__name__} must be a dict, "
                    f"got {_brief(state)}"
                )
            inst.__dict__.update(state)
        elif callable(getattr(inst, "__setstate__", None)):
            inst.__setstate__(state)
        else:
            _set_obj_state(inst, state)

    def load_append(self) -> None:
        value = self.stack.pop()
        self._check_target(list).append(value)

    def load_appends(self) -> None:
        items = self.pop_mark()
        self._check_target(list).extend(items)

    def load_setitem(self) -> None:
        value = self.stack.pop()
        key = self.stack.pop()
        self._check_target(dict)[key] = value

    def load_setitems(self) -> None:
        items = self.pop_mark()
        target = self._check_target(dict)
        for index in range(0, len(items), 2):
            target[items[index]] = items[index + 1]

    def load_additems(self) -> None:
        items = self.pop_mark()
        self._check_target(set).update(items)

    def _check_target(self, container: type) -> Any:
        """The object on top of the stack, which the pickle fills: a list, dict or set (an
        OrderedDict or Counter, or an allowlisted list subclass, as in PyTorch)."""
        target = self.stack[-1]
        kind = type(target)
        accepted = {list: (list,), dict: (dict, OrderedDict, Counter), set: (set,)}[container]
        if kind not in accepted and not (isinstance(target, list) and id(kind) in self._user_types):
            raise pickle.UnpicklingError(
                f"Weights only load failed: can only fill a {container.__name__} here, but got "
                f"{kind}"
            )
        return target

    dispatch[pickle.BUILD[0]] = load_build
    dispatch[pickle.APPEND[0]] = load_append
    dispatch[pickle.APPENDS[0]] = load_appends
    dispatch[pickle.SETITEM[0]] = load_setitem
    dispatch[pickle.SETITEMS[0]] = load_setitems
    dispatch[pickle.ADDITEMS[0]] = load_additems

    # -------------------------------------------------------------- sizes and nesting
    def load_bytearray8(self) -> None:
        (size,) = struct.unpack("<Q", self.read(8))
        self.append(bytearray(self.read(size)))  # read checks size first, then allocates

    def _note_tuple(self, made: tuple) -> None:
        depth = 1 + max(
            (
                self._tuple_depths.get(id(item), (item, 1))[1]
                for item in made
                if isinstance(item, tuple)
            ),
            default=0,
        )
        if depth > MAX_TUPLE_NESTING:
            raise pickle.UnpicklingError(
                f"Weights only load failed: tuples nested more than {MAX_TUPLE_NESTING} deep"
            )
        self._tuple_depths[id(made)] = (made, depth)

    dispatch[pickle.BYTEARRAY8[0]] = load_bytearray8


def _nesting_checked(opcode: bytes) -> Callable[[_WeightsOnlyUnpickler], None]:
    """The pickle machine's handler of a tuple-making opcode, followed by the nesting check."""
    make = pickle._Unpickler.dispatch[opcode[0]]

    def make_and_check(unpickler: _WeightsOnlyUnpickler) -> None:
        make(unpickler)
        unpickler._note_tuple(unpickler.stack[-1])

    return make_and_check


_WeightsOnlyUnpickler.dispatch.update(
    {
        op[0]: _nesting_checked(op)
        for op in (pickle.TUPLE, pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3)
    }
)


def _announced_size(func: Any, args: tuple, budget: int) -> int:
    """What a call will build that its arguments tell before it runs: ``bytearray(n)`` n bytes,
    ``Tensor(...)`` its elements, any call over a tensor one tensor per row."""
    if func is bytearray and args and type(args[0]) is int:
        return args[0]
    if isinstance(func, type) and issubclass(func, Tensor) and func is not Parameter:
        if all(type(arg) is int for arg in args):
            return 4 * math.prod(max(arg, 0) for arg in args)  # Tensor(2, 3): float32 elements
        return 4 * _element_count(args, budget)
    return max((len(arg) for arg in args if isinstance(arg, Tensor) and arg.dim()), default=0)


def _element_count(data: Any, limit: int) -> int:
    """The elements numpy makes of nested lists, tuples and tensors, counted up to ``limit``."""
    count, pending = 0, [data]
    while pending and count <= limit:
        item = pending.pop()
        if isinstance(item, (list, tuple)):
            count += 1  # counting the containers too ends the count of a list that holds itself
            pending.extend(item)
        elif isinstance(item, Tensor):
            count += item.numel()
        else:
            count += 1
    return count


def _built_size(result: Any) -> int:
    """The memory a call's result newly holds: tensor bytes it owns (a view of a storage owns
    none), string bytes, container items."""
    if isinstance(result, Tensor):
        return result._data.nbytes if result._data.base is None else 0
    if isinstance(result, (str, bytes, bytearray, list, tuple, dict, set, frozenset)):
        return len(result)
    return 0


def _set_tensor_state(tensor: Tensor, state: Any) -> None:
    """BUILD of a Tensor or Parameter: PyTorch's legacy states (``Tensor.__setstate__``)."""
    if type(state) is tuple and len(state) == 4:  # (storage, offset, size, stride): set_
        tensor._init(_view(*state), tensor._requires_grad)
        return
    if type(tensor) is Parameter and type(state) is tuple and len(state) in (3, 5):
        if len(state) == 5:  # a legacy Variable: (data, _, backward_hooks, requires_grad, _)
            data = state[0]
            if not isinstance(data, Tensor):
                raise pickle.UnpicklingError(f"malformed Parameter state {_brief(state)}")
            tensor._init(data._data)
            state = (state[3], state[4], state[2])
        if type(state[0]) is not bool:
            raise RuntimeError("requires_grad must be a bool")
        tensor.requires_grad = state[0]
        return
    raise pickle.UnpicklingError(
        f"Weights only load failed: unsupported {type(tensor).__name__} state {_brief(state)}"
    )


def _python3_name(module: str, name: str) -> tuple[str, str]:
    """Python 2 names found in protocol-2 pickles (``__builtin__.set``) as Python 3's."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _refuse_storage_dtype(module: str, name: str) -> None:
    if module == "torch" and name.endswith("Storage"):
        raise NotImplementedError(
            f"the checkpoint holds a tensor stored as torch.{name}, a dtype minitorch does not "
            f"support (minitorch has {', '.join(repr(d) for d in _dtype.ALL_DTYPES)})"
        )


def _minitorch_counterpart(module: str, name: str) -> Any:
    """``torch.nn.modules.conv.Conv2d`` -> ``minitorch.nn.modules.conv.Conv2d`` (or the nearest
    package that exports the name, e.g. ``minitorch.nn.Conv2d``); ``torchvision.models.vgg.VGG``
    -> ``minitorch.vision.models.vgg.VGG``."""
    theirs = _pytorch_package(module)
    ours = next(ours for ours, package in _PACKAGE_NAMES if package == theirs)
    parts = (ours + module.removeprefix(theirs)).split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        try:
            found = importlib.import_module(candidate)
        except ImportError:
            continue
        for attribute in name.split("."):
            found = getattr(found, attribute, None)
            if found is None:
                break
        if found is not None:
            return found
    raise NotImplementedError(
        f"the checkpoint refers to {module}.{name}, which minitorch does not implement"
    )


def _restorer(map_location: MapLocation) -> Callable[[Storage, str], Storage]:
    """Where each storage goes: always the CPU, and map_location must agree."""
    if map_location is None:
        return lambda storage, location: storage
    if isinstance(map_location, (str, device)):
        check_cpu(map_location)
        return lambda storage, location: storage
    if isinstance(map_location, dict):

        def by_mapping(storage: Storage, location: str) -> Storage:
            if location in map_location:
                check_cpu(map_location[location])
            return storage

        return by_mapping
    if callable(map_location):

        def by_function(storage: Storage, location: str) -> Storage:
            try:
                result = map_location(storage, location)
            except Exception as error:  # the caller's own error, not a damaged file
                raise _MapLocationFailed from error
            if result is None:
                return storage
            if not isinstance(result, Storage):
                raise _MapLocationFailed from TypeError(
                    f"map_location returned {type(result).__name__}; minitorch expects the storage "
                    "it was given (minitorch keeps every tensor on the CPU)"
                )
            return result

        return by_function
    check_cpu(str(map_location))  # e.g. a torch.device: accepted when it names the CPU
    return lambda storage, location: storage


def _describe(f: FileLike) -> str:
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    return f"<{type(f).__name__}>" if getattr(f, "name", None) is None else repr(f.name)


def _array_from_record(data: bytearray, dtype: _dtype.dtype, byteorder: str) -> np.ndarray:
    array = np.frombuffer(data, dtype=dtype.numpy_dtype)  # writable: it views the bytearray
    if byteorder != sys.byteorder and array.itemsize > 1:
        array = array.byteswap()
    return array


def _load_zip(
    archive: zipfile.ZipFile,
    what: str,
    file_size: int,
    restore: Callable[[Storage, str], Storage],
    weights_only: bool,
    encoding: str,
) -> Any:
    entries = archive.namelist()
    if not entries:
        raise RuntimeError(
            f"PytorchStreamReader failed reading zip archive {what}: the archive is empty"
        )
    prefix = entries[0].split("/", 1)[0]
    names = set(entries)
    if f"{prefix}/constants.pkl" in names:
        raise NotImplementedError(
            f"{what} is a TorchScript archive (torch.jit.save); minitorch cannot load it"
        )
    if f"{prefix}/data.pkl" not in names:
        raise RuntimeError(
            f"PytorchStreamReader failed locating file data.pkl in {what}: not a checkpoint"
        )

    inflated_left = MAX_RECORD_EXPANSION * file_size

    def read(record: str, expected_size: int | None = None, expected: str = "") -> bytearray:
        """Record ``record``, its declared sizes checked before a byte of it is decompressed,
        then read in bounded chunks: a storage's must be what its tensors need
        (``expected_size``), and all records together at most MAX_RECORD_EXPANSION times the
        file."""
        nonlocal inflated_left
        info = archive.getinfo(f"{prefix}/{record}")
        failed = f"PytorchStreamReader failed reading file {record} of {what}"
        if info.external_attr & _DOS_DIRECTORY:  # PyTorch's reader (miniz) reads no data then
            raise RuntimeError(f"{failed}: the archive marks the record as a directory")
        if info.compress_size > file_size:
            raise RuntimeError(
                f"{failed}: the record claims {info.compress_size} bytes, more than the whole "
                f"file's {file_size}"
            )
        if expected_size is not None and info.file_size != expected_size:
            raise RuntimeError(
                f"{failed}: record size ({info.file_size} bytes) does not match expected size "
                f"({expected_size} bytes = {expected})"
            )
        if info.file_size > inflated_left:
            raise RuntimeError(
                f"{failed}: the record decompresses to {info.file_size} bytes, and the records "
                f"read would then hold more than {MAX_RECORD_EXPANSION} times the file's "
                f"{file_size} (a decompression bomb?)"
            )
        inflated_left -= info.file_size
        data = bytearray(info.file_size)
        filled = 0
        try:
            with archive.open(info) as member:
                while filled < len(data):
                    chunk = member.read(min(_READ_CHUNK, len(data) - filled))
                    if not chunk:
                        break
                    data[filled : filled + len(chunk)] = chunk
                    filled += len(chunk)
                member.read(1)  # reaching the end is what makes zipfile check the CRC
        except Exception as error:  # zipfile raises many kinds on a damaged record
            raise RuntimeError(
                f"{failed}: {type(error).__name__}: {str(error)[:300]} (the file is corrupted "
                "or was not written completely)"
            ) from None
        if filled < len(data):
            raise RuntimeError(f"{failed}: the record ends after {filled} of {len(data)} bytes")
        return data

    _check_format_version(read, [name.removeprefix(f"{prefix}/") for name in names], what)
    if f"{prefix}/.storage_alignment" in names:
        try:
            int(read(".storage_alignment"))  # PyTorch parses it, and fails where it cannot
        except ValueError:
            raise RuntimeError(
                f"PytorchStreamReader failed reading file .storage_alignment of {what}: "
                "not a number"
            ) from None
    if f"{prefix}/byteorder" in names:
        byteorder = read("byteorder").decode("ascii", "replace")
    else:
        byteorder = "little"
    # PyTorch raises ValueError here; minitorch reports every damaged record as RuntimeError
    if byteorder not in ("little", "big"):
        raise RuntimeError(
            f"PytorchStreamReader failed reading file byteorder of {what}: unknown endianness "
            f"type {_brief(byteorder)}"
        )
    storages: dict[str, Storage] = {}

    def load_storage(fields: tuple[StorageType, str, str, int, Any]) -> Storage:
        storage_type, key, location, numel, _ = fields
        if key not in storages:
            record = f"data/{key}"
            if f"{prefix}/{record}" not in names:
                raise RuntimeError(f"PytorchStreamReader failed locating file {record} in {what}")
            itemsize = storage_type.dtype.numpy_dtype.itemsize
            data = read(
                record,
                expected_size=numel * itemsize,
                expected=f"{numel} elements * {itemsize} bytes/element for dtype "
                f"{storage_type.dtype}",
            )
            array = _array_from_record(data, storage_type.dtype, byteorder)
            storages[key] = restore(Storage(array, location), location)
        return storages[key]

    pickled = read("data.pkl")
    if not weights_only:
        return _FullUnpickler(
            io.BytesIO(pickled), load_storage=load_storage, encoding=encoding
        ).load()
    return _WeightsOnlyUnpickler(
        _BoundedReader(io.BytesIO(pickled), len(pickled)),
        load_storage=load_storage,
        encoding=encoding,
        file_size=file_size,
    ).load()


def _check_format_version(read: Callable[[str], bytearray], records: list[str], what: str) -> None:
    """Refuse a file whose format version PyTorch would not read (a missing record is accepted:
    hand-made archives often lack it). PyTorch parses it as C++'s ``>>`` does: blanks, a
    number, anything after."""
    record = next((name for name in (".data/version", "version") if name in records), None)
    if record is None:
        return
    text = read(record).decode("ascii", "replace")
    number = re.match(r"\s*([+-]?\d{1,19})(?!\d)", text)
    if number is None or int(number[1]) not in SUPPORTED_FORMAT_VERSIONS:
        raise RuntimeError(
            f"PytorchStreamReader failed reading file {record} of {what}: file format version "
            f"{_brief(text)}, where PyTorch reads versions {SUPPORTED_FORMAT_VERSIONS.start} to "
            f"{SUPPORTED_FORMAT_VERSIONS.stop - 1}"
        )


def _load_legacy(
    stream: BinaryIO,
    what: str,
    file_size: int,
    restore: Callable[[Storage, str], Storage],
    weights_only: bool,
    encoding: str,
) -> Any:
    """The format PyTorch wrote before 1.6: header pickles, the object, then raw storages."""
    end = stream.tell() + file_size

    def restricted_pickle(load_storage: Callable[[tuple], Storage]) -> Any:
        return _WeightsOnlyUnpickler(
            _BoundedReader(stream, end - stream.tell()),
            load_storage=load_storage,
            encoding=encoding,
            file_size=file_size,
        ).load()

    try:
        magic_number = restricted_pickle(_no_storages)
    except (pickle.UnpicklingError, EOFError) as error:
        raise pickle.UnpicklingError(
            f"{what} is not a checkpoint: neither a zip archive nor a legacy PyTorch pickle "
            f"({type(error).__name__}: {error})"
        ) from None
    if type(magic_number) is not int or magic_number != LEGACY_MAGIC_NUMBER:
        raise RuntimeError(f"Invalid magic number; corrupt file? ({what})")
    protocol_version = restricted_pickle(_no_storages)
    if type(protocol_version) is not int or protocol_version != LEGACY_PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {_brief(protocol_version)} ({what})")
    restricted_pickle(_no_storages)  # sys_info: byte order and type sizes; little-endian assumed
    storages: dict[str, Storage] = {}
    unfilled: set[str] = set()
    storage_bytes_left = end - stream.tell()  # the storages follow the pickle in the file

    def load_storage(fields: tuple[StorageType, str, str, int, Any]) -> Storage:
        nonlocal storage_bytes_left
        storage_type, key, location, numel, view = fields
        if key not in storages:
            nbytes = numel * storage_type.dtype.numpy_dtype.itemsize
            if nbytes > storage_bytes_left:
                raise RuntimeError(
                    f"corrupt checkpoint {what}: storage {key} of {numel} elements needs {nbytes} "
                    "bytes, more than the rest of the file holds"
                )
            storage_bytes_left -= nbytes
            empty = np.zeros(numel, dtype=storage_type.dtype.numpy_dtype)  # filled after the pickle
            storages[key] = restore(Storage(empty, location), location)
            unfilled.add(key)
        if view is None:
            return storages[key]
        view_key, offset, view_size = view  # a storage sharing another's memory
        if view_key not in storages:
            storages[view_key] = Storage(storages[key].array[offset : offset + view_size], location)
        return storages[view_key]

    if weights_only:
        result = restricted_pickle(load_storage)
    else:
        result = _FullUnpickler(stream, load_storage=load_storage, encoding=encoding).load()
    keys = restricted_pickle(_no_storages)
    if type(keys) is not list:
        raise pickle.UnpicklingError(f"corrupt checkpoint {what}: malformed list of storages")
    for key in keys:
        storage = storages.get(str(key)) if isinstance(key, (str, int)) else None
        if storage is None:
            raise RuntimeError(
                f"corrupt checkpoint {what}: storage {_brief(key)} listed but never used"
            )
        header = stream.read(8)
        (numel,) = struct.unpack("<q", header) if len(header) == 8 else (None,)
        if numel != storage.array.size:  # checked before reading what it claims
            raise RuntimeError(f"corrupt checkpoint {what}: storage {key} is truncated or damaged")
        data = stream.read(storage.array.nbytes)
        if len(data) != storage.array.nbytes:
            raise RuntimeError(f"corrupt checkpoint {what}: storage {key} is truncated")
        storage.array[...] = np.frombuffer(data, dtype=storage.array.dtype)
        unfilled.discard(str(key))
    if unfilled:  # PyTorch would hand out uninitialised memory
        raise RuntimeError(
            f"corrupt checkpoint {what}: the data of storage {_brief(sorted(unfilled))} is missing"
        )
    return result


def _no_storages(fields: tuple) -> Storage:
    raise pickle.UnpicklingError("unexpected storage in a checkpoint header")


def load(
    f: FileLike,
    map_location: MapLocation = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load an object saved by :func:`save` or by ``torch.save``; every tensor lands on the CPU.

    Args:
        f: a path, or a binary file-like object with ``read`` and ``seek``.
        map_location: where to put the storages. minitorch has only the CPU, so
            None (the default: CUDA checkpoints load onto the CPU), ``'cpu'``, a dict
            whose targets are the CPU, or a function ``(storage, location) -> storage``.
        pickle_module: only Python's ``pickle`` (or None).
        weights_only: True (default, also for None) loads only tensors, parameters,
            dtypes and plain containers (and what :func:`add_safe_globals` allows), and
            refuses any other global with ``pickle.UnpicklingError`` before it runs.
            False loads anything, whole models included, by running the file's pickle:
            only for files you trust.
        mmap: memory-mapping is not supported (None or False).
        pickle_load_args: ``encoding`` for pickles written by Python 2.

    A damaged or hostile file fails with ``pickle.UnpicklingError`` or ``RuntimeError``
    naming the file, before its declared sizes are allocated: a storage record must hold
    exactly what its tensors need. A file that ends early raises
    :class:`TruncatedCheckpointError`, both an ``UnpicklingError`` and the ``EOFError``
    that PyTorch raises.

    Example::

        >>> state = minitorch.load("model.pth")                        # a state_dict
        >>> model = minitorch.load("tudui_29_gpu.pth", weights_only=False)  # a whole model
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise NotImplementedError(
            "minitorch.load unpickles with Python's pickle only (pickle_module)"
        )
    if mmap:
        raise NotImplementedError(
            "minitorch.load(mmap=True): memory-mapped loading is not supported"
        )
    encoding = pickle_load_args.pop("encoding", "utf-8")
    if pickle_load_args:
        raise TypeError(f"load() got unexpected keyword arguments {sorted(pickle_load_args)}")
    weights_only = True if weights_only is None else weights_only
    restore = _restorer(map_location)
    what = _describe(f)
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "rb") as stream:
            return _load_stream(stream, what, restore, weights_only, encoding)
    if not callable(getattr(f, "read", None)):
        raise AttributeError(f"Buffer of {type(f).__name__} has no callable attribute 'read'")
    return _load_stream(f, what, restore, weights_only, encoding)


def _load_stream(
    stream: BinaryIO,
    what: str,
    restore: Callable[[Storage, str], Storage],
    weights_only: bool,
    encoding: str,
) -> Any:
    start = stream.tell()
    file_size = stream.seek(0, io.SEEK_END) - start
    stream.seek(start)
    magic = stream.read(4)
    stream.seek(start)
    if not magic:
        raise TruncatedCheckpointError(
            f"Ran out of input: {what} is empty, not a checkpoint (was it written completely?)"
        )
    try:
        if magic == b"PK\x03\x04":
            try:
                archive = zipfile.ZipFile(stream)
            except Exception as error:  # zipfile raises many kinds on a damaged directory
                raise RuntimeError(
                    f"PytorchStreamReader failed reading zip archive {what}: "
                    f"{type(error).__name__}: {str(error)[:300]} (the file is truncated or "
                    "corrupted: it was not saved completely, or was damaged in transfer)"
                ) from None
            with archive:
                return _load_zip(archive, what, file_size, restore, weights_only, encoding)
        return _load_legacy(stream, what, file_size, restore, weights_only, encoding)
    except _MapLocationFailed as failure:
        raise failure.__cause__ from None
    except TruncatedCheckpointError:
        raise
    except EOFError:
        raise TruncatedCheckpointError(
            f"Ran out of input while loading {what}: the file is truncated"
        ) from None
    except (pickle.UnpicklingError, RuntimeError, ValueError) as error:
        raise _naming(error, what) from None


def _naming(error: Exception, what: str) -> Exception:
    """``error`` with the file named in its message (it is, when it already names it)."""
    message = str(error)
    if what in message or type(error) not in (
        pickle.UnpicklingError,
        RuntimeError,
        NotImplementedError,
        RecursionError,
        ValueError,
    ):
        return error
    return type(error)(f"{message} (while loading {what})").with_traceback(error.__traceback__)
