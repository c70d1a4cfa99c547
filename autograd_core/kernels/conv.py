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
  row-major (ȳ is the smaller of the two: Co/g < K; MKL's transpose where
  installed). A chunk of one sample (large samples) has its product added
  into the task's sum by the GEMM itself (β = 1), with no product buffer.

The batch folded into one product (issue 17). With few pixels per sample
the per-sample products are thin: each of the Co/g·K values of
ȳ[n] @ cols[n]ᵀ is a sum of only P products, and writing the N partial
results (and summing them) costs more than the multiplications; the input
gradient's Wᵀ @ ȳ[n] reads all of W once per sample. Side by side, with
C = [cols[0] … cols[N-1]] (K, N·P) and G = [ȳ[0] … ȳ[N-1]] (Co/g, N·P) per
group, the same sums are one product each:

    weight grad      W̄ᵀ = C @ Gᵀ            (K, Co/g)
    input grad       x̄  = col2im(Wᵀ @ G)     (N, C, H, W)

C is kept as ``folded_cols`` (an (N, K, P) array laid out (K, N, P), which
``im2col``/``col2im`` write and read in place) and G is ȳ transposed
(small next to C). The work is cut into tasks over the input channels
(fixed by C), in chunks of channels whose columns fit in ``CHUNK_BYTES``:
a chunk's rows of C give its own rows of W̄ᵀ (or of Wᵀ @ G and its own
channels of x̄), so nothing is summed across tasks and the result does not
depend on the number of threads. When the weight gradient folds, the
forward's kept columns are laid out folded too, filled by chunks of
channels before the per-sample products of the forward read them.

A product folds where P is small next to its width Co/g·K / (Co/g + K):
measured, forward + backward kernels, one thread, CPU time, median of 15-21
interleaved runs, per sample vs folded, ms (P / width in brackets), the
DCGAN generator's convolutions (batch 16) first:

| convolution (x, w, stride) | weight grad | input grad |
|---|---|---|
| (16, 512, 4, 4), 100x512x4x4, s1 (0.01) | 79.1 vs 9.5 | 12.9 vs 9.4 |
| (16, 256, 8, 8), 512x256x4x4, s2 (0.035) | 147.4 vs 44.0 | 78.6 vs 50.3 |
| (16, 128, 16, 16), 256x128x4x4, s2 (0.28) | 45.6 vs 26.2 | 27.2 vs 25.5 |
| (32, 64, 8, 8), 128x64x3x3, s1 (0.61) | 11.4 vs 8.6 | 7.7 vs 9.3 |
| (16, 128, 8, 8), 64x128x3x3, s1 (1.06) | 7.8 vs 5.2 | 5.1 vs 5.1 |
| (16, 64, 32, 32), 128x64x4x4, s2 (2.25) | 30.1 vs 31.5 (kept cols, + forward: 50.6 vs 50.9) | 25.1 vs 34.2 |
| (32, 32, 16, 16), 64x32x3x3, s1 (4.9) | 11.4 vs 17.3 | 8.4 vs 17.8 |
| (64, 6, 14, 14), 16x6x5x5, s1 (6.9) | 3.1 vs 3.3 | 2.9 vs 3.6 |
| (32, 16, 32, 32), 32x16x4x4, s2 (9.0) | 9.9 vs 9.9 (kept cols: 14.3 vs 16.1) | 9.4 vs 11.0 |
| (16, 3, 64, 64), 64x3x4x4, s2 (37) | 4.5 vs 6.9 | 5.1 vs 8.2 |
| (32, 16, 32, 32), 32x16x3x3, s1 (39) | 11.6 vs 23.8 | 9.5 vs 28.2 |

So the weight gradient folds up to P = 2x its width (``FOLD_WEIGHT_GRAD``;
at 2.25 the two ways tie) and the input gradient up to 0.3x
(``FOLD_INPUT_GRAD``). The forward keeps its per-sample products: a
folded forward (W @ C by chunks of output channels) measured 7-20% faster
on the first two rows only and 2-4x slower on the others.
"""
from collections import namedtuple

import numpy as np

from . import workspace
from .batch_split import run_tasks
from .im2col import col2im, folded_cols, im2col
from .matmul import gemm, transpose_into

Geometry = namedtuple("Geometry", "stride pads dilation groups")
Geometry.__doc__ = """stride (sh, sw), pads (top, bottom, left, right), dilation (dh, dw), groups."""

CHUNK_BYTES = 1 << 20
TASKS = 8
KEEP_COLS_BYTES = 16 << 20
FOLD_WEIGHT_GRAD = 2.0  # fold the weight gradient where P <= this x the width (module doc)
FOLD_INPUT_GRAD = 0.3  # and the input gradient where P <= this x the width


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


def _folds(P, co_g, k, ratio):
    """Whether a backward product folds the batch into one matrix (see the module doc):
    P = OH·OW, the pixels of a sample, is at most ``ratio`` x the width co_g·k / (co_g + k)."""
    return P * (co_g + k) <= ratio * co_g * k


def _tasks(n):
    """The ranges of samples [lo, hi) the batch is cut into (fixed by n)."""
    t = min(n, TASKS)
    return [(n * i // t, n * (i + 1) // t) for i in range(t)]


def _chunks(lo, hi, sample_bytes):
    """(start, stop) of the chunks of samples in [lo, hi), each at most CHUNK_BYTES (one sample at least)."""
    step = max(1, CHUNK_BYTES // max(sample_bytes, 1))
    return [(s, min(s + step, hi)) for s in range(lo, hi, step)]


def _channel_tasks(C, g, channel_bytes):
    """The tasks of a folded product: ranges of the C channels (fixed by C), each a
    list of chunks (group, first, stop) (channels counted within the group) of at
    most CHUNK_BYTES (one channel at least), none across a group boundary."""
    Cg = C // g
    tasks = []
    for lo, hi in _tasks(C):
        chunks = []
        for s, e in _chunks(lo, hi, channel_bytes):
            while s < e:
                gi = s // Cg
                stop = min(e, (gi + 1) * Cg)
                chunks.append((gi, s - gi * Cg, stop - gi * Cg))
                s = stop
        tasks.append(chunks)
    return tasks


def _run_channel_tasks(body, C, g, channel_bytes, work):
    """``body(gi, c0, c1)`` for every chunk of ``_channel_tasks``, the tasks over the cores."""
    tasks = _channel_tasks(C, g, channel_bytes)

    def task(i):
        for chunk in tasks[i]:
            body(*chunk)

    run_tasks(task, len(tasks), work)


def _folded_gy(gy, g, transpose):
    """ȳ (N, Co, OH, OW) with the batch folded into the columns, row-major: (g, Co/g, N·P),
    or its transpose (g, N·P, Co/g)."""
    N, Co = gy.shape[:2]
    a = gy.reshape(N, g, Co // g, -1)
    if transpose:
        return np.ascontiguousarray(a.transpose(1, 0, 3, 2)).reshape(g, -1, Co // g)
    return np.ascontiguousarray(a.transpose(1, 2, 0, 3)).reshape(g, Co // g, -1)


def new_cols(x_shape, w_shape, geom, dtype):
    """An array (N, C·kh·kw, OH·OW) for ``conv2d_forward`` to keep its cols
    in (laid out as ``folded_cols`` where the products fold), or None where
    keeping them does not pay (a pointwise kernel, whose cols are x) or costs
    more than ``KEEP_COLS_BYTES``."""
    N, C = x_shape[:2]
    kh, kw = w_shape[2:]
    if _pointwise(kh, kw, geom):
        return None
    OH, OW = output_shape(x_shape, w_shape, geom)
    shape = (N, C * kh * kw, OH * OW)
    if N * shape[1] * shape[2] * np.dtype(dtype).itemsize > KEEP_COLS_BYTES:
        return None
    folds = _folds(shape[2], w_shape[0] // geom.groups, shape[1] // geom.groups, FOLD_WEIGHT_GRAD)
    return folded_cols(*shape, dtype) if folds else np.empty(shape, dtype)


def _im2col_args(kh, kw, geom, OH, OW):
    (sh, sw), (pt, _, pl, _), (dh, dw) = geom.stride, geom.pads, geom.dilation
    return kh, kw, sh, sw, pt, pl, dh, dw, OH, OW


def patches(x, kh, kw, geom, OH, OW, out=None):
    """im2col of x as (N, groups, C/g·kh·kw, OH·OW), into ``out`` or a
    scratch buffer (a view of x for a pointwise kernel)."""
    N, C = x.shape[:2]
    g = geom.groups
    if _pointwise(kh, kw, geom):
        return x.reshape(N, g, C // g, OH * OW)
    cols = workspace("cols", (N, C * kh * kw, OH * OW), x.dtype) if out is None else out
    im2col(x, *_im2col_args(kh, kw, geom, OH, OW), out=cols)
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
    work = N * Co * C * kh * kw * OH * OW // g
    filled = cols is not None and not cols.flags.c_contiguous
    if filled:  # folded cols: filled for the whole batch first, by chunks of channels
        _fill_folded(x, kh, kw, geom, OH, OW, cols, work)
    tasks = _tasks(N)

    def task(i):
        for s, e in _chunks(*tasks[i], C * kh * kw * OH * OW * x.itemsize):
            if filled:
                c = cols[s:e].reshape(e - s, g, -1, OH * OW)
            else:
                c = patches(x[s:e], kh, kw, geom, OH, OW, None if cols is None else cols[s:e])
            gemm(wg, c, out=y4[s:e])
            if bias is not None:
                y4[s:e] += bias  # while the chunk is in cache

    run_tasks(task, len(tasks), work)
    return y


def _fill_folded(x, kh, kw, geom, OH, OW, cols, work):
    """im2col(x) into ``folded_cols`` by chunks of input channels over the cores."""
    C, kk = x.shape[1], kh * kw

    def chunk(gi, c0, c1):
        first = gi * (C // geom.groups) + c0
        im2col(x[:, first:first + c1 - c0], *_im2col_args(kh, kw, geom, OH, OW),
               out=cols[:, first * kk:(first + c1 - c0) * kk])

    _run_channel_tasks(chunk, C, geom.groups, x.shape[0] * kk * OH * OW * x.itemsize, work)


def conv2d_input_grad(gy, w, geom, H, W, b=None):
    """x̄ (N, C, H, W) from ȳ (N, Co, OH, OW): the transposed convolution,
    plus b (C,) per channel when given."""
    N, Co, OH, OW = gy.shape
    _, Cg, kh, kw = w.shape
    g = geom.groups
    wt = np.ascontiguousarray(w.reshape(g, Co // g, Cg * kh * kw).transpose(0, 2, 1))  # (g, K, Co/g)
    f = _input_grad_folded if _folds(OH * OW, Co // g, Cg * kh * kw, FOLD_INPUT_GRAD) else _input_grad_per_sample
    bias = None if b is None else b.reshape(-1, 1, 1)
    return f(gy, wt, kh, kw, geom, H, W, bias)


def _input_grad_per_sample(gy, wt, kh, kw, geom, H, W, bias):
    """x̄[n] = col2im(Wᵀ @ ȳ[n]), chunks of samples over the cores."""
    N, Co, OH, OW = gy.shape
    g, K = wt.shape[:2]
    Cg = K // (kh * kw)
    g4 = np.ascontiguousarray(gy).reshape(N, g, Co // g, OH * OW)  # BLAS takes no broadcast (stride-0) ȳ
    pointwise = _pointwise(kh, kw, geom)
    gx = np.empty((N, g * Cg, H, W), gy.dtype)
    tasks = _tasks(N)

    def task(i):
        for s, e in _chunks(*tasks[i], g * K * OH * OW * gy.itemsize):
            if pointwise:
                gemm(wt, g4[s:e], out=gx[s:e].reshape(e - s, g, Cg, H * W))
                if bias is not None:
                    gx[s:e] += bias  # while the chunk is in cache
                continue
            gcols = workspace("gcols", (e - s, g, K, OH * OW), gy.dtype)
            gemm(wt, g4[s:e], out=gcols)
            gx[s:e] = 0 if bias is None else bias  # col2im adds into it
            col2im(gcols.reshape(e - s, g * K, OH * OW), g * Cg, H, W, *_im2col_args(kh, kw, geom, OH, OW),
                   out=gx[s:e], overwrite_cols=True)

    run_tasks(task, len(tasks), N * Co * K * OH * OW)
    return gx


def _input_grad_folded(gy, wt, kh, kw, geom, H, W, bias):
    """x̄ = col2im(Wᵀ @ G) with G = ȳ as (Co/g, N·P) per group, by chunks of input channels."""
    N, Co, OH, OW = gy.shape
    g, K = wt.shape[:2]
    kk, P = kh * kw, OH * OW
    Cg = K // kk
    G = _folded_gy(gy, g, False)
    gx = np.empty((N, g * Cg, H, W), gy.dtype)

    def chunk(gi, c0, c1):
        gc = gemm(wt[gi, c0 * kk:c1 * kk], G[gi], out=workspace("fgcols", ((c1 - c0) * kk, N * P), gy.dtype))
        ch = slice(gi * Cg + c0, gi * Cg + c1)
        part = workspace("fgx", (N, c1 - c0, H, W), gy.dtype)
        part[...] = 0 if bias is None else bias[ch]  # col2im adds into it
        col2im(folded_cols(N, (c1 - c0) * kk, P, gy.dtype, gc), c1 - c0, H, W,
               *_im2col_args(kh, kw, geom, OH, OW), out=part, overwrite_cols=True)
        gx[:, ch] = part

    _run_channel_tasks(chunk, g * Cg, g, N * kk * P * gy.itemsize, N * Co * K * P)
    return gx


def _transpose_gy(co_g, k):
    """Whether the weight gradient multiplies cols[n] @ ȳ[n]ᵀ (see the module doc)."""
    return k >= 128 and co_g >= 16


def conv2d_weight_grad(x, gy, geom, kh, kw, cols=None):
    """w̄ (Co, C/g, kh, kw) from x (N, C, H, W) and ȳ (N, Co, OH, OW);
    ``cols``, when given, is im2col(x) kept by the forward (from ``new_cols``)."""
    N, Co, OH, OW = gy.shape
    C, g = x.shape[1], geom.groups
    K, cg = C // g * kh * kw, Co // g
    if cols is None:
        x = np.ascontiguousarray(x)
    f = _weight_grad_folded if _folds(OH * OW, cg, K, FOLD_WEIGHT_GRAD) else _weight_grad_per_sample
    return np.ascontiguousarray(f(x, gy, geom, kh, kw, cols)).reshape(Co, C // g, kh, kw)


def _weight_grad_per_sample(x, gy, geom, kh, kw, cols, forward=None):
    """Σ_n ȳ[n] @ cols[n]ᵀ as (g, Co/g, K): per-task sums over chunks of samples, added in task order.
    ``forward`` = (W (g, Co/g, K), y (N, g, Co/g, P)): also y[n] = W @ cols[n], while each chunk is in cache."""
    N, Co, OH, OW = gy.shape
    C, g = x.shape[1], geom.groups
    K, P, cg = C // g * kh * kw, OH * OW, Co // g
    g4 = np.ascontiguousarray(gy).reshape(N, g, cg, P)
    cols = None if cols is None else cols.reshape(N, g, K, P)
    flip = _transpose_gy(cg, K)
    tasks = _tasks(N)
    sums = np.zeros((len(tasks), g) + ((K, cg) if flip else (cg, K)), x.dtype)

    def task(i):
        for s, e in _chunks(*tasks[i], max(C * kh * kw, Co) * P * x.itemsize):
            c = cols[s:e] if cols is not None else patches(x[s:e], kh, kw, geom, OH, OW)  # (n, g, K, P)
            if forward is not None:
                gemm(forward[0], c, out=forward[1][s:e])
            if flip:
                gt = workspace("gyT", (e - s, g, P, cg), x.dtype)
                if e - s == 1 and g == 1:  # one large sample: its product added into the sum by the GEMM
                    gemm(c[0, 0], transpose_into(g4[s, 0], gt[0, 0]), out=sums[i, 0], accumulate=True)
                    continue
                gt[...] = g4[s:e].transpose(0, 1, 3, 2)
                prod = gemm(c, gt, out=workspace("wprod", (e - s, g, K, cg), x.dtype))
            else:
                prod = gemm(g4[s:e], c.transpose(0, 1, 3, 2), out=workspace("wprod", (e - s, g, cg, K),
                                                                                   x.dtype))
            sums[i] += prod.sum(axis=0)

    run_tasks(task, len(tasks), N * Co * K * P)
    gw = sums.sum(axis=0)
    return gw.transpose(0, 2, 1) if flip else gw


def conv2d_forward_and_weight_grad(x, w, gy, geom):
    """(x ⋆ w, w̄) for x (N, C, H, W), w (Co, C/g, kh, kw) and ȳ (N, Co, OH, OW),
    w̄ = WeightGrad(x, ȳ), with one im2col of x for both: per sample, both
    products of a chunk while its columns are in cache; where the weight
    gradient folds, the forward's columns kept (``new_cols``) for it."""
    N = x.shape[0]
    Co, Cg, kh, kw = w.shape
    g = geom.groups
    OH, OW = output_shape(x.shape, w.shape, geom)
    x = np.ascontiguousarray(x)
    if _folds(OH * OW, Co // g, Cg * kh * kw, FOLD_WEIGHT_GRAD):
        cols = new_cols(x.shape, w.shape, geom, x.dtype)
        return conv2d_forward(x, w, None, geom, cols), conv2d_weight_grad(x, gy, geom, kh, kw, cols)
    y = np.empty((N, Co, OH, OW), x.dtype)
    forward = (np.ascontiguousarray(w).reshape(g, Co // g, -1), y.reshape(N, g, Co // g, OH * OW))
    gw = _weight_grad_per_sample(x, gy, geom, kh, kw, None, forward)
    return y, np.ascontiguousarray(gw).reshape(w.shape)


def _weight_grad_folded(x, gy, geom, kh, kw, cols):
    """W̄ᵀ = C @ Gᵀ as (g, Co/g, K), with C = im2col(x) as (K, N·P) and Gᵀ = ȳ as
    (N·P, Co/g) per group: one product per chunk of input channels (rows of C,
    columns of W̄), no sum across tasks."""
    N, Co, OH, OW = gy.shape
    C, g = x.shape[1], geom.groups
    kk, P, Cg = kh * kw, OH * OW, C // g
    GT = _folded_gy(gy, g, True)
    cg3 = None if cols is None else cols.transpose(1, 0, 2).reshape(g, Cg * kk, N * P)  # a view: cols are folded
    gwT = np.empty((g, Cg * kk, Co // g), x.dtype)

    def chunk(gi, c0, c1):
        rows = slice(c0 * kk, c1 * kk)
        if cg3 is not None:
            cb = cg3[gi, rows]
        else:
            cb = workspace("fwcols", ((c1 - c0) * kk, N * P), x.dtype)
            im2col(x[:, gi * Cg + c0:gi * Cg + c1], *_im2col_args(kh, kw, geom, OH, OW),
                   out=folded_cols(N, (c1 - c0) * kk, P, x.dtype, cb))
        gemm(cb, GT[gi], out=gwT[gi, rows])

    _run_channel_tasks(chunk, C, g, N * kk * P * x.itemsize, N * Co * Cg * kk * P)
    return gwT.transpose(0, 2, 1)


def conv2d_bias_grad(gy):
    """b̄ = Σ over samples and pixels of ȳ (N, Co, OH, OW)."""
    N, Co = gy.shape[:2]
    return gy.reshape(N, Co, -1).sum(axis=2).sum(axis=0)
