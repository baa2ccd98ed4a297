"""Parity of the losses with PyTorch: cross-entropy, NLL, MSE and L1, every reduction.

Class-index targets include ignored entries, class weights and label smoothing; the
weighted mean divides by the summed weights of the non-ignored targets, as PyTorch's.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import Input, assert_parity
from minitorch.testing.strategies import float_dtypes

REDUCTIONS = ["none", "mean", "sum"]
F32 = {"rtol": 1e-5, "atol": 1e-6}  # float32 sums over classes and batch, in another order


def tolerance(dtype: np.dtype) -> dict:
    return F32 if dtype == np.float32 else {}


@st.composite
def class_cases(draw: st.DrawFn) -> dict:
    """Logits shape (C,), (N, C) or (N, C, d1, ...), class targets, optional weights and ignores."""
    n_classes = draw(st.integers(1, 5))
    layout = draw(st.sampled_from(["unbatched", "batch", "batch", "spatial1", "spatial2"]))
    batch = draw(st.integers(0 if layout == "batch" else 1, 4))
    spatial = {"spatial1": (draw(st.integers(1, 3)),), "spatial2": (2, draw(st.integers(1, 3)))}
    extra = spatial.get(layout, ())
    if layout == "unbatched":
        input_shape, target_shape = (n_classes,), ()
    else:
        input_shape, target_shape = (batch, n_classes, *extra), (batch, *extra)
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    target = rng.integers(0, n_classes, target_shape)
    ignore_index = draw(st.sampled_from([-100, 0, 2]))
    if draw(st.booleans()) and target.size:
        target.flat[0] = ignore_index
    return {
        "input_shape": input_shape,
        "target": np.asarray(target, dtype=np.int64),
        "weight": rng.uniform(0.2, 2.0, n_classes) if draw(st.booleans()) else None,
        "ignore_index": ignore_index,
        "reduction": draw(st.sampled_from(REDUCTIONS)),
        "seed": seed,
    }


def _logits(case: dict, dtype: np.dtype) -> np.ndarray:
    return (
        np.random.default_rng(case["seed"] + 1).standard_normal(case["input_shape"]).astype(dtype)
    )


@given(
    case=class_cases(), label_smoothing=st.sampled_from([0.0, 0.0, 0.1, 0.5]), dtype=float_dtypes()
)
def test_cross_entropy_class_targets(case, label_smoothing, dtype):
    x = _logits(case, dtype)
    options = {"ignore_index": case["ignore_index"], "reduction": case["reduction"]}
    options["label_smoothing"] = label_smoothing
    if case["weight"] is None:
        assert_parity(
            lambda t, x, y: t.nn.functional.cross_entropy(x, y, **options),
            x,
            case["target"],
            **tolerance(dtype),
        )
    else:
        weight = Input(case["weight"].astype(dtype), requires_grad=False)
        assert_parity(
            lambda t, x, y, w: t.nn.CrossEntropyLoss(w, **options)(x, y),
            x,
            case["target"],
            weight,
            **tolerance(dtype),
        )


@given(case=class_cases(), dtype=float_dtypes())
def test_nll_loss(case, dtype):
    x = _logits(case, dtype)
    options = {"ignore_index": case["ignore_index"], "reduction": case["reduction"]}
    if case["weight"] is None:
        assert_parity(lambda t, x, y: t.nn.functional.nll_loss(x, y, **options), x, case["target"])
    else:
        weight = Input(case["weight"].astype(dtype), requires_grad=False)
        assert_parity(
            lambda t, x, y, w: t.nn.NLLLoss(w, **options)(
                x.log_softmax(1 if x.dim() > 1 else 0), y
            ),
            x,
            case["target"],
            weight,
            **tolerance(dtype),
        )


@given(
    shape=st.sampled_from([(4,), (3, 4), (2, 3, 2), (2, 3, 2, 2)]),
    reduction=st.sampled_from(REDUCTIONS),
    label_smoothing=st.sampled_from([0.0, 0.2]),
    weighted=st.booleans(),
    seed=st.integers(0, 2**31),
    dtype=float_dtypes(),
)
def test_cross_entropy_probability_targets(
    shape, reduction, label_smoothing, weighted, seed, dtype
):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    axis = 0 if len(shape) == 1 else 1
    target = rng.dirichlet(np.ones(shape[axis]), size=int(np.prod(shape)) // shape[axis])
    target = np.moveaxis(
        target.reshape(*[s for i, s in enumerate(shape) if i != axis], shape[axis]), -1, axis
    )
    target = np.ascontiguousarray(target, dtype=dtype)
    options = {"reduction": reduction, "label_smoothing": label_smoothing}
    if weighted:
        weight = Input(rng.uniform(0.5, 2, shape[axis]).astype(dtype), requires_grad=False)
        assert_parity(
            lambda t, x, y, w: t.nn.functional.cross_entropy(x, y, weight=w, **options),
            x,
            target,
            weight,
            **tolerance(dtype),
        )
    else:  # the target probabilities receive a gradient too
        assert_parity(
            lambda t, x, y: t.nn.functional.cross_entropy(x, y, **options),
            x,
            target,
            **tolerance(dtype),
        )


def test_cross_entropy_all_targets_ignored_is_nan_like_pytorch():
    x = np.zeros((2, 3), dtype=np.float32)
    target = np.array([-100, -100])
    assert_parity(lambda t, x, y: t.nn.functional.cross_entropy(x, y), x, target)


def test_cross_entropy_uint8_targets():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    assert_parity(
        lambda t, x, y: t.nn.functional.cross_entropy(x, y), x, np.array([0, 3, 1], dtype=np.uint8)
    )


def test_cross_entropy_course_example():
    loss = minitorch.nn.CrossEntropyLoss()(
        minitorch.tensor([[0.1, 0.2, 0.3]]), minitorch.tensor([1])
    )
    assert loss.item() == pytest.approx(1.1019, abs=5e-5)
    assert loss.dtype is minitorch.float32 and loss.shape == ()


@pytest.mark.parametrize(("name", "fn"), [("mse", "mse_loss"), ("l1", "l1_loss")])
@given(
    shapes=st.sampled_from([((3, 4), (3, 4)), ((2, 3), (2, 3)), ((5,), (5,)), ((), ())]),
    reduction=st.sampled_from(REDUCTIONS),
    seed=st.integers(0, 2**31),
    dtype=float_dtypes(),
)
def test_pointwise_losses(name, fn, shapes, reduction, seed, dtype):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shapes[0]).astype(dtype)
    y = rng.standard_normal(shapes[1]).astype(dtype)
    assert_parity(
        lambda t, x, y: getattr(t.nn.functional, fn)(x, y, reduction=reduction),
        x,
        y,
        **tolerance(dtype),
    )


@pytest.mark.parametrize("module", ["MSELoss", "L1Loss"])
def test_pointwise_loss_broadcasts_with_pytorchs_warning(module):
    x = np.random.default_rng(1).standard_normal((3, 1))
    y = np.random.default_rng(2).standard_normal((3,))
    with pytest.warns(
        UserWarning, match=r"Using a target size \(minitorch.Size\(\[3\]\)\) that is different"
    ):
        minitorch.nn.MSELoss()(minitorch.tensor(x), minitorch.tensor(y))
    with pytest.warns(UserWarning):
        assert_parity(lambda t, x, y: getattr(t.nn, module)()(x, y), x, y)


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_loss_weights(fn, reduction):
    rng = np.random.default_rng(3)
    x, y, w = rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), rng.uniform(0.1, 1, (3, 2))
    assert_parity(
        lambda t, x, y, w: getattr(t.nn.functional, fn)(x, y, reduction=reduction, weight=w),
        x,
        y,
        w,
    )


def test_pointwise_losses_promote_dtypes():
    x = np.random.default_rng(4).standard_normal(3).astype(np.float32)
    y = np.random.default_rng(5).standard_normal(3)
    assert_parity(lambda t, x, y: t.nn.functional.mse_loss(x, y), x, y)


def test_course_examples_l1_and_mse():
    inputs = minitorch.tensor([1.0, 2.0, 3.0])
    targets = minitorch.tensor([1.0, 2.0, 5.0])
    assert minitorch.nn.L1Loss(reduction="sum")(inputs, targets).item() == 2.0
    assert minitorch.nn.MSELoss()(inputs, targets).item() == pytest.approx(4 / 3)


def test_legacy_size_average_and_reduce_flags():
    x = np.random.default_rng(6).standard_normal((2, 3))
    y = np.random.default_rng(7).standard_normal((2, 3))
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert_parity(lambda t, x, y: t.nn.MSELoss(size_average=False)(x, y), x, y)
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert_parity(lambda t, x, y: t.nn.functional.l1_loss(x, y, reduce=False), x, y)


def test_loss_modules_print_like_pytorch():
    import torch

    for name in ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss"]:
        assert repr(getattr(minitorch.nn, name)()) == repr(getattr(torch.nn, name)())


def test_cross_entropy_weight_is_a_buffer_in_the_state_dict():
    loss = minitorch.nn.CrossEntropyLoss(weight=minitorch.tensor([1.0, 2.0]))
    assert list(loss.state_dict()) == ["weight"]


def test_cross_entropy_probability_targets_promote_dtypes():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    target = rng.dirichlet(np.ones(4), size=3)  # float64: the loss is float64, as in PyTorch
    assert_parity(lambda t, x, y: t.nn.functional.cross_entropy(x, y), x, target)


@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 3, 2)])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_soft_target_cross_entropy_differentiates_the_class_weight(
    shape, label_smoothing, reduction
):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    probs = rng.random(shape)
    weight = rng.random(shape[1])
    assert_parity(
        lambda t, x, p, w: t.nn.functional.cross_entropy(
            x, p, weight=w, reduction=reduction, label_smoothing=label_smoothing
        ),
        x,
        probs,
        weight,
    )


@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 3, 2)])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_a_class_weight_that_requires_grad_is_refused_for_class_indices(shape, loss):
    # PyTorch has no gradient for it, and says so rather than leave it without one
    import torch

    rng = np.random.default_rng(0)
    target_shape = (shape[0], *shape[2:])
    target = rng.integers(0, shape[1], target_shape)
    messages = []
    for lib in (torch, minitorch):
        x = lib.tensor(rng.standard_normal(shape), requires_grad=True)
        w = lib.tensor(rng.random(shape[1]), requires_grad=True)
        with pytest.raises(RuntimeError) as error:
            getattr(lib.nn.functional, loss)(x, lib.tensor(target), weight=w)
        messages.append(str(error.value).split(".")[0])
        with lib.no_grad():  # without grad mode there is nothing to refuse
            getattr(lib.nn.functional, loss)(x, lib.tensor(target), weight=w)
    assert messages[0] == messages[1]


@pytest.mark.parametrize("changed", ["target", "weight"])
@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 3, 2)])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_a_target_or_weight_changed_in_place_before_backward_is_refused(loss, shape, changed):
    import torch

    rng = np.random.default_rng(0)
    target = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    x_values, w_values = rng.standard_normal(shape), rng.random(shape[1])
    messages = []
    for lib in (torch, minitorch):
        x = lib.tensor(x_values, requires_grad=True)
        t, w = lib.tensor(target), lib.tensor(w_values)
        out = getattr(lib.nn.functional, loss)(x, t, weight=w)
        (t if changed == "target" else w).add_(0)
        with pytest.raises(RuntimeError) as error:
            out.backward()
        messages.append(str(error.value).split(":")[0])
    assert messages[0] == messages[1]
