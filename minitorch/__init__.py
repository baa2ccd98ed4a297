"""minitorch: the part of PyTorch a beginner's course teaches, written from scratch.

``import minitorch as torch`` and a course script runs unchanged.
"""

import importlib as _importlib

from minitorch import _functional, autograd, cuda, nn, optim, utils, viz
from minitorch._backend import backend
from minitorch._creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from minitorch._device import device, get_default_device, set_default_device
from minitorch._dtype import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    result_type,
    set_default_dtype,
    short,
    uint8,
)
from minitorch._functional.elementwise import (
    abs,
    add,
    allclose,
    clamp,
    clip,
    clone,
    div,
    eq,
    equal,
    exp,
    floor_divide,
    ge,
    gt,
    isfinite,
    isinf,
    isnan,
    le,
    log,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    pow,
    relu,
    remainder,
    rsub,
    sigmoid,
    sqrt,
    sub,
    tanh,
    where,
)
from minitorch._functional.indexing import (
    argwhere,
    gather,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
)
from minitorch._functional.linalg import bmm, dot, ger, matmul, mm, mv, outer
from minitorch._functional.reduce import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    prod,
    softmax,
    std,
    sum,
    var,
)
from minitorch._functional.shape import (
    broadcast_tensors,
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    flatten,
    flip,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
)
from minitorch._parallel import get_num_threads, set_num_threads
from minitorch._random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from minitorch._size import Size
from minitorch._tensor import Tensor, is_tensor
from minitorch._tensor_str import set_printoptions
from minitorch._trace import trace
from minitorch.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from minitorch.serialization import load, save
from minitorch.utils import data as _utils_data  # binds minitorch.utils.data, as in torch

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``minitorch.vision`` on first use, so that a script reaching it through
    ``minitorch.backend()`` need not import it first, and ``import minitorch`` does not pay
    for Pillow."""
    if name == "vision":
        return _importlib.import_module("minitorch.vision")
    raise AttributeError(f"module 'minitorch' has no attribute {name!r}")
