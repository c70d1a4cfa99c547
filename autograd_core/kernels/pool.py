"""Max pooling over 2-D windows (NCHW), forward and backward, and the
window arithmetic shared with average pooling (``avgpool.py``).

Window (oh, ow) of kernel (kh, kw), stride (sh, sw), padding (ph, pw) and
dilation (dh, dw) covers the input pixels

    h = oh·sh - ph + i·dh,   w = ow·sw - pw + j·dw        (i < kh, j < kw)

that fall inside the image (padding is never selected nor summed).

Max pooling keeps, per window, the flat index h·W + w of its maximum in the
(H, W) plane. Windows are scanned row by row and an element replaces the
current maximum only if it is larger, or NaN (which propagates): ties go to
the first element, as in PyTorch. The backward adds each output gradient to
the input element at its index:  x̄[idx[p]] += ȳ[p].

The numpy twins loop over the kernel offsets (i, j), each a strided slice of
every window at once; the numba kernels loop over windows (2x2 windows of
stride 2, the common case, by an unrolled kernel), on (N·C) planes that
``threads.split`` shares out between cores. The numba kernels are
compiled for float32 and float64; integer inputs (PyTorch max-pools them)
take the numpy twin.
"""
import numpy as np

from . import jit, use_numba
from .im2col import valid_range
from .threads import split


def offsets(kh, kw, sh, sw, ph, pw, dh, dw, H, W, OH, OW):
    """For every kernel offset (i, j) seen by some window: (i, j), the output
    slices and the input slices (the numpy twins loop over these)."""
    for i in range(kh):
        h0, h1 = valid_range(OH, i * dh - ph, sh, H)
        for j in range(kw):
            w0, w1 = valid_range(OW, j * dw - pw, sw, W)
            if h0 < h1 and w0 < w1:
                hs, ws = h0 * sh - ph + i * dh, w0 * sw - pw + j * dw
                src = (slice(hs, hs + (h1 - h0 - 1) * sh + 1, sh), slice(ws, ws + (w1 - w0 - 1) * sw + 1, sw))
                yield (i, j), (slice(h0, h1), slice(w0, w1)), src


ALL = (slice(None), slice(None))


# -- max pooling ----------------------------------------------------------------------------------
def max_pool2d_numpy(x, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW):
    """(maxima, flat indices into each (H, W) plane), both (N, C, OH, OW)."""
    N, C, H, W = x.shape
    best = np.zeros((N, C, OH, OW), x.dtype)  # replaced by each window's first element (arg < 0)
    arg = np.full((N, C, OH, OW), -1, np.int64)
    for (i, j), dst, src in offsets(kh, kw, sh, sw, ph, pw, dh, dw, H, W, OH, OW):
        v, b, a = x[ALL + src], best[ALL + dst], arg[ALL + dst]
        upd = (a < 0) | (v > b) | np.isnan(v)
        rows = np.arange(dst[0].start, dst[0].stop) * sh - ph + i * dh
        cols = np.arange(dst[1].start, dst[1].stop) * sw - pw + j * dw
        np.copyto(b, v, where=upd)
        np.copyto(a, rows[:, None] * W + cols, where=upd)
    return best, arg


@jit(nogil=True)
def _max_pool_loops(x, out, arg, kh, kw, sh, sw, ph, pw, dh, dw, p0, p1):
    """Planes p0..p1 of x (planes, H, W) into out, arg (planes, OH, OW)."""
    _, H, W = x.shape
    _, OH, OW = out.shape
    for p in range(p0, p1):
        for oh in range(OH):
            h0 = oh * sh - ph
            for ow in range(OW):
                w0 = ow * sw - pw
                best = x[p, 0, 0]
                k = -1
                for i in range(kh):
                    h = h0 + i * dh
                    if 0 <= h < H:
                        for j in range(kw):
                            w = w0 + j * dw
                            if 0 <= w < W:
                                v = x[p, h, w]
                                if k < 0 or v > best or v != v:
                                    best = v
                                    k = h * W + w
                out[p, oh, ow] = best
                arg[p, oh, ow] = k


@jit(nogil=True)
def _max_pool_2x2_loops(x, out, arg, p0, p1):
    """The common 2x2 windows with stride 2 and no padding, unrolled."""
    _, H, W = x.shape
    _, OH, OW = out.shape
    for p in range(p0, p1):
        for oh in range(OH):
            h = 2 * oh
            r0, r1 = x[p, h], x[p, h + 1]
            for ow in range(OW):
                w = 2 * ow
                best, k = r0[w], h * W + w
                v = r0[w + 1]
                if v > best or v != v:
                    best, k = v, h * W + w + 1
                v = r1[w]
                if v > best or v != v:
                    best, k = v, (h + 1) * W + w
                v = r1[w + 1]
                if v > best or v != v:
                    best, k = v, (h + 1) * W + w + 1
                out[p, oh, ow] = best
                arg[p, oh, ow] = k


def max_pool2d_numba(x, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW):
    """``max_pool2d_numpy`` compiled: planes split over threads, 2x2 windows
    of stride 2 by an unrolled kernel."""
    N, C, H, W = x.shape
    x3 = np.ascontiguousarray(x).reshape(N * C, H, W)
    out, arg = np.empty((N * C, OH, OW), x.dtype), np.empty((N * C, OH, OW), np.int64)
    if (kh, kw, sh, sw, ph, pw, dh, dw) == (2, 2, 2, 2, 0, 0, 1, 1) and 2 * OH <= H and 2 * OW <= W:
        split(_max_pool_2x2_loops, N * C, x3, out, arg, work=x.size)
    else:
        split(_max_pool_loops, N * C, x3, out, arg, kh, kw, sh, sw, ph, pw, dh, dw, work=x.size)
    return out.reshape(N, C, OH, OW), arg.reshape(N, C, OH, OW)


def max_pool2d(x, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW):
    """(maxima, flat indices into each (H, W) plane), both (N, C, OH, OW)."""
    f = max_pool2d_numba if use_numba(x) else max_pool2d_numpy
    return f(x, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW)


def max_unpool_add_numpy(g, idx, H, W):
    """x̄ (N, C, H, W) with x̄[n, c].flat[idx[n, c, p]] += ȳ[n, c, p]."""
    N, C = g.shape[:2]
    flat = idx.reshape(N * C, -1) + (np.arange(N * C) * (H * W))[:, None]
    out = np.bincount(flat.ravel(), weights=g.reshape(-1), minlength=N * C * H * W)
    return out.astype(g.dtype, copy=False).reshape(N, C, H, W)


@jit(nogil=True)
def _unpool_loops(g, idx, out, p0, p1):
    _, P = g.shape
    for p in range(p0, p1):
        for q in range(P):
            out[p, idx[p, q]] += g[p, q]


def max_unpool_add_numba(g, idx, H, W):
    """``max_unpool_add_numpy`` compiled (planes split over threads)."""
    N, C = g.shape[:2]
    out = np.zeros((N * C, H * W), g.dtype)
    split(_unpool_loops, N * C, np.ascontiguousarray(g).reshape(N * C, -1),
          np.ascontiguousarray(idx).reshape(N * C, -1), out, work=out.size)
    return out.reshape(N, C, H, W)


def max_unpool_add(g, idx, H, W):
    """The max pooling backward: x̄.flat[idx] += ȳ, per (n, c) plane."""
    f = max_unpool_add_numba if use_numba(g) else max_unpool_add_numpy
    return f(g, idx, H, W)


def max_pool2d_gather(x, idx):
    """x[n, c].flat[idx[n, c, p]]: the adjoint of ``max_unpool_add`` (numpy's gather)."""
    N, C = x.shape[:2]
    got = np.take_along_axis(x.reshape(N, C, -1), idx.reshape(N, C, -1), axis=2)
    return got.reshape(idx.shape)
