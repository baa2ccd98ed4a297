"""Autograd behaviour against PyTorch: accumulation, retain_graph, retain_grad, detach, grad modes,
requires_grad propagation, graph structure (grad_fn names, next_functions), hooks, errors."""

import numpy as np
import pytest
import torch

import minitorch
from minitorch.testing import Input, assert_same_error


def plain(value):
    """Tensors to nested lists (floats rounded), so results of both libraries compare with ==."""
    if isinstance(value, (minitorch.Tensor, torch.Tensor)):
        return np.round(np.asarray(value.detach().numpy(), dtype=np.float64), 10).tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def same_on_both(fn):
    """Run ``fn(lib)`` on minitorch and on PyTorch and check the results are equal."""
    ours, theirs = plain(fn(minitorch)), plain(fn(torch))
    assert ours == theirs, f"minitorch {ours} != PyTorch {theirs}"


def leaf(t, values=(1.0, -2.0, 3.0)):
    return t.tensor(list(values), dtype=t.float64, requires_grad=True)


# ------------------------------------------------------------------ accumulation and retain
def test_gradients_accumulate_across_backward_calls():
    def run(t):
        x = leaf(t)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x * 3).sum().backward()
        return first, x.grad

    same_on_both(run)


def test_a_leaf_used_twice_gets_both_contributions():
    def run(t):
        x = leaf(t)
        (x * x.exp() + x).sum().backward()
        return x.grad

    same_on_both(run)


def test_second_backward_without_retain_graph_raises():
    def run(t):
        x = leaf(t)
        y = (x.exp() * 2).sum()
        y.backward()
        y.backward()

    assert_same_error(run)


def test_retain_graph_allows_a_second_backward():
    def run(t):
        x = leaf(t)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    same_on_both(run)


def test_retain_grad_keeps_a_non_leaf_gradient():
    def run(t):
        x = leaf(t)
        hidden = x * 2
        hidden.retain_grad()
        other = x + 1
        (hidden * other).sum().backward()
        return hidden.grad, hidden.retains_grad, other.retains_grad, x.grad

    same_on_both(run)


def test_zeroing_grads_between_steps():
    def run(t):
        x = leaf(t)
        (x**2).sum().backward()
        x.grad = None
        (x**3).sum().backward()
        return x.grad

    same_on_both(run)


# ------------------------------------------------------------------ detach and grad modes
def test_detach_shares_storage_and_leaves_the_graph():
    def run(t):
        x = leaf(t)
        y = x * 2
        d = y.detach()
        with t.no_grad():
            y[0] = 10.0  # write through the original: the detached tensor shares storage
        return d, d.requires_grad, d.is_leaf, d.grad_fn is None

    same_on_both(run)


def test_no_grad_and_enable_grad_as_context_managers():
    def run(t):
        x = leaf(t)
        with t.no_grad():
            a = x * 2
            with t.enable_grad():
                b = x * 2
            inside = t.is_grad_enabled()
        return a.requires_grad, b.requires_grad, inside, t.is_grad_enabled()

    same_on_both(run)


def test_no_grad_as_decorator_and_set_grad_enabled():
    def run(t):
        x = leaf(t)

        @t.no_grad()
        def double(v):
            return v * 2

        results = [double(x).requires_grad, t.is_grad_enabled()]
        with t.set_grad_enabled(False):
            results.append((x * 2).requires_grad)
        t.set_grad_enabled(False)
        results.append((x * 2).requires_grad)
        t.set_grad_enabled(True)
        results.append((x * 2).requires_grad)
        return results

    same_on_both(run)


def test_requires_grad_propagation_and_is_leaf():
    def run(t):
        x = leaf(t)
        c = t.tensor([1.0, 2.0, 3.0], dtype=t.float64)
        mixed, constant = x * c, c * 2
        index = x.argmax()
        return [
            mixed.requires_grad,
            mixed.is_leaf,
            constant.requires_grad,
            constant.is_leaf,
            index.requires_grad,
            (x > 0).requires_grad,
            x.is_leaf,
            x.detach().is_leaf,
            x.sum(0).requires_grad,
            x.max(0).indices.requires_grad,
        ]

    same_on_both(run)


def test_requires_grad_errors():
    assert_same_error(lambda t: t.tensor([1, 2]).requires_grad_())
    assert_same_error(lambda t: (leaf(t) * 2).requires_grad_(False))
    assert_same_error(lambda t: t.zeros(3, dtype=t.int64, requires_grad=True))


# ------------------------------------------------------------------ graph structure
def walk(fn_node, seen=None):
    """The names of the graph's nodes, depth first along next_functions."""
    seen = set() if seen is None else seen
    if fn_node is None or fn_node in seen:
        return []
    seen.add(fn_node)
    names = [type(fn_node).__name__]
    for child, _ in fn_node.next_functions:
        names += walk(child, seen) if child is not None else ["None"]
    return names


GRAPHS = [
    lambda t, x, w: ((x @ w).relu().sum(1) + 1).mean(),
    lambda t, x, w: t.cat([x, w.t()]).softmax(1).log().sum(),
    lambda t, x, w: (x.reshape(-1)[1:4] * 2).max(),
    lambda t, x, w: t.stack([x[0], w[:, 0]]).flatten().unsqueeze(0).squeeze(0).sum(),
    lambda t, x, w: x.t().transpose(0, 1).permute(1, 0).expand(2, 3, 3).amax(),
    lambda t, x, w: (x / w.t() - x.exp() ** 2).abs().sqrt().prod(),
    lambda t, x, w: t.where(x > 0, x, w.t()).tanh().sigmoid().var(),
    lambda t, x, w: x.log_softmax(0)[[0, 2], :].std(),
    lambda t, x, w: x.max(1).values.logsumexp(0),
    lambda t, x, w: x.split(1)[1].min(),
    lambda t, x, w: x[x > 0].sum(),
    lambda t, x, w: t.bmm(x[None], w[None]).sum(),
    lambda t, x, w: x.clamp(min=0.1).sum() - w.float().sum(dtype=t.float64),
    lambda t, x, w: x.mean(1, dtype=t.float32).prod(dtype=t.float64),
    lambda t, x, w: (3 - x * 2 + 1).div(4).sum(),
    lambda t, x, w: t.cat([x, w.float()]).sum(),  # a mixed-dtype cat casts inside its node
    lambda t, x, w: t.stack([x.float(), w]).sum(),
]


@pytest.mark.parametrize("graph", GRAPHS)
def test_grad_fn_names_and_next_functions_match_pytorch(graph):
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-2.0, 1.0, 0.1]])
    w = np.array([[1.0, 2.0, -1.0], [0.5, 0.5, 3.0], [-1.0, 2.0, 1.0]])
    walks = []
    for lib in (minitorch, torch):
        xs = lib.tensor(x, requires_grad=True)
        ws = lib.tensor(w, requires_grad=True)
        walks.append(walk(graph(lib, xs, ws).grad_fn))
    assert walks[0] == walks[1]


def test_next_functions_of_a_constant_input_is_none():
    def run(t):
        x = leaf(t)
        y = x * t.ones(3, dtype=t.float64)
        return [None if n is None else type(n).__name__ for n, _ in y.grad_fn.next_functions]

    same_on_both(run)


def test_accumulate_grad_node_holds_the_leaf():
    x = leaf(minitorch)
    node, _ = (x * 2).grad_fn.next_functions[0]
    assert type(node).__name__ == "AccumulateGrad" and node.variable is x


# ------------------------------------------------------------------ hooks and autograd.grad
def test_tensor_hooks_can_replace_gradients():
    def run(t):
        x = leaf(t)
        x.register_hook(lambda g: g * 10)
        hidden = x * x
        seen = []
        handle = hidden.register_hook(lambda g: seen.append(g.clone()))
        hidden.register_hook(lambda g: g + 1)
        hidden.sum().backward(retain_graph=True)
        handle.remove()
        first = x.grad.clone()
        hidden.sum().backward()
        return first, x.grad, seen

    same_on_both(run)


def test_autograd_grad_does_not_touch_dot_grad():
    def run(t):
        x = leaf(t)
        y = leaf(t, (0.5, 0.5, 2.0))
        gx, gy = t.autograd.grad((x * y).sum(), [x, y])
        return gx, gy, x.grad is None

    same_on_both(run)


def test_backward_with_an_explicit_gradient():
    def run(t):
        x = leaf(t)
        (x * 3).backward(t.tensor([1.0, 0.5, -1.0], dtype=t.float64))
        return x.grad

    same_on_both(run)


# ------------------------------------------------------------------ errors
BACKWARD_ERRORS = [
    ("not_requiring_grad", lambda t, x: x.detach().sum().backward()),
    ("non_scalar_without_gradient", lambda t, x: (x * 2).backward()),
    ("gradient_shape_mismatch", lambda t, x: (x * 2).backward(t.ones(2, dtype=t.float64))),
    ("grad_of_unused_input", lambda t, x: t.autograd.grad(x.sum(), [x, leaf(t)])),
    ("grad_of_input_not_requiring_grad", lambda t, x: t.autograd.grad(x.sum(), [x.detach()])),
    ("in_place_on_a_leaf", lambda t, x: x.mul_(2)),
    ("numpy_of_a_tensor_requiring_grad", lambda t, x: x.numpy()),
    ("retain_grad_without_requires_grad", lambda t, x: x.detach().retain_grad()),
    ("hook_without_requires_grad", lambda t, x: x.detach().register_hook(lambda g: g)),
]


@pytest.mark.parametrize(("name", "call"), BACKWARD_ERRORS, ids=[e[0] for e in BACKWARD_ERRORS])
def test_errors(name, call):
    assert_same_error(call, Input(np.array([1.0, 2.0, 3.0])))


def test_error_messages():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        minitorch.ones(3).sum().backward()
    with pytest.raises(
        RuntimeError, match="grad can be implicitly created only for scalar outputs"
    ):
        (leaf(minitorch) * 2).backward()
