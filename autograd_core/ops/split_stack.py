"""Cutting, stacking and rearranging: ``tensor_split``, ``hsplit``, ``vsplit``,
``dsplit``, ``hstack``, ``vstack`` (``row_stack``), ``dstack``,
``column_stack``, ``atleast_1d/2d/3d``, ``repeat_interleave``, ``meshgrid``,
``rot90``, ``roll`` and ``Tensor.unfold`` (sliding windows).

Most are compositions of views, ``cat`` and ``index_select``, so their
gradients follow. Two are ops of their own, both linear (``Linear``: the
tangent goes through the op itself):

    y = roll(x, s, d)          ⇒  x̄ = roll(ȳ, −s, d)
    y = x.unfold(d, size, st)  ⇒  y[.., w, .., k] = x[.., w·st + k, ..]  (window w, offset k)
                                  x̄ = fold(ȳ): each window's gradient added back where it
                                  was read (overlapping windows add up); fold's adjoint is unfold

``unfold`` and ``rot90`` return copies here (PyTorch returns a view for
``unfold`` and a copy for ``rot90``).
"""
import operator

import numpy as np

from ..function import Linear
from ..observers import read_observers, value_read
from ..tensor import Tensor, as_array
from ._util import normalize_dim
from .broadcast import broadcast_to
from .convert import clone
from .index import index_select
from .join import cat
from .shape import reshape, transpose
from .shape_tile import flip


def _pieces(input, d, bounds):
    """The slices [bounds[i], bounds[i+1]) of dim ``d`` (views)."""
    head = (slice(None),) * d
    return tuple(input[head + (slice(a, max(a, b)),)] for a, b in zip(bounds[:-1], bounds[1:]))


def tensor_split(input, indices_or_sections, dim=0):
    """Split dim ``dim`` into n nearly equal parts (an int n: the first size % n parts
    one longer) or at the given indices (a list or 1-d tensor; views, possibly empty)."""
    d = normalize_dim(dim, input.ndim, "tensor_split")
    size = input.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype.kind not in "iu" or ios.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor of integers, got dtype {ios.dtype} and {ios.ndim} dims")
        ios = int(ios.item()) if ios.ndim == 0 else [int(i) for i in ios._data]
    if isinstance(ios, (int, np.integer)):
        n = operator.index(ios)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
        bounds = [0] + list(np.cumsum(sizes))
    else:
        idx = [operator.index(i) for i in ios]
        bounds = [0] + [min(max(i + size if i < 0 else i, 0), size) for i in idx] + [size]
    return _pieces(input, d, [int(b) for b in bounds])


def _directional(op, input, ios, dim, min_dims):
    if input.ndim < min_dims:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {input.ndim} dimensions!")
    if isinstance(ios, (int, np.integer)):
        n = operator.index(ios)
        if n == 0 or input.shape[dim] % n:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {input.shape[dim]} is not divisible by the split_size {n}!")
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    """``tensor_split`` along dim 1 (dim 0 of a 1-d tensor); an int must divide the size."""
    return _directional("hsplit", input, indices_or_sections, 1 if input.ndim > 1 else 0, 1)


def vsplit(input, indices_or_sections):
    """``tensor_split`` along dim 0 of a tensor with at least 2 dims."""
    return _directional("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """``tensor_split`` along dim 2 of a tensor with at least 3 dims."""
    return _directional("dsplit", input, indices_or_sections, 2, 3)


def _atleast(tensors, fn):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(fn(t) for t in tensors[0])
    if len(tensors) == 1:
        return fn(tensors[0])
    return tuple(fn(t) for t in tensors)


def _as_tensor(t):
    return t if isinstance(t, Tensor) else Tensor(as_array(t))


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one becomes shape (1,))."""
    return _atleast(tensors, lambda t: reshape(t, (1,)) if _as_tensor(t).ndim == 0 else _as_tensor(t))


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: () → (1, 1), (n,) → (1, n)."""
    def fn(t):
        t = _as_tensor(t)
        return reshape(t, (1,) * (2 - t.ndim) + tuple(t.shape)) if t.ndim < 2 else t

    return _atleast(tensors, fn)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: () → (1, 1, 1), (n,) → (1, n, 1), (m, n) → (m, n, 1)."""
    def fn(t):
        t = _as_tensor(t)
        shape = {0: (1, 1, 1), 1: (1,) + tuple(t.shape) + (1,), 2: tuple(t.shape) + (1,)}.get(t.ndim)
        return reshape(t, shape) if shape is not None else t

    return _atleast(tensors, fn)


def _seq(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' must be a tuple or list of Tensors")
    if not tensors:
        raise RuntimeError(f"{op}(): expects a non-empty TensorList")
    return [_as_tensor(t) for t in tensors]


def hstack(tensors):
    """Concatenate along dim 1 (dim 0 when the tensors are 1-d), after ``atleast_1d``."""
    ts = [atleast_1d(t) for t in _seq(tensors, "hstack")]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors):
    """Concatenate along dim 0 after ``atleast_2d`` (1-d tensors become rows)."""
    return cat([atleast_2d(t) for t in _seq(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors):
    """Concatenate along dim 2 after ``atleast_3d``."""
    return cat([atleast_3d(t) for t in _seq(tensors, "dstack")], 2)


def column_stack(tensors):
    """Concatenate along dim 1; 0-d and 1-d tensors become columns (n, 1)."""
    ts = [reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in _seq(tensors, "column_stack")]
    return cat(ts, 1)


def _read_counts(counts):
    if read_observers and isinstance(counts, Tensor):
        value_read(counts, "repeat_interleave")


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (each slice of ``dim``) repeated ``repeats`` times in place
    (an int, or one count per element); ``dim=None`` flattens first. With a
    single integer tensor argument: the indices 0..n-1 repeated by its values."""
    # the result's shape depends on the counts' values: a read of them (observers.value_read, as
    # item()), so a compiled function calling this with a tensor of counts runs eagerly
    _read_counts(input if repeats is None else repeats)
    if repeats is None:  # repeat_interleave(repeats)
        counts = as_array(input._data if isinstance(input, Tensor) else input)
        if counts.ndim > 1 or counts.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be a 0-d or 1-d integer tensor")
        if (counts < 0).any():
            raise RuntimeError("repeat_interleave: repeats can not be negative")
        return Tensor(np.repeat(np.arange(counts.size, dtype=np.int64), counts.reshape(-1)))
    if dim is None:
        input, d = reshape(input, (-1,)), 0
    else:
        d = normalize_dim(dim, input.ndim, "repeat_interleave")
        if input.ndim == 0:
            input = reshape(input, (1,))
    n = input.shape[d]
    r = as_array(repeats._data if isinstance(repeats, Tensor) else repeats)
    if r.dtype.kind not in "iu":
        raise RuntimeError(f"repeat_interleave: repeats must be an integer, got dtype {r.dtype}")
    if r.ndim > 1 or (r.ndim == 1 and r.size not in (1, n)):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {r.size if r.ndim else 1} and input.size({d}) = {n}")
    if (r < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    idx = np.repeat(np.arange(n), r.reshape(-1) if r.ndim else int(r))
    if output_size is not None and output_size != idx.size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the result's {idx.size}")
    return index_select(input, d, idx)


def meshgrid(*tensors, indexing="ij"):
    """Grids from 0-d or 1-d tensors: output k varies along dim k (``indexing='ij'``,
    PyTorch's default); ``'xy'`` is 'ij' of (x₂, x₁, x₃, ...) with the first two outputs
    swapped (shape (n₂, n₁, n₃, ...), numpy's default)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    ts = [_as_tensor(t) for t in tensors]
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor "
                               f"of shape {list(t.shape)}")
    if len({t.dtype for t in ts}) > 1:
        raise RuntimeError("torch.meshgrid: expects all tensors to have the same dtype")
    ts = [reshape(t, (-1,)) for t in ts]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    k = len(ts)
    shape = tuple(t.shape[0] for t in ts)
    grids = [broadcast_to(reshape(t, (1,) * i + (-1,) + (1,) * (k - 1 - i)), shape) for i, t in enumerate(ts)]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90°·k in the plane of ``dims``, from the first dim towards the second (numpy's rot90)."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = normalize_dim(dims, input.ndim, "rot90")
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = operator.index(k) % 4
    if k == 0:
        return input * 1 if input.dtype.kind == "f" else clone(input)  # an op (replayed), not a copy outside ops
    if k == 2:
        return flip(input, (d0, d1))
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    return flip(transpose(input, d0, d1), (d1,))


class Roll(Linear):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        neg = -ctx.shifts if isinstance(ctx.shifts, int) else tuple(-s for s in ctx.shifts)
        return Roll.apply(g, neg, ctx.dims), None, None


def roll(input, shifts, dims=None):
    """Shift elements cyclically by ``shifts`` along ``dims`` (int or tuples of equal
    length); with ``dims=None`` the flattened tensor is rolled and the shape restored."""
    if dims is None:
        s = shifts if isinstance(shifts, (int, np.integer)) else tuple(shifts)
        if not isinstance(s, (int, np.integer)):
            if len(s) != 1:
                raise RuntimeError(f"roll: shifts {list(s)} must have one entry when dims is not given")
            s = s[0]
        return Roll.apply(input, operator.index(s), None)
    sh = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    ds = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(sh) != len(ds):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims: {len(ds)}")
    ds = normalize_dim(ds, input.ndim, "roll")
    return Roll.apply(input, tuple(operator.index(s) for s in sh), ds)


class Unfold(Linear):
    @staticmethod
    def forward(ctx, x, d, size, step):
        ctx.shape, ctx.d, ctx.size, ctx.step = x.shape, d, size, step
        windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=d)
        return np.ascontiguousarray(windows[(slice(None),) * d + (slice(None, None, step),)])

    @staticmethod
    def backward(ctx, g):
        return FoldWindows.apply(g, ctx.shape, ctx.d, ctx.size, ctx.step), None, None, None


class FoldWindows(Linear):
    """zeros(shape) with each window of ``g`` added back where ``unfold`` read it."""

    @staticmethod
    def forward(ctx, g, shape, d, size, step):
        ctx.d, ctx.size, ctx.step = d, size, step
        out = np.zeros(shape, g.dtype)
        n = g.shape[d]
        head = (slice(None),) * d
        for k in range(size):
            out[head + (slice(k, k + step * (n - 1) + 1, step),)] += g[..., k]
        return out

    @staticmethod
    def backward(ctx, g):
        return Unfold.apply(g, ctx.d, ctx.size, ctx.step), None, None, None, None


def unfold(self, dimension, size, step):
    """The windows of ``size`` elements of dim ``dimension``, every ``step``:
    that dim becomes the window count (n − size) // step + 1 and a new last dim of ``size``."""
    size, step = operator.index(size), operator.index(step)
    x = reshape(self, (1,)) if self.ndim == 0 else self
    d = normalize_dim(dimension, x.ndim, "unfold")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if size < 0 or size > x.shape[d]:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {x.shape[d]} but size is {size}")
    out = Unfold.apply(x, d, size, step)
    return reshape(out, (size,)) if self.ndim == 0 else out


__all__ = ["tensor_split", "hsplit", "vsplit", "dsplit", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "atleast_1d", "atleast_2d", "atleast_3d", "repeat_interleave", "meshgrid", "rot90", "roll"]
METHODS = {"tensor_split": tensor_split, "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit,
           "repeat_interleave": repeat_interleave, "rot90": rot90, "roll": roll, "unfold": unfold}
