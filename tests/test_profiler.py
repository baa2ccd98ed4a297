"""minitorch.profiler: PyTorch's profiler API over minitorch's ops, nodes, kernels and compiles.

The tutorial model's training step, profiled: every op and node is an event, in PyTorch's
names and nesting; the tables' layout is the one torch.profiler prints for the same options;
the Chrome trace is valid trace-event JSON; kernels carry PyTorch's FLOPs; memory is the
bytes of what each op made, each node's saved tensors are reported and the peak agrees with
tracemalloc's. The numbers checked are computed from shapes, or read from torch.profiler
or tracemalloc themselves.
"""

from __future__ import annotations

import gc
import gzip
import json
import math
import re
import subprocess
import sys
import textwrap
import tracemalloc
import warnings

import numba
import numpy as np
import pytest

import minitorch
from minitorch import _ops, nn
from minitorch.autograd import function as autograd_function
from minitorch.autograd.function import Function
from minitorch.kernels import conv as conv_kernels
from minitorch.models import tudui_class
from minitorch.optim import SGD
from minitorch.profiler import (
    ProfilerAction,
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    tensorboard_trace_handler,
)

torch = pytest.importorskip("torch")
torch_backend = pytest.importorskip("torch_backend")

ENGINE = "autograd::engine::evaluate_function: "
ACCUMULATE = "minitorch::autograd::AccumulateGrad"
BATCH = 2


def training_step(lib, model, optimizer, images, targets):
    """The course's step, plus the accuracy it prints (argmax, ==, .float(), mean)."""
    outputs = model(images)
    loss = lib.nn.functional.cross_entropy(outputs, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return (outputs.argmax(1) == targets).float().mean()


def profiled_step(lib, profiler, **options):
    """One step of the tutorial model on ``lib``, after an unprofiled one (Numba compiled)."""
    lib.manual_seed(0)
    model = tudui_class(lib)()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
    images, targets = lib.randn(BATCH, 3, 32, 32), lib.tensor([3, 5])
    training_step(lib, model, optimizer, images, targets)
    with profiler.profile(activities=[profiler.ProfilerActivity.CPU], **options) as prof:
        training_step(lib, model, optimizer, images, targets)
    return prof


@pytest.fixture(scope="module")
def step():
    return profiled_step(
        minitorch, minitorch.profiler, record_shapes=True, profile_memory=True, with_flops=True
    )


def names(events, prefix=""):
    return [e.name.removeprefix(prefix) for e in events if e.name.startswith(prefix)]


# ------------------------------------------------------------------ events of a training step
def test_every_forward_op_of_the_step_is_an_event(step):
    top = [e for e in step.events() if e.cpu_parent is None]
    forward = [e.name for e in top if e.name.startswith("minitorch::")]
    model = ["Convolution", "MaxPool2DWithIndices"] * 3 + ["View", "Linear", "Linear"]
    accuracy = ["Argmax", "Eq", "ToCopy", "MeanAll"]  # not differentiable: recorded all the same
    assert forward == ["minitorch::" + name for name in model + ["CrossEntropyLoss", *accuracy]]
    assert [e.name for e in top if not e.name.startswith("minitorch::")][:1] == [
        "Optimizer.zero_grad#SGD.zero_grad"
    ]


def test_every_backward_node_is_two_events_as_in_pytorch(step):
    events = step.events()
    nodes = [e for e in events if e.name.startswith(ENGINE)]
    graph = ["CrossEntropyLossBackward0", "AddmmBackward0", "AddmmBackward0", "ViewBackward0"]
    graph += ["MaxPool2DWithIndicesBackward0", "ConvolutionBackward0"] * 3
    assert [n for n in names(nodes, ENGINE) if n != ACCUMULATE] == graph
    assert names(nodes, ENGINE).count(ACCUMULATE) == 10  # one per parameter
    for outer in nodes:
        (inner,) = outer.cpu_children  # the node's own computation, without its hooks
        assert inner.name == outer.name.removeprefix(ENGINE) and inner.scope == 1
    # a forward op and the node that undoes it share a sequence number
    forward = {e.sequence_nr: e.name for e in events if e.name.startswith("minitorch::")}
    for outer in nodes:
        if outer.sequence_nr >= 0:
            op = forward[outer.sequence_nr].removeprefix("minitorch::")
            assert outer.cpu_children[0].name.startswith(op if op != "Linear" else "Addmm")


def test_optimizer_step_and_zero_grad_are_named_as_in_pytorch(step):
    events = step.events()
    (zero_grad,) = [e for e in events if e.name == "Optimizer.zero_grad#SGD.zero_grad"]
    (update,) = [e for e in events if e.name == "Optimizer.step#SGD.step"]
    assert zero_grad.cpu_parent is None and update.cpu_parent is None
    # SGD's param.add_(grad, alpha=-lr), one per parameter, inside the step
    assert [c.name for c in update.cpu_children] == ["minitorch::Add"] * 10


def test_same_events_in_pytorch_profiler():
    """The names minitorch's table shares with PyTorch's for the same step."""
    events = profiled_step(torch_backend, torch.profiler).events()
    ours = profiled_step(minitorch, minitorch.profiler).events()
    for name in ["Optimizer.step#SGD.step", "Optimizer.zero_grad#SGD.zero_grad"]:
        assert names(events).count(name) == names(ours).count(name) == 1
    shared = {"ConvolutionBackward0", "MaxPool2DWithIndicesBackward0", "AddmmBackward0"}
    for node in shared:
        assert names(events, ENGINE).count(node) == names(ours, ENGINE).count(node)


def test_kernels_are_child_events_with_pytorchs_conv_flops(step):
    events = step.events()
    convolutions = [e for e in events if e.name == "minitorch::Convolution"]
    torch_flops = [
        e.flops
        for e in profiled_step(torch_backend, torch.profiler, with_flops=True).events()
        if e.name == "aten::conv2d"
    ]
    for op, torch_count in zip(convolutions, torch_flops, strict=True):
        (kernel,) = op.cpu_children
        assert kernel.name == "minitorch.kernels.conv.conv2d_forward"
        assert kernel.category == "kernel"
        (n, c, h, w), (o, c_per_group, kh, kw) = kernel.input_shapes[:2]
        groups = c // c_per_group
        out_h, out_w = h, w  # 5x5 kernels, padding 2, stride 1
        assert kernel.flops == 2 * n * o * out_h * out_w * c // groups * kh * kw == torch_count
        out_bytes = n * o * out_h * out_w * 4
        arrays = [n * c * h * w, o * c_per_group * kh * kw, o]
        assert kernel.bytes_moved == sum(arrays) * 4 + out_bytes
    backward = [e for e in events if e.name == "minitorch.kernels.conv.conv2d_backward"]
    assert [e.cpu_parent.name for e in backward] == ["ConvolutionBackward0"] * 3
    first_conv = backward[-1]  # its input, the images, needs no gradient
    (grad_out_shape,) = first_conv.cpu_parent.input_shapes
    weight_flops = 2 * math.prod(grad_out_shape) * 3 * 5 * 5
    assert first_conv.flops == weight_flops + math.prod(grad_out_shape)  # and the bias's sum
    assert backward[0].flops == 2 * 2 * math.prod(backward[0].cpu_parent.input_shapes[0]) * (
        32 * 5 * 5
    ) + math.prod(backward[0].cpu_parent.input_shapes[0])
    pools = [e for e in events if e.name == "minitorch::MaxPool2DWithIndices"]
    assert [[c.name for c in e.cpu_children] for e in pools] == [
        ["minitorch.kernels.pool.max_pool2d_forward"]
    ] * 3
    (loss,) = [e for e in events if e.name == "minitorch::CrossEntropyLoss"]
    assert [c.name for c in loss.cpu_children] == ["minitorch.kernels.loss.cross_entropy_forward"]


@numba.njit
def _double_into(x, out):
    for i in range(x.size):
        out[i] = 2.0 * x[i]


class Double(Function):
    """A learner's own Function with its own Numba kernel, named as minitorch's name theirs."""

    kernel = f"{__name__}._double_into"

    @staticmethod
    def forward(ctx, x):
        out = np.empty_like(x)
        _double_into(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return 2.0 * grad


def test_a_users_function_and_kernel_are_profiled_too():
    x = minitorch.ones(5, requires_grad=True)
    Double.apply(x)  # compiled before profiling
    with profile(profile_memory=True) as prof:
        Double.apply(x).sum().backward()
    (op,) = [e for e in prof.events() if e.name == "Double"]  # not minitorch's own op
    (kernel,) = op.cpu_children
    assert kernel.name == f"{__name__}._double_into" and kernel.category == "kernel"
    assert kernel.bytes_moved == 2 * 5 * 4 and kernel.flops == 0  # FLOPs are only counted
    assert op.cpu_memory_usage == 5 * 4  # for products and convolutions, as in PyTorch
    assert "DoubleBackward" in names(prof.events(), ENGINE)


def test_linear_flops_are_pytorchs_addmm(step):
    linear = [e.flops for e in step.events() if e.name == "minitorch::Linear"]
    assert linear == [2 * BATCH * 1024 * 64, 2 * BATCH * 64 * 10]


# ------------------------------------------------------------------ tables
@pytest.mark.parametrize(
    ("options", "grouped"),
    [
        ({}, False),
        ({"profile_memory": True}, False),
        ({"record_shapes": True}, True),
        ({"record_shapes": True, "profile_memory": True}, True),
        ({"with_flops": True}, False),
    ],
    ids=["default", "memory", "shapes", "shapes+memory", "flops"],
)
def test_table_header_is_pytorchs(options, grouped):
    tables = []
    for lib, profiler in ((minitorch, minitorch.profiler), (torch_backend, torch.profiler)):
        averages = profiled_step(lib, profiler, **options).key_averages(
            group_by_input_shape=grouped
        )
        tables.append(averages.table(sort_by="cpu_time_total", row_limit=5).splitlines())
    ours, theirs = tables
    assert ours[:3] == theirs[:3]  # separator, column names, separator: the same, to the space
    assert ours[-2] == theirs[-2]
    assert ours[-1].startswith("Self CPU time total: ")
    assert len(ours) == len(theirs) == 3 + 5 + 2


def test_table_rows_calls_and_shapes(step):
    table = step.key_averages().table(sort_by="count", row_limit=3)
    rows = table.splitlines()[3:6]
    counts = [int(row.split()[-2]) for row in rows]  # "# of Calls", before the FLOPs column
    assert counts == sorted(counts, reverse=True)
    by_shape = step.key_averages(group_by_input_shape=True)
    convolutions = [e for e in by_shape if e.key == "minitorch::Convolution"]
    assert sorted(str(e.input_shapes) for e in convolutions) == [
        "[[2, 3, 32, 32], [32, 3, 5, 5], [32], [], [], [], []]",
        "[[2, 32, 16, 16], [32, 32, 5, 5], [32], [], [], [], []]",
        "[[2, 32, 8, 8], [64, 32, 5, 5], [64], [], [], [], []]",
    ]
    (averaged,) = [e for e in step.key_averages() if e.key == "minitorch::Convolution"]
    assert averaged.count == 3
    assert averaged.cpu_time_total == pytest.approx(sum(e.cpu_time_total for e in convolutions))


def table_rows(table):
    """``{name: [(calls, input shapes), ...]}`` from a table printed with shapes."""
    header, *lines = table.splitlines()[1:-2]
    columns = re.split(r"\s{2,}", header.strip())
    calls_at, shapes_at = columns.index("# of Calls"), columns.index("Input Shapes")
    rows: dict[str, list] = {}
    for line in lines[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        shapes = cells[shapes_at] if len(cells) > shapes_at else "[]"
        rows.setdefault(cells[0], []).append((int(cells[calls_at]), shapes))
    return rows


def test_table_lists_every_op_and_node_of_the_step_with_calls_and_shapes(step):
    table = step.key_averages(group_by_input_shape=True).table(
        max_name_column_width=90, max_shapes_column_width=200, row_limit=1000
    )
    rows = table_rows(table)
    calls = {name: sum(count for count, _ in found) for name, found in rows.items()}
    forward = {"Convolution": 3, "MaxPool2DWithIndices": 3, "View": 1, "Linear": 2}
    forward |= {"CrossEntropyLoss": 1, "Argmax": 1, "Eq": 1, "ToCopy": 1, "MeanAll": 1}
    forward |= {"Add": 10}  # SGD's update of each parameter
    for op, count in forward.items():
        assert calls["minitorch::" + op] == count, op
    nodes = {"CrossEntropyLossBackward0": 1, "AddmmBackward0": 2, "ViewBackward0": 1}
    nodes |= {"MaxPool2DWithIndicesBackward0": 3, "ConvolutionBackward0": 3, ACCUMULATE: 10}
    for node, count in nodes.items():
        assert calls[node] == calls[ENGINE + node] == count, node
    assert calls["Optimizer.step#SGD.step"] == calls["Optimizer.zero_grad#SGD.zero_grad"] == 1
    # the shapes each op and node received: the model's activations, batch 2
    convolutions = sorted(shapes for _, shapes in rows["minitorch::Convolution"])
    assert convolutions == [
        "[[2, 3, 32, 32], [32, 3, 5, 5], [32], [], [], [], []]",
        "[[2, 32, 16, 16], [32, 32, 5, 5], [32], [], [], [], []]",
        "[[2, 32, 8, 8], [64, 32, 5, 5], [64], [], [], [], []]",
    ]
    assert sorted(shapes for _, shapes in rows["minitorch::Linear"]) == [
        "[[2, 1024], [64, 1024], [64]]",
        "[[2, 64], [10, 64], [10]]",
    ]
    assert sorted(shapes for _, shapes in rows["ConvolutionBackward0"]) == [
        "[[2, 32, 16, 16]]",  # the gradient of each convolution's output
        "[[2, 32, 32, 32]]",
        "[[2, 64, 8, 8]]",
    ]
    assert sorted(shapes for _, shapes in rows["MaxPool2DWithIndicesBackward0"]) == [
        "[[2, 32, 16, 16]]",
        "[[2, 32, 8, 8]]",
        "[[2, 64, 4, 4]]",
    ]


def test_self_times_add_up_to_the_footer(step):
    events = step.events()
    total = sum(e.self_cpu_time_total for e in events)
    top = sum(e.cpu_time_total for e in events if e.cpu_parent is None)
    assert total == pytest.approx(top)
    for event in events:
        assert event.self_cpu_time_total >= 0
        assert event.self_cpu_time_total == pytest.approx(
            event.cpu_time_total - sum(c.cpu_time_total for c in event.cpu_children)
        )


# ------------------------------------------------------------------ the Chrome trace
def check_chrome_trace(document):
    """The trace-event format's rules (what Perfetto and chrome://tracing read)."""
    assert isinstance(document, dict) and isinstance(document["traceEvents"], list)
    starts, finishes = {}, {}
    complete = []
    for event in document["traceEvents"]:
        assert event["ph"] in {"X", "M", "i", "s", "f"}
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        assert isinstance(event["name"], str) and isinstance(event["ts"], float | int)
        assert ("dur" in event) == (event["ph"] == "X")  # only complete events last
        if event["ph"] == "X":
            assert isinstance(event["cat"], str) and isinstance(event["args"], dict)
            assert isinstance(event["ts"], float | int) and event["dur"] >= 0
            complete.append(event)
        elif event["ph"] == "M":
            assert event["name"] in {"process_name", "thread_name"} and "name" in event["args"]
        elif event["ph"] == "i":
            assert event["s"] == "t" and isinstance(event["args"]["Bytes"], int)
        else:
            (starts if event["ph"] == "s" else finishes)[event["id"]] = event
    assert set(starts) == set(finishes)  # every forward op's arrow ends at its backward node
    for flow_id, start in starts.items():
        assert start["ts"] <= finishes[flow_id]["ts"]
    return complete


def test_chrome_trace_is_valid_and_matches_the_events(step, tmp_path):
    path = tmp_path / "trace.json"
    step.export_chrome_trace(str(path))
    complete = check_chrome_trace(json.loads(path.read_text()))
    events = step.events()
    assert [e["name"] for e in complete] == [e.name for e in events]
    for record, event in zip(complete, events, strict=True):
        assert record["ts"] == event.time_range.start
        assert record["dur"] == pytest.approx(event.cpu_time_total)
        assert record["tid"] == event.thread
    categories = {e["cat"] for e in complete}
    assert {"cpu_op", "kernel", "user_annotation"} <= categories
    conv = next(e for e in complete if e["name"] == "minitorch.kernels.conv.conv2d_forward")
    assert conv["args"]["flops"] == 2 * 2 * 32 * 32 * 32 * 3 * 5 * 5
    assert conv["args"]["Input Dims"][0] == [2, 3, 32, 32]
    # children lie inside their parent on the same thread
    spans = {e["args"]["External id"]: e for e in complete}
    for event in events:
        if event.cpu_parent is not None and event.thread == event.cpu_parent.thread:
            child, parent = spans[event.id], spans[event.cpu_parent.id]
            assert parent["ts"] <= child["ts"]
            assert child["ts"] + child["dur"] <= parent["ts"] + parent["dur"] + 1e-3


def test_gzipped_chrome_trace(tmp_path):
    with profile() as prof:
        minitorch.ones(3) * 2
    prof.export_chrome_trace(str(tmp_path / "trace.json.gz"))
    with gzip.open(tmp_path / "trace.json.gz", "rt") as file:
        complete = check_chrome_trace(json.load(file))
    assert [e["name"] for e in complete] == ["minitorch::Mul"]


# ------------------------------------------------------------------ record_function
def test_record_function_nests_as_a_block_and_as_a_decorator():
    @record_function("decorated")
    def double(x):
        return x * 2

    x = minitorch.ones(4)
    with profile() as prof:
        with record_function("outer"):
            with record_function("inner"):
                x.exp()
            double(x)
        double(x)
    events = prof.events()
    outer = next(e for e in events if e.name == "outer")
    assert [c.name for c in outer.cpu_children] == ["inner", "decorated"]
    assert [c.name for c in outer.cpu_children[0].cpu_children] == ["minitorch::Exp"]
    assert names(events) == [
        "outer",
        "inner",
        "minitorch::Exp",
        "decorated",
        "minitorch::Mul",
        "decorated",
        "minitorch::Mul",
    ]
    assert all(e.is_user_annotation for e in events if not e.name.startswith("minitorch::"))
    assert outer.cpu_time_total >= sum(c.cpu_time_total for c in outer.cpu_children)
    averages = {e.key: e.count for e in prof.key_averages()}
    assert averages["decorated"] == 2 and averages["minitorch::Mul"] == 2
    double(x)  # with no profiler running it only runs the function


def test_a_block_left_by_an_exception_is_closed():
    with profile() as prof:
        with pytest.raises(RuntimeError), record_function("failing"):
            minitorch.ones(2).exp()
            minitorch.ones(2, 3) @ minitorch.ones(2, 3)  # refused before any op runs
        minitorch.ones(2).neg()
    failing = next(e for e in prof.events() if e.name == "failing")
    assert [e.name for e in failing.cpu_children] == ["minitorch::Exp"]
    neg = next(e for e in prof.events() if e.name == "minitorch::Neg")
    assert neg.cpu_parent is None


# ------------------------------------------------------------------ memory
def test_memory_is_the_bytes_each_op_made():
    x = minitorch.ones(100)  # float32: 400 bytes
    with profile(profile_memory=True) as prof:
        y = x * 2  # a new array
        y.view(10, 10)  # a view: no memory
        x.argmax()  # int64, 0-d: 8 bytes
        x.double()  # 800 bytes
        with record_function("in_place"):
            y.add_(1)  # computed out of place (400 B), written into y, the temporary freed
    memory = {e.name: (e.cpu_memory_usage, e.self_cpu_memory_usage) for e in prof.events()}
    assert memory["minitorch::Mul"] == (400, 400)
    assert memory["minitorch::View"] == (0, 0)
    assert memory["minitorch::Argmax"] == (8, 8)
    assert memory["minitorch::ToCopy"] == (800, 800)
    assert memory["minitorch::Add"] == (400, 400)
    assert memory["in_place"] == (0, -400)  # the block kept nothing
    table = prof.key_averages().table()
    assert "CPU Mem" in table.splitlines()[1] and "Self CPU Mem" in table.splitlines()[1]
    assert "400 B" in table and "-400 B" in table


def test_memory_of_the_training_step(step):
    events = step.events()
    convolutions = [e for e in events if e.name == "minitorch::Convolution"]
    for conv in convolutions:  # the output; the input and weight it saves are the inputs'
        (n, _, h, w), (o, *_) = conv.input_shapes[:2]
        assert conv.cpu_memory_usage == n * o * h * w * 4
        assert conv.self_cpu_memory_usage == 0  # the kernel made it
    pools = [e for e in events if e.name == "minitorch::MaxPool2DWithIndices"]
    for pool in pools:  # the output and the int64 indices saved for backward
        n, c, h, w = pool.input_shapes[0]
        assert pool.cpu_memory_usage == n * c * (h // 2) * (w // 2) * (4 + 8)
    parameters = [(32, 3, 5, 5), (32,), (32, 32, 5, 5), (32,), (64, 32, 5, 5), (64,)]
    parameters += [(64, 1024), (64,), (10, 64), (10,)]
    accumulated = [e.cpu_memory_usage for e in events if e.name == ACCUMULATE]
    assert sorted(accumulated) == sorted(math.prod(s) * 4 for s in parameters)  # new .grad


def test_every_node_reports_what_it_saved_and_when_it_was_freed(step):
    records = step.events().saved_tensors
    graph = ["ConvolutionBackward0", "MaxPool2DWithIndicesBackward0"] * 3
    graph += ["AddmmBackward0", "AddmmBackward0", "CrossEntropyLossBackward0"]
    assert [r.node for r in records] == graph  # forward order; ViewBackward0 saves nothing
    events = step.events()
    evaluated = {e.sequence_nr: e for e in events if e.name.startswith(ENGINE)}
    for record in records:
        node_event = evaluated[record.sequence_nr]
        assert node_event.name == ENGINE + record.node
        assert record.saved_us < node_event.time_range.start <= record.released_us
        assert record.released_us <= node_event.time_range.end  # freed inside it, as PyTorch
    first_conv, first_pool = records[0], records[1]
    assert first_conv.shapes == [[2, 3, 32, 32], [32, 3, 5, 5]]  # the images and the weight
    assert first_conv.nbytes == (2 * 3 * 32 * 32 + 32 * 3 * 5 * 5) * 4
    assert first_conv.freed_bytes == 0  # both still held, by the caller and the model
    assert first_pool.shapes == [[2, 32, 16, 16], [2, 32, 32, 32]]  # indices, input
    assert (
        first_pool.nbytes == first_pool.freed_bytes == 2 * 32 * 16 * 16 * 8 + 2 * 32 * 32 * 32 * 4
    )
    for record in records:  # what releasing freed is its evaluate_function's self memory
        node_event = evaluated[record.sequence_nr]
        inner = node_event.cpu_children[0]
        assert node_event.self_cpu_memory_usage == -record.freed_bytes
        assert node_event.cpu_memory_usage == inner.cpu_memory_usage - record.freed_bytes
    assert "Saved for backward:" in records.table()


def test_saved_bytes_are_in_the_chrome_trace(step):
    trace = step.events().chrome_trace()["traceEvents"]
    nodes = [e for e in trace if "Saved bytes" in e.get("args", {})]
    saved = step.events().saved_tensors[::-1]  # backward runs the nodes in reverse
    assert [e["name"] for e in nodes] == [record.node for record in saved]
    assert [e["args"]["Saved bytes"] for e in nodes] == [record.nbytes for record in saved]


def tutorial_step(batch):
    """The tutorial model's training step at ``batch``, run once (compiled, grads made)."""
    minitorch.manual_seed(0)
    model = tudui_class(minitorch)()
    optimizer = SGD(model.parameters(), lr=0.01)
    images = minitorch.randn(batch, 3, 32, 32)
    targets = minitorch.randint(0, 10, (batch,))

    def run():
        training_step(minitorch, model, optimizer, images, targets)

    run()
    return run


def test_peak_memory_agrees_with_tracemalloc():
    """numpy reports its allocations to tracemalloc: the step's peak, measured there alone.

    On one thread: with several, each thread's part of a kernel has its own buffers, and
    how much they overlap in time (so the peak) changes from run to run.
    """
    run = tutorial_step(4)
    threads = minitorch.get_num_threads()
    minitorch.set_num_threads(1)
    try:
        gc.collect()
        tracemalloc.start()
        start = tracemalloc.get_traced_memory()[0]
        run()
        measured = tracemalloc.get_traced_memory()[1] - start
        tracemalloc.stop()
        gc.collect()
        with profile(profile_memory=True) as prof:
            run()
    finally:
        tracemalloc.stop()
        minitorch.set_num_threads(threads)
    events = prof.events()
    assert events.peak_memory_usage == pytest.approx(measured, rel=0.10)
    assert not tracemalloc.is_tracing()  # the profiler stopped what it started
    activations = 4 * 32 * 32 * 32 * 4
    assert events.peak_memory_usage > activations  # at least the first convolution's output
    assert events.peak_memory_event in {e.name.removeprefix(ENGINE) for e in events}
    assert prof.key_averages().peak_memory_usage == events.peak_memory_usage


def test_no_memory_columns_without_profile_memory():
    with profile() as prof:
        minitorch.ones(3) * 2
    assert "CPU Mem" not in prof.key_averages().table()
    assert [e.cpu_memory_usage for e in prof.events()] == [0]


# ------------------------------------------------------------------ compiles, stacks, schedule
def test_the_first_call_of_a_numba_function_is_a_compile_event():
    @numba.njit
    def freshly_defined(a):
        return a * 2.0

    with profile() as prof:
        freshly_defined(np.ones(3))
        freshly_defined(np.ones(3))  # compiled already: no event
    compiles = [e for e in prof.events() if e.category == "compile"]
    assert [e.name for e in compiles] == ["numba::compile freshly_defined"]
    assert compiles[0].cpu_time_total > 0


def test_a_cache_load_is_its_own_event(tmp_path):
    (tmp_path / "cached_kernel.py").write_text(
        textwrap.dedent(
            """
            import numba

            @numba.njit(cache=True)
            def cached_twice(a):
                return a * 2.0
            """
        )
    )
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import numpy as np
        from minitorch.profiler import profile
        import cached_kernel
        with profile() as prof:
            cached_kernel.cached_twice(np.ones(3))
        print([e.name for e in prof.events() if e.category == "compile"])
        """
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert [run.stdout.strip() for run in runs] == [
        "['numba::compile cached_twice']",
        "['numba::cache_load cached_twice']",
    ]


def test_with_stack_records_the_calls_that_led_to_each_op(tmp_path):
    conv = nn.Conv2d(1, 2, 3)
    with profile(with_stack=True) as prof:
        conv(minitorch.ones(1, 1, 5, 5))
    (event,) = [e for e in prof.events() if e.name == "minitorch::Convolution"]
    assert event.stack[0].startswith("minitorch/nn/functional.py(")
    assert any("Conv2d.forward" in entry for entry in event.stack)
    assert any(entry.startswith("test_profiler.py(") for entry in event.stack)
    assert "Source Location" in prof.events().table().splitlines()[1]
    prof.export_stacks(str(tmp_path / "stacks.txt"))
    lines = (tmp_path / "stacks.txt").read_text().splitlines()
    assert lines and all(line.rsplit(" ", 1)[1].isdigit() for line in lines)


def test_schedule_records_the_active_steps_as_pytorch_does():
    handed = {}
    for name, profiler, lib in (
        ("minitorch", minitorch.profiler, minitorch),
        ("torch", torch.profiler, torch),
    ):
        traces = []

        def ready(prof, traces=traces):
            steps = [e for e in prof.events() if e.name == "ProfilerStep*"]  # one table row
            traces.append([e.trace_name for e in steps])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's warnings about its CUDA support
            plan = profiler.schedule(wait=1, warmup=1, active=2, repeat=1)
            with profiler.profile(schedule=plan, on_trace_ready=ready) as prof:
                for _ in range(6):
                    lib.ones(3) * 2
                    prof.step()
        handed[name] = traces
    assert handed["minitorch"] == handed["torch"] == [["ProfilerStep#2", "ProfilerStep#3"]]


def test_schedule_actions_are_pytorchs():
    plan = schedule(wait=1, warmup=1, active=2, repeat=2, skip_first=1)
    theirs = torch.profiler.schedule(wait=1, warmup=1, active=2, repeat=2, skip_first=1)
    assert [plan(i).name for i in range(12)] == [theirs(i).name for i in range(12)]
    assert plan(4) is ProfilerAction.RECORD_AND_SAVE
    with pytest.raises(AssertionError, match="Invalid profiler schedule arguments"):
        schedule(wait=0, warmup=0, active=0)


def test_tensorboard_trace_handler_writes_a_trace(tmp_path):
    plan = schedule(wait=0, warmup=1, active=1, repeat=1)
    handler = tensorboard_trace_handler(str(tmp_path), "worker")
    with profile(schedule=plan, on_trace_ready=handler) as prof:
        for _ in range(3):
            minitorch.ones(2) + 1
            prof.step()
    (written,) = tmp_path.glob("worker.*.pt.trace.json")
    complete = check_chrome_trace(json.loads(written.read_text()))
    assert [e["name"] for e in complete] == ["ProfilerStep#1", "minitorch::Add"]


# ------------------------------------------------------------------ costs nothing when off
def test_hooks_are_gone_after_profiling_even_after_an_error():
    kernel = conv_kernels.conv2d_forward
    methods = (SGD.step, minitorch.optim.Optimizer.zero_grad)
    with pytest.raises(RuntimeError), profile():
        assert _ops.conv.conv2d_forward is not kernel  # wrapped while profiling
        minitorch.ones(2, 3) @ minitorch.ones(2, 3)
    assert autograd_function._tracer is None
    assert _ops.conv.conv2d_forward is kernel
    assert (SGD.step, minitorch.optim.Optimizer.zero_grad) == methods
    from numba.core import event as numba_event

    assert not numba_event._registered["numba:compile"]


def test_cuda_activity_warns_as_on_a_machine_without_cuda():
    both = [ProfilerActivity.CPU, ProfilerActivity.CUDA]
    with pytest.warns(UserWarning, match="CUDA is not available, disabling CUDA profiling"):
        prof = profile(activities=both)
        prof.start()
    minitorch.ones(1) + 1
    prof.stop()
    assert names(prof.events()) == ["minitorch::Add"]
    with pytest.raises(AssertionError, match="No valid profiler activities found"):
        profile(activities=[])


def test_torch_backend_profiler_is_torch_profiler():
    assert torch_backend.profiler.profile is torch.profiler.profile
    assert torch_backend.profiler.record_function is torch.profiler.record_function
    assert minitorch.backend("torch").profiler is torch_backend.profiler
