"""``Tensor``: a numpy array plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

This file is the whole of what a Tensor can do: storage, attributes and conversions,
then every operation written out as a method (``+``, ``exp``, ``sum``, ``reshape``,
indexing, ``@``, ``backward``, ...). Each operation method is one call into the
functional floor, ``minitorch/_functional/<family>.py``, which checks the arguments
and applies one ``Function`` of ``minitorch/_ops/``; ``minitorch.add`` is the same
function as ``Tensor.add``. See docs/architecture.md.
"""

from __future__ import annotations

import builtins
import math
import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from minitorch import _dtype, _memory_format
from minitorch._device import check_cpu, cpu, device
from minitorch._dtype import dtype
from minitorch._memory_format import (
    contiguous_format,
    is_contiguous_as,
    memory_format,
    preserve_format,
    suggest_memory_format,
)
from minitorch._size import Size
from minitorch._storage import UntypedStorage, VersionCounter, storage_array
from minitorch._tensor_str import tensor_repr
from minitorch.utils.hooks import RemovableHandle

if TYPE_CHECKING:
    from collections.abc import Sequence

    from minitorch._functional.elementwise import Scalar
    from minitorch._functional.reduce import (
        Dims,
        MaxOrMin,
        max_values_indices,
        min_values_indices,
    )


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    ``_data`` is the numpy array holding the values: a view (offset, sizes, strides) of a
    storage that other tensors may share. ``_version_counter`` counts the in-place writes
    into that storage and is shared with this tensor's views. A view made by a view op
    also knows its ``_base`` (the tensor that owns the storage) and, in ``_view_info``,
    how autograd sees it. ``grad_fn`` is the graph node that made the tensor (None for
    leaves), ``grad`` the accumulated gradient of a leaf.
    """

    _data: np.ndarray
    __array_priority__ = 1000  # numpy defers ``ndarray + Tensor`` to Tensor.__radd__
    # Class-level defaults: most tensors are not views, and these cost nothing per tensor.
    _base: Tensor | None = None
    _view_info: Any = None  # minitorch.autograd.views.ViewInfo for views
    _grad_fn: Any = None

    def __init__(self, *args: Any, requires_grad: bool = False):
        # The legacy constructor: Tensor(2, 3) is uninitialised, Tensor([1, 2]) copies as float32.
        if len(args) == 1 and not isinstance(args[0], int):
            data = np.array(args[0], dtype=_dtype.get_default_dtype().numpy_dtype)
        else:
            data = np.empty(args, dtype=_dtype.get_default_dtype().numpy_dtype)
        self._init(data, requires_grad)

    def _init(self, data: np.ndarray, requires_grad: bool = False) -> None:
        self._data = data
        self._version_counter = VersionCounter()
        self._requires_grad = requires_grad
        self._grad: Tensor | None = None
        self._output_nr = 0
        self._grad_accumulator: weakref.ref | None = None
        self._retains_grad = False
        self._backward_hooks: dict[int, Callable] = {}

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Wrap an array (of a supported dtype) without copying or checking."""
        t = cls.__new__(cls)
        t._init(data, requires_grad)
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @overload
    def size(self, dim: None = None) -> Size: ...
    @overload
    def size(self, dim: int) -> int: ...
    def size(self, dim: int | None = None) -> Size | int:
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    @property
    def dtype(self) -> dtype:
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> device:
        return cpu

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad_fn(self) -> Any:
        """The node that made this tensor. A view whose storage was written in place since
        its node was recorded gets a new one from its base (PyTorch's AsStridedBackward0)."""
        info = self._view_info
        if info is not None and info.version != self._version_counter.value:
            info.refresh(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node: Any) -> None:
        self._grad_fn = node

    @property
    def grad(self) -> Tensor | None:
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_assigned_grad(self, value)
        self._grad = value

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def element_size(self) -> int:
        return self._data.itemsize

    @overload
    def stride(self, dim: None = None) -> tuple[int, ...]: ...
    @overload
    def stride(self, dim: int) -> int: ...
    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[self._wrap_dim(dim)]

    def is_contiguous(self, *, memory_format: memory_format = contiguous_format) -> bool:
        """Whether the elements lie densely in memory in ``memory_format``'s order (row-major
        by default)."""
        if not isinstance(memory_format, _memory_format.memory_format):
            raise TypeError(
                "is_contiguous(): argument 'memory_format' must be minitorch.memory_format, not "
                f"{type(memory_format).__name__}"
            )
        c_contiguous = bool(self._data.flags.c_contiguous)
        return is_contiguous_as(memory_format, self._data.shape, self.stride(), c_contiguous)

    def resize_(self, *sizes: builtins.int) -> Tensor:
        """This tensor given the shape ``sizes``, row-major; the elements it had keep their
        places in the storage, which is kept where it is large enough (new elements hold
        whatever the memory held)."""
        if self._requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        if tuple(sizes) != self._data.shape:  # the same shape is no write, as in PyTorch
            self._resize(tuple(sizes))
            self._bump_version()
        return self

    def _resize(self, shape: tuple[builtins.int, ...]) -> None:
        """``resize_`` without the version bump (an ``out=`` write counts once, for its copy)."""
        if shape == self._data.shape:
            return
        if any(n < 0 for n in shape):
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}"
            )
        owner = storage_array(self._data)
        offset = self.data_ptr() - owner.__array_interface__["data"][0]
        needed = offset + math.prod(shape) * self._data.itemsize
        if owner.flags.c_contiguous and owner.nbytes >= needed:
            memory = owner.reshape(-1).view(np.uint8)
        else:  # a larger storage, holding the old one's bytes where they were
            memory = np.empty(needed, np.uint8)
            if owner.flags.c_contiguous:
                memory[: owner.nbytes] = owner.reshape(-1).view(np.uint8)
        self._data = memory[offset:needed].view(self._data.dtype).reshape(shape)

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def untyped_storage(self) -> UntypedStorage:
        return UntypedStorage(self._data)

    def storage_offset(self) -> int:
        return (self.data_ptr() - self.untyped_storage().data_ptr()) // self._data.itemsize

    @property
    def _version(self) -> int:
        """In-place writes into this tensor's storage so far (shared with its views)."""
        return self._version_counter.value

    def _bump_version(self) -> None:
        """Record an in-place write (every path that writes into ``_data`` calls this)."""
        self._version_counter.value += 1

    def _is_view(self) -> bool:
        return self._base is not None

    def _wrap_dim(self, dim: int) -> int:
        ndim = max(self._data.ndim, 1)
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                f"but got {dim})"
            )
        return dim % ndim

    # ------------------------------------------------------------------ autograd
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not self.is_leaf:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._requires_grad and not self.is_leaf:
            return self  # already so: PyTorch's requires_grad_() allows saying it again
        self.requires_grad = requires_grad
        return self

    @property
    def data(self) -> Tensor:
        """The same values as a tensor outside the graph (shares storage)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    def detach(self) -> Tensor:
        """A new tensor sharing storage and version counter with this one, cut from the graph."""
        detached = Tensor._make(self._data)
        detached._version_counter = self._version_counter
        return detached

    def detach_(self) -> Tensor:
        if self._view_info is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        self._grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self._retains_grad = True
            self.grad_fn._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            hooks = self._backward_hooks
        else:
            hooks = self.grad_fn._tensor_pre_hooks.setdefault(self._output_nr, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # --------------------------------------------------------------- conversions
    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array (shared, not copied), like ``torch.Tensor.numpy``."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``, then
        ``non_blocking`` and ``copy``; keyword ``memory_format``.

        The tensor itself comes back when nothing changes: the same dtype, no ``copy`` and
        a memory format that its strides already follow.
        """
        target_dtype = kwargs.pop("dtype", None)
        target_device = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        fmt = kwargs.pop("memory_format", preserve_format)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        flags = []  # non_blocking, copy: positional after the target
        for arg in args:
            if isinstance(arg, builtins.bool):  # the class's own bool() hides the name
                flags.append(arg)
            elif isinstance(arg, Tensor):
                target_dtype, target_device = arg.dtype, arg.device
            elif isinstance(arg, dtype):
                target_dtype = arg
            elif isinstance(arg, (str, device)):
                target_device = arg
            else:
                raise TypeError(f"to() received an invalid argument: {arg!r}")
        if len(flags) > 2:
            raise TypeError(f"to() received an invalid combination of arguments: {args!r}")
        if len(flags) == 2:
            copy = flags[1]
        if target_device is not None:
            check_cpu(target_device)
        fmt = _elementwise.check_memory_format("to", fmt, self._data.ndim)
        target = self.dtype if target_dtype is None else _dtype.as_dtype(target_dtype)
        unchanged = (
            fmt is preserve_format or suggest_memory_format(self._data.shape, self.stride()) is fmt
        )
        if target.numpy_dtype == self._data.dtype and not copy and unchanged:
            return self
        return _elementwise.cast(self, target, fmt)

    def _cast(self, target: dtype) -> Tensor:
        return _elementwise.cast(self, target)

    def type(self, dtype: dtype | None = None) -> Any:  # noqa: A002
        if dtype is None:  # PyTorch's legacy type name: torch.FloatTensor, torch.LongTensor
            return f"minitorch.{_dtype.SCALAR_TYPE_NAMES[self.dtype]}Tensor"
        return self.to(dtype)

    def _converted(self, name: str, target: dtype, fmt: memory_format) -> Tensor:
        """``self.float()`` and the like: ``to(target, memory_format=fmt)``, with the method's
        own name in its errors."""
        _elementwise.check_memory_format(name, fmt, self._data.ndim)
        return self.to(target, memory_format=fmt)

    def float(self, *, memory_format: memory_format = preserve_format) -> Tensor:
        return self._converted("float", _dtype.float32, memory_format)

    def double(self, *, memory_format: memory_format = preserve_format) -> Tensor:
        return self._converted("double", _dtype.float64, memory_format)

    def half(self, *, memory_format: memory_format = preserve_format) -> Tensor:
        return self._converted("half", _dtype.float16, memory_format)

    def long(self, *, memory_format: memory_format = preserve_format) -> Tensor:
        return self._converted("long", _dtype.int64, memory_format)

    def int(self, *, memory_format: memory_format = preserve_format) -> Tensor:
        return self._converted("int", _dtype.int32, memory_format)

    def short(self, *, memory_format: memory_format = preserve_format) -> Tensor:
        return self._converted("short", _dtype.int16, memory_format)

    def char(self, *, memory_format: memory_format = preserve_format) -> Tensor:
        return self._converted("char", _dtype.int8, memory_format)

    def bool(self, *, memory_format: memory_format = preserve_format) -> Tensor:
        return self._converted("bool", _dtype.bool, memory_format)

    def byte(self, *, memory_format: memory_format = preserve_format) -> Tensor:
        return self._converted("byte", _dtype.uint8, memory_format)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: object = None, non_blocking: bool = False) -> Tensor:
        check_cpu(
            "cuda"
            if device is None
            else device
            if not isinstance(device, int)
            else f"cuda:{device}"
        )
        return self

    # ============================================ operations: each enters the functional floor
    # ---------- arithmetic, math, comparisons (minitorch/_functional/elementwise.py)
    def add(self, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
        """See :func:`minitorch.add`."""
        return _elementwise.add(self, other, alpha=alpha)

    def sub(self, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
        """See :func:`minitorch.sub`."""
        return _elementwise.sub(self, other, alpha=alpha)

    def mul(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.mul`."""
        return _elementwise.mul(self, other)

    def div(self, other: Tensor | Scalar, *, rounding_mode: str | None = None) -> Tensor:
        """See :func:`minitorch.div`."""
        return _elementwise.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.pow`."""
        return _elementwise.pow(self, exponent)

    __add__ = add
    __sub__ = sub
    __mul__ = mul
    __truediv__ = div
    true_divide = div
    __pow__ = pow
    multiply = mul
    subtract = sub
    divide = div

    def __radd__(self, other: Scalar) -> Tensor:
        _check_self("__radd__", self)
        return _elementwise.add(self, other)

    def __rmul__(self, other: Scalar) -> Tensor:
        _check_self("__rmul__", self)
        return _elementwise.mul(self, other)

    def __rsub__(self, other: Scalar) -> Tensor:
        return _elementwise.rsub(self, other)

    def __rtruediv__(self, other: Scalar) -> Tensor:
        return _elementwise.rtruediv(self, other)

    def __rpow__(self, other: Scalar) -> Tensor:
        return _elementwise.rpow(self, other)

    def __floordiv__(self, other: Tensor | Scalar) -> Tensor:
        return _elementwise.floor_divide(self, other)

    def __rfloordiv__(self, other: Scalar) -> Tensor:
        return _elementwise.rfloordiv(self, other)

    def remainder(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.remainder`."""
        return _elementwise.remainder(self, other)

    def floor_divide(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.floor_divide`."""
        return _elementwise.floor_divide(self, other)

    __mod__ = remainder

    def __rmod__(self, other: Scalar) -> Tensor:
        return _elementwise.rmod(self, other)

    def neg(self) -> Tensor:
        """See :func:`minitorch.neg`."""
        return _elementwise.neg(self)

    __neg__ = neg
    negative = neg

    def exp(self) -> Tensor:
        """See :func:`minitorch.exp`."""
        return _elementwise.exp(self)

    def log(self) -> Tensor:
        """See :func:`minitorch.log`."""
        return _elementwise.log(self)

    def sqrt(self) -> Tensor:
        """See :func:`minitorch.sqrt`."""
        return _elementwise.sqrt(self)

    def abs(self) -> Tensor:
        """See :func:`minitorch.abs`."""
        return _elementwise.abs(self)

    __abs__ = abs
    absolute = abs

    def tanh(self) -> Tensor:
        """See :func:`minitorch.tanh`."""
        return _elementwise.tanh(self)

    def sigmoid(self) -> Tensor:
        """See :func:`minitorch.sigmoid`."""
        return _elementwise.sigmoid(self)

    def relu(self) -> Tensor:
        """See :func:`minitorch.relu`."""
        return _elementwise.relu(self)

    def clamp(
        self,
        min: Tensor | Scalar | None = None,  # noqa: A002
        max: Tensor | Scalar | None = None,  # noqa: A002
    ) -> Tensor:
        """See :func:`minitorch.clamp`."""
        return _elementwise.clamp(self, min, max)

    clip = clamp

    def clone(self, *, memory_format: memory_format | None = preserve_format) -> Tensor:
        """See :func:`minitorch.clone`."""
        return _elementwise.clone(self, memory_format=memory_format)

    def contiguous(self, *, memory_format: memory_format = contiguous_format) -> Tensor:
        """See :func:`minitorch.contiguous`."""
        return _elementwise.contiguous(self, memory_format=memory_format)

    def eq(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.eq`."""
        return _elementwise.eq(self, other)

    def ne(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.ne`."""
        return _elementwise.ne(self, other)

    def lt(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.lt`."""
        return _elementwise.lt(self, other)

    def le(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.le`."""
        return _elementwise.le(self, other)

    def gt(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.gt`."""
        return _elementwise.gt(self, other)

    def ge(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.ge`."""
        return _elementwise.ge(self, other)

    def not_equal(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.not_equal`."""
        return _elementwise.not_equal(self, other)

    def less(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.less`."""
        return _elementwise.less(self, other)

    def less_equal(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.less_equal`."""
        return _elementwise.less_equal(self, other)

    def greater(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.greater`."""
        return _elementwise.greater(self, other)

    def greater_equal(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.greater_equal`."""
        return _elementwise.greater_equal(self, other)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        # ``x == None`` is False and ``x < None`` a TypeError, as in PyTorch
        if not _elementwise.is_operand(other):
            return NotImplemented
        return _elementwise.eq(self, other)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        # ``x == None`` is False and ``x < None`` a TypeError, as in PyTorch
        if not _elementwise.is_operand(other):
            return NotImplemented
        return _elementwise.ne(self, other)

    def __lt__(self, other: object) -> Tensor:  # type: ignore[override]
        # ``x == None`` is False and ``x < None`` a TypeError, as in PyTorch
        if not _elementwise.is_operand(other):
            return NotImplemented
        return _elementwise.lt(self, other)

    def __le__(self, other: object) -> Tensor:  # type: ignore[override]
        # ``x == None`` is False and ``x < None`` a TypeError, as in PyTorch
        if not _elementwise.is_operand(other):
            return NotImplemented
        return _elementwise.le(self, other)

    def __gt__(self, other: object) -> Tensor:  # type: ignore[override]
        # ``x == None`` is False and ``x < None`` a TypeError, as in PyTorch
        if not _elementwise.is_operand(other):
            return NotImplemented
        return _elementwise.gt(self, other)

    def __ge__(self, other: object) -> Tensor:  # type: ignore[override]
        # ``x == None`` is False and ``x < None`` a TypeError, as in PyTorch
        if not _elementwise.is_operand(other):
            return NotImplemented
        return _elementwise.ge(self, other)

    def equal(self, other: Tensor) -> bool:
        """See :func:`minitorch.equal`."""
        return _elementwise.equal(self, other)

    def allclose(
        self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        """See :func:`minitorch.allclose`."""
        return _elementwise.allclose(self, other, rtol, atol, equal_nan)

    def isnan(self) -> Tensor:
        """See :func:`minitorch.isnan`."""
        return _elementwise.isnan(self)

    def isinf(self) -> Tensor:
        """See :func:`minitorch.isinf`."""
        return _elementwise.isinf(self)

    def isfinite(self) -> Tensor:
        """See :func:`minitorch.isfinite`."""
        return _elementwise.isfinite(self)

    def logical_not(self) -> Tensor:
        """See :func:`minitorch.logical_not`."""
        return _elementwise.logical_not(self)

    def logical_and(self, other: Tensor) -> Tensor:
        """See :func:`minitorch.logical_and`."""
        return _elementwise.logical_and(self, other)

    def logical_or(self, other: Tensor) -> Tensor:
        """See :func:`minitorch.logical_or`."""
        return _elementwise.logical_or(self, other)

    def logical_xor(self, other: Tensor) -> Tensor:
        """See :func:`minitorch.logical_xor`."""
        return _elementwise.logical_xor(self, other)

    def __and__(self, other: Tensor | Scalar) -> Tensor:
        return _elementwise.bitwise_and(self, other)

    def __or__(self, other: Tensor | Scalar) -> Tensor:
        return _elementwise.bitwise_or(self, other)

    def __xor__(self, other: Tensor | Scalar) -> Tensor:
        return _elementwise.bitwise_xor(self, other)

    def __invert__(self) -> Tensor:
        return _elementwise.bitwise_not(self)

    def where(self, condition: Tensor, y: Tensor | Scalar) -> Tensor:
        """``self`` where ``condition`` holds, else ``y``: ``where(condition, self, y)``."""
        return _elementwise.where(condition, self, y)

    def maximum(self, other: Tensor) -> Tensor:
        """See :func:`minitorch.maximum`."""
        return _elementwise.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        """See :func:`minitorch.minimum`."""
        return _elementwise.minimum(self, other)

    # ---------- in place (minitorch/_functional/inplace.py)
    def add_(self, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
        """See :func:`minitorch.add_`."""
        return _inplace.add_(self, other, alpha=alpha)

    def sub_(self, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
        """See :func:`minitorch.sub_`."""
        return _inplace.sub_(self, other, alpha=alpha)

    subtract_ = sub_

    def mul_(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.mul_`."""
        return _inplace.mul_(self, other)

    multiply_ = mul_

    def div_(self, other: Tensor | Scalar, *, rounding_mode: str | None = None) -> Tensor:
        """See :func:`minitorch.div_`."""
        return _inplace.div_(self, other, rounding_mode=rounding_mode)

    divide_ = div_

    def true_divide_(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.div_`."""
        return _inplace.div_(self, other)

    def clamp_(
        self,
        min: Tensor | Scalar | None = None,  # noqa: A002
        max: Tensor | Scalar | None = None,  # noqa: A002
    ) -> Tensor:
        """See :func:`minitorch.clamp_`."""
        return _inplace.clamp_(self, min, max)

    clip_ = clamp_

    def remainder_(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.remainder`."""
        return _inplace.remainder_(self, other)

    def floor_divide_(self, other: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.floor_divide`."""
        return _inplace.floor_divide_(self, other)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_
    __imod__ = remainder_
    __ifloordiv__ = floor_divide_

    def zero_(self) -> Tensor:
        """See :func:`minitorch.zero_`."""
        return _inplace.zero_(self)

    def fill_(self, value: Scalar | Tensor) -> Tensor:
        """See :func:`minitorch.fill_`."""
        return _inplace.fill_(self, value)

    def copy_(self, src: Tensor, non_blocking: bool = False) -> Tensor:
        """See :func:`minitorch.copy_`."""
        return _inplace.copy_(self, src, non_blocking)

    def neg_(self) -> Tensor:
        """See :func:`minitorch.neg_`."""
        return _inplace.neg_(self)

    negative_ = neg_

    def abs_(self) -> Tensor:
        """See :func:`minitorch.abs_`."""
        return _inplace.abs_(self)

    absolute_ = abs_

    def exp_(self) -> Tensor:
        """See :func:`minitorch.exp_`."""
        return _inplace.exp_(self)

    def log_(self) -> Tensor:
        """See :func:`minitorch.log_`."""
        return _inplace.log_(self)

    def sqrt_(self) -> Tensor:
        """See :func:`minitorch.sqrt_`."""
        return _inplace.sqrt_(self)

    def tanh_(self) -> Tensor:
        """See :func:`minitorch.tanh_`."""
        return _inplace.tanh_(self)

    def sigmoid_(self) -> Tensor:
        """See :func:`minitorch.sigmoid_`."""
        return _inplace.sigmoid_(self)

    def relu_(self) -> Tensor:
        """See :func:`minitorch.relu_`."""
        return _inplace.relu_(self)

    def pow_(self, exponent: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.pow_`."""
        return _inplace.pow_(self, exponent)

    __ipow__ = pow_

    def eq_(self, other: Tensor | Scalar) -> Tensor:
        """``self == other`` written into ``self`` (1 or 0 in its dtype)."""
        return _inplace.eq_(self, other)

    def ne_(self, other: Tensor | Scalar) -> Tensor:
        """``self != other`` written into ``self`` (1 or 0 in its dtype)."""
        return _inplace.ne_(self, other)

    def lt_(self, other: Tensor | Scalar) -> Tensor:
        """``self < other`` written into ``self`` (1 or 0 in its dtype)."""
        return _inplace.lt_(self, other)

    def le_(self, other: Tensor | Scalar) -> Tensor:
        """``self <= other`` written into ``self`` (1 or 0 in its dtype)."""
        return _inplace.le_(self, other)

    def gt_(self, other: Tensor | Scalar) -> Tensor:
        """``self > other`` written into ``self`` (1 or 0 in its dtype)."""
        return _inplace.gt_(self, other)

    def ge_(self, other: Tensor | Scalar) -> Tensor:
        """``self >= other`` written into ``self`` (1 or 0 in its dtype)."""
        return _inplace.ge_(self, other)

    not_equal_ = ne_
    less_ = lt_
    less_equal_ = le_
    greater_ = gt_
    greater_equal_ = ge_

    def logical_not_(self) -> Tensor:
        """``logical_not(self)`` written into ``self``."""
        return _inplace.logical_not_(self)

    def logical_and_(self, other: Tensor) -> Tensor:
        """``logical_and(self, other)`` written into ``self``."""
        return _inplace.logical_and_(self, other)

    def logical_or_(self, other: Tensor) -> Tensor:
        """``logical_or(self, other)`` written into ``self``."""
        return _inplace.logical_or_(self, other)

    def logical_xor_(self, other: Tensor) -> Tensor:
        """``logical_xor(self, other)`` written into ``self``."""
        return _inplace.logical_xor_(self, other)

    # ---------- reductions (minitorch/_functional/reduce.py)
    def sum(
        self, dim: Dims = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """See :func:`minitorch.sum`."""
        return _reduce.sum(self, dim, keepdim, dtype=dtype)

    def mean(
        self, dim: Dims = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """See :func:`minitorch.mean`."""
        return _reduce.mean(self, dim, keepdim, dtype=dtype)

    def prod(
        self, dim: int | None = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """See :func:`minitorch.prod`."""
        return _reduce.prod(self, dim, keepdim, dtype=dtype)

    # Without ``dim`` the largest element; with one, (values, indices); with a tensor, maximum.
    @overload
    def max(self, dim: None = None, keepdim: bool = False) -> Tensor: ...
    @overload
    def max(self, dim: Tensor, keepdim: bool = False) -> Tensor: ...
    @overload
    def max(self, dim: int, keepdim: bool = False) -> max_values_indices: ...
    def max(self, dim: int | Tensor | None = None, keepdim: bool = False) -> MaxOrMin:
        """See :func:`minitorch.max`."""
        return _reduce.max(self, dim, keepdim)

    @overload
    def min(self, dim: None = None, keepdim: bool = False) -> Tensor: ...
    @overload
    def min(self, dim: Tensor, keepdim: bool = False) -> Tensor: ...
    @overload
    def min(self, dim: int, keepdim: bool = False) -> min_values_indices: ...
    def min(self, dim: int | Tensor | None = None, keepdim: bool = False) -> MaxOrMin:
        """See :func:`minitorch.min`."""
        return _reduce.min(self, dim, keepdim)

    def amax(self, dim: Dims = (), keepdim: bool = False) -> Tensor:
        """See :func:`minitorch.amax`."""
        return _reduce.amax(self, dim, keepdim)

    def amin(self, dim: Dims = (), keepdim: bool = False) -> Tensor:
        """See :func:`minitorch.amin`."""
        return _reduce.amin(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """See :func:`minitorch.argmax`."""
        return _reduce.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """See :func:`minitorch.argmin`."""
        return _reduce.argmin(self, dim, keepdim)

    def var(
        self,
        dim: Dims = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | float | None = None,
    ) -> Tensor:
        """See :func:`minitorch.var`."""
        return _reduce.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self,
        dim: Dims = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | float | None = None,
    ) -> Tensor:
        """See :func:`minitorch.std`."""
        return _reduce.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: Dims, keepdim: bool = False) -> Tensor:
        """See :func:`minitorch.logsumexp`."""
        return _reduce.logsumexp(self, dim, keepdim)

    def softmax(self, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
        """See :func:`minitorch.softmax`."""
        return _reduce.softmax_method(self, dim, dtype)

    def log_softmax(self, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
        """See :func:`minitorch.log_softmax`."""
        return _reduce.log_softmax_method(self, dim, dtype)

    def any(self, dim: Dims = None, keepdim: bool = False) -> Tensor:
        """See :func:`minitorch.any`."""
        return _reduce.any(self, dim, keepdim)

    def all(self, dim: Dims = None, keepdim: bool = False) -> Tensor:
        """See :func:`minitorch.all`."""
        return _reduce.all(self, dim, keepdim)

    # ---------- shape and views (minitorch/_functional/shape.py)
    def view(self, *shape: int) -> Tensor:
        """See :func:`minitorch.view`."""
        return _shape.view(self, *shape)

    def reshape(self, *shape: int) -> Tensor:
        """See :func:`minitorch.reshape`."""
        return _shape.reshape(self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        """See :func:`minitorch.view_as`."""
        return _shape.view_as(self, other)

    def reshape_as(self, other: Tensor) -> Tensor:
        """See :func:`minitorch.reshape_as`."""
        return _shape.reshape_as(self, other)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """See :func:`minitorch.flatten`."""
        return _shape.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """See :func:`minitorch.unflatten`."""
        return _shape.unflatten(self, dim, sizes)

    def unsqueeze(self, dim: int) -> Tensor:
        """See :func:`minitorch.unsqueeze`."""
        return _shape.unsqueeze(self, dim)

    def squeeze(self, dim: int | Sequence[int] | None = None) -> Tensor:
        """See :func:`minitorch.squeeze`."""
        return _shape.squeeze(self, dim)

    def permute(self, *dims: int) -> Tensor:
        """See :func:`minitorch.permute`."""
        return _shape.permute(self, *dims)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """See :func:`minitorch.transpose`."""
        return _shape.transpose(self, dim0, dim1)

    swapaxes = transpose
    swapdims = transpose

    def t(self) -> Tensor:
        """See :func:`minitorch.t`."""
        return _shape.t(self)

    # in-place view ops: this tensor takes the view's sizes and strides (no element moves)
    def unsqueeze_(self, dim: int) -> Tensor:
        """:meth:`unsqueeze` in place."""
        return _shape.unsqueeze_(self, dim)

    def squeeze_(self, dim: int | Sequence[int] | None = None) -> Tensor:
        """:meth:`squeeze` in place."""
        return _shape.squeeze_(self, dim)

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        """:meth:`transpose` in place."""
        return _shape.transpose_(self, dim0, dim1)

    swapaxes_ = transpose_
    swapdims_ = transpose_

    def t_(self) -> Tensor:
        """:meth:`t` in place."""
        return _shape.t_(self)

    def expand(self, *sizes: int) -> Tensor:
        """See :func:`minitorch.expand`."""
        return _shape.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        """See :func:`minitorch.expand_as`."""
        return _shape.expand_as(self, other)

    def broadcast_to(self, size: Sequence[int]) -> Tensor:
        """See :func:`minitorch.broadcast_to`."""
        return _shape.broadcast_to(self, size)

    def repeat(self, *repeats: int) -> Tensor:
        """See :func:`minitorch.repeat`."""
        return _shape.repeat(self, *repeats)

    def flip(self, *dims: int | Sequence[int], **kwargs: Sequence[int]) -> Tensor:
        """See :func:`minitorch.flip`: the dims as ints, as one sequence or as ``dims=``."""
        return _shape.flip_method(self, *dims, **kwargs)

    def split(self, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`minitorch.split_method`."""
        return _shape.split_method(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`minitorch.chunk`."""
        return _shape.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`minitorch.unbind`."""
        return _shape.unbind(self, dim)

    @property
    def T(self) -> Tensor:
        return _shape.reversed_dims(self)

    @property
    def mT(self) -> Tensor:
        return _shape.matrix_transpose(self)

    # ---------- indexing (minitorch/_functional/indexing.py)
    def __getitem__(self, key: Any) -> Tensor:
        return _indexing.getitem(self, key)

    def __setitem__(self, key: Any, value: Tensor | Scalar) -> None:
        return _indexing.setitem(self, key, value)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """See :func:`minitorch.index_select`."""
        return _indexing.index_select(self, dim, index)

    def gather(self, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
        """See :func:`minitorch.gather`."""
        return _indexing.gather(self, dim, index, sparse_grad=sparse_grad)

    def masked_fill(self, mask: Tensor, value: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.masked_fill`."""
        return _indexing.masked_fill(self, mask, value)

    def masked_fill_(self, mask: Tensor, value: Tensor | Scalar) -> Tensor:
        """See :func:`minitorch.masked_fill_`."""
        return _indexing.masked_fill_(self, mask, value)

    def masked_select(self, mask: Tensor) -> Tensor:
        """See :func:`minitorch.masked_select`."""
        return _indexing.masked_select(self, mask)

    def nonzero(self, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
        """See :func:`minitorch.nonzero`."""
        return _indexing.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Tensor:
        """See :func:`minitorch.argwhere`."""
        return _indexing.argwhere(self)

    # ---------- matrix products (minitorch/_functional/linalg.py)
    def matmul(self, other: Tensor) -> Tensor:
        """See :func:`minitorch.matmul`."""
        return _linalg.matmul(self, other)

    __matmul__ = matmul

    def __rmatmul__(self, other: Tensor) -> Tensor:
        return _linalg.rmatmul(self, other)

    def mm(self, mat2: Tensor) -> Tensor:
        """See :func:`minitorch.mm`."""
        return _linalg.mm(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        """See :func:`minitorch.bmm`."""
        return _linalg.bmm(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        """See :func:`minitorch.mv`."""
        return _linalg.mv(self, vec)

    def dot(self, tensor: Tensor) -> Tensor:
        """See :func:`minitorch.dot`."""
        return _linalg.dot(self, tensor)

    def outer(self, vec2: Tensor) -> Tensor:
        """See :func:`minitorch.outer`."""
        return _linalg.outer(self, vec2)

    ger = outer

    def trace(self) -> Tensor:
        """See :func:`minitorch.trace`."""
        return _linalg.trace(self)

    # ---------- backward (minitorch/autograd/engine.py)
    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Sequence[Tensor] | None = None,
    ) -> None:
        """See :func:`minitorch.Tensor.backward`."""
        return _engine.tensor_backward(self, gradient, retain_graph, create_graph, inputs)

    # --------------------------------------------------------- Python protocols
    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if self._data.size > 1
                else "Boolean value of Tensor with no values is ambiguous"
            )
        return bool(self._data.reshape(()))

    def _python_number(self) -> float | int | bool:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        if self._requires_grad:
            warnings.warn(
                "Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                "behavior.\nConsider using tensor.detach() first.",
                UserWarning,
                stacklevel=2,
            )
        return float(self._python_number())

    def __int__(self) -> int:
        return int(self._python_number())

    def __complex__(self) -> complex:
        return complex(self._python_number())

    def __format__(self, format_spec: str) -> str:
        # A 0-d tensor formats as its Python number, as in PyTorch: "{}".format(accuracy)
        # prints 0.0923076942563057, and f"{loss:.3f}" works.
        if self._data.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __reduce_ex__(self, protocol: int) -> Any:
        # Pickle as (array, requires_grad); minitorch.save writes PyTorch's own format instead.
        return (_rebuild_tensor, (self._data, self._requires_grad))

    def __deepcopy__(self, memo: dict) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment."
            )
        new = type(self)._make(self._data.copy(), self._requires_grad)
        if self._grad is not None:
            new._grad = Tensor._make(self._grad._data.copy())
        # The copy owns new memory: it is no view, whatever this tensor is.
        kept = new.__dict__.keys() | {"_base", "_view_info"}
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k not in kept})
        memo[id(self)] = new
        return new


def _check_assigned_grad(tensor: Tensor, grad: object) -> None:
    """PyTorch's checks on ``tensor.grad = grad``: a Tensor of the same size and dtype."""
    if not isinstance(grad, Tensor):
        raise TypeError(
            "assigned grad expected to be a Tensor or None but got grad of type "
            f"{type(grad).__module__}.{type(grad).__qualname__}"
        )
    if grad._data.shape != tensor._data.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(grad._data.shape)}' to a tensor of "
            f"size '{list(tensor._data.shape)}'. Please ensure that the gradient and the tensor "
            "are the same size"
        )
    if grad._data.dtype != tensor._data.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{grad.dtype}' to a tensor with dtype "
            f"'{tensor.dtype}'. Please ensure that the gradient and the tensor have the same "
            "dtype"
        )


def _rebuild_tensor(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(data, requires_grad)


def is_tensor(obj: object, /) -> bool:
    return isinstance(obj, Tensor)


def _check_self(name: str, self: object) -> None:
    """PyTorch's TypeError for ``Tensor.__radd__(2, t)``: its reflected add and multiply are
    C descriptors, which refuse a ``self`` that is no tensor (a Python method would take it)."""
    if not isinstance(self, Tensor):
        raise TypeError(
            f"descriptor '{name}' for 'Tensor' objects doesn't apply to a "
            f"'{type(self).__name__}' object"
        )


# The operations' modules build Tensors, so they are imported once the class above exists;
# the methods reach them through these names when they run. This is the one place where the
# noun and its operations are tied together (docs/architecture.md).
from minitorch._functional import elementwise as _elementwise  # noqa: E402
from minitorch._functional import indexing as _indexing  # noqa: E402
from minitorch._functional import inplace as _inplace  # noqa: E402
from minitorch._functional import linalg as _linalg  # noqa: E402
from minitorch._functional import reduce as _reduce  # noqa: E402
from minitorch._functional import shape as _shape  # noqa: E402
from minitorch.autograd import engine as _engine  # noqa: E402
