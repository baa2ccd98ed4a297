"""ResNet (He et al., 2015, https://arxiv.org/abs/1512.03385), as torchvision builds it.

The same module tree, ``repr`` and ``state_dict`` keys as ``torchvision.models.resnet``, so
torchvision's checkpoints load as they are::

    ResNet(
      (conv1): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
      (bn1): BatchNorm2d(64, ...)  (relu): ReLU(inplace=True)           # 224 -> 112
      (maxpool): MaxPool2d(kernel_size=3, stride=2, padding=1, ...)     # 112 -> 56
      (layer1) ... (layer4): Sequential(BasicBlock, ...)                # 56 -> 7, 512 channels
      (avgpool): AdaptiveAvgPool2d(output_size=(1, 1))
      (fc): Linear(in_features=512, out_features=1000, bias=True)
    )

A :class:`BasicBlock` is two 3x3 convolutions, each followed by batch normalisation, whose
output is added to the block's input (``out += identity``, in place) before the last ReLU;
where a block changes the size or the channel count, ``downsample`` (a strided 1x1
convolution and batch normalisation) reshapes the input first. ``resnet18`` stacks
2, 2, 2, 2 of them and ``resnet34`` 3, 4, 6, 3. The deeper ResNets (``resnet50`` and up)
are built from torchvision's ``Bottleneck`` blocks, which minitorch does not provide.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from minitorch._functional.shape import flatten
from minitorch._tensor import Tensor
from minitorch.nn import init
from minitorch.nn.modules.activation import ReLU
from minitorch.nn.modules.batchnorm import BatchNorm2d
from minitorch.nn.modules.container import Sequential
from minitorch.nn.modules.conv import Conv2d
from minitorch.nn.modules.linear import Linear
from minitorch.nn.modules.module import Module
from minitorch.nn.modules.pooling import AdaptiveAvgPool2d, MaxPool2d
from minitorch.vision.models._api import Weights, WeightsEnum, image_classification_preset
from minitorch.vision.models._meta import IMAGENET_CATEGORIES
from minitorch.vision.models._utils import handle_legacy_interface, overwrite_named_param

__all__ = ["ResNet", "ResNet18_Weights", "ResNet34_Weights", "resnet18", "resnet34"]


def conv3x3(
    in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1
) -> Conv2d:
    """3x3 convolution with padding (as much as the dilation: the size is kept at stride 1),
    without bias: the batch normalisation after it has one."""
    return Conv2d(
        in_planes,
        out_planes,
        kernel_size=3,
        stride=stride,
        padding=dilation,
        groups=groups,
        bias=False,
        dilation=dilation,
    )


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> Conv2d:
    """1x1 convolution without bias."""
    return Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(Module):
    r"""Two 3x3 convolutions with batch normalisation, and the input added back.

    ``relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x))``, ``downsample`` the identity
    when None. The first convolution carries the block's ``stride``.

    Shape:
        - Input: :math:`(N, \text{inplanes}, H, W)`
        - Output: :math:`(N, \text{planes}, \lceil H / \text{stride} \rceil,
          \lceil W / \text{stride} \rceil)`
    """

    expansion: int = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer: Callable[..., Module] | None = None,
    ) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)

        return out


class ResNet(Module):
    r"""A ResNet: a 7x7 stride-2 convolution and a 3x3 stride-2 max pooling, four stages of
    blocks (64, 128, 256 and 512 channels, each stage after the first halving the size),
    an average over what is left of the picture, and one linear layer.

    Args:
        block (type): the residual block, :class:`BasicBlock`
        layers (list of 4 ints): how many blocks each stage has
        num_classes (int, optional): outputs of the last linear layer. Default: 1000
        zero_init_residual (bool, optional): start each block's last batch normalisation
            at weight 0, so that each block starts as the identity. Default: ``False``
        groups (int, optional), width_per_group (int, optional): kept for torchvision's
            signature; :class:`BasicBlock` only takes 1 and 64. Default: 1, 64
        replace_stride_with_dilation (list of 3 bools, optional): dilate stages 2-4 instead
            of striding them (the blocks must support dilation). Default: ``None``
        norm_layer (callable, optional): the normalisation layer. Default:
            :class:`~minitorch.nn.BatchNorm2d`

    Initialisation is torchvision's: convolutions Kaiming-normal (fan-out, ReLU gain),
    batch normalisation weight 1 and bias 0, the linear layer PyTorch's default.

    Shape:
        - Input: :math:`(N, 3, H, W)`, any :math:`H, W \ge 1`
        - Output: :math:`(N, \text{num\_classes})`

    Example::

        >>> model = resnet18()
        >>> model.eval()(minitorch.randn(1, 3, 64, 64)).shape
        minitorch.Size([1, 1000])
    """

    def __init__(
        self,
        block: type[BasicBlock],
        layers: list[int],
        num_classes: int = 1000,
        zero_init_residual: bool = False,
        groups: int = 1,
        width_per_group: int = 64,
        replace_stride_with_dilation: list[bool] | None = None,
        norm_layer: Callable[..., Module] | None = None,
    ) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        self._norm_layer = norm_layer

        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            # each element says whether to replace that stage's stride 2 with a dilation
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError(
                "replace_stride_with_dilation should be None "
                f"or a 3-element tuple, got {replace_stride_with_dilation}"
            )
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = ReLU(inplace=True)
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(
            block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0]
        )
        self.layer3 = self._make_layer(
            block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1]
        )
        self.layer4 = self._make_layer(
            block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2]
        )
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, BatchNorm2d):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)

        # Each residual branch starting at zero makes each block start as the identity,
        # which improves the model by 0.2~0.3% (https://arxiv.org/abs/1706.02677).
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    init.constant_(m.bn2.weight, 0)

    def _make_layer(
        self,
        block: type[BasicBlock],
        planes: int,
        blocks: int,
        stride: int = 1,
        dilate: bool = False,
    ) -> Sequential:
        """One stage: ``blocks`` blocks to ``planes`` channels, the first with ``stride``
        (and ``downsample`` where the input's size or channel count changes)."""
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )

        layers = [
            block(
                self.inplanes,
                planes,
                stride,
                downsample,
                self.groups,
                self.base_width,
                previous_dilation,
                norm_layer,
            )
        ]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(
                block(
                    self.inplanes,
                    planes,
                    groups=self.groups,
                    base_width=self.base_width,
                    dilation=self.dilation,
                    norm_layer=norm_layer,
                )
            )

        return Sequential(*layers)

    def _forward_impl(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)

        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)

        x = self.avgpool(x)
        x = flatten(x, 1)
        x = self.fc(x)

        return x

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


def _resnet(
    block: type[BasicBlock],
    layers: list[int],
    weights: WeightsEnum | None,
    progress: bool,
    **kwargs: Any,
) -> ResNet:
    if weights is not None:
        overwrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))

    model = ResNet(block, layers, **kwargs)

    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))

    return model


_COMMON_META = {
    "min_size": (1, 1),
    "categories": IMAGENET_CATEGORIES,
}


def _imagenet_weights(
    url: str, num_params: int, acc1: float, acc5: float, gflops: float, file_size_mb: float
) -> Weights:
    """A ResNet's ImageNet-1K checkpoint, described as torchvision describes it."""
    meta = {
        **_COMMON_META,
        "num_params": num_params,
        "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#resnet",
        "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}},
        "_ops": gflops,
        "_file_size": file_size_mb,
        "_docs": """These weights reproduce closely the results of the paper using a simple training recipe.""",  # noqa: E501
    }
    return Weights(
        url=url, transforms=partial(image_classification_preset, crop_size=224), meta=meta
    )


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/resnet18-f37072fd.pth",
        num_params=11689512,
        acc1=69.758,
        acc5=89.078,
        gflops=1.814,
        file_size_mb=44.661,
    )
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet_weights(
        url="https://download.pytorch.org/models/resnet34-b627a593.pth",
        num_params=21797672,
        acc1=73.314,
        acc5=91.420,
        gflops=3.664,
        file_size_mb=83.275,
    )
    DEFAULT = IMAGENET1K_V1


@handle_legacy_interface(ResNet18_Weights.IMAGENET1K_V1)
def resnet18(
    *, weights: ResNet18_Weights | None = None, progress: bool = True, **kwargs: Any
) -> ResNet:
    """ResNet-18 (BasicBlocks 2, 2, 2, 2), as ``torchvision.models.resnet18``.

    Args:
        weights (ResNet18_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ...).
    """
    weights = ResNet18_Weights.verify(weights)
    return _resnet(BasicBlock, [2, 2, 2, 2], weights, progress, **kwargs)


@handle_legacy_interface(ResNet34_Weights.IMAGENET1K_V1)
def resnet34(
    *, weights: ResNet34_Weights | None = None, progress: bool = True, **kwargs: Any
) -> ResNet:
    """ResNet-34 (BasicBlocks 3, 4, 6, 3), as ``torchvision.models.resnet34``.

    Args:
        weights (ResNet34_Weights, optional): pretrained weights to load (from the torch
            hub cache, downloaded there when missing), or None (the default): torchvision's
            random initialisation. ``pretrained=True/False`` still works, with a warning.
        progress (bool, optional): show a progress bar while downloading. Default: ``True``
        **kwargs: passed to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ...).
    """
    weights = ResNet34_Weights.verify(weights)
    return _resnet(BasicBlock, [3, 4, 6, 3], weights, progress, **kwargs)
