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

``load(..., weights_only=True)``, the default, unpickles with an allowlist:
tensors, parameters, dtypes, containers and numbers load, and a file that
names any other global (a class, ``os.system``, ...) is refused with
``pickle.UnpicklingError`` before anything from it runs. Whole models need
``weights_only=False``, which runs the pickle's code: use it only for files
you trust.

Saving writes to a temporary file next to the target and renames it into
place, so a crash mid-save never leaves a truncated checkpoint behind.
"""

from __future__ import annotations

import _compat_pickle
import contextlib
import importlib
import io
import os
import pickle
import struct
import sys
import types
import zipfile
import zlib
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
    tensor = Tensor._make(_view(storage, storage_offset, size, stride))
    if requires_grad:
        tensor.requires_grad = True
    return tensor


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
    offset, size, stride = int(offset), tuple(int(s) for s in size), tuple(int(s) for s in stride)
    array = storage.array
    if (
        len(size) != len(stride)
        or any(s < 0 for s in size)
        or any(s < 0 for s in stride)
        or offset < 0
    ):
        raise RuntimeError(
            f"corrupt checkpoint: invalid tensor geometry size={size} stride={stride}"
        )
    if 0 in size:
        return np.empty(size, dtype=array.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if last >= array.size:
        raise RuntimeError(
            f"corrupt checkpoint: a tensor of size {list(size)} at offset {offset} reaches element "
            f"{last} of a storage of {array.size} elements"
        )
    itemsize = array.itemsize
    # a view whose .base is the storage array, so that saving it again shares the storage
    return np.ndarray(
        size,
        dtype=array.dtype,
        buffer=array,
        offset=offset * itemsize,
        strides=tuple(s * itemsize for s in stride),
    )


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any) -> Parameter:
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(
    data: Tensor, requires_grad: bool, backward_hooks: Any, state: Any
) -> Parameter:
    return _set_obj_state(Parameter(data, requires_grad), state)


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
_user_safe_globals: dict[str, Any] = {}


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Let ``load(weights_only=True)`` build these classes and functions too, as in PyTorch."""
    for obj in safe_globals:
        if isinstance(obj, tuple):
            obj, name = obj
        else:
            name = f"{obj.__module__}.{obj.__qualname__}"
        _user_safe_globals[name] = obj


def get_safe_globals() -> list[Any]:
    return list(_user_safe_globals.values())


def clear_safe_globals() -> None:
    _user_safe_globals.clear()


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
            storage_type = _STORAGE_TYPE_OF_DTYPE[_dtype.from_numpy_dtype(obj.array.dtype)]
            return ("storage", storage_type, obj.key, "cpu", obj.array.size)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Parameter):
            return _rebuild_parameter, (Tensor._make(obj._data), obj.requires_grad, OrderedDict())
        if isinstance(obj, Tensor):
            storage, offset, stride = self._storage_of(obj._data)
            size = tuple(int(n) for n in obj._data.shape)
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
    if isinstance(module, str) and (module == "minitorch" or module.startswith("minitorch.")):
        return "torch" + module.removeprefix("minitorch"), obj.__qualname__
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
        with _atomic_write(path) as stream:
            _write_checkpoint(obj, stream, archive_name_for(path), pickle_protocol)
        return
    if not callable(getattr(f, "write", None)):
        raise AttributeError(f"Buffer of {type(f).__name__} has no callable attribute 'write'")
    _write_checkpoint(obj, f, "archive", pickle_protocol)
    if callable(getattr(f, "flush", None)):
        f.flush()


@contextlib.contextmanager
def _atomic_write(path: str) -> Iterator[BinaryIO]:
    """A file that replaces ``path`` only once completely written and flushed to disk."""
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
    # 0o666 minus the umask, the permissions a plain open() would give the file
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
    )
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


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
class _CheckpointUnpickler(pickle.Unpickler):
    """Unpickles ``data.pkl``: PyTorch's names become minitorch's objects, storages come from
    the archive's records.

    With ``weights_only`` every global must be in the allowlist; anything else
    raises before the pickle can call it.
    """

    def __init__(
        self,
        file: IO[bytes],
        *,
        weights_only: bool,
        load_storage: Callable[[tuple], Storage],
        encoding: str = "utf-8",
    ) -> None:
        super().__init__(file, encoding=encoding)
        self._weights_only = weights_only
        self._load_storage = load_storage

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, tuple) or not pid:
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r} (expected a storage)")
        kind = pid[0].decode("ascii") if isinstance(pid[0], bytes) else pid[0]
        if kind == "module" and not self._weights_only:
            return pid[1]  # legacy whole-model files name each module class with its source
        if kind != "storage":
            raise pickle.UnpicklingError(
                f"Only persistent_load of storage is allowed, but got {kind!r}"
            )
        return self._load_storage(pid[1:])

    def find_class(self, module: str, name: str) -> Any:
        module, name = _python3_name(module, name)
        full_name = f"{module}.{name}"
        if self._weights_only:
            allowed = _WEIGHTS_ONLY_GLOBALS.get(full_name, _user_safe_globals.get(full_name))
            if allowed is None:
                _refuse_storage_dtype(module, name)
                raise pickle.UnpicklingError(
                    f"Weights only load failed: unsupported global GLOBAL {full_name} is not an "
                    "allowed global (weights_only=True loads tensors, parameters, dtypes and plain "
                    "containers only). It was not called. If you trust the file's source, load it "
                    "with weights_only=False, which runs the code the file names; or allowlist "
                    f"the global with minitorch.serialization.add_safe_globals([{full_name}])."
                )
            return allowed
        if full_name in _MINITORCH_OBJECTS:
            return _MINITORCH_OBJECTS[full_name]
        if module == "torch" or module.startswith("torch."):
            _refuse_storage_dtype(module, name)
            return _minitorch_counterpart(module, name)
        return super().find_class(module, name)


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
    package that exports the name, e.g. ``minitorch.nn.Conv2d``)."""
    parts = ("minitorch" + module.removeprefix("torch")).split(".")
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
            result = map_location(storage, location)
            if result is None:
                return storage
            if not isinstance(result, Storage):
                raise TypeError(
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


def _array_from_record(
    data: bytes, dtype: _dtype.dtype, numel: int, byteorder: str, what: str
) -> np.ndarray:
    numpy_dtype = dtype.numpy_dtype
    nbytes = numel * numpy_dtype.itemsize
    if len(data) < nbytes:
        raise RuntimeError(
            f"corrupt checkpoint {what}: storage record holds {len(data)} bytes, its tensor "
            f"needs {nbytes}"
        )
    array = np.frombuffer(bytearray(data[:nbytes]), dtype=numpy_dtype)
    if byteorder != sys.byteorder and numpy_dtype.itemsize > 1:
        array = array.byteswap()
    return array


def _load_zip(
    archive: zipfile.ZipFile,
    what: str,
    restore: Callable[[Storage, str], Storage],
    weights_only: bool,
    encoding: str,
) -> Any:
    names = archive.namelist()
    if not names:
        raise RuntimeError(
            f"PytorchStreamReader failed reading zip archive {what}: the archive is empty"
        )
    prefix = names[0].split("/", 1)[0]
    if f"{prefix}/constants.pkl" in names:
        raise NotImplementedError(
            f"{what} is a TorchScript archive (torch.jit.save); minitorch cannot load it"
        )
    if f"{prefix}/data.pkl" not in names:
        raise RuntimeError(
            f"PytorchStreamReader failed locating file data.pkl in {what}: not a checkpoint"
        )

    def read(record: str) -> bytes:
        try:
            return archive.read(f"{prefix}/{record}")
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            raise RuntimeError(
                f"PytorchStreamReader failed reading file {record} of {what}: {error} (the file "
                "is corrupted or was not written completely)"
            ) from None

    byteorder = read("byteorder").decode() if f"{prefix}/byteorder" in names else "little"
    if byteorder not in ("little", "big"):
        raise ValueError(f"Unknown endianness type: {byteorder}")
    storages: dict[str, Storage] = {}

    def load_storage(fields: tuple) -> Storage:
        storage_type, key, location, numel = _storage_fields(fields, what)
        if key not in storages:
            record = f"data/{key}"
            if f"{prefix}/{record}" not in names:
                raise RuntimeError(f"PytorchStreamReader failed locating file {record} in {what}")
            array = _array_from_record(read(record), storage_type.dtype, numel, byteorder, what)
            storages[key] = restore(Storage(array, location), location)
        return storages[key]

    unpickler = _CheckpointUnpickler(
        io.BytesIO(read("data.pkl")),
        weights_only=weights_only,
        load_storage=load_storage,
        encoding=encoding,
    )
    if not weights_only:
        return unpickler.load()
    try:
        return unpickler.load()
    except (ValueError, KeyError, IndexError) as error:
        # the pickle machine itself failed on a malformed or hostile file (an unknown
        # extension code, a bad memo reference, an empty stack): refused like a forbidden global
        raise pickle.UnpicklingError(
            f"Weights only load failed: malformed pickle in data.pkl of {what} "
            f"({type(error).__name__}: {error})"
        ) from None


def _storage_fields(fields: tuple, what: str) -> tuple[StorageType, str, str, int]:
    if len(fields) < 4 or not isinstance(fields[0], StorageType):
        raise pickle.UnpicklingError(f"corrupt checkpoint {what}: malformed storage id {fields!r}")
    storage_type, key, location, numel = fields[:4]
    key = key.decode("ascii") if isinstance(key, bytes) else str(key)
    location = location.decode("ascii") if isinstance(location, bytes) else str(location)
    if not isinstance(numel, int) or numel < 0:
        raise pickle.UnpicklingError(f"corrupt checkpoint {what}: invalid storage size {numel!r}")
    return storage_type, key, location, numel


def _load_legacy(
    stream: BinaryIO,
    what: str,
    restore: Callable[[Storage, str], Storage],
    weights_only: bool,
    encoding: str,
) -> Any:
    """The format PyTorch wrote before 1.6: header pickles, the object, then raw storages."""

    def header_pickle() -> Any:
        return _CheckpointUnpickler(
            stream, weights_only=True, load_storage=_no_storages, encoding=encoding
        ).load()

    try:
        magic_number = header_pickle()
    except (pickle.UnpicklingError, ValueError, KeyError, IndexError, TypeError) as error:
        raise pickle.UnpicklingError(
            f"{what} is not a checkpoint: neither a zip archive nor a legacy PyTorch pickle "
            f"({type(error).__name__}: {error})"
        ) from None
    if magic_number != LEGACY_MAGIC_NUMBER:
        raise RuntimeError(f"Invalid magic number; corrupt file? ({what})")
    protocol_version = header_pickle()
    if protocol_version != LEGACY_PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {protocol_version} ({what})")
    header_pickle()  # sys_info: byte order and type sizes of the writer; little-endian assumed
    storages: dict[str, Storage] = {}

    def load_storage(fields: tuple) -> Storage:
        storage_type, key, location, numel = _storage_fields(fields, what)
        view = fields[4] if len(fields) > 4 else None
        if key not in storages:
            empty = np.zeros(numel, dtype=storage_type.dtype.numpy_dtype)  # filled after the pickle
            storages[key] = restore(Storage(empty, location), location)
        if view is None:
            return storages[key]
        view_key, offset, view_size = view
        if view_key not in storages:
            storages[view_key] = Storage(storages[key].array[offset : offset + view_size], location)
        return storages[view_key]

    result = _CheckpointUnpickler(
        stream, weights_only=weights_only, load_storage=load_storage, encoding=encoding
    ).load()
    for key in header_pickle():
        storage = storages.get(str(key))
        if storage is None:
            raise RuntimeError(f"corrupt checkpoint {what}: storage {key} listed but never used")
        (numel,) = struct.unpack("<q", stream.read(8))
        data = stream.read(numel * storage.array.itemsize)
        if numel != storage.array.size or len(data) != storage.array.nbytes:
            raise RuntimeError(f"corrupt checkpoint {what}: storage {key} is truncated")
        storage.array[...] = np.frombuffer(data, dtype=storage.array.dtype)
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
            dtypes and plain containers, refusing any other global with
            ``pickle.UnpicklingError``. False loads anything, whole models included,
            by running the file's pickle: only for files you trust.
        mmap: memory-mapping is not supported (None or False).
        pickle_load_args: ``encoding`` for pickles written by Python 2.

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
    magic = stream.read(4)
    stream.seek(start)
    if not magic:
        raise EOFError(
            f"Ran out of input: {what} is empty, not a checkpoint (was it written completely?)"
        )
    try:
        if magic == b"PK\x03\x04":
            try:
                archive = zipfile.ZipFile(stream)
            except zipfile.BadZipFile as error:
                raise RuntimeError(
                    f"PytorchStreamReader failed reading zip archive {what}: {error} (the file is "
                    "truncated or corrupted: it was not saved completely, or was damaged in "
                    "transfer)"
                ) from None
            with archive:
                return _load_zip(archive, what, restore, weights_only, encoding)
        return _load_legacy(stream, what, restore, weights_only, encoding)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(f"{error} (while loading {what})") from None
    except EOFError:
        raise EOFError(f"Ran out of input while loading {what}: the file is truncated") from None
