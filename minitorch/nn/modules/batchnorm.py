"""Batch normalisation layers: ``BatchNorm1d`` and ``BatchNorm2d``."""

from __future__ import annotations

from typing import Any

from minitorch import _creation, _dtype
from minitorch._device import check_cpu
from minitorch._dtype import dtype as Dtype
from minitorch._functional.normalization import batch_norm
from minitorch._tensor import Tensor
from minitorch.nn import init
from minitorch.nn.modules.module import Module
from minitorch.nn.parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    """What the batch normalisation layers share: the parameters, the running estimates and
    a ``forward`` that chooses between the batch's statistics and the running ones."""

    # PyTorch's state_dict version 2 added num_batches_tracked
    _version = 2

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: object = None,
        dtype: Dtype | None = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if device is not None:
            check_cpu(device)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(_creation.empty(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(_creation.empty(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", _creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", _creation.tensor(0, dtype=_dtype.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """The running estimates reset, weight 1 and bias 0 (the identity map)."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def _load_from_state_dict(
        self,
        state_dict: Any,
        prefix: str,
        local_metadata: dict[str, Any],
        *args: Any,
    ) -> None:
        # A checkpoint from before num_batches_tracked existed (version 1, PyTorch 0.4) or a
        # plain dict without state_dict()'s version records has none: PyTorch keeps the
        # module's own count then, and reports the key missing from a version-2 state_dict.
        key = prefix + "num_batches_tracked"
        version = local_metadata.get("version")
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            state_dict = {**state_dict, key: self.num_batches_tracked}
        super()._load_from_state_dict(state_dict, prefix, local_metadata, *args)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative average: every batch weighs the same
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training, and in evaluation where there are no running ones
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        # the running estimates are passed where they are used or to be updated
        pass_running = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if pass_running else None,
            self.running_var if pass_running else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    r"""Applies Batch Normalization over a 2D or 3D input (Ioffe and Szegedy, 2015).

    .. math::

        y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

    per feature ``c``, the statistics taken over the batch (and the length ``L``). In
    training they are the batch's (the variance biased), and the running estimates move
    towards them: ``running = (1 - momentum) * running + momentum * batch``, the variance
    stored unbiased; in evaluation the running estimates are used.

    Args:
        num_features (int): :math:`C` of an input :math:`(N, C)` or :math:`(N, C, L)`
        eps (float, optional): added to the variance, for numerical stability. Default: 1e-5
        momentum (float or None, optional): the weight of each new batch in the running
            estimates; ``None`` for a cumulative average (every batch alike). Default: 0.1
        affine (bool, optional): learn ``weight`` (:math:`\gamma`, initialised to 1) and
            ``bias`` (:math:`\beta`, 0). Default: ``True``
        track_running_stats (bool, optional): keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked``; if ``False`` the batch's statistics are used in
            evaluation too. Default: ``True``
        bias (bool, keyword only): learn ``bias`` (with ``affine``). Default: ``True``

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)`
        - Output: the same shape as the input

    Example::

        >>> bn = nn.BatchNorm1d(100)
        >>> bn(minitorch.randn(20, 100)).shape
        minitorch.Size([20, 100])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    r"""Applies Batch Normalization over a 4D input (Ioffe and Szegedy, 2015).

    .. math::

        y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

    per channel ``c``, the statistics taken over :math:`(N, H, W)`. In training they are the
    batch's (the variance biased), and the running estimates move towards them:
    ``running = (1 - momentum) * running + momentum * batch``, the variance stored unbiased;
    in evaluation the running estimates are used.

    Args:
        num_features (int): :math:`C` of an input :math:`(N, C, H, W)`
        eps (float, optional): added to the variance, for numerical stability. Default: 1e-5
        momentum (float or None, optional): the weight of each new batch in the running
            estimates; ``None`` for a cumulative average (every batch alike). Default: 0.1
        affine (bool, optional): learn ``weight`` (:math:`\gamma`, initialised to 1) and
            ``bias`` (:math:`\beta`, 0). Default: ``True``
        track_running_stats (bool, optional): keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked``; if ``False`` the batch's statistics are used in
            evaluation too. Default: ``True``
        bias (bool, keyword only): learn ``bias`` (with ``affine``). Default: ``True``

    Shape:
        - Input: :math:`(N, C, H, W)`
        - Output: :math:`(N, C, H, W)`, the same shape as the input

    Example::

        >>> bn = nn.BatchNorm2d(64)
        >>> bn(minitorch.randn(8, 64, 16, 16)).shape
        minitorch.Size([8, 64, 16, 16])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")
