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
kernels run the tap loops directly, touching each input T times.
"""
import numpy as np

from . import jit, use_numba


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


@jit()
def _resample_loops(x3, idx, wts, y):
    B, _, R = x3.shape
    n_out, T = idx.shape
    for b in range(B):
        for o in range(n_out):
            for r in range(R):
                y[b, o, r] = 0
            for t in range(T):
                i = idx[o, t]
                w = wts[o, t]
                for r in range(R):
                    y[b, o, r] += w * x3[b, i, r]


@jit()
def _resample_adjoint_loops(g3, idx, wts, out):
    B, _, R = g3.shape
    n_out, T = idx.shape
    for b in range(B):
        for o in range(n_out):
            for t in range(T):
                i = idx[o, t]
                w = wts[o, t]
                for r in range(R):
                    out[b, i, r] += w * g3[b, o, r]


def resample_numba(x3, idx, wts):
    """``resample_numpy`` by tap loops."""
    y = np.empty((x3.shape[0], idx.shape[0], x3.shape[2]), x3.dtype)
    _resample_loops(np.ascontiguousarray(x3), idx, wts.astype(x3.dtype), y)
    return y


def resample_adjoint_numba(g3, idx, wts, n_in):
    """``resample_adjoint_numpy`` by tap loops."""
    out = np.zeros((g3.shape[0], n_in, g3.shape[2]), g3.dtype)
    _resample_adjoint_loops(np.ascontiguousarray(g3), idx, wts.astype(g3.dtype), out)
    return out


def resample(x3, idx, wts):
    """y[b, o, r] = Σ_t wts[o, t] · x3[b, idx[o, t], r]."""
    return (resample_numba if use_numba(x3) else resample_numpy)(x3, idx, wts)


def resample_adjoint(g3, idx, wts, n_in):
    """x̄[b, idx[o, t], r] += wts[o, t] · g3[b, o, r]."""
    return (resample_adjoint_numba if use_numba(g3) else resample_adjoint_numpy)(g3, idx, wts, n_in)
