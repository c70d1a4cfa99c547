"""``autograd_core.linalg``: PyTorch's ``torch.linalg`` namespace.

It re-exports the ops (they live in ``ops/``): ``inv``, ``det``, ``slogdet``,
``solve``, ``cholesky`` (``ops/linalg_solve.py``), ``cross``
(``ops/distance.py``, default ``dim=-1`` as ``torch.linalg.cross``),
``matmul``, ``vecdot``, ``vector_norm`` and ``norm`` (vector norms; a matrix
``ord`` other than 'fro' is not supported), ``diagonal``, and
``LinAlgError``.
"""
from .ops.linalg import matmul
from .ops.linalg_solve import LinAlgError, cholesky, det, inv, slogdet, solve
from .ops.reduce_prod import norm as _norm
from .ops.triangular import diagonal as _diagonal


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """(Σ|x|ᵒʳᵈ)^(1/ord) over ``dim`` (all dims when None)."""
    return _norm(x, ord, dim, keepdim, dtype)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """The 2-norm of the flattened input (``ord=None``; the Frobenius norm of a
    matrix) or a vector norm of order ``ord`` over ``dim``."""
    if isinstance(ord, str) and ord != "fro":
        raise NotImplementedError(f"linalg.norm: the matrix norm {ord!r} is not supported")
    return _norm(A, 2 if ord is None or ord == "fro" else ord, dim, keepdim, dtype)


def vecdot(x, y, *, dim=-1):
    """Σ x y along ``dim`` (real tensors: no conjugation)."""
    return (x * y).sum(dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal ``offset`` of the last two dims (``torch.linalg.diagonal``)."""
    return _diagonal(A, offset, dim1, dim2)


def cross(input, other, *, dim=-1):
    """The cross product along ``dim`` (size 3), broadcasting the other dims."""
    from .ops.distance import cross as _cross

    return _cross(input, other, dim=dim)


__all__ = ["LinAlgError", "inv", "det", "slogdet", "solve", "cholesky", "cross", "matmul", "vecdot",
           "vector_norm", "norm", "diagonal"]
