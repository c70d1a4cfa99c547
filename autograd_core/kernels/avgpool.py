"""Average pooling over 2-D windows (NCHW), forward and backward; the
window arithmetic is described in ``pool.py``.

The window sum is divided by, in this order of precedence, ``divisor``
(when > 0), the window size clipped to the padded image
(``count_include_pad``), or the number of image pixels in the window. The
backward spreads ȳ[p] / divisor[p] over window p (the adjoint).

The numpy twins add one kernel offset (i, j) of every window at a time; the
numba kernels add, for each output row, the strided input rows of its
windows (2x2 windows of stride 2 by an unrolled kernel).
"""
import numpy as np

from . import jit, use_numba
from .pool import ALL, offsets


def avg_divisor(H, W, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor):
    """The divisor of every window, an (OH, OW) array of int64."""
    if divisor > 0:
        return np.full((OH, OW), divisor, np.int64)
    hs, ws = np.arange(OH) * sh - ph, np.arange(OW) * sw - pw
    he, we = np.minimum(hs + kh, H + ph), np.minimum(ws + kw, W + pw)
    if not count_include_pad:
        hs, ws, he, we = np.maximum(hs, 0), np.maximum(ws, 0), np.minimum(he, H), np.minimum(we, W)
    return np.maximum((he - hs)[:, None] * (we - ws)[None, :], 1)


def avg_pool2d_numpy(x, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor):
    """Window means (N, C, OH, OW); see the module docstring for the divisor."""
    N, C, H, W = x.shape
    acc = np.zeros((N, C, OH, OW), x.dtype)
    for _, dst, src in offsets(kh, kw, sh, sw, ph, pw, 1, 1, H, W, OH, OW):
        acc[ALL + dst] += x[ALL + src]
    acc /= avg_divisor(H, W, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor).astype(x.dtype)
    return acc


@jit()
def _avg_pool_loops(x, div, kh, kw, sh, sw, ph, pw):
    """Row by row: each kernel offset adds a strided input row to a row of sums."""
    N, C, H, W = x.shape
    OH, OW = div.shape
    out = np.zeros((N, C, OH, OW), x.dtype)
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                acc = out[n, c, oh]
                for i in range(kh):
                    h = oh * sh - ph + i
                    if 0 <= h < H:
                        row = x[n, c, h]
                        for j in range(kw):
                            for ow in range(OW):
                                w = ow * sw - pw + j
                                if 0 <= w < W:
                                    acc[ow] += row[w]
                for ow in range(OW):
                    acc[ow] /= div[oh, ow]
    return out


@jit()
def _avg_pool_2x2_loops(x, div):
    """2x2 windows of stride 2 without padding, unrolled."""
    N, C, H, W = x.shape
    OH, OW = div.shape
    out = np.empty((N, C, OH, OW), x.dtype)
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                r0, r1 = x[n, c, 2 * oh], x[n, c, 2 * oh + 1]
                for ow in range(OW):
                    w = 2 * ow
                    out[n, c, oh, ow] = (r0[w] + r0[w + 1] + r1[w] + r1[w + 1]) / div[oh, ow]
    return out


def _is_2x2(kh, kw, sh, sw, ph, pw, H, W, OH, OW):
    return (kh, kw, sh, sw, ph, pw) == (2, 2, 2, 2, 0, 0) and 2 * OH <= H and 2 * OW <= W


def avg_pool2d_numba(x, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor):
    """``avg_pool2d_numpy`` compiled (2x2 windows of stride 2 by an unrolled kernel)."""
    H, W = x.shape[2:]
    div = avg_divisor(H, W, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor).astype(x.dtype)
    x = np.ascontiguousarray(x)
    if _is_2x2(kh, kw, sh, sw, ph, pw, H, W, OH, OW):
        return _avg_pool_2x2_loops(x, div)
    return _avg_pool_loops(x, div, kh, kw, sh, sw, ph, pw)


def avg_pool2d(x, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor):
    """Window means (N, C, OH, OW); see the module docstring for the divisor."""
    f = avg_pool2d_numba if use_numba(x) else avg_pool2d_numpy
    return f(x, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor)


def avg_pool2d_backward_numpy(g, H, W, kh, kw, sh, sw, ph, pw, count_include_pad, divisor):
    """x̄ (N, C, H, W): each ȳ[p] / divisor[p] added over window p."""
    N, C, OH, OW = g.shape
    gd = g / avg_divisor(H, W, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor).astype(g.dtype)
    out = np.zeros((N, C, H, W), g.dtype)
    for _, dst, src in offsets(kh, kw, sh, sw, ph, pw, 1, 1, H, W, OH, OW):
        out[ALL + src] += gd[ALL + dst]
    return out


@jit()
def _avg_pool_bwd_loops(g, div, H, W, kh, kw, sh, sw, ph, pw):
    N, C, OH, OW = g.shape
    out = np.zeros((N, C, H, W), g.dtype)
    gd = np.empty(OW, g.dtype)
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                for ow in range(OW):
                    gd[ow] = g[n, c, oh, ow] / div[oh, ow]
                for i in range(kh):
                    h = oh * sh - ph + i
                    if 0 <= h < H:
                        row = out[n, c, h]
                        for j in range(kw):
                            for ow in range(OW):
                                w = ow * sw - pw + j
                                if 0 <= w < W:
                                    row[w] += gd[ow]
    return out


@jit()
def _avg_pool_2x2_bwd_loops(g, div, H, W):
    N, C, OH, OW = g.shape
    out = np.zeros((N, C, H, W), g.dtype)
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                r0, r1 = out[n, c, 2 * oh], out[n, c, 2 * oh + 1]
                for ow in range(OW):
                    v = g[n, c, oh, ow] / div[oh, ow]
                    w = 2 * ow
                    r0[w] = v
                    r0[w + 1] = v
                    r1[w] = v
                    r1[w + 1] = v
    return out


def avg_pool2d_backward_numba(g, H, W, kh, kw, sh, sw, ph, pw, count_include_pad, divisor):
    """``avg_pool2d_backward_numpy`` compiled (2x2 windows of stride 2 unrolled)."""
    OH, OW = g.shape[2:]
    div = avg_divisor(H, W, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor).astype(g.dtype)
    g = np.ascontiguousarray(g)
    if _is_2x2(kh, kw, sh, sw, ph, pw, H, W, OH, OW):
        return _avg_pool_2x2_bwd_loops(g, div, H, W)
    return _avg_pool_bwd_loops(g, div, H, W, kh, kw, sh, sw, ph, pw)


def avg_pool2d_backward(g, H, W, kh, kw, sh, sw, ph, pw, count_include_pad, divisor):
    """x̄ (N, C, H, W): each ȳ[p] / divisor[p] added over window p."""
    f = avg_pool2d_backward_numba if use_numba(g) else avg_pool2d_backward_numpy
    return f(g, H, W, kh, kw, sh, sw, ph, pw, count_include_pad, divisor)
