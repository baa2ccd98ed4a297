"""Batch normalisation as one differentiable Function, on numpy arrays.

Each channel ``c`` of x (N, C, *) is normalised over every other dimension::

    y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c]

with the batch's own statistics in training (the biased variance, as PyTorch) and the
running estimates in evaluation. The sums run in float64 whatever the input's dtype, as
PyTorch's CPU kernels accumulate, so float32 results agree with PyTorch's to a few units in
the last place. Its arguments were checked by :mod:`minitorch._functional.normalization`.
"""

from __future__ import annotations

import numpy as np

from minitorch.autograd.function import Function


def _channel_axes(x: np.ndarray) -> tuple[int, ...]:
    """Every axis but the channels' (axis 1): the ones each statistic is taken over."""
    return (0, *range(2, x.ndim))


def _per_channel(values: np.ndarray, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """(C,) values shaped (1, C, 1, ...) to broadcast against x, in ``dtype``."""
    return values.astype(dtype, copy=False).reshape((1, -1) + (1,) * (x.ndim - 2))


def _working_dtype(x: np.ndarray) -> np.dtype:
    """float64 stays float64; float32 and float16 are computed in float32, as PyTorch's CPU
    kernels compute a half-precision input."""
    return np.dtype(np.float64) if x.dtype == np.float64 else np.dtype(np.float32)


class BatchNorm(Function):
    """``batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps)``.

    x is (N, C, *); weight, bias, running_mean and running_var are (C,) or None. In training
    the statistics are the batch's (count ``n = x.size / C`` per channel), and the running
    estimates, when given, move towards them in place, with the *unbiased* variance::

        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)

    (written straight into the buffers' memory: PyTorch's version counters do not move
    either). Backward, with ``xhat = (x - mean) * invstd`` and ``g`` the output gradient::

        grad_weight = sum(g * xhat)            grad_bias = sum(g)
        grad_x = weight * invstd * (g - sum(g) / n - xhat * sum(g * xhat) / n)   (training)
        grad_x = weight * invstd * g                                            (evaluation)

    The running estimates are state, not inputs of the graph: they get no gradient.
    """

    backward_name = "NativeBatchNormBackward0"
    non_differentiable = (3, 4, 5, 6, 7)

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        work = _working_dtype(x)
        values = x.astype(work, copy=False)
        axes = _channel_axes(x)
        count = x.size // x.shape[1]
        if training:
            # as PyTorch: the mean rounded to the input's precision, the squares of the
            # centred values added up in float64
            mean = values.sum(axis=axes, dtype=np.float64) / count
            centred = values - _per_channel(mean, x, work)
            var_sum = np.square(centred, out=centred).sum(axis=axes, dtype=np.float64)
            invstd = 1.0 / np.sqrt(var_sum / count + eps)
            if running_mean is not None:
                running_mean[...] = momentum * mean + (1 - momentum) * running_mean
                unbiased = var_sum / (count - 1)
                running_var[...] = momentum * unbiased + (1 - momentum) * running_var
        else:
            mean = running_mean.astype(np.float64)
            invstd = 1.0 / np.sqrt(running_var.astype(np.float64) + eps)
        scale = invstd if weight is None else invstd * weight
        shift = -mean * scale if bias is None else bias - mean * scale
        out = values * _per_channel(scale, x, work)
        out += _per_channel(shift, x, work)
        ctx.save_for_backward(x, weight)
        ctx.mean, ctx.invstd, ctx.training, ctx.count = mean, invstd, training, count
        ctx.bias_dtype = None if bias is None else bias.dtype
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_input, need_weight, need_bias = ctx.needs_input_grad[:3]
        work = _working_dtype(x)
        axes = _channel_axes(x)
        grad_values = grad.astype(work, copy=False)
        invstd = ctx.invstd
        grad_sum = grad_values.sum(axis=axes, dtype=np.float64)
        centred = x.astype(work, copy=False) - _per_channel(ctx.mean, x, work)
        dot = (centred * grad_values).sum(axis=axes, dtype=np.float64)
        grad_x = grad_weight = grad_bias = None
        if need_input:
            scale = invstd if weight is None else invstd * weight
            if ctx.training:
                # grad_x = scale * (g - mean(g) - (x - mean) * invstd^2 * mean(g * (x - mean)))
                centred *= _per_channel(dot * invstd * invstd / ctx.count, x, work)
                grad_x = grad_values - centred
                grad_x -= _per_channel(grad_sum / ctx.count, x, work)
                grad_x *= _per_channel(scale, x, work)
            else:
                grad_x = grad_values * _per_channel(scale, x, work)
            grad_x = grad_x.astype(x.dtype, copy=False)
        if need_weight:
            grad_weight = (dot * invstd).astype(weight.dtype)
        if need_bias:
            grad_bias = grad_sum.astype(ctx.bias_dtype)
        return grad_x, grad_weight, grad_bias, None, None, None, None, None
