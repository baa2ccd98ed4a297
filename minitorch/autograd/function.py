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
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from minitorch._tensor import Tensor
from minitorch.autograd.grad_mode import is_grad_enabled
from minitorch.utils.hooks import RemovableHandle

_sequence = itertools.count()

Edge = tuple["Node | None", int]

# While ``minitorch.trace()`` is active this is its recorder (see minitorch/_trace.py);
# otherwise None, so that tracing costs one comparison per op when it is off.
_tracer: Any = None


class Node:
    """A function of the backward graph (PyTorch's ``grad_fn``)."""

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

    def __call__(self, grad: np.ndarray) -> tuple:
        variable = self.variable
        if variable.grad is None:  # a copy: the engine may hand the same array to several inputs
            variable.grad = Tensor._make(np.array(grad, dtype=variable._data.dtype, copy=True))
        else:
            variable.grad._data += grad
        return ()


class BackwardNode(Node):
    """The node a Function records; it doubles as the ``ctx`` of forward and backward."""

    _function: type[Function]

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
        return self._saved

    def release_saved(self) -> None:
        """Free what forward saved; a second backward through this node then raises."""
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
    _node_class: type[BackwardNode]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.backward_name or f"{cls.__name__}Backward0"
        cls._node_class = type(
            name, (BackwardNode,), {"_function": cls, "__module__": cls.__module__}
        )

    @staticmethod
    def forward(ctx: BackwardNode, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: BackwardNode, *grad_outputs: np.ndarray) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on ``args`` (``_apply`` does the work; an active trace records it)."""
        if _tracer is not None:
            return _tracer.record_forward(cls, cls._apply, args, kwargs)
        return cls._apply(*args, **kwargs)

    @classmethod
    def _apply(cls, *args: Any, **kwargs: Any) -> Any:
        ctx = cls._node_class()
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        track = is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in args)
        if track:
            ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        raw = cls.forward(ctx, *arrays, **kwargs)
        outputs = tuple(
            Tensor._make(np.asarray(r)) for r in (raw if isinstance(raw, tuple) else (raw,))
        )
        if track:
            ctx._edges = tuple(gradient_edge(a) for a in args if isinstance(a, Tensor))
            ctx._input_is_tensor = tuple(isinstance(a, Tensor) for a in args)
            ctx._output_meta = tuple((o._data.shape, o._data.dtype) for o in outputs)
            for output_nr, out in enumerate(outputs):
                if out._data.dtype.kind == "f":
                    out._requires_grad = True
                    out.grad_fn = ctx
                    out._output_nr = output_nr
        return outputs if isinstance(raw, tuple) else outputs[0]


def gradient_edge(tensor: Tensor) -> Edge:
    """Where a gradient for ``tensor`` goes: its grad_fn, its AccumulateGrad, or nowhere."""
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    if tensor.requires_grad:
        node = tensor._grad_accumulator() if tensor._grad_accumulator is not None else None
        if node is None:  # one per leaf, held weakly so a finished graph can be freed
            node = AccumulateGrad(tensor)
            tensor._grad_accumulator = weakref.ref(node)
        return (node, 0)
    return (None, 0)
