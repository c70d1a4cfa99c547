"""Normalisations across the channels of one sample: ``GroupNorm`` and
``LocalResponseNorm`` (formulas in ``F.group_norm`` and
``F.local_response_norm``).

``GroupNorm(num_groups, num_channels)`` normalises each group of
num_channels/num_groups channels of each sample of an (N, C, *) input, then
applies a per-channel γ (``weight``, ones) and β (``bias``, zeros) when
``affine``. ``LocalResponseNorm(size, alpha, beta, k)`` divides each entry by
(k + α/size · Σ x²)^β over ``size`` neighbouring channels (AlexNet's
normalisation, with PyTorch's α/size averaging); it has no parameters.
"""
from . import functional as F
from .linear import check_device, float_dtype
from .module import Module
from .normalization import register_affine, reset_affine


class GroupNorm(Module):
    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        check_device(device)
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        dtype = float_dtype(dtype)
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        register_affine(self, num_channels, dtype, affine, bias)

    reset_parameters = reset_affine

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
