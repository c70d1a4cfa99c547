"""``Rprop``: resilient backpropagation (Riedmiller & Braun), as PyTorch documents it.

Each weight has its own step size s (starting at ``lr``), adapted from the
sign of successive gradients only; the gradient's magnitude is never used.
With etas (η-, η+) and step_sizes (s_min, s_max), at step t = 1, 2, ...,
starting from g_prev = 0::

    g  <- ∇J(θ)                        (-∇J(θ) if maximize)
    if g · g_prev > 0:  s <- s η+
    if g · g_prev < 0:  s <- s η-;  g <- 0
    s  <- clip(s, s_min, s_max)        (every step size, every step, as PyTorch's code)
    θ  <- θ - sign(g) s
    g_prev <- g

A sign change means the last step jumped over a minimum: the step shrinks and
this weight pauses for one step (its g is set to 0, so the next product is 0
and s is left alone then). Rprop is a full-batch method: with mini-batches
the gradient signs are noise. No weight decay, as in PyTorch.
"""
import numpy as np

from .optimizer import Optimizer


class Rprop(Optimizer):
    """``Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
    foreach=None, maximize=False)``. State per parameter: ``step``, ``prev``
    (g_prev), ``step_size`` (s)."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, foreach=None,
                 maximize=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        (etaminus, etaplus), (lo, hi) = group["etas"], group["step_sizes"]
        if not state:
            state["step"] = self._scalar()
            state["prev"] = self._zeros(p)
            state["step_size"] = self._zeros(p, group["lr"])
        self._count(state)
        g = np.negative(g) if group["maximize"] else g.copy()
        prev, s = state["prev"]._data, state["step_size"]._data
        product = g * prev
        factor = np.where(product > 0, etaplus, np.where(product < 0, etaminus, 1.0)).astype(p.dtype)
        s *= factor
        np.clip(s, lo, hi, out=s)
        g[factor == etaminus] = 0
        p -= np.sign(g) * s
        prev[...] = g
