"""Bad input to the nn layers raises PyTorch's exception class, with a message naming the problem.

Each case runs on both libraries (``assert_same_error``); the message check then pins
the wording a user sees from minitorch.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
from minitorch.testing import Input, assert_parity, assert_same_error


def f32(*shape: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


def fixed(array: np.ndarray) -> Input:
    return Input(array, requires_grad=False)


def check(fn, *inputs, match: str) -> None:
    error = assert_same_error(fn, *inputs)
    with pytest.raises(error, match=match):
        fn(minitorch, *(minitorch.tensor(x.array if isinstance(x, Input) else x) for x in inputs))


CONV = [
    (
        "wrong channel count",
        lambda t, x, w: t.nn.functional.conv2d(x, w),
        (f32(2, 4, 8, 8), f32(6, 3, 3, 3)),
        r"Given groups=1, weight of size \[6, 3, 3, 3\], expected input\[2, 4, 8, 8\] to have 3 "
        r"channels, but got 4 channels instead",
    ),
    (
        "wrong channel count, unbatched",
        lambda t, x, w: t.nn.functional.conv2d(x, w),
        (f32(4, 8, 8), f32(6, 3, 3, 3)),
        r"expected input\[1, 4, 8, 8\] to have 3 channels",
    ),
    (
        "kernel larger than the padded input",
        lambda t, x, w: t.nn.functional.conv2d(x, w, padding=0),
        (f32(1, 3, 4, 4), f32(2, 3, 5, 5)),
        r"Calculated padded input size per channel: \(4 x 4\). Kernel size: \(5 x 5\). "
        r"Kernel size can't be greater than actual input size",
    ),
    (
        "dilated kernel larger than the input",
        lambda t, x, w: t.nn.functional.conv2d(x, w, dilation=2),
        (f32(1, 3, 4, 4), f32(2, 3, 3, 3)),
        r"Kernel size: \(5 x 5\)",
    ),
    (
        "zero stride",
        lambda t, x, w: t.nn.functional.conv2d(x, w, stride=0),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3)),
        "non-positive stride is not supported",
    ),
    (
        "negative stride",
        lambda t, x, w: t.nn.functional.conv2d(x, w, stride=(1, -1)),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3)),
        "non-positive stride is not supported",
    ),
    (
        "negative padding",
        lambda t, x, w: t.nn.functional.conv2d(x, w, padding=-1),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3)),
        "negative padding is not supported",
    ),
    (
        "zero dilation",
        lambda t, x, w: t.nn.functional.conv2d(x, w, dilation=0),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3)),
        "non-positive dilation is not supported",
    ),
    (
        "2-D input",
        lambda t, x, w: t.nn.functional.conv2d(x, w),
        (f32(3, 8), f32(2, 3, 3, 3)),
        r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, "
        r"but got input of size: \[3, 8\]",
    ),
    (
        "weight not divisible by groups",
        lambda t, x, w: t.nn.functional.conv2d(x, w, groups=2),
        (f32(1, 4, 8, 8), f32(3, 2, 3, 3)),
        "expected weight to be divisible by 2 at dimension 0",
    ),
    (
        "bias of the wrong size",
        lambda t, x, w, b: t.nn.functional.conv2d(x, w, b),
        (f32(1, 3, 8, 8), f32(6, 3, 3, 3), f32(5)),
        "expected bias to be 1-dimensional with 6 elements",
    ),
    (
        "mixed dtypes",
        lambda t, x, w: t.nn.functional.conv2d(x, w),
        (f32(1, 3, 8, 8), f32(6, 3, 3, 3).astype(np.float64)),
        "should be the same",
    ),
    (
        "strided 'same'",
        lambda t, x, w: t.nn.functional.conv2d(x, w, stride=2, padding="same"),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3)),
        "padding='same' is not supported for strided convolutions",
    ),
    (
        "unknown padding string",
        lambda t, x, w: t.nn.functional.conv2d(x, w, padding="full"),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3)),
        "Invalid padding string: 'full'",
    ),
]

POOL = [
    (
        "padding over half the kernel",
        lambda t, x: t.nn.MaxPool2d(2, padding=2)(x),
        (f32(1, 2, 5, 5),),
        "pad should be at most half of effective kernel size, "
        "but got pad=2, kernel_size=2 and dilation=1",
    ),
    (
        "padding over half the dilated kernel",
        lambda t, x: t.nn.functional.max_pool2d(x, 3, padding=2, dilation=2),
        (f32(1, 2, 5, 5),),
        "pad should be smaller than or equal to half of kernel size",
    ),
    (
        "zero stride",
        lambda t, x: t.nn.functional.max_pool2d(x, 2, stride=0),
        (f32(1, 2, 5, 5),),
        "stride should not be zero",
    ),
    (
        "negative stride",
        lambda t, x: t.nn.functional.max_pool2d(x, 2, stride=-1),
        (f32(1, 2, 5, 5),),
        "stride should be greater than zero",
    ),
    (
        "window larger than the input",
        lambda t, x: t.nn.MaxPool2d(6)(x),
        (f32(1, 2, 5, 5),),
        r"Given input size: \(2x5x5\). Calculated output size: \(2x0x0\). Output size is too small",
    ),
    (
        "2-D input",
        lambda t, x: t.nn.functional.max_pool2d(x, 2),
        (f32(5, 5),),
        "non-empty 3D or 4D",
    ),
    (
        "negative padding",
        lambda t, x: t.nn.functional.max_pool2d(x, 2, padding=-1),
        (f32(1, 1, 5, 5),),
        "pad must be non-negative",
    ),
    (
        "three kernel sizes",
        lambda t, x: t.nn.functional.max_pool2d(x, (2, 2, 2)),
        (f32(1, 1, 5, 5),),
        "kernel_size must either be a single int, or a tuple of two ints",
    ),
]

LINEAR = [
    (
        "inner sizes differ",
        lambda t, x, w: t.nn.functional.linear(x, w),
        (f32(64, 1000), f32(64, 1024)),
        r"mat1 and mat2 shapes cannot be multiplied \(64x1000 and 1024x64\)",
    ),
    (
        "inner sizes differ, 3-D input",
        lambda t, x, w: t.nn.functional.linear(x, w),
        (f32(2, 3, 5), f32(4, 6)),
        r"mat1 and mat2 shapes cannot be multiplied \(6x5 and 6x4\)",
    ),
    (
        "bias of the wrong size",
        lambda t, x, w, b: t.nn.functional.linear(x, w, b),
        (f32(2, 3), f32(4, 3), f32(3)),
        r"The expanded size of the tensor \(4\) must match the existing size \(3\)",
    ),
    (
        "mixed dtypes",
        lambda t, x, w: t.nn.functional.linear(x, w),
        (f32(2, 3).astype(np.float64), f32(4, 3)),
        "expected m1 and m2 to have the same dtype, but got: double != float",
    ),
]

LOSSES = [
    (
        "target class out of range",
        lambda t, x, y: t.nn.CrossEntropyLoss()(x, y),
        (f32(3, 5), np.array([1, 5, 2])),
        "Target 5 is out of bounds.",
    ),
    (
        "negative target class",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(3, 5), np.array([1, -1, 2])),
        "Target -1 is out of bounds.",
    ),
    (
        "spatial target out of range",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(2, 5, 3, 3), np.full((2, 3, 3), 7)),
        "Target 7 is out of bounds.",
    ),
    (
        "NLL target out of range",
        lambda t, x, y: t.nn.NLLLoss()(x, y),
        (f32(3, 5), np.array([1, 5, 2])),
        "Target 5 is out of bounds.",
    ),
    (
        "target of an input without classes",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(3, 0), np.array([-100, 2, -100])),
        "Target 2 is out of bounds.",
    ),
    (
        "NLL target of an input without classes",
        lambda t, x, y: t.nn.functional.nll_loss(x, y),
        (f32(3, 0), np.array([-100, -100, 5])),
        "Target 5 is out of bounds.",
    ),
    (
        "float class targets",
        lambda t, x, y: t.nn.CrossEntropyLoss()(x, y),
        (f32(3, 5), fixed(np.array([1.0, 2.0, 3.0], dtype=np.float32))),
        "expected target dtype to be Long or Byte, but got Float",
    ),
    (
        "int32 class targets",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(3, 5), np.array([1, 2, 3], dtype=np.int32)),
        "expected target dtype to be Long or Byte, but got Int",
    ),
    (
        "batch sizes differ",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(3, 5), np.array([1, 2])),
        r"Expected input batch_size \(3\) to match target batch_size \(2\).",
    ),
    (
        "spatial target shape",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(2, 5, 3), np.zeros((2, 4), dtype=np.int64)),
        r"Expected target size \[2, 3\], got \[2, 4\]",
    ),
    (
        "weights for the wrong number of classes",
        lambda t, x, y, w: t.nn.functional.cross_entropy(x, y, weight=w),
        (f32(3, 5), np.array([1, 2, 3]), fixed(np.ones(3, dtype=np.float32))),
        "weight tensor should be defined either for all 5 classes or no classes",
    ),
    (
        "label smoothing out of range",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y, label_smoothing=1.5),
        (f32(3, 5), np.array([1, 2, 3])),
        "label_smoothing must be between 0.0 and 1.0. Got: 1.5",
    ),
    (
        "unknown reduction",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction="avg"),
        (f32(3, 5), np.array([1, 2, 3])),
        "avg is not a valid value for reduction",
    ),
    (
        "integer probability targets",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(3, 5), np.zeros((3, 5), dtype=np.int64)),
        "Expected floating point type for target with class",
    ),
    (
        "ignore_index with probabilities",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y, ignore_index=1),
        (f32(3, 5), fixed(np.full((3, 5), 0.2, dtype=np.float32))),
        "ignore_index is not supported",
    ),
    (
        "MSE shapes that do not broadcast",
        lambda t, x, y: t.nn.functional.mse_loss(x, y),
        (f32(3, 2), f32(3)),
        r"The size of tensor a \(2\) must match the size of tensor b \(3\)",
    ),
    (
        "MSE on integers",
        lambda t, x, y: t.nn.functional.mse_loss(x, y),
        (np.ones(3, dtype=np.int64), np.ones(3, dtype=np.int64)),
        "mse_cpu",
    ),
]


def _cases(table):
    return pytest.mark.parametrize(
        ("name", "fn", "inputs", "match"), table, ids=[c[0] for c in table]
    )


@pytest.mark.filterwarnings("ignore:Using a target size")
@_cases(CONV + POOL + LINEAR + LOSSES)
def test_bad_input_raises_pytorchs_error(name, fn, inputs, match):
    check(fn, *inputs, match=match)


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (
            lambda nn: nn.Conv2d(3, 6, 3, groups=2),
            ValueError,
            "in_channels must be divisible by groups",
        ),
        (
            lambda nn: nn.Conv2d(4, 6, 3, groups=4),
            ValueError,
            "out_channels must be divisible by groups",
        ),
        (lambda nn: nn.Conv2d(3, 6, 3, groups=0), ValueError, "groups must be a positive integer"),
        (
            lambda nn: nn.Conv2d(3, 6, 3, stride=2, padding="same"),
            ValueError,
            "not supported for strided",
        ),
        (
            lambda nn: nn.Conv2d(3, 6, 3, padding="full"),
            ValueError,
            "Invalid padding string 'full'",
        ),
        (
            lambda nn: nn.Conv2d(3, 6, 3, padding_mode="mirror"),
            ValueError,
            "padding_mode must be one of",
        ),
    ],
)
def test_bad_layer_arguments(build, error, match):
    import torch

    with pytest.raises(error):
        build(torch.nn)
    with pytest.raises(error, match=match):
        build(minitorch.nn)


@pytest.mark.parametrize(
    ("mode", "pad", "match"),
    [
        (
            "reflect",
            (3, 3, 1, 1),
            "Padding size should be less than the corresponding input dimension",
        ),
        ("circular", (4, 4, 1, 1), "Padding value causes wrapping around more than once"),
    ],
)
def test_pad_larger_than_the_input(mode, pad, match):
    check(lambda t, x: t.nn.functional.pad(x, pad, mode=mode), f32(1, 2, 3, 3), match=match)


def test_unsupported_dtypes_say_so():
    x = minitorch.ones(1, 1, 4, 4, dtype=minitorch.float16)
    with pytest.raises(NotImplementedError, match="float16"):
        minitorch.nn.functional.max_pool2d(x, 2)
    with pytest.raises(NotImplementedError, match="conv2d"):
        minitorch.nn.functional.conv2d(x, minitorch.ones(1, 1, 1, 1, dtype=minitorch.float16))


def test_integer_conv_and_pool_match_pytorch_exactly():
    """The course convolves int64 tensors; PyTorch accepts them, so minitorch does too."""
    x = np.random.default_rng(0).integers(-9, 9, (2, 3, 6, 5))
    w = np.random.default_rng(1).integers(-9, 9, (4, 3, 3, 2))
    assert_parity(lambda t, x, w: t.nn.functional.conv2d(x, w, stride=2, padding=1), x, w)
    assert_parity(lambda t, x: t.nn.functional.max_pool2d(x, 3, ceil_mode=True), x)


MORE = [
    (
        "conv2d of a list",
        lambda t, w: t.nn.functional.conv2d([[1.0]], w),
        (f32(1, 1, 1, 1),),
        "must be Tensor",
    ),
    (
        "three strides",
        lambda t, x, w: t.nn.functional.conv2d(x, w, stride=(1, 1, 1)),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3)),
        "expected stride to be a single integer value or a list of 2",
    ),
    (
        "2-D weight",
        lambda t, x, w: t.nn.functional.conv2d(x, w),
        (f32(1, 3, 8, 8), f32(2, 3)),
        "weight should have at least three dimensions",
    ),
    (
        "5-D weight",
        lambda t, x, w: t.nn.functional.conv2d(x, w),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3, 1)),
        "expected stride to be a single integer value or a list of 3 values",
    ),
    (
        "zero groups",
        lambda t, x, w: t.nn.functional.conv2d(x, w, groups=0),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3)),
        "non-positive groups is not supported",
    ),
    (
        "bias dtype",
        lambda t, x, w, b: t.nn.functional.conv2d(x, w, b),
        (f32(1, 3, 8, 8), f32(2, 3, 3, 3), f32(2).astype(np.float64)),
        r"Input type \(float\) and bias type \(double\) should be the same",
    ),
    (
        "odd pad length",
        lambda t, x: t.nn.functional.pad(x, (1,)),
        (f32(2, 3),),
        "Padding length must be divisible by 2",
    ),
    (
        "pad longer than the input",
        lambda t, x: t.nn.functional.pad(x, (1,) * 6),
        (f32(2, 3),),
        "Padding length should be less than or equal to two times the input dimension",
    ),
    (
        "unknown pad mode",
        lambda t, x: t.nn.functional.pad(x, (1, 1, 1, 1), mode="mirror"),
        (f32(1, 2, 3, 3),),
        "Unrecognised padding mode mirror",
    ),
    (
        "reflect pad with a value",
        lambda t, x: t.nn.functional.pad(x, (1, 1, 1, 1), mode="reflect", value=1.0),
        (f32(1, 2, 3, 3),),
        "doesn't take in value argument",
    ),
    (
        "reflect pad of one dimension of a 4-D input",
        lambda t, x: t.nn.functional.pad(x, (1, 1), mode="reflect"),
        (f32(1, 2, 3, 3),),
        "Padding size 2 is not supported for 4D input tensor",
    ),
    (
        "negative kernel",
        lambda t, x: t.nn.functional.max_pool2d(x, -1, 1),
        (f32(1, 1, 5, 5),),
        "kernel size should be greater than zero, but got kH: -1 kW: -1",
    ),
    (
        "zero dilation",
        lambda t, x: t.nn.functional.max_pool2d(x, 2, dilation=0),
        (f32(1, 1, 5, 5),),
        "dilation should be greater than zero",
    ),
    (
        "no channels",
        lambda t, x: t.nn.functional.max_pool2d(x, 2),
        (f32(1, 0, 5, 5),),
        r"Expected 3D or 4D \(batch mode\) tensor with optional 0 dim batch size for input, "
        r"but got:\[1, 0, 5, 5\]",
    ),
    (
        "three strides",
        lambda t, x: t.nn.functional.max_pool2d(x, 2, (1, 1, 1)),
        (f32(1, 1, 5, 5),),
        "stride must either be omitted, a single int, or a tuple of two ints",
    ),
    (
        "three paddings",
        lambda t, x: t.nn.functional.max_pool2d(x, 2, 2, (1, 1, 1)),
        (f32(1, 1, 5, 5),),
        "padding must either be a single int, or a tuple of two ints",
    ),
    (
        "three dilations",
        lambda t, x: t.nn.functional.max_pool2d(x, 2, 2, 0, (1, 1, 1)),
        (f32(1, 1, 5, 5),),
        "dilation must be either a single int, or a tuple of two ints",
    ),
    (
        "0-d linear input",
        lambda t, x, w: t.nn.functional.linear(x, w),
        (np.float32(1.0), f32(3, 1)),
        "both arguments to linear need to be at least 1D, but they are 0D and 2D",
    ),
    (
        "3-D linear weight",
        lambda t, x, w: t.nn.functional.linear(x, w),
        (f32(2, 3), f32(4, 3, 1)),
        "t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D",
    ),
    (
        "linear bias dtype",
        lambda t, x, w, b: t.nn.functional.linear(x, w, b),
        (f32(2, 3), f32(4, 3), f32(4).astype(np.float64)),
        "self and mat2 must have the same dtype",
    ),
    (
        "2-D target for 2-D input",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(3, 5), np.zeros((3, 2), dtype=np.int64)),
        "0D or 1D target tensor expected, multi-target not supported",
    ),
    (
        "2-D target for 4-D input",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(2, 5, 3, 3), np.zeros((2, 3), dtype=np.int64)),
        "only batches of spatial targets supported",
    ),
    (
        "wrong spatial target",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (f32(2, 5, 3, 3), np.zeros((2, 3, 4), dtype=np.int64)),
        r"size mismatch \(got input: \[2, 5, 3, 3\] , target: \[2, 3, 4\]",
    ),
    (
        "class weight dtype",
        lambda t, x, y, w: t.nn.functional.cross_entropy(x, y, weight=w),
        (f32(3, 5), np.array([1, 2, 3]), fixed(np.ones(5))),
        "expected scalar type Float but found Double",
    ),
    (
        "integer logits",
        lambda t, x, y: t.nn.functional.cross_entropy(x, y),
        (np.ones((3, 5), dtype=np.int64), np.array([1, 2, 3])),
        "not implemented for 'Long'",
    ),
    (
        "0-d NLL input",
        lambda t, x, y: t.nn.functional.nll_loss(x, y),
        (np.float32(1.0), np.array(0)),
        r"Expected 1 or more dimensions \(got 0\)",
    ),
    (
        "integer NLL input",
        lambda t, x, y: t.nn.functional.nll_loss(x, y),
        (np.ones((3, 5), dtype=np.int64), np.array([1, 2, 3])),
        "not implemented for 'Long'",
    ),
    (
        "NLL with probabilities",
        lambda t, x, y: t.nn.functional.nll_loss(x, y),
        (f32(3, 5), f32(3, 5)),
        "0D or 1D target tensor expected",  # PyTorch checks the target's rank before its dtype
    ),
    (
        "weights of another shape",
        lambda t, x, y, w: t.nn.functional.mse_loss(x, y, weight=w),
        (f32(3), f32(3), f32(2)),
        "Weights and input must have the same size.",
    ),
    (
        "mean L1 of integers",
        lambda t, x, y: t.nn.functional.l1_loss(x, y),
        (np.ones(3, dtype=np.int64), np.ones(3, dtype=np.int64)),
        "could not infer output dtype",
    ),
]


@_cases(MORE)
def test_more_bad_input(name, fn, inputs, match):
    check(fn, *inputs, match=match)


def test_what_minitorch_leaves_out_says_so():
    x = minitorch.ones(2, 3)
    with pytest.raises(NotImplementedError, match="1-D weight"):
        minitorch.nn.functional.linear(x, minitorch.ones(3))
    with pytest.raises(NotImplementedError, match="register_full_backward_hook"):
        minitorch.nn.Linear(2, 2).register_backward_hook(lambda *args: None)


@pytest.mark.parametrize("module", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("dim", [True, 1.0])
def test_softmax_modules_refuse_a_dim_that_is_not_an_int_as_torch(module, dim):
    with pytest.raises(TypeError) as expected:
        getattr(torch.nn, module)(dim=dim)
    with pytest.raises(TypeError) as got:
        getattr(minitorch.nn, module)(dim=dim)
    assert str(got.value) == str(expected.value)
