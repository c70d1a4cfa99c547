"""Copies and dtype casts: ``clone`` and ``to(dtype)``.

    y = clone(x)       ⇒ x̄ = ȳ,                          ẏ = clone(ẋ)
    y = x.to(dtype)    ⇒ x̄ = ȳ cast back to x's dtype,   ẏ = ẋ cast to dtype

Casts to an integer or bool dtype cut the graph (no gradient, no tangent);
an integer input has no tangent, so an int → float cast starts with none.
"""
import numpy as np

from ..function import Linear, Op


class Clone(Linear):
    """Linear: the jvp is the op applied to the tangent."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class ToDtype(Op):
    @staticmethod
    def forward(ctx, x, dtype):
        out = x.astype(dtype)
        ctx.dtype, ctx.to = x.dtype, out.dtype
        return out

    @staticmethod
    def backward(ctx, g):
        return (ToDtype.apply(g, ctx.dtype) if ctx.dtype.kind == "f" else None), None

    @staticmethod
    def jvp(ctx, t, _):
        if ctx.dtype.kind != "f" or ctx.to.kind != "f":
            return None
        return ToDtype.apply(t, ctx.to)


def clone(input):
    """A copy of ``input`` that stays in the graph."""
    return Clone.apply(input)


def to_dtype(input, dtype):
    return ToDtype.apply(input, np.dtype(dtype))


__all__ = ["clone"]
METHODS = {"clone": clone}
