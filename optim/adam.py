"""``Adam`` (Kingma & Ba), with amsgrad, L2 or decoupled weight decay and
maximize, as PyTorch documents it.

With learning rate γ, betas (β1, β2), weight decay λ, at step t = 1, 2, ...::

    g  <- ∇J(θ)                     (-∇J(θ) if maximize)
    θ  <- θ (1 - γ λ)               if decoupled_weight_decay (AdamW),
    g  <- g + λ θ                   otherwise, if λ != 0
    m  <- β1 m + (1 - β1) g         (computed as m + (1 - β1)(g - m), PyTorch's lerp)
    v  <- β2 v + (1 - β2) g²
    vmax <- max(vmax, v)            if amsgrad (then vmax replaces v below)
    θ  <- θ - γ/(1 - β1^t) · m / (√v / √(1 - β2^t) + ε)

The lecture notes (002 §5.2.4) write ``s`` for v and α for γ, and their bias
corrections divide by 1 - β1 and 1 - β2 without the step t: that equals the
form above at t = 1 only. With t, the corrections fade as t grows (1 - β^t ->
1), as they should: they undo the zero start of m and v, which matters only at
the beginning. Dividing by the constants 1 - β would instead scale every step
by √(1 - β2)/(1 - β1) ≈ 0.32 for the default betas, forever. ε is added to √v̂
as in the notes.
"""
import math

from autograd_core.kernels import optim as kernels

from .optimizer import Optimizer


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False, *, foreach=None, maximize=False, decoupled_weight_decay=False)``.
    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v) and
    ``max_exp_avg_sq`` with amsgrad."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, decoupled_weight_decay=False):
        _check(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        if not state:
            state["step"] = self._scalar()
            state["exp_avg"], state["exp_avg_sq"] = self._zeros(p), self._zeros(p)
        if amsgrad and "max_exp_avg_sq" not in state:  # also when amsgrad is switched on later
            state["max_exp_avg_sq"] = self._zeros(p)
        step = self._count(state)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        vmax = state["max_exp_avg_sq"]._data if amsgrad else None
        decoupled = group["decoupled_weight_decay"]
        decay, l2 = (1 - lr * wd, 0) if decoupled else (1, wd)
        step_size = lr / (1 - beta1 ** step)
        bc2_sqrt = math.sqrt(1 - beta2 ** step)
        kernels.adam(p, g, m, v, vmax, l2, decay, beta1, beta2, bc2_sqrt, eps, step_size, maximize)


def _check(lr, betas, eps, weight_decay):
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas}")
    for i, b in enumerate(betas):
        if not 0.0 <= b < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
