"""Shape ops that tile or mirror: ``repeat``/``tile`` and ``flip`` (split
from ``shape.py``, whose ``_sizes`` argument parsing they share).

    y = flip(x, d)     ⇒  x̄ = flip(ȳ, d)
    y = repeat(x, r)   ⇒  x̄ = Σ over the r tiles of ȳ  (``FoldRepeat``), whose own
                          backward is ``repeat`` again

All three are linear (``Linear`` ops), so the forward-mode tangent is the op
applied to the input tangent: ẏ = flip(ẋ, d), ẏ = repeat(ẋ, r), and fold for ``FoldRepeat``.

``flip`` returns a numpy view (sharing memory and the version counter with
its input); ``repeat`` copies.
"""
import numpy as np

from ._adjoint import ArgLinear, ArgLinearAdjoint, ShapedArgLinear
from ._util import normalize_dim
from .shape import _sizes


def _fold_repeat(g, sizes, shape):
    lead = (1,) * (len(sizes) - len(shape)) + shape
    split = tuple(n for pair in zip(sizes, lead) for n in pair)  # (r0, s0, r1, s1, ...)
    return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(shape)


class Repeat(ShapedArgLinear):
    _f = staticmethod(np.tile)


class FoldRepeat(ArgLinearAdjoint):
    """The adjoint of ``repeat``: the sum of the tiles."""

    _f = staticmethod(_fold_repeat)


Repeat._adjoint, FoldRepeat._adjoint = FoldRepeat, Repeat


def repeat(input, *sizes):
    """Tile ``input`` ``sizes[i]`` times along dim i (``x.repeat(2, 1)`` or
    ``x.repeat((2, 1))``); extra leading sizes add leading dims."""
    sizes = _sizes(sizes, "repeat sizes")
    if len(sizes) < input.ndim:
        raise RuntimeError(f"repeat: the number of repeat sizes ({len(sizes)}) can not be smaller "
                           f"than the number of dims of the input of shape {list(input.shape)}")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat: sizes must be non-negative, got {list(sizes)}")
    return Repeat.apply(input, sizes)


def tile(input, dims):
    """As ``repeat``, but fewer ``dims`` than the input's are padded with leading 1s."""
    dims = _sizes((dims,), "dims")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


class Flip(ArgLinear):
    _is_view = True  # numpy flips by negative strides (PyTorch copies)
    _f = staticmethod(np.flip)


Flip._adjoint = Flip  # a flip is its own adjoint (and inverse)


def flip(input, dims):
    """Reverse the order of the elements along ``dims`` (an int or a tuple)."""
    dims = normalize_dim(_sizes((dims,), "dims"), input.ndim, "flip")
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"flip: dim {list(dims)} appears multiple times in the list of dims")
    return Flip.apply(input, dims)


def _flip_method(self, *dims):
    return flip(self, _sizes(dims, "dims"))


__all__ = ["tile", "flip"]
METHODS = {"repeat": repeat, "tile": tile, "flip": _flip_method}
