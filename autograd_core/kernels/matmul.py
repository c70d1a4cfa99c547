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
"""
import numpy as np

from . import jit, use_numba

SMALL = 2
MIN_BATCH = 64


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
    return np.matmul(a, b)
