"""Python-level rules PyTorch has that a reimplementation easily gets wrong: comparing a tensor
with a non-number, the seeds ``manual_seed`` takes, repeating ``requires_grad_()``.

Each case runs on both libraries and must give the same result or the same exception class.
"""

import pytest
import torch

import minitorch


@pytest.fixture(autouse=True)
def _keep_rng_state():
    """The seed cases reseed both libraries: later tests get the state they had."""
    states = torch.get_rng_state(), minitorch.get_rng_state()
    yield
    torch.set_rng_state(states[0])
    minitorch.set_rng_state(states[1])


def _outcome(case, t):
    try:
        return ("ok", case(t))
    except Exception as error:  # noqa: BLE001 - the class is what is compared
        return ("raised", type(error))


CASES = {
    "eq_none": lambda t: t.tensor([1.0, 2.0]) == None,  # noqa: E711 - the protocol under test
    "ne_none": lambda t: t.tensor([1.0, 2.0]) != None,  # noqa: E711
    "eq_string": lambda t: t.tensor([1.0, 2.0]) == "a",
    "lt_none": lambda t: t.tensor([1.0, 2.0]) < None,
    "eq_function_none": lambda t: t.eq(t.tensor([1.0]), None),
    "in_list": lambda t: t.tensor(2.0) in [None, "a"],
    "seed_negative": lambda t: (t.manual_seed(-5), t.initial_seed())[1],
    "seed_most_negative": lambda t: (t.manual_seed(-(2**63)), t.initial_seed())[1],
    "seed_largest": lambda t: (t.manual_seed(2**64 - 1), t.initial_seed())[1],
    "seed_too_large": lambda t: t.manual_seed(2**64),
    "seed_too_negative": lambda t: t.manual_seed(-(2**63) - 1),
    "requires_grad__again_on_non_leaf": lambda t: (
        (t.ones(2, requires_grad=True) * 2).requires_grad_().requires_grad
    ),
    "requires_grad__off_on_non_leaf": lambda t: (t.ones(2, requires_grad=True) * 2).requires_grad_(
        False
    ),
    "requires_grad_attribute_on_non_leaf": lambda t: setattr(
        t.ones(2, requires_grad=True) * 2, "requires_grad", True
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_python_rules_match_pytorch(name):
    want, got = _outcome(CASES[name], torch), _outcome(CASES[name], minitorch)
    assert got == want
