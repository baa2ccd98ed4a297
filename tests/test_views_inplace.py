"""Storage, views, version counters and in-place ops, against PyTorch.

The property test draws a short program: views of views (slices, select, transpose,
expand, view, split, detach, ...), in-place writes through any of them (with and without
grad mode, with operands that require grad), and ops that save tensors for backward. The
program runs on both libraries from the same values; after every step each tensor's
values, shape, strides, contiguity, ``_version`` and ``grad_fn`` name must agree, a step
that raises must raise the same exception class in both, and at the end so must the
backward pass and every gradient.
"""

import threading

import numpy as np
import pytest
import torch
from _outcomes import assert_same_outcome
from hypothesis import example, given
from hypothesis import strategies as st

import minitorch

LIBRARIES = (torch, minitorch)


# ------------------------------------------------------------------ the program's steps
# Each step reads one tensor of the program (``x``) and may make a new one; ``w`` is a leaf
# that requires grad, ``w0`` a 0-d non-leaf computed from it (an operand that broadcasts).
def _slice(t, x):
    return x[1:] if x.dim() and x.shape[0] > 1 else None


def _strided(t, x):
    return x[::2] if x.dim() and x.shape[0] > 2 else None


def _select(t, x):
    return x[0] if x.dim() else None


def _select_last_dim(t, x):
    return x[..., -1] if x.dim() > 1 else None


def _transpose(t, x):
    return x.transpose(0, 1) if x.dim() > 1 else None


def _t(t, x):
    return x.t() if x.dim() <= 2 else None


def _flat_view(t, x):
    return x.view(-1) if x.is_contiguous() else None


def _unsqueeze(t, x):
    return x.unsqueeze(0)


def _expand(t, x):
    return x.unsqueeze(0).expand(2, *x.shape)


def _permute(t, x):
    return x.permute(*reversed(range(x.dim()))) if x.dim() > 1 else None


def _detach(t, x):
    return x.detach()


def _reshape(t, x):
    return x.reshape(-1)


# ``split`` views are left to the unit tests below: after their base changes under no_grad,
# PyTorch 2.14 either raises or not on ``view.grad_fn`` depending on whether it was read before.
VIEWS = [
    _slice, _strided, _select, _select_last_dim, _transpose, _t, _flat_view, _unsqueeze,
    _expand, _permute, _detach, _reshape,
]  # fmt: skip


def _add_scalar(t, x, w0):
    return x.add_(1.5)


def _mul_operand(t, x, w0):
    return x.mul_(w0)


def _sub_scaled(t, x, w0):
    return x.sub_(w0, alpha=0.5)


def _fill(t, x, w0):
    return x.fill_(0.25)


def _fill_operand(t, x, w0):
    return x.fill_(w0)


def _zero(t, x, w0):
    return x.zero_()


def _copy_operand(t, x, w0):
    return x.copy_(w0.expand(x.shape))


def _setitem_first(t, x, w0):
    if not x.dim():
        return None
    x[0] = w0
    return x


def _setitem_number(t, x, w0):
    if not x.dim():
        return None
    x[-1] = 3.0
    return x


def _clamp(t, x, w0):
    return x.clamp_(-1.0, 1.0)


def _exp(t, x, w0):
    return x.exp_()


def _iadd(t, x, w0):
    x += w0
    return x


# In-place view ops write nothing, but change the tensor's sizes and strides in place.
def _t_(t, x, w0):
    return x.t_()


def _transpose_(t, x, w0):
    return x.transpose_(0, -1)


def _unsqueeze_(t, x, w0):
    return x.unsqueeze_(-1) if x.dim() < 4 else None


def _squeeze_(t, x, w0):
    return x.squeeze_()


INPLACE = [
    _add_scalar, _mul_operand, _sub_scaled, _fill, _fill_operand, _zero, _copy_operand,
    _setitem_first, _setitem_number, _clamp, _exp, _iadd, _t_, _transpose_, _unsqueeze_,
    _squeeze_,
]  # fmt: skip


def _exp_saving_output(t, x):
    return x.exp()


def _times_itself(t, x):
    return x * x


def _times_weight(t, x):
    return x * x.new_ones(x.shape) if hasattr(x, "new_ones") else x * t.ones(x.shape)


def _sigmoid(t, x):
    return x.sigmoid()


OPS = [_exp_saving_output, _times_itself, _times_weight, _sigmoid]

STEP = st.one_of(
    st.tuples(st.just("view"), st.sampled_from(VIEWS), st.integers(0, 30)),
    st.tuples(st.just("inplace"), st.sampled_from(INPLACE), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("op"), st.sampled_from(OPS), st.integers(0, 30)),
)


# ------------------------------------------------------------------ running a program
def _node_name(tensor) -> str | None:
    fn = tensor.grad_fn
    return None if fn is None else fn.name().removeprefix("torch::autograd::")


def _describe(tensor) -> dict:
    data = tensor.detach().numpy().copy()
    shape = tuple(tensor.shape)
    strides = tuple(tensor.stride())
    # A view's layout follows from its base's; an op's output layout is the library's choice
    # (for non-contiguous inputs PyTorch and numpy order the output differently).
    is_view = tensor._is_view()
    return {
        "values": data,
        "shape": shape,
        # PyTorch and numpy may choose any stride for a dimension of size 1
        "strides": tuple(s for s, n in zip(strides, shape, strict=True) if n > 1 and is_view),
        "contiguous": tensor.is_contiguous() if is_view else None,
        "version": tensor._version,
        "grad_fn": _node_name(tensor),
        "requires_grad": tensor.requires_grad,
    }


def _run_program(t, program: list, start: np.ndarray, weight: np.ndarray) -> list:
    """Run the steps on library ``t``; return what was observed after each, and at the end."""
    a = t.tensor(start, dtype=t.float64, requires_grad=True)
    w = t.tensor(weight, dtype=t.float64, requires_grad=True)
    w0 = (w * 1.0).sum() * 0.5
    tensors = [a * 2.0, t.tensor(start, dtype=t.float64), a]
    observed: list = []
    for step in program:
        kind, fn, pick = step[0], step[1], step[2]
        x = tensors[pick % len(tensors)]
        try:
            if kind == "inplace" and not step[3]:
                with t.no_grad():
                    made = fn(t, x, w0)
            elif kind == "inplace":
                made = fn(t, x, w0)
            else:
                made = fn(t, x)
        except (RuntimeError, ValueError, IndexError, TypeError) as error:
            observed.append(("raised", type(error)))
            continue
        if made is None:
            observed.append(("skipped",))
            continue
        if kind != "inplace":
            tensors.append(made)
        observed.append(("ok", [_describe(x) for x in tensors]))
    loss = sum((x * (i + 1.0)).sum() for i, x in enumerate(tensors) if x.requires_grad)
    try:
        loss.backward()
    except RuntimeError as error:
        observed.append(("backward raised", type(error)))
    else:
        grads = [None if g is None else g.numpy().copy() for g in (a.grad, w.grad)]
        observed.append(("backward", grads))
    return observed


def _assert_same(expected, actual, program) -> None:
    assert len(expected) == len(actual)
    for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
        where = f"after step {i} of {[(s[0], s[1].__name__, *s[2:]) for s in program]}"
        assert want[0] == got[0], f"{where}: torch {want}, minitorch {got}"
        if want[0] in ("raised", "backward raised"):
            assert want[1] is got[1], f"{where}: torch raised {want[1]}, minitorch {got[1]}"
        elif want[0] == "ok":
            for j, (w, g) in enumerate(zip(want[1], got[1], strict=True)):
                np.testing.assert_allclose(g.pop("values"), w.pop("values"), err_msg=where)
                assert g == w, f"{where}, tensor {j}: torch {w}, minitorch {g}"
        elif want[0] == "backward":
            for w, g in zip(want[1], got[1], strict=True):
                assert (w is None) == (g is None), f"{where}: gradients {want[1]} vs {got[1]}"
                if w is not None:
                    np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=where)


@given(
    program=st.lists(STEP, min_size=1, max_size=6),
    shape=st.sampled_from([(3,), (2, 3), (3, 2, 2), (1, 3)]),
    seed=st.integers(0, 2**16),
)
@example(program=[("view", _slice, 0), ("inplace", _mul_operand, 3, True)], shape=(3,), seed=0)
@example(program=[("op", _times_weight, 1), ("inplace", _mul_operand, 1, True)], shape=(3,), seed=1)
@example(program=[("view", _expand, 0), ("inplace", _add_scalar, 3, False)], shape=(2, 3), seed=2)
@example(
    program=[("view", _transpose, 0), ("view", _select, 3), ("inplace", _mul_operand, 4, True)],
    shape=(2, 3),
    seed=4,
)
@example(  # fill_ may write into expanded memory, under no_grad
    program=[("view", _expand, 0), ("view", _slice, 0), ("inplace", _fill, 18, False)],
    shape=(3,),
    seed=0,
)
@example(  # a reshape that can be a view of a non-contiguous tensor: ReshapeAliasBackward0
    program=[("view", _slice, 0), ("view", _strided, 0), ("view", _reshape, 14)],
    shape=(3,),
    seed=0,
)
@example(  # a view of a product of a transposed and a contiguous tensor: PyTorch's layout
    program=[
        ("view", _transpose, 0),
        ("op", _times_weight, 3),
        ("view", _slice, 4),
        ("view", _flat_view, 5),
    ],
    shape=(2, 3),
    seed=0,
)
@example(  # a leaf reshaped under no_grad after its gradient's path was recorded: refused
    program=[("inplace", _t_, 2, False)], shape=(2, 3), seed=0
)
@example(  # ... where adding the two gradients up would broadcast them silently
    program=[("inplace", _unsqueeze_, 2, False)], shape=(1, 3), seed=0
)
@example(  # an in-place view op on a view, then a write through it: CopySlices on the base
    program=[
        ("view", _select, 0),
        ("inplace", _unsqueeze_, 3, True),
        ("inplace", _mul_operand, 3, True),
    ],
    shape=(2, 3),
    seed=0,
)
@example(program=[("inplace", _squeeze_, 0, True)], shape=(1, 3), seed=0)
def test_view_and_inplace_programs_match_pytorch(program, shape, seed):
    rng = np.random.default_rng(seed)
    start = rng.uniform(0.5, 1.5, size=shape)
    weight = rng.uniform(0.5, 1.5, size=shape)
    expected = _run_program(torch, program, start, weight)
    actual = _run_program(minitorch, program, start, weight)
    _assert_same(expected, actual, program)


# ------------------------------------------------------------------ one test per case
def _outcome(fn, t):
    """What ``fn(t)`` gives: ("ok", value as numpy or Python) or ("raised", exception class)."""
    try:
        value = fn(t)
    except Exception as error:  # noqa: BLE001 - the class is what is compared
        return ("raised", type(error))
    return ("ok", value)


def _same_outcome(fn) -> None:
    want, got = _outcome(fn, torch), _outcome(fn, minitorch)
    assert want[0] == got[0], f"torch {want}, minitorch {got}"
    if want[0] == "raised":
        assert want[1] is got[1], f"torch raised {want[1]}, minitorch {got[1]}"
    else:
        for w, g in zip(want[1], got[1], strict=True):
            if isinstance(w, np.ndarray) or isinstance(g, np.ndarray):
                np.testing.assert_allclose(g, w, rtol=1e-6)
            else:
                assert g == w, f"torch {want}, minitorch {got}"


def _numpy(x):
    return None if x is None else x.detach().numpy().copy()


@pytest.mark.parametrize(
    "write",
    [lambda x: x.mul_(10), lambda x: x.__setitem__(0, 100.0), lambda x: x.fill_(2.0)],
    ids=["mul_", "setitem", "fill_"],
)
def test_case1_a_saved_input_changed_in_place_is_refused_at_backward(write):
    def program(t):
        w = t.ones(3, requires_grad=True)
        x = t.tensor([1.0, 2.0, 3.0])
        y = (w * x).sum()  # saves x: dy/dw needs it
        write(x)
        y.backward()
        return [_numpy(w.grad)]

    _same_outcome(program)


def _weight_changed_under_no_grad(t):
    w = t.ones(3, requires_grad=True)
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * x).sum()
    with t.no_grad():
        w.mul_(2)
    y.backward()
    return [_numpy(w.grad)]


def _unsaved_weight_changed_under_no_grad(t):
    w = t.ones(3, requires_grad=True)
    x = t.tensor([1.0, 2.0, 3.0])  # only x is saved: changing w is allowed
    y = (w * x).sum()
    with t.no_grad():
        w.mul_(2)
    y.backward()
    return [_numpy(w.grad)]


def _backward_after_optimizer_step(t):
    t.manual_seed(0)
    model = t.nn.Sequential(t.nn.Linear(3, 4), t.nn.ReLU(), t.nn.Linear(4, 2))
    optimizer = t.optim.SGD(model.parameters(), lr=0.1)
    loss = model(t.ones(2, 3)).sum()
    loss.backward(retain_graph=True)
    optimizer.step()
    loss.backward()
    return []


@pytest.mark.parametrize(
    "case",
    [
        _weight_changed_under_no_grad,
        _unsaved_weight_changed_under_no_grad,
        _backward_after_optimizer_step,
    ],
)
def test_case1_modified_saved_tensors_are_refused_at_backward(case):
    _same_outcome(case)


def test_case1_the_message_names_the_versions_and_the_node():
    w = minitorch.ones(3, requires_grad=True)
    x = minitorch.tensor([1.0, 2.0, 3.0])
    y = (w * x).sum()
    x.mul_(10)
    with pytest.raises(RuntimeError, match=r"\[3\]\] is at version 1; expected version 0.*Mul"):
        y.backward()


def test_case1_versions_count_like_pytorch():
    def versions(t):
        x = t.ones(3)
        counts = [x._version]
        x[0] = 5
        x.fill_(1)
        x.zero_()
        x += 1
        counts.append(x._version)
        view = x[1:]
        view.add_(1)
        counts += [x._version, view._version, x.detach()._version, x.data._version]
        layer = t.nn.Linear(2, 2)
        optimizer = t.optim.SGD(layer.parameters(), lr=0.1)
        before = layer.weight._version
        layer(t.ones(1, 2)).sum().backward()
        optimizer.step()
        counts.append(layer.weight._version - before)
        return [counts]

    _same_outcome(versions)


def test_case2_inplace_on_a_view_of_a_non_leaf_writes_to_its_base():
    def program(t):
        a = t.ones(3, requires_grad=True)
        b = a * 2
        b[0:2].mul_(3)
        b.sum().backward()
        return [_numpy(b), _numpy(a.grad)]

    _same_outcome(program)
    a = minitorch.ones(3, requires_grad=True)
    b = a * 2
    b[0:2].mul_(3)
    assert b.grad_fn.name() == "CopySlices"
    assert [type(n).__name__ for n, _ in b.grad_fn.next_functions] == ["MulBackward0", "NoneType"]


def test_case2_detach_keeps_sharing_memory_after_an_inplace_op():
    def program(t):
        d = t.ones(3, requires_grad=True) * 2
        detached = d.detach()
        d.add_(1)
        return [_numpy(detached), detached._version]

    _same_outcome(program)


def test_case3_inplace_on_a_view_of_a_leaf_that_requires_grad_is_refused():
    def program(t):
        a = t.ones(3, requires_grad=True)
        a[0:2].add_(1)
        return []

    _same_outcome(program)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        minitorch.ones(3, requires_grad=True)[0:2].add_(1)


@pytest.mark.parametrize(
    "write",
    [
        lambda t, e: e.fill_(2.0),
        lambda t, e: e.zero_(),
        lambda t, e: e.copy_(t.ones(2, 3)),
        lambda t, e: e.add_(1),
        lambda t, e: e.clamp_(0, 1),
        lambda t, e: e.exp_(),
        lambda t, e: e.__setitem__(0, 5.0),
        lambda t, e: e.__setitem__(slice(None), 5.0),
    ],
    ids=["fill", "zero", "copy", "add", "clamp", "exp", "setitem-row", "setitem-all"],
)
def test_case4_which_writes_into_expanded_memory_pytorch_allows(write):
    def program(t):
        x = t.ones(3)
        write(t, x.expand(2, 3))
        return [_numpy(x)]

    _same_outcome(program)


@pytest.mark.parametrize(
    "write",
    [
        lambda x: x[0:2].mul_(x[1:3]),
        lambda x: x.mul_(x),
        lambda x: x[1:].copy_(x[:-1]),
        lambda x: x[:2].add_(x[2:]),
        lambda x: x.add_(x.view(4)),
        lambda x: x[0:2].add_(x[0]),
    ],
    ids=["shifted", "itself", "copy-shifted", "disjoint", "same-view", "broadcast-element"],
)
def test_an_operand_partly_overlapping_the_written_tensor_is_refused(write):
    def program(t):
        x = t.arange(4.0)
        write(x)
        return [_numpy(x)]

    _same_outcome(program)


def test_case4_inplace_on_expanded_memory_is_refused():
    def program(t):
        x = t.ones(3)
        x.expand(2, 3).add_(t.arange(6.0).reshape(2, 3))
        return [_numpy(x)]

    _same_outcome(program)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        minitorch.ones(3).expand(2, 3).add_(1)


@pytest.mark.parametrize(
    "key",
    [
        (0, slice(None), [1, 3]),
        ([0, 1], slice(None), [1, 3]),
        (slice(None), 0, [1, 2, 3]),
        ([0], 0, slice(None)),
        (0, [0, 1], [1, 2]),
        (slice(None), [0, 1], 0),
        (0, Ellipsis, [1, 3]),
        (None, 1, slice(None), [0, 2]),
    ],
)
def test_case5_mixed_advanced_indexing_takes_pytorchs_dimension_order(key):
    def program(t):
        x = t.arange(24.0, dtype=t.float64).reshape(2, 3, 4).requires_grad_()
        y = x * 1
        picked = y[key]
        upstream = t.arange(float(picked.numel()), dtype=t.float64).reshape(picked.shape)
        (picked * upstream).sum().backward()
        y2 = (x * 1).detach()
        y2[key] = -upstream
        return [_numpy(picked), _numpy(x.grad), _numpy(y2)]

    _same_outcome(program)


def test_case6_grad_mode_is_per_thread():
    entered, release = threading.Event(), threading.Event()

    def evaluate():
        with minitorch.no_grad():
            entered.set()
            release.wait(timeout=10)

    worker = threading.Thread(target=evaluate)
    worker.start()
    entered.wait(timeout=10)
    recorded = minitorch.is_grad_enabled()
    x = minitorch.ones(2, requires_grad=True)
    y = x * 2
    release.set()
    worker.join()
    assert recorded and y.requires_grad and y.grad_fn is not None
    seen = []
    with minitorch.no_grad():
        thread = threading.Thread(target=lambda: seen.append(minitorch.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]  # a new thread starts with recording on, as in PyTorch


def test_case7_retain_grad_follows_the_inplace_update():
    def program(t):
        a = t.ones(3, requires_grad=True)
        b = a * 2
        b.retain_grad()
        b.mul_(3)
        (b * b).sum().backward()
        return [_numpy(b.grad), _numpy(a.grad)]

    _same_outcome(program)


@pytest.mark.parametrize(
    ("index", "value_shape"), [(0, (1, 3)), (1, (1,)), (0, (3,)), (slice(0, 2), (1, 3))]
)
def test_case8_setitem_value_gradients_have_the_values_shape(index, value_shape):
    def program(t):
        b = t.zeros(2, 3, dtype=t.float64)
        v = t.arange(1.0, 1.0 + np.prod(value_shape), dtype=t.float64).reshape(value_shape)
        v.requires_grad_()
        b[index] = v
        (b * t.arange(6.0, dtype=t.float64).reshape(2, 3)).sum().backward()
        return [_numpy(b), _numpy(v.grad), tuple(v.grad.shape)]

    _same_outcome(program)


class _Doubling:
    """A custom Function, built for each library, whose backward returns ``grad_shape``."""

    @staticmethod
    def build(t, grad_shape, grad_dtype=None):
        class Doubling(t.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return t.ones(grad_shape, dtype=grad_dtype or grad.dtype)

        return Doubling


@pytest.mark.parametrize(
    ("grad_shape", "grad_dtype"),
    [((4,), None), ((5,), None), ((1, 3, 4), None), ((3, 1), None), ((3, 4), "float64")],
)
def test_case9_function_gradients_are_checked_like_pytorchs(grad_shape, grad_dtype):
    def program(t):
        fn = _Doubling.build(t, grad_shape, getattr(t, grad_dtype) if grad_dtype else None)
        x = t.ones(3, 4, requires_grad=True)
        fn.apply(x).sum().backward()
        return [_numpy(x.grad), str(x.grad.dtype).split(".")[-1]]

    _same_outcome(program)


def test_case9_invalid_gradient_message_names_index_and_shapes():
    fn = _Doubling.build(minitorch, (4,))
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[4\] but expected "
                       r"shape compatible with \[3, 4\]"):  # fmt: skip
        fn.apply(minitorch.ones(3, 4, requires_grad=True)).sum().backward()


@pytest.mark.parametrize(
    "hook",
    [lambda t, g: t.ones(5), lambda t, g: g.double(), lambda t, g: g * 2],
    ids=["size", "dtype", "valid"],
)
@pytest.mark.parametrize("leaf", [True, False])
def test_case9_hook_results_are_checked(hook, leaf):
    def program(t):
        x = t.ones(3, requires_grad=True)
        target = x if leaf else x * 1
        target.register_hook(lambda g: hook(t, g))
        (target * 2).sum().backward()
        return [_numpy(x.grad)]

    _same_outcome(program)


@pytest.mark.parametrize(
    "make_grad",
    [
        lambda t: t.zeros(5),
        lambda t: t.zeros(1),
        lambda t: t.zeros(3, dtype=t.float64),
        lambda t: np.zeros(3, dtype=np.float32),
        lambda t: t.zeros(3),
    ],
    ids=["size", "size-one", "dtype", "numpy", "valid"],
)
def test_case9_grad_assignment_is_checked(make_grad):
    def program(t):
        p = t.ones(3, requires_grad=True)
        p.grad = make_grad(t)
        return [_numpy(p.grad)]

    _same_outcome(program)


# ------------------------------------------------------------------ the storage model
def test_views_share_storage_base_and_strides_as_pytorch():
    def program(t):
        x = t.arange(12.0).reshape(3, 4)
        views = [x.t(), x[1], x[:, 1:3], x.view(4, 3), x.unsqueeze(0), x.expand(2, 3, 4)]
        same_storage = [
            v.untyped_storage().data_ptr() == x.untyped_storage().data_ptr() for v in views
        ]
        return [
            same_storage,
            [v._base is x for v in views],
            [v._is_view() for v in views],
            [v.storage_offset() for v in views],
            [v.data_ptr() - x.data_ptr() for v in views],
            [v.is_contiguous() for v in views],
            [x.detach()._base is None, x.detach()._is_view(), x.clone()._is_view()],
        ]

    _same_outcome(program)


def test_detach_inplace_on_a_view_is_refused():
    def program(t):
        b = t.ones(3, requires_grad=True) * 1
        b[0:2].detach_()
        return []

    _same_outcome(program)


@pytest.mark.parametrize(
    "make",
    [
        lambda t, b: b.split(2)[0],
        lambda t, b: b.chunk(2)[1],
        lambda t, b: b.unbind(0)[0],
    ],
    ids=["split", "chunk", "unbind"],
)
def test_inplace_on_a_view_from_a_multi_view_op_is_refused(make):
    def program(t):
        b = t.ones(4, requires_grad=True) * 2
        make(t, b).mul_(2)
        return [_numpy(b)]

    _same_outcome(program)


def test_a_view_made_under_no_grad_cannot_be_changed_with_grad_mode_on():
    def direct(t):
        b = t.ones(3, requires_grad=True) * 2
        with t.no_grad():
            view = b[0:2]
        view.mul_(2)
        return []

    def through_base(t):
        b = t.ones(3, requires_grad=True) * 2
        with t.no_grad():
            view = b[0:2]
        b.mul_(2)
        return [view.grad_fn is None]

    _same_outcome(direct)
    _same_outcome(through_base)


def test_view_grad_fn_is_regenerated_after_the_base_changes():
    def program(t):
        a = t.ones(4, requires_grad=True)
        b = a * 1
        view = b[1:3]
        b.add_(1)
        after = [n.name().removeprefix("torch::autograd::") for n, _ in view.grad_fn.next_functions]
        names = [_node_name(view), after]
        (view * t.tensor([2.0, 3.0])).sum().backward()
        return [names, _numpy(a.grad)]

    want, got = _outcome(program, torch), _outcome(program, minitorch)
    assert want[1][0] == got[1][0] == ["AsStridedBackward0", ["AddBackward0"]]
    np.testing.assert_allclose(got[1][1], want[1][1])


def test_a_users_function_node_is_named_as_in_pytorch():
    names = []
    for t in LIBRARIES:
        x = t.ones(3, 4, requires_grad=True)
        names.append(_Doubling.build(t, (3, 4)).apply(x).grad_fn.name())
    assert names[1] == names[0].removeprefix("torch::autograd::") == "DoublingBackward"


def test_a_view_made_under_no_grad_requires_grad_but_leads_nowhere():
    def program(t):
        a = t.ones(3, requires_grad=True)
        with t.no_grad():
            view = a[0:2]
        y = view * 2
        y.sum().backward()
        edges = [node is None for node, _ in y.grad_fn.next_functions]
        return [[view.requires_grad, view.is_leaf, y.requires_grad, edges, a.grad is None]]

    _same_outcome(program)


def test_a_view_made_under_no_grad_refuses_its_node_after_its_base_changed():
    def program(t):
        a = t.ones(3, requires_grad=True)
        with t.no_grad():
            view = a[0:2]
            a.mul_(2)  # an optimizer step, say
        return [view.grad_fn is None]

    _same_outcome(program)


@pytest.mark.parametrize(
    "op",
    [
        lambda t, x, y: x + y,
        lambda t, x, y: y - x,
        lambda t, x, y: x * y,
        lambda t, x, y: x / y,
        lambda t, x, y: x % y,
        lambda t, x, y: t.maximum(x, y),
        lambda t, x, y: t.minimum(y, x),
        lambda t, x, y: x * y[0],
    ],
    ids=["add", "sub", "mul", "div", "remainder", "maximum", "minimum", "broadcast"],
)
@pytest.mark.parametrize(
    "layout",
    [lambda x: x.t(), lambda x: x, lambda x: x[:, ::2].t()],
    ids=["transposed", "contiguous", "strided"],
)
def test_binary_results_are_laid_out_as_pytorch_lays_them_out(op, layout):
    def program(t):
        x = layout(t.arange(1.0, 13.0).reshape(3, 4))
        y = t.arange(2.0, 2.0 + x.numel()).reshape(x.shape)
        out = op(t, x, y)
        return [_numpy(out), out.stride(), out.is_contiguous()]

    _same_outcome(program)


def test_case4_a_tensor_fill_value_into_expanded_memory_is_refused():
    # found by hypothesis: PyTorch writes a number into memory that ``expand`` shares, but
    # copies a tensor's value elementwise and so refuses it, with the overlap error
    def program(t):
        x = t.ones(3)
        x.expand(2, 3).fill_(t.tensor(2.0))
        return [_numpy(x)]

    _same_outcome(program)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        minitorch.ones(3).expand(2, 3).fill_(minitorch.tensor(2.0))


@pytest.mark.parametrize(
    "write",
    [
        lambda t: t.ones(2, dtype=t.int64).add_(1.5),
        lambda t: t.ones(2, dtype=t.int64).mul_(t.ones(2)),
        lambda t: t.ones(2, dtype=t.bool).sub_(t.ones(2, dtype=t.int32)),
    ],
)
def test_an_in_place_result_that_cannot_be_cast_names_the_types_as_torch(write):
    with pytest.raises(RuntimeError) as expected:
        write(torch)
    with pytest.raises(RuntimeError) as got:
        write(minitorch)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("op", ["exp_", "log_", "sigmoid_", "mul_", "zero_"])
def test_in_place_on_an_empty_tensor_is_allowed_as_in_torch(op):
    args = (2.0,) if op == "mul_" else ()
    expected = getattr(torch.ones(1, 0, 3), op)(*args)
    got = getattr(minitorch.ones(1, 0, 3), op)(*args)
    assert tuple(got.shape) == tuple(expected.shape) == (1, 0, 3)


def test_an_expanded_out_is_refused_before_it_is_resized():
    def call(t):
        return t.index_select(t.ones(3, 6), 1, t.tensor([0, 1]), out=t.zeros(1, 6).expand(2, 6))

    assert_same_outcome(call)


# ------------------------------------------------------------------ in-place view ops
def _node(t):
    return None if t.grad_fn is None else t.grad_fn.name()


@pytest.mark.parametrize(
    "change",
    [
        lambda x: x.t_(),
        lambda x: x.transpose_(0, 1),
        lambda x: x.swapaxes_(1, 0),
        lambda x: x.swapdims_(0, -1),
        lambda x: x.unsqueeze_(1),
        lambda x: x.unsqueeze(0).squeeze_(),
        lambda x: x.unsqueeze(0).squeeze_(0),
        lambda x: x.unsqueeze(0).unsqueeze(-1).squeeze_((0, 3)),
        lambda x: x.squeeze_(0),  # no size-1 dim: nothing changes, but the version moves
    ],
)
def test_inplace_view_ops_change_the_tensor_itself_as_pytorch(change):
    def program(t):
        a = t.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = a * 2
        changed = change(y)
        weights = t.arange(float(changed.numel())).reshape(changed.shape)
        (changed * weights).sum().backward()
        return [
            tuple(changed.shape),
            changed.stride(),
            changed._version,
            _node(changed),
            changed.is_contiguous(),
            _numpy(a.grad),
        ]

    _same_outcome(program)


@pytest.mark.parametrize(
    "change",
    [
        lambda x: x.t_(),  # a leaf that requires grad
        lambda x: x[0].unsqueeze_(0),  # a view of one
        lambda x: (x * 1).split(1)[0].squeeze_(0),  # one of several views
        lambda x: (x * 1).unsqueeze_(5),  # a dim out of range
        lambda x: (x * 1).unsqueeze(0).t_(),  # t_ of 3 dims
        lambda x: (x * 1).transpose_(0, 2),
    ],
)
def test_inplace_view_ops_refuse_what_pytorch_refuses(change):
    def program(t):
        return change(t.ones(2, 3, requires_grad=True))

    assert_same_outcome(program)


def test_inplace_view_ops_on_a_view_keep_it_a_view_of_its_base():
    def program(t):
        a = t.ones(2, 3, requires_grad=True)
        base = a * 2
        row, other = base[0], base[1]
        row.unsqueeze_(0)
        row.mul_(3)
        base.sum().backward()
        return [row._base is base, tuple(row.shape), _node(row), _node(other), _numpy(a.grad)]

    _same_outcome(program)


def test_inplace_view_ops_on_expanded_memory_and_detached_tensors():
    def program(t):
        expanded = t.ones(3, 1).expand(3, 4).t_()
        owner = t.ones(2, 3, requires_grad=True) * 1
        detached = owner.detach().t_()
        return [expanded.stride(), tuple(detached.shape), tuple(owner.shape), owner._version]

    _same_outcome(program)


def test_retain_grad_keeps_the_gradient_of_the_tensor_before_its_inplace_view_op():
    # PyTorch's retained gradient stays with the node the tensor had: the old shape
    def program(t):
        a = t.ones(2, 3, requires_grad=True)
        z = a * 1
        z.retain_grad()
        z.t_()
        (z * t.arange(6.0).view(3, 2)).sum().backward()
        return [_numpy(z.grad), _numpy(a.grad)]

    _same_outcome(program)


def test_a_tensor_reshaped_in_place_under_no_grad_is_refused_at_backward():
    def program(t):
        a = t.ones(2, 3, requires_grad=True)
        y = a * 2
        with t.no_grad():
            y.t_()
        y.sum().backward()

    assert_same_outcome(program)
