"""Average pooling over 2-D windows (NCHW), forward and backward; the
window arithmetic is described in ``pool.py``.

The window sum is divided by, in this order of precedence, ``divisor``
(when > 0), the window size clipped to the padded image
(``count_include_pad``), or the number of image pixels in the window. The
backward spreads ȳ[p] / divisor[p] over window p (the adjoint).

The numpy twins add one kernel offset (i, j) of every window at a time; the
numba kernels add, for each output row, the strided input rows of its
windows (2x2 windows of stride 2 by an unrolled kernel), on (N·C) planes that
``threads.split`` shares out between cores. Integer (int64) inputs take
the numpy twin, which divides their sums with truncation, as PyTorch.
"""
import numpy as np

from . import jit, use_numba
from .pool import ALL, offsets
from .threads import split


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
    div = avg_divisor(H, W, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor)
    if acc.dtype.kind in "iu":  # PyTorch's integer average: the sum divided with truncation toward zero
        return np.sign(acc) * (np.abs(acc) // div)
    acc /= div.astype(x.dtype)
    return acc


@jit(nogil=True)
def _avg_pool_loops(x, div, out, kh, kw, sh, sw, ph, pw, p0, p1):
    """Planes p0..p1, row by row: each kernel offset adds a strided input row
    to a row of sums (out starts at zero)."""
    _, H, W = x.shape
    OH, OW = div.shape
    for p in range(p0, p1):
        for oh in range(OH):
            acc = out[p, oh]
            for i in range(kh):
                h = oh * sh - ph + i
                if 0 <= h < H:
                    row = x[p, h]
                    for j in range(kw):
                        for ow in range(OW):
                            w = ow * sw - pw + j
                            if 0 <= w < W:
                                acc[ow] += row[w]
            for ow in range(OW):
                acc[ow] /= div[oh, ow]


@jit(nogil=True)
def _avg_pool_2x2_loops(x, div, out, p0, p1):
    """2x2 windows of stride 2 without padding, unrolled."""
    OH, OW = div.shape
    for p in range(p0, p1):
        for oh in range(OH):
            r0, r1 = x[p, 2 * oh], x[p, 2 * oh + 1]
            for ow in range(OW):
                w = 2 * ow
                out[p, oh, ow] = (r0[w] + r0[w + 1] + r1[w] + r1[w + 1]) / div[oh, ow]


def _is_2x2(kh, kw, sh, sw, ph, pw, H, W, OH, OW):
    return (kh, kw, sh, sw, ph, pw) == (2, 2, 2, 2, 0, 0) and 2 * OH <= H and 2 * OW <= W


def _run_planes(loops, loops_2x2, a, out_h, out_w, H, W, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor):
    """The (N·C) planes of ``a`` (N, C, ·, ·) through the forward or backward loops (the
    2x2 ones when they apply), split over threads: the result (N, C, out_h, out_w)."""
    N, C, a_h, a_w = a.shape
    div = avg_divisor(H, W, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor).astype(a.dtype)
    a3 = np.ascontiguousarray(a).reshape(N * C, a_h, a_w)
    out = np.zeros((N * C, out_h, out_w), a.dtype)
    work = N * C * H * W
    if _is_2x2(kh, kw, sh, sw, ph, pw, H, W, OH, OW):
        split(loops_2x2, N * C, a3, div, out, work=work)
    else:
        split(loops, N * C, a3, div, out, kh, kw, sh, sw, ph, pw, work=work)
    return out.reshape(N, C, out_h, out_w)


def avg_pool2d_numba(x, kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor):
    """``avg_pool2d_numpy`` compiled: planes split over threads, 2x2 windows
    of stride 2 by an unrolled kernel."""
    H, W = x.shape[2:]
    return _run_planes(_avg_pool_loops, _avg_pool_2x2_loops, x, OH, OW, H, W, kh, kw, sh, sw, ph, pw, OH, OW,
                       count_include_pad, divisor)


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


@jit(nogil=True)
def _avg_pool_bwd_loops(g, div, out, kh, kw, sh, sw, ph, pw, p0, p1):
    _, OH, OW = g.shape
    _, H, W = out.shape
    gd = np.empty(OW, g.dtype)
    for p in range(p0, p1):
        for oh in range(OH):
            for ow in range(OW):
                gd[ow] = g[p, oh, ow] / div[oh, ow]
            for i in range(kh):
                h = oh * sh - ph + i
                if 0 <= h < H:
                    row = out[p, h]
                    for j in range(kw):
                        for ow in range(OW):
                            w = ow * sw - pw + j
                            if 0 <= w < W:
                                row[w] += gd[ow]


@jit(nogil=True)
def _avg_pool_2x2_bwd_loops(g, div, out, p0, p1):
    _, OH, OW = g.shape
    for p in range(p0, p1):
        for oh in range(OH):
            r0, r1 = out[p, 2 * oh], out[p, 2 * oh + 1]
            for ow in range(OW):
                v = g[p, oh, ow] / div[oh, ow]
                w = 2 * ow
                r0[w] = v
                r0[w + 1] = v
                r1[w] = v
                r1[w + 1] = v


def avg_pool2d_backward_numba(g, H, W, kh, kw, sh, sw, ph, pw, count_include_pad, divisor):
    """``avg_pool2d_backward_numpy`` compiled (planes split over threads; 2x2
    windows of stride 2 unrolled)."""
    OH, OW = g.shape[2:]
    return _run_planes(_avg_pool_bwd_loops, _avg_pool_2x2_bwd_loops, g, H, W, H, W, kh, kw, sh, sw, ph, pw, OH, OW,
                       count_include_pad, divisor)


def avg_pool2d_backward(g, H, W, kh, kw, sh, sw, ph, pw, count_include_pad, divisor):
    """x̄ (N, C, H, W): each ȳ[p] / divisor[p] added over window p."""
    f = avg_pool2d_backward_numba if use_numba(g) else avg_pool2d_backward_numpy
    return f(g, H, W, kh, kw, sh, sw, ph, pw, count_include_pad, divisor)
