"""Comparisons, tests and logic: ops whose results are not differentiable.

- ``eq ne lt le gt ge`` (and ``== != < <= > >=``), ``isclose``, ``isnan``,
  ``isinf``, ``isfinite``, ``logical_and/or/xor/not``, ``any``/``all`` and
  the bitwise ``& | ^ ~`` (bool and integer tensors) return bool tensors;
- ``argmax``/``argmin``/``argsort`` return int64 indices;
- ``allclose`` and ``equal`` return a Python bool (a read of values into
  Python, reported to ``observers.observe_reads`` as ``item()`` is);
- ``RangeCheck`` (no function of its own) raises when a value is out of a
  range: ``binary_cross_entropy``'s check of its input, replayed by ``ag.compile``.

None of these records a graph: their results never require grad, even when
the inputs do (the derivative of a step function is zero almost everywhere,
so nothing differentiable flows through a mask or an index). They broadcast
as numpy does; the other operand may be a tensor, a number (numpy scalars act
as Python numbers, as in every op) or an ndarray. ``==`` returns a tensor, as
in PyTorch.

Each is an op (``NonDifferentiable``: its output needs no gradient, so it is
never a graph node and has no backward; in forward mode it gives no
tangent), but eagerly the functions compute on the arrays directly, without
``apply`` and its ctx, for speed. While a recording listens
(``observers.call_observers`` is not empty: ``ag.compile``'s capture, an
evaluation trace, a graph drawing), they go through ``apply``, so the
recording sees the op, its tensor inputs and its output: a mask made inside a
compiled function is recomputed from each call's inputs when it is replayed.

``sign`` is the one differentiable op here, since its float result takes part
in products: its derivative is zero (d sign(x)/dx = 0 for x ≠ 0, taken as 0 at
0), so ``x.sign() * x`` still backpropagates through ``x``; in forward mode
its tangent is zero (ẏ = 0).
"""
import builtins

import numpy as np

from ..function import Elementwise, Op
from ..observers import call_observers, read_observers, value_read
from ..tensor import Tensor
from ._util import normalize_dim, promote

_OPERANDS = (builtins.bool, int, float, np.ndarray, list, tuple)


def _data(x, op):
    """An operand's value: a tensor's array, a numpy scalar as a Python number, else ``x`` itself."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, _OPERANDS):
        return x
    raise TypeError(f"{op}: expected a Tensor, a number or an array, got {type(x).__name__}")


def _wrap(out):
    return Tensor(out if type(out) is np.ndarray else np.asarray(out))


def _promoted(a, b):
    """``promote(a, b)``, without its dtype rules where they leave both operands as they
    are: an array with an array of its dtype, or with a Python number of a category no
    higher (a bool; an int with a non-bool array; a float with a float array)."""
    if type(a) is np.ndarray:
        tb, kind = type(b), a.dtype.kind
        if (tb is np.ndarray and b.dtype is a.dtype or tb is builtins.bool or tb is int and kind in "iufc"
                or tb is float and kind in "fc"):
            return a, b
    return promote(a, b)


class NonDifferentiable(Op):
    """Base of the ops here: ``compute`` (a classmethod, on arrays and plain
    values) is the forward; the output needs no gradient (bool or integer),
    so no backward is ever asked for, and the jvp gives no tangent.

    ``call(*args)`` is what the functions run: ``compute`` on the operands'
    arrays, or ``apply`` while a recording listens (see the module docstring)."""

    @staticmethod
    def forward(ctx, *args):
        out = ctx.compute(*args)
        ctx.mark_non_differentiable(out)  # a float output too (quantile's ranks): no node, no gradient
        return out

    @staticmethod
    def jvp(ctx, *tangents):
        return None

    @classmethod
    def call(cls, input, *rest):
        if call_observers:
            return cls.apply(input, *rest)
        return _wrap(cls.compute(input._data, *rest))


# -- binary: comparisons, logic, bitwise ---------------------------------------------------
class Comparison(NonDifferentiable):
    """z = f(a, b) elementwise by the numpy ufunc ``ufunc``, both operands in
    their promoted dtype (``result_type``, as PyTorch compares); ``label`` names
    the function in errors."""

    ufunc = None
    label = None

    @classmethod
    def compute(cls, a, b):
        try:
            return cls.ufunc(*_promoted(a, b))
        except ValueError:
            raise RuntimeError(f"{cls.label}: the shapes {np.shape(a)} and {np.shape(b)} "
                               f"cannot be broadcast") from None


class Eq(Comparison):
    ufunc, label = np.equal, "eq"


class Ne(Comparison):
    ufunc, label = np.not_equal, "ne"


class Lt(Comparison):
    ufunc, label = np.less, "lt"


class Le(Comparison):
    ufunc, label = np.less_equal, "le"


class Gt(Comparison):
    ufunc, label = np.greater, "gt"


class Ge(Comparison):
    ufunc, label = np.greater_equal, "ge"


class LogicalAnd(Comparison):
    ufunc, label = np.logical_and, "logical_and"


class LogicalOr(Comparison):
    ufunc, label = np.logical_or, "logical_or"


class LogicalXor(Comparison):
    ufunc, label = np.logical_xor, "logical_xor"


class BitwiseAnd(Comparison):
    ufunc, label = np.bitwise_and, "bitwise_and"


class BitwiseOr(Comparison):
    ufunc, label = np.bitwise_or, "bitwise_or"


class BitwiseXor(Comparison):
    ufunc, label = np.bitwise_xor, "bitwise_xor"


def _binary(op, doc):
    compute, apply, name = op.compute, op.apply, op.label

    def fn(input, other):
        a, b = _data(input, name), _data(other, name)
        if call_observers:  # a recording listens: it sees the op and its tensor operands
            return apply(input if isinstance(input, Tensor) else a, other if isinstance(other, Tensor) else b)
        return _wrap(compute(a, b))

    fn.__name__, fn.__doc__ = name, doc
    return fn


def _operator(fn):
    """The operator form: NotImplemented for operands it does not know (so that
    ``t == None`` is False, as in PyTorch)."""

    known = (Tensor, np.generic, *_OPERANDS)

    def op(self, other):
        if not isinstance(other, known):
            return NotImplemented
        return fn(self, other)

    return op


eq = _binary(Eq, "input == other, elementwise (a bool tensor).")
ne = _binary(Ne, "input != other, elementwise.")
lt = _binary(Lt, "input < other, elementwise.")
le = _binary(Le, "input <= other, elementwise.")
gt = _binary(Gt, "input > other, elementwise.")
ge = _binary(Ge, "input >= other, elementwise.")

logical_and = _binary(LogicalAnd, "Elementwise AND of the truth values (nonzero is True).")
logical_or = _binary(LogicalOr, "Elementwise OR of the truth values.")
logical_xor = _binary(LogicalXor, "Elementwise XOR of the truth values.")


def _bitwise(op):
    name = op.label
    fn = _binary(op, f"Elementwise {name[8:].upper()} of bool tensors (bitwise for integers).")

    def bitwise(input, other):
        for x in (input, other):  # PyTorch's type: NotImplementedError (a RuntimeError); TypeError for ~
            if isinstance(x, Tensor) and x._data.dtype.kind not in "biu" or isinstance(x, (float, np.floating)):
                dtype = x._data.dtype if isinstance(x, Tensor) else "float"
                raise NotImplementedError(f"{name}: only bool and integer tensors are supported, got {dtype}")
        return fn(input, other)

    bitwise.__name__, bitwise.__doc__ = name, fn.__doc__
    return bitwise


bitwise_and = _bitwise(BitwiseAnd)
bitwise_or = _bitwise(BitwiseOr)
bitwise_xor = _bitwise(BitwiseXor)


# -- unary tests ---------------------------------------------------------------------------
class Predicate(NonDifferentiable):
    """z = f(x) elementwise by the numpy ufunc ``ufunc`` (a bool result; integer for ``~``)."""

    ufunc = None

    @classmethod
    def compute(cls, x):
        return cls.ufunc(x)

    @classmethod
    def call(cls, input):  # NonDifferentiable.call, one call shorter
        if call_observers:
            return cls.apply(input)
        return _wrap(cls.ufunc(input._data))


class LogicalNot(Predicate):
    ufunc = np.logical_not


class BitwiseNot(Predicate):
    ufunc = np.invert


class IsNan(Predicate):
    ufunc = np.isnan


class IsInf(Predicate):
    ufunc = np.isinf


class IsFinite(Predicate):
    ufunc = np.isfinite


def logical_not(input):
    """Elementwise NOT of the truth values."""
    if not isinstance(input, Tensor):
        input = Tensor(np.asarray(_data(input, "logical_not")))
    return LogicalNot.call(input)


def bitwise_not(input):
    """``~input``: NOT for bool tensors, bitwise NOT for integers."""
    if input._data.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: only bool and integer tensors are supported, got {input._data.dtype}")
    return BitwiseNot.call(input)


def isnan(input):
    """True where the element is NaN."""
    return IsNan.call(input)


def isinf(input):
    """True where the element is +inf or -inf."""
    return IsInf.call(input)


def isfinite(input):
    """True where the element is neither NaN nor infinite."""
    return IsFinite.call(input)


class IsClose(NonDifferentiable):
    """|a - b| <= atol + rtol·|b| elementwise (NaN equal to NaN with ``equal_nan``)."""

    @classmethod
    def compute(cls, a, b, rtol, atol, equal_nan):
        return np.isclose(a, b, rtol, atol, equal_nan)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol·|other|, elementwise."""
    a, b = _data(input, "isclose"), _data(other, "isclose")
    if call_observers:
        return IsClose.apply(input if isinstance(input, Tensor) else a, other if isinstance(other, Tensor) else b,
                             rtol, atol, equal_nan)
    return _wrap(IsClose.compute(a, b, rtol, atol, equal_nan))


def _read(what, *operands):
    """Report a read of the operands' values into Python (``observers.value_read``)."""
    if read_observers:
        for x in operands:
            if isinstance(x, Tensor):
                value_read(x, what)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element is ``isclose``."""
    a, b = _data(input, "allclose"), _data(other, "allclose")
    _read("allclose", input, other)
    return builtins.bool(np.allclose(a, b, rtol, atol, equal_nan))


def equal(input, other):
    """True when both tensors have the same shape and the same values."""
    a, b = _data(input, "equal"), _data(other, "equal")
    _read("equal", input, other)
    return np.shape(a) == np.shape(b) and builtins.bool(np.array_equal(a, b))


# -- reductions to truth values and indices --------------------------------------------------
class AnyAll(NonDifferentiable):
    """z = OR (``Any``) or AND (``All``) of the truth values of x along ``dim`` (all dims when None)."""

    ufunc = label = None

    @classmethod
    def compute(cls, x, dim, keepdim):
        if dim is not None and x.ndim:
            dim = normalize_dim(dim, x.ndim, cls.label)
        elif x.ndim == 0:
            dim = None
        return cls.ufunc.reduce(x.astype(np.bool_, copy=False), axis=dim, keepdims=keepdim)


class Any(AnyAll):
    ufunc, label = np.logical_or, "any"


class All(AnyAll):
    ufunc, label = np.logical_and, "all"


def any_(input, dim=None, keepdim=False):
    """True where some element along ``dim`` (all dims when None) is nonzero."""
    return Any.call(input, dim, keepdim)


def all_(input, dim=None, keepdim=False):
    """True where every element along ``dim`` (all dims when None) is nonzero."""
    return All.call(input, dim, keepdim)


class ArgExtremum(NonDifferentiable):
    """The int64 index of the largest (``ArgMax``) or smallest (``ArgMin``) element along
    ``dim`` (of the flattened tensor when None; the first of equal ones)."""

    fn = label = None

    @classmethod
    def compute(cls, x, dim, keepdim):
        name = cls.label
        if x.size == 0:
            raise RuntimeError(f"{name}: cannot take the {name} of an empty tensor (shape {x.shape})")
        if dim is None:
            return np.full((1,) * x.ndim if keepdim else (), cls.fn(x, axis=None), np.int64)
        dim = normalize_dim(dim, x.ndim, name)
        if x.ndim == 0:
            return np.zeros((), np.int64)
        return cls.fn(x, axis=dim, keepdims=keepdim).astype(np.int64, copy=False)


class ArgMax(ArgExtremum):
    fn, label = staticmethod(np.argmax), "argmax"


class ArgMin(ArgExtremum):
    fn, label = staticmethod(np.argmin), "argmin"


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    return ArgMax.call(input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    return ArgMin.call(input, dim, keepdim)


class ArgSort(NonDifferentiable):
    """The int64 indices that sort x along ``dim`` (stable; NaN as the largest value)."""

    @classmethod
    def compute(cls, x, dim, descending):
        dim = normalize_dim(dim, x.ndim, "argsort")
        if x.ndim == 0:
            return np.zeros((), np.int64)
        if not descending:
            return np.argsort(x, axis=dim, kind="stable")
        # sort the reversed tensor ascending and reverse the result: descending,
        # with ties in their original order; then map reversed positions back
        n = x.shape[dim]
        idx = np.flip(np.argsort(np.flip(x, dim), axis=dim, kind="stable"), dim)
        return (n - 1) - idx


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim``; equal elements keep their order
    (always stable). NaN counts as the largest value."""
    return ArgSort.call(input, dim, descending)


class RangeCheck(NonDifferentiable):
    """Raises ``error(message)`` when an element of x lies outside [lo, hi] (a NaN too when
    ``nan_fails``); else returns True. An op, so that ``ag.compile`` replays the check on every
    call instead of running it once while recording: ``binary_cross_entropy``'s check of its
    input (NaN fails, as PyTorch's) and ``gaussian_nll_loss``'s of its variance (NaN passes)."""

    @classmethod
    def compute(cls, x, lo, hi, nan_fails, error, message):
        if nan_fails:
            bad = x.size and not (x.min() >= lo and x.max() <= hi)  # a NaN makes both comparisons False
        else:
            bad = bool(np.any(x < lo) or np.any(x > hi))
        if bad:
            raise error(message)
        return np.array(True)


class Sign(Elementwise):
    """sign(x) ∈ {-1, 0, 1}; its derivative is zero everywhere (so are x̄ and ẏ)."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            return x.copy()
        out = np.asarray(np.sign(x))
        if x.dtype.kind == "f":
            out[np.isnan(x)] = 0  # sign(nan) = 0, as PyTorch
        return out

    @staticmethod
    def derivative(ctx, v):
        return Tensor(np.zeros(v.shape, v.dtype))


def sign(input):
    """-1, 0 or 1 by the sign of each element (0 for nan, as PyTorch; same dtype; zero gradient)."""
    return Sign.apply(input)


any = any_
all = all_
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "isclose", "allclose", "equal", "isnan", "isinf", "isfinite", "logical_and",
           "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
           "bitwise_not", "any", "all", "argmax", "argmin", "argsort", "sign"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({
    "__eq__": _operator(eq), "__ne__": _operator(ne), "__lt__": _operator(lt),
    "__le__": _operator(le), "__gt__": _operator(gt), "__ge__": _operator(ge),
    "__and__": _operator(bitwise_and), "__or__": _operator(bitwise_or),
    "__xor__": _operator(bitwise_xor), "__rand__": _operator(bitwise_and),
    "__ror__": _operator(bitwise_or), "__rxor__": _operator(bitwise_xor),
    "__invert__": bitwise_not,
})
