"""``Tensor``: a numpy array plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

This file holds the noun only: storage, attributes and conversions. Every
differentiable operation (``+``, ``exp``, ``sum``, ``reshape``, indexing, ``@``,
...) is a ``Function`` in ``minitorch/_ops/``; each attaches itself to Tensor
with :func:`tensor_method` when its module is imported, and ``backward`` is
attached by ``minitorch/autograd/engine.py``. That one decorator is the only
link from the operations back to this class.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from minitorch import _dtype
from minitorch._device import check_cpu, cpu, device
from minitorch._dtype import dtype
from minitorch._size import Size
from minitorch._storage import UntypedStorage, VersionCounter
from minitorch._tensor_str import tensor_repr
from minitorch.utils.hooks import RemovableHandle


_ATTACHED: list[tuple[str, Callable]] = []


def tensor_method(fn: Callable | None = None, *, name: str | None = None) -> Callable:
    """Decorator: make ``fn(input, ...)`` also the method ``Tensor.<name>(self, ...)``."""

    def attach(f: Callable) -> Callable:
        setattr(Tensor, name or f.__name__, f)
        _ATTACHED.append((name or f.__name__, f))
        return f

    return attach(fn) if fn is not None else attach


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

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[self._wrap_dim(dim)]

    def is_contiguous(self, memory_format: object = None) -> bool:
        return bool(self._data.flags.c_contiguous)

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
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
        target_dtype = kwargs.pop("dtype", None)
        target_device = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                target_dtype, target_device = arg.dtype, arg.device
            elif isinstance(arg, dtype):
                target_dtype = arg
            elif isinstance(arg, (str, device)):
                target_device = arg
            else:
                raise TypeError(f"to() received an invalid argument: {arg!r}")
        if target_device is not None:
            check_cpu(target_device)
        if target_dtype is None or _dtype.as_dtype(target_dtype).numpy_dtype == self._data.dtype:
            return self.clone() if copy else self
        return self._cast(_dtype.as_dtype(target_dtype))

    def _cast(self, target: dtype) -> Tensor:
        raise NotImplementedError  # attached by minitorch/_ops/elementwise.py

    def type(self, dtype: dtype | None = None) -> Any:  # noqa: A002
        if dtype is None:
            return f"minitorch.{type(self).__name__}"
        return self.to(dtype)

    def float(self) -> Tensor:
        return self.to(_dtype.float32)

    def double(self) -> Tensor:
        return self.to(_dtype.float64)

    def half(self) -> Tensor:
        return self.to(_dtype.float16)

    def long(self) -> Tensor:
        return self.to(_dtype.int64)

    def int(self) -> Tensor:
        return self.to(_dtype.int32)

    def bool(self) -> Tensor:
        return self.to(_dtype.bool)

    def byte(self) -> Tensor:
        return self.to(_dtype.uint8)

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
