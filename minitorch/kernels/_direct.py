"""Direct float32 convolution: a register-blocked multiply-add loop written in LLVM IR.

For one sample's padded channels-last input ``x_pad`` (Hp, Wp, C) and the weight packed as
``w_packed[(kh, kw, c), o]`` (K = KH*KW*C rows, O columns), a *tile* computes ``width``
output positions ``p0 .. p0+width-1`` for ``16 * vectors`` output channels at once::

    acc[j, o] = sum over (kh, kw, c) of
                x_pad[oh_j*sh + kh*dh, ow_j*sw + kw*dw, c] * w_packed[(kh, kw, c), o]
    out[o, p0 + j] = acc[j, o] + bias[o]        (NCHW: out is one sample's (O, P))

The ``width * vectors`` accumulators are 16-float vectors that stay in registers for the
whole sum: each step loads ``vectors`` weight vectors, broadcasts one input value per
position and does ``width * vectors`` fused multiply-adds. Nothing is copied into an im2col
matrix: a receptive field's rows are contiguous runs of the channels-last input (``run``
values each, one run per kernel row, or one per kernel column with dilation), addressed
from each position's base offset.

Why IR and not Numba loops: Numba has no vector types, and LLVM neither vectorised nor kept
in registers the accumulators of the same loops written in Python (a local accumulator
array: 7 GFLOP/s; scalar accumulators: 5 GFLOP/s, all spilled). Measured on the project's
2-core AVX-512 machine, one thread, the tutorial's convolutions at batch 16: 82-96 GFLOP/s
against OpenBLAS's 46-74 on the im2col products of the same layers, and the im2col copies
gone. Sums are float32 with fused multiply-adds, added up in blocks of at most
:data:`BLOCK_TERMS` terms as BLAS blocks its own; the order differs from BLAS's by float32
roundings.

The results are stored transposed (output channel by channel, ``width`` consecutive
positions each), so that successive stores fall in the same cache line; stored position
by position, the 16 rows of a vector (4 KB apart on a 32x32 output) collided in one L1
set and the first layer ran 2x slower.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = [
    "ENABLED",
    "LANES",
    "fits",
    "tiles",
    "pack_weight",
    "run_offsets",
    "vectors_for",
    "weight_gradient_rows",
]

LANES = 16  # float32 values in one AVX-512 register
# A tile's accumulators: 24 vectors, plus its weight vectors and one broadcast, of the 32
# vector registers; (positions per tile, vectors of output channels) splits them.
ACCUMULATORS = 24
TILE_SHAPES = ((6, 4), (12, 2), (24, 1))
# The sum over a receptive field is added up in blocks of about this many terms, each block
# from zero in the registers and then added to the total. One running float32 sum over a
# ResNet's 4608-value fields lost twice PyTorch's accuracy on its input gradients; BLAS
# and oneDNN block their sums the same way.
BLOCK_TERMS = 256

# Without AVX-512, LLVM splits each 16-float vector in two and the 24 accumulators no longer
# fit the registers: the results are the same, but im2col and BLAS are then faster.
ENABLED = bool(binding.get_host_cpu_features().get("avx512f", False))

_F32 = ir.FloatType()
_I32 = ir.IntType(32)
_I64 = ir.IntType(64)
_VECTOR = ir.VectorType(_F32, LANES)


def _tile_intrinsic(width: int, vectors: int):
    """The tile for ``width`` positions and ``16 * vectors`` output channels (module doc)."""

    @intrinsic
    def tile(
        typingctx, x, w, bases, offsets, run, x_stride, block_runs, o_first, out, out_first,
        stride, bias,
    ):  # fmt: skip
        signature = types.void(
            x, w, bases, offsets, run, x_stride, block_runs, o_first, out, out_first, stride, bias
        )

        def codegen(context, builder, sig, args):
            def array(i):
                return context.make_array(sig.args[i])(context, builder, args[i])

            x_ptr, w_ptr, bases_ptr, out_ptr, bias_ptr = (array(i).data for i in (0, 1, 2, 8, 11))
            offsets_ptr, runs = array(3).data, builder.extract_value(array(3).shape, 0)
            out_channels = builder.extract_value(array(1).shape, 1)
            run_v, x_stride, block_runs, o_first_v = args[4], args[5], args[6], args[7]
            out_first_v, out_stride_v = args[9], args[10]
            fma = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(_VECTOR, [_VECTOR] * 3), "llvm.fma.v16f32"
            )

            def at(pointer, index):
                return builder.gep(pointer, [index])

            def load_vector(pointer, index):
                vector_pointer = builder.bitcast(at(pointer, index), _VECTOR.as_pointer())
                return builder.load(vector_pointer, align=4)

            bases_v = [builder.load(at(bases_ptr, ir.Constant(_I64, j))) for j in range(width)]
            zero = ir.Constant(_VECTOR, [0.0] * LANES)

            def vectors_of_zeros():
                zeros = [[cgutils.alloca_once(builder, _VECTOR) for _ in range(vectors)]
                         for _ in range(width)]  # fmt: skip
                for row in zeros:
                    for acc in row:
                        builder.store(zero, acc)
                return zeros

            totals, accs = vectors_of_zeros(), vectors_of_zeros()
            undef = ir.Constant(_VECTOR, ir.Undefined)
            splat = ir.Constant(ir.VectorType(_I32, LANES), [0] * LANES)
            one = ir.Constant(_I64, 1)
            blocks = builder.sdiv(builder.sub(builder.add(runs, block_runs), one), block_runs)
            with cgutils.for_range(builder, blocks) as block:
                first_run = builder.mul(block.index, block_runs)
                stop_run = builder.add(first_run, block_runs)
                stop_run = builder.select(builder.icmp_signed("<", stop_run, runs), stop_run, runs)
                with cgutils.for_range(builder, stop_run, start=first_run) as run_loop:
                    x_run = builder.load(at(offsets_ptr, run_loop.index))
                    w_run = builder.mul(run_loop.index, run_v)
                    with cgutils.for_range(builder, run_v) as step:
                        w_row = builder.add(w_run, step.index)
                        w_row = builder.add(builder.mul(w_row, out_channels), o_first_v)
                        weights = [
                            load_vector(w_ptr, builder.add(w_row, ir.Constant(_I64, LANES * v)))
                            for v in range(vectors)
                        ]
                        x_step = builder.add(x_run, builder.mul(step.index, x_stride))
                        for j in range(width):
                            value = builder.load(at(x_ptr, builder.add(bases_v[j], x_step)))
                            broadcast = builder.shuffle_vector(
                                builder.insert_element(undef, value, ir.Constant(_I32, 0)),
                                undef,
                                splat,
                            )
                            for v in range(vectors):
                                acc = accs[j][v]
                                total = builder.call(
                                    fma, [broadcast, weights[v], builder.load(acc)]
                                )
                                builder.store(total, acc)
                for j in range(width):
                    for v in range(vectors):
                        block_sum = builder.fadd(
                            builder.load(totals[j][v]), builder.load(accs[j][v])
                        )
                        builder.store(block_sum, totals[j][v])
                        builder.store(zero, accs[j][v])
            for v in range(vectors):
                bias_v = load_vector(bias_ptr, builder.add(o_first_v, ir.Constant(_I64, LANES * v)))
                sums = [builder.fadd(builder.load(totals[j][v]), bias_v) for j in range(width)]
                for lane in range(LANES):
                    channel = ir.Constant(_I64, LANES * v + lane)
                    row = builder.add(out_first_v, builder.mul(channel, out_stride_v))
                    for j in range(width):
                        value = builder.extract_element(sums[j], ir.Constant(_I32, lane))
                        builder.store(value, at(out_ptr, builder.add(row, ir.Constant(_I64, j))))
            return context.get_dummy_value()

        return signature, codegen

    return tile


_tile_6x4 = _tile_intrinsic(6, 4)
_tile_12x2 = _tile_intrinsic(12, 2)
_tile_24x1 = _tile_intrinsic(24, 1)


def vectors_for(out_channels: int) -> int:
    """How many vectors of output channels one tile computes (the most that divide them);
    its positions are ``ACCUMULATORS // vectors``."""
    for _, vectors in TILE_SHAPES:
        if out_channels % (LANES * vectors) == 0:
            return vectors
    raise ValueError(f"out_channels must be a multiple of {LANES}, got {out_channels}")


def fits(out_channels: int, groups: int, dtype: np.dtype) -> bool:
    """Whether the direct kernel computes this convolution: on an AVX-512 machine
    (:data:`ENABLED`), float32, one group, output channels a multiple of 16 (whole vectors)."""
    return ENABLED and dtype == np.float32 and groups == 1 and out_channels % LANES == 0


def pack_weight(weight: np.ndarray, turned: bool = False) -> np.ndarray:
    """(O, C, KH, KW) -> (KH*KW*C, O), rows ordered (kh, kw, c): one row per input value.

    ``turned``: the packed weight of the input gradient's convolution instead, the weight
    turned by 180 degrees with input and output channels swapped: (KH*KW*O, C), row
    (kh, kw, o) holding ``weight[o, :, KH-1-kh, KW-1-kw]``.
    """
    out_channels, channels, kernel_h, kernel_w = weight.shape
    rows, columns = (out_channels, channels) if turned else (channels, out_channels)
    packed = np.empty((kernel_h * kernel_w * rows, columns), dtype=weight.dtype)
    _pack(np.ascontiguousarray(weight), turned, packed)
    return packed


@numba.njit(cache=True, nogil=True)
def _pack(weight, turned, packed):
    """The loops of :func:`pack_weight`, in the order of the packed rows: contiguous writes
    (16 us for the tutorial's 32x32x5x5 weight; in the weight's order, 64-85 us)."""
    out_channels, channels, kernel_h, kernel_w = weight.shape
    for kh in range(kernel_h):
        for kw in range(kernel_w):
            if turned:
                for o in range(out_channels):
                    row = (kh * kernel_w + kw) * out_channels + o
                    for c in range(channels):
                        packed[row, c] = weight[o, c, kernel_h - 1 - kh, kernel_w - 1 - kw]
            else:
                for c in range(channels):
                    row = (kh * kernel_w + kw) * channels + c
                    for o in range(out_channels):
                        packed[row, o] = weight[o, c, kh, kw]


def run_offsets(
    padded_w: int, channels: int, kernel: tuple[int, int], dilation: tuple[int, int]
) -> tuple[np.ndarray, int]:
    """Where each contiguous run of a receptive field starts in a channels-last sample,
    relative to its top-left value, and the runs' length.

    A kernel row's KW*C values are one run, or with horizontal dilation each kernel
    column's C values. A run longer than :data:`BLOCK_TERMS` is cut into equal pieces of at
    most that length (the largest divisor of its length that fits, if not below
    :data:`LANES`), so that the blocks of the sum stay short.
    """
    kernel_h, kernel_w = kernel
    dilation_h, dilation_w = dilation
    if dilation_w == 1:
        starts = [kh * dilation_h * padded_w * channels for kh in range(kernel_h)]
        run = kernel_w * channels
    else:
        starts = [
            (kh * dilation_h * padded_w + kw * dilation_w) * channels
            for kh in range(kernel_h)
            for kw in range(kernel_w)
        ]
        run = channels
    piece = next(d for d in range(min(run, BLOCK_TERMS), 0, -1) if run % d == 0)
    if piece < LANES:
        piece = run
    pieces = [start + i * piece for start in starts for i in range(run // piece)]
    return np.array(pieces, dtype=np.int64), piece


@numba.njit(cache=True, nogil=True, inline="always")
def tiles(
    x_flat, w, all_bases, offsets, run, x_stride, bias, out_flat, out_start, out_stride, first,
    stop, vectors,
):  # fmt: skip
    """Results ``first .. stop-1`` (result i's input base offset is ``all_bases[i - first]``),
    for all of ``w``'s columns: ``out_flat[out_start + o * out_stride + i]`` for result i,
    column o; the sums run over ``offsets`` (runs of ``run`` values, ``x_stride`` apart).

    Tiles of ``ACCUMULATORS // vectors`` results (:func:`vectors_for`); the last, shorter
    one is computed in full (its missing results repeat its last) into a scratch block and
    copied out. Each tile is called in one place, and this function is inlined into its two
    callers (forward and weight gradient) by Numba, before LLVM: LLVM optimises a function
    again with every compiled function it calls. With the tiles behind two more levels of
    calls, a first training step with an empty Numba cache took 12.6 s; with one more, 10.8;
    inlined, 6.9 (3.5 before the direct kernels).
    """
    columns = w.shape[1]
    width = ACCUMULATORS // vectors
    block_runs = max(1, BLOCK_TERMS // run)
    bases = np.empty(width, dtype=np.int64)
    scratch = np.empty(columns * width, dtype=out_flat.dtype)
    for i0 in range(first, stop, width):
        count = min(width, stop - i0)
        for j in range(width):
            bases[j] = all_bases[i0 - first + min(j, count - 1)]
        for o_first in range(0, columns, LANES * vectors):
            target, start, stride = out_flat, out_start + o_first * out_stride + i0, out_stride
            if count < width:
                target, start, stride = scratch, o_first * width, width
            if vectors == 4:
                _tile_6x4(x_flat, w, bases, offsets, run, x_stride, block_runs, o_first, target,
                          start, stride, bias)  # fmt: skip
            elif vectors == 2:
                _tile_12x2(x_flat, w, bases, offsets, run, x_stride, block_runs, o_first, target,
                           start, stride, bias)  # fmt: skip
            else:
                _tile_24x1(x_flat, w, bases, offsets, run, x_stride, block_runs, o_first, target,
                           start, stride, bias)  # fmt: skip
        if count < width:
            for o in range(columns):
                for j in range(count):
                    out_flat[out_start + o * out_stride + i0 + j] = scratch[o * width + j]


@numba.njit(cache=True, nogil=True)
def weight_gradient_rows(
    x_pad, grad_rows, kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, out_h,
    out_w, zeros, grad_w, first, stop, vectors,
):  # fmt: skip
    """Rows ``first .. stop-1`` of the weight gradient, packed as ``grad_w[o, (kh, kw, c)]``
    (O, KH*KW*C), summed over every sample and output position::

        grad_w[o, (kh, kw, c)] = sum over (n, oh, ow) of
                                 x_pad[n, oh*sh + kh*dh, ow*sw + kw*dw, c]
                                 * grad_rows[(n, oh, ow), o]

    x_pad: (N, Hp, Wp, C) padded channels-last input; grad_rows: (N*OH*OW, O), the output
    gradient channels last; zeros: (O,) zeros (the tiles' bias). The same tiles as forward,
    with the roles swapped: a result is one weight row (kh, kw, c), and the sum runs over
    the output rows of every sample (runs of OW positions, ``sw*C`` apart in x_pad).
    """
    samples, padded_h, padded_w, channels = x_pad.shape
    bases = np.empty(stop - first, dtype=np.int64)
    for k in range(first, stop):
        kh, rest = k // (kernel_w * channels), k % (kernel_w * channels)
        kw, c = rest // channels, rest % channels
        bases[k - first] = (kh * dilation_h * padded_w + kw * dilation_w) * channels + c
    offsets = np.empty(samples * out_h, dtype=np.int64)
    for n in range(samples):
        for oh in range(out_h):
            offsets[n * out_h + oh] = ((n * padded_h + oh * stride_h) * padded_w) * channels
    tiles(x_pad.reshape(-1), grad_rows, bases, offsets, out_w, stride_w * channels, zeros,
          grad_w.reshape(-1), 0, grad_w.shape[1], first, stop, vectors)  # fmt: skip
