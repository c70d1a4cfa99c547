"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (4-D input),
composed of Tensor ops, so differentiable in the input, the grid and theta,
twice, and in forward mode.

**affine_grid**(θ (N, 2, 3), size (N, C, H, W)) gives grid[n, h, w] = θ[n] · (x_w, y_h, 1)
with the normalised pixel centres x_w = -1 + (2w + 1)/W (or linspace(-1, 1, W)
with ``align_corners=True``), and alike y_h; for θ (N, 3, 4) and a 5-D size,
grid[n, d, h, w] = θ[n] · (x_w, y_h, z_d, 1).

**grid_sample**(x (N, C, H, W), grid (N, Ho, Wo, 2)) reads x at the points
grid[n, i, j] = (u, v) in [-1, 1]² (u along W). Unnormalised:

    ix = (u + 1)/2 · (W - 1)             (align_corners=True)
    ix = ((u + 1)·W - 1)/2               (align_corners=False)

then ``padding_mode``: 'zeros' (points outside read 0), 'border' (ix
clamped to [0, W - 1]), 'reflection' (ix reflected about the borders: about
0 and W - 1 with align_corners, about -½ and W - ½ without, then clamped).
``mode='bilinear'``: with i₀ = ⌊ix⌋, t = ix - i₀ (and j₀, s for iy)

    y = (1-t)(1-s)·x[j₀, i₀] + t(1-s)·x[j₀, i₀+1] + (1-t)s·x[j₀+1, i₀] + t·s·x[j₀+1, i₀+1]

(corners outside the image count 0). ``mode='nearest'``: x at
(round-half-even(iy), round-half-even(ix)), gradient 0 for the grid (as
PyTorch). The corner indices are constants of the forward pass; the
weights t, s are Tensor functions of the grid, the reads are ``gather``
(backward: scatter-add), so ∂y/∂grid comes out as PyTorch's:
the differences of the corner values. Bicubic mode and 5-D inputs are not
implemented (they raise).
"""
import numpy as np

from ..tensor import Tensor
from .index import gather
from .linalg import matmul
from .select import where
from .shape import permute, reshape


def _base(n, align_corners):
    if align_corners:
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return (2 * np.arange(n) + 1.0) / n - 1


def affine_grid(theta, size, align_corners=False):
    """Sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps θ."""
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid(): argument 'theta' must be Tensor, not {type(theta).__name__}")
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.ndim != 3 or theta.shape[1:] != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {list(size)}. Got "
                             f"{list(theta.shape)}.")
        N, _, H, W = size
        ys, xs = np.meshgrid(_base(H, align_corners), _base(W, align_corners), indexing="ij")
        base = np.stack([xs, ys, np.ones_like(xs)], -1).reshape(H * W, 3)
        out = (N, H, W, 2)
    elif len(size) == 5:
        if theta.ndim != 3 or theta.shape[1:] != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {list(size)}. Got "
                             f"{list(theta.shape)}.")
        N, _, D, H, W = size
        zs, ys, xs = np.meshgrid(_base(D, align_corners), _base(H, align_corners), _base(W, align_corners),
                                 indexing="ij")
        base = np.stack([xs, ys, zs, np.ones_like(xs)], -1).reshape(D * H * W, 4)
        out = (N, D, H, W, 3)
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                                  f"transforms, respectively. Got size {list(size)}.")
    if theta.shape[0] != N:
        raise ValueError(f"Expected theta of batch size {N} (size[0]), got {theta.shape[0]}")
    grid = matmul(Tensor(base.astype(theta.dtype)), permute(theta, (0, 2, 1)))  # (N, HW, 2)
    return reshape(grid, out)


def _unnormalise(c, n, align_corners):
    return (c + 1) * ((n - 1) / 2) if align_corners else ((c + 1) * n - 1) / 2


def _reflect(c, lo2, hi2):
    """Reflect c into [lo2/2, hi2/2] (PyTorch's reflect_coordinates)."""
    if lo2 == hi2:
        return c * 0
    mn, span = lo2 / 2, (hi2 - lo2) / 2
    d = (c - mn).abs()
    flips = np.floor(d.detach().numpy() / span)
    extra = d - Tensor(flips * span).to(c.dtype)
    return where(Tensor((flips % 2) == 0), extra + mn, span - extra + mn)


def _coordinate(c, n, padding_mode, align_corners):
    c = _unnormalise(c, n, align_corners)
    if padding_mode == "border":
        c = c.clamp(0, n - 1)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if align_corners else _reflect(c, -1, 2 * n - 1)
        c = c.clamp(0, n - 1)
    return c


def _read(flat, iy, ix, H, W):
    """x[n, :, iy, ix] for integer arrays (N, P), zero where outside; (N, C, P)."""
    N, C = flat.shape[:2]
    ok = (ix >= 0) & (ix < W) & (iy >= 0) & (iy < H)
    idx = np.where(ok, np.clip(iy, 0, H - 1) * W + np.clip(ix, 0, W - 1), 0).astype(np.int64)
    got = gather(flat, 2, Tensor(np.ascontiguousarray(np.broadcast_to(idx[:, None, :], (N, C, idx.shape[1])))))
    return got * Tensor(ok[:, None, :].astype(flat.dtype))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample input (N, C, H, W) at grid (N, Ho, Wo, 2) -> (N, C, Ho, Wo) (see the module docstring)."""
    for name, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"grid_sample(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic" or input.ndim == 5:
        raise NotImplementedError("grid_sample: bicubic mode and 5-D inputs are not implemented")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sample(): expected 4D input (N, C, H, W) and grid (N, H_out, W_out, 2) with the "
                           f"same batch size, but got input of shape {list(input.shape)} and grid of shape "
                           f"{list(grid.shape)}")
    if input.dtype.kind != "f" or grid.dtype != input.dtype:
        raise RuntimeError(f"grid_sample(): expected input and grid to have the same floating dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    align = bool(align_corners)
    N, C, H, W = input.shape
    Ho, Wo = grid.shape[1:3]
    g = reshape(grid, (N, Ho * Wo, 2))
    ix = _coordinate(g[:, :, 0], W, padding_mode, align)
    iy = _coordinate(g[:, :, 1], H, padding_mode, align)
    flat = reshape(input, (N, C, H * W))
    if mode == "nearest":
        near_y, near_x = (np.rint(c.detach().numpy()).astype(np.int64) for c in (iy, ix))
        out = _read(flat, near_y, near_x, H, W)
        return reshape(out, (N, C, Ho, Wo))
    x0 = np.floor(ix.detach().numpy())
    y0 = np.floor(iy.detach().numpy())
    t = reshape(ix - Tensor(x0.astype(input.dtype)), (N, 1, Ho * Wo))
    s = reshape(iy - Tensor(y0.astype(input.dtype)), (N, 1, Ho * Wo))
    i0, j0 = x0.astype(np.int64), y0.astype(np.int64)
    out = ((1 - t) * (1 - s) * _read(flat, j0, i0, H, W) + t * (1 - s) * _read(flat, j0, i0 + 1, H, W)
           + (1 - t) * s * _read(flat, j0 + 1, i0, H, W) + t * s * _read(flat, j0 + 1, i0 + 1, H, W))
    return reshape(out, (N, C, Ho, Wo))


__all__ = ["affine_grid", "grid_sample"]
METHODS = {}
