"""Writing along an index: ``scatter`` (a tensor or a value), ``scatter_reduce``
(sum, prod, mean, amax, amin; ``include_self``), ``index_add``,
``index_copy``, ``index_fill``, reading by flat or per-dim indices (``take``,
``take_along_dim``) and finding non-zeros (``nonzero``, ``argwhere``), with
the in-place methods PyTorch code uses (``scatter_``, ``scatter_add_``,
``scatter_reduce_``, ``index_add_``, ``index_copy_``, ``index_fill_``,
``masked_fill_``).

With ``gather(ȳ)`` reading ȳ at the scattered positions (``index.py``):

    y = scatter(x, d, i, s)    ⇒  x̄ = ȳ with the written positions zeroed,  s̄ = gather(ȳ)
    y = index_copy(x, d, i, s) ⇒  the same with whole slices
    y = index_add(x, d, i, s, α) = scatter_add along slices  ⇒  x̄ = ȳ,  s̄ = α index_select(ȳ)

``scatter_reduce`` has, for each reduction, coefficients a (input-shaped) and
b (src-shaped) with x̄ = a ȳ and s̄ = b gather(ȳ); forward mode is
ẏ = a ẋ + scatter_add(0, b ṡ). At positions that receive something:

    sum   a = [include_self]                         b = 1
    mean  a = [include_self] / N                     b = 1 / N     (N = number of reduced values)
    prod  a = [include_self] Π(others)               b = Π(others) (exact with one zero in a group)
    amax, amin  a = [include_self][x = y] / N,       b = [s = y] / N   (N = number of values equal
                to the result: ties share the gradient evenly, PyTorch's convention; with
                include_self=False the input's value is never counted among the ties)

Positions that receive nothing keep x (a = 1). Duplicate indices in
``scatter``/``index_copy`` keep the last write (PyTorch leaves it unspecified).
"""
import numpy as np

from ..function import Linear, Op
from ..observers import read_observers, value_read
from ..tensor import Tensor, as_array
from ._util import normalize_dim
from .index import _INTS, GetItem, ScatterAdd, _along, _check_along, _int_index, masked_fill


def _fit(gs, shape):
    """``gs`` (the index's shape) zero-padded to ``shape`` (the src's)."""
    if tuple(gs.shape) == tuple(shape):
        return gs
    from .join import ConstantPad

    return ConstantPad.apply(gs, tuple((0, n - i) for i, n in zip(gs.shape, shape)), 0)


def _part(src, shape):
    return src if src.shape == tuple(shape) else src[tuple(slice(0, n) for n in shape)]


class Scatter(Linear):
    """out = x with out[index] = src (cut to ``shape``, the index's): linear in (x, src) jointly."""

    @staticmethod
    def forward(ctx, x, src, index, shape):
        ctx.index, ctx.shape = index, shape
        ctx.src_shape = getattr(src, "shape", ())
        out = x.copy()
        out[index] = _part(src, shape) if isinstance(src, np.ndarray) else src
        return out

    @staticmethod
    def backward(ctx, g):
        gx = gs = None
        if ctx.needs_input_grad[0]:
            gx = Scatter.apply(g, 0.0, ctx.index, ctx.shape)
        if ctx.needs_input_grad[1]:
            gs = _fit(GetItem.apply(g, ctx.index, _INTS), ctx.src_shape)
        return gx, gs, None, None

    @staticmethod
    def jvp(ctx, tx, ts, *_):
        if ts is None or ts._data.dtype.kind != "f":
            ts = 0.0  # a written number (or integer tensor) has no tangent
        return Scatter.apply(tx, ts, ctx.index, ctx.shape)


def _same_dtype(op, input, src):
    if isinstance(src, Tensor) and src.dtype != input.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype, got {input.dtype} and {src.dtype}")


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of ``input`` with ``out[i][index[i][j][k]][k] = src[i][j][k]`` (dim = 1);
    ``src`` may be a number (``value``). ``reduce='add'|'multiply'`` accumulates instead."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing the argument 'src' (or 'value')")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce!r}")
        if not isinstance(src, Tensor):
            src = Tensor(np.full(np.shape(as_array(index)), src, input.dtype))
        return scatter_reduce(input, dim, index, src, "sum" if reduce == "add" else "prod")
    _same_dtype("scatter", input, src)
    d, idx = _check_along("scatter", input, dim, index, src if isinstance(src, Tensor) else None)
    if isinstance(src, Tensor) and src.ndim == 0 and idx.ndim:
        raise RuntimeError("scatter(): src must be a number or a tensor with the dims of index")
    return Scatter.apply(input, src, _along(idx, d), idx.shape)


_IDENTITY = {"sum": 0, "prod": 1, "mean": 0}
_UFUNC = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in _IDENTITY:
        return _IDENTITY[reduce]
    big = np.inf if dtype.kind == "f" else (True if dtype.kind == "b" else np.iinfo(dtype).max)
    small = -np.inf if dtype.kind == "f" else (False if dtype.kind == "b" else np.iinfo(dtype).min)
    return small if reduce == "amax" else big


def _reduce_array(x, src, index, shape, reduce, include_self):
    """The forward of ``scatter_reduce`` on arrays."""
    s = _part(src, shape)
    out = x.copy()
    hit = np.zeros(x.shape, bool)
    hit[index] = True
    if not include_self:
        out[hit] = _identity(reduce, x.dtype)
    _UFUNC[reduce].at(out, index, s)
    if reduce == "mean":
        count = np.zeros(x.shape, np.int64)
        np.add.at(count, index, 1)
        count += bool(include_self)
        count = np.maximum(count, 1)
        out = (out / count if x.dtype.kind == "f" else np.floor_divide(out, count)).astype(x.dtype, copy=False)
    return out


class ScatterReduce(Op):
    @staticmethod
    def forward(ctx, x, src, index, shape, reduce, include_self):
        ctx.index, ctx.shape, ctx.reduce, ctx.include_self = index, shape, reduce, include_self
        out = _reduce_array(x, src, index, shape, reduce, include_self)
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def _coefficients(ctx):
        """(a, b): x̄ = a ȳ and s̄ = b gather(ȳ) (see the module docstring), as Tensor ops."""
        x, src, out = ctx.saved_tensors
        index, shape, reduce, incl = ctx.index, ctx.shape, ctx.reduce, ctx.include_self
        s = _part(src, shape) if tuple(src.shape) != tuple(shape) else src
        hit = np.zeros(x.shape, bool)
        hit[index] = True
        keep = Tensor((~hit | incl).astype(x.dtype))  # 1 where x takes part in the result
        gather = lambda t: GetItem.apply(t, index, _INTS)  # noqa: E731
        if reduce == "sum":
            return keep, None
        if reduce == "mean":
            count = np.zeros(x.shape, x.dtype)
            np.add.at(count, index, 1)
            inv = Tensor(1 / np.maximum(count + incl, 1))
            return keep * Tensor(np.where(hit, inv._data, 1)), gather(inv)
        if reduce in ("amax", "amin"):
            self_is = (x._data == out._data) & (keep._data > 0)
            src_is = s._data == out._data[index]
            n = self_is.astype(x.dtype)
            np.add.at(n, index, src_is)
            n = np.maximum(n, 1)
            return Tensor(np.where(hit, self_is / n, 1).astype(x.dtype)), Tensor(src_is / n[index])
        # prod: the product of the others, exact when one value of a group is zero
        xd = x._data
        masked_self = masked_fill(x, Tensor(xd == 0), 1)
        others_self = ScatterReduce.apply(masked_self, src, index, shape, "prod", incl) / masked_self
        zero = s._data == 0
        zeros = np.zeros(x.shape, np.int64)
        np.add.at(zeros, index, zero)
        single = zero & (zeros[index] == 1)
        masked_src = masked_fill(src, Tensor(_fit_mask(single, src.shape)), 1)
        others_single = gather(ScatterReduce.apply(x, masked_src, index, shape, "prod", incl))
        others = gather(out) / masked_fill(s, Tensor(zero), 1)
        b = others_single * Tensor(single.astype(x.dtype)) + others * Tensor((~single).astype(x.dtype))
        return keep * others_self, b

    @staticmethod
    def backward(ctx, g):
        a, b = ScatterReduce._coefficients(ctx)
        gx = g * a if ctx.needs_input_grad[0] else None
        gs = None
        if ctx.needs_input_grad[1]:
            gg = GetItem.apply(g, ctx.index, _INTS)
            gs = _fit(gg if b is None else gg * b, ctx.saved_tensors[1].shape)
        return gx, gs, None, None, None, None

    @staticmethod
    def jvp(ctx, tx, ts, *_):
        a, b = ScatterReduce._coefficients(ctx)
        t = _part(ts, ctx.shape) if tuple(ts.shape) != tuple(ctx.shape) else ts
        zeros = Tensor(np.zeros(tx.shape, tx.dtype))
        return tx * a + ScatterAdd.apply(zeros, ctx.index, ctx.shape, t if b is None else t * b)


def _fit_mask(mask, shape):
    if mask.shape == tuple(shape):
        return mask
    out = np.zeros(shape, bool)
    out[tuple(slice(0, n) for n in mask.shape)] = mask
    return out


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of ``input`` where each ``out[i][index[i][j][k]][k]`` (dim = 1) is
    the reduction (``'sum' 'prod' 'mean' 'amax' 'amin'``) of the src values sent
    there, and of ``input``'s own value when ``include_self``. Integer ``mean``
    rounds down."""
    if reduce not in _UFUNC:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be one of sum, prod, mean, amax, amin, "
                           f"got {reduce!r}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}")
    _same_dtype("scatter_reduce", input, src)
    d, idx = _check_along("scatter_reduce", input, dim, index, src)
    return ScatterReduce.apply(input, src, _along(idx, d), idx.shape, reduce, bool(include_self))


def _slices(op, input, dim, index, source=None):
    """(the index of the slices ``index`` of dim ``dim``, the index array), checked."""
    d = normalize_dim(dim, input.ndim, op)
    idx = _int_index(index, op, input.shape[d] if input.ndim else 1, d)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape {list(idx.shape)}")
    idx = idx.reshape(-1)
    if source is not None:
        want = list(input.shape)
        if want:
            want[d] = idx.size
        if isinstance(source, Tensor) and list(source.shape) != want and not (
                source.ndim == 0 and idx.size == 1 and input.ndim <= 1):
            raise RuntimeError(f"{op}(): source of shape {list(source.shape)} does not match the input of shape "
                               f"{list(input.shape)} with {idx.size} indices along dim {d} (expected {want})")
        _same_dtype(op, input, source)
    return (slice(None),) * d + (idx,), idx


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``out[..., index[j], ...] += alpha * source[..., j, ...]`` along ``dim``."""
    at, idx = _slices("index_add", input, dim, index, source)
    if alpha != 1:
        source = source * alpha
    if input.ndim == 0:
        return input + source.sum()
    return ScatterAdd.apply(input, at, tuple(source.shape), source)


def index_copy(input, dim, index, source):
    """A copy of ``input`` with the slices ``index`` of ``dim`` replaced by those of ``source``."""
    at, idx = _slices("index_copy", input, dim, index, source)
    if input.ndim == 0:
        return source.reshape(()) * 1 if idx.size else input * 1
    return Scatter.apply(input, source, at, tuple(source.shape))


def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices ``index`` of ``dim`` set to ``value`` (a number or 0-d tensor)."""
    _, idx = _slices("index_fill", input, dim, index)
    if input.ndim == 0:
        return masked_fill(input, Tensor(np.ones((), bool)), value)
    # the mask by ops (a compiled replay recomputes it): [k is in index] for each k along dim
    d = normalize_dim(dim, input.ndim, "index_fill")
    n = input.shape[d]
    index = index.reshape(-1) if isinstance(index, Tensor) else Tensor(idx)
    hit = (Tensor(np.arange(n).reshape(n, 1)) == index.reshape(1, -1)).any(1)
    return masked_fill(input, hit.reshape((n,) + (1,) * (input.ndim - 1 - d)), value)


def take(input, index):
    """``input`` read as a 1-d tensor at ``index`` (negative counts from the end); index's shape."""
    idx = as_array(index._data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise IndexError(f"take(): Expected a long tensor for index, but got {idx.dtype}")
    n = input.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.min() if idx.min() < -n else idx.max()
        raise IndexError(f"take(): index {bad} out of range for tensor of size {list(input.shape)}")
    return GetItem.apply(input.reshape(-1), (idx,), _INTS)


def take_along_dim(input, indices, dim=None):
    """``gather`` with ``indices`` broadcast against ``input`` except along ``dim``;
    with ``dim=None`` both are flattened first."""
    idx = as_array(indices._data if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"take_along_dim(): dtype of indices should be Long but got {idx.dtype}")
    if dim is None:
        return take_along_dim(input.reshape(-1), (indices if isinstance(indices, Tensor) else idx).reshape(-1), 0)
    if input.ndim != idx.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions and {idx.ndim} dimensions instead")
    d = normalize_dim(dim, input.ndim, "take_along_dim")
    shape_in, shape_idx = list(input.shape), list(idx.shape)
    shape_in[d] = shape_idx[d] = 1
    try:
        common = list(np.broadcast_shapes(tuple(shape_in), tuple(shape_idx)))
    except ValueError:
        raise RuntimeError(f"take_along_dim(): input of shape {list(input.shape)} and indices of shape "
                           f"{list(idx.shape)} cannot be broadcast except along dim {d}") from None
    from .broadcast import broadcast_to
    from .index import gather
    from .select import where

    want_in, want_idx = list(common), list(common)
    want_in[d], want_idx[d] = input.shape[d], idx.shape[d]
    if list(input.shape) != want_in:
        input = broadcast_to(input, tuple(want_in))
    # negative indices wrap, by ops (a compiled replay recomputes them from each call's indices)
    index = indices if isinstance(indices, Tensor) else Tensor(idx)
    index = where(index < 0, index + input.shape[d], index)
    if list(index.shape) != want_idx:
        index = broadcast_to(index, tuple(want_idx))
    return gather(input, d, index)


def nonzero(input, *, as_tuple=False):
    """The int64 coordinates of the non-zero elements, one row each (n × ndim), in
    row-major order; with ``as_tuple``, one 1-d tensor per dim (a 0-d input counts as 1-d).
    The result's shape depends on the values: a read of them into Python (``observers.value_read``,
    as ``item()``), so a compiled function calling it runs eagerly (PyTorch's graph break)."""
    if read_observers and isinstance(input, Tensor):
        value_read(input, "nonzero")
    x = input._data if isinstance(input, Tensor) else as_array(input)
    if as_tuple:
        return tuple(Tensor(c.astype(np.int64)) for c in np.nonzero(np.atleast_1d(x)))
    if x.ndim == 0:
        return Tensor(np.zeros((int(bool(x)), 0), np.int64))
    return Tensor(np.argwhere(x).astype(np.int64))


def argwhere(input):
    """``nonzero(input)``: the n × ndim int64 coordinates of the non-zero elements."""
    return nonzero(input)


def _method(fn):
    def inplace(self, *args, **kwargs):
        return self._inplace(lambda s: fn(s, *args, **kwargs))

    inplace.__name__ = fn.__name__ + "_"
    inplace.__doc__ = f"In-place ``{fn.__name__}``."
    return inplace


def _scatter_add(input, dim, index, src):
    from .index import scatter_add

    return scatter_add(input, dim, index, src)


__all__ = ["scatter", "scatter_reduce", "index_add", "index_copy", "index_fill", "take", "take_along_dim",
           "nonzero", "argwhere"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({
    "scatter_": _method(scatter), "scatter_reduce_": _method(scatter_reduce), "scatter_add_": _method(_scatter_add),
    "index_add_": _method(index_add), "index_copy_": _method(index_copy), "index_fill_": _method(index_fill),
    "masked_fill_": _method(masked_fill),
})
