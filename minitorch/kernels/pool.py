"""2-D pooling kernels: max pooling (forward with argmax indices, and backward) and adaptive
average pooling.

Max pooling of x (N, C, H, W), one plane ``x[n, c]`` at a time::

    out[n, c, oh, ow]     = max over (kh, kw) of x[n, c, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw]
    indices[n, c, oh, ow] = h * W + w of that maximum (PyTorch's convention: a flat index
                            into the H*W plane of the input, padding not counted)
    grad_x[n, c, h, w]   += grad_out[n, c, oh, ow]   where indices[n, c, oh, ow] == h * W + w

Why plane by plane over NCHW arrays: tensors are NCHW and contiguous at this floor (as in
PyTorch), and a plane is contiguous, so the window walk reads memory nearly in order and
each input element is read about once for non-overlapping windows; no transposed copy of
the activations is needed on the way in or out. The backward pass reuses the forward's
argmax: the flat index addresses the input plane directly, no search and no division.

2x2 windows with stride 2 (the tutorial's ``MaxPool2d(2)``, the most common pooling)
take a fast path written without loops or branches (:func:`max_pool2d_2x2_forward`);
other windows take the general kernel. Backward is one kernel for all windows.

The N*C planes are split over threads (:mod:`minitorch.kernels._threads`), each thread
running the loops on its own planes: planes rather than samples, so that a batch of one
keeps every thread busy too.

Ties and NaN follow PyTorch's CPU kernel: the scan goes row by row through the window,
a value replaces the running maximum only if it is strictly greater (so the first of
equal values wins) or NaN (so NaN propagates). The running maximum starts at -inf with
the index of the window's first position inside the input.

Adaptive average pooling (:func:`adaptive_avg_pool2d_forward`) picks its windows from the
output size, as PyTorch does: output row ``oh`` of ``OH`` averages input rows
``floor(oh * H / OH)`` up to (excluding) ``ceil((oh + 1) * H / OH)``, likewise for columns.
Windows cover the whole input; they overlap when the sizes do not divide, and repeat rows
when the output is larger than the input. The loops follow PyTorch's CPU kernel, so that
float32 results agree to the last bit: the window's sum accumulates in the input's dtype,
row by row, and is divided by the window's height and then by its width; backward adds
``grad_out / height / width`` into each window in output order.
"""

from __future__ import annotations

import numba
import numpy as np

from minitorch.kernels._threads import over_batch

__all__ = [
    "adaptive_avg_pool2d_backward",
    "adaptive_avg_pool2d_forward",
    "adaptive_avg_pool2d_planes_backward",
    "adaptive_avg_pool2d_planes_forward",
    "max_pool2d_2x2_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "max_pool2d_general_forward",
    "max_pool2d_scatter_backward",
]

Pair = tuple[int, int]

# The input elements a thread's part should hold at least: max pooling runs through ~1.5
# elements a nanosecond, so this many take ~40 us, against the ~20-60 us that handing a
# part to a worker thread costs (see minitorch.kernels._threads.over_batch).
PART_ELEMENTS = 2**16


def _plane_grain(plane_size: int) -> int:
    """How many planes of ``plane_size`` elements make a part worth a thread."""
    return max(1, -(-PART_ELEMENTS // max(1, plane_size)))


@numba.njit(cache=True, nogil=True)
def max_pool2d_2x2_forward(x, out, indices, first, last):
    """Fill ``out`` and ``indices`` (N, C, OH, OW) for samples ``first..last-1`` of x.

    2x2 windows with stride 2 and no padding, the four values of each window named one by
    one: ``max`` keeps its first argument unless the second is strictly greater, so the
    maximum is the first of equal values, and the index is that of the first value equal
    to it. Written as straight-line selects, this compiles to branch-free code; the
    general kernel's data-dependent ``if`` in a loop is mispredicted about every other
    value on real data and took ~9x longer on the tutorial's first pooling. A window
    holding NaN (one check that is almost never true, so it costs nothing) gives NaN and
    the index of its last NaN, as the general scan does.
    """
    channels, width = x.shape[1], x.shape[3]
    out_h, out_w = out.shape[2], out.shape[3]
    for n in range(first, last):
        for c in range(channels):
            for oh in range(out_h):
                h = 2 * oh
                for ow in range(out_w):
                    w = 2 * ow
                    top_left, top_right = x[n, c, h, w], x[n, c, h, w + 1]
                    low_left, low_right = x[n, c, h + 1, w], x[n, c, h + 1, w + 1]
                    best = max(max(top_left, top_right), max(low_left, low_right))
                    at = h * width + w  # flat index of the top-left value
                    index = at + width + 1
                    index = at + width if low_left == best else index
                    index = at + 1 if top_right == best else index
                    index = at if top_left == best else index
                    has_nan = (
                        top_left != top_left
                        or top_right != top_right
                        or low_left != low_left
                        or low_right != low_right
                    )
                    if has_nan:
                        best = np.nan
                        index = at
                        index = at + 1 if top_right != top_right else index
                        index = at + width if low_left != low_left else index
                        index = at + width + 1 if low_right != low_right else index
                    out[n, c, oh, ow] = best
                    indices[n, c, oh, ow] = index


@numba.njit(cache=True, nogil=True)
def max_pool2d_general_forward(
    x,
    out,
    indices,
    first,
    last,
    kernel_h,
    kernel_w,
    stride_h,
    stride_w,
    pad_h,
    pad_w,
    dilation_h,
    dilation_w,
):
    """Fill ``out`` and ``indices`` (N, C, OH, OW) for samples ``first..last-1`` of x.

    Any window: positions in the padding are skipped by bounds checks (they would hold
    -inf, which never wins).
    """
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    out_h, out_w = out.shape[2], out.shape[3]
    for n in range(first, last):
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
def max_pool2d_scatter_backward(grad_out, indices, grad_x, first, last):
    """Scatter-add ``grad_out`` (N, C, OH*OW) into ``grad_x`` (N, C, H*W) at ``indices``.

    Samples ``first..last-1`` of grad_x are zeroed first. Overlapping windows (stride <
    kernel) can pick the same input element; their gradients add up. The flat index
    addresses the input plane directly: no search, no division.
    """
    channels, positions = grad_out.shape[1], grad_out.shape[2]
    for n in range(first, last):
        for c in range(channels):
            plane = grad_x[n, c]
            size = plane.shape[0]
            plane[:] = 0.0
            for p in range(positions):
                index = indices[n, c, p]
                # A window lying wholly in the padding (ceil_mode) holds -inf and an index
                # outside the plane: it has no input to send a gradient to.
                if 0 <= index < size:
                    plane[index] += grad_out[n, c, p]


def _fits_2x2_kernel(
    shape: tuple[int, ...],
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    output_size: Pair,
) -> bool:
    """Whether :func:`max_pool2d_2x2_forward` applies to these windows.

    It needs 2x2 windows, stride 2, no padding or dilation, and every window inside the
    input (``ceil_mode`` can add a last one that is not).
    """
    height, width = shape[-2:]
    return (
        tuple(kernel) == tuple(stride) == (2, 2)
        and tuple(padding) == (0, 0)
        and tuple(dilation) == (1, 1)
        and 2 * output_size[0] <= height
        and 2 * output_size[1] <= width
    )


def max_pool2d_forward(
    x: np.ndarray,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    output_size: Pair,
) -> tuple[np.ndarray, np.ndarray]:
    """Max-pool x (N, C, H, W); returns ``(out, indices)``, both (N, C, OH, OW).

    Arguments are assumed valid (the functional layer checked them).
    """
    x = np.ascontiguousarray(x)
    n, channels = x.shape[:2]
    out = np.empty((n, channels, *output_size), dtype=x.dtype)
    indices = np.empty((n, channels, *output_size), dtype=np.int64)
    # the kernels walk samples of one plane each: all N*C planes split over the threads, so
    # that a batch smaller than the thread count keeps every thread busy
    planes, plane_out, plane_indices = (
        a.reshape(n * channels, 1, *a.shape[2:]) for a in (x, out, indices)
    )
    grain = _plane_grain(x.shape[2] * x.shape[3])
    if _fits_2x2_kernel(x.shape, kernel, stride, padding, dilation, output_size):
        over_batch(
            n * channels,
            lambda start, stop: max_pool2d_2x2_forward(
                planes, plane_out, plane_indices, start, stop
            ),
            grain,
        )
    else:
        window = (*kernel, *stride, *padding, *dilation)
        grain = _plane_grain(output_size[0] * output_size[1] * kernel[0] * kernel[1])
        over_batch(
            n * channels,
            lambda start, stop: max_pool2d_general_forward(
                planes, plane_out, plane_indices, start, stop, *window
            ),
            grain,
        )
    return out, indices


def max_pool2d_backward(
    grad_out: np.ndarray, indices: np.ndarray, input_shape: tuple[int, ...]
) -> np.ndarray:
    """The gradient (shaped ``input_shape``, (N, C, H, W)) of :func:`max_pool2d_forward`."""
    n, channels, height, width = input_shape
    planes = n * channels
    positions = grad_out.shape[2] * grad_out.shape[3]
    grad_x = np.empty(input_shape, dtype=grad_out.dtype)
    flat_grad = np.ascontiguousarray(grad_out).reshape(planes, 1, positions)
    flat_indices = indices.reshape(planes, 1, positions)
    flat_x = grad_x.reshape(planes, 1, height * width)
    over_batch(
        planes,
        lambda start, stop: max_pool2d_scatter_backward(
            flat_grad, flat_indices, flat_x, start, stop
        ),
        _plane_grain(height * width),
    )
    return grad_x


# ------------------------------------------------------------------ adaptive average pooling
@numba.njit(cache=True, nogil=True)
def adaptive_avg_pool2d_planes_forward(x, out, first, last):
    """Fill ``out[p]`` (P, OH, OW) with the window means of planes ``first..last-1`` of x (P, H, W).

    ``out[p, oh, ow] = sum(x[p, h0:h1, w0:w1]) / (h1 - h0) / (w1 - w0)`` with
    ``h0 = floor(oh * H / OH)``, ``h1 = ceil((oh + 1) * H / OH)`` and likewise w0, w1.
    """
    height, width = x.shape[1], x.shape[2]
    out_h, out_w = out.shape[1], out.shape[2]
    for p in range(first, last):
        for oh in range(out_h):
            h0 = (oh * height) // out_h
            h1 = ((oh + 1) * height + out_h - 1) // out_h
            window_h = x.dtype.type(h1 - h0)  # in x's dtype, so float32 divides as float32
            for ow in range(out_w):
                w0 = (ow * width) // out_w
                w1 = ((ow + 1) * width + out_w - 1) // out_w
                total = x.dtype.type(0)
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        total += x[p, h, w]
                out[p, oh, ow] = total / window_h / x.dtype.type(w1 - w0)


@numba.njit(cache=True, nogil=True)
def adaptive_avg_pool2d_planes_backward(grad_out, grad_x, first, last):
    """Spread ``grad_out[p]`` (P, OH, OW) over the windows of ``grad_x[p]`` (P, H, W).

    Planes ``first..last-1`` of grad_x are zeroed, then each output position adds
    ``grad_out[p, oh, ow] / (h1 - h0) / (w1 - w0)`` to every input element of its window
    (the windows of :func:`adaptive_avg_pool2d_planes_forward`); an element in several
    windows collects them all.
    """
    height, width = grad_x.shape[1], grad_x.shape[2]
    out_h, out_w = grad_out.shape[1], grad_out.shape[2]
    for p in range(first, last):
        grad_x[p] = 0.0
        for oh in range(out_h):
            h0 = (oh * height) // out_h
            h1 = ((oh + 1) * height + out_h - 1) // out_h
            window_h = grad_x.dtype.type(h1 - h0)
            for ow in range(out_w):
                w0 = (ow * width) // out_w
                w1 = ((ow + 1) * width + out_w - 1) // out_w
                share = grad_out[p, oh, ow] / window_h / grad_x.dtype.type(w1 - w0)
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        grad_x[p, h, w] += share


def adaptive_avg_pool2d_forward(x: np.ndarray, output_size: Pair) -> np.ndarray:
    """Adaptive average pooling of x (N, C, H, W) to (N, C, OH, OW).

    The planes (all N*C of them, so that a batch of one still splits over the threads)
    are divided between the threads. Arguments are assumed valid (H, W >= 1).
    """
    n, channels, height, width = x.shape
    planes = np.ascontiguousarray(x).reshape(n * channels, height, width)
    out = np.empty((n * channels, *output_size), dtype=x.dtype)
    over_batch(
        n * channels,
        lambda start, stop: adaptive_avg_pool2d_planes_forward(planes, out, start, stop),
    )
    return out.reshape(n, channels, *output_size)


def adaptive_avg_pool2d_backward(grad_out: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """The gradient, shaped ``input_shape`` (N, C, H, W), of :func:`adaptive_avg_pool2d_forward`."""
    n, channels, height, width = input_shape
    planes_out = np.ascontiguousarray(grad_out).reshape(n * channels, *grad_out.shape[2:])
    grad_x = np.empty((n * channels, height, width), dtype=grad_out.dtype)
    over_batch(
        n * channels,
        lambda start, stop: adaptive_avg_pool2d_planes_backward(planes_out, grad_x, start, stop),
    )
    return grad_x.reshape(input_shape)
