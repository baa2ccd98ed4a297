"""A one-element tensor as a Python number: formatting, conversions, indexing, math, numpy.

Every training script of the course prints ``"...{}".format(total_accuracy / size)``; a 0-d
tensor formats as its Python number in PyTorch. Each case runs on both libraries and must
give the same text, or raise the same exception class.
"""

# ruff: noqa: UP031, UP032 - %-format and str.format are the course's spellings, under test

import math
import operator

import numpy as np
import pytest
import torch

import minitorch

CASES = {
    "format_0d": lambda t: "{}".format(t.tensor(0.0923076942563057)),
    "format_accuracy": lambda t: "accuracy {}".format(t.tensor(12) / 130),
    "format_spec": lambda t: f"{t.tensor(0.5):.3f}",
    "format_spec_int": lambda t: f"{t.tensor(7):03d}",
    "format_bool": lambda t: f"{t.tensor(True)}",
    "format_float64": lambda t: "{}".format(t.tensor(1 / 3, dtype=t.float64)),
    "format_requires_grad": lambda t: "{}".format(t.tensor(1.5, requires_grad=True)),
    "format_1d_plain": lambda t: "{}".format(t.tensor([0.5])),
    "format_1d_spec": lambda t: f"{t.tensor([0.5]):.3f}",
    "format_parameter": lambda t: f"{t.nn.Parameter(t.tensor(1.5))}",
    "float_1d": lambda t: float(t.tensor([1.5])),
    "float_two_elements": lambda t: float(t.tensor([1.5, 2.0])),
    "int_truncates": lambda t: (int(t.tensor(2.7)), int(t.tensor(-2.7))),
    "int_two_elements": lambda t: int(t.tensor([1, 2])),
    "complex": lambda t: complex(t.tensor(1.5)),
    "index": lambda t: [1, 2, 3][t.tensor(1)],
    "index_1d": lambda t: [1, 2, 3][t.tensor([1])],
    "index_float": lambda t: [1, 2, 3][t.tensor(1.0)],
    "operator_index": lambda t: operator.index(t.tensor(2)),
    "range": lambda t: list(range(t.tensor(3))),
    "hex": lambda t: hex(t.tensor(255)),
    "round": lambda t: round(t.tensor(2.5)),
    "math_sqrt": lambda t: math.sqrt(t.tensor(4.0)),
    "math_floor": lambda t: math.floor(t.tensor(2.5)),
    "math_isclose": lambda t: math.isclose(t.tensor(0.1), 0.1),
    "percent_f": lambda t: "%.2f" % t.tensor(0.5),
    "percent_d": lambda t: "%d" % t.tensor(3),
    "bool_nan": lambda t: bool(t.tensor(float("nan"))),
    "bool_two_elements": lambda t: bool(t.tensor([1, 2])),
    "numpy_asarray": lambda t: repr(np.asarray(t.tensor(1.5))),
    "numpy_float": lambda t: repr(np.float64(t.tensor(1.5))),
}


def _outcome(case, t):
    try:
        return ("ok", case(t))
    except Exception as error:  # noqa: BLE001 - the class is what is compared
        return ("raised", type(error))


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
@pytest.mark.parametrize("name", sorted(CASES))
def test_one_element_tensors_act_as_pytorchs_numbers(name):
    want, got = _outcome(CASES[name], torch), _outcome(CASES[name], minitorch)
    assert got == want


def test_float_of_a_tensor_that_requires_grad_warns_as_pytorch():
    with pytest.warns(UserWarning, match="requires_grad=True to a scalar") as caught:
        value = float(minitorch.tensor(1.5, requires_grad=True))
    assert value == 1.5 and len(caught) == 1
