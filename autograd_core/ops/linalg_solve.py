"""Inverses, determinants, linear solves and the Cholesky factor of (batches
of) square matrices: the ops behind ``autograd_core.linalg.inv``, ``det``,
``slogdet``, ``solve`` and ``cholesky``, and PyTorch's top-level
``inverse``, ``det``, ``logdet``, ``slogdet``, ``cholesky``.

With Y = A⁻¹ and ȳ the output gradient (per matrix of a batch; broadcast
batch dims are summed back by the engine):

    Y = A⁻¹                 ⇒  Ā = −Yᵀ Ȳ Yᵀ                   Ẏ = −Y Ȧ Y
    d = det A               ⇒  Ā = d̄ d A⁻ᵀ                    ḋ = d tr(A⁻¹ Ȧ)
    (s, l) = slogdet A      ⇒  Ā = l̄ A⁻ᵀ (s is a constant)    l̇ = tr(A⁻¹ Ȧ)
    X = A⁻¹ B               ⇒  B̄ = A⁻ᵀ X̄,  Ā = −B̄ Xᵀ          Ẋ = A⁻¹ (Ḃ − Ȧ X)
    L = chol(A), A = L Lᵀ   ⇒  Ā = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, with Φ(T) = ½(tril(T) + tril(T, −1)ᵀ)
                                (symmetric; the diagonal of tril(Lᵀ L̄) halved)
                               L̇ = L Ψ(L⁻¹ sym(Ȧ) L⁻ᵀ),  Ψ = tril with the diagonal halved

All backward rules are written with this file's own ops and matmul, so they
differentiate again. The Cholesky rules treat A as symmetric: only
sym(Ȧ) = ½(Ȧ + Ȧᵀ) moves L (numpy reads the lower triangle; the gradient
is the symmetric one, as PyTorch's). ``det``'s gradient at a singular
matrix is the transposed adjugate (from an SVD), a first-order rule only:
differentiating it again raises.

Singular or non-positive-definite inputs raise ``LinAlgError`` (a
``RuntimeError``, as ``torch.linalg.LinAlgError``).
"""
from collections import namedtuple

import numpy as np

from ..function import Op
from ..grad_mode import _state
from ..tensor import Tensor
from .linalg import matmul
from .shape import transpose
from .triangular import diag_embed, diagonal, tril


class LinAlgError(RuntimeError):
    """A matrix was singular or not positive-definite (``torch.linalg.LinAlgError``)."""


SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def _mT(x):
    return transpose(x, -2, -1)


def _square(A, op):
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(A).__name__}")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{' by '.join(map(str, A.shape[-2:])) if A.ndim >= 2 else A.ndim}-d "
                           f"(shape {list(A.shape)})")
    if A.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {A.dtype}")


def _lapack(fn, message, *arrays):
    """``fn(*arrays)`` (a numpy.linalg routine); its LinAlgError becomes ours, with PyTorch's ``message``."""
    try:
        return fn(*arrays)
    except np.linalg.LinAlgError:
        raise LinAlgError(message) from None


def _trace_product(M, T):
    """tr(Mᵀ T) per matrix: Σ_ij M_ij T_ij."""
    return (M * T).sum((-2, -1))


class Inv(Op):
    @staticmethod
    def forward(ctx, A):
        Y = _lapack(np.linalg.inv, "linalg.inv: the inversion could not be completed because the input matrix "
                    "is singular.", A)
        ctx.save_for_backward(Y)
        return Y

    @staticmethod
    def backward(ctx, g):
        (Y,) = ctx.saved_tensors
        Yt = _mT(Y)
        return -matmul(matmul(Yt, g), Yt)

    @staticmethod
    def jvp(ctx, t):
        (Y,) = ctx.saved_tensors
        return -matmul(matmul(Y, t), Y)


def inv(A):
    """A⁻¹ of a square matrix or of each in a batch (float)."""
    _square(A, "linalg.inv")
    return Inv.apply(A)


def _adjugate_t(a):
    """adj(A)ᵀ (the cofactor matrix) of each matrix, from an SVD: exact at singular matrices."""
    u, s, vt = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack([np.prod(np.delete(s, i, -1), -1) for i in range(n)], -1) if n else s
    sign = np.linalg.det(u) * np.linalg.det(vt)
    adj = np.swapaxes(vt, -1, -2) @ (others[..., :, None] * np.swapaxes(u, -1, -2))
    return np.swapaxes(adj * sign[..., None, None], -1, -2)


class Det(Op):
    @staticmethod
    def forward(ctx, A):
        d = np.asarray(np.linalg.det(A))
        ctx.save_for_backward(A, d)
        return d

    @staticmethod
    def backward(ctx, g):
        A, d = ctx.saved_tensors
        if np.all(d._data != 0):
            return (g * d)[..., None, None] * _mT(inv(A))
        if _state.grad:
            raise RuntimeError("det: the second derivative at a singular matrix is not supported")
        return g[..., None, None] * Tensor(_adjugate_t(A._data))

    @staticmethod
    def jvp(ctx, t):
        A, d = ctx.saved_tensors
        if np.all(d._data != 0):
            return d * _trace_product(_mT(inv(A)), t)
        return _trace_product(Tensor(_adjugate_t(A._data)), t)


def det(A):
    """det A of a square matrix or of each in a batch."""
    _square(A, "linalg.det")
    return Det.apply(A)


class Slogdet(Op):
    @staticmethod
    def forward(ctx, A):
        sign, logabs = np.linalg.slogdet(A)
        sign, logabs = np.asarray(sign), np.asarray(logabs)
        ctx.save_for_backward(A)
        ctx.mark_non_differentiable(sign)
        return sign, logabs

    @staticmethod
    def backward(ctx, _, g):
        (A,) = ctx.saved_tensors
        return g[..., None, None] * _mT(inv(A))

    @staticmethod
    def jvp(ctx, t):
        (A,) = ctx.saved_tensors
        return None, _trace_product(_mT(inv(A)), t)


def slogdet(A):
    """(sign, log|det A|): the sign (±1, 0 when singular) and the log of the absolute determinant."""
    _square(A, "linalg.slogdet")
    return SlogdetResult(*Slogdet.apply(A))


def logdet(A):
    """log det A: NaN where det A < 0, −inf where it is 0."""
    sign, logabs = slogdet(A)
    with np.errstate(divide="ignore", invalid="ignore"):
        return logabs + Tensor(np.log(sign._data))


class Solve(Op):
    @staticmethod
    def forward(ctx, A, B):
        X = _lapack(np.linalg.solve, "linalg.solve: The solver failed because the input matrix is singular.", A, B)
        ctx.save_for_backward(A, X)
        return X

    @staticmethod
    def backward(ctx, g):
        A, X = ctx.saved_tensors
        gB = Solve.apply(_mT(A), g)
        gA = -matmul(gB, _mT(X)) if ctx.needs_input_grad[0] else None
        return gA, gB if ctx.needs_input_grad[1] else None

    @staticmethod
    def jvp(ctx, tA, tB):
        A, X = ctx.saved_tensors
        return Solve.apply(A, tB - matmul(tA, X))


def solve(A, B, *, left=True):
    """X with A X = B (``left=False``: X A = B). B is a batch of vectors when
    it is 1-d or has the shape of A without its last dim; batch dims broadcast."""
    _square(A, "linalg.solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve: expected B to be a Tensor, got {type(B).__name__}")
    if B.dtype != A.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype} and B of type {B.dtype} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if not left:
        if vector:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported "
                               "for left=False")
        return _mT(solve(_mT(A), _mT(B)))
    Bm = B[..., None] if vector else B
    if Bm.ndim < 2 or Bm.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({'x'.join(map(str, A.shape[-2:]))} and {'x'.join(map(str, B.shape[-2:]))})")
    try:
        np.broadcast_shapes(tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"linalg.solve: the batch dims of A {list(A.shape)} and B {list(B.shape)} "
                           f"do not broadcast") from None
    X = Solve.apply(A, Bm)
    return X[..., 0] if vector else X


def _phi(T):
    """½(tril(T) + tril(T, −1)ᵀ): symmetric, with the diagonal of tril(T) halved."""
    return 0.5 * (tril(T) + _mT(tril(T, -1)))


class Cholesky(Op):
    @staticmethod
    def forward(ctx, A):
        L = _lapack(np.linalg.cholesky, "linalg.cholesky: The factorization could not be completed because the "
                    "input is not positive-definite.", A)
        ctx.save_for_backward(L)
        return L

    @staticmethod
    def backward(ctx, g):
        (L,) = ctx.saved_tensors
        P = _phi(tril(matmul(_mT(L), g)))
        Linv = inv(L)
        return matmul(matmul(_mT(Linv), P), Linv)

    @staticmethod
    def jvp(ctx, t):
        (L,) = ctx.saved_tensors
        Linv = inv(L)
        M = matmul(matmul(Linv, 0.5 * (t + _mT(t))), _mT(Linv))
        return matmul(L, tril(M, -1) + 0.5 * diag_embed(diagonal(M, 0, -2, -1)))


def cholesky(A, upper=False, *, out=None):
    """L lower triangular with A = L Lᵀ for a symmetric positive-definite A
    (``upper``: U = Lᵀ with A = Uᵀ U). Reads the lower triangle of A."""
    if out is not None:
        raise TypeError("cholesky: out= is not supported")
    _square(A, "linalg.cholesky")
    L = Cholesky.apply(A)
    return _mT(L) if upper else L


inverse = inv

__all__ = ["inverse", "det", "logdet", "slogdet", "cholesky"]
METHODS = {"inverse": inverse, "det": det, "logdet": logdet, "slogdet": slogdet, "cholesky": cholesky}
