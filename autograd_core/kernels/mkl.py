"""Intel MKL's matrix product for the engine's large GEMMs, when the ``mkl``
wheel is installed (``pip install -e ".[mkl]"``).

numpy's wheel multiplies matrices with OpenBLAS; PyTorch's CPU wheel with
MKL. On this machine's AVX-512 cores MKL's single-threaded sgemm measured
faster on the large products (median of 9 interleaved rounds, µs, OpenBLAS
0.3.31 / MKL 2024.2 / PyTorch 2.13): the MLP 784-256-128-10 at batch 128,
X (128, 784) W₁ᵀ 977 / 650 / 603 and W̄₁ = Ȳ₁ᵀ X 627 / 554 / 511, but not on
the smaller ones: H (128, 256) W₂ᵀ 137 / 134 / 106, and LeNet-5's products
(at most 2^21.6 multiply-adds, per-sample convolution stacks) were 1.2-2.5x
slower with MKL (all of LeNet's products: 2.9 ms with OpenBLAS, 5.8 ms with
MKL); OpenBLAS is faster on matrix-vector products too (batch-1 inference,
X (1, 784) W₁ᵀ: 16 vs 33 µs). So MKL takes only products whose every matrix
has at least ``MIN_WORK`` multiply-adds.

``matmul(a, b, out=None)`` computes C[b] = A[b] @ B[b] with
``cblas_?gemm_64`` (one product) or ``cblas_?gemm_batch_strided_64`` (a stack),
reading each operand in place, row-major or transposed (a unit stride in one
of its last two dims, as BLAS takes), with broadcast (stride-0) batch dims;
it returns ``None`` when it does not apply (MKL not installed, a dtype other
than float32/float64, an operand layout BLAS cannot take in place, a small
product), and the caller then uses ``numpy.matmul``.

MKL runs its sequential threading layer: no OpenMP runtime is started next to
numba's and PyTorch's, and no thread setting is switched per call. The
engine's kernels already run small products on one thread each
(``batch_split``, ``matmul.ONE_THREAD_MAX``); larger single products, with more
than one kernel thread, stay with numpy's multi-threaded OpenBLAS (the caller
decides). ctypes releases the GIL during the call, so the kernels' threads
multiply side by side. Results do not depend on the operands' alignment
(tested: the same bits over 16 offsets of each operand), so eager mode and an
``ag.compile`` replay, which allocate their buffers afresh, agree bit for bit.

``AUTOGRAD_CORE_MKL=0`` in the environment (read at import) or ``set_enabled(False)``
switches it off.
"""
import ctypes
import os

import numpy as np

MIN_WORK = 1 << 23  # multiply-adds per matrix: below, OpenBLAS measured as fast or faster

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_SEQUENTIAL = 1  # MKL_THREADING_SEQUENTIAL
_state = {"lib": None, "loaded": False, "enabled": os.environ.get("AUTOGRAD_CORE_MKL", "1").strip() != "0"}


def _find():
    """The path of ``libmkl_rt`` from the installed ``mkl`` distribution, or None."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution
        files = distribution("mkl").files or ()
    except PackageNotFoundError:
        return None
    for f in files:
        name = f.name
        if name.startswith("libmkl_rt.so") or name.startswith("libmkl_rt.") and name.endswith(".dylib") \
                or name == "mkl_rt.2.dll":
            path = f.locate()
            if os.path.exists(path):
                return str(path)
    return None


def _load():
    """The GEMM entry points of libmkl_rt, set to the sequential threading layer, or None."""
    path = _find()
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    lib.MKL_Set_Threading_Layer(_SEQUENTIAL)
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    fns = {}
    for dtype, name, scalar in ((np.float32, "s", ctypes.c_float), (np.float64, "d", ctypes.c_double)):
        one = getattr(lib, f"cblas_{name}gemm_64")
        one.argtypes = [ctypes.c_int] * 3 + [i64] * 3 + [scalar, ptr, i64, ptr, i64, scalar, ptr, i64]
        one.restype = None
        stack = getattr(lib, f"cblas_{name}gemm_batch_strided_64")
        stack.argtypes = [ctypes.c_int] * 3 + [i64] * 3 + [scalar, ptr, i64, i64, ptr, i64, i64, scalar, ptr, i64,
                                                            i64, i64]
        stack.restype = None
        fns[np.dtype(dtype)] = (one, stack)
    return fns


def available():
    """True when MKL is installed, loaded and enabled."""
    if not _state["loaded"]:
        _state["lib"], _state["loaded"] = _load(), True
    return _state["enabled"] and _state["lib"] is not None


def set_enabled(flag):
    """Use MKL for large products (True) or numpy's BLAS always (False); returns the previous setting."""
    old = _state["enabled"]
    _state["enabled"] = bool(flag)
    return old


def _matrix(x, rows, cols):
    """(transpose flag, leading dim) of the matrices of x as BLAS reads them in place, or None."""
    item = x.itemsize
    s0, s1 = x.strides[-2], x.strides[-1]
    if s0 % item or s1 % item:
        return None
    s0, s1 = s0 // item, s1 // item
    if (s1 == 1 or cols == 1) and (rows == 1 or s0 >= cols):
        return _NO_TRANS, s0 if rows > 1 else cols
    if (s0 == 1 or rows == 1) and (cols == 1 or s1 >= rows):
        return _TRANS, s1 if cols > 1 else rows
    return None


def _batch_stride(x, batch):
    """The one element stride between consecutive matrices of x over the batch dims ``batch``
    (0 for a broadcast operand), or None when the batch dims do not step uniformly."""
    nb = x.ndim - 2
    shape = (1,) * (len(batch) - nb) + x.shape[:nb]
    strides = (0,) * (len(batch) - nb) + x.strides[:nb]
    step, size = None, 1
    for n, s, d in zip(reversed(batch), reversed(strides), reversed(shape)):
        if n == 1:
            continue
        s = 0 if d == 1 else s
        if step is None:
            step = s
        elif s != step * size:
            return None
        size *= n
    step = step or 0
    return None if step % x.itemsize or step < 0 else step // x.itemsize


def matmul(a, b, out=None):
    """A @ B (operands of at least 2 dims, batch dims broadcast) with MKL, into ``out`` when given;
    None when MKL does not apply (then use ``numpy.matmul``)."""
    if a.dtype != b.dtype or a.ndim < 2 or b.ndim < 2 or not available():
        return None
    fns = _state["lib"].get(a.dtype)
    if fns is None:
        return None
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if b.shape[-2] != k or m * n * k < MIN_WORK:
        return None
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    count = int(np.prod(batch)) if batch else 1
    la, lb = _matrix(a, m, k), _matrix(b, k, n)
    if la is None or lb is None:
        return None
    if out is None:
        out = np.empty(batch + (m, n), a.dtype)
    elif out.shape != batch + (m, n) or out.dtype != a.dtype:
        return None
    lc = _matrix(out, m, n)
    if lc is None or lc[0] != _NO_TRANS:  # BLAS writes C row-major
        return None
    ldc = lc[1]
    one, stack = fns
    if count == 1:
        one(_ROW_MAJOR, la[0], lb[0], m, n, k, 1.0, a.ctypes.data, la[1], b.ctypes.data, lb[1], 0.0,
            out.ctypes.data, ldc)
        return out
    sa, sb, sc = _batch_stride(a, batch), _batch_stride(b, batch), _batch_stride(out, batch)
    if sa is None or sb is None or not sc:
        return None
    stack(_ROW_MAJOR, la[0], lb[0], m, n, k, 1.0, a.ctypes.data, la[1], sa, b.ctypes.data, lb[1], sb, 0.0,
          out.ctypes.data, ldc, sc, count)
    return out
