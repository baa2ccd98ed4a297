"""``minitorch.profiler``: PyTorch's profiler, for what minitorch runs: where the time and
the memory of a piece of code go, op by op, node by node, kernel by kernel.

::

    from minitorch.profiler import ProfilerActivity, profile, record_function

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True, profile_memory=True) as p:
        with record_function("train_step"):
            loss = loss_fn(model(images), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    print(p.key_averages().table(sort_by="cpu_time_total", row_limit=20))
    p.export_chrome_trace("trace.json")        # open in https://ui.perfetto.dev

The events, named as PyTorch names its own (``minitorch::Convolution`` where PyTorch has
``aten::conv2d``):

- ``minitorch::<Function>``: every op, each ``Function.apply`` (minitorch/autograd/function.py);
- ``autograd::engine::evaluate_function: <Node>`` around ``<Node>`` (``ConvolutionBackward0``,
  ``minitorch::autograd::AccumulateGrad``): every node of the backward pass;
- ``minitorch.kernels.<module>.<kernel>``: each call of a Numba kernel, inside its op, with
  its FLOPs (``with_flops=True`` shows the column) and bytes moved (in the Chrome trace);
- ``numba::compile <function>`` / ``numba::cache_load <function>``: the first call of a
  Numba function, which compiles it or loads it from Numba's cache (hundreds of ms);
- ``Optimizer.step#SGD.step``, ``Optimizer.zero_grad#SGD.zero_grad``, and each
  ``record_function`` block, with what ran inside them.

How it works: :mod:`minitorch.profiler._recorder`; the table and exports:
:mod:`minitorch.profiler._events`; FLOPs and bytes: :mod:`minitorch.profiler._costs`.
PyTorch's: ``torch/profiler/profiler.py``, ``torch/autograd/profiler_util.py``.
"""

from minitorch.profiler._profile import (
    ProfilerAction,
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    supported_activities,
    tensorboard_trace_handler,
)

__all__ = [
    "ProfilerAction",
    "ProfilerActivity",
    "profile",
    "record_function",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
]
