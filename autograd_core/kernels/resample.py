"""Resampling along one axis by taps: the kernels of ``interpolate``.

An array x seen as (B, n_in, R) (B the dims before the axis, R the product
of those after it) is resampled to n_out positions by T taps per output
position, source indices idx (n_out, T) and weights wts (n_out, T):

    y[b, o, r] = Σ_t wts[o, t] · x[b, idx[o, t], r]                 (resample)

a linear map y = M x with the sparse matrix M[o, i] = Σ_{t: idx[o,t] = i} wts[o, t].
Its adjoint scatters each output back onto the sources it read:

    x̄[b, idx[o, t], r] += wts[o, t] · ȳ[b, o, r]                    (resample_adjoint)

i.e. x̄ = Mᵀ ȳ. The numpy twins build M densely (n_out × n_in, small for
image sizes) and multiply (one BLAS product, batched over b); the numba
kernels run the tap loops directly, touching each input T times, split
over the cores by rows b. The dispatcher keeps BLAS along the last axis
for small M (see ``_numba_for``).
"""
import numpy as np

from . import jit, use_numba
from .threads import split


def tap_matrix(idx, wts, n_in, dtype):
    """The dense (n_out, n_in) matrix M of the taps (repeated indices add up)."""
    n_out, taps = idx.shape
    m = np.zeros((n_out, n_in), dtype)
    np.add.at(m, (np.repeat(np.arange(n_out), taps), idx.reshape(-1)), wts.reshape(-1).astype(dtype))
    return m


def resample_numpy(x3, idx, wts):
    """y (B, n_out, R) = M @ x3 for x3 (B, n_in, R)."""
    m = tap_matrix(idx, wts, x3.shape[1], x3.dtype)
    if x3.shape[2] == 1:
        return (x3[:, :, 0] @ m.T)[:, :, None]
    return np.matmul(m, x3)


def resample_adjoint_numpy(g3, idx, wts, n_in):
    """x̄ (B, n_in, R) = Mᵀ @ g3 for g3 (B, n_out, R)."""
    m = tap_matrix(idx, wts, n_in, g3.dtype)
    if g3.shape[2] == 1:
        return (g3[:, :, 0] @ m)[:, :, None]
    return np.matmul(m.T, g3)


@jit(nogil=True)
def _resample_rows(x2, idx, wts, y, lo, hi):
    """The last axis (R = 1): each output a dot product of T taps of a row."""
    n_out, T = idx.shape
    for b in range(lo, hi):
        for o in range(n_out):
            acc = x2[b, 0] * 0
            for t in range(T):
                acc += wts[o, t] * x2[b, idx[o, t]]
            y[b, o] = acc


@jit(nogil=True)
def _resample_adjoint_rows(g2, idx, wts, out, lo, hi):
    n_out, T = idx.shape
    for b in range(lo, hi):
        for o in range(n_out):
            v = g2[b, o]
            for t in range(T):
                out[b, idx[o, t]] += wts[o, t] * v


@jit(nogil=True)
def _tap_loops(src, idx, wts, dst, adjoint, lo, hi):
    """Both directions on rows of R values: dst[b, o] += wts[o, t] · src[b, idx[o, t]]
    (resample: each row dst[b, o] set to zero first), or dst[b, idx[o, t]] += wts[o, t] · src[b, o]
    (adjoint: dst starts at zero)."""
    R = src.shape[2]
    n_out, T = idx.shape
    for b in range(lo, hi):
        for o in range(n_out):
            if not adjoint:  # here rather than by np.zeros: one pass less over y
                for r in range(R):
                    dst[b, o, r] = 0
            for t in range(T):
                i = idx[o, t]
                w = wts[o, t]
                d = i if adjoint else o
                s = o if adjoint else i
                for r in range(R):
                    dst[b, d, r] += w * src[b, s, r]


def resample_numba(x3, idx, wts):
    """``resample_numpy`` by tap loops."""
    y = np.empty((x3.shape[0], idx.shape[0], x3.shape[2]), x3.dtype)
    x3, wts = np.ascontiguousarray(x3), wts.astype(x3.dtype)
    if x3.shape[2] == 1:
        split(_resample_rows, x3.shape[0], x3.reshape(x3.shape[:2]), idx, wts, y.reshape(y.shape[:2]), work=y.size)
    else:
        split(_tap_loops, x3.shape[0], x3, idx, wts, y, False, work=y.size)
    return y


def resample_adjoint_numba(g3, idx, wts, n_in):
    """``resample_adjoint_numpy`` by tap loops."""
    out = np.zeros((g3.shape[0], n_in, g3.shape[2]), g3.dtype)
    g3, wts = np.ascontiguousarray(g3), wts.astype(g3.dtype)
    if g3.shape[2] == 1:
        split(_resample_adjoint_rows, g3.shape[0], g3.reshape(g3.shape[:2]), idx, wts, out.reshape(out.shape[:2]),
              work=g3.size)
    else:
        split(_tap_loops, g3.shape[0], g3, idx, wts, out, True, work=g3.size)
    return out


DENSE_MAX = 1 << 16  # n_in·n_out: along the last axis a BLAS product with M this small beats the gathers


def _numba_for(a, idx, n_in):
    """The loops, except along the last axis (R = 1) with a small M, where
    the rows gather from scattered addresses and the (two-thread) BLAS product
    measured about 2x faster (64 -> 128, rows of (32·16·64))."""
    return use_numba(a) and not (a.shape[2] == 1 and n_in * idx.shape[0] <= DENSE_MAX)


def resample(x3, idx, wts):
    """y[b, o, r] = Σ_t wts[o, t] · x3[b, idx[o, t], r]."""
    return (resample_numba if _numba_for(x3, idx, x3.shape[1]) else resample_numpy)(x3, idx, wts)


def resample_adjoint(g3, idx, wts, n_in):
    """x̄[b, idx[o, t], r] += wts[o, t] · g3[b, o, r]."""
    f = resample_adjoint_numba if _numba_for(g3, idx, n_in) else resample_adjoint_numpy
    return f(g3, idx, wts, n_in)
