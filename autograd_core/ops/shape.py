"""Shape ops: ``reshape``/``view``/``flatten``/``unflatten``/``squeeze``/
``unsqueeze`` and ``permute``/``transpose``/``t``/``T``/``mT``/``movedim``
(``repeat``/``tile`` and ``flip`` are in ``shape_tile.py``).

They move elements without changing them, so each backward moves the
gradient back the inverse way:

    y = reshape(x, s)     ⇒  x̄ = reshape(ȳ, x.shape)   (view, squeeze, unsqueeze,
                                                          flatten, unflatten too)
    y = permute(x, p)     ⇒  x̄ = permute(ȳ, p⁻¹)        (transpose is its own inverse)

They are linear (``Linear`` ops), so the forward-mode tangent moves the same
way as the values: ẏ = reshape(ẋ, s), ẏ = permute(ẋ, p); only ``view``
reshapes its tangent instead (a tangent need not be contiguous).

They return numpy views: their output shares memory and the version
counter with the input (``_is_view``); ``reshape`` is a view when numpy can
reshape without a copy, and ``view`` raises when it cannot.
"""
import operator

import numpy as np

from ..function import Linear
from ._util import normalize_dim


def _sizes(args, name="shape"):
    """``f(2, 3)`` or ``f((2, 3))`` → ``(2, 3)``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    try:
        return tuple(operator.index(a) for a in args)
    except TypeError:
        raise TypeError(f"{name} must be ints or a tuple of ints, got {args!r}") from None


class Reshape(Linear):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            out = x.reshape(shape)
        except ValueError:
            raise RuntimeError(f"{type(ctx).__name__.lower()}: shape {list(shape)} is invalid for "
                               f"input of shape {list(x.shape)} (size {x.size})") from None
        ctx._is_view = np.may_share_memory(out, x)
        ctx.out_shape = out.shape
        return out

    @staticmethod
    def backward(ctx, g):
        return Reshape.apply(g, ctx.shape), None


class View(Reshape):
    @staticmethod
    def forward(ctx, x, shape):
        out = Reshape.forward(ctx, x, shape)
        if out.size and not ctx._is_view:
            raise RuntimeError(f"view: shape {list(shape)} is not compatible with the strides of the "
                               f"input of shape {list(x.shape)} (it is not contiguous); "
                               f"use .reshape(...) instead")
        return out

    @staticmethod
    def jvp(ctx, t, _):  # a reshape, not a view: the tangent may not be contiguous
        return Reshape.apply(t, ctx.out_shape)


class Squeeze(Reshape):
    pass


class Unsqueeze(Reshape):
    pass


def reshape(input, shape):
    """The elements of ``input`` in a tensor of ``shape`` (one size may be -1);
    a view when numpy can avoid a copy."""
    return Reshape.apply(input, _sizes((shape,)))


def _reshape_method(self, *shape):
    """``x.reshape(2, -1)`` or ``x.reshape((2, -1))``."""
    return Reshape.apply(self, _sizes(shape))


def view(input, *shape):
    """``x.view(2, -1)`` / ``x.view((2, -1))``: a reshape that must be a view."""
    return View.apply(input, _sizes(shape))


def view_as(input, other):
    return View.apply(input, tuple(other.shape))


def reshape_as(input, other):
    return Reshape.apply(input, tuple(other.shape))


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (a 0-d tensor becomes 1-d)."""
    shape = input.shape
    if not shape:
        return Reshape.apply(input, (1,))
    s, e = normalize_dim((start_dim, end_dim), len(shape), "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    return Reshape.apply(input, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one may be -1)."""
    shape = input.shape
    d = normalize_dim(dim, len(shape), "unflatten")
    sizes = _sizes((sizes,), "sizes")
    known = int(np.prod([s for s in sizes if s != -1]))
    n = shape[d]
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or (
            -1 in sizes and (known == 0 or n % known)):
        raise RuntimeError(f"unflatten: sizes {list(sizes)} do not multiply to the size {n} of dim "
                           f"{dim} of the input of shape {list(shape)}")
    if -1 in sizes:
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    return Reshape.apply(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input, dim=None):
    """Remove dims of size 1 (all of them, or those of ``dim``, an int or a
    tuple; a named dim whose size is not 1 is kept, as in PyTorch)."""
    shape = input.shape
    if dim is None:
        dims = range(len(shape))
    else:
        dims = normalize_dim(dim if isinstance(dim, (tuple, list)) else (dim,), len(shape), "squeeze")
    drop = {d for d in dims if d < len(shape) and shape[d] == 1}
    return Squeeze.apply(input, tuple(n for i, n in enumerate(shape) if i not in drop))


def unsqueeze(input, dim):
    """Insert a dim of size 1 at ``dim`` (in [-ndim-1, ndim])."""
    shape = input.shape
    d = normalize_dim(dim, len(shape) + 1, "unsqueeze")
    return Unsqueeze.apply(input, shape[:d] + (1,) + shape[d:])


class Permute(Linear):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inv = tuple(int(i) for i in np.argsort(ctx.dims))
        return Permute.apply(g, inv), None


class Transpose(Permute):
    @staticmethod
    def backward(ctx, g):
        return Transpose.apply(g, ctx.dims), None  # a swap is its own inverse


def permute(input, dims):
    """Reorder the dims: output dim i is input dim ``dims[i]``."""
    n = input.ndim
    dims = normalize_dim(_sizes((dims,), "dims"), n, "permute")
    if len(dims) != n or len(set(dims)) != n:
        raise RuntimeError(f"permute: dims {list(dims)} are not a permutation of the {n} dims of the "
                           f"input of shape {list(input.shape)}")
    return Permute.apply(input, dims)


def _permute_method(self, *dims):
    """``x.permute(1, 0, 2)`` or ``x.permute((1, 0, 2))``."""
    return permute(self, _sizes(dims, "dims"))


def transpose(input, dim0, dim1):
    """Swap dims ``dim0`` and ``dim1`` (a view)."""
    n = input.ndim
    a, b = normalize_dim((dim0, dim1), n, "transpose")
    dims = list(range(n))
    if n:
        dims[a], dims[b] = dims[b], dims[a]
    return Transpose.apply(input, tuple(dims))


swapaxes = swapdims = transpose


def t(input):
    """Transpose of a matrix; 0-d and 1-d tensors are returned as they are (a view)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but the input has shape "
                           f"{list(input.shape)}; use transpose(dim0, dim1) or mT")
    return Transpose.apply(input, tuple(range(input.ndim))[::-1])


def _T(self):
    """All dims reversed (numpy's ``.T``)."""
    return Permute.apply(self, tuple(range(self.ndim))[::-1])


def _mT(self):
    """The last two dims swapped (a batch of matrices transposed)."""
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices; got a "
                           f"tensor of shape {list(self.shape)}")
    return transpose(self, -2, -1)


def movedim(input, source, destination):
    """Move dims ``source`` (int or tuple) to the positions ``destination``."""
    n = input.ndim
    src = normalize_dim(source if isinstance(source, (tuple, list)) else (source,), n, "movedim")
    dst = normalize_dim(destination if isinstance(destination, (tuple, list)) else (destination,),
                        n, "movedim")
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: source {source} and destination {destination} must be "
                           f"sequences of distinct dims of the same length")
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Permute.apply(input, tuple(order))


moveaxis = movedim


__all__ = ["reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose",
           "swapaxes", "swapdims", "t", "movedim", "moveaxis"]
METHODS = {
    "reshape": _reshape_method,
    "view": view, "view_as": view_as, "reshape_as": reshape_as, "flatten": flatten,
    "unflatten": unflatten, "squeeze": squeeze, "unsqueeze": unsqueeze,
    "permute": _permute_method, "transpose": transpose, "swapaxes": transpose,
    "swapdims": transpose, "t": t, "T": property(_T), "mT": property(_mT),
    "movedim": movedim, "moveaxis": movedim,
}
