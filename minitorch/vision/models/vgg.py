"""VGG (Simonyan and Zisserman, 2014, https://arxiv.org/abs/1409.1556), as torchvision builds it.

The same module tree, ``repr`` and ``state_dict`` keys as ``torchvision.models.vgg``, so
torchvision's checkpoints load as they are::

    VGG(
      (features): Sequential(Conv2d(3, 64, 3, padding=1), ReLU(inplace=True), ...,
                             MaxPool2d(kernel_size=2, stride=2), ...)  # 224 -> 7 per side
      (avgpool): AdaptiveAvgPool2d(output_size=(7, 7))             # any input of 32 or more
      (classifier): Sequential(Linear(25088, 4096), ReLU(True), Dropout(0.5),
                               Linear(4096, 4096), ReLU(True), Dropout(0.5),
                               Linear(4096, num_classes))
    )

The configurations A, B, D and E of the paper are ``vgg11``, ``vgg13``, ``vgg16`` and
``vgg19``; ``vgg11_bn`` ... ``vgg19_bn`` put a ``BatchNorm2d`` between each convolution and
its ReLU.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from minitorch._functional.shape import flatten
from minitorch._tensor import Tensor
from minitorch.nn import init
from minitorch.nn.modules.activation import ReLU
from minitorch.nn.modules.batchnorm import BatchNorm2d
from minitorch.nn.modules.container import Sequential
from minitorch.nn.modules.conv import Conv2d
from minitorch.nn.modules.dropout import Dropout
from minitorch.nn.modules.linear import Linear
from minitorch.nn.modules.module import Module
from minitorch.nn.modules.pooling import AdaptiveAvgPool2d, MaxPool2d
from minitorch.vision.models._api import Weights, WeightsEnum, image_classification_preset
from minitorch.vision.models._meta import IMAGENET_CATEGORIES
from minitorch.vision.models._utils import handle_legacy_interface, overwrite_named_param

__all__ = [
    "VGG",
    "VGG11_Weights",
    "VGG13_Weights",
    "VGG16_Weights",
    "VGG19_Weights",
    "VGG11_BN_Weights",
    "VGG13_BN_Weights",
    "VGG16_BN_Weights",
    "VGG19_BN_Weights",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
]


class VGG(Module):
    r"""A VGG network: ``features`` (convolutions and poolings), ``avgpool`` to 7x7, then
    ``classifier`` (three linear layers, with ReLU and dropout between them).

    Args:
        features (Module): the convolutional part, ending with 512 channels
            (:func:`make_layers` builds it from a configuration).
        num_classes (int, optional): outputs of the last linear layer. Default: 1000
        init_weights (bool, optional): initialise as torchvision does: convolutions
            Kaiming-normal (fan-out, ReLU gain) with zero bias, batch normalisations weight
            1 and bias 0, linear layers N(0, 0.01) with zero bias. Default: ``True``
        dropout (float, optional): the probability of both dropout layers. Default: 0.5

    Shape:
        - Input: :math:`(N, 3, H, W)` with :math:`H, W \ge 32`
        - Output: :math:`(N, \text{num\_classes})`

    Example::

        >>> model = vgg11()
        >>> model.eval()(minitorch.randn(1, 3, 32, 32)).shape
        minitorch.Size([1, 1000])
    """

    def __init__(
        self,
        features: Module,
        num_classes: int = 1000,
        init_weights: bool = True,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(
            Linear(512 * 7 * 7, 4096),
            ReLU(True),
            Dropout(p=dropout),
            Linear(4096, 4096),
            ReLU(True),
            Dropout(p=dropout),
            Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, Conv2d):
                    init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        init.constant_(m.bias, 0)
                elif isinstance(m, BatchNorm2d):
                    init.constant_(m.weight, 1)
                    init.constant_(m.bias, 0)
                elif isinstance(m, Linear):
                    init.normal_(m.weight, 0, 0.01)
                    init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = flatten(x, 1)
        x = self.classifier(x)
        return x


def make_layers(cfg: list[str | int], batch_norm: bool = False) -> Sequential:
    """The ``features`` of a configuration: an int is a 3x3 convolution (padding 1) to that
    many channels followed (with ``batch_norm``, after a ``BatchNorm2d``) by an in-place
    ReLU, ``"M"`` a 2x2 max pooling."""
    layers: list[Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [MaxPool2d(kernel_size=2, stride=2)]
        else:
            assert isinstance(v, int)
            conv2d = Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, BatchNorm2d(v), ReLU(inplace=True)]
            else:
                layers += [conv2d, ReLU(inplace=True)]
            in_channels = v
    return Sequential(*layers)


cfgs: dict[str, list[str | int]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [
        *(64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M"),
        *(512, 512, 512, 512, "M", 512, 512, 512, 512, "M"),
    ],
}


def _vgg(
    cfg: str, batch_norm: bool, weights: WeightsEnum | None, progress: bool, **kwargs: Any
) -> VGG:
    if weights is not None:
        kwargs["init_weights"] = False  # the checkpoint overwrites every parameter
        if weights.meta["categories"] is not None:
            overwrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


_COMMON_META = {
    "min_size": (32, 32),
    "categories": IMAGENET_CATEGORIES,
    "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg",
    "_docs": """These weights were trained from scratch by using a simplified training recipe.""",
}
_TRANSFORMS = partial(image_classification_preset, crop_size=224)


def _imagenet_weights(
    url: str, num_params: int, acc1: float, acc5: float, gflops: float, file_size_mb: float
) -> Weights:
    """A classifier's ImageNet-1K checkpoint, described as torchvision describes it."""
    meta = {
        **_COMMON_META,
        "num_params": num_params,
        "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}},
        "_ops": gflops,
        "_file_size": file_size_mb,
    }
    return Weights(url=url, transforms=_TRANSFORMS, meta=meta)


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/vgg11-8a719046.pth",
        num_params=132863336,
        acc1=69.020,
        acc5=88.628,
        gflops=7.609,
        file_size_mb=506.84,
    )
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/vgg13-19584684.pth",
        num_params=133047848,
        acc1=69.928,
        acc5=89.246,
        gflops=11.308,
        file_size_mb=507.545,
    )
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/vgg16-397923af.pth",
        num_params=138357544,
        acc1=71.592,
        acc5=90.382,
        gflops=15.47,
        file_size_mb=527.796,
    )
    # ported from https://github.com/amdegroot/ssd.pytorch/: only ``features`` holds trained values
    IMAGENET1K_FEATURES = Weights(
        url="https://download.pytorch.org/models/vgg16_features-amdegroot-88682ab5.pth",
        transforms=partial(
            image_classification_preset,
            crop_size=224,
            mean=(0.48235, 0.45882, 0.40784),
            std=(1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0),
        ),
        meta={
            **_COMMON_META,
            "num_params": 138357544,
            "categories": None,
            "recipe": "https://github.com/amdegroot/ssd.pytorch#training-ssd",
            "_metrics": {"ImageNet-1K": {"acc@1": float("nan"), "acc@5": float("nan")}},
            "_ops": 15.47,
            "_file_size": 527.802,
            "_docs": (
                "These weights can't be used for classification because they are missing "
                "values in the `classifier` module. Only the `features` module has valid values "
                "and can be used for feature extraction. The weights were trained using the "
                "original input standardization method as described in the paper."
            ),
        },
    )
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
        num_params=143667240,
        acc1=72.376,
        acc5=90.876,
        gflops=19.632,
        file_size_mb=548.051,
    )
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/vgg11_bn-6002323d.pth",
        num_params=132868840,
        acc1=70.370,
        acc5=89.810,
        gflops=7.609,
        file_size_mb=506.881,
    )
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/vgg13_bn-abd245e5.pth",
        num_params=133053736,
        acc1=71.586,
        acc5=90.374,
        gflops=11.308,
        file_size_mb=507.59,
    )
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/vgg16_bn-6c64b313.pth",
        num_params=138365992,
        acc1=73.360,
        acc5=91.516,
        gflops=15.47,
        file_size_mb=527.866,
    )
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/vgg19_bn-c79401a0.pth",
        num_params=143678248,
        acc1=74.218,
        acc5=91.842,
        gflops=19.632,
        file_size_mb=548.143,
    )
    DEFAULT = IMAGENET1K_V1


@handle_legacy_interface(VGG11_Weights.IMAGENET1K_V1)
def vgg11(*, weights: VGG11_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 (configuration A of the paper), as ``torchvision.models.vgg11``.

    Args:
        weights (VGG11_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``).
    """
    weights = VGG11_Weights.verify(weights)
    return _vgg("A", False, weights, progress, **kwargs)


@handle_legacy_interface(VGG13_Weights.IMAGENET1K_V1)
def vgg13(*, weights: VGG13_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-13 (configuration B of the paper), as ``torchvision.models.vgg13``.

    Args:
        weights (VGG13_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``).
    """
    weights = VGG13_Weights.verify(weights)
    return _vgg("B", False, weights, progress, **kwargs)


@handle_legacy_interface(VGG16_Weights.IMAGENET1K_V1)
def vgg16(*, weights: VGG16_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 (configuration D of the paper), as ``torchvision.models.vgg16``.

    Args:
        weights (VGG16_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``).
    """
    weights = VGG16_Weights.verify(weights)
    return _vgg("D", False, weights, progress, **kwargs)


@handle_legacy_interface(VGG19_Weights.IMAGENET1K_V1)
def vgg19(*, weights: VGG19_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-19 (configuration E of the paper), as ``torchvision.models.vgg19``.

    Args:
        weights (VGG19_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``).
    """
    weights = VGG19_Weights.verify(weights)
    return _vgg("E", False, weights, progress, **kwargs)


@handle_legacy_interface(VGG11_BN_Weights.IMAGENET1K_V1)
def vgg11_bn(
    *, weights: VGG11_BN_Weights | None = None, progress: bool = True, **kwargs: Any
) -> VGG:
    """VGG-11 with batch normalisation, as ``torchvision.models.vgg11_bn``.

    Args:
        weights (VGG11_BN_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``).
    """
    weights = VGG11_BN_Weights.verify(weights)
    return _vgg("A", True, weights, progress, **kwargs)


@handle_legacy_interface(VGG13_BN_Weights.IMAGENET1K_V1)
def vgg13_bn(
    *, weights: VGG13_BN_Weights | None = None, progress: bool = True, **kwargs: Any
) -> VGG:
    """VGG-13 with batch normalisation, as ``torchvision.models.vgg13_bn``.

    Args:
        weights (VGG13_BN_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``).
    """
    weights = VGG13_BN_Weights.verify(weights)
    return _vgg("B", True, weights, progress, **kwargs)


@handle_legacy_interface(VGG16_BN_Weights.IMAGENET1K_V1)
def vgg16_bn(
    *, weights: VGG16_BN_Weights | None = None, progress: bool = True, **kwargs: Any
) -> VGG:
    """VGG-16 with batch normalisation, as ``torchvision.models.vgg16_bn``.

    Args:
        weights (VGG16_BN_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``).
    """
    weights = VGG16_BN_Weights.verify(weights)
    return _vgg("D", True, weights, progress, **kwargs)


@handle_legacy_interface(VGG19_BN_Weights.IMAGENET1K_V1)
def vgg19_bn(
    *, weights: VGG19_BN_Weights | None = None, progress: bool = True, **kwargs: Any
) -> VGG:
    """VGG-19 with batch normalisation, as ``torchvision.models.vgg19_bn``.

    Args:
        weights (VGG19_BN_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``).
    """
    weights = VGG19_BN_Weights.verify(weights)
    return _vgg("E", True, weights, progress, **kwargs)
