"""``Adadelta`` (Zeiler), as PyTorch documents it.

With coefficient ρ, learning rate γ (a plain scale, 1.0 by default), weight
decay λ::

    g  <- ∇J(θ)                   (-∇J(θ) if maximize)
    g  <- g + λ θ                 if λ != 0
    v  <- ρ v + (1 - ρ) g²
    Δ  =  √(u + ε) / √(v + ε) · g
    u  <- ρ u + (1 - ρ) Δ²
    θ  <- θ - γ Δ

Adadelta is RMSprop (lecture notes 002 §5.2.3: ``s <- β s + (1 - β) ∇J²``,
step ``α/√(s + ε) ∇J``, with ε inside the root as here) whose rate α is
replaced by √(u + ε), the root mean square of the recent updates Δ: the
step then has the units of θ and needs no learning rate.
"""
import numpy as np

from .optimizer import Optimizer


class Adadelta(Optimizer):
    """``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0,
    foreach=None, *, maximize=False)``. State per parameter: ``step``,
    ``square_avg`` (v), ``acc_delta`` (u)."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, maximize=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = self._scalar()
            state["square_avg"], state["acc_delta"] = self._zeros(p), self._zeros(p)
        self._count(state)
        d = self._direction(p, g, group["weight_decay"], group["maximize"])
        v, u = state["square_avg"]._data, state["acc_delta"]._data
        t, delta = self._buffer(p, 2), self._buffer(p, 3)
        v *= rho
        v += np.multiply(np.multiply(d, 1 - rho, out=t), d, out=t)
        std = np.sqrt(np.add(v, eps, out=t), out=t)
        np.sqrt(np.add(u, eps, out=delta), out=delta)
        delta /= std
        delta *= d
        u *= rho
        u += np.multiply(np.multiply(delta, 1 - rho, out=t), delta, out=t)
        p += np.multiply(delta, -group["lr"], out=t)
