"""``minitorch.autograd.graph``: watch and change what the graph saves for backward.

PyTorch's ``torch.autograd.graph`` hooks, on minitorch's Functions::

    def pack(tensor):              # at save time, in forward: tensor -> anything
        print("saved", tensor.shape)
        return tensor

    def unpack(packed):            # at backward, when the node reads it: anything -> tensor
        return packed

    with saved_tensors_hooks(pack, unpack):
        loss = model(images).sum()  # every tensor a node saves goes through pack
    loss.backward()                 # and comes back through unpack

What a node saves is what its Function's ``forward`` passed to ``ctx.save_for_backward``
(minitorch/autograd/function.py). Functions work on numpy arrays, so ``pack`` receives a
Tensor sharing the saved array's memory: the input or output itself when the array is its
memory (as PyTorch hands over the saved tensor itself), else a Tensor wrapping the array.
``unpack`` must return a Tensor of the saved shape (its dtype may differ: the gradient is
cast to the input's dtype); its array is what ``backward`` reads.

The rules are PyTorch's: only a recorded op (grad mode on, an input requiring grad) saves
anything; the innermost context's hooks apply; a node keeps the hooks it was recorded with,
even after the context exited; grad mode is off inside both hooks; ``unpack`` runs on every
read of ``ctx.saved_tensors``; a tensor saved through hooks is not checked for in-place
writes at backward; a pack hook that writes into its input raises. Two differences: an
``unpack`` result of another shape raises a RuntimeError at once (PyTorch goes on, and
fails inside the backward formula or, where the shapes broadcast, computes with it), and an
in-place op that saves the tensor it overwrites (``x.mul_(y)``) calls ``pack`` a second time,
with a copy of the old values, which is the tensor PyTorch packs (minitorch computes the op
out of place first, then writes the result in).

Which tensors a Function saves is its own choice, and sometimes not PyTorch's: ``Mul``
saves ``(a, b)`` where PyTorch saves ``(other, self)``; a loss saves the intermediate
results its backward reuses. tests/test_saved_tensors_hooks.py lists ops that save what
PyTorch saves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from minitorch._tensor import Tensor
from minitorch.autograd.function import Node, saved_tensors_hooks_state

__all__ = ["Node", "disable_saved_tensors_hooks", "save_on_cpu", "saved_tensors_hooks"]


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Inside the block, every tensor a recorded op saves goes through ``pack_hook(tensor)``
    and what it returns is kept instead; backward gets it back through
    ``unpack_hook(packed)``, which must return a Tensor of the saved shape."""

    def __init__(
        self, pack_hook: Callable[[Tensor], Any], unpack_hook: Callable[[Any], Tensor]
    ) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        state = saved_tensors_hooks_state
        if state.disabled_message is not None:
            raise RuntimeError(state.disabled_message)
        state.hooks = (*state.hooks, (self.pack_hook, self.unpack_hook))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        saved_tensors_hooks_state.hooks = saved_tensors_hooks_state.hooks[:-1]


class save_on_cpu(saved_tensors_hooks):  # noqa: N801
    """PyTorch's hooks that keep saved tensors in CPU memory until backward: minitorch's
    tensors are there already, so (with ``pin_memory=False``) nothing moves. With
    ``pin_memory=True`` each saved tensor is copied, as PyTorch copies it into pinned
    memory (which a machine without a GPU does not have)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor: Tensor) -> tuple[Any, Tensor]:
            if not pin_memory:
                return (tensor.device, tensor.cpu())
            return (tensor.device, tensor.detach().clone())

        def unpack_from_cpu(packed: tuple[Any, Tensor]) -> Tensor:
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextmanager
def disable_saved_tensors_hooks(error_message: str) -> Iterator[None]:
    """Inside the block, entering ``saved_tensors_hooks`` raises
    ``RuntimeError(error_message)``; so does entering the block inside hooks (PyTorch)."""
    state = saved_tensors_hooks_state
    if state.hooks:
        raise RuntimeError(error_message)
    previous = state.disabled_message
    state.disabled_message = error_message
    try:
        yield
    finally:
        state.disabled_message = previous
