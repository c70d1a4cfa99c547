"""More pooling: ``max_pool3d``, ``avg_pool3d``, ``adaptive_max_pool2d``,
``max_unpool2d`` and ``max_unpool3d``, on batched or unbatched inputs.

Along one dim of size n, with kernel k, stride s, padding p and dilation d,
output window o reads the positions

    i(o, t) = o·s - p + t·d,   t < k        (those outside [0, n) are padding)

and the output size is PyTorch's ``pooling_output_shape`` (``pool_out_size``).

- **avg_pool3d** is separable: the divisor of PyTorch's average pooling is a
  product of one factor per dim, (min(start + k, n + p) - start) with
  ``count_include_pad`` (clipped windows of ``ceil_mode`` count less), else the
  number of real positions min(start + k, n) - max(start, 0). So
  y = A_D A_H A_W x, one ``Resample`` (ops/resample.py, a ``Linear`` op whose
  adjoint scatters back) per dim, with weight 1/factor on each real tap.
  ``divisor_override`` replaces the product by a constant. int64 inputs
  (PyTorch average-pools them) get their exact window sums divided by the
  divisor with truncation toward zero.
- **max_pool3d** and **adaptive_max_pool2d** pick, per window, the flat index
  (within the spatial volume) of the first maximal element (NaN counts as
  maximal, as PyTorch); then y[p] = x[idx[p]] is ``PoolGather`` of
  ``ops/pool.py`` over the volume flattened into one plane: its backward
  scatters ȳ at idx (``MaxUnpoolAdd``), its jvp gathers ẋ, and both are
  twice differentiable (idx is a constant once chosen). The indices
  returned with ``return_indices`` are these flat indices (PyTorch's).
  Adaptive window o of a dim n -> m covers [⌊o·n/m⌋, ⌈(o + 1)·n/m⌉).
- **max_unpool2d/3d** put each value at its index in a zero output:
  ``MaxUnpoolAdd`` (duplicate indices add up; PyTorch leaves them undefined).
  Default output size (n - 1)·s - 2p + k per dim.

The choice of the maxima gathers every window, (windows × k³) values: fine
for the sizes 3-D pooling is used at here, not a kernel.
"""
import numpy as np

from ..tensor import Tensor
from .compare import NonDifferentiable
from .pool import MaxUnpoolAdd, PoolGather
from .pool_args import AVG_DTYPES, MAX_DTYPES, check_dtype, pool_out_size
from .resample import Resample
from .shape import reshape


def _ints(v, n, name, op):
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),) * n
    if isinstance(v, (tuple, list)) and len(v) in (1, n) and all(
            isinstance(e, (int, np.integer)) and not isinstance(e, bool) for e in v):
        return tuple(int(e) for e in v) * (n if len(v) == 1 else 1)
    raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {v!r}")


def _check(op, input, nsp, accepts=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (nsp + 1, nsp + 2) or 0 in input.shape[-nsp - 1:]:
        raise RuntimeError(f"{op}: non-empty {nsp + 1}D or {nsp + 2}D (batch mode) tensor expected for input, "
                           f"got a tensor of size {list(input.shape)}")
    check_dtype(op, input.dtype, accepts)
    batched = input.ndim == nsp + 2
    return (input if batched else reshape(input, (1,) + input.shape)), batched


def _windows(op, x, nsp, kernel_size, stride, padding, dilation, ceil_mode):
    """Per dim: (starts (m,), positions (m, k), valid (m, k), k, s, p)."""
    ks = _ints(kernel_size, nsp, "kernel_size", op)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and not stride)
    ss = ks if no_stride else _ints(stride, nsp, "stride", op)
    ps, ds = _ints(padding, nsp, "padding", op), _ints(dilation, nsp, "dilation", op)
    if min(ks) <= 0 or min(ss) <= 0 or min(ds) <= 0:
        raise RuntimeError(f"{op}: kernel_size, stride and dilation must be greater than zero, but got "
                           f"{ks}, {ss}, {ds}")
    dims = []
    for n, k, s, p, d in zip(x.shape[2:], ks, ss, ps, ds):
        if p < 0 or 2 * p > d * (k - 1) + 1:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
        m = pool_out_size(n, k, s, p, d, ceil_mode)
        if m < 1:
            raise RuntimeError(f"{op}: Given input size: {list(x.shape[1:])}. Calculated output size is too small")
        starts = np.arange(m) * s - p
        pos = starts[:, None] + np.arange(k)[None] * d
        dims.append((starts, pos, (pos >= 0) & (pos < n), k, s, p))
    return dims


def _table(dims, sizes):
    """Flat indices (P, K) into the volume of every window tap (invalid taps -> the
    index ``volume``, a sentinel), P and K in C order of the dims."""
    flat, valid = np.zeros((1, 1), np.int64), np.ones((1, 1), bool)
    for (pos, ok), n in zip(dims, sizes):
        m, k = pos.shape
        flat = (flat[:, None, :, None] * n + np.clip(pos, 0, n - 1)[None, :, None, :]).reshape(-1, flat.shape[1] * k)
        valid = (valid[:, None, :, None] & ok[None, :, None, :]).reshape(-1, valid.shape[1] * k)
    return np.where(valid, flat, int(np.prod(sizes)))


class WindowArgmax(NonDifferentiable):
    """idx (N, C, P): the flat position in x's volume of the first maximum of each window of
    ``table`` (NaN the largest; padding taps never win): an op, so that a compiled replay
    recomputes the argmax from each call's input (eagerly computed on the array)."""

    @classmethod
    def compute(cls, x, table):
        N, C = x.shape[:2]
        vol = int(np.prod(x.shape[2:]))
        data = x.reshape(N, C, vol)
        padded = np.concatenate([data, np.zeros((N, C, 1), data.dtype)], axis=2)
        vals = padded[:, :, table]  # (N, C, P, K)
        valid = table < vol
        if vals.dtype.kind == "f":
            vals = np.where(np.isnan(vals), np.inf, vals)
        low = vals.min(initial=0)  # below or at every value: the padding taps never win
        top = np.where(valid, vals, low).max(axis=-1, keepdims=True)
        best = np.argmax((vals == top) & valid, axis=-1)  # the first maximal real tap
        idx = np.take_along_axis(np.broadcast_to(table, vals.shape), best[..., None], axis=-1)[..., 0]
        return idx


def _argmax_gather(op, x, table, out_sizes, batched, return_indices):
    """y = x at the first maximum of each window of ``table`` (see the module docstring)."""
    N, C = x.shape[:2]
    vol = int(np.prod(x.shape[2:]))
    ind = WindowArgmax.call(x, table)
    idx = ind._data
    x4 = reshape(x, (N, C, 1, vol))
    y = PoolGather.apply(x4, idx[:, :, None, :], x4.shape)
    y = reshape(y, (N, C) + tuple(out_sizes))
    if not batched:
        y = reshape(y, y.shape[1:])
    if not return_indices:
        return y
    ind = reshape(ind, (N, C) + tuple(out_sizes))
    return y, (ind if batched else reshape(ind, ind.shape[1:]))


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over each (kd, kh, kw) window of (N, C, D, H, W) or (C, D, H, W),
    padding counting as -inf; with ``return_indices`` also the flat index of
    each maximum within its (D, H, W) volume."""
    x, batched = _check("max_pool3d", input, 3, MAX_DTYPES)
    dims = _windows("max_pool3d", x, 3, kernel_size, stride, padding, dilation, ceil_mode)
    table = _table([(pos, ok) for _, pos, ok, *_ in dims], x.shape[2:])
    return _argmax_gather("max_pool3d", x, table, [d[1].shape[0] for d in dims], batched, return_indices)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each (kd, kh, kw) window of (N, C, D, H, W) or (C, D, H, W)
    (divisor as PyTorch's; see the module docstring)."""
    x, batched = _check("avg_pool3d", input, 3, AVG_DTYPES)
    if divisor_override is not None and (isinstance(divisor_override, bool) or int(divisor_override) <= 0):
        raise RuntimeError("avg_pool3d: divisor must be not zero")
    dims = _windows("avg_pool3d", x, 3, kernel_size, stride, padding, 1, ceil_mode)
    divs = []
    for (starts, _, _, k, _, p), n in zip(dims, x.shape[2:]):
        if divisor_override is not None:
            divs.append(np.ones(len(starts), np.int64))
        elif count_include_pad:
            divs.append(np.minimum(starts + k, n + p) - starts)
        else:
            divs.append(np.minimum(starts + k, n) - np.maximum(starts, 0))
    if x.dtype.kind in "iu":
        y = _integer_avg_pool(x, dims, divs, divisor_override)
    else:
        y = x
        for axis in (4, 3, 2):
            _, pos, ok, *_ = dims[axis - 2]
            wts = np.where(ok, 1.0 / divs[axis - 2][:, None], 0.0)
            y = Resample.apply(y, axis, np.ascontiguousarray(np.clip(pos, 0, x.shape[axis] - 1)), wts, x.shape[axis])
        if divisor_override is not None:
            y = y * (1.0 / float(divisor_override))
    return y if batched else reshape(y, y.shape[1:])


class IntegerAvgPool(NonDifferentiable):
    """int64 average pooling as PyTorch's: the exact sums over the windows of ``table``
    divided by ``div`` with truncation toward zero (an op without gradient: an integer tensor)."""

    @classmethod
    def compute(cls, x, table, div, out_shape):
        N, C = x.shape[:2]
        data = x.reshape(N, C, -1)
        sums = np.concatenate([data, np.zeros((N, C, 1), data.dtype)], axis=2)[:, :, table].sum(axis=-1)
        return (np.sign(sums) * (np.abs(sums) // div)).reshape(out_shape)


def _integer_avg_pool(x, dims, divs, divisor_override):
    """``IntegerAvgPool`` over the windows of ``dims``."""
    N, C = x.shape[:2]
    table = _table([(pos, ok) for _, pos, ok, *_ in dims], x.shape[2:])
    div = int(divisor_override) if divisor_override is not None else np.einsum("i,j,k->ijk", *divs).reshape(-1)
    return IntegerAvgPool.call(x, table, div, (N, C) + tuple(len(d) for d in divs))


def _adaptive_dims(op, x, output_size, nsp):
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        size = (int(output_size),) * nsp
    elif isinstance(output_size, (tuple, list)) and len(output_size) == nsp:
        size = tuple(x.shape[2 + i] if s is None else s for i, s in enumerate(output_size))
    else:
        raise RuntimeError(f"{op}: output_size must be {nsp} (an int or a tuple), got {output_size!r}")
    if not all(isinstance(s, (int, np.integer)) and s >= 1 for s in size):
        raise RuntimeError(f"{op}: elements of output_size must be positive ints, got {output_size!r}")
    dims = []
    for n, m in zip(x.shape[2:], size):
        start = (np.arange(m) * n) // m
        end = -((-(np.arange(m) + 1) * n) // m)
        k = int((end - start).max())
        pos = start[:, None] + np.arange(k)[None]
        dims.append((pos, pos < end[:, None]))
    return dims, size


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive windows of (N, C, H, W) or (C, H, W),
    to ``output_size`` (an int or a pair; None keeps a dim)."""
    x, batched = _check("adaptive_max_pool2d", input, 2)
    dims, size = _adaptive_dims("adaptive_max_pool2d", x, output_size, 2)
    return _argmax_gather("adaptive_max_pool2d", x, _table(dims, x.shape[2:]), size, batched, return_indices)


def _unpool(op, nsp, input, indices, kernel_size, stride, padding, output_size):
    x, batched = _check(op, input, nsp)
    if not isinstance(indices, Tensor) or indices.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected indices to be an integer tensor (int64), got "
                           f"{getattr(indices, 'dtype', type(indices).__name__)}")
    if indices.shape != input.shape:
        raise RuntimeError(f"{op}: Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    ks = _ints(kernel_size, nsp, "kernel_size", op)
    ss = ks if stride is None else _ints(stride, nsp, "stride", op)
    ps = _ints(padding, nsp, "padding", op)
    if output_size is None:
        out = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[2:], ss, ps, ks))
    else:
        out = tuple(int(v) for v in output_size)[-nsp:]
        if len(out) != nsp:
            raise ValueError(f"{op}: output_size must have {nsp} or {nsp + 2} elements, got {output_size!r}")
    N, C = x.shape[:2]
    vol = int(np.prod(out))
    ind = reshape(indices, (N, C, 1, -1))  # by ops, not an array copy: a compiled replay reads each call's
    idx = (ind if ind.dtype == np.int64 else ind.to(np.int64))._data  # indices
    if idx.size and (idx.min() < 0 or idx.max() >= vol):
        raise RuntimeError(f"{op}: Found an invalid max index: {int(idx.max()) if idx.max() >= vol else int(idx.min())}"
                           f" (output volumes are of size {vol})")
    y = MaxUnpoolAdd.apply(reshape(x, (N, C, 1, -1)), idx, (N, C, 1, vol))
    y = reshape(y, (N, C) + out)
    return y if batched else reshape(y, y.shape[1:])


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool2d``: each value of (N, C, H, W) put at
    its flat index (from ``return_indices``) in a zero (N, C, H_out, W_out)."""
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """``max_unpool2d`` for ``max_pool3d``'s (N, C, D, H, W) and indices."""
    return _unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


__all__ = ["max_pool3d", "avg_pool3d", "adaptive_max_pool2d", "max_unpool2d", "max_unpool3d"]
METHODS = {}
