"""``pixel_shuffle`` and ``pixel_unshuffle``: moving channels into space and
back (sub-pixel convolution layers), composed of reshape and permute (both
``Linear``, so twice differentiable with a jvp).

    pixel_shuffle:   y[..., c, h·r + i, w·r + j] = x[..., c·r² + i·r + j, h, w]
    pixel_unshuffle: its inverse, (*, C, H·r, W·r) -> (*, C·r², H, W)
"""
from ..tensor import Tensor
from .shape import permute, reshape


def _check(op, input, factor, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if isinstance(factor, bool) or not isinstance(factor, int) or factor <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor!r}")
    if input.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")


def pixel_shuffle(input, upscale_factor):
    """(*, C·r², H, W) -> (*, C, H·r, W·r)."""
    _check("pixel_shuffle", input, upscale_factor, "upscale_factor")
    r = upscale_factor
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(lead)
    y = reshape(input, tuple(lead) + (c // (r * r), r, r, h, w))
    y = permute(y, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return reshape(y, tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H·r, W·r) -> (*, C·r², H, W)."""
    _check("pixel_unshuffle", input, downscale_factor, "downscale_factor")
    r = downscale_factor
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but "
                           f"got height={h}, width={w}, downscale_factor={r}")
    k = len(lead)
    y = reshape(input, tuple(lead) + (c, h // r, r, w // r, r))
    y = permute(y, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return reshape(y, tuple(lead) + (c * r * r, h // r, w // r))


__all__ = ["pixel_shuffle", "pixel_unshuffle"]
METHODS = {}
