"""Reference kernels: the convolution, max-pooling and cross-entropy kernels as plain loops.

Read these first. Each function computes one formula with one loop nest, in the order the
formula is written: no im2col, no channels-last copies, no chunks, no threads, no BLAS.
They take the same arguments and return the same arrays (same shapes and dtypes) as the
fast kernels in :mod:`minitorch.kernels.conv`, :mod:`minitorch.kernels.pool` and
:mod:`minitorch.kernels.loss`, and sums are accumulated as there: a convolution's in the
array's dtype (as BLAS does for float32), the cross-entropy's in float64. So the results
agree with the fast kernels' up to the order of the additions; the tests check that they
agree, and that both agree with PyTorch.

``minitorch.kernels.use("reference")`` makes the Functions of :mod:`minitorch._ops` call
these instead of the fast ones (``MINITORCH_KERNELS=reference`` at import does the same).
``docs/kernels.md`` walks from these loops to the fast kernels, with measured speeds.

Arguments are assumed valid (the functional layer checked them), as for the fast kernels.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "conv2d_backward",
    "conv2d_forward",
    "cross_entropy_backward",
    "cross_entropy_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
]

Pair = tuple[int, int]


def _output_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    """Output length along one axis of a padded input of length ``size``."""
    return (size - dilation * (kernel - 1) - 1) // stride + 1


# ------------------------------------------------------------------------------ convolution
@numba.njit(cache=True, nogil=True)
def _conv2d_out(
    x, weight, bias, out, stride_h, stride_w, top, left, dilation_h, dilation_w, groups
):
    """Fill ``out`` (N, O, OH, OW)::

    out[n, o, oh, ow] = sum over c < C/groups, kh < KH, kw < KW of
                          weight[o, c, kh, kw] * x[n, g*C/groups + c, h, w]
                        + bias[o]
        with g = o // (O/groups), h = oh*sh - top + kh*dh, w = ow*sw - left + kw*dw;
        terms with (h, w) outside the input are the zero padding, and skipped.
    """
    samples, _, height, width = x.shape
    out_channels, group_channels, kernel_h, kernel_w = weight.shape
    out_h, out_w = out.shape[2], out.shape[3]
    group_out = out_channels // groups
    for n in range(samples):
        for o in range(out_channels):
            first_channel = (o // group_out) * group_channels
            for oh in range(out_h):
                for ow in range(out_w):
                    total = out.dtype.type(0)
                    for c in range(group_channels):
                        for kh in range(kernel_h):
                            h = oh * stride_h - top + kh * dilation_h
                            if h < 0 or h >= height:
                                continue
                            for kw in range(kernel_w):
                                w = ow * stride_w - left + kw * dilation_w
                                if 0 <= w < width:
                                    total += weight[o, c, kh, kw] * x[n, first_channel + c, h, w]
                    out[n, o, oh, ow] = total + bias[o]


@numba.njit(cache=True, nogil=True)
def _conv2d_grad_input(
    weight, grad_out, grad_x, stride_h, stride_w, top, left, dilation_h, dilation_w, groups
):
    """Fill ``grad_x`` (N, C, H, W): each input element collects the output gradients of
    the windows it was in, weighted by the weight it met there::

    grad_x[n, g*C/groups + c, h, w] = sum over o in group g, kh, kw of
                                        grad_out[n, o, oh, ow] * weight[o, c, kh, kw]
        where h = oh*sh - top + kh*dh and w = ow*sw - left + kw*dw, that is
        oh = (h + top - kh*dh) / sh and ow = (w + left - kw*dw) / sw, when those divide
        exactly and land inside the output.
    """
    samples, channels, height, width = grad_x.shape
    out_channels, group_channels, kernel_h, kernel_w = weight.shape
    out_h, out_w = grad_out.shape[2], grad_out.shape[3]
    group_out = out_channels // groups
    for n in range(samples):
        for channel in range(channels):
            g, c = channel // group_channels, channel % group_channels
            for h in range(height):
                for w in range(width):
                    total = grad_x.dtype.type(0)
                    for o in range(g * group_out, (g + 1) * group_out):
                        for kh in range(kernel_h):
                            row = h + top - kh * dilation_h
                            if row < 0 or row % stride_h != 0 or row // stride_h >= out_h:
                                continue
                            oh = row // stride_h
                            for kw in range(kernel_w):
                                column = w + left - kw * dilation_w
                                if column < 0 or column % stride_w != 0:
                                    continue
                                ow = column // stride_w
                                if ow < out_w:
                                    total += grad_out[n, o, oh, ow] * weight[o, c, kh, kw]
                    grad_x[n, channel, h, w] = total


@numba.njit(cache=True, nogil=True)
def _conv2d_grad_weight(
    x, grad_out, grad_weight, stride_h, stride_w, top, left, dilation_h, dilation_w, groups
):
    """Fill ``grad_weight`` (O, C/groups, KH, KW): each weight collects the input values it
    multiplied, weighted by the output gradient of the product they made::

    grad_weight[o, c, kh, kw] = sum over n, oh, ow of
                                  grad_out[n, o, oh, ow] * x[n, g*C/groups + c, h, w]
        with g, h and w as in the forward pass (zero padding skipped).
    """
    samples, _, height, width = x.shape
    out_channels, group_channels, kernel_h, kernel_w = grad_weight.shape
    out_h, out_w = grad_out.shape[2], grad_out.shape[3]
    group_out = out_channels // groups
    for o in range(out_channels):
        first_channel = (o // group_out) * group_channels
        for c in range(group_channels):
            for kh in range(kernel_h):
                for kw in range(kernel_w):
                    total = grad_weight.dtype.type(0)
                    for n in range(samples):
                        for oh in range(out_h):
                            h = oh * stride_h - top + kh * dilation_h
                            if h < 0 or h >= height:
                                continue
                            for ow in range(out_w):
                                w = ow * stride_w - left + kw * dilation_w
                                if 0 <= w < width:
                                    total += grad_out[n, o, oh, ow] * x[n, first_channel + c, h, w]
                    grad_weight[o, c, kh, kw] = total


@numba.njit(cache=True, nogil=True)
def _conv2d_grad_bias(grad_out, grad_bias):
    """Fill ``grad_bias`` (O,): ``grad_bias[o] = sum over n, oh, ow of grad_out[n, o, oh, ow]``."""
    samples, out_channels, out_h, out_w = grad_out.shape
    for o in range(out_channels):
        total = grad_bias.dtype.type(0)
        for n in range(samples):
            for oh in range(out_h):
                for ow in range(out_w):
                    total += grad_out[n, o, oh, ow]
        grad_bias[o] = total


def conv2d_forward(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: Pair,
    padding: tuple[int, int, int, int],
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    """Convolve x (N, C, H, W) with weight (O, C/groups, KH, KW) (see :func:`_conv2d_out`).

    bias: (O,) or None; padding: (top, bottom, left, right) zeros. Returns (N, O, OH, OW)
    with ``OH = (H + top + bottom - dh*(KH-1) - 1) // sh + 1`` and likewise OW. Output
    channel o of group ``g = o // (O/groups)`` sees input channels ``g*C/groups`` onwards.
    """
    x, weight = np.ascontiguousarray(x), np.ascontiguousarray(weight)
    top, bottom, left, right = padding
    out_h = _output_size(x.shape[2] + top + bottom, weight.shape[2], stride[0], dilation[0])
    out_w = _output_size(x.shape[3] + left + right, weight.shape[3], stride[1], dilation[1])
    out = np.empty((x.shape[0], weight.shape[0], out_h, out_w), dtype=x.dtype)
    bias = np.zeros(weight.shape[0], x.dtype) if bias is None else np.ascontiguousarray(bias)
    _conv2d_out(x, weight, bias, out, *stride, top, left, *dilation, groups)
    return out


def conv2d_backward(
    x: np.ndarray,
    weight: np.ndarray,
    grad_out: np.ndarray,
    stride: Pair,
    padding: tuple[int, int, int, int],
    dilation: Pair,
    groups: int,
    need_input_grad: bool,
    need_weight_grad: bool,
    need_bias_grad: bool,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Gradients of :func:`conv2d_forward` w.r.t. x, the weight and the bias.

    grad_out: (N, O, OH, OW). Returns ``(grad_x, grad_weight, grad_bias)`` shaped like x,
    weight and (O,), None where not requested; each is one loop nest
    (:func:`_conv2d_grad_input`, :func:`_conv2d_grad_weight`, :func:`_conv2d_grad_bias`).
    """
    x, weight = np.ascontiguousarray(x), np.ascontiguousarray(weight)
    grad_out = np.ascontiguousarray(grad_out)
    top, _, left, _ = padding
    geometry = (*stride, top, left, *dilation, groups)
    grad_x = grad_weight = grad_bias = None
    if need_input_grad:
        grad_x = np.empty_like(x)
        _conv2d_grad_input(weight, grad_out, grad_x, *geometry)
    if need_weight_grad:
        grad_weight = np.empty_like(weight)
        _conv2d_grad_weight(x, grad_out, grad_weight, *geometry)
    if need_bias_grad:
        grad_bias = np.empty(weight.shape[0], dtype=grad_out.dtype)
        _conv2d_grad_bias(grad_out, grad_bias)
    return grad_x, grad_weight, grad_bias


# ------------------------------------------------------------------------------ max pooling
@numba.njit(cache=True, nogil=True)
def _max_pool2d_out(
    x, out, indices, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, kernel_h, kernel_w
):
    """Fill ``out`` and ``indices`` (N, C, OH, OW)::

    out[n, c, oh, ow]     = max over kh < KH, kw < KW of x[n, c, h, w]
                            with h = oh*sh - ph + kh*dh, w = ow*sw - pw + kw*dw inside the input
    indices[n, c, oh, ow] = h * W + w of that maximum

    PyTorch's CPU loop, tie and NaN rules included: the window is scanned row by row from
    its first tap inside the input; a value replaces the running maximum (which starts at
    -inf) when it is strictly greater, so the first of equal values wins, or when it is
    NaN, so NaN propagates. The index starts at that first tap, which is what a window
    with no tap inside the input (possible with ceil_mode) keeps.
    """
    samples, channels, height, width = x.shape
    out_h, out_w = out.shape[2], out.shape[3]
    for n in range(samples):
        for c in range(channels):
            for oh in range(out_h):
                h_start = oh * stride_h - pad_h
                h_end = min(h_start + (kernel_h - 1) * dilation_h + 1, height)
                while h_start < 0:
                    h_start += dilation_h
                for ow in range(out_w):
                    w_start = ow * stride_w - pad_w
                    w_end = min(w_start + (kernel_w - 1) * dilation_w + 1, width)
                    while w_start < 0:
                        w_start += dilation_w
                    best = -np.inf
                    best_index = h_start * width + w_start
                    for h in range(h_start, h_end, dilation_h):
                        for w in range(w_start, w_end, dilation_w):
                            value = x[n, c, h, w]
                            if value > best or np.isnan(value):
                                best = value
                                best_index = h * width + w
                    out[n, c, oh, ow] = best
                    indices[n, c, oh, ow] = best_index


@numba.njit(cache=True, nogil=True)
def _max_pool2d_grad_input(grad_out, indices, grad_x):
    """Fill ``grad_x`` (N, C, H*W): each output gradient goes to the input element that won
    its window::

    grad_x[n, c, i] = sum over (oh, ow) with indices[n, c, oh, ow] == i of grad_out[n, c, oh, ow]

    Overlapping windows can pick the same element, and their gradients add up; a window
    with no tap inside the input (its index lies outside the plane) sends nothing.
    """
    samples, channels, positions = grad_x.shape
    out_h, out_w = grad_out.shape[2], grad_out.shape[3]
    for n in range(samples):
        for c in range(channels):
            for i in range(positions):
                grad_x[n, c, i] = 0.0
            for oh in range(out_h):
                for ow in range(out_w):
                    index = indices[n, c, oh, ow]
                    if 0 <= index < positions:
                        grad_x[n, c, index] += grad_out[n, c, oh, ow]


def max_pool2d_forward(
    x: np.ndarray,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    output_size: Pair,
) -> tuple[np.ndarray, np.ndarray]:
    """Max-pool x (N, C, H, W); returns ``(out, indices)``, both (N, C, OH, OW), the indices
    int64 (see :func:`_max_pool2d_out`). ``output_size`` (OH, OW) comes from the functional
    layer, which applied ``ceil_mode``."""
    x = np.ascontiguousarray(x)
    out = np.empty((*x.shape[:2], *output_size), dtype=x.dtype)
    indices = np.empty(out.shape, dtype=np.int64)
    _max_pool2d_out(x, out, indices, *stride, *padding, *dilation, *kernel)
    return out, indices


def max_pool2d_backward(
    grad_out: np.ndarray, indices: np.ndarray, input_shape: tuple[int, ...]
) -> np.ndarray:
    """The gradient, shaped ``input_shape`` (N, C, H, W), of :func:`max_pool2d_forward`
    (see :func:`_max_pool2d_grad_input`)."""
    n, channels, height, width = input_shape
    grad_x = np.empty((n, channels, height * width), dtype=grad_out.dtype)
    _max_pool2d_grad_input(np.ascontiguousarray(grad_out), np.ascontiguousarray(indices), grad_x)
    return grad_x.reshape(input_shape)


# ---------------------------------------------------------------------------- cross-entropy
@numba.njit(cache=True, nogil=True)
def cross_entropy_forward(
    logits, target, weight, ignore_index, label_smoothing, losses, row_max, log_sum
):
    """Fill ``losses``, ``row_max`` and ``log_sum`` (M,) for logits (M, C), target (M,) and
    class weights (C,), with label smoothing ``eps``; every sum in float64::

    row_max[i] = m_i = max_c x[i, c]
    log_sum[i] = s_i = log sum_c exp(x[i, c] - m_i)
    logp(i, c)       = (x[i, c] - m_i) - s_i                      (log-softmax)
    losses[i]        = -(1 - eps) * w[t_i] * logp(i, t_i) - (eps / C) * sum_c w[c] * logp(i, c)
                       and 0 where t_i == ignore_index

    ``(x - m) - s`` rather than ``x - (m + s)``: for large logits ``m + s`` rounds to ``m``.
    """
    n_rows, n_classes = logits.shape
    for i in range(n_rows):
        m = -np.inf
        for c in range(n_classes):
            m = max(m, np.float64(logits[i, c]))
        total = 0.0
        for c in range(n_classes):
            total += np.exp(np.float64(logits[i, c]) - m)
        s = np.log(total)
        row_max[i], log_sum[i] = m, s
        t = target[i]
        if t == ignore_index:
            losses[i] = 0.0
            continue
        smoothed = 0.0
        for c in range(n_classes):
            smoothed += weight[c] * ((np.float64(logits[i, c]) - m) - s)
        target_logp = (np.float64(logits[i, t]) - m) - s
        losses[i] = (
            -(1.0 - label_smoothing) * weight[t] * target_logp
            - label_smoothing / n_classes * smoothed
        )


@numba.njit(cache=True, nogil=True)
def cross_entropy_backward(
    logits,
    target,
    weight,
    ignore_index,
    label_smoothing,
    row_max,
    log_sum,
    grad_losses,
    grad_logits,
):
    """Fill ``grad_logits`` (M, C) from ``grad_losses`` (M,) (g_i, the upstream gradient of
    each row's loss) and the ``row_max`` and ``log_sum`` of :func:`cross_entropy_forward`::

    p(i, j)            = exp((x[i, j] - m_i) - s_i)                  (softmax)
    grad_logits[i, j]  = g_i * ( p(i, j) * ((1 - eps) * w[t_i] + (eps / C) * sum_c w[c])
                                 - (1 - eps) * w[t_i] * [j == t_i] - (eps / C) * w[j] )
                         and 0 where t_i == ignore_index
    """
    n_rows, n_classes = logits.shape
    weight_total = 0.0
    for c in range(n_classes):
        weight_total += weight[c]
    smooth = label_smoothing / n_classes
    for i in range(n_rows):
        t = target[i]
        for j in range(n_classes):
            if t == ignore_index:
                grad_logits[i, j] = 0.0
                continue
            p = np.exp((np.float64(logits[i, j]) - row_max[i]) - log_sum[i])
            on_target = 1.0 if j == t else 0.0
            target_weight = (1.0 - label_smoothing) * weight[t]
            grad_logits[i, j] = grad_losses[i] * (
                p * (target_weight + smooth * weight_total)
                - target_weight * on_target
                - smooth * weight[j]
            )
