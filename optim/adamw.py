"""``AdamW`` (Loshchilov & Hutter): Adam with decoupled weight decay.

The weight decay shrinks the parameter directly, ``θ <- θ (1 - γ λ)``, before
the Adam step, instead of adding ``λ θ`` to the gradient (where Adam's
per-coordinate scaling would also rescale the decay). Everything else, and the
mapping from the lecture notes' form, is Adam's: see ``optim/adam.py``.
"""
from .adam import Adam


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
    amsgrad=False, *, maximize=False, foreach=None)``: ``Adam`` with
    ``decoupled_weight_decay=True`` and PyTorch's default decay 0.01."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         decoupled_weight_decay=True)
