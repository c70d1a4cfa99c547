"""``interpolate``: resampling of (N, C, *spatial) arrays, PyTorch's
``F.interpolate`` (modes nearest, nearest-exact, linear, bilinear, bicubic,
trilinear, area).

Every mode is separable and linear in x: along each spatial axis, output
position o reads T source positions with weights (the taps),

    y[..., o, ...] = Σ_t w[o, t] · x[..., i[o, t], ...]

so the whole op is y = M_1 M_2 ... x with one sparse matrix per axis. It is
the ``Linear`` op ``Resample`` (one axis): the backward is the adjoint Mᵀ,
which scatters-adds each output gradient back onto its sources
(``ResampleAdjoint``, whose own adjoint is ``Resample`` again), and the jvp
re-applies the op. Kernels: ``autograd_core.kernels.resample``.

Source coordinates (PyTorch's), for output index o, input size n, output
size m and a scale r:

- r = (n - 1)/(m - 1) with ``align_corners=True`` (0 if m = 1); otherwise
  r = 1/scale_factor when a scale factor was given (and
  ``recompute_scale_factor`` is not True), else n/m;
- linear (and bi-/trilinear): src = r·o (align_corners) or
  max(r·(o + ½) - ½, 0); i₀ = ⌊src⌋, i₁ = min(i₀ + 1, n - 1), λ = src - i₀,
  y = (1 - λ)·x[i₀] + λ·x[i₁];
- bicubic: src as linear but not clamped; t = src - ⌊src⌋; four taps
  ⌊src⌋ - 1 ... ⌊src⌋ + 2 (clamped into [0, n - 1]) with Keys' cubic
  convolution weights, A = -0.75:
  W(s) = (A+2)|s|³ - (A+3)|s|² + 1 for |s| ≤ 1, A|s|³ - 5A|s|² + 8A|s| - 4A for 1 < |s| < 2;
- nearest: i = min(⌊o·r⌋, n - 1); nearest-exact: i = min(⌊(o + ½)·r⌋, n - 1)
  (``align_corners`` must not be given);
- area: the mean over [⌊o·n/m⌋, ⌈(o + 1)·n/m⌉), adaptive average pooling.

The output size is ``size``, or ⌊n·scale_factor⌋. ``antialias`` is not
supported (raises).
"""
import math

import numpy as np

from ..function import Linear
from ..kernels import resample as K
from ..tensor import Tensor

MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4, "bicubic": 4,
         "trilinear": 5}
CUBIC_A = -0.75


def _along_axis(kernel, x, axis, n_out, *args):
    """``kernel`` on x seen as (dims before ``axis``, ``axis``, dims after),
    returning ``n_out`` entries along ``axis`` in x's layout."""
    s = x.shape
    x3 = x.reshape(int(np.prod(s[:axis])), s[axis], -1)
    return kernel(x3, *args).reshape(s[:axis] + (n_out,) + s[axis + 1:])


class Resample(Linear):
    """y = M x along ``axis`` (taps idx (m, T), weights wts (m, T))."""

    @staticmethod
    def forward(ctx, x, axis, idx, wts, n_in):
        ctx.axis, ctx.idx, ctx.wts, ctx.n_in = axis, idx, wts, n_in
        return _along_axis(K.resample, x, axis, idx.shape[0], idx, wts)

    @staticmethod
    def backward(ctx, g):
        return ResampleAdjoint.apply(g, ctx.axis, ctx.idx, ctx.wts, ctx.n_in), None, None, None, None


class ResampleAdjoint(Linear):
    """x̄ = Mᵀ ȳ along ``axis``: scatter-add of the taps."""

    @staticmethod
    def forward(ctx, g, axis, idx, wts, n_in):
        ctx.axis, ctx.idx, ctx.wts, ctx.n_in = axis, idx, wts, n_in
        return _along_axis(K.resample_adjoint, g, axis, n_in, idx, wts, n_in)

    @staticmethod
    def backward(ctx, h):
        return Resample.apply(h, ctx.axis, ctx.idx, ctx.wts, ctx.n_in), None, None, None, None


def _cubic_weights(t):
    a = CUBIC_A

    def near(s):  # |s| <= 1
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s):  # 1 < |s| < 2
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)


def taps(mode, n, m, align_corners, scale):
    """Source indices (m, T) and weights (m, T) of one axis from n to m
    (``scale`` the user's scale factor for that axis, or None)."""
    o = np.arange(m, dtype=np.float64)
    if mode == "area":
        start = (np.arange(m) * n) // m
        end = -((-(np.arange(m) + 1) * n) // m)
        width = end - start
        T = int(width.max())
        idx = np.minimum(start[:, None] + np.arange(T)[None], n - 1)
        wts = np.where(np.arange(T)[None] < width[:, None], 1.0 / width[:, None], 0.0)
        return idx.astype(np.int64), wts
    if align_corners:
        r = (n - 1) / (m - 1) if m > 1 else 0.0
    else:
        r = 1.0 / scale if scale is not None and scale > 0 else n / m
    if mode in ("nearest", "nearest-exact"):
        src = o * r if mode == "nearest" else (o + 0.5) * r
        idx = np.minimum(np.floor(src).astype(np.int64), n - 1)
        return idx[:, None], np.ones((m, 1))
    src = r * o if align_corners else r * (o + 0.5) - 0.5
    if mode == "bicubic":
        i0 = np.floor(src)
        t = src - i0
        idx = np.clip(i0.astype(np.int64)[:, None] + np.arange(-1, 3)[None], 0, n - 1)
        return idx, _cubic_weights(t)
    src = np.maximum(src, 0.0)
    i0 = np.floor(src).astype(np.int64)
    i0 = np.minimum(i0, n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    lam = src - i0
    return np.stack([i0, i1], axis=1), np.stack([1 - lam, lam], axis=1)


def _per_dim(v, nsp, name):
    if isinstance(v, (tuple, list)):
        if len(v) != nsp:
            raise ValueError(f"Input and {name} must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {nsp} and {name} of {list(v)}. Please provide input "
                             f"tensor in (N, C, d1, d2, ...,dK) format and {name} in (o1, o2, ...,oK) format.")
        return tuple(v)
    return (v,) * nsp


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample input (N, C, *spatial), 1 to 3 spatial dims, to ``size`` or
    by ``scale_factor`` (see the module docstring for the maths)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not {type(input).__name__}")
    if mode not in MODES:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.ndim}D) for the modes: {' | '.join(MODES)} (got {mode!r})")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if input.ndim not in (3, 4, 5) or (MODES[mode] is not None and MODES[mode] != input.ndim):
        need = f", but {mode} mode needs {MODES[mode]}D input" if MODES[mode] else ""
        raise NotImplementedError(f"Got {input.ndim}D input{need} (interpolate takes 3D, 4D or 5D input)")
    nsp = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    if input.dtype.kind != "f" and mode not in ("nearest", "nearest-exact"):
        raise RuntimeError(f"interpolate: {mode} mode needs a floating point input, got {input.dtype}")
    sizes_in = input.shape[2:]
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        out = tuple(int(v) for v in _per_dim(size, nsp, "size"))
        scales = (None,) * nsp
    else:
        scales = tuple(float(v) for v in _per_dim(scale_factor, nsp, "scale_factor"))
        out = tuple(int(math.floor(n * s)) for n, s in zip(sizes_in, scales))
        if recompute_scale_factor:
            scales = (None,) * nsp
    if min(out) <= 0 or min(sizes_in) <= 0:
        raise ValueError(f"interpolate: input and output sizes should be greater than 0, but got input "
                         f"{list(sizes_in)} and output {list(out)}")
    y = input
    for k in reversed(range(nsp)):  # last axis first
        n, m = sizes_in[k], out[k]
        if n == m and (scales[k] is None or scales[k] == 1.0):
            continue  # r = 1: every mode is the identity along this axis
        idx, wts = taps(mode, n, m, align_corners, scales[k])
        y = Resample.apply(y, 2 + k, np.ascontiguousarray(idx), np.ascontiguousarray(wts), n)
    return y if y is not input else input * 1


__all__ = ["interpolate"]
METHODS = {}
