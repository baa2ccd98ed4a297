"""``RemovableHandle``: what every ``register_*hook`` returns (``torch.utils.hooks``)."""

from __future__ import annotations

import itertools
import weakref

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Call ``remove()`` (or leave a ``with`` block) to take the hook away again."""

    _ids = itertools.count()

    def __init__(self, hooks: dict):
        # A weak reference where possible (OrderedDict), so that a handle does not keep a
        # finished graph alive; a plain dict cannot be weakly referenced and is held directly.
        try:
            self._hooks_ref = weakref.ref(hooks)
        except TypeError:
            self._hooks_ref = lambda: hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        hooks = self._hooks_ref()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()
