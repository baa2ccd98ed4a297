"""minitorch.optim.lr_scheduler against torch.optim.lr_scheduler: the same rates, bit for bit."""

import warnings

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch

lrs = st.sampled_from([0.1, 0.05, 1e-3, 0.37])
gammas = st.sampled_from([0.1, 0.5, 0.9, 0.95, 0.99])

schedules = st.one_of(
    st.tuples(
        st.just("StepLR"), st.fixed_dictionaries({"step_size": st.integers(1, 10), "gamma": gammas})
    ),
    st.tuples(
        st.just("MultiStepLR"),
        st.fixed_dictionaries(
            {"milestones": st.lists(st.integers(1, 60), max_size=5), "gamma": gammas}
        ),
    ),
    st.tuples(st.just("ExponentialLR"), st.fixed_dictionaries({"gamma": gammas})),
    st.tuples(
        st.just("CosineAnnealingLR"),
        st.fixed_dictionaries(
            {"T_max": st.integers(1, 40), "eta_min": st.sampled_from([0.0, 1e-4, 0.01])}
        ),
    ),
)


def lr_sequence(lib, name, kwargs, group_lrs, epochs):
    groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in group_lrs]
    optimizer = lib.optim.SGD(groups, lr=group_lrs[0])
    scheduler = getattr(lib.optim.lr_scheduler, name)(optimizer, **kwargs)
    sequence = [scheduler.get_last_lr()]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        sequence.append(scheduler.get_last_lr())
        assert [g["lr"] for g in optimizer.param_groups] == sequence[-1]
    return sequence


@given(schedules, st.lists(lrs, min_size=1, max_size=2), st.integers(1, 60))
def test_schedules_match_torch_exactly(schedule, group_lrs, epochs):
    name, kwargs = schedule
    expected = lr_sequence(torch, name, kwargs, group_lrs, epochs)
    assert lr_sequence(minitorch, name, kwargs, group_lrs, epochs) == expected


def test_cosine_annealing_matches_torch_over_several_periods():
    kwargs = {"T_max": 7, "eta_min": 0.001}
    expected = lr_sequence(torch, "CosineAnnealingLR", kwargs, [0.1], 300)
    assert lr_sequence(minitorch, "CosineAnnealingLR", kwargs, [0.1], 300) == expected


@pytest.mark.parametrize("use_list", [False, True])
def test_lambda_lr_matches_torch(use_list):
    def halve_every_ten(epoch):
        return 0.5 ** (epoch // 10)

    def warmup(epoch):
        return min(1.0, (epoch + 1) / 5)

    lambdas = [halve_every_ten, warmup] if use_list else halve_every_ten
    sequences = []
    for lib in (minitorch, torch):
        groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.2)]
        optimizer = lib.optim.SGD(groups)
        scheduler = lib.optim.lr_scheduler.LambdaLR(optimizer, lambdas)
        sequence = [scheduler.get_last_lr()]
        for _ in range(30):
            optimizer.step()
            scheduler.step()
            sequence.append(scheduler.get_last_lr())
        sequences.append(sequence)
    assert sequences[0] == sequences[1]


def test_lambda_lr_needs_one_function_per_group():
    optimizer = minitorch.optim.SGD([minitorch.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        minitorch.optim.lr_scheduler.LambdaLR(optimizer, [lambda e: 1.0, lambda e: 1.0])


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", {"step_size": 3, "gamma": 0.5}),
        ("MultiStepLR", {"milestones": [2, 5, 5], "gamma": 0.5}),
        ("ExponentialLR", {"gamma": 0.9}),
        ("CosineAnnealingLR", {"T_max": 10}),
    ],
)
def test_state_dict_matches_torch_and_resumes(name, kwargs):
    states, sequences = [], []
    for lib in (minitorch, torch):
        optimizer = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        scheduler = getattr(lib.optim.lr_scheduler, name)(optimizer, **kwargs)
        for _ in range(4):
            optimizer.step()
            scheduler.step()
        states.append(scheduler.state_dict())
        # a fresh optimizer and scheduler resume from the saved state
        resumed_opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        resumed_opt.load_state_dict(optimizer.state_dict())
        resumed = getattr(lib.optim.lr_scheduler, name)(resumed_opt, **kwargs)
        resumed.load_state_dict(scheduler.state_dict())
        sequence = []
        for _ in range(6):
            resumed_opt.step()
            resumed.step()
            sequence.append(resumed.get_last_lr())
        sequences.append(sequence)
    assert states[0] == states[1]
    assert sequences[0] == sequences[1]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", {"step_size": 3, "gamma": 0.5}),
        ("MultiStepLR", {"milestones": [2, 5], "gamma": 0.5}),
        ("ExponentialLR", {"gamma": 0.9}),
        ("CosineAnnealingLR", {"T_max": 10}),
    ],
)
def test_explicit_epoch_uses_closed_form_like_torch(name, kwargs):
    results = []
    for lib in (minitorch, torch):
        optimizer = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        scheduler = getattr(lib.optim.lr_scheduler, name)(optimizer, **kwargs)
        optimizer.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            scheduler.step(7)
        results.append(scheduler.get_last_lr())
    assert results[0] == results[1]


def test_resuming_with_last_epoch_needs_initial_lr():
    optimizer = minitorch.optim.SGD([minitorch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        minitorch.optim.lr_scheduler.StepLR(optimizer, step_size=2, last_epoch=3)


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="int is not an Optimizer"):
        minitorch.optim.lr_scheduler.StepLR(3, step_size=1)


def test_stepping_scheduler_before_optimizer_warns_like_torch():
    optimizer = minitorch.optim.SGD([minitorch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = minitorch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()

    optimizer = minitorch.optim.SGD([minitorch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = minitorch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    optimizer.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step()


def test_lr_scheduler_base_is_exported():
    assert issubclass(minitorch.optim.lr_scheduler.StepLR, minitorch.optim.lr_scheduler.LRScheduler)
    assert minitorch.optim.lr_scheduler.LRScheduler.get_lr is not None
