"""Distances and similarities between paired vectors (PyTorch's
``torch.cosine_similarity`` and ``torch.pairwise_distance``, also
``nn.functional``'s), composed of differentiable ops; the inputs broadcast:

    cosine_similarity(x1, x2) = Σ_d (x1 / max(‖x1‖, eps)) (x2 / max(‖x2‖, eps))   along ``dim``
    pairwise_distance(x1, x2) = ‖x1 - x2 + eps‖_p                                along the last dim

As in PyTorch each norm is clamped at ``eps`` on its own (not their product)
and the clamp changes the value only: the gradient is that of the unclamped
norm (PyTorch clamps in place outside autograd), so near-zero vectors get the
same gradients here as there.
"""
import numpy as np

from ..grad_mode import no_grad
from .broadcast import broadcast_to
from .reduce import sum
from .reduce_prod import norm
from .select import where


def _clamped_norm(x, dim, eps):
    """max(‖x‖, eps) in value, with the gradient of ‖x‖: by ops, always (a compiled replay
    recomputes the clamp; adding 0 where ‖x‖ >= eps leaves those values as they are)."""
    n = norm(x, 2, dim, keepdim=True)
    with no_grad():
        raise_to_eps = where(n < eps, eps - n, 0.0)
    return n + raise_to_eps


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along ``dim``."""
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(f"cosine_similarity: the shapes {list(x1.shape)} and {list(x2.shape)} cannot be "
                           "broadcast") from None
    if not -len(shape) <= dim < max(len(shape), 1):
        raise IndexError(f"cosine_similarity: dim {dim} is out of range for inputs of {len(shape)} dims")
    x1, x2 = broadcast_to(x1, shape), broadcast_to(x2, shape)
    return sum((x1 / _clamped_norm(x1, dim, eps)) * (x2 / _clamped_norm(x2, dim, eps)), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps along the last dim."""
    return norm(x1 - x2 + eps, p, max(x1.ndim, x2.ndim) - 1, keepdim=keepdim)


__all__ = ["cosine_similarity", "pairwise_distance"]
METHODS = {}
