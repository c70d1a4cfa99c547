"""Convolution, pooling and batch norm in ``nn.functional``: PyTorch's
signatures over the autograd_core ops of the same names (the numba kernels
live there; see autograd_core/ops). The layers in ``nn.conv``,
``nn.pooling`` and ``nn.normalization`` call these.

    conv2d(x, W, b)[n, o] = b[o] + Σ_c (W[o, c] ⋆ x[n, c])   (cross-correlation)
    out size = floor((in + 2p - d(k - 1) - 1) / s) + 1
    batch_norm(x) = (x - μ) / sqrt(σ² + eps) · w + b, with batch statistics in
    training (running ones updated in place) and running statistics otherwise.
"""
import autograd_core as ag

__all__ = ["conv1d", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm",
           "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C_in, L) by (C_out, C_in / groups, k)."""
    return ag.conv1d(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of (N, C_in, H, W) by (C_out, C_in / groups, kh, kw)."""
    return ag.conv2d(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of (N, C_in, D, H, W) by (C_out, C_in / groups, kd, kh, kw)."""
    return ag.conv3d(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution of (N, C_in, L) by (C_in, C_out / groups, k): the adjoint of conv1d
    in its input; out = (L - 1)s - 2p + d(k - 1) + output_padding + 1."""
    return ag.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution of (N, C_in, H, W) by (C_in, C_out / groups, kh, kw)."""
    return ag.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 3-D convolution of (N, C_in, D, H, W) by (C_in, C_out / groups, kd, kh, kw)."""
    return ag.conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Maximum over each window (and its flat index within the plane with ``return_indices``)."""
    return ag.max_pool2d(input, kernel_size, stride=stride, padding=padding, dilation=dilation,
                         ceil_mode=ceil_mode, return_indices=return_indices)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each window."""
    return ag.avg_pool2d(input, kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode,
                         count_include_pad=count_include_pad, divisor_override=divisor_override)


def adaptive_avg_pool2d(input, output_size):
    """Mean pooling to a fixed output size (windows chosen as in PyTorch)."""
    return ag.adaptive_avg_pool2d(input, output_size)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise each channel (dim 1) of (N, C), (N, C, L) or (N, C, H, W)."""
    return ag.batch_norm(input, running_mean, running_var, weight, bias, training=training,
                         momentum=momentum, eps=eps)
