"""``ArgLinear``: the base of the ops y = f(x, a), linear in x with one
non-tensor argument a (a diagonal offset, the dims to flip, the axis of a
cumulative sum), whose adjoint is an op of the same kind with the same a:

    y = f(x, a)   ⇒   x̄ = f*(ȳ, a),   ẏ = f(ẋ, a)   (``Linear``)

A subclass names f in ``_f`` (a staticmethod) and, once both classes exist,
its adjoint's class in ``_adjoint`` (itself for a self-adjoint f, such as a
mask or a flip).
"""
from ..function import Linear


class ArgLinear(Linear):
    _f = None  # f(x, a) on arrays
    _adjoint = None  # the op class of f*

    @staticmethod
    def forward(ctx, x, arg):
        ctx.arg = arg
        return ctx._f(x, arg)

    @staticmethod
    def backward(ctx, g):
        return ctx._adjoint.apply(g, ctx.arg), None
