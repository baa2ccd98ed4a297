"""minitorch.optim.SGD and the Optimizer base class, against torch.optim.SGD."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch
from minitorch.testing import assert_same_error
from minitorch.testing._parity import compare_arrays

# float32 SGD arithmetic matches PyTorch's up to fused multiply-adds in its
# vectorised kernels (one rounding instead of two), so a few ulps may drift
# apart over several steps.
RTOL, ATOL = 1e-5, 1e-6


def _valid_nesterov(opts: dict) -> dict:
    """Nesterov needs momentum and zero dampening; drop it (or the dampening) otherwise."""
    nesterov = opts["nesterov"] and opts["momentum"] > 0
    return {**opts, "nesterov": nesterov, "dampening": 0.0 if nesterov else opts["dampening"]}


options = st.fixed_dictionaries(
    {
        "lr": st.sampled_from([0.0, 1e-3, 0.01, 0.1, 0.5]),
        "momentum": st.sampled_from([0.0, 0.5, 0.9]),
        "dampening": st.sampled_from([0.0, 0.1, 0.5]),
        "weight_decay": st.sampled_from([0.0, 1e-4, 0.1]),
        "nesterov": st.booleans(),
        "maximize": st.booleans(),
    }
).map(_valid_nesterov)

shapes = hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)
values = st.floats(-10, 10, width=32)


@st.composite
def trajectories(draw, dtype=np.float32):
    """Initial parameters and a gradient per parameter per step (None: no gradient that step)."""
    n_params = draw(st.integers(1, 3))
    params = [draw(hnp.arrays(dtype, draw(shapes), elements=values)) for _ in range(n_params)]
    n_steps = draw(st.integers(1, 5))
    grads = [
        [
            draw(st.none() | hnp.arrays(dtype, p.shape, elements=values))
            if i > 0
            else draw(hnp.arrays(dtype, p.shape, elements=values))
            for i, p in enumerate(params)
        ]
        for _ in range(n_steps)
    ]
    return params, grads


def run_both(params, grads, make_groups, **options):
    """Run one SGD trajectory on minitorch and PyTorch; return (optimizer, parameters) for each."""
    results = []
    for lib in (minitorch, torch):
        tensors = [lib.tensor(p, requires_grad=True) for p in params]
        optimizer = lib.optim.SGD(make_groups(tensors), **options)
        for step_grads in grads:
            optimizer.zero_grad()
            for t, g in zip(tensors, step_grads, strict=True):
                t.grad = None if g is None else lib.tensor(g)
            optimizer.step()
        results.append((optimizer, tensors))
    return results


def assert_same_trajectory(mt_result, torch_result):
    (mt_opt, mt_params), (t_opt, t_params) = mt_result, torch_result
    for i, (m, t) in enumerate(zip(mt_params, t_params, strict=True)):
        compare_arrays(m.detach().numpy(), t.detach().numpy(), f"parameter {i}", RTOL, ATOL)
        assert ("momentum_buffer" in mt_opt.state[m]) == ("momentum_buffer" in t_opt.state[t])
        if "momentum_buffer" in t_opt.state[t]:
            compare_arrays(
                mt_opt.state[m]["momentum_buffer"].numpy(),
                t_opt.state[t]["momentum_buffer"].numpy(),
                f"momentum buffer {i}",
                RTOL,
                ATOL,
            )


@given(trajectories(), options)
def test_sgd_trajectory_matches_torch(trajectory, opts):
    params, grads = trajectory
    mt_result, torch_result = run_both(params, grads, lambda ts: ts, **opts)
    assert_same_trajectory(mt_result, torch_result)


@given(trajectories(np.float64), options)
def test_sgd_float64_trajectory_matches_torch(trajectory, opts):
    params, grads = trajectory
    mt_result, torch_result = run_both(params, grads, lambda ts: ts, **opts)
    for m in mt_result[1]:
        assert m.dtype == minitorch.float64
    assert_same_trajectory(mt_result, torch_result)


@given(trajectories(), options, options)
def test_sgd_per_group_options_match_torch(trajectory, first, second):
    params, grads = trajectory

    def groups(tensors):
        return (
            [{"params": tensors[:1], **first}, {"params": tensors[1:]}]
            if len(tensors) > 1
            else [{"params": tensors, **first}]
        )

    mt_result, torch_result = run_both(params, grads, groups, **second)
    assert_same_trajectory(mt_result, torch_result)
    assert mt_result[0].param_groups[0]["lr"] == first["lr"]


def test_sgd_keeps_float32_and_updates_in_place():
    p = minitorch.tensor([1.0, 2.0], requires_grad=True)
    storage = p._data
    optimizer = minitorch.optim.SGD([p], lr=0.5, momentum=0.9)
    p.grad = minitorch.tensor([1.0, -1.0])
    optimizer.step()
    assert p._data is storage and p.dtype == minitorch.float32
    assert optimizer.state[p]["momentum_buffer"].dtype == minitorch.float32
    np.testing.assert_array_equal(p.detach().numpy(), np.array([0.5, 2.5], np.float32))
    assert p.requires_grad and p.grad_fn is None


def test_step_returns_closure_loss_computed_with_grad_enabled():
    p = minitorch.tensor([1.0], requires_grad=True)
    optimizer = minitorch.optim.SGD([p], lr=0.1)

    def closure():
        assert minitorch.is_grad_enabled()
        p.grad = minitorch.tensor([2.0])
        return 7.0

    with minitorch.no_grad():
        assert optimizer.step(closure) == 7.0
    np.testing.assert_allclose(p.detach().numpy(), [0.8], rtol=1e-6)


def test_parameters_without_grad_are_skipped_and_get_no_state():
    a = minitorch.tensor([1.0], requires_grad=True)
    b = minitorch.tensor([1.0], requires_grad=True)
    optimizer = minitorch.optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad = minitorch.tensor([1.0])
    optimizer.step()
    assert b.item() == 1.0
    assert b not in optimizer.state
    assert list(optimizer.state_dict()["state"]) == [0]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_matches_torch(set_to_none):
    grads = {}
    for lib in (minitorch, torch):
        p = lib.tensor([1.0, 2.0], requires_grad=True)
        p.grad = lib.tensor([3.0, 4.0])
        lib.optim.SGD([p]).zero_grad(set_to_none=set_to_none)
        grads[lib.__name__] = None if p.grad is None else p.grad.numpy().tolist()
    assert grads["minitorch"] == grads["torch"]


def test_zero_grad_zeroes_the_same_gradient_tensor():
    p = minitorch.tensor([1.0, 2.0], requires_grad=True)
    p.grad = minitorch.tensor([3.0, 4.0])
    grad = p.grad
    minitorch.optim.SGD([p]).zero_grad(set_to_none=False)
    assert p.grad is grad and grad.tolist() == [0.0, 0.0]


def leaf(lib):
    return lib.zeros(2, requires_grad=True)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: t.optim.SGD([leaf(t)], lr=-1), "Invalid learning rate: -1"),
        (lambda t: t.optim.SGD([leaf(t)], momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda t: t.optim.SGD([leaf(t)], weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda t: t.optim.SGD([leaf(t)], nesterov=True), "Nesterov momentum requires"),
        (lambda t: t.optim.SGD([leaf(t)], momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
        (lambda t: t.optim.SGD([]), "optimizer got an empty parameter list"),
        (lambda t: t.optim.SGD(3), "not iterable"),
        (lambda t: t.optim.SGD(leaf(t)), "should be an iterable of Tensors or dicts"),
        (lambda t: t.optim.SGD([leaf(t) * 2]), "can't optimize a non-leaf Tensor"),
        (lambda t: t.optim.SGD([1.0]), "optimizer can only optimize Tensors"),
        (lambda t: t.optim.SGD([{"params": {leaf(t)}}]), "ordered collections"),
        (
            lambda t: t.optim.SGD([{"params": [p := leaf(t)]}, {"params": [p]}]),
            "more than one parameter group",
        ),
        (lambda t: t.optim.SGD([("w", leaf(t)), leaf(t)]), "Some param names are missing"),
    ],
)
def test_invalid_arguments_raise_like_torch(make, message):
    error_type = assert_same_error(make)
    with pytest.raises(error_type, match=message):
        make(minitorch)


def test_duplicate_parameters_warn_like_torch():
    p = minitorch.zeros(1, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        minitorch.optim.SGD([p, p])


def test_named_parameters_are_recorded():
    p = minitorch.zeros(1, requires_grad=True)
    optimizer = minitorch.optim.SGD([("weight", p)], lr=0.1)
    assert optimizer.param_groups[0]["params"][0] is p
    assert optimizer.param_groups[0]["param_names"] == ["weight"]


def test_add_param_group_fills_defaults():
    a, b = minitorch.zeros(1, requires_grad=True), minitorch.zeros(1, requires_grad=True)
    optimizer = minitorch.optim.SGD([a], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": b, "lr": 0.01})
    assert optimizer.param_groups[1]["params"] == [b]
    assert optimizer.param_groups[1]["lr"] == 0.01 and optimizer.param_groups[1]["momentum"] == 0.9
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optimizer.add_param_group([b])


def test_state_dict_has_torchs_structure():
    mt_opt, t_opt = (
        lib.optim.SGD(
            [{"params": [leaf(lib), leaf(lib)]}, {"params": [leaf(lib)], "lr": 0.5}],
            lr=0.1,
            momentum=0.9,
        )
        for lib in (minitorch, torch)
    )
    for opt in (mt_opt, t_opt):
        for group in opt.param_groups:
            for p in group["params"]:
                p.grad = type(p)(np.ones(2, np.float32)) if opt is t_opt else minitorch.ones(2)
        opt.step()
    mt_state, t_state = mt_opt.state_dict(), t_opt.state_dict()
    assert mt_state["param_groups"] == t_state["param_groups"]
    assert list(mt_state["state"]) == list(t_state["state"]) == [0, 1, 2]
    for index, entry in t_state["state"].items():
        assert list(mt_state["state"][index]) == list(entry)
        np.testing.assert_array_equal(
            mt_state["state"][index]["momentum_buffer"].numpy(), entry["momentum_buffer"].numpy()
        )


def test_load_state_dict_resumes_the_same_trajectory():
    rng = np.random.default_rng(0)
    start = rng.standard_normal(4).astype(np.float32)
    grads = rng.standard_normal((4, 4)).astype(np.float32)

    def make():
        p = minitorch.tensor(start, requires_grad=True)
        return p, minitorch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True)

    straight_param, straight = make()
    for g in grads:
        straight_param.grad = minitorch.tensor(g)
        straight.step()

    first_param, first = make()
    for g in grads[:2]:
        first_param.grad = minitorch.tensor(g)
        first.step()
    resumed_param, resumed = make()
    resumed_param.data = first_param.detach().clone()
    resumed.load_state_dict(first.state_dict())
    assert (
        resumed.state[resumed_param]["momentum_buffer"].tolist()
        == first.state[first_param]["momentum_buffer"].tolist()
    )
    for g in grads[2:]:
        resumed_param.grad = minitorch.tensor(g)
        resumed.step()
    np.testing.assert_array_equal(resumed_param.detach().numpy(), straight_param.detach().numpy())


def test_load_state_dict_casts_state_to_parameter_dtype():
    p = minitorch.zeros(2, dtype=minitorch.float64, requires_grad=True)
    optimizer = minitorch.optim.SGD([p], momentum=0.9)
    optimizer.load_state_dict(
        {
            "state": {0: {"momentum_buffer": minitorch.ones(2)}},
            "param_groups": [{**optimizer.state_dict()["param_groups"][0], "lr": 0.25}],
        }
    )
    assert optimizer.state[p]["momentum_buffer"].dtype == minitorch.float64
    assert optimizer.param_groups[0]["lr"] == 0.25 and optimizer.param_groups[0]["params"][0] is p


def test_load_state_dict_rejects_mismatched_groups():
    optimizer = minitorch.optim.SGD([leaf(minitorch)])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optimizer.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size"):
        optimizer.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1]}]})


def test_state_dict_from_torch_loads_into_minitorch():
    rng = np.random.default_rng(1)
    start, g1, g2 = rng.standard_normal((3, 5)).astype(np.float32)
    t_param = torch.tensor(start, requires_grad=True)
    t_opt = torch.optim.SGD([t_param], lr=0.05, momentum=0.8, weight_decay=0.01)
    t_param.grad = torch.tensor(g1)
    t_opt.step()
    t_state = t_opt.state_dict()

    m_param = minitorch.tensor(t_param.detach().numpy().copy(), requires_grad=True)
    m_opt = minitorch.optim.SGD([m_param])
    m_opt.load_state_dict(
        {
            "state": {
                k: {"momentum_buffer": minitorch.tensor(v["momentum_buffer"].numpy())}
                for k, v in t_state["state"].items()
            },
            "param_groups": t_state["param_groups"],
        }
    )
    for param, opt, lib in ((t_param, t_opt, torch), (m_param, m_opt, minitorch)):
        param.grad = lib.tensor(g2)
        opt.step()
    compare_arrays(
        m_param.detach().numpy(), t_param.detach().numpy(), "resumed parameter", RTOL, ATOL
    )


def test_repr_lists_group_options():
    text = repr(minitorch.optim.SGD([leaf(minitorch)], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text


def test_base_optimizer_step_is_abstract():
    optimizer = minitorch.optim.Optimizer([leaf(minitorch)], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        optimizer.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer.zero_grad()


@pytest.mark.parametrize(
    "opts",
    [
        {},
        {"momentum": 0.9},
        {"momentum": 0.9, "weight_decay": 0.1, "nesterov": True},
        {"maximize": True},
    ],
)
def test_step_and_zero_grad_count_their_writes_as_torch(opts):
    """The update is PyTorch's in-place ops (``p.add_``, ``buf.mul_(...).add_``, ``grad.zero_()``):
    the versions of parameter, momentum buffer and gradient count the same writes as in
    PyTorch, and a graph that saved the parameter refuses backward after a step."""
    seen = {}
    for lib in (minitorch, torch):
        p = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        optimizer = lib.optim.SGD([p], lr=0.1, **opts)
        versions = []
        for _ in range(2):
            (p * p).sum().backward()
            optimizer.step()
            buffer = optimizer.state[p].get("momentum_buffer")
            versions.append((p._version, None if buffer is None else buffer._version))
        saved = (p * p).sum()  # Mul saves p
        optimizer.step()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            saved.backward()
        before = p.grad._version
        optimizer.zero_grad(set_to_none=False)
        versions.append(p.grad._version - before)
        seen[lib.__name__] = versions
    assert seen["minitorch"] == seen["torch"]
