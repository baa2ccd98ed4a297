"""Loss functions as differentiable Functions: cross-entropy, NLL, MSE and L1.

Each Function reduces inside its own forward (``reduction`` is 'none', 'mean' or 'sum'),
so a loss is one graph node, as in PyTorch. Class dimensions follow PyTorch: input
(N, C, d1, ...) or unbatched (C,), class-index target (N, d1, ...) or 0-d. Internally
the class dimension is moved last, giving one row of C logits per sample.
Arguments were checked by :mod:`minitorch.nn.functional`; the class indices of a target
are checked here, by the forward that reads them, as PyTorch's kernels check them.
"""

from __future__ import annotations

import numpy as np

from minitorch import kernels
from minitorch._ops.elementwise import unbroadcast
from minitorch._ops.reduce import accumulation_dtype
from minitorch.autograd.function import Function

# the active kernel set's (minitorch.kernels.use() rebinds these names)
cross_entropy_forward, cross_entropy_backward = kernels.bind(
    globals(), "cross_entropy_forward", "cross_entropy_backward"
)


def _classes_last(x: np.ndarray) -> np.ndarray:
    """(N, C, d1, ...) -> (N, d1, ..., C) view; unbatched (C,) -> (1, C)."""
    return x[None] if x.ndim == 1 else np.moveaxis(x, 1, -1)


def _classes_back(grad_last: np.ndarray, ndim: int) -> np.ndarray:
    """Inverse of :func:`_classes_last` for a gradient."""
    return grad_last[0] if ndim == 1 else np.moveaxis(grad_last, -1, 1)


def _check_class_indices(target: np.ndarray, n_classes: int, ignore_index: int) -> None:
    """Every target is a class in ``range(n_classes)`` or ``ignore_index``: PyTorch's IndexError."""
    values = target.astype(np.int64, copy=False)
    out_of_bounds = (values != ignore_index) & ((values < 0) | (values >= n_classes))
    if out_of_bounds.any():
        raise IndexError(f"Target {values[out_of_bounds][0]} is out of bounds.")


def _target_weights(target: np.ndarray, weight: np.ndarray, ignore_index: int) -> np.ndarray:
    """``weight[target]`` per element, 0 where the target is ``ignore_index`` (float64)."""
    ignored = target == ignore_index
    return np.where(ignored, 0.0, weight[np.where(ignored, 0, target)])


def _reduce(losses: np.ndarray, reduction: str, denominator: float, dtype: np.dtype) -> np.ndarray:
    if reduction == "none":
        return losses.astype(dtype, copy=False)
    wide = accumulation_dtype(losses.dtype)  # float16 adds up in float32, as in PyTorch
    total = losses.sum(dtype=wide)
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: 0/0 = nan, as torch
            total = total / denominator
    if wide is losses.dtype:
        return np.asarray(total, dtype=dtype)
    with np.errstate(over="ignore"):  # a float16 sum past 65504 is inf, silently
        return np.asarray(total, dtype=dtype)


def _per_element_grad(grad: np.ndarray, reduction: str, shape: tuple, denominator: float):
    """The upstream gradient of each unreduced loss element (float64, shape ``shape``)."""
    if reduction == "none":
        return grad.astype(np.float64).reshape(shape)
    scale = np.float64(grad)
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = scale / denominator
    return np.full(shape, scale)


class CrossEntropyLoss(Function):
    """Log-softmax and negative log-likelihood in one node, for class-index targets.

    ``weight`` is (C,) or None and gets no gradient; the gradient w.r.t. the logits comes
    from the fused kernel in :mod:`minitorch.kernels.loss`. The mean divides by the summed
    weights of the targets that are not ignored, as PyTorch does.
    """

    # the Numba kernels this Function calls (the active set's), as minitorch.trace() reports them
    kernel = kernels.KernelName("cross_entropy_forward")
    backward_kernel = kernels.KernelName("cross_entropy_backward")
    non_differentiable = (1, 2)  # target, weight: no edges of the node, as in PyTorch

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
        _check_class_indices(target, n_classes, ignore_index)
        rows = np.ascontiguousarray(_classes_last(x).reshape(-1, n_classes))
        flat_target = np.ascontiguousarray(target.reshape(-1), dtype=np.int64)
        class_weight = np.ones(n_classes) if weight is None else weight.astype(np.float64)
        losses = np.empty(rows.shape[0])
        row_max = np.empty(rows.shape[0])
        log_sum = np.empty(rows.shape[0])
        cross_entropy_forward(
            rows, flat_target, class_weight, ignore_index, label_smoothing, losses, row_max, log_sum
        )
        denominator = _target_weights(flat_target, class_weight, ignore_index).sum()
        # target and weight too, unused by backward: as PyTorch saves them, so that backward
        # refuses them changed in place after forward
        ctx.save_for_backward(rows, flat_target, class_weight, row_max, log_sum, target, weight)
        ctx.options = (ignore_index, reduction, label_smoothing, denominator)
        ctx.shapes = x.shape, target.shape
        return _reduce(losses.reshape(target.shape), reduction, denominator, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        rows, flat_target, class_weight, row_max, log_sum, _, _ = ctx.saved_tensors
        ignore_index, reduction, label_smoothing, denominator = ctx.options
        x_shape, target_shape = ctx.shapes
        grad_losses = _per_element_grad(grad, reduction, target_shape, denominator).reshape(-1)
        grad_rows = np.empty_like(rows)
        cross_entropy_backward(
            rows,
            flat_target,
            class_weight,
            ignore_index,
            label_smoothing,
            row_max,
            log_sum,
            grad_losses,
            grad_rows,
        )
        last_shape = _classes_last(np.empty(x_shape, dtype=np.bool_)).shape
        grad_x = _classes_back(grad_rows.reshape(last_shape), len(x_shape))
        return grad_x, None, None, None, None, None


class SoftCrossEntropyLoss(Function):
    """Cross-entropy against class probabilities: ``loss = -sum_c w_c q_c log_softmax(x)_c``.

    ``q = (1 - eps) * target + eps / C`` with label smoothing ``eps``. The mean divides by
    the number of samples, ``input.numel() / C`` as PyTorch computes it: 0 / 0 = nan for an
    input without classes (weights do not enter the denominator, as in PyTorch). Both the
    logits, the target probabilities and ``weight`` (C,) or None all receive gradients, as
    in PyTorch, whose soft-target loss is made of differentiable ops.
    """

    @staticmethod
    def forward(ctx, x, target, weight, reduction, label_smoothing):
        logits = _classes_last(x)
        n_classes = logits.shape[-1]
        # initial: a row of no classes has no max; its log-softmax is empty all the same
        shifted = logits - logits.max(axis=-1, keepdims=True, initial=-np.inf)
        with np.errstate(divide="ignore"):  # log of the empty sum 0
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        probs = _classes_last(target)
        if label_smoothing > 0 and n_classes:  # without classes there is nothing to smooth
            probs = probs * (1 - label_smoothing) + label_smoothing / n_classes
        if weight is None:
            class_weight = np.ones(n_classes, dtype=x.dtype)
        else:
            class_weight = weight.astype(x.dtype, copy=False)
        weighted = probs * class_weight
        losses = -(log_probs * weighted).sum(axis=-1)
        samples = x.size / n_classes if n_classes else np.nan
        ctx.save_for_backward(log_probs, weighted, class_weight, probs)
        ctx.options = (reduction, label_smoothing, x.ndim, samples)
        if x.ndim == 1:
            losses = losses[0]
        return _reduce(losses, reduction, samples, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        log_probs, weighted, class_weight, probs = ctx.saved_tensors
        reduction, label_smoothing, ndim, samples = ctx.options
        per_sample = _per_element_grad(grad, reduction, log_probs.shape[:-1], samples)
        per_sample = per_sample[..., None].astype(log_probs.dtype)
        grad_x = grad_target = None
        if ctx.needs_input_grad[0]:
            softmax = np.exp(log_probs)
            grad_last = per_sample * (softmax * weighted.sum(axis=-1, keepdims=True) - weighted)
            grad_x = _classes_back(grad_last, ndim)
        if ctx.needs_input_grad[1]:
            grad_last = -per_sample * log_probs * class_weight * (1 - label_smoothing)
            grad_target = _classes_back(grad_last, ndim)
        grad_weight = None
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            contributions = -per_sample * log_probs * probs
            grad_weight = contributions.reshape(-1, contributions.shape[-1]).sum(axis=0)
        return grad_x, grad_target, grad_weight, None, None


class NllLoss(Function):
    """Negative log-likelihood: ``loss_i = -weight[t_i] * input[i, t_i]`` (0 where ignored).

    The input holds log-probabilities; ``weight`` (C,) or None gets no gradient. The mean
    divides by the summed weights of the targets that are not ignored.
    """

    non_differentiable = (1, 2)  # target, weight: no edges of the node, as in PyTorch

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
        _check_class_indices(target, n_classes, ignore_index)
        class_weight = np.ones(n_classes) if weight is None else weight.astype(np.float64)
        batch_target = target.reshape(1) if x.ndim == 1 else target
        ignored = batch_target == ignore_index
        safe_target = np.where(ignored, 0, batch_target)[..., None]
        picked = np.take_along_axis(_classes_last(x), safe_target, axis=-1)[..., 0]
        target_weights = _target_weights(batch_target, class_weight, ignore_index)
        losses = np.where(ignored, 0.0, -target_weights * picked)  # ignored: 0 even for -inf
        denominator = target_weights.sum()
        ctx.save_for_backward(safe_target, target_weights, ignored, target, weight)  # as CE does
        ctx.options = (reduction, denominator, x.shape, x.dtype)
        return _reduce(losses.reshape(target.shape), reduction, denominator, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        safe_target, target_weights, ignored, _, _ = ctx.saved_tensors
        reduction, denominator, x_shape, dtype = ctx.options
        per_element = _per_element_grad(grad, reduction, target_weights.shape, denominator)
        grad_x = np.zeros(x_shape, dtype=dtype)
        with np.errstate(invalid="ignore"):  # a zero total weight gives nan, as in PyTorch
            values = np.where(ignored, 0.0, -per_element * target_weights)
        values = values[..., None].astype(dtype)
        np.put_along_axis(_classes_last(grad_x), safe_target, values, axis=-1)
        return grad_x, None, None, None, None


class NllLoss2d(NllLoss):
    """:class:`NllLoss` for inputs with spatial dimensions (PyTorch's node name differs)."""

    backward_name = "NllLoss2DBackward0"


class MseLoss(Function):
    """Mean squared error ``(input - target)^2`` (broadcast), then reduced."""

    @staticmethod
    def forward(ctx, x, target, reduction):
        diff = x - target
        ctx.save_for_backward(diff)
        ctx.shapes = (np.shape(x), np.shape(target), reduction)
        return _reduce(diff * diff, reduction, diff.size, diff.dtype)

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        x_shape, target_shape, reduction = ctx.shapes
        upstream = _per_element_grad(grad, reduction, diff.shape, diff.size).astype(diff.dtype)
        grad_diff = 2 * diff * upstream
        return unbroadcast(grad_diff, x_shape), unbroadcast(-grad_diff, target_shape), None


class L1Loss(Function):
    """Mean absolute error ``|input - target|`` (broadcast), then reduced; sign(0) = 0."""

    @staticmethod
    def forward(ctx, x, target, reduction):
        diff = x - target
        ctx.save_for_backward(diff)
        ctx.shapes = (np.shape(x), np.shape(target), reduction)
        return _reduce(np.abs(diff), reduction, diff.size, diff.dtype)

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        x_shape, target_shape, reduction = ctx.shapes
        upstream = _per_element_grad(grad, reduction, diff.shape, diff.size).astype(diff.dtype)
        grad_diff = np.nan_to_num(np.sign(diff), nan=0.0) * upstream  # sign(nan) = 0, as PyTorch
        return unbroadcast(grad_diff, x_shape), unbroadcast(-grad_diff, target_shape), None
