"""In-place methods: ``add_ sub_ mul_ div_ zero_ fill_ copy_ clamp_`` and
``__setitem__`` (the random fills, ``uniform_`` ..., are in ``random.py``).

Each computes its out-of-place twin and writes the result into the tensor's
memory (``Tensor._inplace``), bumping the version counter so that backward
detects a saved tensor that changed. On a leaf that requires grad they raise
outside ``no_grad``, as in PyTorch. ``x[idx] = v`` is the op ``index_put``:

    y = index_put(x, idx, v)  ⇒  x̄ = ȳ with ȳ[idx] = 0,   v̄ = ȳ[idx]
                                 ẏ = index_put(ẋ, idx, v̇)

In forward mode the tensor takes the tangent of the result, so after
``y.mul_(2)`` the tangent of ``y`` is doubled and after ``y[idx] = v`` it
holds v's tangent at idx (zero for a number or an integer tensor).
"""

from ..function import Op
from ..grad_mode import _state
from ..tensor import Tensor
from .arith import add, div, mul, sub


class IndexPut(Op):
    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index = index
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, g):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = index_put(g, ctx.index, 0.0)
        if ctx.needs_input_grad[1]:
            gv = g[ctx.index]
        return gx, gv, None

    @staticmethod
    def jvp(ctx, tx, tv, _):
        if tv is None or tv._data.dtype.kind != "f":
            tv = 0.0
        return index_put(tx, ctx.index, tv)


def _unwrap_index(index):
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


def index_put(input, index, value):
    """A copy of ``input`` with ``input[index] = value`` (differentiable in both)."""
    return IndexPut.apply(input, value, _unwrap_index(index))


def setitem(self, index, value):
    tracked = _state.grad and (self.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    dual = self._tangent is not None or (isinstance(value, Tensor) and value._tangent is not None)
    if not tracked and not dual:  # the fast path: numpy assignment
        self._data[_unwrap_index(index)] = value._data if isinstance(value, Tensor) else value
        self._vc[0] += 1
        return
    self._inplace(lambda s, v: index_put(s, index, v), value)


def add_(self, other, alpha=1):
    return self._inplace(add, other, alpha)


def sub_(self, other, alpha=1):
    return self._inplace(sub, other, alpha)


def mul_(self, other):
    return self._inplace(mul, other)


def div_(self, other):
    return self._inplace(div, other)


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
    from .select import clamp

    return self._inplace(lambda s: clamp(s, min, max))


__all__ = ["index_put"]
METHODS = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "fill_": fill_, "zero_": zero_,
    "copy_": copy_, "clamp_": clamp_,
    "__setitem__": setitem, "__iadd__": add_, "__isub__": sub_, "__imul__": mul_,
    "__itruediv__": div_, "index_put": index_put,
}
