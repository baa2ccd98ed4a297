"""``F.adaptive_avg_pool2d`` and ``nn.AdaptiveAvgPool2d`` against PyTorch: values and gradients
for any input and output sizes (outputs larger than inputs, sizes that do not divide, None
entries, unbatched inputs), PyTorch's bit-exact float32 loops, and its errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import assert_parity, assert_same_error
from minitorch.testing.strategies import arrays, float_dtypes, transposed

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)


def randn(*shape: int, dtype: type = np.float32) -> np.ndarray:
    return rng.standard_normal(shape).astype(dtype)


def pool(output_size):
    return lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, output_size)


@st.composite
def pooling_cases(draw: st.DrawFn) -> tuple[tuple[int, ...], object]:
    """An input shape (3-D or 4-D, planes up to 9x9) and an output_size: an int, or a pair
    of ints (up to 11, so larger than the input too) and None."""
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    channels = draw(st.integers(1, 3))
    height, width = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    side = st.integers(1, 11)
    output_size = draw(
        st.one_of(side, st.tuples(st.one_of(side, st.none()), st.one_of(side, st.none())))
    )
    return (*batch, channels, height, width), output_size


@given(case=pooling_cases(), dtype=float_dtypes(), data=st.data())
@example(case=((1, 512, 1, 1), (7, 7)), dtype=np.dtype(np.float32), data=None)  # VGG at 32x32
@example(case=((2, 3, 5, 7), (3, 2)), dtype=np.dtype(np.float64), data=None)  # overlaps
@example(case=((3, 4, 4), (None, 3)), dtype=np.dtype(np.float32), data=None)
@example(case=((2, 3, 5, 7), 1), dtype=np.dtype(np.float32), data=None)  # PyTorch's mean path
def test_values_and_gradients_match_pytorch(case, dtype, data) -> None:
    shape, output_size = case
    x = randn(*shape, dtype=dtype) if data is None else data.draw(arrays(shape, dtype))
    assert_parity(pool(output_size), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, output_size",
    [((2, 3, 10, 9), (4, 5)), ((1, 4, 3, 3), (5, 8)), ((2, 2, 13, 17), (6, 4)), ((1, 3, 7, 7), 7)],
)
def test_values_and_gradients_are_pytorchs_to_the_bit(shape, output_size, dtype) -> None:
    """The loops sum in the input's dtype in PyTorch's order and divide by the window's
    height, then its width, as PyTorch's CPU kernel does: nothing rounds differently."""
    assert_parity(pool(output_size), randn(*shape, dtype=dtype), atol=0, rtol=0)


def test_a_transposed_input() -> None:
    x = randn(2, 3, 6, 5)
    assert_parity(lambda t, x: t.nn.functional.adaptive_avg_pool2d(x.mT, (4, 3)), transposed(x))


@pytest.mark.parametrize("output_size", [(7, 7), 3, (None, 3), [2, 3]])
def test_the_layer_matches_pytorch_and_prints_as_pytorch(output_size) -> None:
    assert_parity(lambda t, x: t.nn.AdaptiveAvgPool2d(output_size)(x), randn(2, 3, 8, 9))
    mini = repr(minitorch.nn.AdaptiveAvgPool2d(output_size))
    assert mini == repr(torch.nn.AdaptiveAvgPool2d(output_size))


def test_batch_zero_and_empty_channels() -> None:
    assert_parity(pool(3), randn(0, 2, 4, 5))
    assert_parity(pool((2, 3)), randn(2, 0, 4, 5), grad=False)
    assert_parity(pool(3), randn(0, 4, 5))


def test_an_output_size_of_zero_is_empty_and_has_no_backward() -> None:
    """PyTorch allows a 0 in output_size in forward, and its backward then refuses."""
    assert_parity(pool((0, 2)), randn(2, 3, 4, 4), grad=False)
    for output_size, shape in [((0, 2), (2, 3, 4, 4)), ((2, 0), (3, 4, 4)), (2, (2, 0, 4, 4))]:
        x = minitorch.randn(*shape, requires_grad=True)
        out = minitorch.nn.functional.adaptive_avg_pool2d(x, output_size)
        reference = torch.nn.functional.adaptive_avg_pool2d(
            torch.randn(*shape, requires_grad=True), output_size
        )
        with pytest.raises(RuntimeError) as expected:
            reference.sum().backward()
        with pytest.raises(RuntimeError) as raised:
            out.sum().backward()
        assert str(raised.value) == str(expected.value)


def test_an_input_written_in_place_after_forward_is_refused_at_backward() -> None:
    x = minitorch.randn(1, 2, 5, 5, requires_grad=True)
    y = x * 1
    out = minitorch.nn.functional.adaptive_avg_pool2d(y, 2)
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_the_gradient_node_is_pytorchs() -> None:
    x = minitorch.randn(1, 2, 5, 5, requires_grad=True)
    f = minitorch.nn.functional.adaptive_avg_pool2d
    assert type(f(x, 2).grad_fn).__name__ == "AdaptiveAvgPool2DBackward0"
    assert type(f(x, 1).grad_fn).__name__ == "MeanBackward1"  # PyTorch takes the mean there


def test_output_size_one_takes_the_mean_path_for_any_dims() -> None:
    """With output (1, 1) PyTorch takes a mean over the last two dims, without the pooling's
    checks: a 2-D or 5-D input works, a 1-D one fails as mean does."""
    assert_parity(pool(1), randn(5, 7))
    assert_parity(pool((1, 1)), randn(2, 3, 4, 5, 6))
    assert_same_error(pool(1), randn(7))


# (what, output_size, input, the start of PyTorch's message)
ERRORS = [
    ("three sizes", (1, 2, 3), randn(2, 3, 5, 7), "adaptive_avg_pool2d: output_size must be 2"),
    ("one size", (4,), randn(2, 3, 5, 7), "adaptive_avg_pool2d: output_size must be 2"),
    ("no sizes", (), randn(2, 3, 5, 7), "adaptive_avg_pool2d: output_size must be 2"),
    ("negative", -1, randn(2, 3, 5, 7), "adaptive_avg_pool2d: elements of output_size must be"),
    ("negative with None", (None, -1), randn(2, 3, 5, 7), r"but received \{5, -1\}"),
    ("float", 2.0, randn(2, 3, 5, 7), "object of type 'float' has no len()"),
    ("None", None, randn(2, 3, 5, 7), "object of type 'NoneType' has no len()"),
    ("float in a pair", (2.0, 3), randn(2, 3, 5, 7), "found element of type float at pos 0"),
    ("str in a pair", (2, "a"), randn(2, 3, 5, 7), "failed to unpack the object at pos 2 with"),
    ("bool", True, randn(2, 3, 5, 7), "must be tuple of ints, not bool"),
    ("bool first", (True, 2), randn(2, 3, 5, 7), "found element of type bool at pos 0"),
    ("pair for a 2-D input", (None, 3), randn(5, 7), "Input dimension should be at least 3"),
    ("three for a 3-D input", (1, 2, 3), randn(3, 5, 7), "Input dimension should be at least 4"),
    ("2-D input", 3, randn(5, 7), r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor, but got"),
    ("5-D input", 3, randn(1, 2, 3, 4, 5), r"Expected 3D or 4D tensor, but got \[1, 2, 3, 4, 5\]"),
    ("empty plane", 3, randn(2, 2, 0, 5), "with dimension 2 being empty"),
    ("empty 3-D plane", 3, randn(2, 0, 5), "with dimension 1 being empty"),
    ("integer input", 3, np.arange(24).reshape(2, 3, 4), "not implemented for 'Long'"),
    ("integer mean", 1, np.arange(6).reshape(1, 2, 3), r"mean\(\): could not infer output dtype"),
]


@pytest.mark.parametrize(
    "output_size, x, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors_are_pytorchs(output_size, x, message) -> None:
    error = assert_same_error(pool(output_size), x)
    with pytest.raises(error, match=message):
        pool(output_size)(minitorch, minitorch.tensor(x))
    with pytest.raises(error, match=message):
        pool(output_size)(torch, torch.tensor(x))


def test_integer_likes_are_accepted_as_pytorch_accepts_them() -> None:
    for output_size in [(np.int64(2), 3), (2, True), [2, 3]]:
        assert_parity(pool(output_size), randn(2, 3, 5, 7))
    x = randn(2, 3, 5, 7)
    expected = torch.nn.functional.adaptive_avg_pool2d(torch.tensor(x), (torch.tensor(2), 3))
    got = minitorch.nn.functional.adaptive_avg_pool2d(minitorch.tensor(x), (minitorch.tensor(2), 3))
    assert got.shape == tuple(expected.shape)


def test_a_non_tensor_input_fails_as_in_pytorch() -> None:
    for f in (torch.nn.functional.adaptive_avg_pool2d, minitorch.nn.functional.adaptive_avg_pool2d):
        with pytest.raises(AttributeError, match="'list' object has no attribute 'size'"):
            f([1.0], 3)
