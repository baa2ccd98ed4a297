"""Zero-size and edge shapes against PyTorch: batch 0, one pixel, a kernel as large as the
padded input, and ``ceil_mode`` windows that start in the padding."""

from __future__ import annotations

import numpy as np
import pytest

from minitorch.testing import Input, assert_parity, assert_same_error

rng = np.random.default_rng(0)


def randn(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("shape", [(0, 3, 8, 8), (1, 3, 1, 1), (2, 1, 1, 1)])
def test_conv2d_batch_zero_and_single_pixel(shape: tuple[int, ...]) -> None:
    w, b = randn(4, shape[1], 1, 1), randn(4)
    assert_parity(lambda t, x, w, b: t.nn.functional.conv2d(x, w, b), randn(*shape), w, b)
    w3 = randn(4, shape[1], 3, 3)
    assert_parity(lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1), randn(*shape), w3)


@pytest.mark.parametrize("size, padding", [(5, 0), (3, 1), (1, 2), (4, 2)])
def test_conv2d_kernel_equal_to_padded_input(size: int, padding: int) -> None:
    kernel = size + 2 * padding
    x, w = randn(2, 2, size, size), randn(3, 2, kernel, kernel)
    assert_parity(lambda t, x, w: t.nn.functional.conv2d(x, w, padding=padding), x, w, atol=1e-4)


def test_conv2d_kernel_larger_than_padded_input_raises_as_pytorch() -> None:
    assert_same_error(
        lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1),
        randn(1, 1, 2, 2),
        randn(1, 1, 5, 5),
    )


@pytest.mark.parametrize(
    "size, kernel, stride, padding",
    [(5, 2, 2, 1), (6, 3, 2, 1), (4, 3, 3, 1), (7, 2, 3, 1), (1, 2, 2, 1), (2, 3, 2, 1)],
)
def test_max_pool2d_ceil_mode_windows_in_padding(
    size: int, kernel: int, stride: int, padding: int
) -> None:
    x = rng.permutation(2 * 3 * size * size).reshape(2, 3, size, size).astype(np.float32)
    assert_parity(
        lambda t, x: t.nn.functional.max_pool2d(x, kernel, stride, padding, ceil_mode=True), x
    )


@pytest.mark.parametrize("shape", [(0, 2, 4, 4), (1, 1, 1, 1), (3, 2, 1, 1)])
def test_max_pool2d_batch_zero_and_single_pixel(shape: tuple[int, ...]) -> None:
    assert_parity(lambda t, x: t.nn.functional.max_pool2d(x, 1), randn(*shape))
    assert_parity(
        lambda t, x: t.nn.functional.max_pool2d(x, 2, padding=1, ceil_mode=True), randn(*shape)
    )


@pytest.mark.parametrize("batch", [0, 1])
def test_linear_and_losses_batch_zero(batch: int) -> None:
    x, w, b = randn(batch, 5), randn(3, 5), randn(3)
    assert_parity(lambda t, x, w, b: t.nn.functional.linear(x, w, b), x, w, b)
    target = Input(np.zeros(batch, dtype=np.int64), requires_grad=False)
    for reduction in ("mean", "sum", "none"):
        assert_parity(
            lambda t, x, y, r=reduction: t.nn.functional.cross_entropy(x, y, reduction=r),
            randn(batch, 3),
            target,
        )
        assert_parity(
            lambda t, x, y, r=reduction: t.nn.functional.mse_loss(x, y, reduction=r),
            randn(batch, 3),
            randn(batch, 3),
        )


def test_linear_with_no_input_features_gives_the_bias() -> None:
    assert_parity(
        lambda t, x, w, b: t.nn.functional.linear(x, w, b), randn(4, 0), randn(3, 0), randn(3)
    )


@pytest.mark.parametrize("name", ["sum", "mean", "softmax", "log_softmax"])
def test_reductions_over_empty_dimension(name: str) -> None:
    fns = {
        "sum": lambda t, x: x.sum(dim=1),
        "mean": lambda t, x: x.mean(dim=1),
        "softmax": lambda t, x: t.softmax(x, dim=1),
        "log_softmax": lambda t, x: t.log_softmax(x, dim=1),
    }
    assert_parity(fns[name], randn(3, 0))
    assert_parity(fns[name], randn(0, 4))
