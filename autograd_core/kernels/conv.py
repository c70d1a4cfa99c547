"""2-D convolution (cross-correlation, NCHW) as im2col + GEMM: the forward
product and the three backward products.

With cols = im2col(x) of shape (N, C·kh·kw, P), P = OH·OW, and the weight
flattened to W (Co, C·kh·kw) (per group: g groups of Co/g filters, each
seeing C/g input channels), per sample n

    forward          y[n]  = W @ cols[n] + b                 (Co, P)
    input grad       x̄     = col2im(Wᵀ @ ȳ[n])               (N, C, H, W)
    weight grad      W̄     = Σ_n ȳ[n] @ cols[n]ᵀ            (Co, C·kh·kw)
    bias grad        b̄     = Σ_{n, p} ȳ[n, :, p]             (Co,)

The matrix products are ``numpy.matmul`` (BLAS, batched over the samples and
groups); ``im2col``/``col2im`` are the numba kernels or their numpy twins (see
``im2col.py``). A 1x1 kernel with stride 1 and no padding needs no im2col:
cols[n] is x[n] seen as a (C, H·W) matrix.

The batch is processed in chunks of samples whose cols fit in ``CHUNK_BYTES``
(1 MB: usually one sample, whose cols then stay in the L2 cache between the
im2col and its product), in scratch buffers reused from call to call
(``workspace``): memory stays bounded for large images, and the page faults
of fresh allocations (costlier than the im2col itself) are paid once.
"""
from collections import namedtuple

import numpy as np

from . import workspace
from .im2col import col2im, im2col

Geometry = namedtuple("Geometry", "stride pads dilation groups")
Geometry.__doc__ = """stride (sh, sw), pads (top, bottom, left, right), dilation (dh, dw), groups."""

CHUNK_BYTES = 1 << 20


def out_size(size, k, stride, pad0, pad1, dilation):
    """floor((size + pad0 + pad1 - dilation·(k - 1) - 1) / stride) + 1."""
    return (size + pad0 + pad1 - dilation * (k - 1) - 1) // stride + 1


def output_shape(x_shape, w_shape, geom):
    """(OH, OW) of a convolution of x (N, C, H, W) with w (Co, C/g, kh, kw)."""
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = geom.stride, geom.pads, geom.dilation
    return (out_size(x_shape[2], w_shape[2], sh, pt, pb, dh),
            out_size(x_shape[3], w_shape[3], sw, pl, pr, dw))


def _pointwise(kh, kw, geom):
    return kh == kw == 1 and geom.stride == (1, 1) and not any(geom.pads)


def _chunks(n, sample_bytes):
    """(start, stop) of the chunks of samples, each at most CHUNK_BYTES (one sample at least)."""
    step = max(1, CHUNK_BYTES // max(sample_bytes, 1))
    return [(s, min(s + step, n)) for s in range(0, n, step)]


def patches(x, kh, kw, geom, OH, OW):
    """im2col of x as (N, groups, C/g·kh·kw, OH·OW), in a scratch buffer
    (a view of x for a pointwise kernel)."""
    N, C = x.shape[:2]
    g = geom.groups
    if _pointwise(kh, kw, geom):
        return x.reshape(N, g, C // g, OH * OW)
    (sh, sw), (pt, _, pl, _), (dh, dw) = geom.stride, geom.pads, geom.dilation
    cols = workspace("cols", (N, C * kh * kw, OH * OW), x.dtype)
    im2col(x, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out=cols)
    return cols.reshape(N, g, C // g * kh * kw, OH * OW)


def conv2d_forward(x, w, b, geom):
    """y = x ⋆ w + b for x (N, C, H, W), w (Co, C/g, kh, kw), b (Co,) or None."""
    N, C = x.shape[:2]
    Co, _, kh, kw = w.shape
    g = geom.groups
    OH, OW = output_shape(x.shape, w.shape, geom)
    y = np.empty((N, Co, OH, OW), x.dtype)
    y4 = y.reshape(N, g, Co // g, OH * OW)
    wg = w.reshape(g, Co // g, -1)
    bias = None if b is None else b.reshape(g, Co // g, 1)
    for s, e in _chunks(N, C * kh * kw * OH * OW * x.itemsize):
        np.matmul(wg, patches(x[s:e], kh, kw, geom, OH, OW), out=y4[s:e])
        if bias is not None:
            y4[s:e] += bias  # while the chunk is in cache
    return y


def conv2d_input_grad(gy, w, geom, H, W):
    """x̄ (N, C, H, W) from ȳ (N, Co, OH, OW): the transposed convolution."""
    N, Co, OH, OW = gy.shape
    _, Cg, kh, kw = w.shape
    g = geom.groups
    K = Cg * kh * kw
    wt = w.reshape(g, Co // g, K).transpose(0, 2, 1)  # (g, K, Co/g)
    g4 = gy.reshape(N, g, Co // g, OH * OW)
    if _pointwise(kh, kw, geom):
        return np.matmul(wt, g4).reshape(N, g * Cg, H, W)
    (sh, sw), (pt, _, pl, _), (dh, dw) = geom.stride, geom.pads, geom.dilation
    gx = np.zeros((N, g * Cg, H, W), gy.dtype)
    for s, e in _chunks(N, g * K * OH * OW * gy.itemsize):
        gcols = workspace("gcols", (e - s, g, K, OH * OW), gy.dtype)
        np.matmul(wt, g4[s:e], out=gcols)
        col2im(gcols.reshape(e - s, g * K, OH * OW), g * Cg, H, W, kh, kw, sh, sw, pt, pl, dh, dw,
               OH, OW, out=gx[s:e])
    return gx


def conv2d_weight_grad(x, gy, geom, kh, kw):
    """w̄ (Co, C/g, kh, kw) from x (N, C, H, W) and ȳ (N, Co, OH, OW)."""
    N, Co, OH, OW = gy.shape
    C, g = x.shape[1], geom.groups
    K = C // g * kh * kw
    g4 = gy.reshape(N, g, Co // g, OH * OW)
    gw = np.zeros((g, Co // g, K), x.dtype)
    per_sample = max(C * kh * kw * OH * OW, Co * K) * x.itemsize  # cols, and the products summed
    for s, e in _chunks(N, per_sample):
        cols = patches(x[s:e], kh, kw, geom, OH, OW)  # (n, g, K, P)
        gw += np.matmul(g4[s:e], cols.transpose(0, 1, 3, 2)).sum(axis=0)
    return gw.reshape(Co, K // (kh * kw), kh, kw)


def conv2d_bias_grad(gy):
    """b̄ = Σ over samples and pixels of ȳ (N, Co, OH, OW)."""
    N, Co = gy.shape[:2]
    return gy.reshape(N, Co, -1).sum(axis=2).sum(axis=0)
