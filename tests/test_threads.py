"""``set_num_threads`` / ``get_num_threads`` as PyTorch's, and the kernels following them."""

import numba
import numpy as np
import pytest
import torch

import minitorch
from minitorch.kernels import _threads


@pytest.fixture
def restore_threads():
    before_torch, before_numba = torch.get_num_threads(), numba.get_num_threads()
    blas = [lib.get_num_threads() for lib in _threads._blas_libraries()]
    yield
    torch.set_num_threads(before_torch)
    # back to "never set": the split follows Numba's thread count again, as other tests expect
    _threads._requested_threads = None
    numba.set_num_threads(before_numba)
    for lib, count in zip(_threads._blas_libraries(), blas, strict=True):
        lib.set_num_threads(count)


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "2"])
def test_bad_thread_counts_raise_pytorchs_error(value, restore_threads):
    with pytest.raises(RuntimeError) as expected:
        torch.set_num_threads(value)
    with pytest.raises(RuntimeError) as raised:
        minitorch.set_num_threads(value)
    assert str(raised.value) == str(expected.value)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_the_count_set_is_the_count_got_and_the_kernels_split(count, restore_threads):
    minitorch.set_num_threads(count)
    assert minitorch.get_num_threads() == count
    assert _threads.num_threads() == count
    parts = _threads.over_batch(10, lambda start, stop: (start, stop))
    assert len(parts) == count and parts[0][0] == 0 and parts[-1][1] == 10


def test_a_convolution_gives_the_same_values_on_one_thread_and_two(restore_threads):
    rng = np.random.default_rng(0)
    x = minitorch.tensor(rng.standard_normal((4, 3, 8, 8)), dtype=minitorch.float32)
    w = minitorch.tensor(rng.standard_normal((5, 3, 3, 3)), dtype=minitorch.float32)
    results = []
    for count in (1, 2):
        minitorch.set_num_threads(count)
        results.append(minitorch.nn.functional.conv2d(x, w, padding=1).numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-5)
