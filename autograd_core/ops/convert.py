"""Copies and dtype casts: ``clone`` and ``to(dtype)``.

    y = clone(x)       ⇒ x̄ = ȳ
    y = x.to(dtype)    ⇒ x̄ = ȳ cast back to x's dtype (float → int casts cut the graph)
"""
import numpy as np

from ..function import Op


class Clone(Op):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class ToDtype(Op):
    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return (ToDtype.apply(g, ctx.dtype) if ctx.dtype.kind == "f" else None), None


def clone(input):
    """A copy of ``input`` that stays in the graph."""
    return Clone.apply(input)


def to_dtype(input, dtype):
    return ToDtype.apply(input, np.dtype(dtype))


__all__ = ["clone"]
METHODS = {"clone": clone}
