"""Waiting on a counter without the GIL and without going to sleep: a bounded spin.

The kernels' worker threads (:mod:`minitorch.kernels._threads`) sleep on a queue between
splits, and the thread that handed out a split sleeps until its parts are back. Waking a
sleeping thread is cheap on a machine with idle cores to spare, but on the project's 2-vCPU
virtual machine the idle vCPU must be woken by the host: an empty split took 100-160 us
(median; 240-300 us at the 90th percentile), and a training step of the tutorial model
makes 10-16 splits. Spinning for a short while first, as OpenMP's threads do between
parallel regions (PyTorch's among them), finds the next split or the parts' results
while the vCPU is still awake: the same empty split then took 40 us.

The spin runs in compiled code that has released the GIL, so the thread that holds it
runs on; the counter is read with an atomic load (compiled code may not hoist it out of the
loop), and each check is followed by ``pause``, the processor's hint for spin loops.
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["SPIN_CYCLES", "spin_until_changed"]

# How long a thread spins before it sleeps: about 0.5-1 ms of processor cycles, longer than
# the Python between two splits of a training step's kernels at small batches.
SPIN_CYCLES = 2_000_000


@intrinsic
def _load_then_pause(typingctx, counter):
    """``counter[0]``, read atomically (acquire), then one ``pause``."""
    signature = types.int64(counter)

    def codegen(context, builder, sig, args):
        array = context.make_array(sig.args[0])(context, builder, args[0])
        value = builder.load_atomic(array.data, "acquire", 8)
        pause = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), []), "llvm.x86.sse2.pause"
        )
        builder.call(pause, [])
        return value

    return signature, codegen


@intrinsic
def _cycles(typingctx):
    """The processor's cycle counter (``rdtsc``)."""
    signature = types.int64()

    def codegen(context, builder, sig, args):
        counter = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(64), []), "llvm.readcyclecounter"
        )
        return builder.call(counter, [])

    return signature, codegen


@numba.njit(cache=True, nogil=True)
def spin_until_changed(counter, seen, cycles):
    """Spin until ``counter[0] != seen`` (True) or ``cycles`` have passed (False).

    counter: a one-element int64 array that another thread increments."""
    start = _cycles()
    while _cycles() - start < cycles:
        if _load_then_pause(counter) != seen:
            return True
    return False
