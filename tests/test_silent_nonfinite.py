"""inf and nan come out silently, as in PyTorch: no numpy RuntimeWarning reaches the user.

Each case runs forward and, where it can, backward, on minitorch and on PyTorch, with every
RuntimeWarning turned into an error; float results must also agree (nan where PyTorch has
nan). A float cast to an integer is undefined in C, so only the silence is checked there.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minitorch

INF, NAN = float("inf"), float("nan")

CASES = {
    "exp overflow": lambda t, v: v([100.0, 1000.0]).exp(),
    "softmax of a -inf row": lambda t, v: t.nn.functional.softmax(v([[-INF, -INF], [1.0, 2.0]]), 1),
    "log_softmax of a -inf row": lambda t, v: t.nn.functional.log_softmax(
        v([[-INF, -INF], [1.0, 2.0]]), 1
    ),
    "mse_loss(inf, inf)": lambda t, v: t.nn.functional.mse_loss(v([INF]), t.tensor([INF])),
    "inf * 0": lambda t, v: v([INF, 1.0]) * 0,
    "inf * zero tensor": lambda t, v: v([INF, 1.0]) * t.tensor([0.0, 2.0]),
    "inf - inf": lambda t, v: v([INF]) - INF,
    "0 ** -0.5": lambda t, v: v([0.0, 4.0]) ** -0.5,
    "matmul with inf": lambda t, v: v([[INF, 0.0]]) @ t.tensor([[0.0], [1.0]]),
    "linear with inf": lambda t, v: t.nn.functional.linear(v([[INF, 0.0]]), t.tensor([[0.0, 1.0]])),
    "conv2d with inf": lambda t, v: t.nn.functional.conv2d(
        v([[[[INF, 0.0], [0.0, 1.0]]]]), t.zeros(1, 1, 1, 1)
    ),
    "tensor([1e39])": lambda t, v: t.tensor([1e39]),
    "float16 overflow": lambda t, v: t.tensor([60000.0], dtype=t.float16) * 2,
    "sum overflow": lambda t, v: t.tensor([3e38, 3e38]).sum(),
    "prod overflow": lambda t, v: t.tensor([1e30, 1e30]).prod(),
    "mean of nothing": lambda t, v: t.tensor([]).mean(),
    "logsumexp of inf and -inf": lambda t, v: v([INF, -INF]).logsumexp(0),
    "inf + -inf gradients": lambda t, v: (v([1.0]) * INF).sum() + (v([1.0]) * -INF).sum(),
}
CASTS = {
    "nan to int64": lambda t: t.tensor([INF, NAN, 1e20]).long(),
    "nan to int32": lambda t: t.tensor([INF, NAN, 1e20]).int(),
    "nan to uint8": lambda t: t.tensor([INF, NAN, 1e20, -1.0]).byte(),
}


def _run(lib, case):
    """Forward output and the leaves' gradients, with RuntimeWarnings raised as errors."""
    leaves = []

    def leaf(values):
        x = lib.tensor(values, requires_grad=True)
        leaves.append(x)
        return x

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = case(lib, leaf)
        if out.requires_grad:
            out.sum().backward()
    grads = [x.grad.detach().numpy() if x.grad is not None else None for x in leaves]
    return out.detach().numpy(), grads


@pytest.mark.parametrize("name", CASES)
def test_non_finite_results_are_silent_and_match_pytorch(name):
    want, want_grads = _run(torch, CASES[name])
    got, got_grads = _run(minitorch, CASES[name])
    np.testing.assert_allclose(got, want, rtol=1e-6, equal_nan=True)
    for g, w in zip(got_grads, want_grads, strict=True):
        assert (g is None) == (w is None)
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("name", CASTS)
def test_casting_non_finite_floats_to_integers_is_silent(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = CASTS[name](minitorch)
    want = CASTS[name](torch)
    assert str(out.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert tuple(out.shape) == tuple(want.shape)
