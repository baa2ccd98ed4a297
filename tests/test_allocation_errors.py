"""Memory that cannot be had: PyTorch's RuntimeError, never numpy's MemoryError.

PyTorch's CPU allocator raises ``RuntimeError: ... DefaultCPUAllocator: can't allocate memory:
you tried to allocate N bytes``; a shape whose byte count overflows int64 is refused before
allocating, and a size beyond int64 is a TypeError of the argument parser. Every size asked
for here is beyond any machine's address space (2**50 bytes and up), so the allocation fails
at once even where the kernel overcommits memory.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import minitorch
from minitorch.autograd import Function

HUGE = 2**48  # float32 elements: 2**50 bytes

CREATIONS = {
    "empty": lambda m: m.empty(HUGE),
    "zeros": lambda m: m.zeros(2**24, 2**24),
    "ones": lambda m: m.ones(HUGE),
    "full": lambda m: m.full((HUGE,), 1.5),
    "rand": lambda m: m.rand(HUGE),
    "randn": lambda m: m.randn(HUGE),
    "randint": lambda m: m.randint(0, 5, (HUGE,)),
    "randperm": lambda m: m.randperm(HUGE),
    "eye": lambda m: m.eye(2**25),
    "arange": lambda m: m.arange(HUGE),
    "linspace": lambda m: m.linspace(0, 1, HUGE),
    "zeros_like": lambda m: m.zeros_like(m.ones(1).expand(HUGE)),
    "broadcast_mul": lambda m: m.ones(2**24, 1) * m.ones(1, 2**24),
    "expand_contiguous": lambda m: m.ones(1).expand(HUGE).contiguous(),
    "matmul": lambda m: m.ones(2**24, 1).matmul(m.ones(1, 2**24)),
}

REFUSED_BEFORE_ALLOCATING = {
    "storage_overflow": lambda m: m.empty(2**62),
    "storage_overflow_2d": lambda m: m.zeros(2**31, 2**31),
    "size_beyond_int64": lambda m: m.zeros(1, 2**63),
    "negative_beyond_int64": lambda m: m.ones(-(2**63) - 1),
    "eye_negative_n": lambda m: m.eye(-1),
    "eye_negative_m": lambda m: m.eye(2, -1),
    "linspace_negative_steps": lambda m: m.linspace(0, 3, -1),
    "arange_to_inf": lambda m: m.arange(0, float("inf"), 2),
    "arange_to_nan": lambda m: m.arange(0, float("nan")),
}

ALLOCATOR_MESSAGE = re.compile(r"DefaultCPUAllocator: can't allocate memory: you tried to allocate")


def first_line(error: Exception) -> str:
    return str(error).splitlines()[0].rstrip(' "')


def raised(make, module):
    with pytest.raises(Exception) as info:
        make(module)
    return info.value


@pytest.mark.parametrize("name", CREATIONS)
def test_out_of_memory_is_pytorchs_runtime_error(name):
    expected = raised(CREATIONS[name], torch)
    error = raised(CREATIONS[name], minitorch)
    assert type(expected) is RuntimeError and isinstance(error, RuntimeError), (name, error)
    assert ALLOCATOR_MESSAGE.search(str(expected)), expected
    assert ALLOCATOR_MESSAGE.search(str(error)), error
    assert re.search(r"allocate \d+ bytes", str(error)), error


@pytest.mark.parametrize("name", REFUSED_BEFORE_ALLOCATING)
def test_sizes_pytorch_refuses_before_allocating(name):
    expected = raised(REFUSED_BEFORE_ALLOCATING[name], torch)
    error = raised(REFUSED_BEFORE_ALLOCATING[name], minitorch)
    assert type(error) is type(expected), (name, expected, error)
    # PyTorch appends its C++ location to some messages (inside the closing quote)
    assert first_line(error) == first_line(expected), (expected, error)


class AllocatesInBackward(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return np.empty(HUGE, np.float32)


def test_out_of_memory_in_backward_is_a_runtime_error():
    x = minitorch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=ALLOCATOR_MESSAGE):
        AllocatesInBackward.apply(x).sum().backward()
    assert x.grad is None


def test_allocation_error_names_the_bytes_asked_for():
    with pytest.raises(RuntimeError) as info:
        minitorch.empty(HUGE, dtype=minitorch.uint8)
    assert f"you tried to allocate {HUGE} bytes" in str(info.value)
