"""The parity toolkit: check a minitorch op against PyTorch (``assert_parity``, strategies)."""

from minitorch.testing import strategies
from minitorch.testing._parity import (
    Input,
    ParityError,
    assert_parity,
    assert_same_error,
    compare_arrays,
    make_inputs,
)
