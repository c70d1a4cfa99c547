"""``Adamax`` (Kingma & Ba, §7.1: Adam with the infinity norm), as PyTorch documents it.

With learning rate γ, betas (β1, β2), ε, weight decay λ, at step t = 1, 2, ...::

    g  <- ∇J(θ)                      (-∇J(θ) if maximize)
    g  <- g + λ θ                    if λ != 0
    m  <- β1 m + (1 - β1) g          (computed as m + (1 - β1)(g - m), PyTorch's lerp)
    u  <- max(β2 u, |g| + ε)
    θ  <- θ - γ/(1 - β1^t) · m / u

Adam divides by √v̂, a running root mean square of the gradients; Adamax
replaces the L2 average by an exponentially weighted L∞ norm u (the limit of
Adam's L^p update as p -> ∞), which needs no bias correction because its zero
start does not shrink a maximum. m and u start at 0.
"""
import numpy as np

from .adam import _check
from .optimizer import Optimizer


class Adamax(Optimizer):
    """``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    foreach=None, *, maximize=False)``. State per parameter: ``step``,
    ``exp_avg`` (m), ``exp_inf`` (u)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False):
        _check(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        (beta1, beta2), eps = group["betas"], group["eps"]
        if not state:
            state["step"] = self._scalar()
            state["exp_avg"], state["exp_inf"] = self._zeros(p), self._zeros(p)
        step = self._count(state)
        d = self._direction(p, g, group["weight_decay"], group["maximize"])
        m, u, t = state["exp_avg"]._data, state["exp_inf"]._data, self._buffer(p, 2)
        m += np.multiply(np.subtract(d, m, out=t), 1 - beta1, out=t)
        u *= beta2
        np.maximum(u, np.add(np.abs(d, out=t), eps, out=t), out=u)
        clr = group["lr"] / (1 - beta1 ** step)
        p += np.multiply(np.divide(m, u, out=t), -clr, out=t)
