"""``assert_same_outcome``: one call on both libraries gives the same values, or the same
exception with PyTorch's message (a check of messages, which ``assert_same_error`` leaves out)."""

import torch

import minitorch
from minitorch.testing import make_inputs


def _outcome(lib, call, inputs):
    """What ``call(lib, *inputs)`` gives, as text (so that nan equals nan): a tensor's values,
    dtype and shape, another result's repr, or the exception's class and message; the
    library's name is taken out."""
    try:
        result = call(lib, *inputs)
    except Exception as error:  # noqa: BLE001 - the exception is what is compared
        return type(error).__name__, str(error).replace("minitorch.", "").replace("torch.", "")
    if isinstance(result, lib.Tensor):
        result = (result.tolist(), result.dtype, tuple(result.shape))
    return repr(result).replace("minitorch.", "").replace("torch.", "")


def assert_same_outcome(call, *args):
    """``call`` gives the same values on both libraries, or raises the same exception with
    PyTorch's message (which minitorch may follow with the shapes it names)."""
    ours, theirs = (
        _outcome(lib, call, inputs)
        for lib, inputs in zip((minitorch, torch), make_inputs(args), strict=True)
    )
    if isinstance(theirs, tuple) and isinstance(ours, tuple):
        assert ours[0] == theirs[0] and ours[1].startswith(theirs[1]), (ours, theirs)
    else:
        assert ours == theirs
