"""Triangles and diagonals: ``tril``, ``triu`` (and in place ``tril_``,
``triu_``), ``tril_indices``, ``triu_indices``, ``diagonal``, ``diag_embed``,
``diag`` and ``trace``.

Every op here keeps or moves entries without arithmetic, so all are linear
(``Linear`` ops: the tangent goes through the op itself) and each backward is
another op of this file:

    y = tril(x, k)                 ⇒  x̄ = tril(ȳ, k)      (same for triu: masking is self-adjoint)
    y = diagonal(x, k, d1, d2)     ⇒  x̄ = zeros(x.shape) with ȳ written on that diagonal
    y = diagonal_scatter(g, ...)   ⇒  ḡ = diagonal(ȳ, k, d1, d2)
    diag_embed(x, k, d1, d2)       =  diagonal_scatter(x) into zeros of the embedding shape
    trace(x) = Σ diagonal(x)       ⇒  x̄ = I ȳ

``diagonal`` returns a view, as PyTorch's: writing into it (``A.diagonal().add_(eps)``)
writes into the input when no gradient is being recorded; on a tensor that requires
grad such an in-place op raises (only views made by indexing are rewritten,
``copy_slices.py``). ``diag`` of a matrix returns a copy, as PyTorch's.
"""
import operator

import numpy as np

from ..function import Linear
from ..tensor import Tensor
from ._adjoint import ArgLinear
from ._util import normalize_dim


def _matrix(input, op):
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape {list(input.shape)}")


class Tril(ArgLinear):
    _f = staticmethod(np.tril)


class Triu(ArgLinear):
    _f = staticmethod(np.triu)


Tril._adjoint, Triu._adjoint = Tril, Triu  # masking is self-adjoint


def tril(input, diagonal=0):
    """The lower triangle of the last two dims: y_ij = x_ij if j − i ≤ diagonal, else 0."""
    _matrix(input, "tril")
    return Tril.apply(input, operator.index(diagonal))


def triu(input, diagonal=0):
    """The upper triangle of the last two dims: y_ij = x_ij if j − i ≥ diagonal, else 0."""
    _matrix(input, "triu")
    return Triu.apply(input, operator.index(diagonal))


def tril_(self, diagonal=0):
    return self._inplace(lambda s: tril(s, diagonal))


def triu_(self, diagonal=0):
    return self._inplace(lambda s: triu(s, diagonal))


def _indices(fn, row, col, offset, dtype, op):
    row, col, offset = operator.index(row), operator.index(col), operator.index(offset)
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row and col must be non-negative, got {row} and {col}")
    dt = np.dtype(dtype if dtype is not None else np.int64)
    if dt.kind not in "iu":
        raise RuntimeError(f"{op}: dtype must be an integer type, got {dt}")
    r, c = fn(row, offset, col) if row and col else (np.zeros(0, int), np.zeros(0, int))
    return Tensor(np.stack([r, c]).astype(dt))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The 2 × N (row, column) coordinates of the lower triangle of a row × col
    matrix (j − i ≤ offset), in row-major order."""
    return _indices(np.tril_indices, row, col, offset, dtype, "tril_indices")


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The 2 × N (row, column) coordinates of the upper triangle (j − i ≥ offset), row-major."""
    return _indices(np.triu_indices, row, col, offset, dtype, "triu_indices")


def _diag_coords(n1, n2, offset):
    """The (rows, cols) of diagonal ``offset`` of an n1 × n2 matrix."""
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    a = np.arange(length)
    return a + max(-offset, 0), a + max(offset, 0)


def _diagonal_view(x, offset, d1, d2):
    """The diagonal as a writable view of ``x`` (numpy's own ``diagonal`` view is read-only)."""
    moved = np.moveaxis(x, (d1, d2), (-2, -1))
    rows, cols = _diag_coords(x.shape[d1], x.shape[d2], offset)
    start = moved[..., max(-offset, 0):, max(offset, 0):]
    return np.lib.stride_tricks.as_strided(start, start.shape[:-2] + (rows.size,),
                                           start.strides[:-2] + (start.strides[-2] + start.strides[-1],))


class Diagonal(Linear):
    _is_view = True  # as PyTorch's: writing into it writes into the input

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.offset, ctx.d1, ctx.d2 = x.shape, offset, d1, d2
        return _diagonal_view(x, offset, d1, d2)

    @staticmethod
    def backward(ctx, g):
        return DiagonalScatter.apply(g, ctx.shape, ctx.offset, ctx.d1, ctx.d2), None, None, None


class DiagCopy(Diagonal):
    """``diag`` of a matrix: the diagonal as a new tensor (a copy, as PyTorch's ``diag``)."""

    _is_view = False

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.offset, ctx.d1, ctx.d2 = x.shape, offset, d1, d2
        return np.diagonal(x, offset, d1, d2).copy()


class DiagonalScatter(Linear):
    """zeros(shape) with ``g`` (diagonal last) written on diagonal ``offset`` of dims d1, d2."""

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.offset, ctx.d1, ctx.d2 = offset, d1, d2
        out = np.zeros(shape, g.dtype)
        moved = np.moveaxis(out, (d1, d2), (-2, -1))  # a writable view
        rows, cols = _diag_coords(shape[d1], shape[d2], offset)
        moved[..., rows, cols] = g
        return out

    @staticmethod
    def backward(ctx, g):
        return Diagonal.apply(g, ctx.offset, ctx.d1, ctx.d2), None, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of the matrices in dims ``dim1``, ``dim2``
    (x[..., i, i + offset] for offset ≥ 0), appended as the last dim."""
    d1, d2 = normalize_dim((dim1, dim2), input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, operator.index(offset), d1, d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor with one more dim whose diagonal ``offset`` in dims ``dim1``,
    ``dim2`` holds the last dim of ``input``; zeros elsewhere."""
    n = input.ndim + 1
    d1, d2 = normalize_dim((dim1, dim2), n, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = operator.index(offset)
    *rest, m = input.shape if input.ndim else (1,)
    size = m + abs(offset)
    shape = list(rest)
    for d in sorted((d1, d2)):
        shape.insert(d, size)
    return DiagonalScatter.apply(input, tuple(shape), offset, d1, d2)


def diag(input, diagonal=0):
    """A 1-d input becomes the square matrix with it on diagonal ``diagonal``;
    a 2-d input gives its diagonal ``diagonal`` as a 1-d tensor."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return DiagCopy.apply(input, operator.index(diagonal), 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def trace(input):
    """Σ_i x_ii of a 2-d input (integers sum to int64, as PyTorch)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return Diagonal.apply(input, 0, 0, 1).sum()


# ``trace`` is a Tensor method only: ``autograd_core.trace`` is the evaluation trace (tracing/)
__all__ = ["tril", "triu", "tril_indices", "triu_indices", "diagonal", "diag_embed", "diag"]
METHODS = {"tril": tril, "triu": triu, "tril_": tril_, "triu_": triu_, "diagonal": diagonal,
           "diag_embed": diag_embed, "diag": diag, "trace": trace}
