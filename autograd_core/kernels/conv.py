"""2-D convolution (cross-correlation, NCHW) as im2col + GEMM: the forward
product and the three backward products.

With cols = im2col(x) of shape (N, C·kh·kw, P), P = OH·OW, and the weight
flattened to W (Co, C·kh·kw) (per group: g groups of Co/g filters, each
seeing C/g input channels), per sample n

    forward          y[n]  = W @ cols[n] + b                 (Co, P)
    input grad       x̄     = col2im(Wᵀ @ ȳ[n])               (N, C, H, W)
    weight grad      W̄     = Σ_n ȳ[n] @ cols[n]ᵀ            (Co, C·kh·kw)
                           = (Σ_n cols[n] @ ȳ[n]ᵀ)ᵀ
    bias grad        b̄     = Σ_{n, p} ȳ[n, :, p]             (Co,)

The matrix products are ``numpy.matmul`` (BLAS, batched over the samples of
a chunk and the groups); ``im2col``/``col2im`` are the numba kernels or
their numpy twins (see ``im2col.py``). A 1x1 kernel with stride 1 and no
padding needs no im2col: cols[n] is x[n] seen as a (C, H·W) matrix.

How the work is laid out:

- The batch is cut into at most ``TASKS`` ranges of samples, which the
  cores take from a queue with single-threaded BLAS (``batch_split.py``:
  a multi-threaded BLAS inside these small products collapses on a loaded
  machine). Within a task, samples go in chunks whose cols fit in
  ``CHUNK_BYTES`` (1 MB: the cols stay in the L2 cache between the im2col
  and its product; a chunk of several small samples is one ``matmul``
  call), in scratch buffers reused from call to call (``workspace``, one
  per thread). The ranges depend on N alone and the weight gradient adds
  its per-task sums in task order, so results do not depend on the number
  of threads or on which thread ran what.
- The forward can write its cols into an array the caller keeps
  (``new_cols``): the weight gradient then reads them instead of running
  im2col again. That costs their memory, C·kh·kw·OH·OW values per sample
  (kh·kw times the input for a stride-1 'same' convolution), from the
  forward to the backward. It pays while the cols are small enough to
  stay in the caches: forward + weight gradient, one thread, median of 60
  interleaved runs, recomputing vs keeping: LeNet's conv2 (64, 6, 14, 14)
  5x5, 3.8 MB of cols, 5.8 vs 4.9 ms; at batch 128 (7.7 MB) 10.9 vs 8.3 ms;
  (32, 32, 16, 16) 32->64 3x3, 9.4 MB, 19.5 vs 18.6 ms; but (32, 16, 32, 32)
  16->32 3x3, 18.9 MB, 24.5 vs 26.9 ms (writing them to memory and reading
  them back costs more than the im2col saved). Above ``KEEP_COLS_BYTES``
  (16 MB) they are therefore recomputed, which also bounds the memory kept.
- The weight-gradient product with ȳ[n] @ cols[n]ᵀ hands BLAS a transposed
  (P, K) operand, which it multiplies up to 2x slower than a row-major
  one when K = C/g·kh·kw is large; there (K >= 128 and Co/g >= 16,
  measured) the product is taken as cols[n] @ ȳ[n]ᵀ, with ȳ[n]ᵀ copied
  row-major (ȳ is the smaller of the two: Co/g < K).
"""
from collections import namedtuple

import numpy as np

from . import workspace
from .batch_split import run_tasks
from .im2col import col2im, im2col

Geometry = namedtuple("Geometry", "stride pads dilation groups")
Geometry.__doc__ = """stride (sh, sw), pads (top, bottom, left, right), dilation (dh, dw), groups."""

CHUNK_BYTES = 1 << 20
TASKS = 8
KEEP_COLS_BYTES = 16 << 20


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


def _tasks(n):
    """The ranges of samples [lo, hi) the batch is cut into (fixed by n)."""
    t = min(n, TASKS)
    return [(n * i // t, n * (i + 1) // t) for i in range(t)]


def _chunks(lo, hi, sample_bytes):
    """(start, stop) of the chunks of samples in [lo, hi), each at most CHUNK_BYTES (one sample at least)."""
    step = max(1, CHUNK_BYTES // max(sample_bytes, 1))
    return [(s, min(s + step, hi)) for s in range(lo, hi, step)]


def new_cols(x_shape, w_shape, geom, dtype):
    """An array (N, C·kh·kw, OH·OW) for ``conv2d_forward`` to keep its cols
    in, or None where keeping them does not pay (a pointwise kernel, whose
    cols are x) or costs more than ``KEEP_COLS_BYTES``."""
    N, C = x_shape[:2]
    kh, kw = w_shape[2:]
    if _pointwise(kh, kw, geom):
        return None
    OH, OW = output_shape(x_shape, w_shape, geom)
    shape = (N, C * kh * kw, OH * OW)
    if N * shape[1] * shape[2] * np.dtype(dtype).itemsize > KEEP_COLS_BYTES:
        return None
    return np.empty(shape, dtype)


def patches(x, kh, kw, geom, OH, OW, out=None):
    """im2col of x as (N, groups, C/g·kh·kw, OH·OW), into ``out`` or a
    scratch buffer (a view of x for a pointwise kernel)."""
    N, C = x.shape[:2]
    g = geom.groups
    if _pointwise(kh, kw, geom):
        return x.reshape(N, g, C // g, OH * OW)
    (sh, sw), (pt, _, pl, _), (dh, dw) = geom.stride, geom.pads, geom.dilation
    cols = workspace("cols", (N, C * kh * kw, OH * OW), x.dtype) if out is None else out
    im2col(x, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out=cols)
    return cols.reshape(N, g, C // g * kh * kw, OH * OW)


def conv2d_forward(x, w, b, geom, cols=None):
    """y = x ⋆ w + b for x (N, C, H, W), w (Co, C/g, kh, kw), b (Co,) or
    None; ``cols`` (from ``new_cols``), when given, receives im2col(x)."""
    N, C = x.shape[:2]
    Co, _, kh, kw = w.shape
    g = geom.groups
    OH, OW = output_shape(x.shape, w.shape, geom)
    x = np.ascontiguousarray(x)
    y = np.empty((N, Co, OH, OW), x.dtype)
    y4 = y.reshape(N, g, Co // g, OH * OW)
    wg = np.ascontiguousarray(w).reshape(g, Co // g, -1)
    bias = None if b is None else b.reshape(g, Co // g, 1)
    tasks = _tasks(N)

    def task(i):
        for s, e in _chunks(*tasks[i], C * kh * kw * OH * OW * x.itemsize):
            np.matmul(wg, patches(x[s:e], kh, kw, geom, OH, OW, None if cols is None else cols[s:e]),
                      out=y4[s:e])
            if bias is not None:
                y4[s:e] += bias  # while the chunk is in cache

    run_tasks(task, len(tasks), N * Co * C * kh * kw * OH * OW // g)
    return y


def conv2d_input_grad(gy, w, geom, H, W):
    """x̄ (N, C, H, W) from ȳ (N, Co, OH, OW): the transposed convolution."""
    N, Co, OH, OW = gy.shape
    _, Cg, kh, kw = w.shape
    g = geom.groups
    K = Cg * kh * kw
    wt = np.ascontiguousarray(w.reshape(g, Co // g, K).transpose(0, 2, 1))  # (g, K, Co/g)
    g4 = np.ascontiguousarray(gy).reshape(N, g, Co // g, OH * OW)  # BLAS takes no broadcast (stride-0) ȳ
    pointwise = _pointwise(kh, kw, geom)
    (sh, sw), (pt, _, pl, _), (dh, dw) = geom.stride, geom.pads, geom.dilation
    gx = np.empty((N, g * Cg, H, W), gy.dtype)
    tasks = _tasks(N)

    def task(i):
        for s, e in _chunks(*tasks[i], g * K * OH * OW * gy.itemsize):
            if pointwise:
                np.matmul(wt, g4[s:e], out=gx[s:e].reshape(e - s, g, Cg, H * W))
                continue
            gcols = workspace("gcols", (e - s, g, K, OH * OW), gy.dtype)
            np.matmul(wt, g4[s:e], out=gcols)
            gx[s:e] = 0
            col2im(gcols.reshape(e - s, g * K, OH * OW), g * Cg, H, W, kh, kw, sh, sw, pt, pl, dh, dw,
                   OH, OW, out=gx[s:e])

    run_tasks(task, len(tasks), N * Co * K * OH * OW)
    return gx


def _transpose_gy(co_g, k):
    """Whether the weight gradient multiplies cols[n] @ ȳ[n]ᵀ (see the module doc)."""
    return k >= 128 and co_g >= 16


def conv2d_weight_grad(x, gy, geom, kh, kw, cols=None):
    """w̄ (Co, C/g, kh, kw) from x (N, C, H, W) and ȳ (N, Co, OH, OW);
    ``cols``, when given, is im2col(x) kept by the forward."""
    N, Co, OH, OW = gy.shape
    C, g = x.shape[1], geom.groups
    K, P, cg = C // g * kh * kw, OH * OW, Co // g
    g4 = np.ascontiguousarray(gy).reshape(N, g, cg, P)
    cols = None if cols is None else cols.reshape(N, g, K, P)
    if cols is None:
        x = np.ascontiguousarray(x)
    flip = _transpose_gy(cg, K)
    tasks = _tasks(N)
    sums = np.zeros((len(tasks), g) + ((K, cg) if flip else (cg, K)), x.dtype)

    def task(i):
        for s, e in _chunks(*tasks[i], max(C * kh * kw, Co) * P * x.itemsize):
            c = cols[s:e] if cols is not None else patches(x[s:e], kh, kw, geom, OH, OW)  # (n, g, K, P)
            if flip:
                gt = workspace("gyT", (e - s, g, P, cg), x.dtype)
                gt[...] = g4[s:e].transpose(0, 1, 3, 2)
                prod = np.matmul(c, gt, out=workspace("wprod", (e - s, g, K, cg), x.dtype))
            else:
                prod = np.matmul(g4[s:e], c.transpose(0, 1, 3, 2), out=workspace("wprod", (e - s, g, cg, K),
                                                                                   x.dtype))
            sums[i] += prod.sum(axis=0)

    run_tasks(task, len(tasks), N * Co * K * P)
    gw = sums.sum(axis=0)
    if flip:
        gw = gw.transpose(0, 2, 1)
    return np.ascontiguousarray(gw).reshape(Co, K // (kh * kw), kh, kw)


def conv2d_bias_grad(gy):
    """b̄ = Σ over samples and pixels of ȳ (N, Co, OH, OW)."""
    N, Co = gy.shape[:2]
    return gy.reshape(N, Co, -1).sum(axis=2).sum(axis=0)
