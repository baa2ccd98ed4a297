"""The kernels' ways of cutting a small batch over threads give PyTorch's values.

A batch that does not divide evenly over the threads (one sample on two threads, three on
two) is cut into row tiles of each sample (convolution) or into planes (max pooling), and
a sample whose tiles went to several threads has its input gradient summed from theirs.
Each case runs forward and backward against PyTorch with 1, 2 and 3 threads. The shapes
are small, so the kernels' least work per thread (``PART_FLOPS``, ``PART_ELEMENTS``) is
set to nothing: every part, however small, gets a thread.
"""

import numba
import numpy as np
import pytest
import torch

import minitorch
from minitorch.kernels import _threads
from minitorch.kernels import conv as conv_kernels
from minitorch.kernels import pool as pool_kernels
from minitorch.testing import assert_parity

F32_SUMS = {"rtol": 1e-4, "atol": 1e-4}


@pytest.fixture
def threads(monkeypatch):
    """Set minitorch's thread count for one test (afterwards, back to "never set"), and
    split work however small."""
    monkeypatch.setattr(_threads, "PART_FLOPS", 0)
    monkeypatch.setattr(pool_kernels, "PART_ELEMENTS", 0)
    before_numba = numba.get_num_threads()
    blas = [lib.get_num_threads() for lib in _threads._blas_libraries()]
    yield minitorch.set_num_threads
    _threads._requested_threads = None
    numba.set_num_threads(before_numba)
    for lib, count in zip(_threads._blas_libraries(), blas, strict=True):
        lib.set_num_threads(count)


def _arrays(batch, channels, size, out_channels, kernel):
    rng = np.random.default_rng(batch * 100 + channels)
    x = rng.standard_normal((batch, channels, size, size)).astype(np.float32)
    w = rng.standard_normal((out_channels, channels, kernel, kernel)).astype(np.float32)
    b = rng.standard_normal(out_channels).astype(np.float32)
    return x, w, b


@pytest.mark.parametrize("count", [1, 2, 3])
@pytest.mark.parametrize("batch", [1, 2, 3, 5])
def test_conv2d_small_batches_on_several_threads(count, batch, threads):
    threads(count)
    x, w, b = _arrays(batch, 4, 9, 6, 3)
    assert_parity(
        lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, padding=1), x, w, b, **F32_SUMS
    )


@pytest.mark.parametrize("count", [2, 3])
def test_conv2d_strided_dilated_grouped_batch_of_one(count, threads):
    threads(count)
    x, w, b = _arrays(1, 4, 11, 6, 3)
    w = w[:, :2]  # two groups of two channels
    assert_parity(
        lambda t, x, w, b: t.nn.functional.conv2d(
            x, w, b, stride=2, padding=2, dilation=2, groups=2
        ),
        x,
        w,
        b,
        **F32_SUMS,
    )


@pytest.mark.parametrize("count", [2, 3])
def test_conv2d_weight_gradient_only_batch_of_one(count, threads):
    """The tutorial's first convolution: its input needs no gradient, only the weight's."""
    threads(count)
    x, w, _ = _arrays(1, 3, 12, 5, 5)
    x_t = minitorch.tensor(x)
    w_t = minitorch.tensor(w, requires_grad=True)
    minitorch.nn.functional.conv2d(x_t, w_t, padding=2).sum().backward()
    w_ref = torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(torch.tensor(x), w_ref, padding=2).sum().backward()
    np.testing.assert_allclose(w_t.grad.numpy(), w_ref.grad.numpy(), **F32_SUMS)


@pytest.mark.parametrize("count", [2, 3])
def test_conv2d_tiles_of_rows_shared_between_threads(count, threads, monkeypatch):
    """With a tiny im2col buffer every sample is cut into one-row tiles, and the tiles of
    one sample go to several threads in forward and in backward."""
    threads(count)
    monkeypatch.setattr(conv_kernels, "CHUNK_BYTES", 8)
    x, w, b = _arrays(2, 3, 7, 4, 3)
    assert_parity(
        lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, padding=1), x, w, b, **F32_SUMS
    )


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("kernel", [2, 3])
def test_max_pool2d_batch_of_one_split_over_planes(count, kernel, threads):
    threads(count)
    x = np.random.default_rng(kernel).standard_normal((1, 5, 8, 8)).astype(np.float32)
    assert_parity(lambda t, x: t.nn.functional.max_pool2d(x, kernel), x)


@pytest.mark.parametrize("count", [2, 3])
def test_the_kernels_split_small_batches(count, threads, monkeypatch):
    """The cases above are split as they say: a batch of one is cut into as many parts as
    there are threads, in forward and in backward."""
    threads(count)
    seen = []
    split = _threads.over_batch

    def recording(total, work, grain=1):
        results = split(total, work, grain)
        seen.append(len(results))
        return results

    monkeypatch.setattr(conv_kernels, "over_batch", recording)
    monkeypatch.setattr(pool_kernels, "over_batch", recording)
    x = minitorch.tensor(_arrays(1, 3, 12, 4, 3)[0], requires_grad=True)
    w = minitorch.tensor(_arrays(1, 3, 12, 4, 3)[1], requires_grad=True)
    y = minitorch.nn.functional.max_pool2d(minitorch.nn.functional.conv2d(x, w, padding=1), 2)
    y.sum().backward()
    assert seen == [count] * 4  # conv forward, pool forward, pool backward, conv backward


def test_tiny_work_stays_on_the_calling_thread():
    """Below the least work per thread nothing is handed to a worker."""
    assert _threads.over_batch(10, lambda start, stop: (start, stop), grain=10) == [(0, 10)]
    assert len(_threads.over_batch(10, lambda start, stop: (start, stop), grain=5)) == min(
        2, _threads.num_threads()
    )


def test_a_small_lone_sample_is_not_cut_into_tiles_for_the_threads():
    """A batch of one is cut into row tiles for the threads only when its work is worth them:
    at the default least work per part, the tutorial's batch-1 convolutions stay whole."""
    geo = conv_kernels.geometry((1, 32, 16, 16), (32, 32, 5, 5), (1, 1), (2, 2, 2, 2), (1, 1), 1)
    flops = 2 * 32 * geo.depth * geo.positions  # 13 MFLOP
    assert conv_kernels.tiling(geo, 1, 4, 2, flops).tiles_per_sample == 1
    assert conv_kernels.tiling(geo, 1, 4, 2, 2 * _threads.PART_FLOPS).tiles_per_sample == 2
    assert conv_kernels.tiling(geo, 2, 4, 2, flops).tiles_per_sample == 1  # evenly divided
