"""``Adagrad`` (Duchi et al.), as PyTorch documents it.

With learning rate γ, lr_decay η, weight decay λ, at step t = 1, 2, ...::

    g  <- ∇J(θ)                   (-∇J(θ) if maximize)
    g  <- g + λ θ                 if λ != 0
    γ̃  =  γ / (1 + (t - 1) η)
    s  <- s + g²                  (s starts at initial_accumulator_value)
    θ  <- θ - γ̃ g / (√s + ε)

The lecture notes (002 §5.2.2) write ``s <- s + ∇J ⊙ ∇J; θ <- θ - α/√(s + ε)
⊙ ∇J``: the same accumulation, with α = γ, lr_decay 0 and ε inside the square
root instead of added to it. Both ε only guard against a zero s (PyTorch's is
1e-10), so the two agree to within ε relative to √s.
"""
import numpy as np

from .optimizer import Optimizer


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
    initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False)``.
    State per parameter (made at construction, as PyTorch): ``step``, ``sum``."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False):
        for name, value in (("learning rate", lr), ("lr_decay value", lr_decay),
                            ("weight_decay value", weight_decay),
                            ("initial_accumulator_value value", initial_accumulator_value),
                            ("epsilon value", eps)):
            if value < 0.0:
                raise ValueError(f"Invalid {name}: {value}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init(p._data, self.state[p], group)

    def _init(self, p, state, group):
        state["step"] = self._scalar()
        state["sum"] = self._zeros(p, group["initial_accumulator_value"])

    def _update(self, p, g, state, group):
        if not state:
            self._init(p, state, group)
        step = self._count(state)
        d = self._direction(p, g, group["weight_decay"], group["maximize"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        s, t = state["sum"]._data, self._buffer(p, 2)
        s += np.multiply(d, d, out=t)
        std = np.add(np.sqrt(s, out=t), group["eps"], out=t)
        p += np.multiply(np.divide(d, std, out=t), -clr, out=t)
