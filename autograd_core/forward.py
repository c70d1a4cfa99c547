"""Forward mode.

A tensor may carry a tangent ẋ (a direction in input space). Every op with a
``jvp`` rule maps the tangents of its inputs to the tangent of its output,

    y = f(x₁, …, xₖ)   ⇒   ẏ = Σᵢ ∂f/∂xᵢ · ẋᵢ

so one forward evaluation of a function on ``dual(x, v)`` gives f(x) and the
Jacobian-vector product J·v together, without recording a graph.

    x = ag.forward.dual(ag.tensor([2.0, 5.0]), ag.tensor([1.0, 0.0]))
    y = ag.log(x[0]) + x[0] * x[1] - ag.sin(x[1])
    primal, tangent = ag.forward.unpack_dual(y)     # 11.652, 5.5 = ∂y/∂x₁
"""
import numpy as np

from .function import _primal
from .tensor import Tensor


def dual(primal, tangent):
    """A tensor with the values of ``primal`` carrying ``tangent`` (same shape;
    cast to the primal's dtype). It shares data and graph with ``primal``."""
    if not isinstance(primal, Tensor):
        primal = Tensor(primal)
    if primal.data.dtype.kind != "f":
        raise TypeError(f"dual: the primal must be a floating point tensor, got {primal.dtype}")
    tangent = tangent.data if isinstance(tangent, Tensor) else np.asarray(tangent)
    if tangent.shape != primal.data.shape:
        raise ValueError(f"dual: the tangent's shape {tangent.shape} differs from the primal's "
                         f"shape {primal.data.shape}")
    out = _primal(primal)
    out._tangent = Tensor(tangent.astype(primal.data.dtype, copy=False))
    return out


def unpack_dual(tensor):
    """``(primal, tangent)`` of a tensor; the tangent is None when it carries none."""
    if tensor._tangent is None:
        return tensor, None
    return _primal(tensor), tensor._tangent
