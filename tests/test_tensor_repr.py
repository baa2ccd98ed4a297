"""``repr`` of tensors and ``set_printoptions``, compared character for character with PyTorch."""

from collections.abc import Iterator

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch._tensor_str import set_printoptions

nan, inf = np.nan, np.inf
rng = np.random.default_rng(0)

CASES = {
    # 0-d
    "scalar_float": np.array(3.25, dtype=np.float32),
    "scalar_int_valued": np.array(2.0, dtype=np.float32),
    "scalar_int64": np.array(-7),
    "scalar_bool": np.array(True),
    "scalar_nan": np.array(nan, dtype=np.float32),
    "scalar_sci": np.array(1.5e-7),
    # 1-d
    "floats": np.array([1.0, 2.5, -3.125], dtype=np.float32),
    "int_valued_floats": np.array([1.0, -20.0, 300.0], dtype=np.float32),
    "zeros": np.zeros(4, dtype=np.float32),
    "negative_zero": np.array([-0.0, 1.0], dtype=np.float32),
    "precision_rounding": np.array([0.123456, 1.99999, 2.00004], dtype=np.float32),
    "sci_ratio": np.array([1.0, 2000.0, 0.5], dtype=np.float32),
    "sci_large": np.array([1.0e9, 2.0e9], dtype=np.float64),
    "sci_small": np.array([1.0e-5, 3.0e-5], dtype=np.float64),
    "sci_negative": np.array([-1.5e10, 2.0, 0.0]),
    "int_valued_sci": np.array([1.0, 1.0e10]),
    "nan_inf_only": np.array([nan, inf, -inf], dtype=np.float32),
    "nan_inf_ints": np.array([nan, 1.0, -inf, 0.0, 12.0], dtype=np.float32),
    "nan_inf_fractions": np.array([nan, 1.5, inf], dtype=np.float32),
    "nan_inf_sci": np.array([nan, 1.0e-8, -inf, 3.0]),
    "float16": np.array([0.1, 65504.0, -2.0], dtype=np.float16),
    "float16_small": np.array([1.0e-3, 6.0e-5], dtype=np.float16),
    "float64": np.array([np.pi, np.e]),
    "int64": np.array([1, -200, 30]),
    "int32": np.array([5, -6, 700000], dtype=np.int32),
    "uint8": np.array([0, 255, 17], dtype=np.uint8),
    "int16_matrix": np.array([[-300, 127], [5, 0]], dtype=np.int16),
    "int8": np.array([-128, 127, 5], dtype=np.int8),
    "bool": np.array([True, False, True]),
    "long_row_wraps": np.linspace(-1, 1, 40, dtype=np.float32),
    "long_int_row_wraps": np.arange(100),
    "wide_values_wrap": np.array([123456.789] * 12),
    # 2-d .. 4-d
    "matrix": rng.standard_normal((3, 4)).astype(np.float32),
    "matrix_float64": rng.standard_normal((2, 3)),
    "matrix_int": np.arange(-6, 6).reshape(3, 4),
    "matrix_bool": rng.random((2, 5)) > 0.5,
    "matrix_wraps": rng.standard_normal((3, 15)).astype(np.float32),
    "single_column": np.arange(4.0, dtype=np.float32).reshape(4, 1),
    "cube": rng.standard_normal((2, 3, 4)).astype(np.float32),
    "cube_uint8": rng.integers(0, 256, (2, 2, 3)).astype(np.uint8),
    "four_d": rng.standard_normal((2, 2, 2, 3)),
    "four_d_int32": np.arange(24, dtype=np.int32).reshape(2, 3, 2, 2),
    "four_d_sci": (rng.standard_normal((2, 1, 2, 2)) * 1e6).astype(np.float32),
    # summarized (> 1000 elements)
    "summarized_vector": np.arange(2000, dtype=np.float32) / 7,
    "summarized_ints": np.arange(1001),
    "summarized_matrix": rng.standard_normal((40, 50)).astype(np.float32),
    "summarized_short_rows": np.arange(3000.0).reshape(1000, 3),
    "summarized_3d": rng.standard_normal((10, 20, 30)),
    "summarized_edges_decide_width": np.concatenate([np.ones(3), np.full(1000, 1.0e9), np.ones(3)]),
    "summarized_bool": np.arange(1200).reshape(30, 40) % 3 == 0,
    # empty
    "empty_vector": np.zeros(0, dtype=np.float32),
    "empty_matrix": np.zeros((0, 3), dtype=np.float32),
    "empty_int64": np.zeros((2, 0), dtype=np.int64),
    "empty_float64": np.zeros(0),
    "empty_3d_bool": np.zeros((1, 0, 2), dtype=bool),
}


def assert_same_repr(t: minitorch.Tensor, expected: torch.Tensor) -> None:
    assert repr(t) == repr(expected).replace("torch.", "minitorch.")


@pytest.fixture(autouse=True)
def default_print_options() -> Iterator[None]:
    yield
    set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name: str) -> None:
    array = CASES[name]
    assert_same_repr(minitorch.tensor(array), torch.tensor(array))


@pytest.mark.parametrize(
    "name", ["scalar_float", "floats", "matrix_float64", "summarized_matrix", "empty_matrix"]
)
def test_requires_grad_suffix(name: str) -> None:
    array = CASES[name]
    assert_same_repr(minitorch.tensor(array).requires_grad_(), torch.tensor(array).requires_grad_())


@pytest.mark.parametrize(
    "name", ["scalar_float", "floats", "float64", "float16_small", "matrix_wraps", "long_row_wraps"]
)
def test_grad_fn_suffix(name: str) -> None:
    array = CASES[name]
    assert_same_repr(
        minitorch.tensor(array).requires_grad_() * 2, torch.tensor(array).requires_grad_() * 2
    )


@pytest.mark.parametrize("length", range(5, 12))
def test_suffixes_wrap_like_torch(length: int) -> None:
    # depending on the last line's length, dtype and grad_fn share it, move down, or split
    array = np.linspace(0, 1, length)
    assert_same_repr(
        minitorch.tensor(array).requires_grad_() * 2, torch.tensor(array).requires_grad_() * 2
    )


@pytest.mark.parametrize(
    "options",
    [
        {"precision": 2},
        {"precision": 8},
        {"threshold": 5},
        {"edgeitems": 1, "threshold": 10},
        {"edgeitems": 0, "threshold": 10},
        {"linewidth": 40},
        {"sci_mode": True},
        {"sci_mode": False},
        {"profile": "short"},
        {"profile": "full"},
    ],
    ids=str,
)
@pytest.mark.parametrize(
    "name", ["floats", "sci_ratio", "matrix_int", "cube", "summarized_vector", "summarized_matrix"]
)
def test_set_printoptions_matches_torch(options: dict, name: str) -> None:
    array = CASES[name]
    set_printoptions(**options)
    torch.set_printoptions(**options)
    assert_same_repr(minitorch.tensor(array), torch.tensor(array))


@pytest.mark.parametrize("name", ["floats", "float64", "empty_vector", "empty_float64"])
def test_dtype_suffix_follows_default_dtype(name: str) -> None:
    array = CASES[name]
    minitorch.set_default_dtype(minitorch.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert_same_repr(minitorch.tensor(array), torch.tensor(array))
    finally:
        minitorch.set_default_dtype(minitorch.float32)
        torch.set_default_dtype(torch.float32)


def test_profile_default_restores_defaults() -> None:
    array = CASES["summarized_vector"]
    set_printoptions(precision=1, threshold=3, edgeitems=1, linewidth=20, sci_mode=True)
    set_printoptions(profile="default")
    assert_same_repr(minitorch.tensor(array), torch.tensor(array))


float_arrays = st.sampled_from([np.float16, np.float32, np.float64]).flatmap(
    lambda dtype: hnp.arrays(
        dtype,
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
        elements=st.floats(width=np.dtype(dtype).itemsize * 8, allow_subnormal=False),
    )
)


@given(float_arrays)
def test_random_float_arrays_match_torch(array: np.ndarray) -> None:
    assert_same_repr(minitorch.tensor(array), torch.tensor(array))
