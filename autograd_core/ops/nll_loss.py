"""The negative log-likelihood of class indices as one op, as PyTorch's ``nll_loss``
(node ``NllLossBackward0``; ``nn.functional.nll_loss`` and ``cross_entropy`` call it).

With log-probabilities x (N, C, d₁, ...), class indices t (N, d₁, ...) and per-target
weights ωᵢ = w_{tᵢ}·[tᵢ ≠ ignore_index] (w = 1 without class weights):

    'none'   yᵢ = -ωᵢ x[i, tᵢ]
    'sum'    y  = Σᵢ -ωᵢ x[i, tᵢ]
    'mean'   y  = Σᵢ -ωᵢ x[i, tᵢ] / Σᵢ ωᵢ

y is linear in x, so the backward is the adjoint, x̄ = zeros with -ωᵢ ȳᵢ (÷ Σ ω for 'mean')
at [i, tᵢ] (``NllScatter``), whose own adjoint is the pick again (``NllPick``), and the
tangent is the same pick of ẋ. The targets (and class weights) are inputs of the op, read
and checked by its forward, so an ``ag.compile`` replay recomputes ω from each call's targets.
The arithmetic is that of the composition it replaces (gather, neg, mul, sum, div), in the
same order, so the numbers are unchanged.
"""
import numpy as np

from ..function import Linear, Op


def _flat_index(t, shape):
    """The flat (C-order) positions of x[i, tᵢ] for x of ``shape`` (N, C, d₁, ...) and t (N, d₁, ...)."""
    n, c = shape[:2]
    d = t.size // n if n else 0
    rows = np.arange(n).reshape(n, 1) * (c * d) + np.arange(d)
    return (rows + t.reshape(n, d) * d).reshape(t.shape)


def _pick(x, flat, omega, denom, reduction):
    """y from x."""
    loss = -np.take(x, flat) * omega
    if reduction == "none":
        return loss
    total = np.sum(loss)
    return total if reduction == "sum" else np.true_divide(total, denom)


def _scatter(g, flat, omega, denom, reduction, shape):
    """x̄ from ȳ: the adjoint of ``_pick``."""
    if reduction == "mean":
        g = np.true_divide(g, denom)
    out = np.zeros(shape, omega.dtype)
    out.reshape(-1)[flat] = -(g * omega) + 0.0  # + 0.0: -0 becomes +0, as added into zeros
    return out


class NllPick(Linear):
    """y = the weighted, reduced pick of x at the targets (``_pick``), targets given as arrays."""

    @staticmethod
    def forward(ctx, x, flat, omega, denom, reduction):
        ctx.flat, ctx.omega, ctx.denom, ctx.reduction, ctx.shape = flat, omega, denom, reduction, x.shape
        return _pick(x, flat, omega, denom, reduction)

    @staticmethod
    def backward(ctx, g):
        return NllScatter.apply(g, ctx.flat, ctx.omega, ctx.denom, ctx.reduction, ctx.shape), None, None, None, None


class NllScatter(Linear):
    """x̄ = the adjoint of ``NllPick`` applied to ȳ, into zeros of x's shape."""

    @staticmethod
    def forward(ctx, g, flat, omega, denom, reduction, shape):
        ctx.flat, ctx.omega, ctx.denom, ctx.reduction = flat, omega, denom, reduction
        return _scatter(g, flat, omega, denom, reduction, shape)

    @staticmethod
    def backward(ctx, h):
        return NllPick.apply(h, ctx.flat, ctx.omega, ctx.denom, ctx.reduction), None, None, None, None, None


class NllLoss(Op):
    """The loss of log-probabilities x against the target tensor t (and class weights w, not
    differentiated, as in PyTorch); ω and the targets' range are computed from t here."""

    @staticmethod
    def forward(ctx, x, t, w, ignore_index, reduction):
        valid = t != ignore_index
        c = x.shape[1]
        bad = valid & ((t < 0) | (t >= c))
        if bad.any():
            raise IndexError(f"nll_loss: Target {t[bad].flat[0]} is out of bounds (number of classes {c}).")
        safe = np.where(valid, t, 0)
        omega = (valid if w is None else w[safe] * valid).astype(x.dtype)
        denom = omega.sum(dtype=x.dtype) if reduction == "mean" else None
        ctx.flat, ctx.omega, ctx.denom, ctx.reduction, ctx.shape = (_flat_index(safe, x.shape), omega, denom,
                                                                    reduction, x.shape)
        return _pick(x, ctx.flat, omega, denom, reduction)

    @staticmethod
    def backward(ctx, g):
        return NllScatter.apply(g, ctx.flat, ctx.omega, ctx.denom, ctx.reduction, ctx.shape), None, None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return NllPick.apply(t, ctx.flat, ctx.omega, ctx.denom, ctx.reduction)
