"""Products and distances built from pairs of tensors: ``cross``, ``kron``,
``cartesian_prod`` and ``cdist``, composed from differentiable ops (their
gradients, second derivatives and tangents follow from those):

    cross(a, b)_i = a_{i+1} b_{i+2} − a_{i+2} b_{i+1}   (indices mod 3, along ``dim``)
    kron(a, b)[i·m + k] = a[i] b[k]                     (per dim; an outer product reshaped)
    cartesian_prod(x₁..xₖ) = the rows (x₁[i₁], ..., xₖ[iₖ]) in row-major order of (i₁..iₖ)
    cdist(x₁, x₂, p)[.., i, j] = ‖x₁[.., i, :] − x₂[.., j, :]‖_p

``cdist``'s gradient is that of ``norm``: for p = 2 it is 0 where two rows
coincide (PyTorch's subgradient), for p = ∞ ties share it. The distances are
computed directly (PyTorch may switch to a matrix-product formula for
p = 2 on large inputs, which is faster and less accurate).
"""
import operator
import warnings

import numpy as np

from ..tensor import Tensor
from ._util import normalize_dim
from .broadcast import broadcast_to
from .convert import clone
from .index import index_select
from .join import stack
from .reduce_prod import norm
from .shape import reshape


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (both broadcast first);
    ``dim=None`` takes the first dim of size 3 (deprecated in PyTorch, which warns)."""
    try:
        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    except ValueError:
        raise RuntimeError(f"linalg.cross: shapes {list(input.shape)} and {list(other.shape)} "
                           f"cannot be broadcast") from None
    if dim is None:
        dims = [d for d, n in enumerate(shape) if n == 3]
        if not dims:
            raise RuntimeError(f"no dimension of size 3 in input of shape {list(shape)}")
        warnings.warn("cross: using the first dim of size 3 because dim was not given; pass dim", UserWarning,
                      stacklevel=2)
        dim = dims[0]
    d = normalize_dim(dim, len(shape), "cross")
    if input.shape[d if input.ndim == len(shape) else d - len(shape) + input.ndim] != 3 or shape[d] != 3 or (
            other.shape[d - len(shape) + other.ndim] != 3):
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{list(input.shape)} and {list(other.shape)}")
    a, b = broadcast_to(input, shape), broadcast_to(other, shape)
    i1, i2 = np.array([1, 2, 0]), np.array([2, 0, 1])
    return (index_select(a, d, i1) * index_select(b, d, i2)
            - index_select(a, d, i2) * index_select(b, d, i1))


def kron(input, other):
    """The Kronecker product: the block tensor of the blocks input[i] · other."""
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    a = reshape(input, tuple(x for s in sa for x in (s, 1)))
    b = reshape(other, tuple(x for s in sb for x in (1, s)))
    return reshape(a * b, tuple(i * j for i, j in zip(sa, sb)))


def cartesian_prod(*tensors):
    """The rows of every combination of one element from each 1-d tensor (k tensors: k columns)."""
    from .split_stack import meshgrid

    for t in tensors:
        if not isinstance(t, Tensor) or t.ndim != 1:
            raise RuntimeError("cartesian_prod expects 1D tensors, got "
                               + (f"a tensor of shape {list(t.shape)}" if isinstance(t, Tensor) else
                                  type(t).__name__))
    if len(tensors) == 1:
        return tensors[0] * 1 if tensors[0].dtype.kind == "f" else clone(tensors[0])  # an op: replayed
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distances between the rows of x1 (.., P, M) and of x2 (.., R, M): (.., P, R)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    if x1.dtype.kind != "f" or x2.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}, X2 got: {x2.dtype}")
    p = float(operator.index(p)) if isinstance(p, (int, np.integer)) else float(p)
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    diff = x1[..., :, None, :] - x2[..., None, :, :]
    if diff.shape[-1] == 0:
        return Tensor(np.zeros(diff.shape[:-1], diff.dtype)) + diff.sum(-1)
    return norm(diff, p, -1)


__all__ = ["cross", "kron", "cartesian_prod", "cdist"]
METHODS = {"cross": cross, "kron": kron}
