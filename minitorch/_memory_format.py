"""``memory_format``: how a tensor's elements are ordered in memory, as PyTorch names it.

A tensor's logical values do not depend on its memory format, only its strides do:

* ``contiguous_format``: row-major (C order), the last dimension's elements next to each
  other;
* ``channels_last``: a 4-D ``(N, C, H, W)`` tensor stored as ``(N, H, W, C)``, so that the
  channels of one pixel are next to each other (``channels_last_3d``: the same for 5-D);
* ``preserve_format``: an op's result keeps its input's order (the default of ``clone``,
  ``to`` and the ``*_like`` factories).

minitorch stores a tensor as a numpy array, which may have any strides, so a channels-last
tensor is a transposed view of an ``(N, H, W, C)`` array: its values, its shape and its
strides are PyTorch's.
"""

from __future__ import annotations

from typing import NoReturn

__all__ = [
    "REQUIRED_RANK",
    "channels_last",
    "channels_last_3d",
    "contiguous_format",
    "is_contiguous_as",
    "memory_format",
    "preserve_format",
    "suggest_memory_format",
]


class memory_format:  # noqa: N801 - PyTorch's name
    """One of the four memory formats (``minitorch.channels_last``, ...); not instantiable."""

    __slots__ = ("_name",)
    _name: str

    def __new__(cls, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("cannot create 'minitorch.memory_format' instances")

    @classmethod
    def _named(cls, name: str) -> memory_format:
        instance = object.__new__(cls)
        instance._name = name
        return instance

    def __repr__(self) -> str:
        return f"minitorch.{self._name}"

    def __reduce__(self) -> str:
        return self._name  # pickled by name, so unpickling gives back the same object


contiguous_format = memory_format._named("contiguous_format")
preserve_format = memory_format._named("preserve_format")
channels_last = memory_format._named("channels_last")
channels_last_3d = memory_format._named("channels_last_3d")


# ------------------------------------------------------------------ what a format asks of strides
# The dims of a channels-last tensor from the fastest-varying to the slowest: C, W, H, N
# (C, W, H, D, N for channels_last_3d).
_CHANNELS_LAST_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}
# The format of each rank's channels-last order, and the rank each channels-last format needs.
_CHANNELS_LAST_OF_RANK = {4: channels_last, 5: channels_last_3d}
REQUIRED_RANK = {channels_last: 4, channels_last_3d: 5}


def is_contiguous_as(
    fmt: memory_format, shape: tuple[int, ...], strides: tuple[int, ...], c_contiguous: bool
) -> bool:
    """Whether a tensor of ``shape`` and ``strides`` (in elements) is laid out densely in
    ``fmt``; ``c_contiguous`` answers for the row-major formats. Size-1 dims may have any
    stride, as in PyTorch."""
    rank = REQUIRED_RANK.get(fmt)
    if rank is None:  # contiguous_format, and preserve_format, which PyTorch reads as it
        return c_contiguous
    if len(shape) != rank:
        return False
    expected = 1
    for d in _CHANNELS_LAST_ORDER[rank]:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def suggest_memory_format(shape: tuple[int, ...], strides: tuple[int, ...]) -> memory_format:
    """The format whose order ``strides`` follow, as PyTorch's ``suggest_memory_format`` reads
    them: channels-last for a 4-D (5-D) tensor whose strides grow along C, W, H(, D), N, the
    row-major format for everything else (and for the cases that could be either)."""
    order = _CHANNELS_LAST_ORDER.get(len(shape))
    if order is None or strides[1] == 0:  # no channels dim to speak of: row-major
        return contiguous_format
    smallest = 0  # the stride the next dim in the order must reach
    for d in order:
        if shape[d] == 0 or strides[d] < smallest:
            return contiguous_format
        # N111 (or N11W sliced along W) has equal strides everywhere: row-major by default
        if d == 0 and smallest == strides[1]:
            return contiguous_format
        smallest = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return _CHANNELS_LAST_OF_RANK[len(shape)]
