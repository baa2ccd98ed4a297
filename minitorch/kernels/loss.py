"""Cross-entropy kernels: log-softmax fused with the negative log-likelihood, per row.

For logits ``x`` (M, C) (one row per sample, classes last), integer targets ``t`` (M,),
class weights ``w`` (C,) and label smoothing ``eps``::

    m_i     = max_c x_ic,   s_i = log sum_c exp(x_ic - m_i)      (stable log-sum-exp)
    logp_ic = (x_ic - m_i) - s_i                                 (log-softmax)
    loss_i  = -(1 - eps) * w[t_i] * logp[i, t_i] - (eps / C) * sum_c w_c * logp_ic
    loss_i  = 0 where t_i == ignore_index

and, with ``p_ic = exp(logp_ic)``, ``W = sum_c w_c`` and an upstream gradient ``g_i``::

    dloss_i/dx_ij = p_ij * ((1 - eps) * w[t_i] + (eps / C) * W)
                    - (1 - eps) * w[t_i] * [j == t_i] - (eps / C) * w_j

Why ``(x - m) - s`` and not ``x - (m + s)``: for large logits ``m + s`` rounds back to
``m`` (1e17 + log 3 == 1e17 in floating point), which would make every tied class's
log-probability 0. PyTorch's log_softmax subtracts in the same order.

Why fused: written as log_softmax followed by nll_loss the forward makes an (M, C) array
of log-probabilities and the backward two more; here the forward keeps only ``m`` and
``s`` (M,) and the backward writes the gradient in one pass over the logits. Sums are
accumulated in float64 so that float32 logits lose nothing to the reduction.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["cross_entropy_backward", "cross_entropy_forward"]


@numba.njit(cache=True, nogil=True)
def cross_entropy_forward(
    logits, target, weight, ignore_index, label_smoothing, losses, row_max, log_sum
):
    """Fill ``losses``, ``row_max`` and ``log_sum`` (M,) for logits (M, C), target (M,),
    weight (C,)."""
    n_rows, n_classes = logits.shape
    for i in range(n_rows):
        largest = -np.inf
        for c in range(n_classes):
            if logits[i, c] > largest:
                largest = logits[i, c]
        total = 0.0
        for c in range(n_classes):
            total += np.exp(np.float64(logits[i, c]) - largest)
        log_total = np.log(total)
        row_max[i] = largest
        log_sum[i] = log_total
        t = target[i]
        if t == ignore_index:
            losses[i] = 0.0
            continue
        loss = -(1.0 - label_smoothing) * weight[t] * ((logits[i, t] - largest) - log_total)
        if label_smoothing > 0.0:
            smooth = 0.0
            for c in range(n_classes):
                smooth += weight[c] * ((np.float64(logits[i, c]) - largest) - log_total)
            loss -= label_smoothing / n_classes * smooth
        losses[i] = loss


@numba.njit(cache=True, nogil=True)
def cross_entropy_backward(
    logits,
    target,
    weight,
    ignore_index,
    label_smoothing,
    row_max,
    log_sum,
    grad_losses,
    grad_logits,
):
    """Fill ``grad_logits`` (M, C) from ``grad_losses`` (M,), the upstream gradient per row."""
    n_rows, n_classes = logits.shape
    smooth = label_smoothing / n_classes
    weight_total = 0.0
    for c in range(n_classes):
        weight_total += weight[c]
    for i in range(n_rows):
        t = target[i]
        if t == ignore_index:
            for c in range(n_classes):
                grad_logits[i, c] = 0.0
            continue
        g = grad_losses[i]
        target_weight = (1.0 - label_smoothing) * weight[t]
        scale = target_weight + smooth * weight_total
        largest = row_max[i]
        log_total = log_sum[i]
        for c in range(n_classes):
            p = np.exp((np.float64(logits[i, c]) - largest) - log_total)
            grad_logits[i, c] = g * (p * scale - smooth * weight[c])
        grad_logits[i, t] -= g * target_weight
