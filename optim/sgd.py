"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov
momentum, weight decay and maximize, as PyTorch documents it.

With learning rate γ, momentum μ, dampening τ, weight decay λ, at step t::

    g  <- ∇J(θ)           (-∇J(θ) if maximize)
    g  <- g + λ θ          if λ != 0
    b  <- g                at the first step (t = 1), else  b <- μ b + (1 - τ) g
    g  <- g + μ b          if nesterov, else  g <- b          (if μ != 0)
    θ  <- θ - γ g

The lecture notes (002 §5.2.1) write momentum as ``m <- β m + α ∇J;
θ <- θ - m``, starting from m = 0. With a constant learning rate and τ = 0
this is the same algorithm: by induction ``m = α b`` (first step: m = α g,
b = g), so both produce the same θ. They differ only when α changes during
training: the notes' m keeps the old rates baked in, PyTorch's b does not.

The notes' Nesterov update evaluates the gradient at the look-ahead point,
``m <- β m + α ∇J(θ - β m); θ <- θ - m``. PyTorch stores the look-ahead point
itself, φ = θ - β m, as the parameter; in φ the same recursion reads
``φ <- φ - α (∇J(φ) + β b)`` with b as above: ``nesterov=True``.
"""
from autograd_core.kernels import optim as kernels

from .optimizer import Optimizer


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
    nesterov=False, *, maximize=False, foreach=None)``. ``foreach`` is
    accepted for PyTorch scripts and ignored (there is one implementation).
    State per parameter: ``momentum_buffer`` (when momentum != 0)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        first = momentum != 0 and "momentum_buffer" not in state
        if first:
            state["momentum_buffer"] = self._zeros(p)
        buf = state["momentum_buffer"]._data if momentum != 0 else None
        kernels.sgd(p, g, buf, lr, wd, momentum, dampening, nesterov, maximize, first)
