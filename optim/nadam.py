"""``NAdam`` (Dozat): Adam with Nesterov momentum, as PyTorch documents it.

With learning rate γ, betas (β1, β2), momentum decay ψ, weight decay λ, at
step t = 1, 2, ...::

    g   <- ∇J(θ)                     (-∇J(θ) if maximize)
    θ   <- θ (1 - γ λ)  if decoupled_weight_decay,  else  g <- g + λ θ   (if λ != 0)
    μ_t  = β1 (1 - ½ · 0.96^(t ψ)),   μ_{t+1} likewise,   Π_t = μ_1 ⋯ μ_t
    m   <- β1 m + (1 - β1) g
    v   <- β2 v + (1 - β2) g²
    d    = √(v / (1 - β2^t)) + ε
    θ   <- θ - γ (1 - μ_t)/(1 - Π_t) · g/d - γ μ_{t+1}/(1 - Π_t μ_{t+1}) · m/d

It is the lecture notes' Adam (002 §5.2.4, see ``adam.py`` for the bias
correction) with the look-ahead of Nesterov momentum (§5.2.1.1): the step
mixes the current gradient with the *next* momentum, weighted by the warmed-up
momentum schedule μ_t. ``mu_product`` (Π_t) is kept in float32 state, as
PyTorch keeps it.
"""
import numpy as np

from .adam import _check
from .optimizer import Optimizer


class NAdam(Optimizer):
    """``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
    maximize=False)``. State: ``step``, ``mu_product``, ``exp_avg``, ``exp_avg_sq``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False):
        _check(lr, betas, eps, weight_decay)
        if momentum_decay < 0.0:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        psi = group["momentum_decay"]
        if not state:
            state["step"], state["mu_product"] = self._scalar(), self._scalar(1.0)
            state["exp_avg"], state["exp_avg_sq"] = self._zeros(p), self._zeros(p)
        step = self._count(state)
        bc2 = 1 - beta2 ** step
        decoupled = group["decoupled_weight_decay"]
        if decoupled and wd != 0:
            p *= 1 - lr * wd
        d = self._direction(p, g, 0 if decoupled else wd, group["maximize"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mp = state["mu_product"]._data
        mp *= mu
        mu_product = float(mp)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        t, den = self._buffer(p, 2), self._buffer(p, 3)
        m += np.multiply(np.subtract(d, m, out=t), 1 - beta1, out=t)
        v *= beta2
        v += np.multiply(np.multiply(d, 1 - beta2, out=t), d, out=t)
        np.add(np.sqrt(np.divide(v, bc2, out=den), out=den), group["eps"], out=den)
        p += np.multiply(np.divide(d, den, out=t), -lr * (1.0 - mu) / (1.0 - mu_product), out=t)
        p += np.multiply(np.divide(m, den, out=t), -lr * mu_next / (1.0 - mu_product * mu_next), out=t)
