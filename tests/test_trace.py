"""The op recorder (minitorch._trace.Trace, behind minitorch-explain): the ops of a known
training step, in order, with shapes and kernels."""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

import minitorch
from minitorch import _ops, nn
from minitorch._trace import Trace, node_attributes, saved_arrays
from minitorch.autograd import function as autograd_function
from minitorch.autograd.function import Function
from minitorch.models import tudui_class


def mlp_step(tr_params: bool = True) -> Trace:
    minitorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    optimizer = minitorch.optim.SGD(model.parameters(), lr=0.1)
    x = minitorch.randn(5, 4)
    y = minitorch.tensor([0, 1, 1, 0, 1])
    params = dict(model.named_parameters()) if tr_params else None
    with Trace(params=params) as tr:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return tr


def rows(tr, phase):
    return [(e.name, e.inputs, e.outputs) for e in tr.events if e.phase == phase]


def test_forward_rows_of_a_known_step():
    tr = mlp_step()
    f32, i64 = "float32", "int64"
    assert rows(tr, "forward") == [
        ("Linear", [((5, 4), f32), ((3, 4), f32), ((3,), f32)], [((5, 3), f32)]),
        ("Relu", [((5, 3), f32)], [((5, 3), f32)]),
        ("Linear", [((5, 3), f32), ((2, 3), f32), ((2,), f32)], [((5, 2), f32)]),
        ("CrossEntropyLoss", [((5, 2), f32), ((5,), i64)], [((), f32)]),
        # optimizer.step(): SGD's param.add_(grad, alpha=-lr), one Add per parameter
        ("Add", [((3, 4), f32), ((3, 4), f32)], [((3, 4), f32)]),
        ("Add", [((3,), f32), ((3,), f32)], [((3,), f32)]),
        ("Add", [((2, 3), f32), ((2, 3), f32)], [((2, 3), f32)]),
        ("Add", [((2,), f32), ((2,), f32)], [((2,), f32)]),
    ]


def test_backward_rows_of_a_known_step():
    tr = mlp_step()
    f32 = "float32"
    assert rows(tr, "backward") == [
        ("CrossEntropyLossBackward0", [((), f32)], [((5, 2), f32)]),
        ("AddmmBackward0", [((5, 2), f32)], [((5, 3), f32), ((2, 3), f32), ((2,), f32)]),
        ("AccumulateGrad", [((2, 3), f32)], []),
        ("AccumulateGrad", [((2,), f32)], []),
        ("ReluBackward0", [((5, 3), f32)], [((5, 3), f32)]),
        # the first layer's input needs no gradient: None where PyTorch's grad_input is None
        ("AddmmBackward0", [((5, 3), f32)], [None, ((3, 4), f32), ((3,), f32)]),
        ("AccumulateGrad", [((3, 4), f32)], []),
        ("AccumulateGrad", [((3,), f32)], []),
    ]
    backward = [e for e in tr.events if e.phase == "backward"]
    assert [e.forward_index for e in backward] == [4, 3, None, None, 2, 1, None, None]
    assert [e.parameter for e in backward if e.name == "AccumulateGrad"] == [
        "2.weight",
        "2.bias",
        "0.weight",
        "0.bias",
    ]


def test_kernels_and_times():
    tr = mlp_step()
    kernels = {e.name: e.kernel for e in tr.events}
    assert kernels["CrossEntropyLoss"] == "minitorch.kernels.loss.cross_entropy_forward"
    assert kernels["CrossEntropyLossBackward0"] == "minitorch.kernels.loss.cross_entropy_backward"
    assert kernels["Linear"] == kernels["AddmmBackward0"] == "numpy"
    assert all(e.seconds >= 0 for e in tr.events)
    forward = [e for e in tr.events if e.phase == "forward"]  # the model's 4 ops, SGD's 4 adds
    assert tr.total_seconds("forward") == sum(e.seconds for e in forward)
    assert [e.index for e in tr.events] == list(range(1, 17))


def test_table_has_a_line_per_op():
    tr = mlp_step()
    lines = str(tr).splitlines()
    assert lines[0].split() == ["#", "phase", "op", "inputs", "outputs", "kernel", "ms"]
    assert set(lines[1]) == {"-"}
    body = lines[2:-1]
    assert len(body) == len(tr.events) == 16  # 4 forward ops, 8 backward nodes, 4 SGD adds
    loss = tr.events[3].output_values[0]  # a 0-d result shows its value
    assert body[3].split()[:7] == [
        "4",
        "forward",
        "CrossEntropyLoss",
        "float32[5,2]",
        "int64[5]",
        f"float32[]={loss:.4g}",
        "minitorch.kernels.loss.cross_entropy_forward",
    ]
    assert body[4].split()[:7] == [
        "5",
        "backward",
        "CrossEntropyLossBackward0",
        "(of",
        "#4)",
        "grad",
        "float32[]=1",  # d loss / d loss
    ]
    assert "2.weight.grad" in body[6]
    assert lines[-1].startswith("forward: 8 ops") and "backward: 8 nodes" in lines[-1]
    assert tr.table() == str(tr)


def test_scalar_gradients_show_their_value_and_missing_ones_a_dash():
    a = minitorch.ones(2, requires_grad=True)
    with Trace() as tr:
        (0.5 * a.sum()).backward()
    assert a.grad.tolist() == [0.5, 0.5]
    mul = next(e for e in tr.events if e.name == "MulBackward0")
    # received d/d(out) = 1; sent 0.5 to a.sum() and nothing to the constant 0.5
    assert (mul.input_values, mul.output_values) == ([1.0], [0.5, None])
    row = next(line for line in tr.table().splitlines() if "MulBackward0" in line)
    assert "grad float32[]=1 " in row and "grad float32[]=0.5 -" in row
    sum_row = next(line for line in tr.table().splitlines() if "SumBackward0" in line)
    assert "grad float32[]=0.5 " in sum_row and "grad float32[2] " in sum_row


def test_unnamed_parameters_show_as_leaf():
    tr = mlp_step(tr_params=False)
    assert "leaf.grad" in tr.table()


def test_tutorial_model_step():
    model = tudui_class(minitorch)()
    images, targets = minitorch.randn(2, 3, 32, 32), minitorch.tensor([3, 5])
    with Trace() as tr:
        nn.CrossEntropyLoss()(model(images), targets).backward()
    assert tr.names("forward") == ["Convolution", "MaxPool2DWithIndices"] * 3 + [
        "View",
        "Linear",
        "Linear",
        "CrossEntropyLoss",
    ]
    backward = [name for name in tr.names("backward") if name != "AccumulateGrad"]
    assert (
        backward
        == [
            "CrossEntropyLossBackward0",
            "AddmmBackward0",
            "AddmmBackward0",
            "ViewBackward0",
        ]
        + ["MaxPool2DWithIndicesBackward0", "ConvolutionBackward0"] * 3
    )
    assert tr.names("backward").count("AccumulateGrad") == 10
    conv = tr.events[0]
    assert conv.kernel == "minitorch.kernels.conv.conv2d_forward"
    assert conv.outputs == [((2, 32, 32, 32), "float32")]
    # the call path, innermost first: functional floor, then the Conv2d module
    assert str(conv.stack[0]).startswith("minitorch/nn/functional.py:")
    assert any("Conv2d.forward" in str(frame) for frame in conv.stack)
    assert conv.stack[-1].filename == __file__  # ends in the code that called the model


def test_tracing_is_off_outside_the_block_even_after_an_error():
    assert autograd_function._tracer is None
    with pytest.raises(RuntimeError), Trace() as tr:
        minitorch.ones(2).exp()
        minitorch.ones(2, 3) @ minitorch.ones(2, 3)
    assert autograd_function._tracer is None
    minitorch.ones(2).neg()
    assert tr.names()[0] == "Exp" and "Neg" not in tr.names()


def test_nested_traces_record_into_the_innermost():
    with Trace() as outer:
        minitorch.ones(2).exp()
        with Trace() as inner:
            minitorch.ones(2).neg()
        minitorch.ones(2).sqrt()
    assert outer.names() == ["Exp", "Sqrt"]
    assert inner.names() == ["Neg"]


def test_ops_run_by_hooks_during_backward_follow_their_node():
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.register_hook(lambda g: g * 2)
    total = y.sum()
    with Trace() as tr:
        total.backward()
    assert [(e.phase, e.name) for e in tr.events] == [
        ("backward", "SumBackward0"),
        ("backward", "ExpBackward0"),
        ("forward", "Mul"),  # the hook's g * 2, run when ExpBackward0 received its gradient
        ("backward", "AccumulateGrad"),
    ]


def function_classes() -> list[type[Function]]:
    found = {}
    for module_info in __import__("pkgutil").iter_modules(_ops.__path__):
        module = importlib.import_module(f"minitorch._ops.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Function) and cls is not Function:
                found[cls.__qualname__] = cls
    return list(found.values())


def test_declared_kernels_exist():
    declared = [
        name
        for cls in function_classes()
        for name in (getattr(cls, "kernel", None), getattr(cls, "backward_kernel", None))
        if name
    ]
    assert len(declared) >= 6  # conv, pool, cross-entropy: forward and backward each
    for dotted in declared:
        module, _, attr = dotted.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr)), dotted


# ------------------------------------------------------------------ what a node keeps
def test_saved_arrays_are_what_forward_saved_as_pytorch_saves_them():
    """PyTorch's ExpBackward0 saves its result; MaxPool2DWithIndicesBackward0 its input and
    the int64 indices; AddmmBackward0 the layer's input when the weight needs a gradient."""
    x = minitorch.tensor([0.0, 1.0], requires_grad=True)
    y = x.exp()
    ((name, array),) = saved_arrays(y.grad_fn)
    assert name == "saved[0]" and np.allclose(array, np.exp([0.0, 1.0]))
    pooled = nn.MaxPool2d(2)(minitorch.randn(1, 1, 4, 4, requires_grad=True))
    saved = [(name, a.shape, a.dtype.name) for name, a in saved_arrays(pooled.grad_fn)]
    assert sorted(shape for _, shape, _ in saved) == [(1, 1, 2, 2), (1, 1, 4, 4)]
    assert {dtype for *_, dtype in saved} == {"float32", "int64"}
    assert [name for name, *_ in saved] == ["saved[0]", "saved[1]"]
    y.sum().backward()
    assert saved_arrays(y.grad_fn) == []  # backward freed them
    accumulate = y.grad_fn.next_functions[0][0]
    assert saved_arrays(accumulate) == [] and node_attributes(accumulate) == {}


def test_node_attributes_are_what_forward_recorded_besides_arrays():
    conv = nn.Conv2d(1, 1, 3, stride=2)
    out = conv(minitorch.ones(1, 1, 5, 5))
    attributes = node_attributes(out.grad_fn)
    assert attributes["saved[0]"] == attributes["saved[1]"] == "[saved array]"
    assert attributes["geometry"][0] == (2, 2)  # the stride, as PyTorch's _saved_stride
    assert "needs_input_grad" not in attributes


def test_each_traced_node_knows_its_forward_row():
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    with Trace() as tr:
        y = x.exp().sum()
    assert tr.forward_index_of(y.grad_fn) == 2
    assert tr.forward_index_of(y.grad_fn.next_functions[0][0]) == 1
    assert Trace().forward_index_of(y.grad_fn) is None
