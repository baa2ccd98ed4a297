"""``minitorch.nn.functional``: the layers as functions, with PyTorch's checks and messages.

This is the floor that normalises arguments (an int or a pair, ``padding='same'``,
unbatched inputs, legacy ``size_average``/``reduce``), validates them with the named
checks of :mod:`minitorch._checks`, and raises the exception PyTorch raises, with a message
naming the shapes. Each function then makes one ``Function.apply``: the Functions below it
in ``minitorch/_ops`` trust what they are given.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Sequence

from minitorch import _creation, _dtype
from minitorch._checks import (
    IntPair,
    adaptive_pool2d_output_pair,
    broadcast_shapes,
    check_adaptive_pool2d_input,
    check_class_target,
    check_class_weight,
    check_conv2d_dims,
    check_conv2d_operands,
    check_conv2d_window,
    check_dropout_probability,
    check_kernel_dtype,
    check_linear,
    check_pad,
    class_count,
    conv2d_geometry,
    conv2d_padding,
    max_pool2d_geometry,
    max_pool2d_output_size,
    scalar_type_name,
)
from minitorch._functional import elementwise as _elementwise
from minitorch._functional import inplace as _inplace
from minitorch._functional import reduce as _reduce
from minitorch._functional.normalization import batch_norm
from minitorch._ops import conv as _conv
from minitorch._ops import linear as _linear
from minitorch._ops import loss as _loss
from minitorch._ops import pool as _pool
from minitorch._ops import shape as _shape
from minitorch._tensor import Tensor
from minitorch.autograd.grad_mode import is_grad_enabled
from minitorch.nn._reduction import legacy_get_string

__all__ = [
    "adaptive_avg_pool2d",
    "batch_norm",
    "conv2d",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "l1_loss",
    "linear",
    "log_softmax",
    "max_pool2d",
    "max_pool2d_with_indices",
    "mse_loss",
    "nll_loss",
    "pad",
    "relu",
    "relu_",
    "sigmoid",
    "softmax",
    "tanh",
]

# pad's Function for each mode but 'constant' and number of padded dims (PyTorch's node names)
_BORDER_PAD_FUNCTIONS = {
    ("reflect", 1): _shape.ReflectionPad1D,
    ("reflect", 2): _shape.ReflectionPad2D,
    ("reflect", 3): _shape.ReflectionPad3D,
    ("replicate", 1): _shape.ReplicationPad1D,
    ("replicate", 2): _shape.ReplicationPad2D,
    ("replicate", 3): _shape.ReplicationPad3D,
    ("circular", 1): _shape.CircularPad1D,
    ("circular", 2): _shape.CircularPad2D,
    ("circular", 3): _shape.CircularPad3D,
}
_REDUCTIONS = ("none", "mean", "sum")


def _check_tensor(value: object, fn: str, name: str, position: int) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{fn}(): argument '{name}' (position {position}) must be Tensor, "
            f"not {type(value).__name__}"
        )


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
    check_conv2d_dims(input, weight)
    stride, padding, dilation = conv2d_geometry(stride, padding, dilation, groups)
    check_conv2d_operands(input, weight, bias, groups)
    check_kernel_dtype(input, "conv2d")
    kernel = weight.shape[2:]
    pads = conv2d_padding(padding, kernel, stride, dilation)
    check_conv2d_window(input, pads, kernel, dilation)
    return _conv.Convolution.apply(input, weight, bias, stride, pads, dilation, groups)


def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad ``input``; ``pad`` lists (before, after) pairs starting from the last dimension,
    a negative one cropping that side.

    ``mode='constant'`` fills with ``value`` (default 0) on any number of dimensions;
    ``'reflect'``, ``'replicate'`` and ``'circular'`` pad the last k = 1, 2 or 3 dimensions
    (``len(pad) == 2k``) of a (C, *spatial) or (N, C, *spatial) input: k + 1 or k + 2 dims.
    """
    _check_tensor(input, "pad", "input", 1)
    pad = tuple(int(p) for p in pad)
    check_pad(input, pad, mode, value)
    if mode == "constant":
        return _shape.ConstantPadNd.apply(input, pad, 0.0 if value is None else value)
    return _BORDER_PAD_FUNCTIONS[mode, len(pad) // 2].apply(input, pad)


# ------------------------------------------------------------------ pooling
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
    kernel, stride, padding, dilation = max_pool2d_geometry(kernel_size, stride, padding, dilation)
    output_size = max_pool2d_output_size(input, kernel, stride, padding, dilation, ceil_mode)
    check_kernel_dtype(input, "max_pool2d")
    return _pool.MaxPool2DWithIndices.apply(
        input, kernel, stride, padding, dilation, output_size, return_indices
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


def _argument_type_name(value: object) -> str:
    """A type as PyTorch's argument parser names it: ``float``, ``Tensor``, ``numpy.float64``."""
    kind = type(value)
    if kind.__module__ == "builtins" or issubclass(kind, Tensor):
        return kind.__name__
    return f"{kind.__module__}.{kind.__qualname__}"


def _as_index(value: object) -> int | None:
    """``value`` as an int where PyTorch's argument parser takes one (an int, a numpy integer,
    a one-element integer tensor), else None."""
    if isinstance(value, Tensor):
        is_integer = not value.is_floating_point() and value.dtype is not _dtype.bool
        return int(value.item()) if is_integer and value.numel() == 1 else None
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        return None


def _adaptive_output_size(
    output_size: int | Sequence[int | None], input: Tensor, fn: str
) -> tuple[int, int]:
    """(OH, OW) from ``output_size``, read as PyTorch reads it.

    An int stands for both sizes. A sequence is matched to the input's last dimensions
    (the input must have more dimensions than it has entries) and None keeps the input's
    size there. PyTorch's argument parser then wants ints (bools are refused only in the
    first place), and the op exactly two, none negative.
    """
    if isinstance(output_size, bool):
        raise TypeError(
            f"{fn}(): argument 'output_size' (position 2) must be tuple of ints, not bool"
        )
    if isinstance(output_size, int):
        return adaptive_pool2d_output_pair([output_size, output_size], fn)
    shape = tuple(input.shape)
    if len(shape) <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    defaults = shape[len(shape) - len(output_size) :]
    sizes = []
    for position, (value, default) in enumerate(zip(output_size, defaults, strict=True)):
        value = default if value is None else value
        index = None if position == 0 and isinstance(value, bool) else _as_index(value)
        if index is None and position == 0:
            raise TypeError(
                f"{fn}(): argument 'output_size' (position 2) must be tuple of ints, but found "
                f"element of type {_argument_type_name(value)} at pos 0"
            )
        if index is None:
            raise TypeError(
                f"{fn}(): argument 'output_size' failed to unpack the object at pos "
                f'{position + 1} with error "type must be tuple of ints,but got '
                f'{_argument_type_name(value)}"'
            )
        sizes.append(index)
    return adaptive_pool2d_output_pair(sizes, fn)


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """2-D adaptive average pooling of (N, C, H, W) or (C, H, W) to (N, C, OH, OW) or (C, OH, OW).

    ``output_size`` is an int (a square output) or a pair whose None entries keep the
    input's size. Output row ``i`` averages input rows ``floor(i*H/OH)`` up to
    ``ceil((i+1)*H/OH)`` (exclusive), columns likewise, so any sizes work: windows overlap
    where the sizes do not divide and repeat rows where the output is the larger.
    """
    if not isinstance(input, Tensor):
        # PyTorch reads input.size() before anything else
        raise AttributeError(f"'{type(input).__name__}' object has no attribute 'size'")
    output_size = _adaptive_output_size(output_size, input, "adaptive_avg_pool2d")
    if output_size == (1, 1):
        # PyTorch computes this case as a mean over the last two dimensions, with mean's
        # checks (and its gradient node) instead of the pooling's
        return _reduce.mean(input, (-1, -2), keepdim=True)
    check_adaptive_pool2d_input(input, "adaptive_avg_pool2d")
    return _pool.AdaptiveAvgPool2D.apply(input, output_size)


# ------------------------------------------------------------------ dropout
def _dropout(input: Tensor, p: float, training: bool, inplace: bool, per_channel: bool) -> Tensor:
    """PyTorch's dropout recipe, step by step (``per_channel``: one draw per (N, C) plane).

    A noise tensor holds 1 with probability ``1 - p`` (drawn from minitorch's default
    generator, :func:`minitorch.manual_seed`), divided by ``1 - p`` in ``input``'s dtype;
    the output is ``input * noise``, so the gradient is ``grad * noise`` and a dropped NaN
    stays NaN. Out of training, with ``p=0`` or an empty input, ``input`` itself comes
    back; ``p=1`` multiplies by a 0-d zero.
    """
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        noise = _creation.zeros((), dtype=input.dtype)
    else:
        shape = tuple(input.shape)
        if per_channel:
            if len(shape) < 2:
                raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
            shape = shape[:2] + (1,) * (len(shape) - 2)
        keep = 1 - p
        drawn = _creation.rand(*shape, dtype=_dtype.float64) < keep
        noise = _inplace.div_(drawn.to(input.dtype), keep)
    return _inplace.mul_(input, noise) if inplace else _elementwise.mul(input, noise)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``.

    Any shape. The output is ``input * noise`` with ``noise`` 0 or ``1 / (1 - p)``, drawn
    from minitorch's default generator; out of training (or with ``p=0``) it is ``input``
    itself. ``inplace=True`` writes the product into ``input``.
    """
    check_dropout_probability(p)
    _check_tensor(input, "dropout", "input", 1)
    return _dropout(input, p, training, inplace, per_channel=False)


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels (each ``input[n, c]``) with probability ``p``, scaling the others.

    input (N, C, H, W); a 3-D input is taken as (N, C, L), as PyTorch still does, with
    its warnings (and a warning for any other number of dimensions).
    """
    check_dropout_probability(p)
    dims = input.dim()
    if dims not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {dims}-D input to dropout2d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior "
            "and silence this warning, please use dropout instead. Note that dropout2d "
            "exists to provide channel-wise dropout on inputs with 2 spatial dimensions, "
            "a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if dims == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
            "1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _dropout(input, p, training, inplace, per_channel=True)


# ------------------------------------------------------------------ activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)`` elementwise; the gradient at 0 is 0."""
    return _inplace.relu_(input) if inplace else _elementwise.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`."""
    return _inplace.relu_(input)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))`` elementwise."""
    return _elementwise.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return _elementwise.tanh(input)


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
    return _reduce.softmax(input, dim, dtype=dtype)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: _dtype.dtype | None = None
) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _reduce.log_softmax(input, dim, dtype=dtype)


# ------------------------------------------------------------------ linear
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: input (*, in_features), weight (out_features, in_features)."""
    _check_tensor(input, "linear", "input", 1)
    _check_tensor(weight, "linear", "weight", 2)
    check_linear(input, weight, bias)
    return _linear.Linear.apply(input, weight, bias)


# ------------------------------------------------------------------ losses
def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The ``reduction`` string, from the legacy ``size_average``/``reduce`` flags if given."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _one_sample_target(input: Tensor, target: Tensor) -> Tensor:
    """A 1-D input is one sample: its target of shape (1,) acts as a 0-d one (a 0-d loss)."""
    return target.reshape(()) if input.dim() == 1 else target


def _loss_without_classes(
    input: Tensor, target: Tensor, ignore_index: int, reduction: str, label_smoothing: float = 0.0
) -> Tensor:
    """The class-index loss of an input with zero classes, where every target must be ignored.

    Any other target is out of bounds (the Functions check the targets of inputs with
    classes). Each sample contributes 0 (the kernels cannot fold an empty class dimension),
    so 'none' gives zeros shaped like the target, 'sum' gives 0 and 'mean' divides by zero
    weight: nan. With label smoothing PyTorch scales the reduced smoothing term by
    ``eps / C = inf``: the loss becomes 0 * inf = nan, even the 'sum' over no samples (here
    times nan, which numpy does not warn about).
    """
    kept = [t for t in target.reshape(-1).tolist() if t != ignore_index]
    if kept:
        raise IndexError(f"Target {kept[0]} is out of bounds.")
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
    check_kernel_dtype(input, kernel_name)


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
        check_class_target(input, target, weight)
    _check_loss_input(input, "log_softmax_lastdim_kernel_impl")
    if input.shape == target.shape:
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        common = _dtype.result_type(input, target)  # a float64 target makes a float64 loss
        input = input if input.dtype is common else input.to(common)
        target = target if target.dtype is common else target.to(common)
        if weight is not None:
            check_class_weight(input, weight)
        return _loss.SoftCrossEntropyLoss.apply(input, target, weight, reduction, label_smoothing)
    check_class_target(input, target, weight)
    target = _one_sample_target(input, target)
    _check_weight_without_grad(input, weight)
    if class_count(input) == 0:
        return _loss_without_classes(input, target, ignore_index, reduction, label_smoothing)
    return _loss.CrossEntropyLoss.apply(
        input, target, weight, ignore_index, reduction, label_smoothing
    )


def _check_weight_without_grad(input: Tensor, weight: Tensor | None) -> None:
    """PyTorch's class-index losses have no gradient for ``weight``, and say so rather than
    leave a weight that requires grad without one."""
    if weight is not None and weight.requires_grad and is_grad_enabled():
        kernel = "nll_loss2d_forward" if input.dim() > 2 else "nll_loss_forward"
        raise RuntimeError(
            f"The function '{kernel}' is not differentiable with respect to argument 'weight'. "
            "This input cannot have requires_grad True."
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
    check_class_target(input, target, weight)
    target = _one_sample_target(input, target)
    if not input.is_floating_point():
        raise NotImplementedError(
            f"\"nll_loss_out_frame\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    _check_weight_without_grad(input, weight)
    if class_count(input) == 0:
        return _loss_without_classes(input, target, ignore_index, reduction)
    fn = _loss.NllLoss2d if input.dim() > 2 else _loss.NllLoss
    return fn.apply(input, target, weight, ignore_index, reduction)


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
    return _loss.MseLoss.apply(input, target, reduction)


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
    return _loss.L1Loss.apply(input, target, reduction)
