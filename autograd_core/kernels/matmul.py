"""Batched matrix product C[b] = A[b] @ B[b] (numpy's broadcasting rules).

The numpy twin is ``numpy.matmul``, which calls BLAS (OpenBLAS here) once per
matrix of the batch. BLAS wins as soon as the matrices have some size, and
``numpy.matmul`` pays a fixed cost per matrix; so the numba kernel (three
plain loops per batch element, in the i-k-j order that streams rows of B and
C) is used only for many tiny matrices, where it measured faster
(``SMALL``: every dim at most this size, and at least ``MIN_BATCH`` matrices;
see ``docs/benchmarks.md``). Everything else goes to BLAS, so the dispatcher
``matmul`` is never slower than ``numpy.matmul``. The engine's ``MatMul``
op calls ``matmul`` (so ``ag.matmul``, ``@`` and their backward products
dispatch here).

Measured (``docs/benchmarks.md``; interleaved, 7 rounds, median ratio of
numba to BLAS time, float32 and float64, on 2 shared cores): batches of 64 to
4096 2x2 products 0.1-0.7 (numba wins); 3x3 about 0.9, within noise, so left
to BLAS; 4x4 1.0-1.2; 8x8 8-9; single 2-D matrices of 2x2 to 16x16 10-40
(numba loses: one BLAS call is cheaper than the kernel's broadcast and copies).

Two things are settled before the BLAS call (``docs/performance.md``):

- An operand whose matrices have a zero stride (a broadcast view, such as
  the gradient of ``sum``/``mean``) or no unit stride is copied to a
  contiguous array first: BLAS takes only matrices with a unit stride in
  one dim and a nonzero one in the other, and ``numpy.matmul`` runs its own
  loops for some other layouts (numpy 2.4 copies a broadcast matrix itself,
  not a broadcast vector: Xᵀ c̄ for X (1758, 784) and c̄ the broadcast
  (1758,) gradient of ``sum`` took 2.1 ms of CPU, 0.33 ms once copied).
- Not done, measured: computing x @ W.T (right operand stored transposed)
  as (W xᵀ)ᵀ is faster per product with OpenBLAS 0.3.31 on one thread
  (e.g. (128, 784, 256) 842 vs 776 µs, (16, 784, 256) 296 vs 150 µs), but
  the result is a transposed view, and the MLP 784-256-128-10 training step
  (ag.compile, batch 128 and 64) then ran 7-12% slower: the activations,
  the softmax and the weight gradients downstream are column-major
  (gradients copied into ``.grad``'s layout, reductions along rows).
- A product of ``ONE_THREAD_MIN <= m n k < ONE_THREAD_MAX`` multiply-adds
  (per matrix) runs with single-threaded BLAS (``batch_split.one_blas_thread``):
  a multi-threaded BLAS synchronises its threads in every call, which on a
  machine whose other core is busy waits for a time slice (measured with a
  CPU-bound process beside it: one thread 1.6-3.5x faster from 2^21.6 to
  2^26 multiply-adds; two threads 1.15-1.27x faster at 2^28.4 and 2^30).
  Below ``ONE_THREAD_MIN`` the switch is skipped: OpenBLAS 0.3.31 runs
  products of up to 2^18 multiply-adds on one thread by itself (measured
  beside a CPU-bound process, one BLAS thread / two, median µs: (64, 64, 64)
  14 / 14, (16, 128, 64) 8 / 8), and the switch (two ``threadpoolctl``
  settings, 7 µs idle, 15-40 µs on the loaded machine) would cost more than
  the product. Above 2^18 it hands them to its threads: (16, 256, 128),
  2^19, took 78 / 219 µs (up to 12 ms with two), which made the MLP
  784-256-128-10 step at batch 16 with two kernel threads 5x slower on the
  loaded machine (8.2 against 1.6 ms, wall) until the switch started there
  (it started at 2^20 before).
  With ``set_num_threads(1)`` (which sets BLAS to one thread too) the switch
  is skipped as well.
"""
import numpy as np

from . import jit, mkl, threads, use_numba
from .batch_split import one_blas_thread

SMALL = 2
MIN_BATCH = 64
ONE_THREAD_MIN = (1 << 18) + 1  # multiply-adds per matrix: up to 2^18, OpenBLAS runs one thread by itself
ONE_THREAD_MAX = 1 << 27  # at and above this, BLAS keeps all its threads


def matmul_numpy(a, b):
    """``numpy.matmul`` (BLAS)."""
    return np.matmul(a, b)


@jit(fastmath={"contract"})
def _bmm_loops(a, b):
    B, m, k = a.shape
    n = b.shape[2]
    out = np.zeros((B, m, n), a.dtype)
    for p in range(B):
        for i in range(m):
            for q in range(k):
                v = a[p, i, q]
                for j in range(n):
                    out[p, i, j] += v * b[p, q, j]
    return out


def matmul_numba(a, b):
    """The same product with the compiled loops (operands of at least 2 dims
    whose batch dims broadcast, and the same dtype)."""
    if a.ndim == b.ndim == 3 and a.shape[0] == b.shape[0]:
        return _bmm_loops(np.ascontiguousarray(a), np.ascontiguousarray(b))
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a3 = np.ascontiguousarray(np.broadcast_to(a, batch + a.shape[-2:])).reshape((-1,) + a.shape[-2:])
    b3 = np.ascontiguousarray(np.broadcast_to(b, batch + b.shape[-2:])).reshape((-1,) + b.shape[-2:])
    return _bmm_loops(a3, b3).reshape(batch + (a.shape[-2], b.shape[-1]))


def matmul(a, b):
    """A @ B: the numba loops for many tiny matrices, BLAS otherwise."""
    if (a.ndim >= 3 and b.ndim >= 2 and a.dtype == b.dtype and use_numba(a)
            and max(a.shape[-2], a.shape[-1], b.shape[-1]) <= SMALL
            and a.size // max(a.shape[-2] * a.shape[-1], 1) >= MIN_BATCH):
        return matmul_numba(a, b)
    a, b = blas_ready(a), blas_ready(b)
    mnk = (a.shape[-2] if a.ndim > 1 else 1) * a.shape[-1] * (b.shape[-1] if b.ndim > 1 else 1)
    if mkl.MIN_WORK <= mnk and (mnk < ONE_THREAD_MAX or threads.get_num_threads() == 1):  # on one thread: MKL's
        c = mkl.matmul(a, b)
        if c is not None:
            return c
    if ONE_THREAD_MIN <= mnk < ONE_THREAD_MAX and threads.get_num_threads() > 1:
        with one_blas_thread():
            return np.matmul(a, b)
    return np.matmul(a, b)


def gemm(a, b, out=None, accumulate=False):
    """A @ B into ``out`` (the kernels' products, run on one thread each), or out += A @ B with
    ``accumulate``: MKL's sequential GEMM where it applies (``kernels/mkl.py``), else ``numpy.matmul``."""
    c = mkl.matmul(a, b, out, accumulate) if a.shape[-2] * a.shape[-1] * b.shape[-1] >= mkl.MIN_WORK else None
    if c is not None:
        return c
    if accumulate:
        out += np.matmul(a, b)
        return out
    return np.matmul(a, b, out=out)


def transpose_into(a, out):
    """out[...] = aᵀ for a matrix a (MKL's transpose where it applies, else numpy's copy)."""
    if mkl.transpose(a, out) is None:
        out[...] = a.T
    return out


def blas_ready(x):
    """x, or a contiguous copy of x when its matrices (last two dims) have a
    zero stride or no unit stride: the layouts ``numpy.matmul`` does not
    hand to BLAS."""
    if x.flags.c_contiguous and 0 not in x.strides:  # the common case (a size-1 dim of a C array may stride 0)
        return x
    s = x.strides[-2:]
    if 0 in s or x.itemsize not in s:
        return np.ascontiguousarray(x)
    return x
