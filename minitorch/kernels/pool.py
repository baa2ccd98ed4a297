"""2-D max pooling kernels: forward with argmax indices, and backward.

For x (N, C, H, W), one plane ``x[n, c]`` at a time::

    out[n, c, oh, ow]     = max over (kh, kw) of x[n, c, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw]
    indices[n, c, oh, ow] = h * W + w of that maximum (PyTorch's convention: a flat index
                            into the H*W plane of the input, padding not counted)
    grad_x[n, c, h, w]   += grad_out[n, c, oh, ow]   where indices[n, c, oh, ow] == h * W + w

Why plane by plane over NCHW arrays: tensors are NCHW and contiguous at this floor (as in
PyTorch), and a plane is contiguous, so the window walk reads memory nearly in order and
each input element is read about once for non-overlapping windows; no transposed copy of
the activations is needed on the way in or out. Window positions in the padding are
skipped by bounds checks (they would hold -inf, which never wins).

Ties and NaN follow PyTorch's CPU kernel: the scan goes row by row through the window,
a value replaces the running maximum only if it is strictly greater (so the first of
equal values wins) or NaN (so NaN propagates). The running maximum starts at -inf with
the index of the window's first position inside the input.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def max_pool2d_forward(
    x, out, indices, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w
):
    """Fill ``out`` and ``indices`` (both (N, C, OH, OW)) from ``x`` (N, C, H, W); see above."""
    n_samples, channels, height, width = x.shape
    out_h, out_w = out.shape[2], out.shape[3]
    for n in range(n_samples):
        for c in range(channels):
            plane = x[n, c]
            for oh in range(out_h):
                h_start = oh * stride_h - pad_h
                first_h = h_start
                while first_h < 0:
                    first_h += dilation_h
                for ow in range(out_w):
                    w_start = ow * stride_w - pad_w
                    first_w = w_start
                    while first_w < 0:
                        first_w += dilation_w
                    best = -np.inf
                    best_index = first_h * width + first_w
                    for kh in range(kernel_h):
                        h = h_start + kh * dilation_h
                        if h < 0 or h >= height:
                            continue
                        for kw in range(kernel_w):
                            w = w_start + kw * dilation_w
                            if w < 0 or w >= width:
                                continue
                            value = plane[h, w]
                            if value > best or np.isnan(value):
                                best = value
                                best_index = h * width + w
                    out[n, c, oh, ow] = best
                    indices[n, c, oh, ow] = best_index


@numba.njit(cache=True, nogil=True)
def max_pool2d_backward(grad_out, indices, grad_x):
    """Scatter-add ``grad_out`` (N, C, OH, OW) into zeroed ``grad_x`` (N, C, H, W) at ``indices``.

    Overlapping windows (stride < kernel) can pick the same input element; their
    gradients add up.
    """
    n_samples, channels, out_h, out_w = grad_out.shape
    width = grad_x.shape[3]
    for n in range(n_samples):
        for c in range(channels):
            for oh in range(out_h):
                for ow in range(out_w):
                    flat = indices[n, c, oh, ow]
                    grad_x[n, c, flat // width, flat % width] += grad_out[n, c, oh, ow]
