"""Hooks as PyTorch has them, recorded on both libraries and compared call by call.

Each test runs the same small model with the same weights on minitorch and on PyTorch,
with hooks that append ``(kind, module name, shapes...)`` to a list and keep the tensors
they saw. The two lists must be equal (same hooks, same order, same shapes) and the
tensors must agree in value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch

pytestmark = pytest.mark.filterwarnings("ignore:Full backward hook is firing")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 1, 6, 6)).astype(np.float32)
UPSTREAM = RNG.standard_normal((2, 3)).astype(np.float32)


def small_cnn(lib: Any) -> Any:
    """Conv -> ReLU -> MaxPool -> Flatten -> Linear, 1x6x6 -> 3, with fixed weights."""
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8, 3),
    )
    weights = np.random.default_rng(1)
    state = {
        name: weights.standard_normal(tuple(p.shape)).astype(np.float32) * 0.5
        for name, p in model.named_parameters()
    }
    model.load_state_dict({name: lib.tensor(value) for name, value in state.items()})
    return model


def shapes(values: Any) -> Any:
    """Shapes of tensors (tuples), None for None, recursively through tuples and lists."""
    if values is None:
        return None
    if isinstance(values, (tuple, list)):
        return tuple(shapes(v) for v in values)
    return tuple(values.shape)


def numpy_of(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return tuple(numpy_of(v) for v in value)
    return value.detach().numpy().copy() if hasattr(value, "detach") else value


class Recorder:
    """Hooks that log ``(kind, name, shapes)`` to ``calls`` and the tensors to ``values``."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.values: list[Any] = []

    def log(self, kind: str, name: str, *tensors: Any) -> None:
        self.calls.append((kind, name, *(shapes(t) for t in tensors)))
        self.values.append(numpy_of(tensors))

    def attach(self, model: Any, tensor_hooks: bool = True) -> list:
        handles = []
        for name, module in model.named_modules():
            label = name or "<root>"

            def forward_pre(m, args, label=label):
                self.log("forward_pre", label, args)

            def forward(m, args, output, label=label):
                self.log("forward", label, args, output)
                if tensor_hooks and isinstance(output, (torch.Tensor, minitorch.Tensor)):
                    output.register_hook(lambda g, label=label: self.log("tensor", label, g))

            def backward_pre(m, grad_output, label=label):
                self.log("backward_pre", label, grad_output)

            def backward(m, grad_input, grad_output, label=label):
                self.log("backward", label, grad_input, grad_output)

            handles += [
                module.register_forward_pre_hook(forward_pre),
                module.register_forward_hook(forward),
                module.register_full_backward_pre_hook(backward_pre),
                module.register_full_backward_hook(backward),
            ]
        if tensor_hooks:
            for name, param in model.named_parameters():
                handles.append(param.register_hook(lambda g, name=name: self.log("param", name, g)))
        return handles


def run_recorded(lib: Any, x_requires_grad: bool = True, tensor_hooks: bool = True) -> Recorder:
    model = small_cnn(lib)
    recorder = Recorder()
    recorder.attach(model, tensor_hooks)
    x = lib.tensor(X, requires_grad=x_requires_grad)
    if tensor_hooks and x_requires_grad:
        x.register_hook(lambda g: recorder.log("tensor", "input", g))
    out = model(x)
    out.backward(lib.tensor(UPSTREAM))
    for name, param in model.named_parameters():
        recorder.log("grad", name, param.grad)
    return recorder


def assert_values_close(mine: list, theirs: list) -> None:
    assert len(mine) == len(theirs)
    for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        if isinstance(b, tuple):
            assert isinstance(a, tuple) and len(a) == len(b), i
            assert_values_close(list(a), list(b))
        elif b is None:
            assert a is None, i
        else:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"value {i}")


def leaves_sorted(recorder: Recorder) -> list[tuple]:
    """``(call, value)`` pairs with each run of consecutive parameter hooks sorted by name.

    Parameters whose gradients are ready at the same moment may accumulate in either
    order: PyTorch's linear is ``addmm(bias, x, weight.t())``, so its bias is ready one
    node before its weight, while minitorch's Linear node hands both over at once.
    """
    pairs = list(zip(recorder.calls, recorder.values, strict=True))
    result: list[tuple] = []
    run: list[tuple] = []
    for pair in [*pairs, (("end",), None)]:
        if pair[0][0] == "param":
            run.append(pair)
            continue
        result += sorted(run, key=lambda p: p[0][1]) + [pair]
        run = []
    return result[:-1]


def assert_same_calls(run: Callable[[Any], Recorder]) -> list[tuple]:
    """Run ``run(lib)`` on both libraries; equal calls, close values. Returns the calls."""
    mine, theirs = leaves_sorted(run(minitorch)), leaves_sorted(run(torch))
    assert [call for call, _ in mine] == [call for call, _ in theirs]
    assert_values_close([value for _, value in mine], [value for _, value in theirs])
    return [call for call, _ in mine]


# ------------------------------------------------------------------ the whole sequence
@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_every_hook_kind_runs_in_pytorchs_order_with_its_arguments(x_requires_grad):
    calls = assert_same_calls(lambda lib: run_recorded(lib, x_requires_grad))
    kinds = [call[0] for call in calls]
    # a sanity check of what was compared: every kind fired, forward before backward
    assert {"forward_pre", "forward", "backward_pre", "backward", "tensor", "param", "grad"} <= set(
        kinds
    )
    assert kinds.index("backward_pre") > max(i for i, k in enumerate(kinds) if k == "forward")
    assert calls[0] == ("forward_pre", "<root>", ((2, 1, 6, 6),))


def test_sequence_of_module_hooks_alone():
    """Without tensor hooks, only module hooks: the same order as PyTorch's."""
    calls = assert_same_calls(lambda lib: run_recorded(lib, tensor_hooks=False))
    forward = [(k, n) for k, n, *_ in calls if k.startswith("forward")]
    names = ["<root>", "0", "1", "2", "3", "4"]
    expected_forward = [("forward_pre", "<root>")]
    for name in names[1:]:
        expected_forward += [("forward_pre", name), ("forward", name)]
    expected_forward.append(("forward", "<root>"))
    assert forward == expected_forward


# ------------------------------------------------------------------ hooks that change values
def replacing_run(lib: Any) -> Recorder:
    model = small_cnn(lib)
    recorder = Recorder()
    model[0].register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    model[1].register_forward_hook(lambda m, args, out: out + 0.5)
    model[4].register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 3,))
    model[0].register_full_backward_hook(lambda m, grad_input, grad_output: (grad_input[0] * -1,))
    x = lib.tensor(X, requires_grad=True)
    x.register_hook(lambda g: recorder.log("x", "input", g))
    model[4].weight.register_hook(lambda g: g * 10)
    out = model(x)
    recorder.log("out", "model", out)
    out.backward(lib.tensor(UPSTREAM))
    for name, param in model.named_parameters():
        recorder.log("grad", name, param.grad)
    recorder.log("grad", "x", x.grad)
    return recorder


def test_hooks_that_return_values_replace_them_as_in_pytorch():
    assert_same_calls(replacing_run)


# ------------------------------------------------------------------ several inputs and outputs
def two_in_two_out(lib: Any, use_second_output: bool) -> Recorder:
    class Mix(lib.nn.Module):
        def forward(self, a, b):
            return a * b, a + b

    module = Mix()
    recorder = Recorder()
    module.register_full_backward_pre_hook(lambda m, go: recorder.log("backward_pre", "mix", go))
    module.register_full_backward_hook(lambda m, gi, go: recorder.log("backward", "mix", gi, go))
    a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    product, total = module(a, b)
    loss = (product * lib.tensor([1.0, 2.0, 3.0])).sum()
    if use_second_output:
        loss = loss + (total**2).sum()
    loss.backward()
    recorder.log("grad", "a", a.grad)
    recorder.log("grad", "b", b.grad)
    return recorder


@pytest.mark.parametrize("use_second_output", [True, False])
def test_full_backward_hook_with_two_inputs_and_outputs(use_second_output):
    calls = assert_same_calls(lambda lib: two_in_two_out(lib, use_second_output))
    grad_output_shapes = calls[0][2]
    assert grad_output_shapes == ((3,), (3,) if use_second_output else None)


# ------------------------------------------------------------------ handles
@pytest.mark.parametrize("lib", [minitorch, torch], ids=["minitorch", "torch"])
def test_removed_hooks_no_longer_run(lib):
    model = small_cnn(lib)
    recorder = Recorder()
    handles = recorder.attach(model)
    x = lib.tensor(X, requires_grad=True)
    tensor_handle = x.register_hook(lambda g: recorder.log("tensor", "input", g))
    for handle in [*handles, tensor_handle]:
        handle.remove()
    model(x).sum().backward()
    assert recorder.calls == []
    handles[0].remove()  # removing twice is harmless


def test_handle_as_context_manager_and_prepend_order():
    calls: dict[str, list] = {"minitorch": [], "torch": []}
    for lib, log in ((minitorch, calls["minitorch"]), (torch, calls["torch"])):
        layer = lib.nn.Linear(2, 2)
        layer.register_forward_hook(lambda m, a, o, log=log: log.append("second"))
        layer.register_forward_hook(lambda m, a, o, log=log: log.append("first"), prepend=True)
        with layer.register_forward_pre_hook(lambda m, a, log=log: log.append("pre")):
            layer(lib.ones(1, 2))
        layer(lib.ones(1, 2))
    assert calls["minitorch"] == calls["torch"] == ["pre", "first", "second", "first", "second"]


def test_tensor_hook_on_a_tensor_without_grad_raises_like_pytorch():
    for lib in (minitorch, torch):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.ones(2).register_hook(lambda g: g)


# ------------------------------------------------------------------ hooks on graph nodes
def node_hooks_run(lib: Any) -> Recorder:
    recorder = Recorder()
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.grad_fn.register_prehook(lambda grad_outputs: recorder.log("node_pre", "exp", grad_outputs))
    y.grad_fn.register_hook(
        lambda grad_inputs, grad_outputs: recorder.log("node", "exp", grad_inputs, grad_outputs)
    )
    (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
    recorder.log("grad", "x", x.grad)
    return recorder


def test_grad_fn_hooks_see_what_pytorchs_do():
    calls = assert_same_calls(node_hooks_run)
    assert [call[0] for call in calls] == ["node_pre", "node", "grad"]
