"""``minitorch.autograd.gradcheck``: passes for correct gradients, catches a wrong backward."""

import numpy as np
import pytest
from hypothesis import given, settings

import minitorch
from minitorch.autograd import Function, gradcheck
from minitorch.autograd.gradcheck import GradcheckError
from minitorch.testing.strategies import arrays, shapes, tensors


def double(*shape: int, low: float = -2.0, seed: int = 0) -> minitorch.Tensor:
    values = np.random.default_rng(seed).uniform(low, 2.0, shape)
    return minitorch.tensor(values, requires_grad=True)


class SquareWithWrongBackward(Function):
    """x^2 whose backward forgets the factor 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


class SquareWithRightBackward(SquareWithWrongBackward):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * grad * x


CHECKED = [
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 4)]),
    ("softmax", lambda a: a.softmax(-1), [(3, 4)]),
    ("log_softmax", lambda a: a.log_softmax(0), [(3, 4)]),
    ("logsumexp", lambda a: a.logsumexp((0, 1)), [(2, 3)]),
    ("var_std", lambda a: (a.var(0), a.std(1, keepdim=True)), [(3, 4)]),
    ("prod", lambda a: a.prod(1), [(2, 3)]),
    (
        "index_and_gather",
        lambda a: a[[0, 0, 1], 1:] * a.gather(1, minitorch.tensor([[0], [2]]))[0],
        [(2, 3)],
    ),
    (
        "views",
        lambda a: a.t().reshape(6).view(2, 3).permute(1, 0).unsqueeze(0).expand(2, 3, 2),
        [(2, 3)],
    ),
    (
        "cat_stack_split",
        lambda a, b: minitorch.stack(minitorch.cat([a, b]).split(2)),
        [(2, 3), (2, 3)],
    ),
    ("elementwise", lambda a, b: (a * b).tanh() / (1 + b.exp()) - a.sigmoid() ** 2, [(3,), (2, 3)]),
    ("repeat_flip", lambda a: a.repeat(2, 1).flip(0), [(2, 3)]),
    ("masked", lambda a: a.masked_fill(a > 0.5, 0.0).masked_select(a < 1.0), [(2, 3)]),
    ("setitem", lambda a: _overwrite_row(a), [(2, 3)]),
]


def _overwrite_row(a):
    out = a * 2
    out[1] = a[0].exp()
    return out


@pytest.mark.parametrize(("name", "fn", "input_shapes"), CHECKED, ids=[c[0] for c in CHECKED])
def test_gradcheck_passes_for_correct_gradients(name, fn, input_shapes):
    inputs = [double(*shape, seed=i) for i, shape in enumerate(input_shapes)]
    assert gradcheck(fn, inputs)


@settings(max_examples=10)
@given(
    x=tensors(
        shapes(max_dims=3, max_elements=12), np.float64, requires_grad=True, min_magnitude=0.1
    )
)
def test_gradcheck_passes_on_drawn_inputs(x):
    assert gradcheck(lambda a: (a.abs().sqrt() * a.tanh()).sum(-1), (x,))


def test_gradcheck_catches_a_wrong_backward():
    x = double(2, 2, low=0.5)
    with pytest.raises(
        GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"
    ):
        gradcheck(SquareWithWrongBackward.apply, (x,))
    assert gradcheck(SquareWithWrongBackward.apply, (x,), raise_exception=False) is False
    assert gradcheck(SquareWithRightBackward.apply, (x,))
    assert issubclass(GradcheckError, RuntimeError)


def test_the_error_names_the_worst_element():
    x = minitorch.tensor([1.0, 3.0], dtype=minitorch.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"element 1.*numerical 6.*analytical 3"):
        gradcheck(SquareWithWrongBackward.apply, x)


def test_non_float_outputs_and_non_tensor_arguments_are_skipped():
    x = double(3)
    assert gradcheck(lambda a, k: (a * k, a.argmax()), (x, 3))


def test_an_output_that_ignores_an_input():
    x, y = double(2), double(2, seed=1)
    assert gradcheck(lambda a, b: a.exp(), (x, y))


def test_inputs_must_require_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda a: a * 2, (minitorch.ones(2, dtype=minitorch.float64),))


def test_float32_inputs_warn():
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        assert gradcheck(lambda a: a * 2, (x,), eps=1e-2, atol=1e-3, rtol=1e-3)


def test_tolerances_are_keyword_only():
    x = double(2)
    with pytest.raises(TypeError):
        gradcheck(lambda a: a * 2, (x,), 1e-6)  # as in PyTorch, eps is keyword-only
    assert gradcheck(lambda a: a * 2, (x,), eps=1e-4, atol=1e-4, rtol=1e-2)


@given(
    x=arrays(
        shapes(min_dims=1, max_dims=2, max_elements=6), np.int64, low=-20, high=20, distinct=True
    )
)
@settings(max_examples=10)
def test_gradcheck_of_max_with_distinct_values(x):
    # Values at least 0.25 apart: a finite-difference step cannot change which one is largest.
    t = minitorch.tensor(x / 4.0, requires_grad=True)
    assert gradcheck(lambda a: (a.max(), a.amax(-1), a.max(0).values), (t,))


def test_gradcheck_agrees_with_pytorch_on_a_custom_function():
    torch = pytest.importorskip("torch")

    class TorchWrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x

    values = np.array([0.5, 1.5, -2.0])
    ours = gradcheck(
        SquareWithWrongBackward.apply,
        (minitorch.tensor(values, requires_grad=True),),
        raise_exception=False,
    )
    theirs = torch.autograd.gradcheck(
        TorchWrong.apply, (torch.tensor(values, requires_grad=True),), raise_exception=False
    )
    assert ours is theirs is False
