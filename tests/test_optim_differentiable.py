"""minitorch.optim.SGD(differentiable=True): the step recorded by autograd, against torch.

Non-leaf parameters are made from leaves (``w = w0.clone()``), stepped three times, and a
weighted sum of the stepped parameters is backpropagated: the gradients reach ``w0``, the
``.grad`` tensors given to the step when they require grad, and a Tensor ``lr`` or
``weight_decay`` that requires grad. Everything is compared with PyTorch doing the same.
"""

import numpy as np
import pytest
import torch

import minitorch
from minitorch.testing import assert_same_error
from minitorch.testing._parity import compare_arrays

RTOL, ATOL = 1e-12, 1e-12  # float64: the same arithmetic, a few roundings apart at most
STEPS = 3
SHAPES = ((3, 2), (3,))
VERSION_ERROR = "modified by an inplace operation"


def _draw(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "params": [rng.standard_normal(shape) for shape in SHAPES],
        "grads": [[rng.standard_normal(shape) for shape in SHAPES] for _ in range(STEPS)],
        "weights": [rng.standard_normal(shape) for shape in SHAPES],
    }


def _hyperparameter(lib, value, requires_grad: bool, shape: tuple = ()):
    """A float, or (``requires_grad`` not None) a float64 Tensor of ``shape`` holding it."""
    if requires_grad is None:
        return value
    return lib.full(shape, value, dtype=lib.float64, requires_grad=requires_grad)


def run_differentiable(
    lib,
    options: dict,
    *,
    grads_require_grad: bool = True,
    tensor_lr: bool | None = None,
    tensor_weight_decay: bool | None = None,
    data: dict | None = None,
) -> dict:
    """Three differentiable SGD steps of two non-leaf parameters, then backward.

    ``tensor_lr``/``tensor_weight_decay``: None for a float, else a Tensor whose
    ``requires_grad`` is this. Returns the values to compare (arrays, or None where a
    tensor has no gradient), or ``{"error": (stage, exception)}`` where a stage raised.
    """
    data = data or _draw()
    f64 = lib.float64
    starts = [lib.tensor(p, dtype=f64, requires_grad=True) for p in data["params"]]
    params = [start.clone() for start in starts]
    kwargs = dict(options)
    if "lr" in kwargs:
        kwargs["lr"] = _hyperparameter(lib, kwargs["lr"], tensor_lr, (1,))
    if "weight_decay" in kwargs:
        kwargs["weight_decay"] = _hyperparameter(lib, kwargs["weight_decay"], tensor_weight_decay)
    optimizer = lib.optim.SGD(params, differentiable=True, **kwargs)
    # a Tensor weight_decay that requires grad is added into .grad in place: a leaf
    # that requires grad refuses that (tested on its own below), so it gets a copy
    grad_into_copy = tensor_weight_decay and not options.get("maximize", False)
    grad_leaves = []
    try:
        for step_grads in data["grads"]:
            for param, grad in zip(params, step_grads, strict=True):
                leaf_grad = lib.tensor(grad, dtype=f64, requires_grad=grads_require_grad)
                grad_leaves.append(leaf_grad)
                param.grad = leaf_grad.clone() if grad_into_copy else leaf_grad
            optimizer.step()
    except RuntimeError as error:
        return {"error": ("step", error)}
    buffers = [optimizer.state[p].get("momentum_buffer") for p in params]
    result = {
        "params": [p.detach().numpy().copy() for p in params],
        "grads after step": [p.grad.detach().numpy().copy() for p in params],
        "buffers": [None if b is None else b.detach().numpy().copy() for b in buffers],
        "buffers require grad": [None if b is None else b.requires_grad for b in buffers],
    }
    weights = [lib.tensor(w, dtype=f64) for w in data["weights"]]
    loss = sum((p * w).sum() for p, w in zip(params, weights, strict=True))
    try:
        loss.backward()
    except RuntimeError as error:
        return {"error": ("backward", error)}

    def grad_of(tensor):
        return None if tensor.grad is None else tensor.grad.numpy().copy()

    result["start grads"] = [grad_of(s) for s in starts]
    result["grad leaf grads"] = [grad_of(g) for g in grad_leaves]
    for name in ("lr", "weight_decay"):
        value = kwargs.get(name)
        result[f"{name} grad"] = grad_of(value) if isinstance(value, lib.Tensor) else None
    return result


def _compare(got, want, what: str) -> None:
    if isinstance(want, list):
        assert len(got) == len(want), what
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _compare(g, w, f"{what} {i}")
    elif want is None or isinstance(want, bool):
        assert got == want, f"{what}: minitorch {got}, torch {want}"
    else:
        assert got is not None, f"{what}: minitorch has none; torch {want}"
        compare_arrays(got, want, what, RTOL, ATOL)


def assert_differentiable_parity(options: dict, **variant) -> dict:
    """Run both libraries; the same values, or the same error at the same stage."""
    want = run_differentiable(torch, options, **variant)
    got = run_differentiable(minitorch, options, **variant)
    if "error" in want:
        stage, error = want["error"]
        assert "error" in got, f"torch raised at {stage} ({error}); minitorch did not"
        assert got["error"][0] == stage
        assert type(got["error"][1]) is type(error)
        return want
    assert "error" not in got, f"minitorch raised at {got['error'][0]}: {got['error'][1]}"
    assert got.keys() == want.keys()
    for key in want:
        _compare(got[key], want[key], key)
    return want


CONFIGS = {
    "plain": {"lr": 0.1},
    "momentum": {"lr": 0.1, "momentum": 0.9},
    "dampening": {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    "nesterov": {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    "weight_decay": {"lr": 0.1, "weight_decay": 0.1},
    "weight_decay momentum": {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1},
    "maximize": {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1, "maximize": True},
    "nesterov weight_decay maximize": {
        "lr": 0.05,
        "momentum": 0.5,
        "nesterov": True,
        "weight_decay": 0.2,
        "maximize": True,
    },
}


@pytest.mark.parametrize("grads_require_grad", [True, False])
@pytest.mark.parametrize("options", CONFIGS.values(), ids=CONFIGS.keys())
def test_float_hyperparameters_match_torch(options, grads_require_grad):
    want = assert_differentiable_parity(options, grads_require_grad=grads_require_grad)
    assert all(g is not None for g in want["start grads"])
    assert (want["grad leaf grads"][-1] is not None) == grads_require_grad
    # the first momentum buffer is a detached copy: without nesterov, the first
    # step's gradient reaches the parameters through nothing else
    first_step_reached = not options.get("momentum") or options.get("nesterov", False)
    assert (want["grad leaf grads"][0] is not None) == (grads_require_grad and first_step_reached)


@pytest.mark.parametrize("requires_grad", [True, False])
@pytest.mark.parametrize(
    "options",
    [CONFIGS["weight_decay"], CONFIGS["nesterov weight_decay maximize"], CONFIGS["maximize"]],
    ids=["plain", "nesterov maximize", "momentum maximize"],
)
def test_tensor_weight_decay_matches_torch(options, requires_grad):
    want = assert_differentiable_parity(options, tensor_weight_decay=requires_grad)
    assert (want["weight_decay grad"] is not None) == requires_grad


@pytest.mark.parametrize("requires_grad", [True, False])
@pytest.mark.parametrize(
    "options",
    [CONFIGS["plain"], CONFIGS["nesterov"], CONFIGS["nesterov weight_decay maximize"]],
    ids=["plain", "nesterov", "nesterov weight_decay maximize"],
)
def test_tensor_lr_matches_torch(options, requires_grad):
    want = assert_differentiable_parity(options, tensor_lr=requires_grad)
    assert (want["lr grad"] is not None) == requires_grad


def test_tensor_lr_and_weight_decay_together_match_torch():
    options = {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.3}
    want = assert_differentiable_parity(options, tensor_lr=True, tensor_weight_decay=True)
    assert want["lr grad"] is not None and want["weight_decay grad"] is not None


def test_tensor_lr_with_plain_momentum_refuses_backward_as_torch():
    """Plain momentum steps by the buffer itself: the product with a Tensor lr that requires
    grad saves the buffer, and the next step's ``buf.mul_`` writes into it, so backward
    refuses, in PyTorch as here."""
    want = assert_differentiable_parity(CONFIGS["momentum"], tensor_lr=True)
    assert want["error"][0] == "backward" and VERSION_ERROR in str(want["error"][1])
    got = run_differentiable(minitorch, CONFIGS["momentum"], tensor_lr=True)
    assert VERSION_ERROR in str(got["error"][1])


def test_leaf_parameter_refuses_the_differentiable_step_as_torch():
    message = "a leaf Variable that requires grad is being used in an in-place operation."

    def step(lib):
        param = lib.nn.Parameter(lib.ones(3))
        param.grad = lib.ones(3)
        lib.optim.SGD([param], lr=0.1, differentiable=True).step()

    assert assert_same_error(step) is RuntimeError
    with pytest.raises(RuntimeError) as raised:
        step(minitorch)
    assert str(raised.value) == message


def test_tensor_weight_decay_refuses_a_leaf_gradient_as_torch():
    """``grad.addcmul_(...)`` writes into ``.grad``: a leaf gradient requiring grad refuses."""

    def step(lib):
        param = lib.ones(3, requires_grad=True).clone()
        param.grad = lib.ones(3, requires_grad=True)
        weight_decay = lib.tensor(0.1, requires_grad=True)
        lib.optim.SGD([param], weight_decay=weight_decay, differentiable=True).step()

    assert assert_same_error(step) is RuntimeError


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.optim.SGD([t.ones(2, requires_grad=True) * 2]),
        lambda t: t.optim.SGD([t.ones(2, requires_grad=True)], fused=True, differentiable=True),
    ],
    ids=["non-leaf without differentiable", "fused differentiable"],
)
def test_invalid_combinations_raise_like_torch(make):
    assert_same_error(make)


def test_step_inside_no_grad_still_records():
    seen = {}
    for lib in (minitorch, torch):
        start = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        param = start.clone()
        param.grad = lib.tensor([0.5, 0.25], dtype=lib.float64)
        optimizer = lib.optim.SGD([param], lr=0.5, differentiable=True)
        with lib.no_grad():
            optimizer.step()
            grad_mode_after = lib.is_grad_enabled()
        (param * lib.tensor([3.0, 4.0], dtype=lib.float64)).sum().backward()
        seen[lib.__name__] = (grad_mode_after, param.tolist(), start.grad.tolist())
    assert seen["minitorch"] == seen["torch"]
    assert seen["torch"][0] is False and seen["torch"][2] == [3.0, 4.0]


def test_closure_runs_with_grad_and_step_restores_the_mode():
    seen = {}
    for lib in (minitorch, torch):
        param = lib.ones(2, dtype=lib.float64, requires_grad=True).clone()
        optimizer = lib.optim.SGD([param], lr=0.1, differentiable=True)

        def closure(lib=lib, param=param):
            param.grad = lib.ones(2, dtype=lib.float64)
            return lib.is_grad_enabled()

        with lib.no_grad():
            inside = optimizer.step(closure)
        seen[lib.__name__] = (inside, lib.is_grad_enabled(), param.requires_grad)
    assert seen["minitorch"] == seen["torch"] == (True, True, True)


@pytest.mark.parametrize("options", [CONFIGS["maximize"], CONFIGS["nesterov"]])
def test_without_differentiable_the_step_records_nothing(options):
    """differentiable=False: the step runs under no_grad even inside enable_grad."""
    seen = {}
    for lib in (minitorch, torch):
        param = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
        lr = lib.tensor(options["lr"], dtype=lib.float64, requires_grad=True)
        optimizer = lib.optim.SGD([param], **{**options, "lr": lr})
        with lib.enable_grad():
            for _ in range(2):
                param.grad = lib.tensor([0.5, 0.25, -1.0], dtype=lib.float64, requires_grad=True)
                optimizer.step()
        buffer = optimizer.state[param]["momentum_buffer"]
        seen[lib.__name__] = (
            param.is_leaf,
            param.grad_fn is None,
            buffer.requires_grad,
            param.detach().tolist(),
        )
    assert seen["minitorch"][:3] == seen["torch"][:3] == (True, True, False)
    compare_arrays(np.array(seen["minitorch"][3]), np.array(seen["torch"][3]), "param", RTOL, ATOL)
