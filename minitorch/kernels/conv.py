"""2-D convolution kernels: im2col / col2im over channels-last arrays, one BLAS GEMM per chunk.

A convolution is a matrix product once every receptive field is copied into a row
("im2col")::

    cols[(n, oh, ow), (g, kh, kw, c)] = x_pad[n, oh*sh + kh*dh, ow*sw + kw*dw, g*Cg + c]
    out[(n, oh, ow), g*Og + o]        = sum_k cols[(n, oh, ow), (g, k)] * w_mat[g, k, o]  (+ bias)

with ``w_mat[g, (kh, kw, c), o] = weight[g*Og + o, c, kh, kw]``. The backward pass is
two more products with the same matrices:

    grad_w_mat[g] = cols[:, g]^T @ grad_out[:, g]      (grad-weight: a GEMM, computed transposed)
    grad_cols[:, g] = grad_out[:, g] @ w_mat[g]^T      then col2im scatter-adds
                                                       grad_cols back into grad_x_pad

Why this shape of algorithm (measured on the project's 2-core machine, see
``shared/PERF_NOTES.md``):

* **Channels last (NHWC) inside.** With channels innermost, the ``kw*C`` values of one
  receptive-field row sit next to each other in memory, so im2col copies contiguous runs
  and the GEMM produces rows ``(n, oh, ow)`` of all output channels. Tensors outside the
  kernel stay NCHW and contiguous, as PyTorch's are (``view`` works on them as there):
  each chunk's rows are transposed into the NCHW output while they are still in cache,
  and the output gradient is gathered back into rows the same way.
* **Chunks of a few samples.** The full-batch im2col matrices of the tutorial model are
  13-52 MB and memory copies run at ~14 GB/s here; building the matrix for a few samples
  at a time keeps it in cache between the copy and the GEMM. Backward rebuilds each
  chunk's matrix instead of storing it.
* **BLAS for the arithmetic.** ``np.matmul`` (multithreaded OpenBLAS) does the
  multiply-adds; the Numba kernels only move data, serially, so the two thread pools
  never compete (no ``prange`` around BLAS calls).

The padded input is built once by :func:`pad_channels_last`; zero padding is then
ordinary data and the copy loops need no bounds checks.
"""

from __future__ import annotations

import numba
import numpy as np

# Size of the im2col buffer for one chunk: small enough to stay in the last-level cache
# between im2col and the GEMM, large enough that the GEMMs are few. Each multithreaded
# BLAS call wakes and joins its threads; on a busy 2-core machine many small calls
# (1 MB chunks) ran several times slower than a few large ones.
CHUNK_BYTES = 16 * 2**20


@numba.njit(cache=True, nogil=True)
def _runs(channels, groups, kernel_w, dilation_w):
    """How receptive-field rows split into contiguous runs of the flattened (Wp*C) input row.

    With one group and no horizontal dilation the kw*C values of a kernel row are one run;
    otherwise each kernel column contributes a run of C/groups channels.
    Returns (run length, runs per kernel row).
    """
    if groups == 1 and dilation_w == 1:
        return kernel_w * channels, 1
    return channels // groups, kernel_w


@numba.njit(cache=True, nogil=True)
def im2col(
    x_pad,
    cols,
    first_sample,
    out_h,
    out_w,
    kernel_h,
    kernel_w,
    stride_h,
    stride_w,
    dilation_h,
    dilation_w,
    groups,
):
    """Copy receptive fields into rows: ``cols[(n, oh, ow), (g, kh, kw, c)]`` (see module doc).

    x_pad: (N, Hp, Wp, C) padded input, channels last, C-contiguous.
    cols:  (n_chunk * out_h * out_w, groups * kernel_h * kernel_w * C/groups), filled for
           samples ``first_sample .. first_sample + n_chunk - 1``.
    The copies run over contiguous stretches of memory (see :func:`_runs`), which is what
    makes channels-last im2col fast; slice assignment compiles to a block copy, about
    twice as fast as an element loop for the tutorial's 160-value runs.
    """
    n_total, padded_h, padded_w, channels = x_pad.shape
    x_rows = x_pad.reshape(n_total, padded_h, padded_w * channels)
    run, runs_per_kernel_row = _runs(channels, groups, kernel_w, dilation_w)
    group_channels = channels // groups
    n_chunk = cols.shape[0] // (out_h * out_w)
    row = 0
    for n in range(first_sample, first_sample + n_chunk):
        for oh in range(out_h):
            for ow in range(out_w):
                col = 0
                for g in range(groups):
                    for kh in range(kernel_h):
                        h = oh * stride_h + kh * dilation_h
                        for kw in range(runs_per_kernel_row):
                            start = (
                                ow * stride_w + kw * dilation_w
                            ) * channels + g * group_channels
                            cols[row, col : col + run] = x_rows[n, h, start : start + run]
                            col += run
                row += 1


@numba.njit(cache=True, nogil=True)
def col2im(
    cols,
    grad_x_pad,
    first_sample,
    out_h,
    out_w,
    kernel_h,
    kernel_w,
    stride_h,
    stride_w,
    dilation_h,
    dilation_w,
    groups,
):
    """The adjoint of :func:`im2col`: scatter-add rows of ``cols`` back into ``grad_x_pad``.

    grad_x_pad[n, oh*sh + kh*dh, ow*sw + kw*dw, g*Cg + c] += cols[(n, oh, ow), (g, kh, kw, c)]
    Shapes as in :func:`im2col`. Overlapping receptive fields (stride < kernel) add up.
    """
    n_total, padded_h, padded_w, channels = grad_x_pad.shape
    grad_rows = grad_x_pad.reshape(n_total, padded_h, padded_w * channels)
    run, runs_per_kernel_row = _runs(channels, groups, kernel_w, dilation_w)
    group_channels = channels // groups
    n_chunk = cols.shape[0] // (out_h * out_w)
    row = 0
    for n in range(first_sample, first_sample + n_chunk):
        for oh in range(out_h):
            for ow in range(out_w):
                col = 0
                for g in range(groups):
                    for kh in range(kernel_h):
                        h = oh * stride_h + kh * dilation_h
                        for kw in range(runs_per_kernel_row):
                            start = (
                                ow * stride_w + kw * dilation_w
                            ) * channels + g * group_channels
                            grad_rows[n, h, start : start + run] += cols[row, col : col + run]
                            col += run
                row += 1


@numba.njit(cache=True, nogil=True)
def rows_to_channels_first(rows, out, first_sample, bias):
    """Transpose a chunk of GEMM rows into the NCHW output and add the bias.

    rows: (n_chunk * OH*OW, O), row (n, p) with p = oh*OW + ow; out: (N, O, OH*OW);
    out[first_sample + n, o, p] = rows[n*OH*OW + p, o] + bias[o].
    """
    n_out, positions = out.shape[1], out.shape[2]
    n_chunk = rows.shape[0] // positions
    for n in range(n_chunk):
        base = n * positions
        for o in range(n_out):
            b = bias[o]
            for p in range(positions):
                out[first_sample + n, o, p] = rows[base + p, o] + b


@numba.njit(cache=True, nogil=True)
def channels_first_to_rows(grad_out, rows, first_sample):
    """The inverse transpose: rows[n*OH*OW + p, o] = grad_out[first_sample + n, o, p].

    grad_out: (N, O, OH*OW) C-contiguous; rows: (n_chunk * OH*OW, O).
    """
    n_out, positions = grad_out.shape[1], grad_out.shape[2]
    n_chunk = rows.shape[0] // positions
    for n in range(n_chunk):
        base = n * positions
        for o in range(n_out):
            for p in range(positions):
                rows[base + p, o] = grad_out[first_sample + n, o, p]


def pad_channels_last(x: np.ndarray, padding: tuple[int, int, int, int]) -> np.ndarray:
    """(N, C, H, W) of any memory layout -> C-contiguous (N, H+top+bottom, W+left+right, C).

    ``padding`` is (top, bottom, left, right); the border is zeros.
    """
    top, bottom, left, right = padding
    n, c, h, w = x.shape
    x_pad = np.zeros((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    x_pad[:, top : top + h, left : left + w, :] = x.transpose(0, 2, 3, 1)
    return x_pad


def weight_matrix(weight: np.ndarray, groups: int) -> np.ndarray:
    """(O, C/groups, KH, KW) -> (groups, KH*KW*C/groups, O/groups), rows ordered (kh, kw, c)."""
    out_channels, group_channels, kernel_h, kernel_w = weight.shape
    per_group = weight.reshape(groups, out_channels // groups, group_channels, kernel_h, kernel_w)
    matrix = per_group.transpose(0, 3, 4, 2, 1).reshape(groups, -1, out_channels // groups)
    return np.ascontiguousarray(matrix)


def output_size(padded: int, kernel: int, stride: int, dilation: int) -> int:
    """Output length along one axis: floor((padded - dilation*(kernel-1) - 1) / stride) + 1."""
    return (padded - dilation * (kernel - 1) - 1) // stride + 1


def _chunking(n: int, rows_per_sample: int, row_bytes: int) -> tuple[int, int]:
    """Samples per chunk (at least 1, about CHUNK_BYTES of im2col rows) and the chunk's rows."""
    samples = max(1, min(n, CHUNK_BYTES // max(1, row_bytes * rows_per_sample)))
    return samples, samples * rows_per_sample


def _group_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray, groups: int) -> None:
    """out[:, g] = a[:, g] @ b[g] for each group's column block of ``a`` and ``out``."""
    if groups == 1:
        np.matmul(a, b[0], out=out)
        return
    depth, width = b.shape[1], b.shape[2]
    for g in range(groups):
        out[:, g * width : (g + 1) * width] = a[:, g * depth : (g + 1) * depth] @ b[g]


def conv2d_forward(
    x_pad: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
) -> np.ndarray:
    """Convolve a padded channels-last input; returns the C-contiguous NCHW output (N, O, OH, OW).

    x_pad: (N, Hp, Wp, C) from :func:`pad_channels_last`; weight: (O, C/groups, KH, KW);
    bias: (O,) or None. Arguments are assumed valid (the functional layer checked them).
    """
    n, padded_h, padded_w, _ = x_pad.shape
    out_channels, _, kernel_h, kernel_w = weight.shape
    out_h = output_size(padded_h, kernel_h, stride[0], dilation[0])
    out_w = output_size(padded_w, kernel_w, stride[1], dilation[1])
    w_mat = weight_matrix(weight, groups)
    geometry = (out_h, out_w, kernel_h, kernel_w, *stride, *dilation, groups)
    positions = out_h * out_w
    chunk, chunk_rows = _chunking(n, positions, w_mat.shape[1] * groups * x_pad.itemsize)
    cols = np.empty((chunk_rows, groups * w_mat.shape[1]), dtype=x_pad.dtype)
    rows = np.empty((chunk_rows, out_channels), dtype=x_pad.dtype)
    out = np.empty((n, out_channels, positions), dtype=x_pad.dtype)
    bias = np.zeros(out_channels, x_pad.dtype) if bias is None else np.ascontiguousarray(bias)
    for first in range(0, n, chunk):
        used = (min(first + chunk, n) - first) * positions
        im2col(x_pad, cols[:used], first, *geometry)
        _group_matmul(cols[:used], w_mat, rows[:used], groups)
        rows_to_channels_first(rows[:used], out, first, bias)
    return out.reshape(n, out_channels, out_h, out_w)


def conv2d_backward(
    x_pad: np.ndarray,
    weight: np.ndarray,
    grad_out: np.ndarray,
    stride: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
    need_input_grad: bool,
    need_weight_grad: bool,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Gradients of :func:`conv2d_forward` w.r.t. the padded input and the weight.

    grad_out: (N, O, OH, OW) C-contiguous. Returns ``(grad_x_pad, grad_weight)`` with
    shapes (N, Hp, Wp, C) (channels last, like ``x_pad``) and (O, C/groups, KH, KW); None
    where not requested. Per chunk, the output gradient is gathered into rows; grad-weight
    adds ``rows^T @ cols`` (im2col rebuilt for the chunk); grad-input multiplies the rows
    by the transposed weight matrix and scatters the result with col2im.
    """
    n, out_channels, out_h, out_w = grad_out.shape
    _, group_channels, kernel_h, kernel_w = weight.shape
    w_mat = weight_matrix(weight, groups)
    w_mat_t = np.ascontiguousarray(w_mat.transpose(0, 2, 1))
    depth, group_out = w_mat.shape[1], w_mat.shape[2]
    geometry = (out_h, out_w, kernel_h, kernel_w, *stride, *dilation, groups)
    positions = out_h * out_w
    grad_flat = grad_out.reshape(n, out_channels, positions)
    chunk, chunk_rows = _chunking(n, positions, depth * groups * x_pad.itemsize)
    cols = np.empty((chunk_rows, groups * depth), dtype=x_pad.dtype)
    rows = np.empty((chunk_rows, out_channels), dtype=x_pad.dtype)
    # grad-weight accumulates transposed, (groups, O/groups, KH*KW*C/groups): OpenBLAS runs
    # rows^T @ cols about 25% faster than cols^T @ rows on these shapes.
    grad_w_mat_t = np.zeros_like(w_mat_t) if need_weight_grad else None
    grad_x_pad = np.zeros_like(x_pad) if need_input_grad else None
    for first in range(0, n, chunk):
        used = (min(first + chunk, n) - first) * positions
        channels_first_to_rows(grad_flat, rows[:used], first)
        if grad_w_mat_t is not None:
            im2col(x_pad, cols[:used], first, *geometry)
            for g in range(groups):
                grad_w_mat_t[g] += (
                    rows[:used, g * group_out : (g + 1) * group_out].T
                    @ cols[:used, g * depth : (g + 1) * depth]
                )
        if grad_x_pad is not None:
            _group_matmul(rows[:used], w_mat_t, cols[:used], groups)
            col2im(cols[:used], grad_x_pad, first, *geometry)
    grad_weight = None
    if grad_w_mat_t is not None:
        per_group = grad_w_mat_t.reshape(groups, group_out, kernel_h, kernel_w, group_channels)
        grad_weight = np.ascontiguousarray(per_group.transpose(0, 1, 4, 2, 3)).reshape(
            out_channels, group_channels, kernel_h, kernel_w
        )
    return grad_x_pad, grad_weight
