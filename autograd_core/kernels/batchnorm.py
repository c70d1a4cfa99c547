"""Batch normalisation over the channel dim of x viewed as (N, C, L)
(L = H·W for images, 1 for (N, C) inputs), forward and fused backward.

Per channel c, over its m = N·L values (the lecture notes' annex, 002 §8.1,
with σ² the biased batch variance):

    μ = mean(x),   σ² = mean((x - μ)²),   r = 1 / √(σ² + ε),   x̂ = (x - μ)·r,   y = γ·x̂ + β

and, writing ȳ for the output gradient,

    β̄ = Σ ȳ,   γ̄ = Σ ȳ·x̂,   x̄ = γ·r·(ȳ - β̄/m - x̂·γ̄/m)

(the notes' Equation 15, their 1/m-averaged β̄ and γ̄ being these sums over
m). In evaluation the running statistics replace μ and σ²: y = x·s + t with
s = γ·r and t = β - μ·s per channel.

Sums are accumulated in float64 (as PyTorch does on the CPU); μ and r are
returned as float64 arrays of C values. The numba kernels work on a range of
channels, so that ``threads.split`` runs them on several cores.
"""
import numpy as np

from . import jit, use_numba
from .threads import split

_FAST = {"reassoc", "contract"}  # lets LLVM vectorise the reductions (sums in any order)


# -- training forward -----------------------------------------------------------------------------
def batch_norm_train_numpy(x, w, b, eps):
    """(y, μ, σ²) of x (N, C, L) with batch statistics; w, b are (C,) arrays."""
    m = x.shape[0] * x.shape[2]
    mean = x.sum(axis=(0, 2), dtype=np.float64) / m
    xc = x - mean.astype(x.dtype)[:, None]
    var = np.einsum("ncl,ncl->c", xc, xc, dtype=np.float64) / m
    scale = (w / np.sqrt(var + eps)).astype(x.dtype)
    y = xc * scale[:, None]
    y += b[:, None]
    return y, mean, var


@jit(fastmath=_FAST, nogil=True)
def _train_loops(x, w, b, eps, y, mean, var, c0, c1):
    N, C, L = x.shape
    m = N * L
    for c in range(c0, c1):
        s = 0.0
        for n in range(N):
            for k in range(L):
                s += x[n, c, k]
        mu = s / m
        q = 0.0
        for n in range(N):
            for k in range(L):
                d = x[n, c, k] - mu
                q += d * d
        v = q / m
        scale = w[c] / np.sqrt(v + eps)
        shift = b[c] - mu * scale
        sc, sh = x.dtype.type(scale), x.dtype.type(shift)
        for n in range(N):
            for k in range(L):
                y[n, c, k] = x[n, c, k] * sc + sh
        mean[c] = mu
        var[c] = v


def batch_norm_train_numba(x, w, b, eps):
    """``batch_norm_train_numpy`` compiled (channels split over threads)."""
    x = np.ascontiguousarray(x)
    C = x.shape[1]
    y, mean, var = np.empty_like(x), np.empty(C), np.empty(C)
    split(_train_loops, C, x, w, b, float(eps), y, mean, var, work=x.size)
    return y, mean, var


def batch_norm_train(x, w, b, eps):
    """(y, μ, σ²) of x (N, C, L) with batch statistics; w, b are (C,) arrays."""
    f = batch_norm_train_numba if use_numba(x) else batch_norm_train_numpy
    return f(x, w, b, eps)


# -- training backward ----------------------------------------------------------------------------
def batch_norm_backward_numpy(g, x, mean, invstd, w, need_x):
    """(x̄ or None, γ̄, β̄) of the training-mode batch norm (the closed form)."""
    m = x.shape[0] * x.shape[2]
    xc = x - mean.astype(x.dtype)[:, None]
    gb = g.sum(axis=(0, 2), dtype=np.float64)
    gxc = np.einsum("ncl,ncl->c", g, xc, dtype=np.float64)
    gw = gxc * invstd
    gx = None
    if need_x:
        k = (w * invstd).astype(x.dtype)[:, None]
        gx = g - (gb / m).astype(x.dtype)[:, None]
        gx -= xc * (gxc * invstd * invstd / m).astype(x.dtype)[:, None]
        gx *= k
    return gx, gw.astype(x.dtype), gb.astype(x.dtype)


@jit(fastmath=_FAST, nogil=True)
def _backward_loops(g, x, mean, invstd, w, gx, gw, gb, c0, c1):
    N, C, L = x.shape
    m = N * L
    need_x = gx.size > 0
    for c in range(c0, c1):
        mu = mean[c]
        sg = 0.0
        sgx = 0.0
        for n in range(N):
            for k in range(L):
                gv = g[n, c, k]
                sg += gv
                sgx += gv * (x[n, c, k] - mu)
        r = invstd[c]
        gb[c] = sg
        gw[c] = sgx * r
        if need_x:
            scale = x.dtype.type(w[c] * r)
            a = x.dtype.type(sg / m)
            bc = x.dtype.type(sgx * r * r / m)
            muc = x.dtype.type(mu)
            for n in range(N):
                for k in range(L):
                    gx[n, c, k] = scale * (g[n, c, k] - a - (x[n, c, k] - muc) * bc)


def batch_norm_backward_numba(g, x, mean, invstd, w, need_x):
    """``batch_norm_backward_numpy`` compiled (channels split over threads)."""
    g, x = np.ascontiguousarray(g), np.ascontiguousarray(x)
    C = x.shape[1]
    gx = np.empty_like(x) if need_x else np.empty((0, 0, 0), x.dtype)
    gw, gb = np.empty(C, x.dtype), np.empty(C, x.dtype)
    split(_backward_loops, C, g, x, mean, invstd, w, gx, gw, gb, work=x.size)
    return (gx if need_x else None), gw, gb


def batch_norm_backward(g, x, mean, invstd, w, need_x):
    """(x̄ or None, γ̄, β̄) of the training-mode batch norm (the closed form)."""
    f = batch_norm_backward_numba if use_numba(g, x) else batch_norm_backward_numpy
    return f(g, x, mean, invstd, w, need_x)


# -- evaluation: a per-channel affine map ---------------------------------------------------------
def channel_affine_numpy(x, scale, shift):
    """y = x·scale[c] + shift[c] for x (N, C, L)."""
    y = x * scale[:, None]
    y += shift[:, None]
    return y


@jit(nogil=True)
def _affine_loops(x, scale, shift, y, c0, c1):
    N, C, L = x.shape
    for n in range(N):
        for c in range(c0, c1):
            s, t = scale[c], shift[c]
            for k in range(L):
                y[n, c, k] = x[n, c, k] * s + t


def channel_affine_numba(x, scale, shift):
    """``channel_affine_numpy`` compiled (channels split over threads)."""
    x = np.ascontiguousarray(x)
    y = np.empty_like(x)
    split(_affine_loops, x.shape[1], x, scale, shift, y, work=x.size)
    return y


def channel_affine(x, scale, shift):
    """y = x·scale[c] + shift[c] for x (N, C, L); scale and shift have x's dtype."""
    f = channel_affine_numba if use_numba(x) else channel_affine_numpy
    return f(x, scale, shift)
