"""Loss layers: ``CrossEntropyLoss``, ``NLLLoss``, ``MSELoss``, ``L1Loss``."""

from __future__ import annotations

from minitorch._tensor import Tensor
from minitorch.nn import functional as F
from minitorch.nn._reduction import legacy_get_string
from minitorch.nn.modules.module import Module

__all__ = ["CrossEntropyLoss", "L1Loss", "MSELoss", "NLLLoss"]


class _Loss(Module):
    """Holds ``reduction`` ('none', 'mean' or 'sum'), set from the legacy flags if given."""

    reduction: str

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = legacy_get_string(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight``, kept as a buffer (it is in state_dict)."""

    weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    r"""Mean absolute error: :math:`\ell_n = |x_n - y_n|`, then reduced.

    Args:
        reduction (str, optional): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``
        size_average, reduce: deprecated, use ``reduction``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, same shape as the input.
        - Output: scalar; with ``reduction='none'`` the input's shape.

    Example::

        >>> loss = nn.L1Loss(reduction="sum")
        >>> loss(minitorch.tensor([1.0, 2.0, 3.0]), minitorch.tensor([1.0, 2.0, 5.0]))
        tensor(2.)
    """

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    r"""Mean squared error: :math:`\ell_n = (x_n - y_n)^2`, then reduced.

    Args:
        reduction (str, optional): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``
        size_average, reduce: deprecated, use ``reduction``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, same shape as the input.
        - Output: scalar; with ``reduction='none'`` the input's shape.

    Example::

        >>> loss = nn.MSELoss()
        >>> loss(minitorch.tensor([1.0, 2.0, 3.0]), minitorch.tensor([1.0, 2.0, 5.0]))
        tensor(1.3333)
    """

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    r"""Negative log-likelihood of log-probabilities: :math:`\ell_n = -w_{y_n} x_{n, y_n}`.

    Args:
        weight (Tensor, optional): rescaling weight for each class, shape (C,)
        ignore_index (int, optional): a target value that contributes nothing. Default: -100
        reduction (str, optional): ``'none'`` | ``'mean'`` | ``'sum'``; the mean divides by
            the summed weights of the non-ignored targets. Default: ``'mean'``
        size_average, reduce: deprecated, use ``reduction``.

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` or :math:`(N, C, d_1, ..., d_K)`.
        - Target: :math:`(N)`, :math:`()` or :math:`(N, d_1, ..., d_K)`, class indices.
        - Output: scalar; with ``reduction='none'`` the target's shape.

    Example::

        >>> log_probs = minitorch.log(minitorch.tensor([[0.25, 0.75]]))
        >>> nn.NLLLoss()(log_probs, minitorch.tensor([1]))
        tensor(0.2877)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross-entropy between logits and targets: log-softmax, then negative log-likelihood.

    For class-index targets :math:`\ell_n = -w_{y_n} \log \text{softmax}(x_n)_{y_n}`; for
    class-probability targets :math:`\ell_n = -\sum_c w_c y_{n,c} \log \text{softmax}(x_n)_c`.

    Args:
        weight (Tensor, optional): rescaling weight for each class, shape (C,)
        ignore_index (int, optional): a target value that contributes nothing (class
            indices only). Default: -100
        reduction (str, optional): ``'none'`` | ``'mean'`` | ``'sum'``; for class indices the
            mean divides by the summed weights of non-ignored targets. Default: ``'mean'``
        label_smoothing (float, optional): in [0, 1]; the target becomes a mix of itself and
            the uniform distribution. Default: 0.0
        size_average, reduce: deprecated, use ``reduction``.

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` or :math:`(N, C, d_1, ..., d_K)`, unnormalised logits.
        - Target: class indices :math:`(N)`, :math:`()` or :math:`(N, d_1, ..., d_K)` (int64),
          or probabilities of the input's shape.
        - Output: scalar; with ``reduction='none'`` the shape of one class slice.

    Example::

        >>> loss = nn.CrossEntropyLoss()
        >>> loss(minitorch.tensor([[0.1, 0.2, 0.3]]), minitorch.tensor([1]))
        tensor(1.1019)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )
