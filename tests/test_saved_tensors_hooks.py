"""minitorch.autograd.graph: saved_tensors_hooks, save_on_cpu and disable_saved_tensors_hooks
against torch.autograd.graph: the same pack and unpack calls, in the same order, on the same
tensors; the same gradients; PyTorch's errors.

The ops of the parity examples are chosen where minitorch's Function saves what PyTorch's
autograd saves: ``log`` saves its input (LogBackward0: self), ``tanh``, ``exp`` and
``sigmoid`` their output (result), and ``x * c`` with only ``x`` requiring grad saves ``c``
(MulBackward0: other). ``a * b`` with both requiring grad is left out on purpose: minitorch
saves ``(a, b)``, PyTorch ``(other, self)``, the same tensors in the other order.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.autograd import graph
from minitorch.testing.strategies import arrays, float_dtypes, shapes

torch = pytest.importorskip("torch")

BACKENDS = {"minitorch": (minitorch, graph), "torch": (torch, torch.autograd.graph)}


def hooked_run(name, fn, *arrays, requires_grad=(True,)):
    """Run ``fn(lib, *tensors)`` under recording hooks, then backward with a fixed upstream
    gradient; return what each hook received (in order) and the gradients."""
    lib, hooks = BACKENDS[name]
    calls = []

    def pack(tensor):
        calls.append(("pack", tuple(tensor.shape), tensor.detach().numpy().copy()))
        return tensor

    def unpack(tensor):
        calls.append(("unpack", tuple(tensor.shape), tensor.detach().numpy().copy()))
        return tensor

    flags = list(requires_grad) + [False] * (len(arrays) - len(requires_grad))
    tensors = [lib.tensor(a, requires_grad=f) for a, f in zip(arrays, flags, strict=True)]
    with hooks.saved_tensors_hooks(pack, unpack):
        out = fn(lib, *tensors)
    calls.append(("backward",))
    upstream = np.linspace(-1.0, 1.0, out.numel()).reshape(tuple(out.shape))
    out.backward(lib.tensor(upstream.astype(arrays[0].dtype)))
    grads = [t.grad.numpy() for t, f in zip(tensors, flags, strict=True) if f]
    return calls, grads


def assert_same_calls(fn, *arrays, requires_grad=(True,)):
    ours, our_grads = hooked_run("minitorch", fn, *arrays, requires_grad=requires_grad)
    theirs, their_grads = hooked_run("torch", fn, *arrays, requires_grad=requires_grad)
    assert [c[:2] for c in ours] == [c[:2] for c in theirs]  # which hook, which shape, in order
    for mine, torchs in zip(ours, theirs, strict=True):
        if len(mine) == 3:
            np.testing.assert_allclose(mine[2], torchs[2], rtol=1e-5, atol=1e-6)
    for mine, torchs in zip(our_grads, their_grads, strict=True):
        np.testing.assert_allclose(mine, torchs, rtol=1e-4, atol=1e-5)
    return ours


def three_ops(lib, x, c):
    return x.log().tanh() * c  # LogBackward0: x; TanhBackward0: result; MulBackward0: c


@given(data=st.data(), dtype=float_dtypes())
def test_pack_and_unpack_calls_are_pytorchs(data, dtype):
    x = data.draw(arrays(shapes(), dtype, low=0.1, high=4.0))
    c = data.draw(arrays(x.shape, dtype))
    calls = assert_same_calls(three_ops, x, c)
    assert [c[0] for c in calls] == ["pack"] * 3 + ["backward"] + ["unpack"] * 3


def test_a_training_chain_of_saving_ops():
    x = np.array([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]], dtype=np.float32)
    calls = assert_same_calls(lambda lib, x: x.log().exp().sigmoid().sum(dim=1), x)
    assert [c[0] for c in calls].count("pack") == 3


@pytest.mark.parametrize("name", BACKENDS)
def test_pack_receives_the_saved_input_and_output_themselves(name):
    lib, hooks = BACKENDS[name]
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    with hooks.saved_tensors_hooks(lambda t: seen.append(t) or t, lambda t: t):
        y = x.log()
        z = y.exp()
    assert seen[0] is x and seen[1] is z
    assert type(seen[1].grad_fn).__name__ == "ExpBackward0"


def test_grad_mode_is_off_inside_both_hooks():
    for lib, hooks in BACKENDS.values():
        modes = []

        def pack(t, lib=lib, modes=modes):
            modes.append(lib.is_grad_enabled())
            assert (t * 2).grad_fn is None  # an op inside the hook records nothing
            return t

        def unpack(t, lib=lib, modes=modes):
            modes.append(lib.is_grad_enabled())
            return t

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with hooks.saved_tensors_hooks(pack, unpack):
            y = x.exp()
        y.sum().backward()
        assert modes == [False, False]


@pytest.mark.parametrize("name", BACKENDS)
def test_nothing_is_packed_where_nothing_is_recorded(name):
    lib, hooks = BACKENDS[name]
    calls = []
    with hooks.saved_tensors_hooks(lambda t: calls.append(1) or t, lambda t: t):
        lib.tensor([1.0, 2.0]).exp()  # no input requires grad
        with lib.no_grad():
            lib.tensor([1.0, 2.0], requires_grad=True).exp()
    assert calls == []


# ------------------------------------------------------------------ contexts
def test_innermost_context_wins_and_a_node_keeps_its_hooks():
    for lib, hooks in BACKENDS.values():
        calls = []

        def hook(label, calls=calls):
            return lambda t: calls.append(label) or t

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with hooks.saved_tensors_hooks(hook("outer pack"), hook("outer unpack")):
            with hooks.saved_tensors_hooks(hook("inner pack"), hook("inner unpack")):
                inner = x.exp()
            outer = x.exp()
        assert calls == ["inner pack", "outer pack"]
        (inner.sum() + outer.sum()).backward()  # after both contexts exited
        assert sorted(calls[2:]) == ["inner unpack", "outer unpack"]


def test_hooks_belong_to_the_thread_that_entered_them():
    calls = []
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    with graph.saved_tensors_hooks(lambda t: calls.append("pack") or t, lambda t: t):
        worker = threading.Thread(target=lambda: x.exp())
        worker.start()
        worker.join()
    assert calls == []


def test_hooks_can_change_what_is_kept():
    """A learner's hooks: keep each saved tensor as float64 numpy, bring it back as a tensor."""
    grads = []
    for lib, hooks in BACKENDS.values():
        kept = []

        def pack(t, kept=kept):
            kept.append(t.detach().numpy().astype(np.float64))
            return len(kept) - 1  # anything: here, an index into the learner's store

        def unpack(index, lib=lib, kept=kept):
            return lib.tensor(kept[index].astype(np.float32))

        x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        with hooks.saved_tensors_hooks(pack, unpack):
            y = x.log().tanh().sum()
        y.backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


@pytest.mark.parametrize("pin_memory", [False, True])
def test_save_on_cpu_changes_nothing_on_the_cpu(pin_memory):
    x = np.array([[0.5, 1.0], [2.0, 3.0]], dtype=np.float32)
    grads = []
    for lib, hooks in BACKENDS.values():
        t = lib.tensor(x, requires_grad=True)
        with hooks.save_on_cpu(pin_memory=pin_memory):
            y = (t.exp() * t).log().sum()
        y.backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


@pytest.mark.parametrize("name", BACKENDS)
def test_disable_saved_tensors_hooks(name):
    hooks = BACKENDS[name][1]
    identity = hooks.saved_tensors_hooks(lambda t: t, lambda t: t)
    disabled = hooks.disable_saved_tensors_hooks("no hooks here")
    with disabled, pytest.raises(RuntimeError, match="^no hooks here$"), identity:
        pass
    refused = pytest.raises(RuntimeError, match="^not inside hooks$")
    with identity, refused, hooks.disable_saved_tensors_hooks("not inside hooks"):
        pass
    with identity:
        pass  # enabled again after the block


# ------------------------------------------------------------------ PyTorch's rules and errors
def test_unpack_must_return_a_tensor():
    for lib, hooks in BACKENDS.values():
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with hooks.saved_tensors_hooks(lambda t: t, lambda t: 3):
            y = x.exp()
        with pytest.raises(
            TypeError,
            match="^Output of saved tensor unpack_hook expected to be a Tensor but got result of "
            "type int$",
        ):
            y.sum().backward()


def test_unpack_of_another_shape_is_refused():
    """PyTorch fails inside ExpBackward0's formula; minitorch refuses at unpack, naming it."""
    for name, (lib, hooks) in BACKENDS.items():
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with hooks.saved_tensors_hooks(lambda t: t, lambda t, lib=lib: lib.ones(5)):
            y = x.exp()
        message = "shape \\[5\\] for the tensor of shape \\[3\\] that ExpBackward0 saved"
        with pytest.raises(RuntimeError, match=message if name == "minitorch" else "size"):
            y.sum().backward()


@pytest.mark.parametrize("name", BACKENDS)
def test_a_pack_hook_may_not_write_into_its_input(name):
    lib, hooks = BACKENDS[name]
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    refused = pytest.raises(RuntimeError, match="^A saved tensor pack hook is modifying its input")
    with refused, hooks.saved_tensors_hooks(lambda t: t.mul_(2), lambda t: t):
        (x * 1).exp()


def test_no_version_check_through_hooks():
    """Without hooks an in-place write after saving is refused; with them PyTorch cannot see
    it (the hooks keep what they like), and backward reads what unpack returns."""
    grads = []
    for lib, hooks in BACKENDS.values():
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        with hooks.saved_tensors_hooks(lambda t: t, lambda t: t):
            y = h.log()
        h.add_(1)
        y.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])
    np.testing.assert_allclose(grads[0], [0.5, 1 / 3])  # 1 / (x + 1): the written values


def test_backward_twice_through_hooks_raises():
    for lib, hooks in BACKENDS.values():
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with hooks.saved_tensors_hooks(lambda t: t, lambda t: t):
            y = x.exp().sum()
        y.backward()
        with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second"):
            y.backward()


def test_an_in_place_op_packs_the_old_values():
    """``h.mul_(b)``: PyTorch packs b and a copy of h's old values; minitorch packs h, b,
    then the copy of h's old values that its backward reads (see graph's docstring)."""
    packed, grads = {}, {}
    for name, (lib, hooks) in BACKENDS.items():
        a = lib.tensor([2.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 3.0], requires_grad=True)
        h = a * 1
        values = packed[name] = []

        def pack(t, values=values):
            values.append(t.tolist())
            return t

        with hooks.saved_tensors_hooks(pack, lambda t: t):
            h.mul_(b)
        values.append("written")
        h.sum().backward()
        grads[name] = (a.grad.tolist(), b.grad.tolist())
    assert packed["torch"] == [[3.0, 3.0], [2.0, 2.0], "written"]
    assert packed["minitorch"] == [[2.0, 2.0], [3.0, 3.0], [2.0, 2.0], "written"]
    assert grads["minitorch"] == grads["torch"] == ([3.0, 3.0], [2.0, 2.0])


def test_torch_backend_graph_is_torchs():
    torch_backend = pytest.importorskip("torch_backend")
    from torch_backend.autograd import graph as backend_graph

    for name in graph.__all__:
        assert getattr(backend_graph, name) is getattr(torch.autograd.graph, name)
    assert torch_backend.autograd.graph is backend_graph
    assert minitorch.autograd.graph is graph
