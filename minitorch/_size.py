"""``minitorch.Size``: the tuple returned by ``Tensor.shape``."""

from __future__ import annotations


class Size(tuple):
    """A tuple of dimension sizes, printed as ``minitorch.Size([2, 3])``."""

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, index):  # slicing a Size gives a Size, as in PyTorch
        result = super().__getitem__(index)
        return Size(result) if isinstance(index, slice) else result

    def __repr__(self) -> str:
        return f"minitorch.Size({list(self)})"
