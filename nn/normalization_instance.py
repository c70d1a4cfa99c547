"""``InstanceNorm1d``/``2d``/``3d``: each (sample, channel) plane is normalised
over its spatial dims, y = (x - E[x]) / sqrt(Var[x] + eps) · γ_c + β_c
(biased variance; ``F.instance_norm`` has the formulas).

As in PyTorch the defaults are ``affine=False`` and
``track_running_stats=False``; with ``track_running_stats=True`` the running
mean and variance (buffers ``running_mean``, ``running_var``,
``num_batches_tracked``: batch norm's names) are updated in training with the
batch average of the per-instance statistics and used in eval mode.
Unbatched inputs ((C, L), (C, H, W), (C, D, H, W)) are normalised as a batch
of one. A channel count different from ``num_features`` is an error with
``affine=True`` and a warning otherwise (the statistics need no size).
"""
import warnings

from . import functional as F
from .normalization import _NormBase


class _InstanceNorm(_NormBase):
    _spatial = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input(self, input):
        batched = self._spatial + 2
        if input.ndim not in (batched - 1, batched):
            raise ValueError(f"expected {batched - 1}D or {batched}D input (got {input.ndim}D input)")
        dim = input.ndim - self._spatial - 1
        if input.shape[dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[dim]}.")
            warnings.warn(f"input's size at dim={dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False",
                          stacklevel=3)

    def forward(self, input):
        self._check_input(input)
        unbatched = input.ndim == self._spatial + 1
        x = input.unsqueeze(0) if unbatched else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or (C, L) inputs."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or (C, H, W) inputs."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm of (N, C, D, H, W) or (C, D, H, W) inputs."""

    _spatial = 3
