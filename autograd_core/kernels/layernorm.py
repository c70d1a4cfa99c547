"""Layer normalisation of the rows of x viewed as (R, H) (H = the number of
values normalised together), forward and fused backward, with an
elementwise affine map of H values:

    μ = mean(x_r),   σ² = mean((x_r - μ)²),   r = 1 / √(σ² + ε),   x̂ = (x_r - μ)·r,   y = γ·x̂ + β

and, writing ȳ for the output gradient and ĝ = γ·ȳ (per row),

    β̄ = Σ_rows ȳ,   γ̄ = Σ_rows ȳ·x̂,   x̄ = r·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))

Row statistics and the γ̄, β̄ sums are accumulated in float64; μ and r are
returned as float64 arrays of R values. The numba kernels run on one thread:
γ̄ and β̄ sum over all rows, and the workloads' inputs (a transformer's
tokens × features) are far below ``threads.PARALLEL_MIN``.
"""
import numpy as np

from . import jit, use_numba

_FAST = {"reassoc", "contract"}  # lets LLVM vectorise the reductions (sums in any order)


# -- forward --------------------------------------------------------------------------------------
def layer_norm_numpy(x, w, b, eps):
    """(y, μ, r) of x (R, H); w, b are (H,) arrays."""
    mean = x.mean(axis=1, dtype=np.float64)
    xc = x - mean.astype(x.dtype)[:, None]
    rstd = 1 / np.sqrt(np.einsum("rh,rh->r", xc, xc, dtype=np.float64) / x.shape[1] + eps)
    y = xc * rstd.astype(x.dtype)[:, None]
    y *= w
    y += b
    return y, mean, rstd


@jit(fastmath=_FAST, nogil=True)
def _forward_loops(x, w, b, eps, y, mean, rstd):
    R, H = x.shape
    for i in range(R):
        s = 0.0
        for k in range(H):
            s += x[i, k]
        mu = s / H
        q = 0.0
        for k in range(H):
            d = x[i, k] - mu
            q += d * d
        rs = 1.0 / np.sqrt(q / H + eps)
        muc, rc = x.dtype.type(mu), x.dtype.type(rs)
        for k in range(H):
            y[i, k] = (x[i, k] - muc) * rc * w[k] + b[k]
        mean[i] = mu
        rstd[i] = rs


def layer_norm_numba(x, w, b, eps):
    """``layer_norm_numpy`` compiled."""
    x = np.ascontiguousarray(x)
    R = x.shape[0]
    y, mean, rstd = np.empty_like(x), np.empty(R), np.empty(R)
    _forward_loops(x, w, b, float(eps), y, mean, rstd)
    return y, mean, rstd


def layer_norm(x, w, b, eps):
    """(y, μ, r) of x (R, H); w, b are (H,) arrays of x's dtype."""
    f = layer_norm_numba if use_numba(x) else layer_norm_numpy
    return f(x, w, b, eps)


# -- backward -------------------------------------------------------------------------------------
def layer_norm_backward_numpy(g, x, mean, rstd, w, need_x):
    """(x̄ or None, γ̄, β̄) of ``layer_norm`` (the closed form)."""
    xhat = (x - mean.astype(x.dtype)[:, None]) * rstd.astype(x.dtype)[:, None]
    gb = g.sum(axis=0, dtype=np.float64)
    gw = np.einsum("rh,rh->h", g, xhat, dtype=np.float64)
    gx = None
    if need_x:
        gh = g * w
        a = gh.mean(axis=1, dtype=np.float64).astype(x.dtype)[:, None]
        c = (np.einsum("rh,rh->r", gh, xhat, dtype=np.float64) / x.shape[1]).astype(x.dtype)[:, None]
        gx = (gh - a - xhat * c) * rstd.astype(x.dtype)[:, None]
    return gx, gw.astype(x.dtype), gb.astype(x.dtype)


@jit(fastmath=_FAST, nogil=True)
def _backward_loops(g, x, mean, rstd, w, gx, gw, gb):
    R, H = x.shape
    need_x = gx.size > 0
    for i in range(R):
        mu, rs = mean[i], rstd[i]
        sg = 0.0
        sgx = 0.0
        for k in range(H):
            xh = (x[i, k] - mu) * rs
            gv = g[i, k]
            gb[k] += gv
            gw[k] += gv * xh
            gh = gv * w[k]
            sg += gh
            sgx += gh * xh
        if need_x:
            a = sg / H
            c = sgx / H
            for k in range(H):
                xh = (x[i, k] - mu) * rs
                gx[i, k] = x.dtype.type(rs * (g[i, k] * w[k] - a - xh * c))


def layer_norm_backward_numba(g, x, mean, rstd, w, need_x):
    """``layer_norm_backward_numpy`` compiled."""
    g, x = np.ascontiguousarray(g), np.ascontiguousarray(x)
    H = x.shape[1]
    gx = np.empty_like(x) if need_x else np.empty((0, 0), x.dtype)
    gw, gb = np.zeros(H), np.zeros(H)
    _backward_loops(g, x, mean, rstd, w, gx, gw, gb)
    return (gx if need_x else None), gw.astype(x.dtype), gb.astype(x.dtype)


def layer_norm_backward(g, x, mean, rstd, w, need_x):
    """(x̄ or None, γ̄, β̄) of ``layer_norm`` (the closed form)."""
    f = layer_norm_backward_numba if use_numba(g, x) else layer_norm_backward_numpy
    return f(g, x, mean, rstd, w, need_x)
