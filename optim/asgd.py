"""``ASGD``: averaged stochastic gradient descent (Polyak & Juditsky), as PyTorch documents it.

With learning rate γ, decay term λ (``lambd``), power α, averaging start t0,
weight decay w, at step t = 1, 2, ..., starting from η = γ, μ = 1, ax = 0::

    g  <- ∇J(θ)                      (-∇J(θ) if maximize)
    g  <- g + w θ                    if w != 0
    θ  <- θ (1 - λ η) - η g          (η, μ: the values of the previous step)
    ax <- ax + μ (θ - ax)            if μ != 1, else  ax <- θ
    η  <- γ / (1 + λ γ t)^α
    μ  <- 1 / max(1, t - t0)

θ follows SGD with a slowly decaying step η and a small shrinkage λ; ``ax``,
the state entry, is the running average of the iterates from step t0 on (before
that μ = 1 and ax is simply θ). The average is what the method is about: use
it as the final weights (``opt.state[p]['ax']``). As in PyTorch, η and μ are
kept as float32 0-d tensors (so a float64 run steps with γ rounded to float32).
"""
import numpy as np

from .optimizer import Optimizer


class ASGD(Optimizer):
    """``ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
    foreach=None, maximize=False)``. State per parameter: ``step``, ``eta``,
    ``mu``, ``ax``."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state["step"] = self._scalar()
            state["eta"], state["mu"] = self._scalar(lr), self._scalar(1.0)
            state["ax"] = self._zeros(p)
        step = self._count(state)
        d = self._direction(p, g, group["weight_decay"], group["maximize"])
        eta, mu = float(state["eta"]._data), float(state["mu"]._data)
        t = self._buffer(p, 2)
        p *= 1 - lambd * eta
        p += np.multiply(d, -eta, out=t)
        ax = state["ax"]._data
        if mu != 1:
            ax += np.multiply(np.subtract(p, ax, out=t), mu, out=t)
        else:
            ax[...] = p
        state["eta"] = self._scalar(lr / (1 + lambd * lr * step) ** group["alpha"])
        state["mu"] = self._scalar(1 / max(1, step - group["t0"]))
