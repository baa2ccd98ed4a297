"""The layers of ``minitorch.nn``, one family per file as in ``torch/nn/modules``."""

from minitorch.nn.modules.activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from minitorch.nn.modules.batchnorm import BatchNorm1d, BatchNorm2d
from minitorch.nn.modules.container import ModuleList, Sequential
from minitorch.nn.modules.conv import Conv2d
from minitorch.nn.modules.dropout import Dropout, Dropout2d
from minitorch.nn.modules.flatten import Flatten
from minitorch.nn.modules.linear import Identity, Linear
from minitorch.nn.modules.loss import CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from minitorch.nn.modules.module import Module
from minitorch.nn.modules.pooling import AdaptiveAvgPool2d, MaxPool2d

__all__ = [
    "AdaptiveAvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout2d",
    "Flatten",
    "Identity",
    "L1Loss",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "NLLLoss",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
]
