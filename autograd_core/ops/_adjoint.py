"""Bases of the ops y = f(x, a), linear in x with one non-tensor argument a
(a diagonal offset, the dims to flip, the axis of a cumulative sum, a pooling
or patch geometry, the repeat sizes), whose backward is their adjoint f*, an
op of the same kind with the same a (``Linear``: the tangent is ẏ = f(ẋ, a)):

    ArgLinear:           y = f(x, a)            ⇒  x̄ = f*(ȳ, a)
    ShapedArgLinear:     y = f(x, a)            ⇒  x̄ = f*(ȳ, a, x.shape)   (f* an ``ArgLinearAdjoint``)
    ArgLinearAdjoint:    x = f*(y, a, shape)    ⇒  ȳ = f(x̄, a)

A subclass names its array function in ``_f`` (a staticmethod) and, once both
classes exist, its adjoint's class in ``_adjoint`` (itself for a self-adjoint
f, such as a mask or a flip).
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


class ShapedArgLinear(ArgLinear):
    """An f whose adjoint needs the input's shape (f is not onto it: pooling, tiling, patches)."""

    @staticmethod
    def forward(ctx, x, arg):
        ctx.arg, ctx.x_shape = arg, x.shape
        return ctx._f(x, arg)

    @staticmethod
    def backward(ctx, g):
        return ctx._adjoint.apply(g, ctx.arg, ctx.x_shape), None


class ArgLinearAdjoint(Linear):
    """f*(y, a, shape), into an array of ``shape``; its adjoint is f(·, a)."""

    _f = None  # f*(y, a, shape) on arrays
    _adjoint = None  # the op class of f

    @staticmethod
    def forward(ctx, g, arg, shape):
        ctx.arg = arg
        return ctx._f(g, arg, shape)

    @staticmethod
    def backward(ctx, h):
        return ctx._adjoint.apply(h, ctx.arg), None, None
