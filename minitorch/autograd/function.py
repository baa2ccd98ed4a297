"""``Function``: one differentiable operation, its forward and backward side by side.

A Function works on plain numpy arrays::

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):            # arrays in, array out
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):           # d(loss)/d(out) in, one gradient per input out
            a, b = ctx.saved_tensors
            return grad * b, grad * a

``Mul.apply(x, y)`` unwraps the Tensors, runs ``forward`` and, when a gradient
is needed, records a graph node. The node is the ``ctx`` itself and shows up
as ``out.grad_fn`` (a ``MulBackward0``), linked to its inputs' nodes through
``next_functions`` exactly like PyTorch's graph.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from minitorch._storage import VersionCounter, out_of_memory, storage_array
from minitorch._tensor import Tensor
from minitorch.autograd.grad_mode import is_grad_enabled, no_grad
from minitorch.utils.hooks import RemovableHandle

__all__ = [
    "AccumulateGrad",
    "AsStridedBackward0",
    "BackwardNode",
    "CopySlices",
    "Function",
    "Node",
    "ViewInfo",
    "forward_name",
    "gradient_edge",
    "input_gradients",
    "keep_original_values",
    "next_sequence_nr",
    "nodes_recorded_since",
    "rebase_history",
    "saved_tensors_hooks_state",
    "tensor_type_name",
]

_sequence = itertools.count()


def next_sequence_nr() -> int:
    """A number below every node created from now on (nodes count up from it)."""
    return next(_sequence)


Edge = tuple["Node | None", int]

# While ``minitorch.profiler.profile`` (or another recorder of minitorch/_trace.py) is active
# this is its recorder; otherwise None, so that recording costs one comparison per op when off.
_tracer: Any = None


class _SavedTensorsHooksState(threading.local):
    """This thread's ``saved_tensors_hooks`` contexts (:mod:`minitorch.autograd.graph`).

    ``hooks`` is the stack of ``(pack_hook, unpack_hook)`` pairs, innermost last; empty,
    it costs a recorded op that saves something one check. ``disabled_message`` is set
    inside ``disable_saved_tensors_hooks`` (hooks cannot be entered there). Class
    attributes: each new thread's start.
    """

    hooks: tuple[tuple[Callable[[Tensor], Any], Callable[[Any], Tensor]], ...] = ()
    disabled_message: str | None = None


saved_tensors_hooks_state = _SavedTensorsHooksState()

_PACK_MODIFIED_INPUT = (
    "A saved tensor pack hook is modifying its input in place. Tensors provided as input to "
    "pack hook cannot be modified by in-place operations as this can lead to unexpected "
    "side-effects. Please open an issue if you need to perform in-place operations on the "
    "input to a pack hook."
)


class Node:
    """A function of the backward graph (PyTorch's ``grad_fn``)."""

    _quiet_float_errors = True  # minitorch's own nodes compute inf and nan without warnings

    def __init__(self) -> None:
        self._sequence_nr = next(_sequence)
        self._edges: tuple[Edge, ...] = ()
        self._hooks: dict[int, Callable] = {}
        self._pre_hooks: dict[int, Callable] = {}
        self._tensor_pre_hooks: dict[int, dict[int, Callable]] = {}  # output_nr -> hooks
        self._retained: dict[int, weakref.ref] = {}  # output_nr -> tensor that retains its grad

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[Edge, ...]:
        """``(node, output_nr)`` for each input: where this node's gradients flow next."""
        return self._edges

    def register_hook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after this node computed its gradients."""
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = fn
        return handle

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node; it may return replacements."""
        handle = RemovableHandle(self._pre_hooks)
        self._pre_hooks[handle.id] = fn
        return handle

    def __call__(self, *grad_outputs: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """Map the gradients of this node's outputs to the gradients of its inputs."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """The graph's end for a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    def __init__(self, variable: Tensor):
        super().__init__()
        self._sequence_nr = float("inf")  # run as soon as ready, as PyTorch does
        self.variable = variable
        # the leaf's shape when the graph first reached it: gradients must keep to it even if
        # the leaf's sizes change in place later (t_, unsqueeze_ under no_grad), as in PyTorch
        self.shape = variable._data.shape

    def __call__(self, grad: np.ndarray) -> tuple:
        variable = self.variable
        if variable._grad is None:  # a copy: the engine may hand the same array to several inputs
            variable._grad = Tensor._make(np.array(grad, dtype=variable._data.dtype, copy=True))
        else:
            with np.errstate(all="ignore"):  # inf + -inf is nan, silently, as in PyTorch
                variable._grad._data += grad
        return ()


class BackwardNode(Node):
    """The node a Function records; it doubles as the ``ctx`` of forward and backward."""

    _function: type[Function]

    # (position in _saved, version counter, version when saved, node that made the tensor):
    # one record per saved array that is an input's or an output's memory.
    _saved_versions: tuple[tuple[int, VersionCounter, int, Node | None], ...] = ()
    # Saved under saved_tensors_hooks: the hooks, and per packed array (position in _saved,
    # the array packed, held weakly, and its shape); _saved holds what pack_hook returned.
    _pack_hook: Callable[[Tensor], Any] | None = None
    _unpack_hook: Callable[[Any], Tensor] | None = None
    _packed: tuple[tuple[int, weakref.ref, tuple[int, ...]], ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.needs_input_grad: tuple[bool, ...] = ()
        self._saved: tuple | None = ()
        self._released = False

    def save_for_backward(self, *arrays: Any) -> None:
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        if self._released:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True if you "
                "need to backward through the graph a second time."
            )
        if self._unpack_hook is not None:
            return _unpacked(self)
        for position, counter, version, producer in self._saved_versions:
            if counter.value != version:
                raise RuntimeError(
                    _modified_message(self, self._saved[position], producer, counter.value, version)
                )
        return self._saved

    def release_saved(self) -> None:
        """Free what forward saved (or what pack hooks made of it); a second backward through
        this node then raises."""
        self._saved = None
        self._released = True

    def __call__(self, *grad_outputs: np.ndarray) -> tuple[np.ndarray | None, ...]:
        grads = self._function.backward(self, *grad_outputs)
        return grads if isinstance(grads, tuple) else (grads,)


class Function:
    """Base class of differentiable operations; subclasses define ``forward`` and ``backward``.

    ``forward(ctx, *args, **kwargs)`` receives the Tensor arguments as numpy arrays
    (other arguments unchanged) and returns an array or a tuple of arrays.
    ``backward(ctx, *grads)`` receives one gradient array per output (zeros where
    an output got none) and returns one gradient per positional argument of
    ``forward``: an array of that argument's shape, or None.
    """

    backward_name: str | None = None  # PyTorch's node name, when it is not f"{Name}Backward0"
    # Positions of forward's arguments that PyTorch never differentiates (a loss's class
    # indices and class weights, ``where``'s condition; a slice for an index key's entries,
    # however many): a Tensor there is unwrapped like the others but is no input of the
    # node (no edge in next_functions, no gradient, no version check).
    non_differentiable: tuple[int, ...] | slice = ()
    # A view op's forward returns a numpy view of its first argument: the output then shares
    # that tensor's storage and version counter, and knows its base (``Tensor._base``).
    _is_view_op = False
    _node_class: type[BackwardNode]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # PyTorch names its own ops' nodes ``MulBackward0`` and a user's Function ``FBackward``.
        suffix = "Backward0" if cls.__module__.startswith("minitorch.") else "Backward"
        name = cls.backward_name or f"{cls.__name__}{suffix}"
        # PyTorch's own ops make inf and nan silently, where numpy warns (an overflow, inf * 0,
        # a nan cast to an integer): minitorch's Functions run forward and backward with
        # numpy's floating-point errors ignored. A user's Function keeps numpy's settings.
        cls._quiet_float_errors = cls.__module__.startswith("minitorch.")
        cls._node_class = type(
            name,
            (BackwardNode,),
            {
                "_function": cls,
                "__module__": cls.__module__,
                "_quiet_float_errors": cls._quiet_float_errors,
            },
        )

    @staticmethod
    def forward(ctx: BackwardNode, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: BackwardNode, *grad_outputs: np.ndarray) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on ``args`` (``_apply`` does the work; an active recorder records it)."""
        if _tracer is not None:
            return _tracer.record_forward(cls, cls._apply, args, kwargs)
        return cls._apply(*args, **kwargs)

    @classmethod
    def _apply(cls, *args: Any, **kwargs: Any) -> Any:
        ctx = cls._node_class()
        # One pass over the arguments: this runs for every op, so it is kept lean.
        arrays, is_tensor, needs_grad = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                is_tensor.append(True)
                needs_grad.append(a._requires_grad)
            else:
                arrays.append(a)
                is_tensor.append(False)
                needs_grad.append(False)
        if cls.non_differentiable:
            skipped = cls.non_differentiable
            for position in range(len(args))[skipped] if isinstance(skipped, slice) else skipped:
                if position < len(args):
                    is_tensor[position] = needs_grad[position] = False
        track = True in needs_grad and is_grad_enabled()
        if track:
            ctx.needs_input_grad = tuple(needs_grad)
        try:
            if cls._quiet_float_errors:
                with np.errstate(all="ignore"):
                    raw = cls.forward(ctx, *arrays, **kwargs)
            else:
                raw = cls.forward(ctx, *arrays, **kwargs)
        except MemoryError as error:
            raise out_of_memory(error) from None
        outputs = tuple(
            Tensor._make(np.asarray(r)) for r in (raw if isinstance(raw, tuple) else (raw,))
        )
        if cls._is_view_op:
            _share_as_views(args[0], outputs, isinstance(raw, tuple), cls._node_class.__name__)
        if track:
            tensors = [a for a, flag in zip(args, is_tensor, strict=True) if flag]
            ctx._edges = tuple(map(gradient_edge, tensors))
            ctx._input_is_tensor = tuple(is_tensor)
            ctx._input_meta = tuple((a._data.shape, a._data.dtype) for a in tensors)
            ctx._output_meta = tuple((o._data.shape, o._data.dtype) for o in outputs)
            for output_nr, out in enumerate(outputs):
                if out._data.dtype.kind == "f":
                    out._requires_grad = True
                    out._grad_fn = ctx
                    out._output_nr = output_nr
            if ctx._saved:
                # a non-differentiable tensor (a loss's target) is checked like the others
                # when forward saved it: PyTorch refuses it changed in place before backward
                saved_from = (
                    [a for a in args if isinstance(a, Tensor)]
                    if cls.non_differentiable
                    else tensors
                )
                if saved_tensors_hooks_state.hooks:
                    _pack_saved(ctx, saved_from, outputs)
                else:
                    ctx._saved_versions = _saved_versions(ctx, saved_from, outputs)
        return outputs if isinstance(raw, tuple) else outputs[0]


def gradient_edge(tensor: Tensor) -> Edge:
    """Where a gradient for ``tensor`` goes: its grad_fn, its AccumulateGrad, or nowhere."""
    grad_fn = tensor.grad_fn if tensor._view_info is not None else tensor._grad_fn
    if grad_fn is not None:
        return (grad_fn, tensor._output_nr)
    info = tensor._view_info
    inherited = info is not None and info.creation == "no_grad" and tensor._base._requires_grad
    if inherited and tensor._requires_grad:  # a no_grad view of a tensor that requires grad:
        return (None, 0)  # it reports requires_grad, but PyTorch sends no gradient through it
    if tensor.requires_grad:
        node = tensor._grad_accumulator() if tensor._grad_accumulator is not None else None
        if node is None:  # one per leaf, held weakly so a finished graph can be freed
            node = AccumulateGrad(tensor)
            tensor._grad_accumulator = weakref.ref(node)
        return (node, 0)
    return (None, 0)


# ------------------------------------------------------------------ gradients a node returns
def input_gradients(node: BackwardNode, grad_outputs: list[np.ndarray]) -> tuple:
    """Run ``node``'s backward; return one checked gradient per tensor input.

    PyTorch's checks: the right count; each gradient of its input's shape, or of a shape
    that input broadcasts to (then summed back down to it); converted to the input's dtype.
    """
    if node._quiet_float_errors:
        with np.errstate(all="ignore"):
            grads = node(*grad_outputs)
    else:
        grads = node(*grad_outputs)
    tensor_flags = node._input_is_tensor
    if len(grads) != len(tensor_flags):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(tensor_flags)}, got {len(grads)})"
        )
    checked = []
    index = 0
    for grad, is_tensor in zip(grads, tensor_flags, strict=True):
        if not is_tensor:
            continue
        meta = node._input_meta[index]
        if grad is not None and meta is not None:
            shape, dtype = meta
            if not isinstance(grad, np.ndarray):
                grad = np.asarray(grad)
            if grad.shape != shape:
                grad = _sum_to_input(node, index, grad, shape)
            if grad.dtype != dtype:
                grad = grad.astype(dtype)
        checked.append(grad)
        index += 1
    return tuple(checked)


def _sum_to_input(node: Node, index: int, grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    try:
        expandable = np.broadcast_shapes(shape, grad.shape) == grad.shape
    except ValueError:
        expandable = False
    if not expandable:
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {index} - got "
            f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
        )
    extra = grad.ndim - len(shape)
    summed = grad.sum(axis=tuple(range(extra))) if extra else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and summed.shape[i] != 1)
    return summed.sum(axis=stretched, keepdims=True) if stretched else summed


# ------------------------------------------------------------------ saved tensors and versions
def _saved_versions(
    ctx: BackwardNode, inputs: list[Tensor], outputs: tuple[Tensor, ...]
) -> tuple[tuple[int, VersionCounter, int, Node | None], ...]:
    """Which saved arrays live in an input's or an output's storage, and at what version.

    A saved array in the same storage as a tensor changes when that tensor (or any view of
    it) is written in place, and every such write bumps the storage's counter. Runs for
    every recorded op that saves something, so the common cases come first: the saved
    array is an input's or an output's own array.
    """
    records = []
    for position, array in enumerate(ctx._saved):
        if not isinstance(array, np.ndarray):
            continue
        owner = _owner(array, inputs, outputs)
        if owner is not None:
            counter = owner._version_counter
            producer = ctx if any(owner is out for out in outputs) else owner._grad_fn
            records.append((position, counter, counter.value, producer))
    return tuple(records)


def _owner(array: np.ndarray, inputs: list[Tensor], outputs: tuple[Tensor, ...]) -> Tensor | None:
    """The input or output whose storage holds ``array``, if any."""
    for tensor in outputs:
        if tensor._data is array:
            return tensor
    for tensor in inputs:
        if tensor._data is array:
            return tensor
    root = storage_array(array)
    for tensor in (*outputs, *inputs):
        if storage_array(tensor._data) is root:
            return tensor
    return None


# ------------------------------------------------------------------ saved_tensors_hooks
def _pack_saved(ctx: BackwardNode, inputs: list[Tensor], outputs: tuple[Tensor, ...]) -> None:
    """Hand each array ``ctx`` saved to the innermost ``pack_hook``; keep what it returns.

    The hook receives a Tensor: the input or output itself when the array is its memory
    (as PyTorch hands over the saved tensor itself), else a Tensor wrapping the array. As in
    PyTorch, grad mode is off inside the hook, and nothing saved through hooks is checked
    for in-place writes at backward (whatever the hooks keep is theirs to look after).
    """
    pack_hook, unpack_hook = saved_tensors_hooks_state.hooks[-1]
    saved = list(ctx._saved)
    packed = []
    with no_grad():
        for position, value in enumerate(ctx._saved):
            if isinstance(value, np.generic):  # numpy's scalar result of a 0-d op
                value = np.asarray(value)
            elif not isinstance(value, np.ndarray):  # None (nothing saved there), a number
                continue
            array = value
            tensor = next((t for t in (*inputs, *outputs) if t._data is array), None)
            if tensor is None:
                tensor = Tensor._make(array)
            version = tensor._version_counter.value
            saved[position] = pack_hook(tensor)
            if tensor._version_counter.value != version:
                raise RuntimeError(_PACK_MODIFIED_INPUT)
            packed.append((position, weakref.ref(array), array.shape))
    ctx._saved = tuple(saved)
    ctx._pack_hook, ctx._unpack_hook = pack_hook, unpack_hook
    ctx._packed = tuple(packed)


def _unpacked(node: BackwardNode) -> tuple:
    """What ``node`` saved, each packed value through its ``unpack_hook`` (on every read,
    as PyTorch unpacks on every access) and back to the array backward reads."""
    assert node._saved is not None and node._unpack_hook is not None
    saved = list(node._saved)
    with no_grad():
        for position, _, shape in node._packed:
            value = node._unpack_hook(saved[position])
            if not isinstance(value, Tensor):
                raise TypeError(
                    "Output of saved tensor unpack_hook expected to be a Tensor but got result "
                    f"of type {type(value).__name__}"
                )
            if value._data.shape != shape:
                raise RuntimeError(
                    f"unpack_hook returned a tensor of shape {list(value._data.shape)} for the "
                    f"tensor of shape {list(shape)} that {node.name()} saved: backward needs "
                    "the saved shape"
                )
            saved[position] = value._data
    return tuple(saved)


def _repack_original(node: BackwardNode, tensor: Tensor) -> None:
    """``tensor`` is about to be overwritten in place, and ``node`` (recorded by the in-place
    op) packed its memory: pack a copy of its values instead, the copy PyTorch packs."""
    assert node._pack_hook is not None
    saved = list(node._saved or ())
    packed = []
    for position, source, shape in node._packed:
        if source() is tensor._data:
            original = np.array(tensor._data, copy=True)
            with no_grad():
                saved[position] = node._pack_hook(Tensor._make(original))
            source = weakref.ref(original)
        packed.append((position, source, shape))
    node._saved = tuple(saved)
    node._packed = tuple(packed)


def tensor_type_name(array: np.ndarray) -> str:
    """PyTorch's legacy type name of an array's dtype, as its error messages print it."""
    names = {
        "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
        "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
        "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
    }  # fmt: skip
    return f"minitorch.{names.get(array.dtype.name, 'Tensor')}"


def forward_name(node_name: str) -> str:
    """``MulBackward0`` -> ``Mul``: how PyTorch's messages name the op behind a node."""
    name = node_name
    stem = name.rstrip("0123456789")
    return stem[: -len("Backward")] if stem.endswith("Backward") else name


def _modified_message(
    node: Node, array: np.ndarray, producer: Node | None, version: int, expected: int
) -> str:
    described = f"[{tensor_type_name(array)} {list(array.shape)}]"
    if producer is not None:
        described += f", which is output 0 of {forward_name(producer.name())},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {described} is at version {version}; expected version {expected} instead "
        f"(it was saved by {node.name()}). Hint: the backtrace further above shows the "
        "operation that failed to compute its gradient. The variable in question was changed "
        "in there or anywhere later. Good luck!"
    )


# ------------------------------------------------------------------ views
class ViewInfo:
    """What autograd knows of a view: its storage version when its ``grad_fn`` was last set,
    and how it was created (``"default"``, ``"no_grad"`` mode, or as one of ``"multiple"``
    views a single op returned, such as ``split``), which decides what in-place writes allow.
    """

    __slots__ = ("version", "creation", "op_name", "output_nr")

    def __init__(self, version: int, creation: str, op_name: str, output_nr: int) -> None:
        self.version = version
        self.creation = creation
        self.op_name = op_name
        self.output_nr = output_nr

    def refresh(self, view: Tensor) -> None:
        """The storage was written in place since: regenerate the view's node from its base."""
        base = view._base
        self.version = view._version_counter.value
        if view._grad_fn is None and not base._requires_grad:
            return
        if self.creation == "no_grad":
            raise RuntimeError(
                "A view was created in no_grad mode and its base or another view of its base has "
                "been modified inplace with grad mode enabled. Given that this use case is "
                "ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
                "both the view and the inplace either both inside the no_grad block (if you "
                "don't want the inplace to be tracked) or both outside (if you want the inplace "
                "to be tracked)."
            )
        if self.creation == "multiple" and base._grad_fn is not None:
            raise RuntimeError(
                f"Output {self.output_nr} of {forward_name(self.op_name)} is a view and its base "
                "or another view of its base has been modified inplace. This view is the output "
                "of a function that returns multiple views. Such functions do not allow the output "
                "views to be modified inplace. You should replace the inplace operation by an "
                "out-of-place one."
            )
        view._grad_fn = AsStridedBackward0(base, view)
        view._output_nr = 0
        view._requires_grad = True


def _share_as_views(
    source: Tensor, outputs: tuple[Tensor, ...], multiple: bool, op_name: str
) -> None:
    """Make ``outputs`` views of ``source``'s storage: same base, same version counter."""
    base = source._base if source._base is not None else source
    counter = source._version_counter
    creation = "no_grad" if not is_grad_enabled() else "multiple" if multiple else "default"
    for output_nr, out in enumerate(outputs):
        out._base = base
        out._version_counter = counter
        out._view_info = ViewInfo(counter.value, creation, op_name, output_nr)
        if creation == "no_grad" and out._data.dtype.kind == "f":
            # PyTorch's rule: such a view requires grad when its source does, but it has no
            # node, and no gradient reaches the source through it (see gradient_edge).
            out._requires_grad = source._requires_grad


def _geometry(array: np.ndarray) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    return array.__array_interface__["data"][0], array.shape, array.strides


def _positions_in_base(base: tuple, view: tuple) -> np.ndarray:
    """For each element of a view, the flat (C-order) index of the base element it is.

    Both are ``(address, shape, byte strides)`` into one storage. Matching addresses works
    for any layout of either: transposed, sliced, expanded (repeated positions).
    """

    def addresses(address: int, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
        offsets = np.zeros(shape, dtype=np.int64)
        for axis, (n, stride) in enumerate(zip(shape, strides, strict=True)):
            along = [1] * len(shape)
            along[axis] = n
            offsets = offsets + (np.arange(n, dtype=np.int64) * stride).reshape(along)
        return address + offsets

    base_addresses = addresses(*base).reshape(-1)
    order = np.argsort(base_addresses, kind="stable")
    found = np.searchsorted(base_addresses, addresses(*view), sorter=order)
    return order[found]


class AsStridedBackward0(BackwardNode):
    """A view's node regenerated from its base after an in-place write (PyTorch's name).

    The view is a set of the base's elements; its gradient is added into zeros of the
    base's shape at those elements (repeated ones, from ``expand``, accumulate).
    """

    def __init__(self, base: Tensor, view: Tensor) -> None:
        super().__init__()
        self._base_geometry, self._view_geometry = _geometry(base._data), _geometry(view._data)
        self._base_shape = base._data.shape
        self._edges = (gradient_edge(base),)
        self._input_is_tensor = (True,)
        self._input_meta = ((base._data.shape, base._data.dtype),)
        self._output_meta = ((view._data.shape, view._data.dtype),)

    def __call__(self, grad: np.ndarray) -> tuple[np.ndarray]:
        positions = _positions_in_base(self._base_geometry, self._view_geometry)
        out = np.zeros(int(np.prod(self._base_shape)), dtype=grad.dtype)
        np.add.at(out, positions.reshape(-1), grad.reshape(-1))
        return (out.reshape(self._base_shape),)


class CopySlices(BackwardNode):
    """The base's node after an in-place op wrote into one of its views (PyTorch's name).

    The base now holds its old values outside the view and the op's result inside it.
    Backward passes the base's gradient on unchanged outside the view; inside, it runs
    the op's own backward (``fn``, the nodes the in-place op recorded) on that part and
    puts back the gradient for the view's old values. The op's other inputs (``other`` in
    ``view.add_(other)``) get theirs through this node's further edges.
    """

    def __init__(
        self,
        base: Tensor,
        view: Tensor,
        result: Tensor,
        fn_nodes: list[BackwardNode],
        view_edge: Edge,
    ):
        super().__init__()
        self._base_geometry, self._view_geometry = _geometry(base._data), _geometry(view._data)
        self._view_edge = view_edge
        self._result_edge = (result._grad_fn, result._output_nr)
        self._fn_nodes = fn_nodes
        recorded = {id(node) for node in self._fn_nodes}
        # Every edge out of the op's nodes but the view's own, in order: with one node, as
        # PyTorch lists ``fn.next_functions[1:]`` (edges to nowhere kept, for the picture).
        outside: list[Edge] = []
        for node in self._fn_nodes:
            edges = node._edges
            if node is result._grad_fn and view_edge[0] is None and edges and edges[0][0] is None:
                edges = edges[1:]  # the view's own edge, which leads nowhere
            for edge in edges:
                leaves_the_op = id(edge[0]) not in recorded and edge != view_edge
                if edge[0] is None or (leaves_the_op and edge not in outside):
                    outside.append(edge)
        self._outside_edges = tuple(outside)
        self._edges = (gradient_edge(base), *self._outside_edges)
        self._input_is_tensor = (True,) * len(self._edges)
        self._input_meta = ((base._data.shape, base._data.dtype),) + tuple(
            _edge_meta(edge) for edge in self._outside_edges
        )
        self._output_meta = ((base._data.shape, base._data.dtype),)

    @property
    def fn(self) -> Node:
        """The node of the op that wrote into the view (PyTorch's ``CopySlices.fn``)."""
        return self._result_edge[0]

    def __call__(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        grad_base = np.array(grad, copy=True, order="C")
        flat = grad_base.reshape(-1)
        positions = _positions_in_base(self._base_geometry, self._view_geometry).reshape(-1)
        view_shape = self._view_geometry[1]
        reached = _run_recorded(
            self._fn_nodes, self._result_edge, flat[positions].reshape(view_shape)
        )
        old_view_grad = reached.get(self._view_edge)
        flat[positions] = 0 if old_view_grad is None else old_view_grad.reshape(-1)
        return (grad_base, *(reached.get(edge) for edge in self._outside_edges))

    def release_saved(self) -> None:
        super().release_saved()
        for node in self._fn_nodes:
            node.release_saved()


def _edge_meta(edge: Edge) -> tuple[tuple[int, ...], np.dtype] | None:
    """Shape and dtype of the gradient an edge carries (None for an edge to nowhere)."""
    node, output_nr = edge
    if node is None:
        return None
    if isinstance(node, AccumulateGrad):
        return node.variable._data.shape, node.variable._data.dtype
    return node._output_meta[output_nr]


def nodes_recorded_since(head: Node, first_sequence_nr: int) -> list[BackwardNode]:
    """The nodes an in-place op recorded (created from ``first_sequence_nr`` on), newest
    first: an order in which each runs after every node that feeds it a gradient."""
    found: dict[int, BackwardNode] = {}
    stack = [head]
    while stack:
        node = stack.pop()
        if (
            isinstance(node, BackwardNode)
            and node._sequence_nr >= first_sequence_nr
            and id(node) not in found
        ):
            found[id(node)] = node
            stack.extend(child for child, _ in node._edges if child is not None)
    return sorted(found.values(), key=lambda node: -node._sequence_nr)


def _run_recorded(
    nodes: list[BackwardNode], head: Edge, grad: np.ndarray
) -> dict[Edge, np.ndarray]:
    """Backpropagate ``grad`` from ``head`` through ``nodes`` only; return what leaves them."""
    buffers: dict[int, list] = {id(node): [None] * len(node._output_meta) for node in nodes}
    buffers[id(head[0])][head[1]] = grad
    reached: dict[Edge, np.ndarray] = {}
    for node in nodes:
        grads = [
            np.zeros(shape, dtype) if g is None else g
            for g, (shape, dtype) in zip(buffers[id(node)], node._output_meta, strict=True)
        ]
        for (child, output_nr), g in zip(node._edges, input_gradients(node, grads), strict=True):
            if child is None or g is None:
                continue
            target = buffers.get(id(child))
            if target is not None:
                previous = target[output_nr]
                target[output_nr] = g if previous is None else previous + g
            else:
                edge = (child, output_nr)
                reached[edge] = g if edge not in reached else reached[edge] + g
    return reached


def keep_original_values(tensor: Tensor, fn_nodes: list[BackwardNode]) -> None:
    """Before ``tensor`` is overwritten: the nodes its in-place op just recorded
    (``fn_nodes``) that saved ``tensor``'s memory get a copy of the values instead (PyTorch's
    ``original_self``)."""
    for node in fn_nodes:
        if node._unpack_hook is not None:
            _repack_original(node, tensor)
            continue
        records = []
        saved = list(node._saved)
        for record in node._saved_versions:
            if saved[record[0]] is tensor._data:
                saved[record[0]] = np.array(tensor._data, copy=True)
            else:  # e.g. another view of the same storage: stale after the write, as in PyTorch
                records.append(record)
        node._saved = tuple(saved)
        node._saved_versions = tuple(records)


def rebase_history(
    tensor: Tensor, result: Tensor, fn_nodes: list[BackwardNode], view_edge: Edge | None
) -> None:
    """After ``result`` was written into ``tensor`` in place, make the graph say so.

    A tensor that is no view simply takes ``result``'s node. A view's base takes a
    :class:`CopySlices` node over ``fn_nodes``, the nodes the in-place op recorded
    (``view_edge`` is where the view's gradient went before the write), and the view's own
    node is regenerated from it when next asked for (see :meth:`ViewInfo.refresh`).
    """
    node = result._grad_fn
    _saved_now_in(node, result, tensor)
    if tensor._view_info is None:
        old = tensor._grad_fn
        tensor._grad_fn, tensor._output_nr = node, result._output_nr
        tensor._requires_grad = True
        if tensor._retains_grad and old is not None:  # retain_grad follows the newest version
            old._retained.pop(tensor._output_nr, None)
            node._retained[result._output_nr] = weakref.ref(tensor)
        return
    base = tensor._base
    base._grad_fn = CopySlices(base, tensor, result, fn_nodes, view_edge)
    base._output_nr = 0
    base._requires_grad = True


def _saved_now_in(node: Node, result: Tensor, tensor: Tensor) -> None:
    """``node`` saved its output ``result``; that value now lives in ``tensor``'s memory, at
    ``tensor``'s current version (PyTorch saves the in-place op's output that way)."""
    if not isinstance(node, BackwardNode) or not node._saved:
        return
    saved = list(node._saved)
    records = []
    for position, counter, version, producer in node._saved_versions:
        if counter is result._version_counter:
            saved[position] = tensor._data
            records.append((position, tensor._version_counter, tensor._version, producer))
        else:
            records.append((position, counter, version, producer))
    node._saved = tuple(saved)
    node._saved_versions = tuple(records)
