"""In-place methods: ``add_ sub_ mul_ div_`` (with ``rounding_mode``)
``true_divide_ neg_ pow_`` (``**=``) ``zero_ fill_ copy_ clamp_ clip_
clamp_min_ clamp_max_``, the aliases ``subtract_ multiply_ divide_
negative_``, ``index_put_`` and ``__setitem__`` (the random fills,
``uniform_`` ..., are in ``random.py``; the elementwise families add their
own ``<name>_`` with ``inplace_variant``).

Each computes its out-of-place twin and writes the result into the tensor's
memory (``Tensor._inplace``), bumping the version counter so that backward
detects a saved tensor that changed. On a leaf that requires grad, or a view
of one, they raise outside ``no_grad``, as in PyTorch. On a view made by
indexing (``h[:, 0].mul_(2)``, ``y[1:][0] = z``) the base's history is
rewritten so that gradients reach both the base and what was written
(``copy_slices.py``). ``x[idx] = v`` is the op ``index_put`` (the index read with the rules
of ``x[idx]``, see ``index.py``):

    y = index_put(x, idx, v)        ⇒  x̄ = ȳ with ȳ[idx] = 0,   v̄ = ȳ[idx]
                                       ẏ = index_put(ẋ, idx, v̇)
    y = index_put(x, idx, v, True)  ⇒  y[idx] += v, a repeated position adding every value
                                       (np.add.at);  x̄ = ȳ,  v̄ = ȳ[idx];  ẏ = index_put(ẋ, idx, v̇, True)

In forward mode the tensor takes the tangent of the result, so after
``y.mul_(2)`` the tangent of ``y`` is doubled and after ``y[idx] = v`` it
holds v's tangent at idx (zero for a number or an integer tensor).
"""

import numpy as np

from ..function import Op
from ..grad_mode import _state
from ..tensor import Tensor
from .arith import add, div, mul, neg, pow, sub
from .index import _INTS, GetItem, target, to_numpy_index
from .select import clamp


class IndexPut(Op):
    @staticmethod
    def forward(ctx, x, value, index, kind, accumulate):
        ctx.index, ctx.kind, ctx.accumulate = index, kind, accumulate
        out = x.copy()
        view, idx = target(out, index)
        if not accumulate:
            view[idx] = value
        elif kind == _INTS:  # repeated positions each add their value
            np.add.at(view, idx, np.asarray(value).astype(out.dtype, copy=False))
        else:  # slices and masks never repeat a position
            view[idx] += np.asarray(value).astype(out.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx, g):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = g if ctx.accumulate else IndexPut.apply(g, 0.0, ctx.index, ctx.kind, False)
        if ctx.needs_input_grad[1]:
            gv = GetItem.apply(g, ctx.index, ctx.kind)
        return gx, gv, None, None, None

    @staticmethod
    def jvp(ctx, tx, tv, *_):
        if tv is None or tv._data.dtype.kind != "f":
            tv = 0.0
        return IndexPut.apply(tx, tv, ctx.index, ctx.kind, ctx.accumulate)


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``input[indices] = values``, or with
    ``input[indices] += values`` for each listed position, repeats adding up,
    when ``accumulate`` (PyTorch's ``index_put``). Differentiable in both:
    x̄ = ȳ with zeros at the written positions (``ȳ`` itself when
    accumulating), v̄ = ȳ[indices] (summed to the shape of ``values``)."""
    return IndexPut.apply(input, values, *to_numpy_index(indices, input._data.ndim), bool(accumulate))


def index_put_(self, indices, values, accumulate=False):
    """In-place ``index_put``."""
    return self._inplace(lambda s, v: index_put(s, indices, v, accumulate), values)


def setitem(self, index, value):
    tracked = _state.grad and (self.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    dual = self._tangent is not None or (isinstance(value, Tensor) and value._tangent is not None)
    if not tracked and not dual:  # the fast path: numpy assignment
        view, idx = target(self._data, to_numpy_index(index, self._data.ndim)[0])
        view[idx] = value._data if isinstance(value, Tensor) else value
        self._vc[0] += 1
        return
    self._inplace(lambda s, v: index_put(s, index, v), value)


def add_(self, other, alpha=1):
    return self._inplace(add, other, alpha)


def sub_(self, other, alpha=1):
    return self._inplace(sub, other, alpha)


def mul_(self, other):
    return self._inplace(mul, other)


def div_(self, other, *, rounding_mode=None):
    """In-place ``div``: true division, or rounded with ``rounding_mode``
    'trunc'/'floor' (which keeps an integer tensor integer)."""
    if rounding_mode is None:
        return self._inplace(div, other)
    return self._inplace(lambda s, o: div(s, o, rounding_mode=rounding_mode), other)


def true_divide_(self, other):
    return self._inplace(div, other)


def neg_(self):
    return self._inplace(neg)


def pow_(self, exponent):
    """In-place ``pow`` (``**=``); an integer tensor to a negative integer raises."""
    return self._inplace(pow, exponent)


def fill_(self, value):
    """Every element set to ``value``; the gradient to the old value is 0."""
    setitem(self, Ellipsis, value)
    return self


def zero_(self):
    return fill_(self, 0)


def copy_(self, src):
    """Copy ``src`` (broadcast) into this tensor; the gradient flows to ``src``."""
    return fill_(self, src)


def clamp_(self, min=None, max=None):
    """In-place ``clamp`` (numbers or tensors as bounds: a bound that requires
    grad receives its gradient)."""
    return self._inplace(clamp, min, max)


def clamp_min_(self, min):
    return self._inplace(clamp, min, None)


def clamp_max_(self, max):
    return self._inplace(clamp, None, max)


__all__ = ["index_put"]
METHODS = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "fill_": fill_, "zero_": zero_,
    "copy_": copy_, "clamp_": clamp_, "clip_": clamp_, "clamp_min_": clamp_min_, "clamp_max_": clamp_max_,
    "subtract_": sub_, "multiply_": mul_, "divide_": div_, "true_divide_": true_divide_,
    "neg_": neg_, "negative_": neg_, "pow_": pow_,
    "__setitem__": setitem, "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__ipow__": pow_,
    "__itruediv__": div_, "index_put": index_put, "index_put_": index_put_,
}
