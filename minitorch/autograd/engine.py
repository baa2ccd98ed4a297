"""The backward pass: walk the graph from the output and apply the chain rule node by node.

1. Collect every node reachable from the roots and count, for each, how many
   edges point into it (its dependencies).
2. Seed the roots with their gradients (ones for a scalar loss).
3. Repeatedly take a node whose dependencies are all done, call its backward
   with the summed gradients of its outputs, and pass each result along the
   node's ``next_functions`` edge. Among ready nodes the most recently created
   runs first, the order PyTorch uses; ``AccumulateGrad`` nodes (the leaves)
   run as soon as they are ready.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence

import numpy as np

from minitorch._storage import allocates
from minitorch._tensor import Tensor
from minitorch.autograd import function as autograd_function
from minitorch.autograd.function import (
    AccumulateGrad,
    BackwardNode,
    Node,
    gradient_edge,
    input_gradients,
    tensor_type_name,
)

__all__ = ["backward", "grad", "run_backward", "tensor_backward"]


def _collect_dependencies(roots: list[Node]) -> dict[Node, int]:
    dependencies: dict[Node, int] = {root: 0 for root in roots}
    stack = list(dependencies)  # each root once, even when several outputs share a node
    seen = set(roots)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            dependencies[child] = dependencies.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return dependencies


def _run_tensor_hooks(hooks: dict, grad: np.ndarray) -> np.ndarray:
    for hook in list(hooks.values()):
        result = hook(Tensor._make(grad))
        if result is not None:
            _check_hook_result(hook, result, grad)
            grad = result._data
    return grad


def _check_hook_result(hook: object, result: object, grad: np.ndarray) -> None:
    """A hook may replace a gradient only by a tensor of the same size and type (PyTorch)."""
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Tensor, but hook '{name}' returned {type(result).__name__}")
    if result._data.shape != grad.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    if result._data.dtype != grad.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {tensor_type_name(grad)} got "
            f"{tensor_type_name(result._data)})"
        )


def _apply_node(
    node: Node, grads: list[np.ndarray | None], run_node: Callable | None = None
) -> tuple:
    """Run one node: its tensor hooks, pre-hooks, backward, post-hooks.

    ``run_node(node, grads)``, when given, runs the node's own computation in place of the
    engine (the profiler times it apart from the hooks: PyTorch's ``MulBackward0`` event
    inside ``autograd::engine::evaluate_function: MulBackward0``).
    """
    for output_nr, hooks in node._tensor_pre_hooks.items():
        if hooks and grads[output_nr] is not None:
            grads[output_nr] = _run_tensor_hooks(hooks, grads[output_nr])
    if isinstance(node, AccumulateGrad):
        if node.variable._backward_hooks and grads[0] is not None:
            grads[0] = _run_tensor_hooks(node.variable._backward_hooks, grads[0])
        if grads[0] is not None:
            if run_node is None:
                node(grads[0])
            else:
                run_node(node, grads)
        return ()
    for hook in list(node._pre_hooks.values()):
        result = hook(tuple(_wrap(g) for g in grads))
        if result is not None:
            grads = [None if g is None else g._data for g in result]
    filled = [
        np.zeros(shape, dtype) if g is None else g
        for g, (shape, dtype) in zip(grads, node._output_meta, strict=True)
    ]
    grad_inputs = input_gradients(node, filled) if run_node is None else run_node(node, filled)
    for hook in list(node._hooks.values()):
        hook(tuple(_wrap(g) for g in grad_inputs), tuple(_wrap(g) for g in grads))
    return grad_inputs


def _wrap(grad: np.ndarray | None) -> Tensor | None:
    return None if grad is None else Tensor._make(grad)


@allocates
def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[np.ndarray],
    retain_graph: bool = False,
    capture: Sequence[Tensor] | None = None,
) -> list[np.ndarray | None] | None:
    """Backpropagate ``root_grads`` from ``roots`` through the graph.

    Without ``capture`` the gradients accumulate into the leaves' ``.grad``.
    With ``capture`` (``autograd.grad``), nothing is accumulated; the gradients
    reaching those tensors are returned instead.
    """
    edges = [gradient_edge(t) for t in roots]
    for i, (node, _) in enumerate(edges):
        if node is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
    nodes = [node for node, _ in edges]
    dependencies = _collect_dependencies(nodes)
    captured: dict[tuple[Node, int], np.ndarray | None] = {}
    if capture is not None:
        captured = {gradient_edge(t): None for t in capture}
    buffers: dict[Node, list[np.ndarray | None]] = {}

    def deliver(node: Node, output_nr: int, grad: np.ndarray) -> None:
        buffer = buffers.get(node)
        if buffer is None:
            n_outputs = len(node._output_meta) if isinstance(node, BackwardNode) else 1
            buffer = buffers[node] = [None] * n_outputs
        previous = buffer[output_nr]
        buffer[output_nr] = grad if previous is None else previous + grad

    for (node, output_nr), grad in zip(edges, root_grads, strict=True):
        deliver(node, output_nr, grad)

    # ties (leaves' AccumulateGrad nodes) run in the order they became ready, as in PyTorch
    order = itertools.count()
    ready = [
        (-node._sequence_nr, next(order), node)
        for node in dict.fromkeys(nodes)
        if dependencies[node] == 0
    ]
    heapq.heapify(ready)
    while ready:
        _, _, node = heapq.heappop(ready)
        grads = buffers.pop(node, None) or [None]
        if capture is not None:
            for output_nr, g in enumerate(grads):
                if (node, output_nr) in captured:
                    captured[(node, output_nr)] = g
        if isinstance(node, AccumulateGrad) and capture is not None:
            grad_inputs: tuple = ()
        elif autograd_function._tracer is not None:  # a profiler or trace is recording
            grad_inputs = autograd_function._tracer.record_backward(node, grads, _apply_node)
        else:
            grad_inputs = _apply_node(node, grads)
        if isinstance(node, BackwardNode):
            _store_retained_grads(node, grads)
            if not retain_graph:
                node.release_saved()
        for index, ((child, output_nr), grad) in enumerate(
            zip(node.next_functions, grad_inputs, strict=True)
        ):
            if child is None:
                continue
            if grad is not None:
                _check_shape_for(child, output_nr, node, index, grad)
                deliver(child, output_nr, grad)
            dependencies[child] -= 1
            if dependencies[child] == 0:
                heapq.heappush(ready, (-child._sequence_nr, next(order), child))
    if capture is not None:
        return [captured[gradient_edge(t)] for t in capture]
    return None


def _check_shape_for(child: Node, output_nr: int, node: Node, index: int, grad: np.ndarray) -> None:
    """PyTorch's check of a gradient against the tensor it is for, as that tensor was when
    ``child`` recorded it. ``node`` already shaped it like the input it saw; the two differ
    only when an in-place view op (``t_``, ``squeeze_``, ...) changed the tensor's sizes
    between the ops, where adding the gradients up would broadcast them silently."""
    expected = child._output_meta[output_nr][0] if isinstance(child, BackwardNode) else child.shape
    if grad.shape != expected:
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {index} - got "
            f"{list(grad.shape)} but expected shape compatible with {list(expected)}"
        )


def _store_retained_grads(node: BackwardNode, grads: list[np.ndarray | None]) -> None:
    for output_nr, ref in node._retained.items():
        tensor = ref()
        if tensor is None or grads[output_nr] is None:
            continue
        if tensor._grad is None:
            tensor._grad = Tensor._make(np.array(grads[output_nr], copy=True))
        else:
            tensor._grad._data += grads[output_nr]


def _root_gradient(tensor: Tensor, gradient: Tensor | None) -> np.ndarray:
    if gradient is None:
        if tensor._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return np.ones_like(tensor._data)
    g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if g.shape != tensor._data.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {list(g.shape)} and output[0] has "
            f"a shape of {list(tensor._data.shape)}."
        )
    return g.astype(tensor._data.dtype, copy=False)


def tensor_backward(
    self: Tensor,
    gradient: Tensor | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> None:
    """Compute the gradient of this tensor with respect to the graph's leaves (into ``.grad``)."""
    if create_graph:
        raise NotImplementedError(
            "backward(create_graph=True): minitorch has no higher-order gradients"
        )
    if inputs is not None:
        raise NotImplementedError("backward(inputs=...) is not supported by minitorch")
    run_backward([self], [_root_gradient(self, gradient)], retain_graph=bool(retain_graph))


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) without touching any ``.grad`` (``torch.autograd.grad``)."""
    if create_graph:
        raise NotImplementedError(
            "autograd.grad(create_graph=True): minitorch has no higher-order gradients"
        )
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = [_root_gradient(o, g) for o, g in zip(outputs, grad_outputs, strict=True)]
    results = run_backward(outputs, seeds, retain_graph=bool(retain_graph), capture=inputs)
    assert results is not None
    if not allow_unused and any(r is None for r in results):
        raise RuntimeError(
            "One of the differentiated Tensors appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior."
        )
    return tuple(None if r is None else Tensor._make(np.array(r, copy=True)) for r in results)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Backpropagate from several outputs at once, each with its own upstream gradient."""
    if create_graph:
        raise NotImplementedError(
            "backward(create_graph=True): minitorch has no higher-order gradients"
        )
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    seeds = [_root_gradient(t, g) for t, g in zip(tensors, grad_tensors, strict=True)]
    run_backward(tensors, seeds, retain_graph=bool(retain_graph))
