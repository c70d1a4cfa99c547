"""Matrix products: ``matmul`` (and ``@``), ``mm``, ``bmm``, ``mv``, ``dot`` and
``outer`` (``einsum`` is in ``einsum_op.py``).

``matmul`` follows numpy/PyTorch: 2-D operands are matrices, leading dims of
N-D operands are batch dims that broadcast, a 1-D left operand is a row
vector (its dim is dropped from the result) and a 1-D right operand a
column vector. With ``C = A B`` (per batch element),

    Ā = C̄ Bᵀ        B̄ = Aᵀ C̄

A matrix operand stored column-major (such as ``W.T`` in ``x @ W.T``) gets
its gradient as the transpose of the transposed product, Ā = (B C̄ᵀ)ᵀ or
B̄ = (C̄ᵀ A)ᵀ, so that the gradient has the operand's memory layout (and
``W.grad`` is row-major like ``W``, with no copy). The backward promotes a
1-D operand (and the matching dim of C̄) to a matrix, applies these rules,
and drops the added dim again, so that the gradient of a vector is a
vector; the engine then sums broadcast batch dims back to each operand's
shape. ``outer(a, b) = a bᵀ`` has ā = C̄ b, b̄ = C̄ᵀ a.

Forward mode (product rule): Ċ = Ȧ B + A Ḃ, with numpy's own 1-D and
broadcasting rules (so no promotion is needed), and d(a bᵀ) = ȧ bᵀ + a ḃᵀ.
A term whose tangent is all zeros (an operand without a tangent) is skipped.
Products use ``kernels.matmul``: ``numpy.matmul`` (BLAS), but numba loops
for batches of 2x2 matrices, where they measured faster.
"""
import numpy as np

from ..function import Op
from ..kernels.matmul import matmul as kernel_matmul
from ..tensor import Tensor
from .broadcast import sum_to_shape
from .shape import Transpose, reshape


class MatMul(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return kernel_matmul(a, b)  # BLAS, or the numba loops for batches of tiny matrices

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a1, b1 = a.ndim == 1, b.ndim == 1
        gshape = g.shape
        if b1:  # C̄ (..., r) -> (..., r, 1); B (n,) -> (n, 1)
            gshape = gshape + (1,)
            b = reshape(b, (b.shape[0], 1))
        if a1:  # C̄ (..., m) -> (..., 1, m); A (n,) -> (1, n)
            gshape = gshape[:-1] + (1,) + gshape[-1:]
            a = reshape(a, (1, a.shape[0]))
        if a1 or b1:
            g = reshape(g, gshape)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            if _transposed(a, g):  # Ā = (B C̄ᵀ)ᵀ: the gradient in the layout of A
                ga = _mT(MatMul.apply(b, _mT(g)))
            else:
                ga = MatMul.apply(g, _mT(b))  # (..., r, n)
            if a1:
                ga = reshape(ga, ga.shape[:-2] + ga.shape[-1:])
        if ctx.needs_input_grad[1]:
            if _transposed(b, g):  # B̄ = (C̄ᵀ A)ᵀ, e.g. for B = Wᵀ in x Wᵀ
                gb = _mT(MatMul.apply(_mT(g), a))
            else:
                gb = MatMul.apply(_mT(a), g)  # (..., n, c)
            if b1:
                gb = reshape(gb, gb.shape[:-1])
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        return product_rule(MatMul, a, b, ta, tb)


class Addmm(Op):
    """y = x Wᵀ + b for x (N, in), W (out, in), b (out,) of one dtype: a
    linear layer's product and bias as one op (PyTorch's ``addmm`` of b, x
    and Wᵀ; its node is ``AddmmBackward0``), where Wᵀ, the product and the
    bias add would be three nodes.

        x̄ = ȳ W        W̄ = ȳᵀ x        b̄ = Σ_n ȳ_n
        ẏ = ẋ Wᵀ + ḃ + x Ẇᵀ

    The forward, the products and the bias sum are the ones the three ops
    take (``kernels.matmul``, numpy's add, ``sum_to_shape``), in the same
    layouts (a column-major x gets the transposed product), so the values
    are theirs bit for bit."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        y = kernel_matmul(x, w.T)
        y += b  # in place: the product is a fresh array (the same sums as product + b)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gx = _mT(MatMul.apply(_mT(w), _mT(g))) if _transposed(x, g) else MatMul.apply(g, w)
        if need[1]:
            gw = MatMul.apply(_mT(g), x)
        if need[2]:
            gb = sum_to_shape(g, (g.shape[1],))
        return gx, gw, gb

    @staticmethod
    def jvp(ctx, tx, tw, tb):
        x, w = ctx.saved_tensors
        return Addmm.apply(tx, w, tb) + MatMul.apply(x, _mT(tw))


class Outer(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.multiply.outer(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = MatMul.apply(g, b) if ctx.needs_input_grad[0] else None
        gb = MatMul.apply(a, g) if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        return product_rule(Outer, a, b, ta, tb)


def product_rule(op, a, b, ta, tb, *rest):
    """op(ȧ, b, *rest) + op(a, ḃ, *rest) for an ``op`` bilinear in its first
    two arguments (``rest`` its other arguments), leaving out zero tangents
    (the tangent of an input that has none is zeros)."""
    out = None
    if ta._data.any():
        out = op.apply(ta, b, *rest)
    if tb._data.any():
        term = op.apply(a, tb, *rest)
        out = term if out is None else out + term
    return op.apply(ta, b, *rest) if out is None else out


def _mT(x):
    """xᵀ of a matrix or of each matrix in a batch (a view): ``transpose(x, -2, -1)`` without its
    argument checks (x has at least 2 dims here; this runs twice per linear layer's backward)."""
    n = x.ndim
    return Transpose.apply(x, (1, 0) if n == 2 else tuple(range(n - 2)) + (n - 1, n - 2))


def _transposed(x, g):
    """Whether x is a matrix stored transposed (column-major), with g a matrix:
    its gradient is then computed as a transposed product, so that it has
    x's layout and, for x = Wᵀ, W's own."""
    f = x._data.flags
    return x.ndim == 2 and g.ndim == 2 and f.f_contiguous and not f.c_contiguous


def _operand(x, op):
    """A tensor argument of a product (numpy arrays are accepted as constants)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor(x)
    raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")


def _check_dtypes(op, a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, "
                           f"got {a._data.dtype} and {b._data.dtype}")


def _mismatch(op, a, b, k1, k2):
    return RuntimeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
                        f"({k1} != {k2})")


def _check_inner(op, a, b):
    """The contracted dims agree: the last of ``a`` and the second-to-last of ``b`` (its only one if 1-D)."""
    k1, k2 = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k1 != k2:
        raise _mismatch(op, a, b, k1, k2)


def _ranked(input, other, op, ndims, what, same_length=False):
    """Both operands of ``op`` as tensors, checked to have the ranks ``ndims`` (and, with
    ``same_length``, the same length) and then one dtype."""
    a, b = _operand(input, op), _operand(other, op)
    if (a.ndim, b.ndim) != ndims or same_length and a.shape[0] != b.shape[0]:
        raise RuntimeError(f"{op}: expected {what}, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    _check_dtypes(op, a, b)
    return a, b


def matmul(input, other):
    """Matrix product with numpy's rules for 1-D operands and broadcast batch dims."""
    a, b = _operand(input, "matmul"), _operand(other, "matmul")
    sa, sb = a._data.shape, b._data.shape
    if not sa or not sb:
        raise RuntimeError(f"matmul: both arguments need to be at least 1D, but they are "
                           f"{len(sa)}D and {len(sb)}D")
    _check_dtypes("matmul", a, b)
    k2 = sb[-2] if len(sb) > 1 else sb[0]
    if sa[-1] != k2:
        raise _mismatch("matmul", a, b, sa[-1], k2)
    try:
        return MatMul.apply(a, b)
    except ValueError:  # the contraction dims agree: only the batch dims can clash
        raise RuntimeError(f"matmul: the batch dims of shapes {sa} and {sb} cannot be broadcast "
                           f"({sa[:-2]} and {sb[:-2]})") from None


def mm(input, mat2):
    """Product of two matrices (2-D only, no broadcasting)."""
    a, b = _ranked(input, mat2, "mm", (2, 2), "2-D tensors")
    _check_inner("mm", a, b)
    return MatMul.apply(a, b)


def bmm(input, mat2):
    """Batched product of (B, n, m) and (B, m, p) tensors (no broadcasting)."""
    a, b = _ranked(input, mat2, "bmm", (3, 3), "3-D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: shapes {tuple(a.shape)} and {tuple(b.shape)} have different batch "
                           f"sizes ({a.shape[0]} != {b.shape[0]})")
    _check_inner("bmm", a, b)
    return MatMul.apply(a, b)


def mv(input, vec):
    """Product of a matrix (n, m) and a vector (m,)."""
    a, b = _ranked(input, vec, "mv", (2, 1), "a 2-D matrix and a 1-D vector")
    _check_inner("mv", a, b)
    return MatMul.apply(a, b)


def dot(input, other):
    """Inner product of two 1-D tensors of the same length."""
    a, b = _ranked(input, other, "dot", (1, 1), "two 1-D tensors of the same length", same_length=True)
    return MatMul.apply(a, b)


def outer(input, vec2):
    """Outer product of two 1-D tensors: out[i, j] = input[i] · vec2[j]."""
    a, b = _ranked(input, vec2, "outer", (1, 1), "two 1-D tensors")
    return Outer.apply(a, b)


def _matmul_op(self, other):
    if not isinstance(other, (Tensor, np.ndarray)):
        return NotImplemented
    return matmul(self, other)


def _rmatmul_op(self, other):
    if not isinstance(other, np.ndarray):
        return NotImplemented
    return matmul(other, self)


ger = outer

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "ger"]
METHODS = {
    "matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "outer": outer, "ger": outer,
    "__matmul__": _matmul_op, "__rmatmul__": _rmatmul_op,
}
