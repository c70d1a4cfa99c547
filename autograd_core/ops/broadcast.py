"""Broadcasting as ops: ``broadcast_to``/``expand`` and its adjoint
``sum_to_shape``, which the engine uses to undo broadcasting in one place.

    y = broadcast_to(x, S)   ⇒   x̄ = sum_to_shape(ȳ, x.shape),   ẏ = broadcast_to(ẋ, S)
    y = sum_to_shape(x, s)   ⇒   x̄ = broadcast_to(ȳ, x.shape),   ẏ = sum_to_shape(ẋ, s)

(both are ``Linear`` ops: the tangent goes through the op itself, and only
backward, the adjoint, is written).
"""
import numpy as np

from ..function import Linear


def _reduced_axes(shape, target):
    """Axes of ``shape`` to sum so that the result has shape ``target``."""
    lead = len(shape) - len(target)
    if lead < 0:
        raise ValueError(f"cannot sum shape {shape} to the larger shape {target}")
    axes = list(range(lead))
    for i, n in enumerate(target):
        if n == 1 and shape[lead + i] != 1:
            axes.append(lead + i)
        elif n != shape[lead + i]:
            raise ValueError(f"cannot sum shape {shape} to shape {target}")
    return tuple(axes)


class SumToShape(Linear):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape, ctx.out_shape = x.shape, shape
        axes = _reduced_axes(x.shape, shape)
        return np.sum(x, axis=axes).reshape(shape) if axes else x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return broadcast_to(g, ctx.shape), None


class BroadcastTo(Linear):
    _is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape, ctx.out_shape = x.shape, shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise RuntimeError(f"expand/broadcast_to: the shape {x.shape} cannot be broadcast to "
                               f"{tuple(shape)}") from None

    @staticmethod
    def backward(ctx, g):
        return sum_to_shape(g, ctx.shape), None


def sum_to_shape(x, shape):
    """Sum ``x`` over broadcast dimensions so that it has ``shape``."""
    shape = tuple(shape)
    return x if tuple(x.shape) == shape else SumToShape.apply(x, shape)


def broadcast_to(input, shape):
    """A read-only broadcast view of ``input`` with ``shape`` (-1 keeps a size)."""
    shape = tuple(shape)
    lead = len(shape) - input.ndim
    shape = tuple(input.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return input if tuple(input.shape) == shape else BroadcastTo.apply(input, shape)


def expand(input, *sizes):
    """``x.expand(3, -1)``: as ``broadcast_to``, sizes given one by one or as a tuple."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    return broadcast_to(input, sizes)


def expand_as(input, other):
    return broadcast_to(input, other.shape)


__all__ = ["broadcast_to", "sum_to_shape"]
METHODS = {"expand": expand, "expand_as": expand_as, "broadcast_to": broadcast_to}
