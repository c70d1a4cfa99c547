"""Resampling and rearranging in ``nn.functional``: ``interpolate`` (and the
deprecated ``upsample``, ``upsample_nearest``, ``upsample_bilinear``) over
autograd_core's ``interpolate``; the maths (separable taps, PyTorch's source
coordinates with and without ``align_corners``) is in
``autograd_core/ops/resample.py``.
"""
import autograd_core as ag

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, *spatial) to ``size`` or by ``scale_factor`` with ``mode``
    (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area)."""
    return ag.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """``interpolate`` (PyTorch's deprecated name)."""
    return ag.interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """``interpolate(..., mode='nearest')``."""
    return ag.interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """``interpolate(..., mode='bilinear', align_corners=True)`` (as PyTorch's)."""
    return ag.interpolate(input, size, scale_factor, "bilinear", align_corners=True)
