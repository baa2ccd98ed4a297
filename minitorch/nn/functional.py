"""``minitorch.nn.functional``: the layers as functions, with PyTorch's checks and messages.

This is the floor that normalises arguments (an int or a pair, ``padding='same'``,
unbatched inputs, legacy ``size_average``/``reduce``), validates them, and raises the
exception PyTorch raises, with a message naming the shapes. The Functions below it in
``minitorch/_ops`` trust what they are given.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from minitorch import _dtype
from minitorch._checks import broadcast_shapes, cpp_type_name, pair, scalar_type_name
from minitorch._ops.conv import (
    CircularPad2D,
    ConstantPadNd,
    Convolution,
    ReflectionPad2D,
    ReplicationPad2D,
)
from minitorch._ops.linear import Linear
from minitorch._ops.loss import (
    CrossEntropyLoss,
    L1Loss,
    MseLoss,
    NllLoss,
    NllLoss2d,
    SoftCrossEntropyLoss,
)
from minitorch._ops.pool import MaxPool2DWithIndices
from minitorch._tensor import Tensor
from minitorch.nn._reduction import legacy_get_string

IntPair = int | Sequence[int]
_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_PAD_FUNCTIONS = {
    "reflect": ReflectionPad2D,
    "replicate": ReplicationPad2D,
    "circular": CircularPad2D,
}
_REDUCTIONS = ("none", "mean", "sum")


# ------------------------------------------------------------------ argument helpers


def _check_tensor(value: object, fn: str, name: str, position: int) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{fn}(): argument '{name}' (position {position}) must be Tensor, "
            f"not {type(value).__name__}"
        )


def _conv_pair(value: IntPair, name: str) -> tuple[int, int]:
    if isinstance(value, int) or len(value) in (1, 2):
        return pair(value, "")
    raise RuntimeError(
        f"expected {name} to be a single integer value or a list of 2 values to match the "
        f"convolution dimensions, but got {name}={list(value)}"
    )


def _check_kernel_dtype(input: Tensor, fn: str) -> None:
    """The Numba kernels are compiled for float32 and float64 only."""
    if input._data.dtype not in _KERNEL_DTYPES:
        raise NotImplementedError(
            f"{fn} on {input.dtype} tensors is not supported by minitorch (float32 and float64 are)"
        )


def _sizes(shape: tuple[int, ...]) -> str:
    return str(list(shape))


# ------------------------------------------------------------------ convolution
def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation) of ``input`` with ``weight``, plus ``bias``.

    input (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in/groups, kH, kW); bias (C_out,).
    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (output as large as
    the input; stride 1 only). Output (N, C_out, H_out, W_out) with
    ``H_out = floor((H + 2*padding - dilation*(kH-1) - 1) / stride) + 1``.
    """
    _check_tensor(input, "conv2d", "input", 1)
    _check_tensor(weight, "conv2d", "weight", 2)
    if input.dim() not in (3, 4):
        raise RuntimeError(
            "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
            + _sizes(input.shape)
        )
    if weight.dim() < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if weight.dim() != 4:
        raise RuntimeError(
            f"expected stride to be a single integer value or a list of {weight.dim() - 2} values "
            "to match the convolution dimensions, but got stride=[1, 1]"
        )
    stride = _conv_pair(stride, "stride")
    dilation = _conv_pair(dilation, "dilation")
    if not isinstance(padding, str):
        padding = _conv_pair(padding, "padding")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    if not isinstance(padding, str) and min(padding) < 0:
        raise RuntimeError("negative padding is not supported")
    batch_shape = tuple(input.shape) if input.dim() == 4 else (1, *input.shape)
    weight_shape = tuple(weight.shape)
    if weight_shape[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, "
            f"but got weight of size {_sizes(weight_shape)} instead"
        )
    if weight_shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{_sizes(weight_shape)}] instead"
        )
    if batch_shape[1] != weight_shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {_sizes(weight_shape)}, expected "
            f"input{_sizes(batch_shape)} to have {weight_shape[1] * groups} channels, but got "
            f"{batch_shape[1]} channels instead"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight_shape[0]):
        raise RuntimeError(
            f"Given weight of size {_sizes(weight_shape)}, expected bias to be 1-dimensional with "
            f"{weight_shape[0]} elements, but got bias of size {_sizes(bias.shape)} instead"
        )
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"Input type (minitorch.{scalar_type_name(input.dtype)}Tensor) and weight type "
            f"(minitorch.{scalar_type_name(weight.dtype)}Tensor) should be the same"
        )
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(
            f"Input type ({cpp_type_name(input.dtype)}) and bias type "
            f"({cpp_type_name(bias.dtype)}) should be the same"
        )
    if 0 in batch_shape[2:] and batch_shape[0] and batch_shape[1]:
        raise RuntimeError(
            "Only zero batch or zero channel inputs are supported, but got input shape: "
            + _sizes(batch_shape)
        )
    if input._data.dtype.kind in "iu":
        # The kernels are compiled for floats; float64 holds these integers exactly.
        as_float = None if bias is None else bias.double()
        result = conv2d(
            input.double(), weight.double(), as_float, stride, padding, dilation, groups
        )
        return result.to(input.dtype)
    _check_kernel_dtype(input, "conv2d")
    kernel = weight_shape[2:]
    pads = _conv_padding(padding, kernel, stride, dilation)
    padded = (batch_shape[2] + pads[0] + pads[1], batch_shape[3] + pads[2] + pads[3])
    dilated = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    if padded[0] < dilated[0] or padded[1] < dilated[1]:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
            f"({dilated[0]} x {dilated[1]}). Kernel size can't be greater than actual input size"
        )
    return Convolution.apply(input, weight, bias, stride, pads, dilation, groups)


def _conv_padding(
    padding: tuple[int, int] | str,
    kernel: tuple[int, ...],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zeros for an int pair, ``'valid'`` or ``'same'``."""
    if not isinstance(padding, str):
        return (padding[0], padding[0], padding[1], padding[1])
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding != "same":
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    if stride != (1, 1):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    pads = []
    for k, d in zip(kernel, dilation, strict=True):
        total = d * (k - 1)  # an odd total puts the extra row/column at the end, as PyTorch does
        pads += [total // 2, total - total // 2]
    return tuple(pads)  # type: ignore[return-value]


def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad ``input``; ``pad`` lists (before, after) pairs starting from the last dimension.

    ``mode='constant'`` fills with ``value`` (default 0) on any number of dimensions;
    ``'reflect'``, ``'replicate'`` and ``'circular'`` pad the last two dimensions of a 3-D
    or 4-D input.
    """
    _check_tensor(input, "pad", "input", 1)
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {input.dim()}"
        )
    if mode == "constant":
        if min(pad, default=0) < 0:
            raise NotImplementedError(
                "pad with negative (cropping) padding is not supported by minitorch"
            )
        return ConstantPadNd.apply(input, pad, 0.0 if value is None else value)
    if mode not in _PAD_FUNCTIONS:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if len(pad) != 4 or input.dim() not in (3, 4):
        raise NotImplementedError(
            f"pad mode '{mode}' with padding size {len(pad)} on a {input.dim()}D input is not "
            "supported by minitorch (padding size 4 on 3D or 4D input is)"
        )
    for axis, (before, after) in ((input.dim() - 1, pad[:2]), (input.dim() - 2, pad[2:])):
        size = input.shape[axis]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({before}, {after}) at dimension {axis} of input "
                f"{_sizes(input.shape)}"
            )
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if min(before, after) < 0:
            raise NotImplementedError(
                f"pad mode '{mode}' with negative padding is not supported by minitorch"
            )
    return _PAD_FUNCTIONS[mode].apply(input, pad)


# ------------------------------------------------------------------ pooling
def _pool_output_size(
    size: int, kernel: int, pad: int, stride: int, dilation: int, ceil_mode: bool
) -> int:
    """PyTorch's ``pooling_output_shape``, including its pad checks, for one axis."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > int(((kernel - 1) * dilation + 1) / 2):  # C++ division: truncates toward zero
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={pad}, "
            f"kernel_size={kernel} and dilation={dilation}"
        )
    span = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def max_pool2d(
    input: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """2-D max pooling over (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``.

    Output ``H_out = floor_or_ceil((H + 2*padding - dilation*(kH-1) - 1) / stride) + 1``.
    With ``return_indices=True`` also returns the argmax of each window as a flat index
    into its input's H*W plane.
    """
    _check_tensor(input, "max_pool2d", "input", 1)
    kernel = pair(
        kernel_size, "max_pool2d: kernel_size must either be a single int, or a tuple of two ints"
    )
    if stride is None or (not isinstance(stride, int) and len(stride) == 0):
        stride = kernel
    stride = pair(
        stride, "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints"
    )
    padding = pair(
        padding, "max_pool2d: padding must either be a single int, or a tuple of two ints"
    )
    dilation = pair(
        dilation, "max_pool2d: dilation must be either a single int, or a tuple of two ints"
    )
    if input.dim() not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    height, width = input.shape[-2:]
    out_h = _pool_output_size(height, kernel[0], padding[0], stride[0], dilation[0], ceil_mode)
    out_w = _pool_output_size(width, kernel[1], padding[1], stride[1], dilation[1], ceil_mode)
    if min(kernel) <= 0:
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}"
        )
    if min(stride) <= 0:
        raise RuntimeError(
            f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}"
        )
    if min(dilation) <= 0:
        raise RuntimeError(
            "dilation should be greater than zero, but got "
            f"dilationH: {dilation[0]} dilationW: {dilation[1]}"
        )
    if 0 in input.shape[-3:]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
            "but got:" + _sizes(input.shape)
        )
    if kernel[1] // 2 < padding[1] or kernel[0] // 2 < padding[0]:
        raise RuntimeError(
            "pad should be smaller than or equal to half of kernel size, but got "
            f"padW = {padding[1]}, "
            f"padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}"
        )
    if out_h < 1 or out_w < 1:
        channels = input.shape[-3]
        raise RuntimeError(
            f"Given input size: ({channels}x{height}x{width}). Calculated output size: "
            f"({channels}x{out_h}x{out_w}). Output size is too small"
        )
    if input._data.dtype.kind in "iu":  # as in conv2d: exact through float64
        pooled = max_pool2d(input.double(), kernel, stride, padding, dilation, ceil_mode, True)
        values = pooled[0].to(input.dtype)
        return (values, pooled[1]) if return_indices else values
    _check_kernel_dtype(input, "max_pool2d")
    return MaxPool2DWithIndices.apply(
        input, kernel, stride, padding, dilation, (out_h, out_w), return_indices
    )


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool2d` that always returns ``(output, indices)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


# ------------------------------------------------------------------ activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)`` elementwise; the gradient at 0 is 0."""
    return relu_(input) if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`."""
    return input.relu_()


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))`` elementwise."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return input.tanh()


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's legacy choice when ``dim`` is omitted (with its deprecation warning)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: _dtype.dtype | None = None
) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return input.softmax(dim, dtype=dtype)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: _dtype.dtype | None = None
) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return input.log_softmax(dim, dtype=dtype)


# ------------------------------------------------------------------ linear
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: input (*, in_features), weight (out_features, in_features)."""
    _check_tensor(input, "linear", "input", 1)
    _check_tensor(weight, "linear", "weight", 2)
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, but they are "
            f"{input.dim()}D and {weight.dim()}D"
        )
    if weight.dim() > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {weight.dim()}D"
        )
    if weight.dim() == 1:
        raise NotImplementedError("linear with a 1-D weight is not supported by minitorch")
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{cpp_type_name(input.dtype)} != {cpp_type_name(weight.dtype)}"
        )
    rows = int(np.prod(input.shape[:-1]))
    if input.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{weight.shape[1]}x{weight.shape[0]})"
        )
    if bias is not None:
        target = (*input.shape[:-1], weight.shape[0])
        if bias.dim() > len(target) or any(
            b not in (1, t) for b, t in zip(reversed(bias.shape), reversed(target), strict=False)
        ):
            axis = len(target) - 1
            raise RuntimeError(
                f"The expanded size of the tensor ({target[-1]}) must match the existing size "
                f"({bias.shape[-1]}) at non-singleton dimension {axis}.  Target sizes: "
                f"{_sizes(target)}.  Tensor sizes: {_sizes(bias.shape)}"
            )
        if bias.dtype is not input.dtype:
            raise RuntimeError(
                f"self and mat2 must have the same dtype, but got {scalar_type_name(bias.dtype)} "
                f"and {scalar_type_name(input.dtype)}"
            )
    return Linear.apply(input, weight, bias)


# ------------------------------------------------------------------ losses
def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The ``reduction`` string, from the legacy ``size_average``/``reduce`` flags if given."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _check_target_dtype(target: Tensor) -> None:
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {scalar_type_name(target.dtype)}"
        )


def _check_class_target(
    input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int
) -> None:
    """The checks of PyTorch's ``nll_loss_nd`` for class-index targets, with its messages,
    in its order: the batch size first, the target's dtype among the shape checks."""
    if input.dim() != 1:
        target_batch = target.shape[0] if target.dim() else 0  # PyTorch reports 0 for a 0-d target
        if input.shape[0] != target_batch:
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                f"({target_batch})."
            )
    if input.dim() <= 2:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        _check_target_dtype(target)
        if input.dim() == 1 and target.numel() != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: {target.numel()}"
            )
    elif input.dim() == 4 and target.dim() != 3:
        raise RuntimeError(
            "only batches of spatial targets supported (3D tensors) but got targets of "
            f"dimension: {target.dim()}"
        )
    else:
        expected = (input.shape[0], *input.shape[2:])
        if input.dim() != 4 and tuple(target.shape) != expected:
            raise RuntimeError(
                f"Expected target size {_sizes(expected)}, got {_sizes(target.shape)}"
            )
        _check_target_dtype(target)
        if tuple(target.shape) != expected:
            raise RuntimeError(
                f"size mismatch (got input: {_sizes(input.shape)} , target: {_sizes(target.shape)}"
            )
    if weight is not None:
        _check_class_weight(input, weight)
        if weight.dtype is not input.dtype:
            raise RuntimeError(
                f"expected scalar type {scalar_type_name(input.dtype)} but found "
                f"{scalar_type_name(weight.dtype)}"
            )


def _check_target_values(input: Tensor, target: Tensor, ignore_index: int) -> None:
    """Every class index in range (PyTorch's kernels check this last, after the dtypes)."""
    values = target._data.astype(np.int64, copy=False)
    bad = (values != ignore_index) & ((values < 0) | (values >= _class_count(input)))
    if bad.any():
        raise IndexError(f"Target {values[bad][0]} is out of bounds.")


def _one_sample_target(input: Tensor, target: Tensor) -> Tensor:
    """A 1-D input is one sample: its target of shape (1,) acts as a 0-d one (a 0-d loss)."""
    return target.reshape(()) if input.dim() == 1 else target


def _class_count(input: Tensor) -> int:
    return input.shape[0] if input.dim() == 1 else input.shape[1]


def _loss_without_classes(input: Tensor, reduction: str, label_smoothing: float = 0.0) -> Tensor:
    """The class-index loss of an input with zero classes, where every target was ignored.

    Each sample contributes 0 (the kernels cannot fold an empty class dimension), so 'none'
    gives zeros shaped like the target, 'sum' gives 0 and 'mean' divides by zero weight: nan.
    With label smoothing PyTorch scales the reduced smoothing term by ``eps / C = inf``:
    the loss becomes 0 * inf = nan, even the 'sum' over no samples (here times nan, which
    numpy does not warn about).
    """
    loss = input.sum(dim=0 if input.dim() == 1 else 1)
    if reduction != "none":
        loss = loss.sum() if reduction == "sum" else loss.sum() / 0.0
    return loss * math.nan if label_smoothing > 0 else loss


def _check_loss_input(input: Tensor, kernel_name: str) -> None:
    if input.dim() == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if not input.is_floating_point():
        raise NotImplementedError(
            f"\"{kernel_name}\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    _check_kernel_dtype(input, kernel_name)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and targets: ``-log_softmax(input)[target]``, reduced.

    input (N, C), (N, C, d1, ...) or unbatched (C,). The target holds class indices
    (N,) / (N, d1, ...) / () of dtype int64, or class probabilities of the input's shape.
    ``weight`` (C,) rescales each class; ``label_smoothing`` mixes the target with the
    uniform distribution. The mean divides by the summed weights of non-ignored targets.
    """
    _check_tensor(input, "cross_entropy", "input", 1)
    _check_tensor(target, "cross_entropy", "target", 2)
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.shape == target.shape and not target.is_floating_point():
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            + scalar_type_name(target.dtype)
        )
    if input.dim() == 0:  # PyTorch's log_softmax over the class dim 1 fails first
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    if input.numel() == 0 and input.shape != target.shape:
        # PyTorch's log_softmax of an empty tensor runs no kernel, so no dtype check: the
        # target's checks come first
        _check_class_target(input, target, weight, ignore_index)
    _check_loss_input(input, "log_softmax_lastdim_kernel_impl")
    if input.shape == target.shape:
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        common = _dtype.result_type(input, target)  # a float64 target makes a float64 loss
        input = input if input.dtype is common else input.to(common)
        target = target if target.dtype is common else target.to(common)
        weight_array = None
        if weight is not None:
            _check_class_weight(input, weight)
            weight_array = weight._data.astype(input._data.dtype, copy=False)
        return SoftCrossEntropyLoss.apply(input, target, weight_array, reduction, label_smoothing)
    _check_class_target(input, target, weight, ignore_index)
    _check_target_values(input, target, ignore_index)
    target = _one_sample_target(input, target)
    if _class_count(input) == 0:
        return _loss_without_classes(input, reduction, label_smoothing)
    weight_array = None if weight is None else weight._data
    return CrossEntropyLoss.apply(
        input, target._data, weight_array, ignore_index, reduction, label_smoothing
    )


def _check_class_weight(input: Tensor, weight: Tensor) -> None:
    """One weight per class: shape (C,)."""
    n_classes = input.shape[0] if input.dim() == 1 else input.shape[1]
    if weight.dim() != 1 or weight.shape[0] != n_classes:
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes "
            f"but got weight tensor of shape: {_sizes(weight.shape)}"
        )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood: ``-input[n, target[n]]`` (input holds log-probabilities), reduced.

    Shapes and weights as in :func:`cross_entropy` with class-index targets.
    """
    _check_tensor(input, "nll_loss", "input", 1)
    _check_tensor(target, "nll_loss", "target", 2)
    reduction = _reduction(size_average, reduce, reduction)
    if input.dim() == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    _check_class_target(input, target, weight, ignore_index)
    target = _one_sample_target(input, target)
    if not input.is_floating_point():
        raise NotImplementedError(
            f"\"nll_loss_out_frame\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    _check_target_values(input, target, ignore_index)
    if _class_count(input) == 0:
        return _loss_without_classes(input, reduction)
    fn = NllLoss2d if input.dim() > 2 else NllLoss
    weight_array = None if weight is None else weight._data
    return fn.apply(input, target._data, weight_array, ignore_index, reduction)


def _pointwise_loss_operands(
    input: Tensor, target: Tensor, stacklevel: int = 4
) -> tuple[Tensor, Tensor]:
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=stacklevel,
        )
    broadcast_shapes(tuple(input.shape), tuple(target.shape))
    # PyTorch broadcasts the two first, so a 0-d operand's dtype counts in full
    common = _dtype.promote_types(input.dtype, target.dtype)
    input = input if input.dtype is common else input.to(common)
    target = target if target.dtype is common else target.to(common)
    return input, target


def _weighted_pointwise_loss(
    errors: Tensor, weight: Tensor, input: Tensor, reduction: str
) -> Tensor:
    """PyTorch's weighted form: ``errors * weight``, the mean divided by ``weight.sum()``."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = errors * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    return weighted.sum() / weight.sum()


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error ``(input - target)^2``, reduced; ``target`` broadcasts, with a warning."""
    _check_tensor(input, "mse_loss", "input", 1)
    _check_tensor(target, "mse_loss", "target", 2)
    input, target = _pointwise_loss_operands(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted_pointwise_loss((input - target) ** 2, weight, input, reduction)
    if not input.is_floating_point():
        raise NotImplementedError(
            f"\"mse_cpu\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    return MseLoss.apply(input, target, reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced; ``target`` broadcasts (with a warning)."""
    _check_tensor(input, "l1_loss", "input", 1)
    _check_tensor(target, "l1_loss", "target", 2)
    input, target = _pointwise_loss_operands(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted_pointwise_loss((input - target).abs(), weight, input, reduction)
    if reduction == "mean" and not input.is_floating_point():
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {scalar_type_name(input.dtype)}"
        )
    return L1Loss.apply(input, target, reduction)
