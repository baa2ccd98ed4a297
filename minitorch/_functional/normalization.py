"""``batch_norm``: its arguments checked as PyTorch checks them, then one ``Function``.

PyTorch checks in three places, and the errors come in that order: ``F.batch_norm`` in
Python (the batch holds more than one value per channel in training, ``eps``), the argument
parser of ``torch.batch_norm`` (each argument's type), then the native op (each tensor's
element count, the running estimates given together, their dtypes). The arithmetic is
:class:`minitorch._ops.normalization.BatchNorm`.
"""

from __future__ import annotations

import numbers

from minitorch import _dtype
from minitorch._checks import scalar_type_name
from minitorch._functional.elementwise import clone
from minitorch._ops.normalization import BatchNorm
from minitorch._tensor import Tensor
from minitorch.autograd.grad_mode import is_grad_enabled

__all__ = ["batch_norm"]

# torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
# cudnn_enabled): the positions its argument parser names in a TypeError
_POSITIONS = {"input": 1, "weight": 2, "bias": 3, "running_mean": 4, "running_var": 5}


def _type_name(value: object) -> str:
    return "NoneType" if value is None else type(value).__name__


def _check_parsed_arguments(
    tensors: dict[str, object], training: object, momentum: object, eps: object
) -> None:
    """The TypeErrors of ``torch.batch_norm``'s argument parser."""
    for name, value in tensors.items():
        if not (isinstance(value, Tensor) or (value is None and name != "input")):
            raise TypeError(
                f"batch_norm(): argument '{name}' (position {_POSITIONS[name]}) must be Tensor, "
                f"not {_type_name(value)}"
            )
    if not isinstance(training, bool):
        raise TypeError(
            f"batch_norm(): argument 'training' (position 6) must be bool, not "
            f"{_type_name(training)}"
        )
    for name, position, value in (("momentum", 7, momentum), ("eps", 8, eps)):
        if not isinstance(value, numbers.Real):
            raise TypeError(
                f"batch_norm(): argument '{name}' (position {position}) must be float, not "
                f"{_type_name(value)}"
            )


def _check_values_per_channel(input: Tensor) -> None:
    """Training needs two values per channel at least, or the variance means nothing."""
    shape = input.shape
    values = shape[0]
    for size in shape[2:]:
        values *= size
    if values == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {shape}"
        )


def _check_dtypes(
    input: Tensor, parameters: tuple[Tensor | None, ...], fn: str = "batch_norm"
) -> None:
    """Floating inputs only; the parameters share the input's dtype, or are all float32 for
    a float16 input (PyTorch's CPU kernels' one mixed case)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{scalar_type_name(input.dtype)}'")
    given = [p for p in parameters if p is not None]
    if not given:
        return
    if given[0].dtype != input.dtype:  # mixed: checked as PyTorch's check_mixed_data_type
        if any(p.dtype != _dtype.float32 for p in given):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if input.dtype != _dtype.float16:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        return
    for p in given[1:]:
        if p.dtype != given[0].dtype:
            raise RuntimeError(
                f"expected scalar type {scalar_type_name(given[0].dtype)} but found "
                f"{scalar_type_name(p.dtype)}"
            )


def _as_vector(parameter: Tensor | None) -> Tensor | None:
    """A weight or bias of C elements in any shape (PyTorch counts only their elements) as
    (C,)."""
    return parameter if parameter is None or parameter.dim() == 1 else parameter.reshape(-1)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    r"""Normalise each channel of ``input`` (N, C, \*) over every other dimension.

    ``(x - mean) / sqrt(var + eps) * weight + bias`` per channel, weight and bias (C,) or
    None. With ``training=True`` mean and (biased) variance are the batch's, and the running
    estimates (C,), when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` (the variance unbiased there).
    With ``training=False`` the running estimates are used and must be given. The output has
    the input's shape and dtype.
    """
    if not isinstance(input, Tensor):
        _check_parsed_arguments({"input": input}, training, momentum, eps)
    if training:
        _check_values_per_channel(input)
    if isinstance(eps, numbers.Real):
        if training and eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
        if eps < 0.0:
            raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    tensors = {
        "input": input,
        "weight": weight,
        "bias": bias,
        "running_mean": running_mean,
        "running_var": running_var,
    }
    _check_parsed_arguments(tensors, training, momentum, eps)
    num_features = input.shape[1] if input.dim() > 1 else 0
    for name in ("running_mean", "running_var", "weight", "bias"):
        value = tensors[name]
        if value is None:
            if name.startswith("running") and not training:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
        elif value.numel() != num_features:
            raise RuntimeError(f"{name} should contain {num_features} elements not {value.numel()}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if input.numel() == 0:
        return clone(input)
    if input.dim() < 2:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [-{max(input.dim(), 1)}, "
            f"{max(input.dim(), 1) - 1}], but got 1)"
        )
    for name in ("running_mean", "running_var"):
        value = tensors[name]
        if value is not None and value.requires_grad and is_grad_enabled():
            raise RuntimeError(
                f"The function 'native_batch_norm' is not differentiable with respect to "
                f"argument '{name}'. This input cannot have requires_grad True."
            )
    _check_dtypes(input, (weight, bias, running_mean, running_var))
    for name in ("running_mean", "running_var"):
        value = tensors[name]
        if value is not None and value.dim() != 1:
            raise RuntimeError(f"TensorAccessor expected 1 dims but tensor has {value.dim()}")
    return BatchNorm.apply(
        input,
        _as_vector(weight),
        _as_vector(bias),
        running_mean,
        running_var,
        training,
        float(momentum),
        float(eps),
    )
