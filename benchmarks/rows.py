"""What the benchmark runs: workloads written once against PyTorch's API.

Every workload takes a :class:`Backend` (a library namespace such as ``minitorch`` or
``torch``, plus a device) and uses only PyTorch's public API through it, so the same code
times minitorch and PyTorch on the same inputs and the same weights.

This module imports nothing but numpy and the standard library: the cold-start child
process imports it right after timing ``import minitorch``, and must not pay for PyTorch;
the peak-memory child of PyTorch's side must not pay for minitorch either.

A row's name states the dimension it varies (``train_step_b16``: batch 16,
``train_step_img64``: 64x64 pictures, ``loader_epoch_w2``: two workers); quick mode shrinks
only the other dimensions, so the name stays true (``name_mismatches`` checks it).
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

SEED = 0
NUM_CLASSES = 10
LEARNING_RATE = 0.01
# The tutorial model's Linear(1024, 64) fixes 32x32 input: three 2x2 poolings leave 4x4x64.
TUTORIAL_IMAGE_SIZE = 32
TUTORIAL_BATCH = 64


@dataclass(frozen=True)
class Backend:
    """A library namespace with PyTorch's API (``minitorch``, ``torch``) and a device."""

    name: str
    lib: ModuleType
    device: str = "cpu"

    def tensor(self, array: np.ndarray, requires_grad: bool = False) -> Any:
        """The array as a tensor of this backend, on its device (always a copy)."""
        return self.lib.tensor(array, device=self.device, requires_grad=requires_grad)

    def synchronize(self) -> None:
        """Wait for queued device work, so that a timer around a call measures the call."""
        if self.device.startswith("cuda"):
            self.lib.cuda.synchronize()

    @staticmethod
    def to_numpy(tensor: Any) -> np.ndarray:
        return np.array(tensor.detach().cpu().numpy(), copy=True)


# A prepared workload: called repeatedly, it runs one iteration and returns the tensors
# whose values the harness compares across backends after the first call.
Call = Callable[[], Any]


@dataclass
class Workload:
    """One row's concrete shapes, its numpy inputs, and how to prepare it on a backend.

    ``prepare`` may set ``shape`` (a user model's factory says its input shape only then).
    """

    shape: str
    params: dict[str, int]
    prepare: Callable[[Backend], Call]


@dataclass(frozen=True)
class Row:
    """A named benchmark row; ``build(quick)`` gives its workload at full or quick size."""

    name: str
    group: str
    title: str
    build: Callable[[bool], Workload]
    in_quick: bool = False
    notes: str = field(default="")


# --------------------------------------------------------------------------- model


def flatten_features(image_size: int) -> int:
    """Inputs of the first Linear layer: 64 channels left at 1/8 of the image side."""
    if image_size % 8 or image_size < 8:
        raise ValueError(f"image size must be a positive multiple of 8, got {image_size}")
    return 64 * (image_size // 8) ** 2


def tutorial_model(lib: ModuleType, image_size: int = TUTORIAL_IMAGE_SIZE) -> Any:
    """The tutorial's CIFAR-10 model; for other image sizes the first Linear's input adapts."""
    # here, not at the top: importing minitorch.models imports all of minitorch
    from minitorch.models import tutorial_sequential

    return tutorial_sequential(lib, image_size)


def default_init(
    shapes: dict[str, tuple[int, ...]], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """PyTorch's default Conv2d/Linear initialisation, drawn with numpy.

    kaiming_uniform(a=sqrt(5)) on the weight and the bias rule both come to
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), with fan_in = prod(weight.shape[1:]).
    """
    arrays = {}
    for name, shape in shapes.items():
        weight_shape = shapes[name.rsplit(".", 1)[0] + ".weight"]
        bound = 1.0 / math.sqrt(math.prod(weight_shape[1:]))
        arrays[name] = rng.uniform(-bound, bound, size=shape).astype(np.float32)
    return arrays


def model_with_weights(backend: Backend, image_size: int, weights: dict[str, np.ndarray]) -> Any:
    model = tutorial_model(backend.lib, image_size)
    if backend.device != "cpu":
        model = model.to(backend.device)
    model.load_state_dict({name: backend.tensor(array) for name, array in weights.items()})
    return model


def tutorial_weights(image_size: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """The weights every backend loads: the same arrays, whatever the backend."""
    feats = flatten_features(image_size)
    shapes = {
        "0.weight": (32, 3, 5, 5),
        "0.bias": (32,),
        "2.weight": (32, 32, 5, 5),
        "2.bias": (32,),
        "4.weight": (64, 32, 5, 5),
        "4.bias": (64,),
        "7.weight": (64, feats),
        "7.bias": (64,),
        "8.weight": (NUM_CLASSES, 64),
        "8.bias": (NUM_CLASSES,),
    }
    return default_init(shapes, np.random.default_rng(seed))


def image_batch(batch: int, image_size: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    images = rng.standard_normal((batch, 3, image_size, image_size)).astype(np.float32)
    labels = rng.integers(0, NUM_CLASSES, size=batch).astype(np.int64)
    return images, labels


def training_step(backend: Backend, batch: int, image_size: int) -> Call:
    """One SGD step of the tutorial model: forward, cross-entropy, backward, update.

    The call returns the loss and every parameter's gradient, for the cross-backend check.
    """
    images, labels = image_batch(batch, image_size)
    model = model_with_weights(backend, image_size, tutorial_weights(image_size))
    parameters = list(model.parameters())
    optimizer = backend.lib.optim.SGD(parameters, lr=LEARNING_RATE)
    loss_fn = backend.lib.nn.CrossEntropyLoss()
    x, y = backend.tensor(images), backend.tensor(labels)

    def step() -> tuple:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return (loss, *(p.grad for p in parameters))

    return step


def inference(backend: Backend, batch: int, image_size: int) -> Call:
    images, _ = image_batch(batch, image_size)
    model = model_with_weights(backend, image_size, tutorial_weights(image_size))
    x = backend.tensor(images)

    def forward() -> Any:
        with backend.lib.no_grad():
            return model(x)

    return forward


# --------------------------------------------------------------------------- single ops


def _random(shape: tuple[int, ...], seed: int, scale: float = 1.0) -> np.ndarray:
    return (scale * np.random.default_rng(seed).standard_normal(shape)).astype(np.float32)


def _op_call(
    backend: Backend,
    op: Callable[..., Any],
    arrays: list[np.ndarray],
    grad_output: np.ndarray | None,
    backward: bool,
) -> Call:
    """``op(*tensors)``; with ``backward``, also the gradients of every float input.

    The gradients come from ``autograd.grad`` with a fixed random upstream gradient, so
    nothing accumulates in ``.grad`` from one call to the next.
    """
    differentiable = [backward and a.dtype == np.float32 for a in arrays]
    tensors = [
        backend.tensor(a, requires_grad=d) for a, d in zip(arrays, differentiable, strict=True)
    ]
    inputs = [t for t, d in zip(tensors, differentiable, strict=True) if d]
    upstream = None if grad_output is None else backend.tensor(grad_output)

    if not backward:
        return lambda: op(*tensors)

    def forward_backward() -> tuple:
        return backend.lib.autograd.grad(op(*tensors), inputs, upstream)

    return forward_backward


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ",".join(str(s) for s in shape) + ")"


def conv_row(
    name: str,
    in_shape: tuple[int, int, int, int],
    out_channels: int,
    backward: bool,
    in_quick: bool = False,
    kernel: int = 5,
    padding: int = 2,
) -> Row:
    """conv2d of a square input with a square ``kernel``; quick mode shrinks the batch and
    the image side (never below the kernel)."""
    batch, channels, size, _ = in_shape
    kind = "forward+backward" if backward else "forward"

    def build(quick: bool) -> Workload:
        n, s = (_quick_batch(batch), max(kernel, size // 4)) if quick else (batch, size)
        out_side = s + 2 * padding - kernel + 1
        x_shape, w_shape = (n, channels, s, s), (out_channels, channels, kernel, kernel)
        bound = 1.0 / math.sqrt(channels * kernel * kernel)
        x, w = _random(x_shape, 1), _random(w_shape, 2, bound)
        b = _random((out_channels,), 3, bound)
        g = _random((n, out_channels, out_side, out_side), 4)

        def prepare(backend: Backend) -> Call:
            conv = backend.lib.nn.functional.conv2d
            return _op_call(
                backend, lambda x, w, b: conv(x, w, b, padding=padding), [x, w, b], g, backward
            )

        text = f"{_shape_text(x_shape)}->{out_channels}ch {kernel}x{kernel} pad {padding}"
        return Workload(text, {"batch": n, "image": s}, prepare)

    return Row(name, "op", f"conv2d {kind}", build, in_quick=in_quick)


def max_pool_row(
    name: str, in_shape: tuple[int, int, int, int], backward: bool, in_quick: bool = False
) -> Row:
    batch, channels, size, _ = in_shape
    kind = "forward+backward" if backward else "forward"

    def build(quick: bool) -> Workload:
        n, s = (_quick_batch(batch), max(2, size // 4)) if quick else (batch, size)
        x_shape = (n, channels, s, s)
        x, g = _random(x_shape, 5), _random((n, channels, s // 2, s // 2), 6)

        def prepare(backend: Backend) -> Call:
            pool = backend.lib.nn.functional.max_pool2d
            return _op_call(backend, lambda x: pool(x, 2), [x], g, backward)

        return Workload(f"{_shape_text(x_shape)} 2x2", {"batch": n, "image": s}, prepare)

    return Row(name, "op", f"max_pool2d {kind}", build, in_quick=in_quick)


def linear_row(name: str, batch: int, in_features: int, out_features: int) -> Row:
    def build(quick: bool) -> Workload:
        n = _quick_batch(batch) if quick else batch
        bound = 1.0 / math.sqrt(in_features)
        x, w = _random((n, in_features), 7), _random((out_features, in_features), 8, bound)
        b, g = _random((out_features,), 9, bound), _random((n, out_features), 10)

        def prepare(backend: Backend) -> Call:
            return _op_call(backend, backend.lib.nn.functional.linear, [x, w, b], g, True)

        text = f"({n},{in_features})->{out_features}"
        return Workload(text, {"batch": n}, prepare)

    return Row(name, "op", "linear forward+backward", build, in_quick=True)


def cross_entropy_row(name: str, batch: int, classes: int) -> Row:
    def build(quick: bool) -> Workload:
        n = _quick_batch(batch) if quick else batch
        logits = _random((n, classes), 11)
        target = np.random.default_rng(12).integers(0, classes, size=n).astype(np.int64)

        def prepare(backend: Backend) -> Call:
            return _op_call(
                backend, backend.lib.nn.functional.cross_entropy, [logits, target], None, True
            )

        return Workload(f"({n},{classes}) mean", {"batch": n}, prepare)

    return Row(name, "op", "cross_entropy forward+backward", build, in_quick=True)


# --------------------------------------------------------------------------- model rows

# A name's suffix and the workload parameter it states: ``_b16`` is batch 16, and so on.
NAME_SUFFIXES = {"b": "batch", "img": "image", "w": "workers"}
_SUFFIX = re.compile(r"_(b|img|w)(\d+)(?=_|$)")


def name_mismatches(name: str, params: dict[str, int]) -> list[str]:
    """What a row's name states that its workload's parameters contradict (empty: none).

    A parameter the workload does not give (a user model's rows give none) is not checked.
    """
    found = []
    for key, value in _SUFFIX.findall(name):
        param = NAME_SUFFIXES[key]
        if param in params and params[param] != int(value):
            found.append(f"{name} says {param} {value}, the workload has {params.get(param)}")
    return found


def _quick_batch(batch: int) -> int:
    """A sixteenth of the batch, at least 2, and never more than the batch itself."""
    return min(batch, max(2, batch // 16))


def _quick_image(image_size: int) -> int:
    return max(8, image_size // 4)


QUICK_IMAGE = _quick_image(TUTORIAL_IMAGE_SIZE)
QUICK_BATCH = _quick_batch(TUTORIAL_BATCH)


def headline_shape(quick: bool) -> tuple[int, int]:
    """Batch and image side of the cold-start training step (quick mode shrinks both)."""
    if quick:
        return QUICK_BATCH, QUICK_IMAGE
    return TUTORIAL_BATCH, TUTORIAL_IMAGE_SIZE


def model_row(
    name: str,
    kind: str,
    batch: int,
    image_size: int,
    keep: str,
    in_quick: bool,
) -> Row:
    """A training step (``kind='train'``) or an inference row of the tutorial model.

    ``keep`` is the dimension the name states (``'batch'`` or ``'image'``): quick mode keeps
    it and shrinks the other one.
    """
    make = training_step if kind == "train" else inference
    title = "training step" if kind == "train" else "inference (no_grad forward)"
    adapted = image_size != TUTORIAL_IMAGE_SIZE

    def build(quick: bool) -> Workload:
        n, s = batch, image_size
        if quick:
            n = batch if keep == "batch" else QUICK_BATCH
            s = image_size if keep == "image" else QUICK_IMAGE
        text = f"({n},3,{s},{s})"
        if s != TUTORIAL_IMAGE_SIZE:
            text += f" Linear({flatten_features(s)},64)"
        return Workload(text, {"batch": n, "image": s}, lambda backend: make(backend, n, s))

    notes = (
        "tutorial model with the first Linear's input adapted to the image size" if adapted else ""
    )
    return Row(name, "model", title, build, in_quick=in_quick, notes=notes)


SCALING_BATCHES = (1, 16, TUTORIAL_BATCH, 256)  # batch 1: where per-op overhead dominates
QUICK_BATCHES = (1, 16)
SCALING_IMAGES = (16, 64)  # with train_step_b64 (32x32), the training step against image side
QUICK_IMAGES = (16,)
HEADLINE_ROW = f"train_step_b{TUTORIAL_BATCH}"
# The names the headline rows had before the batch sweep; --rows still takes them.
ALIASES = {"train_step": HEADLINE_ROW, "inference": f"inference_b{TUTORIAL_BATCH}"}

# Modules whose ``benchmark_rows()`` (and any ``register_row`` calls made when they are
# imported) add rows to every run: one line each.
ROW_MODULES: tuple[str, ...] = (
    "benchmarks.vision_models",
    "benchmarks.loader",
)


def builtin_rows() -> list[Row]:
    """The tutorial model's ops, its batch sweep and its image sweep, in table order."""
    b = TUTORIAL_BATCH
    rows = []
    for index, (shape, out_channels) in enumerate(
        [((b, 3, 32, 32), 32), ((b, 32, 16, 16), 32), ((b, 32, 8, 8), 64)], start=1
    ):
        rows.append(conv_row(f"conv{index}_fwd", shape, out_channels, backward=False))
        rows.append(
            conv_row(
                f"conv{index}_fwd_bwd", shape, out_channels, backward=True, in_quick=index == 1
            )
        )
    # One large sample (issue 19): the kernel works it through in tiles of output rows, so
    # memory stays bounded. Forward only: forward+backward takes 3-7 s a call on 2 threads.
    rows.append(conv_row("conv_large_fwd", (1, 64, 300, 300), 64, False, kernel=11, padding=0))
    rows += [
        max_pool_row("max_pool_fwd", (b, 32, 32, 32), backward=False),
        max_pool_row("max_pool_fwd_bwd", (b, 32, 32, 32), backward=True, in_quick=True),
        linear_row("linear_fwd_bwd", b, 1024, 64),
        cross_entropy_row("cross_entropy_fwd_bwd", b, NUM_CLASSES),
    ]
    image = TUTORIAL_IMAGE_SIZE
    for kind, prefix in (("train", "train_step"), ("inference", "inference")):
        rows += [
            model_row(f"{prefix}_b{n}", kind, n, image, "batch", in_quick=n in QUICK_BATCHES)
            for n in SCALING_BATCHES
        ]
    rows += [
        model_row(f"train_step_img{s}", "train", b, s, "image", in_quick=s in QUICK_IMAGES)
        for s in SCALING_IMAGES
    ]
    return rows


def all_rows(extra_modules: tuple[str, ...] = ()) -> list[Row]:
    """Every row, in the order of the table: built in, ``ROW_MODULES``', then registered.

    ``extra_modules`` are imported too (``--rows-from``). Two rows with one name are refused.
    """
    rows = builtin_rows()
    for module_name in (*ROW_MODULES, *extra_modules):
        module = importlib.import_module(module_name)
        make = getattr(module, "benchmark_rows", None)
        rows += make() if make is not None else []
    # here: user_rows builds on this module
    from benchmarks.user_rows import registered_rows

    rows += registered_rows()
    names = [row.name for row in rows]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise ValueError(f"two benchmark rows are named {', '.join(doubled)}")
    return rows
