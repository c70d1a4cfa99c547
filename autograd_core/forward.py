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
    if primal._data.dtype.kind != "f":
        raise TypeError(f"dual: the primal must be a floating point tensor, got {primal.dtype}")
    tangent = tangent._data if isinstance(tangent, Tensor) else np.asarray(tangent)
    if tangent.shape != primal._data.shape:
        raise ValueError(f"dual: the tangent's shape {tangent.shape} differs from the primal's "
                         f"shape {primal._data.shape}")
    out = _primal(primal)
    out._tangent = Tensor(tangent.astype(primal._data.dtype, copy=False))
    return out


def unpack_dual(tensor):
    """``(primal, tangent)`` of a tensor; the tangent is None when it carries none."""
    if tensor._tangent is None:
        return tensor, None
    return _primal(tensor), tensor._tangent


# -- the teaching dual number ------------------------------------------------
class Dual:
    """A dual number a + b·ε with ε² = 0: forward mode from first principles.

    The rule ε² = 0 makes a Taylor expansion stop after its first term,

        f(a + bε) = f(a) + f'(a)·b·ε,

    so evaluating f on a + 1·ε gives f(a) and f'(a) together. Products follow
    from ε² = 0 alone:

        (a + bε)(c + dε) = ac + (ad + bc)ε          (the product rule)
        1 / (c + dε)     = 1/c − d/c²·ε             (so a quotient is a product)

    and each elementary function maps a + bε to f(a) + f'(a)·b·ε, which
    composes into the chain rule. With several inputs, the seed b chooses a
    direction: for f(x₁, x₂), x₁ = 2 + 1ε and x₂ = 5 + 0ε give ∂f/∂x₁.

    ``a`` (the primal) and ``b`` (the tangent) are Python floats or numpy
    arrays (elementwise, with broadcasting).

    >>> x1, x2 = Dual(2.0, 1.0), Dual(5.0, 0.0)
    >>> log(x1) + x1 * x2 - sin(x2)
    Dual(11.652, 5.5)
    """

    __slots__ = ("a", "b")
    __array_ufunc__ = None  # ndarray <op> Dual calls Dual's reflected operator

    def __init__(self, a, b=0.0):
        self.a, self.b = _number(a), _number(b)

    primal = property(lambda self: self.a)
    tangent = property(lambda self: self.b)

    def __repr__(self):
        if isinstance(self.a, float) and isinstance(self.b, float):
            return f"Dual({self.a:.5g}, {self.b:.5g})"
        fmt = dict(precision=5, separator=", ")
        return f"Dual({np.array2string(np.asarray(self.a), **fmt)}, " \
               f"{np.array2string(np.asarray(self.b), **fmt)})"

    # arithmetic: a plain number c is the dual number c + 0ε
    def __add__(self, o):
        o = _dual(o)
        return Dual(self.a + o.a, self.b + o.b)

    def __sub__(self, o):
        o = _dual(o)
        return Dual(self.a - o.a, self.b - o.b)

    def __mul__(self, o):
        o = _dual(o)
        return Dual(self.a * o.a, self.a * o.b + self.b * o.a)

    def __truediv__(self, o):
        o = _dual(o)
        return Dual(self.a / o.a, (self.b * o.a - self.a * o.b) / (o.a * o.a))

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, o):
        return _dual(o) - self

    def __rtruediv__(self, o):
        return _dual(o) / self

    def __neg__(self):
        return Dual(-self.a, -self.b)

    def __pos__(self):
        return self

    def __pow__(self, o):
        if isinstance(o, Dual):  # aᶜ = exp(c ln a), a > 0: d(aᶜ) = aᶜ (dc ln a + c da / a)
            return (o * self.log()).exp()
        if np.ndim(o) == 0 and o == 0:  # x⁰ = 1, a constant (avoids 0·a⁻¹ at a = 0)
            return Dual(self.a ** 0, 0 * self.b)
        return Dual(self.a ** o, o * self.a ** (o - 1) * self.b)  # d(aⁿ) = n aⁿ⁻¹ da

    def __rpow__(self, o):  # kᵃ = exp(a ln k): d(kᵃ) = kᵃ ln k · da
        return _dual(o) ** self

    # elementary functions: f(a + bε) = f(a) + f'(a)·b·ε
    def _chain(self, value, slope):
        return Dual(value, slope * self.b)

    def sin(self):
        return self._chain(np.sin(self.a), np.cos(self.a))

    def cos(self):
        return self._chain(np.cos(self.a), -np.sin(self.a))

    def tan(self):
        t = np.tan(self.a)
        return self._chain(t, 1 + t * t)  # tan' = 1 + tan²

    def exp(self):
        e = np.exp(self.a)
        return self._chain(e, e)  # exp' = exp

    def log(self):
        return self._chain(np.log(self.a), 1 / self.a)

    def sqrt(self):
        s = np.sqrt(self.a)
        return self._chain(s, 0.5 / s)  # sqrt' = 1 / (2 sqrt)

    def tanh(self):
        t = np.tanh(self.a)
        return self._chain(t, 1 - t * t)  # tanh' = 1 − tanh²

    def sigmoid(self):
        s = _sigmoid(self.a)
        return self._chain(s, s * (1 - s))  # σ' = σ(1 − σ)


def _number(x):
    """A Python float, or a float numpy array."""
    if isinstance(x, Tensor):
        raise TypeError("Dual holds Python floats or numpy arrays, not Tensors: "
                        "use ag.forward.dual for tensors")
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return float(x)
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _dual(x):
    return x if isinstance(x, Dual) else Dual(x, 0.0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _function(name, on_numbers):
    """``name(x)`` for a Dual (its method), a Tensor (the engine's op) or a
    plain number or array (numpy)."""

    def fn(x):
        if isinstance(x, Dual):
            return getattr(x, name)()
        if isinstance(x, Tensor):
            from . import ops

            return getattr(ops, name)(x)
        return on_numbers(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name}(x) of a Dual, a Tensor, a number or a numpy array."
    return fn


sin = _function("sin", np.sin)
cos = _function("cos", np.cos)
tan = _function("tan", np.tan)
exp = _function("exp", np.exp)
log = _function("log", np.log)
sqrt = _function("sqrt", np.sqrt)
tanh = _function("tanh", np.tanh)
sigmoid = _function("sigmoid", _sigmoid)
