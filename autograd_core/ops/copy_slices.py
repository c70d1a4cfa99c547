"""In-place ops on views: the base's history is rewritten (PyTorch's CopySlices).

A view ``v`` made by indexing remembers its base ``b`` and the view steps
that lead from ``b`` to it (``Tensor._track_view``), so ``v = view(b)``.
After an in-place op ``v.op_(...)`` computed out of place as ``r = op(v, ...)``
and written into ``v``'s memory (which is ``b``'s), the base holds

    b' = copy_slices(b, r)  =  b with view(b) replaced by r

    b̄ = ȳ with view(ȳ) = 0     (the gradient outside the region goes to the old base)
    r̄ = view(ȳ)                (inside it, through the op to the old view, hence to b)
    ẏ = copy_slices(ḃ, ṙ)

``rebase`` makes ``b'`` the base's node and gives the view the node of
``view(b')``: the view op replayed on the base's new node. Both rules are
made of differentiable ops (``ZeroRegion`` is its own adjoint), so
``create_graph`` differentiates them again.

Every single-output view op (indexing, ``narrow``, ``view``/``reshape``,
``transpose``, ``permute``, ``diagonal``, ...) tracks its base, because
``Function.apply`` records the step for any op marked ``_is_view``.
Limits (PyTorch does more): the pieces of the multi-output ``split``,
``unbind`` and ``chunk`` do not (an in-place op needing a graph on them
raises); and another view of the same base, taken before the base
changed through a different route and used after, keeps its old node
(PyTorch regenerates it), so its gradient misses that in-place op when the
regions overlap.
"""
import numpy as np

from ..function import Linear, Op
from ..grad_mode import no_grad
from ..tensor import Tensor


def region(a, steps):
    """``view(a)`` for an array ``a`` of the base's shape: a numpy view
    (each step's op run on a wrapper of ``a``, without recording)."""
    with no_grad():
        t = Tensor(a)
        for op, *args in steps:
            t = op.apply(t, *args)
    return t._data


def replay(t, steps):
    """``view(t)`` for a Tensor: the view ops applied again, recorded."""
    for op, *args in steps:
        t = op.apply(t, *args)
    return t


class ZeroRegion(Linear):
    """``g`` with ``view(g)`` set to 0 (a projection: its own adjoint)."""

    @staticmethod
    def forward(ctx, g, steps):
        ctx.steps = steps
        out = np.array(g)  # a writable copy (g may be a read-only broadcast)
        region(out, steps)[...] = 0
        return out

    @staticmethod
    def backward(ctx, g):
        return ZeroRegion.apply(g, ctx.steps), None


class CopySlices(Op):
    """``b`` with ``view(b)`` replaced by ``r``. With ``written`` the caller
    has already written ``r`` there (the in-place op did): ``b`` is returned
    as it is, with no copy."""

    @staticmethod
    def forward(ctx, b, r, steps, written):
        ctx.steps = steps
        if written:
            return b
        out = b.copy()
        region(out, steps)[...] = r
        return out

    @staticmethod
    def backward(ctx, g):
        needs = ctx.needs_input_grad
        gb = ZeroRegion.apply(g, ctx.steps) if needs[0] else None
        gr = replay(g, ctx.steps) if needs[1] else None
        return gb, gr, None, None

    @staticmethod
    def jvp(ctx, tb, tr, *_):
        return CopySlices.apply(tb, tr, ctx.steps, False)


def rebase(view, info, res):
    """After ``res`` was written into ``view``'s memory: the base of ``view``
    (``info = (base, steps)``) takes the node ``copy_slices(base, res)`` and
    ``view`` the node of the view replayed on it. Both share the version
    counter, which the in-place op has bumped."""
    base, steps = info
    new = CopySlices.apply(base, res, steps, True)
    if not new.requires_grad:
        return
    base._take_node(new.grad_fn, new._out_nr)
    again = replay(base, steps)
    view._take_node(again.grad_fn, again._out_nr)
