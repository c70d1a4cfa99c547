"""Affine warps of images: rotation, scaling and translation about the centre.

For an image of height H and width W, centre c = ((W - 1) / 2, (H - 1) / 2),
an output pixel p = (x, y) (x to the right, y down) takes the input value at

    q = c + M (p - c - t) / s,    M (dx, dy) = (dx cos θ - dy sin θ, dx sin θ + dy cos θ)

where θ is the angle in degrees, s the scale factor and t = (tx, ty) the
translation in pixels (tx moves the content right, ty down). Sampling
through M turns the content counter-clockwise as displayed (as
torchvision's ``rotate`` does): θ = 90 equals ``np.rot90``.

The value at q is read by ``interpolation="nearest"`` (the nearest pixel)
or ``"bilinear"`` (the four neighbours weighted by 1 - distance along each
axis); points outside the image read ``fill``.
"""
import numpy as np

__all__ = ["warp_affine"]


def _source(h, w, angle, scale, translate):
    """Input coordinates (ys, xs), each (N, H, W), of every output pixel."""
    theta = np.deg2rad(np.asarray(angle, np.float64)).reshape(-1, 1, 1)
    s = np.asarray(scale, np.float64).reshape(-1, 1, 1)
    t = np.asarray(translate, np.float64).reshape(-1, 2)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    dy = np.arange(h, dtype=np.float64)[:, None] - cy - t[:, 1, None, None]
    dx = np.arange(w, dtype=np.float64)[None, :] - cx - t[:, 0, None, None]
    cos, sin = np.cos(theta) / s, np.sin(theta) / s
    return cy + dx * sin + dy * cos, cx + dx * cos - dy * sin


def warp_affine(images, angle=0.0, scale=1.0, translate=(0.0, 0.0), fill=0.0, interpolation="bilinear"):
    """Warp each image of ``images`` (N, ..., H, W) by its own parameters:
    ``angle`` and ``scale`` scalars or (N,), ``translate`` (2,) or (N, 2)
    pixels. Returns a new array of the same shape and dtype."""
    x = np.asarray(images)
    if x.ndim < 3:
        raise ValueError(f"warp_affine: expected images (N, ..., H, W), got shape {x.shape}")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"warp_affine: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    if np.any(np.asarray(scale) <= 0):
        raise ValueError("warp_affine: scale must be positive")
    n, h, w = x.shape[0], x.shape[-2], x.shape[-1]
    ys, xs = _source(h, w, angle, scale, translate)
    ys, xs = np.broadcast_to(ys, (n, h, w)), np.broadcast_to(xs, (n, h, w))
    flat = x.reshape(n, -1, h, w)
    # One ring of ``fill`` around each image: every outside point reads the ring.
    pad = np.full((n, flat.shape[1], h + 2, w + 2), fill, dtype=x.dtype)
    pad[:, :, 1:-1, 1:-1] = flat
    ys, xs = np.clip(ys + 1, 0, h + 1), np.clip(xs + 1, 0, w + 1)
    batch = np.arange(n)[:, None, None]
    if interpolation == "nearest":
        out = pad[batch, :, np.rint(ys).astype(np.intp), np.rint(xs).astype(np.intp)]
    else:
        y0 = np.minimum(np.floor(ys).astype(np.intp), h)
        x0 = np.minimum(np.floor(xs).astype(np.intp), w)
        real = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        fy, fx = (ys - y0).astype(real)[..., None], (xs - x0).astype(real)[..., None]
        top = pad[batch, :, y0, x0] * (1 - fx) + pad[batch, :, y0, x0 + 1] * fx
        bottom = pad[batch, :, y0 + 1, x0] * (1 - fx) + pad[batch, :, y0 + 1, x0 + 1] * fx
        out = top * (1 - fy) + bottom * fy
        if x.dtype.kind != "f":
            out = np.rint(out)
    # Fancy indexing put the channel axis last: (N, H, W, C) -> (N, C, H, W).
    return np.ascontiguousarray(np.moveaxis(out, -1, 1)).astype(x.dtype, copy=False).reshape(x.shape)
