"""Argument checks and PyTorch's names, shared by the functional floor.

Every public op normalises and validates its arguments before one ``Function.apply``;
the checks live here, once: broadcasting, dimension wrapping, int-or-pair arguments, the
dtype names PyTorch prints in its messages, and the named checks of ``nn.functional``'s
layers (convolution, padding, pooling, linear, the class-index losses). The Functions
below the functional floor trust what they are given.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from minitorch import _dtype

if TYPE_CHECKING:  # the checks read only a tensor's shape and dtype
    from minitorch._tensor import Tensor

__all__ = [
    "IntPair",
    "checked_conversion",
    "parsed_number",
    "adaptive_pool2d_output_pair",
    "broadcast_shapes",
    "conversion_type_name",
    "check_class_target",
    "check_adaptive_pool2d_input",
    "check_class_weight",
    "check_conv2d_dims",
    "check_conv2d_operands",
    "check_conv2d_window",
    "check_dropout_probability",
    "check_kernel_dtype",
    "check_linear",
    "check_pad",
    "class_count",
    "conv2d_geometry",
    "conv2d_padding",
    "conv_pair",
    "cpp_type_name",
    "max_pool2d_geometry",
    "max_pool2d_output_size",
    "pair",
    "scalar_type_name",
    "wrap_dim",
    "wrap_dims",
]

IntPair = int | Sequence[int]


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape, or PyTorch's RuntimeError naming the sizes that clash."""
    ndim = max(len(s) for s in shapes)
    result = []
    for axis in range(-ndim, 0):
        sizes = [s[axis] for s in shapes if len(s) >= -axis]
        target = max(sizes) if 0 not in sizes else 0
        for n in sizes:
            if n not in (1, target):
                a, b = shapes[0], shapes[1] if len(shapes) > 1 else shapes[0]
                size_a = a[axis] if len(a) >= -axis else 1
                size_b = b[axis] if len(b) >= -axis else 1
                raise RuntimeError(
                    f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                    f"at non-singleton dimension {axis + ndim} (shapes {list(a)} and {list(b)})"
                )
        result.append(target)
    return tuple(result)


def wrap_dim(dim: int, ndim: int) -> int:
    """``dim`` as an index in ``range(ndim)`` (negative counts from the end), IndexError otherwise.

    A 0-d tensor accepts ``dim`` 0 and -1, as in PyTorch.
    """
    dim = operator.index(dim)
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def wrap_dims(dims: Sequence[int], ndim: int) -> tuple[int, ...]:
    """Several dims wrapped; RuntimeError if one repeats."""
    wrapped = tuple(wrap_dim(d, ndim) for d in dims)
    for i, d in enumerate(wrapped):
        if d in wrapped[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


def pair(value: IntPair, message: str = "") -> tuple[int, int]:
    """An int or a sequence of one or two ints, as a pair; RuntimeError(message) otherwise."""
    if isinstance(value, int):
        return (value, value)
    values = tuple(value)
    if len(values) == 1:
        return (values[0], values[0])
    if len(values) != 2:
        raise RuntimeError(message)
    return values  # type: ignore[return-value]


# PyTorch's two spellings of a dtype in its messages: the scalar-type name ("expected
# scalar type Float", kept with the dtypes in _dtype.SCALAR_TYPE_NAMES, which promotion's
# errors need too) and the C++ type name ("expected m1 and m2 to have the same dtype,
# but got: float != long int").
_CPP_TYPE_NAMES = {
    _dtype.float16: "c10::Half",
    _dtype.float32: "float",
    _dtype.float64: "double",
    _dtype.uint8: "unsigned char",
    _dtype.uint16: "unsigned short",
    _dtype.uint32: "unsigned int",
    _dtype.uint64: "unsigned long",
    _dtype.int8: "signed char",
    _dtype.int16: "short int",
    _dtype.int32: "int",
    _dtype.int64: "long int",
    _dtype.bool: "bool",
}


# ... and the fixed-width C++ name in its scalar-conversion errors ("value cannot be converted
# to type int8_t without overflow").
_CONVERSION_TYPE_NAMES = {
    _dtype.float16: "c10::Half",
    _dtype.float32: "float",
    _dtype.float64: "double",
    _dtype.uint8: "uint8_t",
    _dtype.uint16: "uint16_t",
    _dtype.uint32: "uint32_t",
    _dtype.uint64: "uint64_t",
    _dtype.int8: "int8_t",
    _dtype.int16: "int16_t",
    _dtype.int32: "int",
    _dtype.int64: "int64_t",
    _dtype.bool: "bool",
}


def scalar_type_name(d: _dtype.dtype) -> str:
    """PyTorch's scalar-type name of ``d`` (``Long``, ``Float``)."""
    return _dtype.SCALAR_TYPE_NAMES[d]


def cpp_type_name(d: _dtype.dtype) -> str:
    """PyTorch's C++ type name of ``d`` (``long int``, ``float``)."""
    return _CPP_TYPE_NAMES[d]


# What the Numba kernels have no loops for (integers run exactly through the float64 ones).
_NO_KERNEL_DTYPES = (_dtype.float16, _dtype.bool)
# pad's modes besides 'constant', each copying input elements into the border
_INDEX_PAD_MODES = ("reflect", "replicate", "circular")


# ------------------------------------------------------------------ nn.functional's checks
# Each raises what PyTorch raises for the same call, with its message and in its order;
# nn.functional calls them between normalising its arguments and its one Function.apply.


def check_kernel_dtype(input: Tensor, fn: str) -> None:
    """The Numba kernels are compiled for float32 and float64; integers go through float64."""
    if input.dtype in _NO_KERNEL_DTYPES:
        raise NotImplementedError(
            f"{fn} on {input.dtype} tensors is not supported by minitorch (float32 and float64 are)"
        )


def conv_pair(value: IntPair, name: str) -> tuple[int, int]:
    """A 2-D convolution's ``stride``, ``padding`` or ``dilation``: an int or 1 or 2 values."""
    if isinstance(value, int) or len(value) in (1, 2):
        return pair(value)
    raise RuntimeError(
        f"expected {name} to be a single integer value or a list of 2 values to match the "
        f"convolution dimensions, but got {name}={list(value)}"
    )


def check_conv2d_dims(input: Tensor, weight: Tensor) -> None:
    """A (N, C, H, W) or (C, H, W) input and a (C_out, C_in/groups, kH, kW) weight."""
    if input.dim() not in (3, 4):
        raise RuntimeError(
            "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
            f"{list(input.shape)}"
        )
    if weight.dim() < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if weight.dim() != 4:
        raise RuntimeError(
            f"expected stride to be a single integer value or a list of {weight.dim() - 2} values "
            "to match the convolution dimensions, but got stride=[1, 1]"
        )


def conv2d_geometry(
    stride: IntPair, padding: IntPair | str, dilation: IntPair, groups: int
) -> tuple[tuple[int, int], tuple[int, int] | str, tuple[int, int]]:
    """``stride``, ``padding`` and ``dilation`` as pairs (a padding string stays), all in range."""
    stride = conv_pair(stride, "stride")
    dilation = conv_pair(dilation, "dilation")
    if not isinstance(padding, str):
        padding = conv_pair(padding, "padding")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    if not isinstance(padding, str) and min(padding) < 0:
        raise RuntimeError("negative padding is not supported")
    return stride, padding, dilation


def check_conv2d_operands(input: Tensor, weight: Tensor, bias: Tensor | None, groups: int) -> None:
    """The weight splits into ``groups``, matches the input's channels and the bias; one dtype."""
    batch_shape = list(input.shape) if input.dim() == 4 else [1, *input.shape]
    weight_shape = list(weight.shape)
    if weight_shape[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, "
            f"but got weight of size {weight_shape} instead"
        )
    if weight_shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{weight_shape}] instead"
        )
    if batch_shape[1] != weight_shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {weight_shape}, expected "
            f"input{batch_shape} to have {weight_shape[1] * groups} channels, but got "
            f"{batch_shape[1]} channels instead"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight_shape[0]):
        raise RuntimeError(
            f"Given weight of size {weight_shape}, expected bias to be 1-dimensional with "
            f"{weight_shape[0]} elements, but got bias of size {list(bias.shape)} instead"
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
            f"{batch_shape}"
        )


def conv2d_padding(
    padding: tuple[int, int] | str,
    kernel: Sequence[int],
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


def check_conv2d_window(
    input: Tensor,
    pads: tuple[int, int, int, int],
    kernel: Sequence[int],
    dilation: tuple[int, int],
) -> None:
    """The dilated kernel fits in the padded input."""
    height, width = input.shape[-2:]
    padded = (height + pads[0] + pads[1], width + pads[2] + pads[3])
    dilated = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    if padded[0] < dilated[0] or padded[1] < dilated[1]:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
            f"({dilated[0]} x {dilated[1]}). Kernel size can't be greater than actual input size"
        )


def check_pad(input: Tensor, pad: tuple[int, ...], mode: str, value: float | None) -> None:
    """``pad`` lists (before, after) pairs from the last dimension, negative ones cropping;
    PyTorch's limits of each mode, with its messages, in its order."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {input.dim()}"
        )
    if mode == "constant":
        _check_constant_pad(input, pad)
        return
    if mode not in _INDEX_PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    padded = len(pad) // 2
    if not 1 <= padded <= 3 or input.dim() not in (padded + 1, padded + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    if mode == "circular":
        _check_circular_pad(input, pad)
    else:
        _check_border_pad(input, pad, mode)


def _check_constant_pad(input: Tensor, pad: tuple[int, ...]) -> None:
    """A negative pad narrows its dimension first, outer dimensions first, as PyTorch's
    ``constant_pad_nd`` does; what would leave fewer than no elements is its RuntimeError."""
    for i in range(len(pad) // 2):
        size = input.shape[input.dim() - len(pad) // 2 + i]
        before, after = pad[len(pad) - 2 * i - 2], pad[len(pad) - 2 * i - 1]
        for crop in (before, after):
            if crop < 0:
                size += crop
                if size < 0:
                    raise RuntimeError("narrow(): length must be non-negative.")


_PAD_DIM_NAMES = ("W", "H", "D")  # the padded dims from the last one, as PyTorch names them
_TOO_SMALL_INPUTS = {1: "W: {W}", 2: "H: {H}, W: {W}", 3: "D: {D} H: {H}, W: {W}"}


def _check_border_pad(input: Tensor, pad: tuple[int, ...], mode: str) -> None:
    """``reflect`` and ``replicate``: (N,) C and 1 to 3 spatial dims, none empty but N; a
    reflection shorter than its dimension; an output of at least one element per dimension
    (``reflect``: in one dimension at least)."""
    padded = len(pad) // 2
    shape = list(input.shape)
    first = 1 if input.dim() == padded + 2 else 0
    if any(n == 0 for n in shape[first:]):
        raise RuntimeError(
            f"Expected {padded + 1}D or {padded + 2}D (batch mode) tensor with possibly 0 batch "
            f"size and other non-zero dimensions for input, but got: {shape}"
        )
    sizes = [shape[-1 - i] for i in range(padded)]  # W, H, D
    outputs = [n + pad[2 * i] + pad[2 * i + 1] for i, n in enumerate(sizes)]
    if mode == "reflect":
        for i, n in enumerate(sizes):
            before, after = pad[2 * i], pad[2 * i + 1]
            if before >= n or after >= n:
                raise RuntimeError(
                    f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({before}, {after}) at dimension "
                    f"{input.dim() - 1 - i} of input {shape}"
                )
    names = _PAD_DIM_NAMES[:padded][::-1]  # D, H, W
    inputs = dict(zip(names, sizes[::-1], strict=True))
    results = " ".join(f"{n}: {o}" for n, o in zip(names, outputs[::-1], strict=True))
    if (padded == 1 and outputs[0] < 1) or (mode == "reflect" and max(outputs) < 1):
        given = _TOO_SMALL_INPUTS[padded].format(**inputs)
        raise RuntimeError(f"input ({given}) is too small. Calculated output {results}")
    if mode == "replicate" and min(outputs) < 1:
        given = ", ".join(f"{n}: {inputs[n]}" for n in names)
        raise RuntimeError(
            f"Calculated output {results} must be >= 1 in every dimension (input {given})"
        )
    if min(outputs) < 0:  # reflect lets a dimension go below one element while another has one
        out_shape = shape[: input.dim() - padded] + outputs[::-1]
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(outputs)}: {out_shape}"
        )


def _check_circular_pad(input: Tensor, pad: tuple[int, ...]) -> None:
    """``circular``: no pad longer than its dimension, no output dimension below zero, and
    (minitorch's own limit) a border no longer than what is left of the input after cropping:
    PyTorch copies such a border from memory it has not written yet, or is writing (values
    that depend on its copy order, or its overlapping-memory error)."""
    padded = len(pad) // 2
    dims = [
        (
            dim,
            input.shape[dim],
            pad[2 * (input.dim() - 1 - dim)],
            pad[2 * (input.dim() - 1 - dim) + 1],
        )
        for dim in range(input.dim() - padded, input.dim())
    ]
    for _, size, before, after in dims:
        if before > size or after > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if size + before + after < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    for dim, size, before, after in dims:
        kept = size - max(-before, 0) - max(-after, 0)
        if kept < 0:
            raise RuntimeError(
                f"circular padding ({before}, {after}) of dimension {dim} crops more than its "
                f"{size} elements (PyTorch fails to copy the slices it cuts there)"
            )
        if size + before + after > 0 and (max(before, after) > kept or kept == 0):
            raise RuntimeError(
                f"circular padding ({before}, {after}) of dimension {dim} (size {size}) wraps "
                f"around the {max(kept, 0)} elements its negative padding leaves: PyTorch copies "
                "that border from memory it has not written yet, which minitorch does not do"
            )


def max_pool2d_geometry(
    kernel_size: IntPair, stride: IntPair | None, padding: IntPair, dilation: IntPair
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Kernel, stride (the kernel's when omitted), padding and dilation as pairs."""
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
    return kernel, stride, padding, dilation


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


def max_pool2d_output_size(
    input: Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    ceil_mode: bool,
) -> tuple[int, int]:
    """(H_out, W_out) of max pooling ``input``, after PyTorch's checks of the geometry."""
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
            f"but got:{list(input.shape)}"
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
    return out_h, out_w


def check_linear(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """input (*, in_features), weight (out_features, in_features), a bias that broadcasts."""
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
    if input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{weight.shape[1]}x{weight.shape[0]})"
        )
    if bias is None:
        return
    target = [*input.shape[:-1], weight.shape[0]]
    if bias.dim() > len(target) or any(
        b not in (1, t) for b, t in zip(reversed(bias.shape), reversed(target), strict=False)
    ):
        raise RuntimeError(
            f"The expanded size of the tensor ({target[-1]}) must match the existing size "
            f"({bias.shape[-1]}) at non-singleton dimension {len(target) - 1}.  Target sizes: "
            f"{target}.  Tensor sizes: {list(bias.shape)}"
        )
    if bias.dtype is not input.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {scalar_type_name(bias.dtype)} "
            f"and {scalar_type_name(input.dtype)}"
        )


def class_count(input: Tensor) -> int:
    """The classes of a loss's input: dimension 1 of (N, C, d1, ...), dimension 0 of (C,)."""
    return input.shape[0] if input.dim() == 1 else input.shape[1]


def check_class_weight(input: Tensor, weight: Tensor) -> None:
    """One weight per class: shape (C,)."""
    n_classes = class_count(input)
    if weight.dim() != 1 or weight.shape[0] != n_classes:
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}"
        )


def _check_target_dtype(target: Tensor) -> None:
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {scalar_type_name(target.dtype)}"
        )


def check_class_target(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    """The checks of PyTorch's ``nll_loss_nd`` for class-index targets, with its messages,
    in its order: the batch size first, the target's dtype among the shape checks.

    The values of the target (each a class or the ignored index) are checked by the loss's
    Function, last, as PyTorch's kernels check them.
    """
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
        expected = [input.shape[0], *input.shape[2:]]
        if input.dim() != 4 and list(target.shape) != expected:
            raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
        _check_target_dtype(target)
        if list(target.shape) != expected:
            raise RuntimeError(
                f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}"
            )
    if weight is not None:
        check_class_weight(input, weight)
        if weight.dtype is not input.dtype:
            raise RuntimeError(
                f"expected scalar type {scalar_type_name(input.dtype)} but found "
                f"{scalar_type_name(weight.dtype)}"
            )


def conversion_type_name(d: _dtype.dtype) -> str:
    """PyTorch's C++ name of ``d`` in scalar-conversion errors (``int8_t``, ``c10::Half``)."""
    return _CONVERSION_TYPE_NAMES[d]


# ------------------------------------------------------------------ dropout and adaptive pooling
def check_dropout_probability(p: float) -> None:
    """PyTorch's ValueError for a dropout probability outside [0, 1] (layer and function)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def check_adaptive_pool2d_input(input: Tensor, fn: str) -> None:
    """PyTorch's checks of an adaptive 2-D pooling's input: 3-D or 4-D, with its last two
    dimensions not empty, of a floating dtype."""
    shape = list(input.shape)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"{fn}(): Expected 3D or 4D tensor, but got {shape}")
    for dim in (input.dim() - 2, input.dim() - 1):
        if shape[dim] == 0:
            raise RuntimeError(
                f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {shape} with dimension {dim} being empty"
            )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{scalar_type_name(input.dtype)}'")
    check_kernel_dtype(input, fn)


def adaptive_pool2d_output_pair(sizes: Sequence[int], fn: str) -> tuple[int, int]:
    """An adaptive 2-D pooling's output size (ints, as parsed), checked: two, none negative."""
    if len(sizes) != 2:
        raise RuntimeError(f"{fn}: output_size must be 2")
    height, width = sizes
    if height < 0 or width < 0:
        raise RuntimeError(
            f"{fn}: elements of output_size must be greater than or equal to 0 but received "
            f"{{{height}, {width}}}"
        )
    return height, width


# ------------------------------------------------------------------ numbers written into tensors
def parsed_number(value: int | float | bool | complex) -> int | float | bool | complex:
    """A Python number as PyTorch's argument parser takes it for a Scalar: an int must fit in
    64 bits, signed or unsigned, or it is an OverflowError with PyTorch's message."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value >= 2**64:
            raise OverflowError("int too big to convert")
        if value < -(2**63):
            raise OverflowError("can't convert negative int to unsigned")
    return value


def checked_conversion(
    value: int | float | bool | complex,
    dtype: _dtype.dtype,
    checked_as: _dtype.dtype | None = None,
) -> int | float | bool:
    """``value`` as a number that ``dtype`` holds, or PyTorch's RuntimeError where it cannot
    hold it (``c10::checked_convert``, which ``fill_``, ``masked_fill`` and ``x[i] = v`` use).

    A complex number must be real; a float into an integer dtype must lie in
    ``[min, max + 1)`` (it is then truncated toward 0, and NaN and inf do not fit); an int
    into an unsigned dtype may be as low as ``-max`` (it wraps around, as in C); a finite
    number must not exceed a float dtype's largest. A bool dtype takes anything.
    ``checked_as`` names the dtype the check is made in where PyTorch converts through a
    wider one first (``fill_`` of a float16 tensor checks as float64, then rounds to inf).
    """
    check = checked_as or dtype
    if check is _dtype.bool:
        return bool(value)
    overflow = RuntimeError(
        f"value cannot be converted to type {conversion_type_name(check)} without overflow"
    )
    if isinstance(value, complex):
        if value.imag != 0:
            raise overflow
        value = value.real
    if isinstance(value, bool):
        value = int(value)
    if check.is_floating_point:
        # inf and NaN pass: only a finite number too large for the dtype overflows
        largest = np.inf if check is _dtype.float64 else float(np.finfo(check.numpy_dtype).max)
        if not -largest <= value <= largest and np.isfinite(value):
            raise overflow
        return value
    info = np.iinfo(check.numpy_dtype)
    if isinstance(value, float):
        if not info.min <= value < info.max + 1:  # NaN compares False: it does not fit either
            raise overflow
        return int(value)
    if not (-info.max if info.min == 0 else info.min) <= value <= info.max:
        raise overflow
    return value % (info.max + 1) if info.min == 0 else value
