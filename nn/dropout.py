"""Dropout modules; p is the probability to *drop* an entry, and each is the
identity in eval mode (formulas and shape rules in ``nn/functional/dropout.py``).

``Dropout``: inverted dropout (kept entries are scaled by 1/(1 - p), so
E[y] = x). ``Dropout1d``/``Dropout2d``/``Dropout3d`` drop whole channels
(one mask entry per sample and channel; unbatched inputs as in PyTorch).
``AlphaDropout``/``FeatureAlphaDropout`` set dropped entries (channels) to
SELU's negative saturation value and rescale, keeping zero mean and unit
variance, for self-normalising networks.
"""
from . import functional as F
from .module import Module


class _DropoutNd(Module):
    _function = None

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return type(self)._function(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    _function = F.dropout


class Dropout1d(_DropoutNd):
    """Channel dropout of (N, C, L) or (C, L) inputs."""

    _function = F.dropout1d


class Dropout2d(_DropoutNd):
    """Channel dropout of (N, C, H, W) inputs (3-D inputs are read as (N, C, L), as in PyTorch)."""

    _function = F.dropout2d


class Dropout3d(_DropoutNd):
    """Channel dropout of (N, C, D, H, W) or (C, D, H, W) inputs."""

    _function = F.dropout3d


class AlphaDropout(_DropoutNd):
    _function = F.alpha_dropout


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of (N, C, *) inputs."""

    _function = F.feature_alpha_dropout
