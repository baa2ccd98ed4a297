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
    st.tuples(
        st.just("ConstantLR"),
        st.fixed_dictionaries(
            {"factor": st.sampled_from([0.1, 1 / 3, 0.5, 1.0]), "total_iters": st.integers(0, 20)}
        ),
    ),
    st.tuples(
        st.just("LinearLR"),
        st.fixed_dictionaries(
            {
                "start_factor": st.sampled_from([0.01, 1 / 3, 0.5, 1.0]),
                "end_factor": st.sampled_from([0.0, 0.2, 0.75, 1.0]),
                "total_iters": st.integers(1, 20),
            }
        ),
    ),
    st.tuples(
        st.just("PolynomialLR"),
        st.fixed_dictionaries(
            {"total_iters": st.integers(1, 40), "power": st.sampled_from([0.5, 1.0, 2.0, 3.7])}
        ),
    ),
    st.tuples(
        st.just("CosineAnnealingWarmRestarts"),
        st.fixed_dictionaries(
            {
                "T_0": st.integers(1, 10),
                "T_mult": st.integers(1, 3),
                "eta_min": st.sampled_from([0.0, 1e-4, 0.01]),
            }
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
        ("ConstantLR", {"factor": 0.5, "total_iters": 6}),
        ("LinearLR", {"start_factor": 0.25, "end_factor": 0.75, "total_iters": 7}),
        ("PolynomialLR", {"total_iters": 8, "power": 2.0}),
        ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}),
        ("OneCycleLR", {"max_lr": 0.5, "total_steps": 20}),
        ("OneCycleLR", {"max_lr": 0.5, "total_steps": 20, "three_phase": True}),
        ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3}),
        ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range"}),
    ],
)
def test_state_dict_matches_torch_and_resumes(name, kwargs):
    states, sequences = [], []
    for lib in (minitorch, torch):
        optimizer = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        scheduler = getattr(lib.optim.lr_scheduler, name)(optimizer, **kwargs)
        for _ in range(4):
            optimizer.step()
            scheduler.step()
        states.append(scheduler.state_dict())
        # a fresh optimizer and scheduler resume from the saved state
        resumed_opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
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
        ("ConstantLR", {"factor": 0.5, "total_iters": 6}),
        ("ConstantLR", {"factor": 0.5, "total_iters": 9}),
        ("LinearLR", {"start_factor": 0.25, "total_iters": 9}),
        ("LinearLR", {"start_factor": 0.25, "end_factor": 0.5, "total_iters": 5}),
        ("PolynomialLR", {"total_iters": 9, "power": 2.0}),
        ("PolynomialLR", {"total_iters": 4}),
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


def group_values(optimizer, key):
    return [group[key] for group in optimizer.param_groups]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_lr": 0.5, "total_steps": 30},
        {"max_lr": [0.5, 1.0], "epochs": 6, "steps_per_epoch": 5, "pct_start": 0.25},
        {"max_lr": 0.3, "total_steps": 30, "anneal_strategy": "linear", "three_phase": True},
        {"max_lr": 0.3, "total_steps": 31, "div_factor": 5.0, "final_div_factor": 100.0},
        {"max_lr": 0.3, "total_steps": 30, "base_momentum": [0.8, 0.7], "max_momentum": 0.99},
        {"max_lr": 0.3, "total_steps": 30, "cycle_momentum": False},
    ],
)
def test_one_cycle_lr_and_momentum_match_torch(kwargs):
    sequences = []
    for lib in (minitorch, torch):
        groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.2)]
        optimizer = lib.optim.SGD(groups, momentum=0.9)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(optimizer, **kwargs)
        sequence = [(scheduler.get_last_lr(), group_values(optimizer, "momentum"))]
        for _ in range(30):
            optimizer.step()
            scheduler.step()
            sequence.append((scheduler.get_last_lr(), group_values(optimizer, "momentum")))
        sequences.append(sequence)
    assert sequences[0] == sequences[1]


class HalvingScale:
    """A callable object: its ``__dict__`` goes into the scheduler's state_dict."""

    def __init__(self):
        self.base = 0.5

    def __call__(self, x):
        return self.base**x


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4},
        {"base_lr": [0.01, 0.02], "max_lr": [0.1, 0.3], "step_size_up": 3, "step_size_down": 5},
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "mode": "triangular2"},
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range", "gamma": 0.9},
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "scale_fn": lambda x: 1 / x},
        {
            "base_lr": 0.01,
            "max_lr": 0.1,
            "step_size_up": 3,
            "scale_fn": HalvingScale(),
            "scale_mode": "iterations",
        },
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "base_momentum": [0.5, 0.6]},
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "cycle_momentum": False},
    ],
)
def test_cyclic_lr_and_momentum_match_torch(kwargs):
    sequences = []
    for lib in (minitorch, torch):
        groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.2)]
        optimizer = lib.optim.SGD(groups, momentum=0.9)
        scheduler = lib.optim.lr_scheduler.CyclicLR(optimizer, **kwargs)
        sequence = [(scheduler.get_last_lr(), group_values(optimizer, "momentum"))]
        for _ in range(30):
            optimizer.step()
            scheduler.step()
            sequence.append((scheduler.get_last_lr(), group_values(optimizer, "momentum")))
        sequences.append((sequence, scheduler.state_dict()))
    assert sequences[0] == sequences[1]


@pytest.mark.parametrize("use_list", [False, True])
def test_multiplicative_lr_matches_torch(use_list):
    def shrink(epoch):
        return 0.9 if epoch % 3 else 0.5

    def constant(epoch):
        return 0.97

    lambdas = [shrink, constant] if use_list else shrink
    sequences = []
    for lib in (minitorch, torch):
        groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.2)]
        optimizer = lib.optim.SGD(groups)
        scheduler = lib.optim.lr_scheduler.MultiplicativeLR(optimizer, lambdas)
        sequence = [scheduler.get_last_lr()]
        for _ in range(30):
            optimizer.step()
            scheduler.step()
            sequence.append(scheduler.get_last_lr())
        sequences.append((sequence, scheduler.state_dict()))
    assert sequences[0] == sequences[1]


def test_one_cycle_lr_refuses_steps_past_total_steps_like_torch():
    errors = []
    for lib in (minitorch, torch):
        optimizer = lib.optim.SGD([lib.zeros(1, requires_grad=True)], momentum=0.9)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=3)
        for _ in range(3):
            optimizer.step()
            scheduler.step()
        with pytest.raises(ValueError) as info:
            scheduler.step()
        errors.append(str(info.value))
    assert (
        errors[0] == errors[1] == "Tried to step 4 times. The specified number of total steps is 3"
    )


def test_cosine_warm_restarts_fractional_epochs_match_torch():
    epochs = [0, 0.25, 0.5, 1.75, 2, 3.5, 7, 7.1, 15.0, 2.5, 40.3, 0]
    sequences = []
    for lib in (minitorch, torch):
        groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.2)]
        optimizer = lib.optim.SGD(groups)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
            optimizer, T_0=2, T_mult=2, eta_min=0.001
        )
        sequence = []
        for epoch in epochs:
            optimizer.step()
            scheduler.step(epoch)
            sequence.append((scheduler.get_last_lr(), scheduler.T_cur, scheduler.T_i))
        sequences.append(sequence)
    assert sequences[0] == sequences[1]


# metrics with plateaus, ties and changes just inside and outside the default thresholds
PLATEAU_METRICS = [
    1.0, 0.9, 0.9, 0.95, 0.89995, 0.8999, 0.9, 0.9, 0.9, 0.7, 0.7, 0.70001, 0.75, 0.8, 0.8,
    0.6, 0.6, 0.6, 0.6, 0.6, 0.65, 0.5, 0.5, 0.49999, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2,
]  # fmt: skip


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 1},
        {"patience": 0, "factor": 0.5},
        {"mode": "max", "patience": 1},
        {"mode": "max", "patience": 0, "threshold": 0.1},
        {"patience": 1, "threshold": 0.0},
        {"mode": "max", "threshold_mode": "abs", "threshold": 0.0, "patience": 1},
        {"threshold_mode": "abs", "threshold": 0.05, "patience": 1},
        {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 2},
        {"patience": 1, "cooldown": 3, "factor": 0.5},
        {"patience": 0, "factor": 0.5, "min_lr": 0.02},
        {"patience": 0, "factor": 0.5, "min_lr": [0.03, 0.001]},
        {"patience": 0, "factor": 0.9, "eps": 0.01},
        {"patience": 0, "factor": 0.0, "eps": 0.0},
    ],
)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    sequences = []
    for lib in (minitorch, torch):
        groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.2)]
        optimizer = lib.optim.SGD(groups)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
        sequence = [scheduler.get_last_lr()]
        for metric in PLATEAU_METRICS:
            optimizer.step()
            scheduler.step(metric)
            sequence.append(scheduler.get_last_lr())
            assert group_values(optimizer, "lr") == sequence[-1]
        sequences.append((sequence, scheduler.state_dict()))
    assert sequences[0] == sequences[1]


@given(
    st.lists(st.sampled_from([0.5, 0.49, 0.499999, 0.6, 1.0, 2.0]), min_size=1, max_size=40),
    st.sampled_from(["min", "max"]),
    st.sampled_from(["rel", "abs"]),
    st.integers(0, 3),
    st.integers(0, 3),
    st.sampled_from([0.0, 1e-4, 0.05]),
    st.sampled_from([0.0, 1e-4, 0.1]),
)
def test_reduce_lr_on_plateau_matches_torch_on_any_metrics(
    metrics, mode, threshold_mode, patience, cooldown, min_lr, threshold
):
    kwargs = {
        "mode": mode,
        "threshold_mode": threshold_mode,
        "threshold": threshold,
        "patience": patience,
        "cooldown": cooldown,
        "min_lr": min_lr,
        "factor": 0.5,
    }
    sequences = []
    for lib in (minitorch, torch):
        optimizer = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
        sequence = []
        for metric in metrics:
            optimizer.step()
            scheduler.step(metric)
            sequence.append(scheduler.get_last_lr())
        sequences.append(sequence)
    assert sequences[0] == sequences[1]


def test_reduce_lr_on_plateau_state_dict_matches_torch_and_resumes():
    states, sequences = [], []
    for lib in (minitorch, torch):
        optimizer = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        kwargs = {"mode": "max", "patience": 1, "cooldown": 2, "threshold_mode": "abs"}
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
        for metric in PLATEAU_METRICS[:8]:
            optimizer.step()
            scheduler.step(metric)
        states.append(scheduler.state_dict())
        resumed_opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        resumed_opt.load_state_dict(optimizer.state_dict())
        resumed = lib.optim.lr_scheduler.ReduceLROnPlateau(resumed_opt)
        resumed.load_state_dict(scheduler.state_dict())
        sequence = []
        for metric in PLATEAU_METRICS[8:]:
            resumed_opt.step()
            resumed.step(metric)
            sequence.append(resumed.get_last_lr())
        sequences.append(sequence)
    assert states[0] == states[1]
    assert sequences[0] == sequences[1]


def test_reduce_lr_on_plateau_explicit_epoch_warns_and_sets_last_epoch():
    optimizer = minitorch.optim.SGD([minitorch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = minitorch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)
    with pytest.warns(UserWarning, match="epoch parameter"):
        scheduler.step(1.0, epoch=7)
    assert scheduler.last_epoch == 7


def build_composite(lib, kind):
    """``kind`` names a SequentialLR or ChainedScheduler over the schedulers it builds."""
    schedulers = lib.optim.lr_scheduler
    groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.2)]
    optimizer = lib.optim.SGD(groups, momentum=0.9)
    if kind == "sequential_warmup_cosine":
        warmup = schedulers.LinearLR(optimizer, start_factor=0.1, total_iters=5)
        cosine = schedulers.CosineAnnealingLR(optimizer, T_max=20, eta_min=0.001)
        return optimizer, schedulers.SequentialLR(optimizer, [warmup, cosine], milestones=[5])
    if kind == "sequential_three":
        parts = [
            schedulers.ConstantLR(optimizer, factor=0.5, total_iters=4),
            schedulers.ExponentialLR(optimizer, gamma=0.9),
            schedulers.StepLR(optimizer, step_size=3, gamma=0.5),
        ]
        return optimizer, schedulers.SequentialLR(optimizer, parts, milestones=[3, 12])
    if kind == "chained":
        parts = [
            schedulers.ConstantLR(optimizer, factor=0.1, total_iters=4),
            schedulers.ExponentialLR(optimizer, gamma=0.9),
            schedulers.MultiStepLR(optimizer, milestones=[7, 15]),
        ]
        return optimizer, schedulers.ChainedScheduler(parts)
    if kind == "chained_in_sequential":
        chained = schedulers.ChainedScheduler(
            [
                schedulers.LinearLR(optimizer, start_factor=0.5, total_iters=3),
                schedulers.ExponentialLR(optimizer, gamma=0.95),
            ],
            optimizer=optimizer,
        )
        polynomial = schedulers.PolynomialLR(optimizer, total_iters=10, power=2.0)
        return optimizer, schedulers.SequentialLR(optimizer, [chained, polynomial], [8])
    raise AssertionError(kind)


COMPOSITES = ["sequential_warmup_cosine", "sequential_three", "chained", "chained_in_sequential"]


# a ChainedScheduler restarted inside SequentialLR steps its children before any optimizer
# step, so both libraries warn there
skip_order_warning = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step")


@skip_order_warning
@pytest.mark.parametrize("kind", COMPOSITES)
def test_sequential_and_chained_schedulers_match_torch(kind):
    sequences = []
    for lib in (minitorch, torch):
        optimizer, scheduler = build_composite(lib, kind)
        sequence = [scheduler.get_last_lr()]
        for _ in range(30):
            optimizer.step()
            scheduler.step()
            sequence.append(scheduler.get_last_lr())
            assert group_values(optimizer, "lr") == sequence[-1]
        sequences.append(sequence)
    assert sequences[0] == sequences[1]


@skip_order_warning
@pytest.mark.parametrize("kind", COMPOSITES)
def test_sequential_and_chained_state_dict_matches_torch_and_resumes(kind):
    states, sequences = [], []
    for lib in (minitorch, torch):
        optimizer, scheduler = build_composite(lib, kind)
        for _ in range(6):
            optimizer.step()
            scheduler.step()
        state = scheduler.state_dict()
        states.append(state)
        resumed_opt, resumed = build_composite(lib, kind)
        resumed_opt.load_state_dict(optimizer.state_dict())
        resumed.load_state_dict(state)
        assert "_schedulers" in state  # loading leaves the caller's dict whole
        sequence = []
        for _ in range(10):
            resumed_opt.step()
            resumed.step()
            sequence.append(resumed.get_last_lr())
        sequences.append(sequence)
    assert states[0] == states[1]
    assert sequences[0] == sequences[1]


def error_of(build):
    with pytest.raises(Exception) as info:
        build()
    return type(info.value), str(info.value)


def one_group_sgd(lib, **kwargs):
    return lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, **kwargs)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("ConstantLR", {"factor": 1.5}),
        ("ConstantLR", {"factor": -0.1}),
        ("LinearLR", {"start_factor": 0.0}),
        ("LinearLR", {"start_factor": 1.1}),
        ("LinearLR", {"end_factor": -0.5}),
        ("LinearLR", {"end_factor": 2.0}),
        ("ReduceLROnPlateau", {"factor": 1.0}),
        ("ReduceLROnPlateau", {"mode": "maximum"}),
        ("ReduceLROnPlateau", {"threshold_mode": "relative"}),
        ("ReduceLROnPlateau", {"min_lr": [0.1, 0.2]}),
        ("CosineAnnealingWarmRestarts", {"T_0": 0}),
        ("CosineAnnealingWarmRestarts", {"T_0": 2.0}),
        ("CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 0}),
        ("CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 1.5}),
        ("CosineAnnealingWarmRestarts", {"T_0": 2, "eta_min": "0"}),
        ("OneCycleLR", {"max_lr": 0.1}),
        ("OneCycleLR", {"max_lr": 0.1, "epochs": 3}),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 5.0}),
        ("OneCycleLR", {"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 3}),
        ("OneCycleLR", {"max_lr": 0.1, "epochs": 2, "steps_per_epoch": -1}),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 5, "pct_start": 1.5}),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 5, "pct_start": 1}),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 5, "anneal_strategy": "exp"}),
        ("OneCycleLR", {"max_lr": [0.1, 0.2], "total_steps": 5}),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 5, "base_momentum": [0.8, 0.9]}),
        ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "mode": "sawtooth"}),
        ("CyclicLR", {"base_lr": [0.01, 0.02], "max_lr": 0.1}),
        ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "max_momentum": [0.9, 0.9]}),
        ("MultiplicativeLR", {"lr_lambda": 0.9}),
        ("MultiplicativeLR", {"lr_lambda": [lambda epoch: 0.9, lambda epoch: 0.8]}),
    ],
)
def test_argument_errors_match_torch(name, kwargs):
    expected = error_of(
        lambda: getattr(torch.optim.lr_scheduler, name)(one_group_sgd(torch), **kwargs)
    )
    got = error_of(
        lambda: getattr(minitorch.optim.lr_scheduler, name)(one_group_sgd(minitorch), **kwargs)
    )
    assert got[0].__name__ == expected[0].__name__
    assert got[1] == expected[1]


def test_argument_errors_of_schedulers_without_optimizers_match_torch():
    def cases(lib):
        schedulers = lib.optim.lr_scheduler
        optimizer = one_group_sgd(lib)
        other = one_group_sgd(lib)
        step = schedulers.StepLR(optimizer, step_size=2)
        plateau = schedulers.ReduceLROnPlateau(optimizer)
        foreign = schedulers.StepLR(other, step_size=2)
        return [
            lambda: schedulers.SequentialLR(optimizer, [], []),
            lambda: schedulers.SequentialLR(optimizer, [step, 3], [2]),
            lambda: schedulers.SequentialLR(optimizer, [step, plateau], [2]),
            lambda: schedulers.SequentialLR(optimizer, [step, step], [2, 4]),
            lambda: schedulers.ChainedScheduler([]),
            lambda: schedulers.ChainedScheduler([step, 3]),
            lambda: schedulers.ChainedScheduler([step, plateau]),
            lambda: schedulers.ReduceLROnPlateau(3),
            lambda: schedulers.OneCycleLR(3, max_lr=0.1, total_steps=3),
            lambda: schedulers.CyclicLR(3, base_lr=0.01, max_lr=0.1),
            lambda: schedulers.CosineAnnealingWarmRestarts(optimizer, T_0=2).step(-1),
            # the optimizer's repr differs between the libraries: compare up to it
            lambda: schedulers.SequentialLR(optimizer, [step, foreign], [2]),
            lambda: schedulers.ChainedScheduler([step, foreign]),
        ]

    for build_mine, build_torch in zip(cases(minitorch), cases(torch), strict=True):
        got, expected = error_of(build_mine), error_of(build_torch)
        assert got[0].__name__ == expected[0].__name__
        if "has SGD (" in expected[1]:
            prefix = expected[1].split(" has ")[0]
            assert got[1].startswith(prefix)
            assert got[1].endswith("which is different from SGD.")
        else:
            assert got[1] == expected[1]


def test_reduce_lr_on_plateau_refuses_a_new_group_with_per_group_min_lrs_like_torch():
    errors = []
    for lib in (minitorch, torch):
        optimizer = one_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, min_lr=[0.0])
        optimizer.add_param_group({"params": [lib.zeros(1, requires_grad=True)]})
        scheduler.step(1.0)
        errors.append(error_of(lambda s=scheduler: s.step(2.0)))
    assert errors[0][0].__name__ == errors[1][0].__name__ == "RuntimeError"
    assert errors[0][1] == errors[1][1]
