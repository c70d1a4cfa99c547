"""``BatchNorm1d``/``2d``/``3d``, ``LayerNorm`` and ``RMSNorm`` (group,
instance and local response norm are in ``normalization_group.py`` and
``normalization_instance.py``).

Batch norm normalises each channel (dim 1) with the batch mean and biased
batch variance in training, y = (x - μ_B) / sqrt(σ²_B + eps) · γ + β, and
updates the running statistics (buffers) with

    running_mean ← (1 - momentum) · running_mean + momentum · μ_B
    running_var  ← (1 - momentum) · running_var  + momentum · σ²_B · m / (m - 1)

(m values per channel: the unbiased variance); ``momentum=None`` gives the
cumulative average (momentum = 1 / num_batches_tracked). In eval mode it uses
the running statistics (or batch statistics when ``track_running_stats=False``).
Defaults as in PyTorch: eps=1e-5, momentum=0.1, γ = 1, β = 0.

Layer norm normalises each sample over its last dims (``normalized_shape``);
RMS norm divides by the root mean square over them (no centring, no bias).
"""
import numbers

import numpy as np

from autograd_core.tensor import Tensor

from . import functional as F
from . import init
from .linear import check_device, float_dtype
from .module import Module
from .parameter import Parameter


def register_affine(module, shape, dtype, weight=True, bias=True):
    """Register ``weight`` (ones) and ``bias`` (zeros) of ``shape`` on a norm
    layer, or None for those not wanted (no bias without a weight)."""
    module.register_parameter("weight", Parameter(np.ones(shape, dtype)) if weight else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, dtype)) if weight and bias else None)


def reset_affine(module):
    """γ = 1, β = 0: a norm layer's ``reset_parameters``."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _NormBase(Module):
    """Batch and instance norm's constructor: γ, β and the running statistics."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        check_device(device)
        dtype = float_dtype(dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        register_affine(self, num_features, dtype, affine, bias)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        reset_affine(self)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    _dims = ()

    def _check_input(self, input):
        if input.ndim not in self._dims:
            dims = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"{type(self).__name__}: expected {dims} input (got {input.ndim}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected {self.num_features} channels (dim 1), got "
                             f"input of shape {list(input.shape)}")

    def forward(self, input):
        self._check_input(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)  # an op: ag.compile replays it
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or self.running_mean is None
        if use_batch and input._data.size // input.shape[1] <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}")
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias, use_batch,
                            momentum, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) inputs."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) inputs."""

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm of (N, C, D, H, W) inputs."""

    _dims = (5,)


def _shape_tuple(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


class LayerNorm(Module):
    """y = (x - E[x]) / sqrt(Var[x] + eps) · γ + β over the last dims
    ``normalized_shape`` (biased variance); γ = 1, β = 0 initially."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
                 dtype=None):
        super().__init__()
        check_device(device)
        dtype = float_dtype(dtype)
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        register_affine(self, self.normalized_shape, dtype, elementwise_affine, bias)

    reset_parameters = reset_affine

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """y = x / sqrt(mean(x²) + eps) · γ over the last dims ``normalized_shape``;
    ``eps=None`` uses the machine epsilon of the input's dtype; γ = 1 initially."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        check_device(device)
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        register_affine(self, self.normalized_shape, float_dtype(dtype), elementwise_affine, bias=False)

    reset_parameters = reset_affine

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
