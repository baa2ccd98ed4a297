"""The direct float32 convolution (``minitorch.kernels._direct``) gives PyTorch's values.

It computes the forward pass of a float32, one-group convolution whose output channels are
a multiple of 16, on AVX-512 machines; elsewhere it is switched on here, where LLVM runs the
same code on narrower vectors. Each case checks that the direct kernel ran, and compares the
output and the gradients (which the im2col backward computes) with PyTorch's.
"""

from unittest import mock

import numba
import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

import minitorch
from minitorch.kernels import _direct, _threads
from minitorch.kernels import conv as conv_kernels
from minitorch.testing import assert_parity

F32_SUMS = {"rtol": 1e-4, "atol": 1e-4}


@pytest.fixture
def direct(monkeypatch):
    """Switch the direct kernel on, record its calls (kernel name, first and stop result),
    and let ``minitorch.set_num_threads(n)`` split any work."""
    monkeypatch.setattr(_direct, "ENABLED", True)
    calls = []
    for module, name in ((conv_kernels, "direct_forward_units"), (_direct, "weight_gradient_rows")):
        kernel = getattr(module, name)

        def counting(*args, kernel=kernel, name=name):
            calls.append((name, *args[-3:-1]))
            return kernel(*args)

        monkeypatch.setattr(module, name, counting)
    monkeypatch.setattr(_threads, "PART_FLOPS", 0)
    before_numba = numba.get_num_threads()
    blas = [lib.get_num_threads() for lib in _threads._blas_libraries()]
    yield calls
    _threads._requested_threads = None
    numba.set_num_threads(before_numba)
    for lib, count in zip(_threads._blas_libraries(), blas, strict=True):
        lib.set_num_threads(count)


def _kernels(calls):
    return {name for name, *_ in calls}


def _check(x_shape, out_channels, kernel, bias=True, seed=0, **options):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal((out_channels, x_shape[1], *kernel)).astype(np.float32)
    if not bias:
        return assert_parity(
            lambda t, x, w: t.nn.functional.conv2d(x, w, **options), x, w, **F32_SUMS
        )
    b = rng.standard_normal(out_channels).astype(np.float32)
    return assert_parity(
        lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, **options), x, w, b, **F32_SUMS
    )


CASES = {
    "tutorial conv1": ((2, 3, 32, 32), 32, (5, 5), {"padding": 2}),
    "tutorial conv2": ((3, 32, 16, 16), 32, (5, 5), {"padding": 2}),
    "tutorial conv3": ((2, 32, 8, 8), 64, (5, 5), {"padding": 2}),
    "fewer positions than a tile": ((2, 5, 7, 9), 16, (3, 3), {"stride": 2, "padding": 1}),
    "one position": ((1, 2, 3, 3), 128, (3, 3), {}),
    "five vectors of channels": ((2, 4, 6, 6), 80, (3, 3), {"padding": 1}),
    "strided, dilated rows": ((2, 4, 11, 10), 48, (3, 2), {"stride": (2, 1), "dilation": (2, 1)}),
    "dilated columns": ((1, 3, 10, 12), 32, (2, 3), {"dilation": (1, 2), "padding": (1, 2)}),
    "same padding, even kernel": ((2, 3, 9, 8), 16, (4, 4), {"padding": "same"}),
    "input gradient, same padding": ((2, 16, 7, 6), 32, (4, 3), {"padding": "same"}),
    "input gradient, padding past the kernel": ((1, 16, 5, 5), 16, (2, 2), {"padding": 3}),
}


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
def test_direct_convolution_matches_torch(case, threads, direct):
    minitorch.set_num_threads(threads)
    x_shape, out_channels, kernel, options = CASES[case]
    _check(x_shape, out_channels, kernel, **options)
    assert _kernels(direct) == {"direct_forward_units", "weight_gradient_rows"}


def test_direct_convolution_without_bias(direct):
    _check((2, 3, 8, 8), 32, (3, 3), bias=False, padding=1)
    assert _kernels(direct) == {"direct_forward_units", "weight_gradient_rows"}


def test_direct_convolution_spreads_nan_and_infinity(direct):
    x = np.random.default_rng(1).standard_normal((1, 2, 6, 6)).astype(np.float32)
    x[0, 0, 1, 1], x[0, 1, 4, 2] = np.nan, np.inf
    w = np.random.default_rng(2).standard_normal((16, 2, 3, 3)).astype(np.float32)
    assert_parity(lambda t, x, w: t.nn.functional.conv2d(x, w), x, w, grad=False)
    assert _kernels(direct) == {"direct_forward_units"}


def test_a_batch_of_one_is_cut_into_tiles_the_threads_share(direct):
    """Two threads: each computes one of the output's two row tiles in forward, and half the
    72 rows (kh, kw, c) of the packed weight gradient (three tiles of 12 each)."""
    minitorch.set_num_threads(2)
    _check((1, 8, 12, 12), 32, (3, 3), padding=1)
    assert sorted(call for call in direct if call[0] == "direct_forward_units") == [
        ("direct_forward_units", 0, 1),
        ("direct_forward_units", 1, 2),
    ]
    assert sorted(call for call in direct if call[0] == "weight_gradient_rows") == [
        ("weight_gradient_rows", 0, 36),
        ("weight_gradient_rows", 36, 72),
    ]


def test_the_weight_gradient_alone(direct):
    """The tutorial's first convolution: its input needs no gradient, only the weight's."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 12, 12)).astype(np.float32)
    w = rng.standard_normal((32, 3, 5, 5)).astype(np.float32)
    w_mt = minitorch.tensor(w, requires_grad=True)
    y_mt = minitorch.nn.functional.conv2d(minitorch.tensor(x), w_mt, padding=2)
    (y_mt * y_mt).sum().backward()
    w_torch = torch.tensor(w, requires_grad=True)
    y_torch = torch.nn.functional.conv2d(torch.tensor(x), w_torch, padding=2)
    (y_torch * y_torch).sum().backward()
    np.testing.assert_allclose(w_mt.grad.numpy(), w_torch.grad.numpy(), **F32_SUMS)
    assert _kernels(direct) == {"direct_forward_units", "weight_gradient_rows"}


def test_only_whole_vectors_of_float32_channels_take_the_direct_kernel(monkeypatch):
    monkeypatch.setattr(_direct, "ENABLED", True)
    assert _direct.fits(32, 1, np.dtype(np.float32))
    assert not _direct.fits(24, 1, np.dtype(np.float32))
    assert not _direct.fits(32, 2, np.dtype(np.float32))
    assert not _direct.fits(32, 1, np.dtype(np.float64))


@given(
    batch=st.integers(1, 3),
    channels=st.integers(1, 6),
    size=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    vectors=st.integers(1, 5),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    threads=st.integers(1, 2),
)
@example(batch=1, channels=1, size=(1, 1), vectors=1, kernel=(1, 1), stride=(1, 1),
         dilation=(1, 1), padding=(0, 0), threads=1)  # fmt: skip
def test_direct_convolution_property(
    batch, channels, size, vectors, kernel, stride, dilation, padding, threads
):
    """Any float32 convolution with whole vectors of output channels matches PyTorch."""
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel, strict=True)]
    if any(s + 2 * p < r for s, p, r in zip(size, padding, reach, strict=True)):
        return  # no output position
    before = _threads._requested_threads
    minitorch.set_num_threads(threads)
    spy = mock.patch.object(
        conv_kernels, "direct_forward_units", wraps=conv_kernels.direct_forward_units
    )
    try:
        with mock.patch.object(_direct, "ENABLED", True), spy as forward_units:
            _check((batch, channels, *size), 16 * vectors, kernel, stride=stride,
                   dilation=dilation, padding=padding)  # fmt: skip
    finally:
        _threads._requested_threads = before
    assert forward_units.called


def test_an_empty_batch_matches_torch(direct):
    """An empty batch takes the im2col way, whose empty output and zero weight gradient are
    PyTorch's (the direct kernel's sums would have no terms)."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((0, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((32, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    assert_parity(lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, padding=1), x, w, b)
    assert not direct
