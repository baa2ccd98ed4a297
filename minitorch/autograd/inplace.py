"""The in-place recipe: how ``add_``, ``fill_``, ``copy_``, ``x[i] = v`` ... write into a tensor.

Every in-place op runs :func:`inplace`, which does what PyTorch does:

1. refuse what PyTorch refuses (:func:`check_inplace`): a leaf that requires grad, a view
   of one, memory that ``expand`` made overlap, a view made under ``no_grad`` or by an op
   that returns several views;
2. compute the result out of place (recorded in the graph when autograd is on);
3. write it into the tensor's memory: the storage its views share, so they all see it;
4. bump the storage's version counter, so that backward refuses anything saved before;
5. with autograd, rewrite the history (``rebase_history``): the tensor takes the
   result's node, or, when it is a view, its base takes a ``CopySlices`` node.

The public in-place ops, and their argument checks, are in
:mod:`minitorch._functional.inplace`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minitorch._dtype import SCALAR_TYPE_NAMES
from minitorch._tensor import Tensor
from minitorch.autograd import function
from minitorch.autograd.function import (
    forward_name,
    gradient_edge,
    keep_original_values,
    next_sequence_nr,
    nodes_recorded_since,
    rebase_history,
)
from minitorch.autograd.grad_mode import is_grad_enabled

__all__ = ["check_inplace", "has_internal_overlap", "inplace", "inplace_view"]

OVERLAPPING_WRITE = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)


def inplace(
    tensor: Tensor,
    op: Callable[..., Tensor],
    *args: Any,
    overlap_allowed: bool = False,
    direct: Callable[..., None] | None = None,
    **kwargs: Any,
) -> Tensor:
    """``tensor`` made to hold ``op(tensor, *args, **kwargs)``, the way PyTorch's ``op_`` does.

    ``direct(array, *arrays, **kwargs)``, where the caller offers one (the operands already
    have the tensor's dtype), writes the same values straight into the tensor's memory: it
    is used when nothing is recorded (grad mode off, no trace), where steps 2 and 5 of the
    recipe have nothing to do.
    """
    check_inplace(tensor, args, overlap_allowed)
    if direct is not None and not is_grad_enabled() and function._tracer is None:
        direct(tensor._data, *(a._data if isinstance(a, Tensor) else a for a in args), **kwargs)
        tensor._bump_version()
        return tensor
    # where a view's gradient went before the write (CopySlices needs it; others do not)
    view_edge = gradient_edge(tensor) if tensor._view_info is not None else None
    first_sequence_nr = next_sequence_nr()
    result = op(tensor, *args, **kwargs)
    if result._data.dtype != tensor._data.dtype and not np.can_cast(
        result._data.dtype, tensor._data.dtype, "same_kind"
    ):
        raise RuntimeError(
            f"result type {SCALAR_TYPE_NAMES[result.dtype]} can't be cast to the desired output "
            f"type {SCALAR_TYPE_NAMES[tensor.dtype]}"
        )
    fn_nodes = None
    if result._grad_fn is not None:
        fn_nodes = nodes_recorded_since(result._grad_fn, first_sequence_nr)
        keep_original_values(tensor, fn_nodes)
    np.copyto(tensor._data, result._data, casting="unsafe")
    tensor._bump_version()
    if fn_nodes is not None:
        rebase_history(tensor, result, fn_nodes, view_edge)
    return tensor


def inplace_view(tensor: Tensor, view_op: Callable[..., Tensor], *args: Any) -> Tensor:
    """``tensor`` given the sizes and strides of ``view_op(tensor, *args)``, the way PyTorch's
    in-place view ops (``t_``, ``squeeze_``, ``transpose_``, ...) change a tensor.

    No element is written, but PyTorch treats the change as an in-place op: it refuses the
    tensors the recipe refuses (memory shared by ``expand`` excepted: nothing is written),
    bumps the version, and, with autograd, the tensor takes the view op's node, so its
    gradient is reshaped back on the way to its old history. A view stays a view of the
    same base, whose history is unchanged. Under ``no_grad`` a tensor that is no view keeps
    its node, as in PyTorch, and a view gets its node from its base when next asked for.
    """
    check_inplace(tensor, overlap_allowed=True)
    result = view_op(tensor, *args)
    tensor._data = result._data
    tensor._bump_version()
    if result._grad_fn is None:
        return tensor
    if tensor._view_info is not None:
        tensor._view_info = result._view_info
        tensor._view_info.version = tensor._version
    # unlike a write, no retained gradient moves to the new node: PyTorch's retain_grad()
    # then still reports the gradient of the tensor as it was before, in its old shape
    tensor._grad_fn, tensor._output_nr = result._grad_fn, result._output_nr
    return tensor


def check_inplace(tensor: Tensor, operands: tuple = (), overlap_allowed: bool = False) -> None:
    """Raise PyTorch's RuntimeError where an in-place write into ``tensor`` is forbidden.

    ``overlap_allowed``: the op writes one value everywhere (``fill_``, ``zero_``), so memory
    that ``expand`` shares between elements is no ambiguity and PyTorch allows it.
    """
    if not overlap_allowed and has_internal_overlap(tensor):
        raise RuntimeError(OVERLAPPING_WRITE)
    for operand in operands:
        if isinstance(operand, Tensor) and _partly_overlap(tensor._data, operand._data):
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to "
                "tensor refer to a single memory location. Please clone() the tensor before "
                "performing the operation."
            )
    if not is_grad_enabled():
        return
    info = tensor._view_info
    if info is None:
        if tensor._requires_grad and tensor._grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        return
    base = tensor._base
    recorded = base._requires_grad or any(
        isinstance(o, Tensor) and o._requires_grad for o in operands
    )
    if info.creation == "no_grad" and recorded:
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. "
            "You can clarify your code by moving both the view and the inplace either both "
            "inside the no_grad block (if you don't want the inplace to be tracked) or both "
            "outside (if you want the inplace to be tracked)."
        )
    if base._requires_grad and base._grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    if info.creation == "multiple" and recorded:
        raise RuntimeError(
            f"Output {info.output_nr} of {forward_name(info.op_name)} is a view and is being "
            "modified inplace. This view is the output of a function that returns multiple "
            "views. Such functions do not allow the output views to be modified inplace. You "
            "should replace the inplace operation by an out-of-place one."
        )


def has_internal_overlap(tensor: Tensor) -> bool:
    """True when several elements share one memory location (``expand`` made a stride 0)."""
    data = tensor._data
    if data.size == 0:  # numpy gives an empty array's dimensions stride 0; nothing is shared
        return False
    return any(s == 0 and n > 1 for s, n in zip(data.strides, data.shape, strict=True))


def _partly_overlap(written: np.ndarray, read: np.ndarray) -> bool:
    """True when ``read`` shares some memory with ``written`` without being the same view
    (``x.mul_(x)`` reads each element where it writes it; ``x[1:].mul_(x[:-1])`` does not)."""
    if not np.may_share_memory(written, read):
        return False
    same_view = (
        written.__array_interface__["data"][0] == read.__array_interface__["data"][0]
        and written.shape == read.shape
        and written.strides == read.strides
    )
    return not same_view and np.shares_memory(written, read)
