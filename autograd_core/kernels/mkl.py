"""Intel MKL's matrix product for the engine's large GEMMs, when the ``mkl``
wheel is installed (``pip install -e ".[mkl]"``).

numpy's wheel multiplies matrices with OpenBLAS; PyTorch's CPU wheel with
MKL. On this machine's AVX-512 cores MKL's single-threaded sgemm measured
faster on the larger products (median of 7-9 interleaved rounds, µs, OpenBLAS
0.3.31 / MKL 2024.2 through this module / PyTorch 2.13), the MLP 784-256-128-10's:
at batch 16, X (16, 784) W₁ᵀ 272 / 137 / 109 and W̄₁ = Ȳ₁ᵀ X 175 / 141 / 131;
at batch 128, X W₁ᵀ 805 / 641 / 635 and W̄₁ 665 / 564 / 533. Below about 2^21
multiply-adds the ctypes call's fixed cost (15-20 µs on the loaded machine,
most of it reading the three arrays' addresses with ``x.ctypes.data``; about
7 µs since a compiled function reads them) outweighs the gain: at batch 16
Ȳ₂ W₂ (16 x 128 x 256) took 13 / 31 / 18 µs. Stacks of small matrices (LeNet-5's
per-sample convolution products, (6 x 25) @ (25 x 784) and the like) were
1.2-2.5x slower with MKL's batch_strided call, and matrix-vector products
(batch-1 inference, X (1, 784) W₁ᵀ: 16 vs 33 µs) twice as slow. So MKL takes a
single product of at least ``MIN_WORK`` multiply-adds and a stack whose every
matrix has at least ``MIN_WORK_STACK``.

``matmul(a, b, out=None)`` computes C[b] = A[b] @ B[b] with
``cblas_?gemm_64`` (one product) or ``cblas_?gemm_batch_strided_64`` (a stack),
reading each operand in place, row-major or transposed (a unit stride in one
of its last two dims, as BLAS takes), with broadcast (stride-0) batch dims;
it returns ``None`` when it does not apply (MKL not installed, a dtype other
than float32/float64, an operand layout BLAS cannot take in place, a small
product), and the caller then uses ``numpy.matmul``. ``accumulate=True`` adds the
product into ``out`` (GEMM's β = 1). ``transpose(a, out)`` writes aᵀ with
``mkl_?omatcopy`` (None where it does not apply).

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
import math
import os

import numpy as np

from . import jit

MIN_WORK = 1 << 21  # multiply-adds of a single product: below, OpenBLAS measured as fast or faster
MIN_WORK_STACK = 1 << 23  # the same for a stack of matrices (one batch_strided call)

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_SEQUENTIAL = 1  # MKL_THREADING_SEQUENTIAL
# "active": {dtype char: (gemm, gemm_batch_strided, omatcopy)} while enabled and loaded, {} otherwise;
# None until first use
_state = {"fns": None, "active": None, "enabled": os.environ.get("AUTOGRAD_CORE_MKL", "1").strip() != "0"}


def _find():
    """The path of ``libmkl_rt`` from the installed ``mkl`` distribution, or None."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution
        files = distribution("mkl").files or ()
    except PackageNotFoundError:
        return None
    for f in files:
        name = f.name
        if name.startswith("libmkl_rt.so") or name == "mkl_rt.2.dll":  # the wheels: Linux and Windows only
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
        omat = getattr(lib, f"MKL_{name.upper()}omatcopy")
        omat.argtypes = [ctypes.c_char, ctypes.c_char, ctypes.c_size_t, ctypes.c_size_t, scalar, ptr, ctypes.c_size_t,
                         ptr, ctypes.c_size_t]
        omat.restype = None
        fns[np.dtype(dtype).char] = (one, stack, omat)
    return fns


def _activate():
    """Load MKL on first use; the entry points in use ({} when disabled or not installed)."""
    if _state["fns"] is None:
        _state["fns"] = _load() or {}
    _state["active"] = _state["fns"] if _state["enabled"] else {}
    return _state["active"]


def _entry_points(dtype):
    """(gemm, gemm_batch_strided, omatcopy) for ``dtype`` while MKL is in use, else None."""
    fns = _state["active"]
    if fns is None:
        fns = _activate()
    return fns.get(dtype.char)


def available():
    """True when MKL is installed, loaded and enabled."""
    return bool(_activate())


def set_enabled(flag):
    """Use MKL for large products (True) or numpy's BLAS always (False); returns the previous setting."""
    old = _state["enabled"]
    _state["enabled"] = bool(flag)
    _state["active"] = None  # recomputed on next use
    return old


@jit()
def _addresses(a, b, c):
    """The data addresses of three arrays: one compiled call, about 1 µs, where ``x.ctypes.data``
    costs about 3 µs each (numpy builds a ctypes helper object per read)."""
    return a.ctypes.data, b.ctypes.data, c.ctypes.data


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


def matmul(a, b, out=None, accumulate=False):
    """A @ B (operands of at least 2 dims, batch dims broadcast) with MKL, into ``out`` when given
    (``accumulate``: out += A @ B, GEMM's β = 1, out given); None when MKL does not apply (then use
    ``numpy.matmul``)."""
    fns = _entry_points(a.dtype)
    if fns is None or b.dtype != a.dtype or a.ndim < 2 or b.ndim < 2:
        return None
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if b.shape[-2] != k or m * n * k < MIN_WORK:
        return None
    la, lb = _matrix(a, m, k), _matrix(b, k, n)
    if la is None or lb is None:
        return None
    if a.ndim == b.ndim == 2 and out is None:  # the common case, with the least Python around the call
        out = np.empty((m, n), a.dtype)
        pa, pb, pc = _addresses(a, b, out)
        fns[0](_ROW_MAJOR, la[0], lb[0], m, n, k, 1.0, pa, la[1], pb, lb[1], 0.0, pc, n)
        return out
    batch = a.shape[:-2]
    if batch != b.shape[:-2]:
        batch = np.broadcast_shapes(batch, b.shape[:-2])
    count = math.prod(batch)
    if count > 1 and m * n * k < MIN_WORK_STACK:
        return None
    if out is None:
        out = np.empty(batch + (m, n), a.dtype)
    elif out.shape != batch + (m, n) or out.dtype != a.dtype:
        return None
    lc = _matrix(out, m, n)
    if lc is None or lc[0] != _NO_TRANS:  # BLAS writes C row-major
        return None
    one, stack = fns[:2]
    if count == 1:
        pa, pb, pc = _addresses(a, b, out)
        one(_ROW_MAJOR, la[0], lb[0], m, n, k, 1.0, pa, la[1], pb, lb[1], float(accumulate), pc, lc[1])
        return out
    sa, sb, sc = _batch_stride(a, batch), _batch_stride(b, batch), _batch_stride(out, batch)
    if sa is None or sb is None or not sc:
        return None
    pa, pb, pc = _addresses(a, b, out)
    stack(_ROW_MAJOR, la[0], lb[0], m, n, k, 1.0, pa, la[1], sa, pb, lb[1], sb, float(accumulate), pc, lc[1], sc,
          count)
    return out


def transpose(a, out):
    """out = aᵀ for a C-contiguous matrix a (m, n) and out (n, m) with MKL's out-of-place transpose
    (``mkl_?omatcopy``); None when MKL does not apply. numpy's strided copy of a (32, 1024)
    float32 ȳ took 24-40 µs, this call 10 µs (5 of them the call itself)."""
    fns = _entry_points(a.dtype)
    if (fns is None or out.dtype != a.dtype or a.ndim != 2 or out.shape != a.shape[::-1]
            or not a.flags.c_contiguous or not out.flags.c_contiguous):
        return None
    m, n = a.shape
    pa, pc, _ = _addresses(a, out, out)
    fns[2](b"R", b"T", m, n, 1.0, pa, max(n, 1), pc, max(m, 1))
    return out
