"""``minitorch.explain``: what one training step does, op by op, where each op's code is, and
what memory it takes.

From Python, on any model::

    result = minitorch.explain(model, loss_fn, images, targets, optimizer)
    print(result)          # the table, the layers, the source lines, the memory
    result.rows            # one Row per op: phase, op, layer, shapes, kernel, bytes saved, ms
    result.memory          # parameters, gradients, optimizer state, activations, peak

From the command line, on a model of :mod:`minitorch.models` or your own::

    minitorch-explain --model tudui --batch 4
    minitorch-explain --model mypackage.models:Net --input-shape 3x32x32 --wide
    python -m minitorch.explain --model cnn --dot graph.dot

It runs one untraced step, so that Numba's compilation stays out of the times, then records
one more step with :class:`minitorch._trace.Trace` (the recorder mechanism
:mod:`minitorch.profiler` is built on) and prints

1. the trace: every forward op and backward node, its module, shapes, bytes kept for
   backward and time (``--wide``: inputs and the Numba kernel too);
2. the layers: which forward ops each module ran, and which backward nodes undid them;
3. the source: for each Function, the file and line of the code that called it, of its
   ``forward`` and ``backward`` and of the Numba kernels they call, plus the autograd
   machinery that ran them (so a reader can open each file at that line);
4. the memory: parameters, gradients, optimizer state, the activations each layer saved for
   backward, and the step's peak.

``minitorch.explain`` is the function :func:`explain`; this package (``minitorch-explain``'s
``main``) is ``sys.modules["minitorch.explain"]``, or ``from minitorch.explain import main``.
"""

import importlib as _importlib

from minitorch.explain._step import Explanation, Layer, Memory, Row, explain

__all__ = ["Explanation", "Layer", "Memory", "Row", "build_parser", "explain", "main"]

# The command's names on first use: ``import minitorch`` binds :func:`explain` and need not
# load the command line (argparse, the model zoo, the graph drawing) with it.
_COMMAND_NAMES = ("build_parser", "main")


def __getattr__(name: str) -> object:
    if name in _COMMAND_NAMES:
        return getattr(_importlib.import_module("minitorch.explain._command"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_COMMAND_NAMES})
