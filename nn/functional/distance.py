"""``nn.functional.cosine_similarity`` and ``pairwise_distance``: the
autograd_core functions of the same names (``autograd_core/ops/similarity.py``
has the formulas), as PyTorch's are ``torch.cosine_similarity`` and
``torch.pairwise_distance``."""
import autograd_core as ag

__all__ = ["cosine_similarity", "pairwise_distance"]

cosine_similarity = ag.cosine_similarity
pairwise_distance = ag.pairwise_distance
