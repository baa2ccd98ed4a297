"""``minitorch.device``. minitorch computes on the CPU only; CUDA lives in ``torch_backend``."""

from __future__ import annotations

CUDA_UNSUPPORTED = (
    "minitorch runs on the CPU only; for CUDA use the torch backend "
    "(import torch_backend, or minitorch.backend('torch'))"
)


class device:  # noqa: N801 - PyTorch's name
    """A device description such as ``device('cpu')`` or ``device('cuda', 0)``."""

    def __init__(self, type: str | device, index: int | None = None):  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string, got {type!r}")
        if ":" in type:
            if index is not None:
                raise ValueError(
                    f"type (string) must not include an index when index is given: {type}"
                )
            type, _, index_text = type.partition(":")
            if not index_text.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{index_text}'")
            index = int(index_text)
        if type not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, mps, meta device type at start of device string: "
                f"{type}"
            )
        self.type = type
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


def check_cpu(d: object) -> device:
    """Return ``device(d)`` if it is the CPU; RuntimeError naming torch_backend otherwise."""
    result = device(d) if not isinstance(d, device) else d
    if result.type != "cpu":
        raise RuntimeError(f"device {result} is not available: {CUDA_UNSUPPORTED}")
    return result


cpu = device("cpu")


def get_default_device() -> device:
    """Where new tensors are created: always the CPU in minitorch."""
    return cpu


def set_default_device(device: object) -> None:
    """Accepts only the CPU (or None); GPUs are ``torch_backend``'s job."""
    if device is not None:
        check_cpu(device)
