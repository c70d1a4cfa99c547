"""``RMSprop`` (Hinton), with momentum and the centered variant, as PyTorch
documents it.

With learning rate γ, smoothing constant α, momentum μ, weight decay λ::

    g  <- ∇J(θ)                   (-∇J(θ) if maximize)
    g  <- g + λ θ                 if λ != 0
    v  <- α v + (1 - α) g²
    ḡ  <- α ḡ + (1 - α) g,  ṽ = v - ḡ²      if centered (a variance), else ṽ = v
    b  <- μ b + g / (√ṽ + ε),  θ <- θ - γ b  if μ > 0,
    θ  <- θ - γ g / (√ṽ + ε)                otherwise

The lecture notes (002 §5.2.3) write ``s <- β s + (1 - β) ∇J ⊙ ∇J;
θ <- θ - α/√(s + ε) ⊙ ∇J``. Mind the names: the notes' decay β is PyTorch's
``alpha`` (default 0.99; the notes quote Keras' 0.9) and the notes' α is
``lr``. ε sits outside the square root in PyTorch (1e-8), inside in the
notes; both only guard a zero s. Without momentum and centering the two are
the same algorithm.
"""
import numpy as np

from .optimizer import Optimizer


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
    momentum=0, centered=False, foreach=None, maximize=False)``. State per
    parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0),
    ``grad_avg`` (centered)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 foreach=None, maximize=False):
        for name, value in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                            ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if value < 0.0:
                raise ValueError(f"Invalid {name}: {value}")
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        alpha, momentum, centered = group["alpha"], group["momentum"], group["centered"]
        if not state:
            state["step"] = self._scalar()
            state["square_avg"] = self._zeros(p)
        if momentum > 0 and "momentum_buffer" not in state:  # also when switched on later
            state["momentum_buffer"] = self._zeros(p)
        if centered and "grad_avg" not in state:
            state["grad_avg"] = self._zeros(p)
        self._count(state)
        d = self._direction(p, g, group["weight_decay"], group["maximize"])
        v, t = state["square_avg"]._data, self._buffer(p, 2)
        v *= alpha
        v += np.multiply(np.multiply(d, 1 - alpha, out=t), d, out=t)
        if centered:
            ga = state["grad_avg"]._data
            ga += np.multiply(np.subtract(d, ga, out=t), 1 - alpha, out=t)
            avg = np.sqrt(np.subtract(v, np.multiply(ga, ga, out=t), out=t), out=t)
        else:
            avg = np.sqrt(v, out=t)
        avg += group["eps"]
        step = np.divide(d, avg, out=t)
        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= momentum
            buf += step
            step = buf
        p += np.multiply(step, -group["lr"], out=t)
