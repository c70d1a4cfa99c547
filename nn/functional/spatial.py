"""Resampling and rearranging in ``nn.functional``: ``interpolate`` (and the
deprecated ``upsample``, ``upsample_nearest``, ``upsample_bilinear``) over
autograd_core's ``interpolate``; the maths (separable taps, PyTorch's source
coordinates with and without ``align_corners``) is in
``autograd_core/ops/resample.py``. Also ``pixel_shuffle``/``pixel_unshuffle``
(ops/pixel_ops.py), ``unfold``/``fold`` (im2col/col2im, ops/patches.py) and
the 3-D and adaptive-max pooling and unpooling of ops/pool3d.py, and
``affine_grid``/``grid_sample`` (ops/grid.py).
"""
import autograd_core as ag
from autograd_core.ops import patches

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "unfold", "fold", "max_pool3d", "avg_pool3d", "adaptive_max_pool2d",
           "max_unpool2d", "max_unpool3d", "affine_grid", "grid_sample"]


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


def pixel_shuffle(input, upscale_factor):
    """(*, C·r², H, W) -> (*, C, H·r, W·r): y[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w]."""
    return ag.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H·r, W·r) -> (*, C·r², H, W), the inverse of ``pixel_shuffle``."""
    return ag.pixel_unshuffle(input, downscale_factor)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of (N, C, H, W) as columns (N, C·kh·kw, L) (im2col)."""
    return patches.unfold(input, kernel_size, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns (N, C·kh·kw, L) summed back into (N, C, *output_size) (col2im, the adjoint of ``unfold``)."""
    return patches.fold(input, output_size, kernel_size, dilation, padding, stride)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over each 3-D window (and its flat index in the volume with ``return_indices``)."""
    return ag.max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each 3-D window."""
    return ag.avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive windows to ``output_size``."""
    return ag.adaptive_max_pool2d(input, output_size, return_indices)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Each value put at its ``max_pool2d`` index in a zero output."""
    return ag.max_unpool2d(input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Each value put at its ``max_pool3d`` index in a zero output."""
    return ag.max_unpool3d(input, indices, kernel_size, stride, padding, output_size)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) of the affine maps theta (N, 2, 3) (or 3-D: (N, 3, 4), 5-D size)."""
    return ag.affine_grid(theta, size, bool(align_corners))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample (N, C, H, W) at the normalised points grid (N, H_out, W_out, 2)."""
    return ag.grid_sample(input, grid, mode, padding_mode, align_corners)
