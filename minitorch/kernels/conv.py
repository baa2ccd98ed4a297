"""2-D convolution: a direct kernel for float32, else im2col over a channels-last copy and BLAS.

**The direct kernel** (:mod:`minitorch.kernels._direct`) computes every float32, one-group
convolution whose output channels are a multiple of 16, on AVX-512 machines: the forward
pass, the weight gradient, and at stride and dilation 1 the input gradient (a "full"
convolution of the output gradient with the turned weight). It multiplies straight out of
the padded channels-last input, 24 vector accumulators in registers, with no im2col
matrix. On the tutorial's three layers it runs at 80-100 GFLOP/s on one core here, against
46-74 for OpenBLAS on the im2col products; the convolutions it does not take (other
dtypes, groups, odd channel counts, the input gradient of a strided convolution) go the
im2col way below.

**im2col.** A convolution is a matrix product once every receptive field is copied into
a row ("im2col"). For one sample, with P = OH*OW output positions and K = KH*KW*C/groups::

    cols[p, (g, kh, kw, c)] = x_pad[oh*sh + kh*dh, ow*sw + kw*dw, g*Cg + c]    p = oh*OW + ow
    out[g*Og + o, p]        = sum_k w_mat[g, o, k] * cols[p, (g, k)]  + bias[g*Og + o]

with ``w_mat[g, o, (kh, kw, c)] = weight[g*Og + o, c, kh, kw]``: ``out = w_mat @ cols^T`` per
group. The backward pass is two more products with the same matrices::

    grad_w_mat[g] += grad_out[g] @ cols[:, g]          (summed over the samples)
    grad_cols[:, g] = grad_out[g]^T @ w_mat[g]         then col2im scatter-adds grad_cols
                                                       back into the padded input gradient

Why this shape of algorithm (measured on the project's 2-core machines, on the tutorial
model's three convolutions at batch 64, float32):

* **Channels last (NHWC) on the input side.** im2col copies the input into a padded
  channels-last buffer first. With channels innermost, the ``KW*C`` values of one row of a
  receptive field sit next to each other, so every row of ``cols`` is ``KH`` contiguous
  copies; zero padding is ordinary data and the copies need no bounds checks.
* **Channels first (NCHW) on the output side.** ``w_mat @ cols^T`` produces ``(O, P)``,
  which is exactly one sample of the NCHW output, so outputs stay C-contiguous NCHW as in
  PyTorch (``view`` works on them) without a transpose; in backward the output gradient is
  used in place, untouched. BLAS reads ``cols^T`` as a transposed view, at no cost. For
  receptive fields of 64 values or more, forward computes ``cols @ w_mat^T`` instead, into a
  small ``(P, O)`` buffer transposed into the output: OpenBLAS runs that shape 1.1-1.5x
  faster, and the transpose of one sample's output costs little (:func:`conv2d_forward`).
* **A few samples at a time.** The full-batch im2col matrices of the tutorial model are
  13-52 MB and memory copies run at ~14 GB/s here; building them for a few samples at a
  time (:data:`CHUNK_BYTES`) keeps each in cache between the copy and the product.
  Backward rebuilds each chunk's matrix instead of storing it. A sample whose matrix is
  larger than that (VGG's 224x224 layers: 115 MB; a 64-channel 300x300 input with an
  11x11 kernel: 2.6 GB) is worked through a few output rows at a time, so the buffer stays
  about :data:`CHUNK_BYTES` whatever the image size; in forward those row tiles are split
  over the threads too, so one large image keeps both cores busy.
* **Copies that vectorise.** The copy loops walk flat arrays with unsigned positions
  (:func:`_copy_run`): Numba then emits no negative-index check per access and LLVM
  vectorises the loops, which made im2col 4-6x faster than slice assignment.
* **The batch split over threads.** Each thread (:mod:`minitorch.kernels._threads`) takes
  a contiguous run of samples and works through it with serial Numba kernels and
  one-thread BLAS; the copy loops only move data and BLAS does the multiply-adds.
* **A small batch split inside its samples.** A batch that does not divide evenly over
  the threads (one sample on two threads) is cut into row tiles that do (:func:`tiling`),
  in forward and in backward. Left whole, a batch of one ran on one thread with BLAS's
  own threads: on a busy 2-core machine the tutorial's three convolutions (forward and
  backward) took 4-9x longer at best and 10-50x at the median (spinning BLAS threads).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from minitorch.kernels import _direct
from minitorch.kernels._threads import grain_of, num_threads, over_batch, worth_splitting

__all__ = ["col2im", "conv2d_backward", "conv2d_forward", "direct_forward_units", "im2col"]

# Size of one thread's im2col buffer: small enough to stay in cache between the copy and
# the product, large enough that the per-call overheads of the products stay small.
CHUNK_BYTES = 2**20
# Below this many samples per thread, a batch that does not divide evenly over the threads
# is cut into row tiles that do (see :func:`tiling`).
SMALL_BATCH = 8
# From this receptive-field length (KH*KW*C/groups) on, forward multiplies a sample or a row
# tile as cols @ w_mat^T (see :func:`conv2d_forward`).
ROWS_FIRST_DEPTH = 64


class ConvGeometry(NamedTuple):
    """The sizes a convolution's kernels share, worked out once per call."""

    channels: int
    height: int
    width: int
    out_channels: int
    kernel_h: int
    kernel_w: int
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int, int, int]  # top, bottom, left, right
    groups: int
    out_h: int
    out_w: int

    @property
    def padded_shape(self) -> tuple[int, int, int]:
        """(Hp, Wp, C) of one sample's padded channels-last copy."""
        top, bottom, left, right = self.padding
        return self.height + top + bottom, self.width + left + right, self.channels

    @property
    def positions(self) -> int:
        return self.out_h * self.out_w

    @property
    def depth(self) -> int:
        """K: the length of one group's receptive field, KH*KW*C/groups."""
        return self.kernel_h * self.kernel_w * self.channels // self.groups

    def samples_per_chunk(self, itemsize: int) -> int:
        """How many samples' im2col rows fill about :data:`CHUNK_BYTES` (at least one)."""
        return max(1, CHUNK_BYTES // max(1, self._position_bytes(itemsize) * self.positions))

    def rows_per_tile(self, itemsize: int) -> int:
        """How many output rows of one sample fill about :data:`CHUNK_BYTES` of im2col rows (at
        least one; ``out_h`` when a whole sample fits). A sample too large for one buffer is
        worked through in tiles of rows, so that the buffer never holds a whole large image."""
        rows = CHUNK_BYTES // max(1, self._position_bytes(itemsize) * self.out_w)
        return max(1, min(self.out_h, rows))

    def _position_bytes(self, itemsize: int) -> int:
        return self.groups * self.depth * itemsize


def output_size(padded: int, kernel: int, stride: int, dilation: int) -> int:
    """Output length along one axis: floor((padded - dilation*(kernel-1) - 1) / stride) + 1."""
    return (padded - dilation * (kernel - 1) - 1) // stride + 1


def geometry(
    x_shape: tuple[int, ...],
    weight_shape: tuple[int, ...],
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
    groups: int,
) -> ConvGeometry:
    """The :class:`ConvGeometry` of input (N, C, H, W) and weight (O, C/groups, KH, KW)."""
    _, channels, height, width = x_shape
    out_channels, _, kernel_h, kernel_w = weight_shape
    top, bottom, left, right = padding
    out_h = output_size(height + top + bottom, kernel_h, stride[0], dilation[0])
    out_w = output_size(width + left + right, kernel_w, stride[1], dilation[1])
    return ConvGeometry(
        channels, height, width, out_channels, kernel_h, kernel_w,
        tuple(stride), tuple(dilation), tuple(padding), groups, out_h, out_w,
    )  # fmt: skip


class Tiling(NamedTuple):
    """How a convolution's work is cut up: whole samples a few at a time, or row tiles.

    ``tiles_per_sample == 1``: the units of work are samples, ``chunk`` of them per im2col
    buffer. Otherwise the units are tiles of ``rows`` output rows, one sample at a time.
    """

    rows: int
    chunk: int
    tiles_per_sample: int

    def units(self, samples: int) -> int:
        return samples * self.tiles_per_sample


def tiling(
    geo: ConvGeometry, samples: int, itemsize: int, threads: int, sample_flops: float
) -> Tiling:
    """Whole samples when the batch divides evenly over the threads and each sample fits the
    buffer; else tiles of rows, small enough for the buffer and many enough that every
    thread gets the same number of them (a batch of one on two threads: two half samples).
    A large batch that does not divide evenly stays in samples: one sample more on some
    threads costs little against the tiles' smaller products. So does a batch too small to
    be worth the threads (``sample_flops`` each), which then runs in one part."""
    rows = geo.rows_per_tile(itemsize)
    if (
        samples % threads
        and samples < SMALL_BATCH * threads
        and worth_splitting(samples * sample_flops, threads)
    ):
        wanted = threads // math.gcd(samples, threads)
        rows = min(rows, -(-geo.out_h // wanted))
    if rows == geo.out_h:
        return Tiling(rows, geo.samples_per_chunk(itemsize), 1)
    return Tiling(rows, 1, max(1, -(-geo.out_h // rows)))


# --------------------------------------------------------------------------- data movement


@numba.njit(cache=True, nogil=True, inline="always")
def _copy_run(dst, dst_start, src, src_start, length):
    """``dst[dst_start + j] = src[src_start + j]`` for ``j < length``, on flat arrays.

    The positions are unsigned: Numba then drops its negative-index wraparound check
    from every access, and LLVM compiles the loop to a vectorised copy. With signed
    positions (or slice assignment) the copies of im2col ran 4-6x slower.
    """
    dst_at, src_at = numba.uint64(dst_start), numba.uint64(src_start)
    for j in range(numba.uint64(length)):
        dst[dst_at + j] = src[src_at + j]


@numba.njit(cache=True, nogil=True, inline="always")
def _add_run(dst, dst_start, src, src_start, length):
    """``dst[dst_start + j] += src[src_start + j]`` for ``j < length`` (see :func:`_copy_run`)."""
    dst_at, src_at = numba.uint64(dst_start), numba.uint64(src_start)
    for j in range(numba.uint64(length)):
        dst[dst_at + j] += src[src_at + j]


@numba.njit(cache=True, nogil=True)
def pad_channels_last(x, x_pad, first, top, left):
    """Copy samples ``first, first+1, ...`` of x (N, C, H, W) into the inside of x_pad.

    x_pad: (n_chunk, Hp, Wp, C), channels last; its border is not written, so a buffer
    zeroed once keeps zero padding while it is refilled chunk after chunk::

        x_pad[i, top + h, left + w, c] = x[first + i, c, h, w]

    Flat arrays and unsigned positions, as in :func:`_copy_run`.
    """
    n_chunk, padded_h, padded_w, channels = x_pad.shape
    height, width = x.shape[2], x.shape[3]
    x_flat, pad_flat = x.reshape(-1), x_pad.reshape(-1)
    for i in range(n_chunk):
        for c in range(channels):
            for h in range(height):
                src = numba.uint64(((first + i) * channels + c) * height + h) * width
                dst = numba.uint64(((i * padded_h + top + h) * padded_w + left) * channels + c)
                for w in range(numba.uint64(width)):
                    pad_flat[dst + w * channels] = x_flat[src + w]


@numba.njit(cache=True, nogil=True)
def unpad_channels_first(grad_x_pad, grad_x, first, top, left):
    """The inverse of :func:`pad_channels_last` for a gradient: drop the border, back to NCHW.

    grad_x[first + i, c, h, w] = grad_x_pad[i, top + h, left + w, c]
    """
    n_chunk, padded_h, padded_w, channels = grad_x_pad.shape
    height, width = grad_x.shape[2], grad_x.shape[3]
    x_flat, pad_flat = grad_x.reshape(-1), grad_x_pad.reshape(-1)
    for i in range(n_chunk):
        for c in range(channels):
            for h in range(height):
                dst = numba.uint64(((first + i) * channels + c) * height + h) * width
                src = numba.uint64(((i * padded_h + top + h) * padded_w + left) * channels + c)
                for w in range(numba.uint64(width)):
                    x_flat[dst + w] = pad_flat[src + w * channels]


@numba.njit(cache=True, nogil=True)
def to_channels_last(src, dst):
    """``dst[n, p, o] = src[n, o, p]``: each sample's (O, P) plane transposed to (P, O).

    Sixteen positions at a time. Planes of 512 positions or more are read a cache line of
    every channel at a time: read position by position, their rows are 2 KB or more apart,
    collide in a few L1 sets, and the tutorial's first output gradient (16 x 32 x 1024)
    took 1.1 ms, as numpy's copy does, against 0.36 ms. Smaller planes are read position
    by position, writing whole rows of dst (0.04 ms against 0.10 the other way).
    """
    samples, channels, positions = src.shape
    for n in range(samples):
        for p0 in range(0, positions, 16):
            p1 = min(p0 + 16, positions)
            if positions >= 512:
                for o in range(channels):
                    for p in range(p0, p1):
                        dst[n, p, o] = src[n, o, p]
            else:
                for p in range(p0, p1):
                    for o in range(channels):
                        dst[n, p, o] = src[n, o, p]


@numba.njit(cache=True, nogil=True)
def _runs(channels, groups, kernel_w, dilation_w):
    """How receptive-field rows split into contiguous runs of the flattened (Wp*C) input row.

    With one group and no horizontal dilation the KW*C values of a kernel row are one run;
    otherwise each kernel column contributes a run of C/groups channels.
    Returns (run length, runs per kernel row).
    """
    if groups == 1 and dilation_w == 1:
        return kernel_w * channels, 1
    return channels // groups, kernel_w


@numba.njit(cache=True, nogil=True)
def im2col(
    x_pad, cols, first, kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, groups
):
    """Copy receptive fields into rows: ``cols[n, p, (g, kh, kw, c)]`` (see module doc) for the
    output positions ``first, first + 1, ...`` (0 and all OH*OW of them for whole samples).

    x_pad: (n_chunk, Hp, Wp, C) padded input, channels last, C-contiguous.
    cols:  (n_chunk, positions, groups*KH*KW*C/groups), C-contiguous.
    Each row of ``cols`` is a few contiguous runs of the input (see :func:`_runs`), which is
    what makes channels-last im2col fast; both arrays are walked flat (see :func:`_copy_run`).
    """
    n_chunk, padded_h, padded_w, channels = x_pad.shape
    positions, depth = cols.shape[1], cols.shape[2]
    x_flat, cols_flat = x_pad.reshape(-1), cols.reshape(-1)
    out_w = (padded_w - dilation_w * (kernel_w - 1) - 1) // stride_w + 1
    run, runs_per_kernel_row = _runs(channels, groups, kernel_w, dilation_w)
    group_channels = channels // groups
    for n in range(n_chunk):
        for p in range(positions):
            oh, ow = (first + p) // out_w, (first + p) % out_w
            col = (n * positions + p) * depth
            for g in range(groups):
                for kh in range(kernel_h):
                    row = (n * padded_h + oh * stride_h + kh * dilation_h) * padded_w
                    for kw in range(runs_per_kernel_row):
                        column = ow * stride_w + kw * dilation_w
                        start = (row + column) * channels + g * group_channels
                        _copy_run(cols_flat, col, x_flat, start, run)
                        col += run


@numba.njit(cache=True, nogil=True)
def col2im(
    cols, grad_x_pad, first, kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, groups
):
    """The adjoint of :func:`im2col`: scatter-add rows of ``cols`` back into ``grad_x_pad``.

    grad_x_pad[n, oh*sh + kh*dh, ow*sw + kw*dw, g*Cg + c] += cols[n, p, (g, kh, kw, c)]
    Shapes and ``first`` as in :func:`im2col`. Overlapping receptive fields (stride < kernel)
    add up.
    """
    n_chunk, padded_h, padded_w, channels = grad_x_pad.shape
    positions, depth = cols.shape[1], cols.shape[2]
    grad_flat, cols_flat = grad_x_pad.reshape(-1), cols.reshape(-1)
    out_w = (padded_w - dilation_w * (kernel_w - 1) - 1) // stride_w + 1
    run, runs_per_kernel_row = _runs(channels, groups, kernel_w, dilation_w)
    group_channels = channels // groups
    for n in range(n_chunk):
        for p in range(positions):
            oh, ow = (first + p) // out_w, (first + p) % out_w
            col = (n * positions + p) * depth
            for g in range(groups):
                for kh in range(kernel_h):
                    row = (n * padded_h + oh * stride_h + kh * dilation_h) * padded_w
                    for kw in range(runs_per_kernel_row):
                        column = ow * stride_w + kw * dilation_w
                        start = (row + column) * channels + g * group_channels
                        _add_run(grad_flat, start, cols_flat, col, run)
                        col += run


# --------------------------------------------------------------------------- the products


@numba.njit(cache=True, nogil=True)
def direct_forward_units(
    x, x_pad, w_packed, offsets, run, bias, out, out_w, stride_h, stride_w, top, left,
    tiles_per_sample, tile_positions, start, stop, vectors,
):  # fmt: skip
    """Units ``start .. stop-1`` of a direct forward (samples, or tiles of ``tile_positions``
    positions when ``tiles_per_sample > 1``): each sample padded into x_pad (1, Hp, Wp, C)
    once, then its positions' tiles (:func:`minitorch.kernels._direct.tiles`), a position's
    input at ``(oh*sh*Wp + ow*sw) * C`` in the padded sample.

    One call per thread's part, so that the part runs without the GIL from start to end:
    with a call per sample from Python, the two threads of a split took turns at the GIL
    between samples, each turn waking a sleeping thread.
    """
    padded_w, channels = x_pad.shape[2], x_pad.shape[3]
    out_channels, positions = out.shape[1], out.shape[2]
    x_flat, out_flat = x_pad.reshape(-1), out.reshape(-1)
    bases = np.empty(tile_positions, dtype=np.int64)
    padded = -1  # the sample in x_pad
    for unit in range(start, stop):
        sample, block = unit // tiles_per_sample, unit % tiles_per_sample
        if sample != padded:
            pad_channels_last(x, x_pad, sample, top, left)
            padded = sample
        first = block * tile_positions
        last = min(first + tile_positions, positions)
        for p in range(first, last):
            oh, ow = p // out_w, p % out_w
            bases[p - first] = (oh * stride_h * padded_w + ow * stride_w) * channels
        _direct.tiles(
            x_flat, w_packed, bases, offsets, run, 1, bias, out_flat,
            sample * out_channels * positions, positions, first, last, vectors,
        )  # fmt: skip


def weight_matrix(weight: np.ndarray, groups: int) -> np.ndarray:
    """(O, C/groups, KH, KW) -> (groups, O/groups, KH*KW*C/groups), columns ordered (kh, kw, c)."""
    out_channels, group_channels, kernel_h, kernel_w = weight.shape
    per_group = weight.reshape(groups, out_channels // groups, group_channels, kernel_h, kernel_w)
    matrix = per_group.transpose(0, 1, 3, 4, 2).reshape(groups, out_channels // groups, -1)
    return np.ascontiguousarray(matrix)


def _weight_from_matrix(matrix: np.ndarray, weight_shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of :func:`weight_matrix`."""
    out_channels, group_channels, kernel_h, kernel_w = weight_shape
    groups = matrix.shape[0]
    per_group = matrix.reshape(groups, out_channels // groups, kernel_h, kernel_w, group_channels)
    return np.ascontiguousarray(per_group.transpose(0, 1, 4, 2, 3)).reshape(weight_shape)


def conv2d_forward(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
    groups: int,
) -> np.ndarray:
    """Convolve x (N, C, H, W); returns the C-contiguous output (N, O, OH, OW).

    weight: (O, C/groups, KH, KW); bias: (O,) or None; padding: (top, bottom, left, right)
    zeros. Arguments are assumed valid (the functional layer checked them).
    """
    x = np.ascontiguousarray(x)
    geo = geometry(x.shape, weight.shape, stride, padding, dilation, groups)
    if _takes_direct(geo, x.shape[0], geo.out_channels, x.dtype):
        return _convolve_direct(x, _direct.pack_weight(weight), bias, geo)
    w_mat = weight_matrix(weight, groups)
    group_out, depth = w_mat.shape[1], w_mat.shape[2]
    samples = x.shape[0]
    out = np.empty((samples, geo.out_channels, geo.positions), dtype=x.dtype)
    top, _, left, _ = geo.padding
    window = (geo.kernel_h, geo.kernel_w, *geo.stride, *geo.dilation, groups)
    # one product of (O/groups, K) by (K, positions) per group and sample
    sample_flops = 2 * geo.out_channels * depth * geo.positions
    cut = tiling(geo, samples, x.itemsize, num_threads(), sample_flops)
    tile_positions = min(cut.rows * geo.out_w, geo.positions)

    def product(cols: np.ndarray, sample: slice | int, positions: slice) -> None:
        for g in range(groups):
            np.matmul(
                w_mat[g],
                cols[..., g * depth : (g + 1) * depth].swapaxes(-1, -2),
                out=out[sample, g * group_out : (g + 1) * group_out, positions],
            )
        if bias is not None:
            out[sample, :, positions] += bias[:, None]

    # A sample's or a row tile's product as cols @ w_mat^T, into a small channels-last buffer
    # transposed into the output. Measured with OpenBLAS, one sample: 1.15-1.3x faster than
    # w_mat @ cols^T on a 64-channel 11x11 layer on 300x300 and on VGG's 224x224 and 112x112
    # layers, 1.47x on the tutorial's second convolution and 1.1x on its third (whole samples,
    # batch 64); 2x slower on VGG's first layer (27-value receptive fields: the transpose
    # costs as much as the product) and 1.1-1.6x slower on its 512-channel layers, whose tiles
    # are 56-112 positions long: so only for long receptive fields and for units of at least
    # half as many positions as output channels. The same dot products: equal bit for bit on
    # those layers, a float32 rounding apart on some small grouped ones (OpenBLAS's order of
    # summation).
    rows_first = depth >= ROWS_FIRST_DEPTH and group_out <= 2 * tile_positions
    w_rows = np.ascontiguousarray(w_mat.transpose(0, 2, 1)) if rows_first else None

    def tile_product(cols: np.ndarray, sample: int, first: int, out_rows: np.ndarray) -> None:
        tile_out = out_rows[: cols.shape[0]]
        for g in range(groups):
            np.matmul(cols[:, g * depth : (g + 1) * depth], w_rows[g], out=tile_out)
            if bias is not None:
                tile_out += bias[g * group_out : (g + 1) * group_out]
            out[sample, g * group_out : (g + 1) * group_out, first : first + len(tile_out)] = (
                tile_out.T
            )

    def convolve(start: int, stop: int) -> None:
        x_pad = np.zeros((cut.chunk, *geo.padded_shape), dtype=x.dtype)
        cols = np.empty((cut.chunk, tile_positions, groups * depth), x.dtype)
        out_rows = np.empty((tile_positions, group_out), x.dtype) if rows_first else None
        if cut.tiles_per_sample == 1:  # [start, stop) counts samples
            for first in range(start, stop, cut.chunk):
                n = min(cut.chunk, stop - first)
                pad_channels_last(x, x_pad[:n], first, top, left)
                im2col(x_pad[:n], cols[:n], 0, *window)
                if rows_first:
                    for i in range(n):
                        tile_product(cols[i], first + i, 0, out_rows)
                else:
                    product(cols[:n], slice(first, first + n), slice(None))
            return
        padded = -1  # [start, stop) counts tiles; the sample in x_pad, padded once
        for tile in range(start, stop):
            sample, block = divmod(tile, cut.tiles_per_sample)
            if sample != padded:
                pad_channels_last(x, x_pad, sample, top, left)
                padded = sample
            first = block * tile_positions
            count = min(tile_positions, geo.positions - first)
            im2col(x_pad, cols[:, :count], first, *window)
            if rows_first:
                tile_product(cols[0, :count], sample, first, out_rows)
            else:
                product(cols[0, :count], sample, slice(first, first + count))

    unit_flops = sample_flops * tile_positions // max(1, geo.positions)
    over_batch(cut.units(samples), convolve, grain_of(unit_flops))
    return out.reshape(samples, geo.out_channels, geo.out_h, geo.out_w)


def _convolve_direct(
    x: np.ndarray, packed: np.ndarray, bias: np.ndarray | None, geo: ConvGeometry
) -> np.ndarray:
    """:func:`conv2d_forward` by the direct kernel, the weight packed (``_direct.pack_weight``):
    samples, or a small batch's row tiles (:func:`tiling`), split over the threads, each
    thread's part one call of :func:`direct_forward_units`."""
    samples = x.shape[0]
    out = np.empty((samples, geo.out_channels, geo.positions), dtype=x.dtype)
    sample_flops = 2 * geo.out_channels * geo.depth * geo.positions
    cut = tiling(geo, samples, x.itemsize, num_threads(), sample_flops)
    tile_positions = min(cut.rows * geo.out_w, geo.positions)
    top, _, left, _ = geo.padding
    kernel = (geo.kernel_h, geo.kernel_w)
    offsets, run = _direct.run_offsets(geo.padded_shape[1], geo.channels, kernel, geo.dilation)
    bias = np.zeros(geo.out_channels, x.dtype) if bias is None else np.ascontiguousarray(bias)
    vectors = _direct.vectors_for(geo.out_channels)

    def convolve(start: int, stop: int) -> None:
        x_pad = np.zeros((1, *geo.padded_shape), dtype=x.dtype)
        direct_forward_units(
            x, x_pad, packed, offsets, run, bias, out, geo.out_w, *geo.stride, top, left,
            cut.tiles_per_sample, tile_positions, start, stop, vectors,
        )  # fmt: skip

    unit_flops = sample_flops * tile_positions // max(1, geo.positions)
    over_batch(cut.units(samples), convolve, grain_of(unit_flops))
    return out.reshape(samples, geo.out_channels, geo.out_h, geo.out_w)


def conv2d_backward(
    x: np.ndarray,
    weight: np.ndarray,
    grad_out: np.ndarray,
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
    groups: int,
    need_input_grad: bool,
    need_weight_grad: bool,
    need_bias_grad: bool,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Gradients of :func:`conv2d_forward` w.r.t. x, the weight and the bias.

    grad_out: (N, O, OH, OW). Returns ``(grad_x, grad_weight, grad_bias)`` shaped like x,
    weight and (O,); None where not requested. Per chunk of samples (or tile of rows, cut
    as in forward), grad-weight adds ``grad_out @ cols`` (im2col rebuilt for the chunk) and
    grad-input multiplies the output gradient by the weight matrix and scatters the result
    with col2im. Each thread sums its own part of grad-weight and grad-bias; the parts are
    added at the end. A sample whose tiles went to several threads has its padded input
    gradient summed from theirs (col2im of neighbouring tiles overlaps at their border).
    """
    x = np.ascontiguousarray(x)
    samples = x.shape[0]
    geo = geometry(x.shape, weight.shape, stride, padding, dilation, groups)
    direct_input = need_input_grad and _input_gradient_is_a_convolution(geo, samples, x.dtype)
    direct_weight = need_weight_grad and _takes_direct(geo, samples, geo.out_channels, x.dtype)
    if direct_input or direct_weight:
        grad_x = _input_gradient_by_convolution(geo, weight, grad_out) if direct_input else None
        grad_weight = _weight_gradient_direct(x, geo, grad_out) if direct_weight else None
        rest_input = need_input_grad and not direct_input
        rest_weight = need_weight_grad and not direct_weight
        if rest_input or rest_weight:
            rest = conv2d_backward(
                x, weight, grad_out, stride, padding, dilation, groups,
                rest_input, rest_weight, False,
            )  # fmt: skip
            grad_x = rest[0] if rest_input else grad_x
            grad_weight = rest[1] if rest_weight else grad_weight
        grad_bias = grad_out.sum(axis=(0, 2, 3)) if need_bias_grad else None
        return grad_x, grad_weight, grad_bias
    w_mat = weight_matrix(weight, groups)
    group_out, depth = w_mat.shape[1], w_mat.shape[2]
    grad_flat = np.ascontiguousarray(grad_out).reshape(samples, geo.out_channels, geo.positions)
    grad_x = np.empty_like(x) if need_input_grad else None
    top, _, left, _ = geo.padding
    window = (geo.kernel_h, geo.kernel_w, *geo.stride, *geo.dilation, groups)
    # two products (grad-weight, grad-input) the size of forward's per sample
    products = int(need_weight_grad) + int(need_input_grad)
    sample_flops = 2 * products * geo.out_channels * depth * geo.positions
    cut = tiling(geo, samples, x.itemsize, num_threads(), sample_flops)
    tiles = cut.tiles_per_sample
    tile_positions = min(cut.rows * geo.out_w, geo.positions)

    def differentiate(start: int, stop: int) -> tuple:
        """Units [start, stop): samples, or tiles when a sample is cut into tiles. Returns
        this part's grad-weight matrix, grad-bias and the padded input gradients of the
        samples it did only some tiles of: a list of (sample, gradient)."""
        x_pad = np.zeros((cut.chunk, *geo.padded_shape), dtype=x.dtype)
        grad_pad = np.empty_like(x_pad) if grad_x is not None else None
        cols = np.empty((cut.chunk, tile_positions, groups * depth), dtype=x.dtype)
        chunk_product = np.empty((group_out, depth), dtype=x.dtype)
        grad_w_mat = np.zeros_like(w_mat) if need_weight_grad else None
        shared: list[tuple[int, np.ndarray]] = []
        first_sample, stop_sample = start // tiles, -(-stop // tiles)
        for first in range(first_sample, stop_sample, cut.chunk):
            n = min(cut.chunk, stop_sample - first)
            # this chunk's tiles: all of them for whole samples, else those of [start, stop)
            tile_start = max(start - first * tiles, 0)
            tile_stop = min(stop - first * tiles, tiles)
            if grad_w_mat is not None:
                pad_channels_last(x, x_pad[:n], first, top, left)
            if grad_pad is not None:
                grad_pad[:n] = 0
            for block in range(tile_start, tile_stop):
                tile_first = block * tile_positions
                count = min(tile_positions, geo.positions - tile_first)
                grad_tile = grad_flat[first : first + n, :, tile_first : tile_first + count]
                tile_cols = cols[:n, :count]
                if grad_w_mat is not None:
                    im2col(x_pad[:n], tile_cols, tile_first, *window)
                    for g in range(groups):
                        # one product over the chunk's samples: (O/groups, n*P) by (n*P, K)
                        grad_rows = grad_tile[:, g * group_out : (g + 1) * group_out]
                        grad_rows = grad_rows.transpose(1, 0, 2).reshape(group_out, -1)
                        chunk_cols = tile_cols[:, :, g * depth : (g + 1) * depth]
                        np.matmul(grad_rows, chunk_cols.reshape(-1, depth), out=chunk_product)
                        grad_w_mat[g] += chunk_product
                if grad_pad is not None:
                    for g in range(groups):
                        np.matmul(
                            grad_tile[:, g * group_out : (g + 1) * group_out].transpose(0, 2, 1),
                            w_mat[g],
                            out=tile_cols[:, :, g * depth : (g + 1) * depth],
                        )
                    col2im(tile_cols, grad_pad[:n], tile_first, *window)
            if grad_pad is not None:
                if tile_stop - tile_start == tiles:
                    unpad_channels_first(grad_pad[:n], grad_x, first, top, left)
                else:  # n == 1: only tiled samples are shared between parts
                    shared.append((first, grad_pad[:1].copy()))
        grad_bias = None
        if need_bias_grad and tiles == 1:
            grad_bias = grad_flat[start:stop].sum(axis=(0, 2))
        return grad_w_mat, grad_bias, shared

    unit_flops = sample_flops * tile_positions // max(1, geo.positions)
    parts = over_batch(cut.units(samples), differentiate, grain_of(unit_flops))
    if grad_x is not None:
        _add_shared_gradients([item for part in parts for item in part[2]], grad_x, top, left)
    grad_weight = grad_bias = None
    if need_weight_grad:
        grad_weight = _weight_from_matrix(sum(part[0] for part in parts), weight.shape)
    if need_bias_grad:
        grad_bias = sum(part[1] for part in parts) if tiles == 1 else grad_flat.sum(axis=(0, 2))
    return grad_x, grad_weight, grad_bias


def _takes_direct(geo: ConvGeometry, samples: int, out_channels: int, dtype: np.dtype) -> bool:
    """Whether the direct kernel computes a convolution of ``out_channels`` outputs
    (``_direct.fits``) on this batch: not an empty one, nor one without input channels,
    whose sums have no terms (the im2col way returns their zeros and empty results)."""
    has_terms = samples > 0 and geo.channels > 0 and geo.out_channels > 0
    return has_terms and _direct.fits(out_channels, geo.groups, dtype)


def _input_gradient_is_a_convolution(geo: ConvGeometry, samples: int, dtype: np.dtype) -> bool:
    """Whether the input gradient is computed as a convolution by the direct kernel: stride
    and dilation 1, one group, and no side padded by a kernel's length or more (the full
    convolution's padding, ``kernel - 1 - padding``, is then never negative)."""
    top, bottom, left, right = geo.padding
    return (
        _takes_direct(geo, samples, geo.channels, dtype)
        and geo.stride == (1, 1)
        and geo.dilation == (1, 1)
        and max(top, bottom) < geo.kernel_h
        and max(left, right) < geo.kernel_w
    )


def _input_gradient_by_convolution(
    geo: ConvGeometry, weight: np.ndarray, grad_out: np.ndarray
) -> np.ndarray:
    """With stride and dilation 1, the input gradient is the output gradient convolved with
    the weight turned by 180 degrees, input and output channels swapped, over the output
    padded by ``kernel - 1 - padding`` on each side (a "full" convolution)::

        grad_x[n, c, h, w] = sum over (o, i, j) of
                             grad_out_pad[n, o, h + i, w + j] * weight[o, c, KH-1-i, KW-1-j]
    """
    top, bottom, left, right = geo.padding
    full = (geo.kernel_h - 1 - top, geo.kernel_h - 1 - bottom)
    full += (geo.kernel_w - 1 - left, geo.kernel_w - 1 - right)
    turned_shape = (geo.channels, geo.out_channels, geo.kernel_h, geo.kernel_w)
    full_geo = geometry(grad_out.shape, turned_shape, (1, 1), full, (1, 1), 1)
    grad_out = np.ascontiguousarray(grad_out)
    return _convolve_direct(grad_out, _direct.pack_weight(weight, turned=True), None, full_geo)


def _weight_gradient_direct(x: np.ndarray, geo: ConvGeometry, grad_out: np.ndarray) -> np.ndarray:
    """The weight gradient by the direct kernel (``_direct.weight_gradient_rows``).

    Each tile of the packed gradient's rows reads all the samples it sums over, so the
    samples go a few at a time (:data:`CHUNK_BYTES` of padded input and output gradient,
    which then stay in cache for all the tiles): summed over a whole batch of 256 at once,
    every tile read the tutorial's 33 MB first gradient again. A batch at least as large as
    the thread count is split over the threads by samples, each summing its own part of the
    gradient; a smaller one by the gradient's rows.
    """
    samples = x.shape[0]
    top, _, left, _ = geo.padding
    grad_flat = np.ascontiguousarray(grad_out).reshape(samples, geo.out_channels, geo.positions)
    depth = geo.depth
    zeros = np.zeros(geo.out_channels, dtype=x.dtype)
    vectors = _direct.vectors_for(geo.out_channels)
    width = _direct.ACCUMULATORS // vectors
    window = (geo.kernel_h, geo.kernel_w, *geo.stride, *geo.dilation, geo.out_h, geo.out_w)
    padded_h, padded_w, channels = geo.padded_shape
    sample_bytes = (padded_h * padded_w * channels + geo.positions * geo.out_channels) * x.itemsize
    chunk = max(1, CHUNK_BYTES // sample_bytes)

    def gradient(first: int, stop: int, rows: tuple[int, int]) -> np.ndarray:
        """Samples [first, stop), rows [rows[0], rows[1]) of the packed gradient (O, K)."""
        total = np.zeros((geo.out_channels, depth), dtype=x.dtype)
        part = np.empty_like(total)
        x_pad = np.zeros((min(chunk, stop - first), *geo.padded_shape), dtype=x.dtype)
        grad_rows = np.empty((len(x_pad), geo.positions, geo.out_channels), dtype=x.dtype)
        for start in range(first, stop, len(x_pad)):
            n = min(len(x_pad), stop - start)
            pad_channels_last(x, x_pad[:n], start, top, left)
            to_channels_last(grad_flat[start : start + n], grad_rows[:n])
            _direct.weight_gradient_rows(
                x_pad[:n], grad_rows[:n].reshape(-1, geo.out_channels), *window, zeros, part,
                *rows, vectors,
            )  # fmt: skip
            total[:, rows[0] : rows[1]] += part[:, rows[0] : rows[1]]
        return total

    sample_flops = 2 * geo.out_channels * depth * geo.positions
    if samples >= num_threads():
        parts = over_batch(
            samples,
            lambda start, stop: gradient(start, stop, (0, depth)),
            grain_of(sample_flops),
        )
        grad_w = sum(parts[1:], parts[0])
    else:
        grad_w = np.zeros((geo.out_channels, depth), dtype=x.dtype)

        def rows(start: int, stop: int) -> None:
            first, last = start * width, min(stop * width, depth)
            grad_w[:, first:last] = gradient(0, samples, (first, last))[:, first:last]

        tile_flops = sample_flops * samples * width // depth
        over_batch(-(-depth // width), rows, grain_of(tile_flops))
    shape = (geo.out_channels, geo.kernel_h, geo.kernel_w, geo.channels)
    return np.ascontiguousarray(grad_w.reshape(shape).transpose(0, 3, 1, 2))


def _add_shared_gradients(
    shared: list[tuple[int, np.ndarray]], grad_x: np.ndarray, top: int, left: int
) -> None:
    """Sum the padded input gradients of each sample that several parts worked on (in part
    order), and write the sums into ``grad_x``."""
    totals: dict[int, np.ndarray] = {}
    for sample, grad_pad in shared:
        if sample in totals:
            totals[sample] += grad_pad
        else:
            totals[sample] = grad_pad
    for sample, grad_pad in totals.items():
        unpad_channels_first(grad_pad, grad_x, sample, top, left)
