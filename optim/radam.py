"""``RAdam`` (Liu et al.): Adam with a rectified adaptive rate, as PyTorch
documents it.

With learning rate γ, betas (β1, β2), weight decay λ, at step t = 1, 2, ...::

    g    <- ∇J(θ)                    (-∇J(θ) if maximize)
    θ    <- θ (1 - γ λ)  if decoupled_weight_decay,  else  g <- g + λ θ   (if λ != 0)
    m    <- β1 m + (1 - β1) g,   m̂ = m / (1 - β1^t)
    v    <- β2 v + (1 - β2) g²
    ρ_∞   = 2/(1 - β2) - 1,       ρ_t = ρ_∞ - 2 t β2^t / (1 - β2^t)
    if ρ_t > 5:   r = √((ρ_t - 4)(ρ_t - 2) ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2) ρ_t)),
                  θ <- θ - γ m̂ · √(1 - β2^t)/(√v + ε) · r
    else:         θ <- θ - γ m̂                 (plain momentum while v is unreliable)

This is the lecture notes' Adam (002 §5.2.4, see ``adam.py`` for the bias
correction with t) whose adaptive factor is switched on, and scaled by r,
only once enough steps make the variance estimate v trustworthy (about 5 for
the default β2): a built-in warm-up.
"""
import math

import numpy as np

from .adam import _check
from .optimizer import Optimizer


class RAdam(Optimizer):
    """``RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False, *, foreach=None, maximize=False)``. State:
    ``step``, ``exp_avg``, ``exp_avg_sq``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False):
        _check(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if not state:
            state["step"] = self._scalar()
            state["exp_avg"], state["exp_avg_sq"] = self._zeros(p), self._zeros(p)
        step = self._count(state)
        decoupled = group["decoupled_weight_decay"]
        if decoupled and wd != 0:
            p *= 1 - lr * wd
        d = self._direction(p, g, 0 if decoupled else wd, group["maximize"])
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        t, a = self._buffer(p, 2), self._buffer(p, 3)
        m += np.multiply(np.subtract(d, m, out=t), 1 - beta1, out=t)
        v *= beta2
        v += np.multiply(np.multiply(d, 1 - beta2, out=t), d, out=t)
        bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
        upd = np.multiply(np.divide(m, bc1, out=t), lr, out=t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            np.add(np.sqrt(v, out=a), group["eps"], out=a)
            upd *= np.divide(bc2 ** 0.5, a, out=a)
            upd *= rect
        p -= upd
