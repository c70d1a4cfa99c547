"""Indexing: ``x[index]`` (ints, slices with steps, None, Ellipsis, integer
and bool tensors/arrays/lists/ranges, and tuples mixing them, with
PyTorch's rules), ``narrow``, ``index_select``, ``gather``, ``scatter_add``,
``masked_fill`` and ``masked_select``.

The order of the result's dims is PyTorch's, which differs from numpy's in
one case. PyTorch applies the basic part of an index first: an int selects
(removes its dim), a slice slices, None and a bool scalar insert a dim. Only
then come the advanced indices (integer tensors, bool masks, and the dim a
bool scalar inserted), broadcast together to one shape B: if they sit on
adjacent dims of the basic result, B takes their place; if something
separates them, B comes first. Numpy counts an int as an advanced index too,
so with ``a`` of shape (3, 4, 5) and ``idx`` of 2 elements, ``a[0, :, idx]``
has shape (4, 2) here and in PyTorch but (2, 4) in numpy. Without ints (or
without advanced indices) the two rules agree and numpy indexes in one step;
otherwise the index is split: ``x[basic][advanced]``.

Reading elements is linear; its adjoint writes the gradient back where the
elements came from, into zeros, adding up elements read more than once:

    y = x[idx]            ⇒  x̄ = scatter(ȳ, idx) = zeros(x.shape); x̄[idx] += ȳ  (np.add.at;
                             long rows picked by one integer array: sorted, runs summed)
    y = scatter(g, idx)   ⇒  ḡ = ȳ[idx]            (so the pair differentiates forever)
    y = scatter_add(x, d, i, s)  ⇒  x̄ = ȳ,  s̄ = gather(ȳ, d, i)
    y = masked_fill(x, m, v)     ⇒  x̄ = ȳ where ¬m (else 0),  v̄ = Σ ȳ where m

Forward mode: reading, scattering and filling are linear in the tensors
(``Linear`` ops: the tangent goes through the op itself), so

    ẏ = ẋ[idx]    ẏ = scatter(ġ, idx)    ẏ = scatter_add(ẋ, d, i, ṡ)    ẏ = where(m, v̇, ẋ)

``narrow``, ``index_select`` and ``gather`` are ``x[idx]`` with an index
built for them. Basic indexing (ints, slices, None, Ellipsis) returns a view
sharing memory and version counter with ``x`` (and remembering ``x`` as its
base, so that an in-place op on the view rewrites ``x``'s history; see
``copy_slices.py``); the others return copies.
"""
import operator

import numpy as np

from ..function import Linear, Op
from ..tensor import Tensor, as_array
from ._util import normalize_dim

_BASIC, _MASK, _INTS = 0, 1, 2  # index kinds: a view; a copy; a copy that may repeat elements


class Split(tuple):
    """An index applied in two steps, ``x[basic][advanced]`` (PyTorch's order
    when ints and advanced indices meet): ``Split((basic, advanced))``."""

    __slots__ = ()


def take(a, index):
    """``a[index]`` for a numpy index or a ``Split``."""
    if type(index) is Split:
        return a[index[0]][index[1]]
    return a[index]


def target(a, index):
    """``(view, idx)`` with ``view[idx]`` the elements ``index`` picks from
    ``a``: writing into it writes into ``a``."""
    if type(index) is Split:
        return a[index[0]], index[1]
    return a, index


def _array_index(i, pos):
    if isinstance(i, Tensor):
        i = i._data
    elif isinstance(i, (list, tuple, range)):
        i = np.empty(0, np.intp) if len(i) == 0 else as_array(list(i) if isinstance(i, range) else i)
    if i.dtype.kind not in "iub":
        raise IndexError(f"tensors used as indices must be integer or bool tensors; got dtype "
                         f"{i.dtype} at position {pos} of the index")
    return i


def _items(index):
    """The items of ``index``: arrays (integer, bool masks, 0-d bools), ints,
    slices, None, Ellipsis; whether it has ints; whether it has advanced items."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    ints = adv = False
    for pos, i in enumerate(items):
        if isinstance(i, (Tensor, np.ndarray, list, tuple, range)):
            i = _array_index(i, pos)
            if i.dtype.kind == "b":
                adv = True
            elif i.ndim == 0:
                i = int(i)
                ints = True
            else:
                adv = True
        elif i is None or i is Ellipsis or isinstance(i, slice):
            pass
        elif isinstance(i, (bool, np.bool_)):
            adv = True
        else:
            try:
                i = operator.index(i)
            except TypeError:
                raise IndexError(f"only integers, slices, None, Ellipsis and integer or bool "
                                 f"tensors are valid indices; got {type(i).__name__} at "
                                 f"position {pos} of the index") from None
            ints = True
        out.append(i)
    return out, ints, adv


def _split(items, ndim):
    """``Split((basic, advanced))``: ints, slices and None first (a bool
    scalar inserts a dim), then the advanced indices on the dims they index
    in the result of the basic step."""
    consumed = sum(1 if not isinstance(i, np.ndarray) else (i.ndim if i.dtype.kind == "b" else 1)
                   for i in items if i is not None and i is not Ellipsis and not isinstance(i, (bool, np.bool_)))
    basic, adv = [], []
    for i in items:
        if i is Ellipsis:
            basic.append(i)
            adv.extend([slice(None)] * max(ndim - consumed, 0))
        elif isinstance(i, slice) or i is None:
            basic.append(i)
            adv.append(slice(None))
        elif isinstance(i, (bool, np.bool_)) or (isinstance(i, np.ndarray) and i.ndim == 0):
            basic.append(None)  # a bool scalar: a new dim of length 1, kept (True) or emptied (False)
            adv.append(np.arange(int(bool(i)), dtype=np.intp))
        elif isinstance(i, np.ndarray):
            basic.extend([slice(None)] * (i.ndim if i.dtype.kind == "b" else 1))
            adv.append(i)
        else:  # an int: selects, removing its dim
            basic.append(i)
    while adv and isinstance(adv[-1], slice):
        adv.pop()
    return Split((tuple(basic), tuple(adv)))


def to_numpy_index(index, ndim=None):
    """``index`` as numpy understands it, with PyTorch's order of dims
    (tensors become arrays, 0-d integer arrays ints; a ``Split`` when ints
    and advanced indices meet, see the module docstring), and its kind:
    basic (a view), bool masks only, or with integer arrays (elements may
    repeat). ``ndim`` is the indexed tensor's (needed for a ``Split``)."""
    t = type(index)
    if t is int or t is slice:  # the common cases, fast
        return (index, Ellipsis), _BASIC
    if t is tuple and all(type(i) is int or type(i) is slice for i in index):
        return index + (Ellipsis,), _BASIC
    out, ints, adv = _items(index)
    if not adv:
        if not any(i is Ellipsis for i in out):
            out.append(Ellipsis)  # x[0, 1, ...] is a 0-d view where x[0, 1] would be a scalar copy
        return tuple(out), _BASIC
    kind = _INTS if any(isinstance(i, np.ndarray) and i.dtype.kind != "b" and i.ndim for i in out) else _MASK
    if ints and ndim is not None:
        split = _split(out, ndim)
        if any(isinstance(i, np.ndarray) and i.dtype.kind != "b" for i in split[1]):
            kind = _INTS  # a bool scalar became an integer array
        return split, kind
    return tuple(out), kind


class GetItem(Linear):
    @staticmethod
    def forward(ctx, x, index, kind):
        ctx.shape, ctx.index, ctx.kind = x.shape, index, kind
        ctx._is_view = kind == _BASIC
        try:
            return x[index] if type(index) is tuple else take(x, index)
        except IndexError as e:
            raise IndexError(f"{type(ctx).__name__.lower()}: {e} (input shape {list(x.shape)})") from None

    @staticmethod
    def backward(ctx, g):
        return IndexScatter.apply(g, ctx.shape, ctx.index, ctx.kind), None, None


class Narrow(GetItem):
    pass


class IndexSelect(GetItem):
    pass


class Gather(GetItem):
    pass


class IndexScatter(Linear):
    """zeros(shape) with ``out[index] += g``: the adjoint of ``GetItem``."""

    @staticmethod
    def forward(ctx, g, shape, index, kind):
        ctx.shape, ctx.index, ctx.kind = shape, index, kind
        out = np.zeros(shape, g.dtype)
        view, index = target(out, index)
        first = index[0] if index else None
        if kind == _INTS and isinstance(first, np.ndarray) and g.size >= 8 * first.size and all(
                i is Ellipsis or (isinstance(i, slice) and i == slice(None)) for i in index[1:]):
            _add_rows(view, index[0].reshape(-1), g)
        elif kind == _INTS:
            np.add.at(view, index, g)
        else:
            view[index] = g
        return out

    @staticmethod
    def backward(ctx, g):
        return GetItem.apply(g, ctx.index, ctx.kind), None, None, None


def _add_rows(out, rows, g):
    """``out[rows] += g`` with repeated rows adding up, by sorting the rows and
    summing runs (``np.add.at`` is slow when rows are long)."""
    if not rows.size:
        return
    rows = np.where(rows < 0, rows + out.shape[0], rows)
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    out[rows[starts]] = np.add.reduceat(g.reshape((-1,) + out.shape[1:])[order], starts, axis=0)


def getitem(self, index):
    """``x[index]`` with PyTorch's indexing rules; the gradient adds up repeats."""
    index, kind = to_numpy_index(index, self._data.ndim)
    return GetItem.apply(self, index, kind)


def narrow(input, dim, start, length):
    """The view of ``length`` elements of dim ``dim`` from ``start`` (may be negative)."""
    d = normalize_dim(dim, input.ndim, "narrow")
    n = input.shape[d]
    start, length = operator.index(start), operator.index(length)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start ({start}) is out of range for dim {d} of size {n} "
                         f"(input shape {list(input.shape)})")
    start %= max(n, 1)
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds the size {n} of "
                           f"dim {d} (input shape {list(input.shape)})")
    index = (slice(None),) * d + (slice(start, start + length), Ellipsis)
    return Narrow.apply(input, index, _BASIC)


def _int_index(index, op, size, dim):
    """An integer index array, checked to be within [0, size)."""
    idx = _array_index(index, 0) if not isinstance(index, np.ndarray) else index
    if idx.dtype.kind not in "iu":
        raise IndexError(f"{op}: the index must be an integer tensor, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dim {dim} with size {size}")
    return idx


def index_select(input, dim, index):
    """The slices ``index`` (a 1-d integer tensor) of dim ``dim``; repeats allowed."""
    d = normalize_dim(dim, input.ndim, "index_select")
    idx = _int_index(index, "index_select", input.shape[d] if input.ndim else 1, d)
    if idx.ndim > 1:
        raise IndexError(f"index_select: the index must be 1-d, got shape {list(idx.shape)}")
    return IndexSelect.apply(input, (slice(None),) * d + (idx.reshape(-1),), _INTS)


def _along(index, dim):
    """The full index ``t`` with ``x[t][i, j, k] = x[i, index[i, j, k], k]`` (dim = 1)."""
    nd = index.ndim
    return tuple(index if d == dim else np.arange(n).reshape((n,) + (1,) * (nd - 1 - d))
                 for d, n in enumerate(index.shape))


def _check_along(op, input, dim, index, src=None):
    d = normalize_dim(dim, input.ndim, op)
    idx = _int_index(index, op, input.shape[d] if input.ndim else 1, d)
    if idx.ndim != input.ndim or any(
            i > n for k, (i, n) in enumerate(zip(idx.shape, input.shape)) if k != d) or (
            src is not None and (src.ndim != idx.ndim or any(
                i > n for i, n in zip(idx.shape, src.shape)))):
        extra = "" if src is None else f" and src of shape {list(src.shape)}"
        raise RuntimeError(f"{op}: index of shape {list(idx.shape)} must have the dims of the input "
                           f"of shape {list(input.shape)}{extra} and be no larger than them "
                           f"(except in dim {d} of the input)")
    return d, idx


def gather(input, dim, index):
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` (dim = 1); out has index's shape."""
    d, idx = _check_along("gather", input, dim, index)
    return Gather.apply(input, _along(idx, d), _INTS)


class ScatterAdd(Linear):
    @staticmethod
    def forward(ctx, x, index, shape, src):
        ctx.index, ctx.shape, ctx.src_shape = index, shape, src.shape
        out = x.copy()
        np.add.at(out, index, src[tuple(slice(0, n) for n in shape)] if src.shape != shape else src)
        return out

    @staticmethod
    def backward(ctx, g):
        gs = None
        if ctx.needs_input_grad[3]:
            gs = GetItem.apply(g, ctx.index, _INTS)
            if gs.shape != ctx.src_shape:
                from .join import ConstantPad

                widths = tuple((0, n - i) for i, n in zip(gs.shape, ctx.src_shape))
                gs = ConstantPad.apply(gs, widths, 0)
        return g, None, None, gs


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``out[i][index[i][j][k]][k] += src[i][j][k]`` (dim = 1)."""
    d, idx = _check_along("scatter_add", input, dim, index, src)
    return ScatterAdd.apply(input, _along(idx, d), idx.shape, src)


class MaskedFill(Op):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask
        return np.where(mask, value, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        mask = ctx.mask
        gx = MaskedFill.apply(g, mask, 0) if ctx.needs_input_grad[0] else None
        gv = MaskedFill.apply(g, ~mask, 0) if ctx.needs_input_grad[2] else None
        return gx, None, gv  # the engine sums gv to value's shape

    @staticmethod
    def jvp(ctx, tx, _, tv):
        return MaskedFill.apply(tx, ctx.mask, 0 if tv is None else tv)


def _mask(mask, op, shape):
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"{op}: the mask must be a bool tensor, got dtype {m.dtype}")
    if m.shape == shape:
        return m, shape
    try:
        bshape = np.broadcast_shapes(m.shape, shape)
    except ValueError:
        bshape = None
    return m, bshape


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` (a number or a 0-d tensor) where
    ``mask`` (bool, broadcast to input's shape) is True."""
    m, bshape = _mask(mask, "masked_fill", input.shape)
    if bshape != tuple(input.shape):
        raise RuntimeError(f"masked_fill: the mask of shape {list(m.shape)} cannot be broadcast to "
                           f"the input's shape {list(input.shape)}")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"masked_fill: value must be a number or a 0-d tensor, got a tensor of "
                           f"shape {list(value.shape)}")
    return MaskedFill.apply(input, m, value)


def masked_select(input, mask):
    """The 1-d tensor of the elements of ``input`` where ``mask`` is True
    (both broadcast to a common shape)."""
    m, bshape = _mask(mask, "masked_select", input.shape)
    if bshape is None:
        raise RuntimeError(f"masked_select: the mask of shape {list(m.shape)} and the input of "
                           f"shape {list(input.shape)} cannot be broadcast together")
    if bshape != tuple(input.shape):
        from .broadcast import broadcast_to

        input = broadcast_to(input, bshape)
    return GetItem.apply(input, (np.broadcast_to(m, bshape),), _MASK)


__all__ = ["narrow", "index_select", "gather", "scatter_add", "masked_fill", "masked_select"]
METHODS = {
    "__getitem__": getitem, "narrow": narrow, "index_select": index_select, "gather": gather,
    "scatter_add": scatter_add, "masked_fill": masked_fill, "masked_select": masked_select,
}
