"""Comparisons, tests and logic: ops whose results are not differentiable.

- ``eq ne lt le gt ge`` (and ``== != < <= > >=``), ``isclose``, ``isnan``,
  ``isinf``, ``isfinite``, ``logical_and/or/xor/not``, ``any``/``all`` and
  the bitwise ``& | ^ ~`` (bool and integer tensors) return bool tensors;
- ``argmax``/``argmin``/``argsort`` return int64 indices;
- ``allclose`` and ``equal`` return a Python bool.

None of these records a graph: their results never require grad, even when
the inputs do (the derivative of a step function is zero almost everywhere).
They broadcast as numpy does; the other operand may be a tensor, a number or
an ndarray. ``==`` returns a tensor, as in PyTorch.

``sign`` is the one differentiable op here, since its float result takes part
in products: its derivative is zero (d sign(x)/dx = 0 for x ≠ 0, taken as 0 at
0), so ``x.sign() * x`` still backpropagates through ``x``; in forward mode
its tangent is zero (ẏ = 0).
"""
import builtins

import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._util import normalize_dim, promote


def _data(x, op):
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (builtins.bool, int, float, np.ndarray, np.generic, list, tuple)):
        return x
    raise TypeError(f"{op}: expected a Tensor, a number or an array, got {type(x).__name__}")


def _wrap(out):
    return Tensor(out if type(out) is np.ndarray else np.asarray(out))


def _binary(ufunc, name, doc=None):
    def fn(input, other):
        try:  # both operands in their promoted dtype (result_type), as PyTorch compares
            return _wrap(ufunc(*promote(_data(input, name), _data(other, name))))
        except ValueError:
            raise RuntimeError(f"{name}: the shapes {np.shape(_data(input, name))} and "
                               f"{np.shape(_data(other, name))} cannot be broadcast") from None

    fn.__name__, fn.__doc__ = name, doc
    return fn


def _operator(fn):
    """The operator form: NotImplemented for operands it does not know (so that
    ``t == None`` is False, as in PyTorch)."""

    def op(self, other):
        if not isinstance(other, (Tensor, builtins.bool, int, float, np.ndarray, np.generic, list, tuple)):
            return NotImplemented
        return fn(self, other)

    return op


eq = _binary(np.equal, "eq", "input == other, elementwise (a bool tensor).")
ne = _binary(np.not_equal, "ne", "input != other, elementwise.")
lt = _binary(np.less, "lt", "input < other, elementwise.")
le = _binary(np.less_equal, "le", "input <= other, elementwise.")
gt = _binary(np.greater, "gt", "input > other, elementwise.")
ge = _binary(np.greater_equal, "ge", "input >= other, elementwise.")

logical_and = _binary(np.logical_and, "logical_and", "Elementwise AND of the truth values (nonzero is True).")
logical_or = _binary(np.logical_or, "logical_or", "Elementwise OR of the truth values.")
logical_xor = _binary(np.logical_xor, "logical_xor", "Elementwise XOR of the truth values.")


def logical_not(input):
    """Elementwise NOT of the truth values."""
    return _wrap(np.logical_not(_data(input, "logical_not")))


def _bitwise(ufunc, name):
    def fn(input, other):
        for x in (input, other):  # PyTorch's type: NotImplementedError (a RuntimeError); TypeError for ~
            if isinstance(x, Tensor) and x._data.dtype.kind not in "biu" or isinstance(x, float):
                dtype = x._data.dtype if isinstance(x, Tensor) else "float"
                raise NotImplementedError(f"{name}: only bool and integer tensors are supported, got {dtype}")
        return _binary(ufunc, name)(input, other)

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name[8:].upper()} of bool tensors (bitwise for integers)."
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    """``~input``: NOT for bool tensors, bitwise NOT for integers."""
    if input._data.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: only bool and integer tensors are supported, got {input._data.dtype}")
    return _wrap(np.invert(input._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol·|other|, elementwise."""
    return _wrap(np.isclose(_data(input, "isclose"), _data(other, "isclose"), rtol, atol, equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element is ``isclose``."""
    return builtins.bool(np.allclose(_data(input, "allclose"), _data(other, "allclose"), rtol, atol,
                                     equal_nan))


def equal(input, other):
    """True when both tensors have the same shape and the same values."""
    a, b = _data(input, "equal"), _data(other, "equal")
    return np.shape(a) == np.shape(b) and builtins.bool(np.array_equal(a, b))


def isnan(input):
    """True where the element is NaN."""
    return _wrap(np.isnan(input._data))


def isinf(input):
    """True where the element is +inf or -inf."""
    return _wrap(np.isinf(input._data))


def isfinite(input):
    """True where the element is neither NaN nor infinite."""
    return _wrap(np.isfinite(input._data))


def _reduce_bool(ufunc, name, input, dim, keepdim):
    x = input._data
    if dim is not None and x.ndim:
        dim = normalize_dim(dim, x.ndim, name)
    elif x.ndim == 0:
        dim = None
    return _wrap(ufunc.reduce(x.astype(np.bool_, copy=False), axis=dim, keepdims=keepdim))


def any_(input, dim=None, keepdim=False):
    """True where some element along ``dim`` (all dims when None) is nonzero."""
    return _reduce_bool(np.logical_or, "any", input, dim, keepdim)


def all_(input, dim=None, keepdim=False):
    """True where every element along ``dim`` (all dims when None) is nonzero."""
    return _reduce_bool(np.logical_and, "all", input, dim, keepdim)


def _arg(fn, name, input, dim, keepdim):
    x = input._data
    if x.size == 0:
        raise RuntimeError(f"{name}: cannot take the {name} of an empty tensor (shape {x.shape})")
    if dim is None:
        out = fn(x, axis=None)
        return _wrap(np.full((1,) * x.ndim if keepdim else (), out, np.int64))
    dim = normalize_dim(dim, x.ndim, name)
    if x.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    out = fn(x, axis=dim, keepdims=keepdim)
    return _wrap(out.astype(np.int64, copy=False))


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    return _arg(np.argmax, "argmax", input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    return _arg(np.argmin, "argmin", input, dim, keepdim)


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim``; equal elements keep their order
    (always stable). NaN counts as the largest value."""
    x = input._data
    dim = normalize_dim(dim, x.ndim, "argsort")
    if x.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    if not descending:
        return _wrap(np.argsort(x, axis=dim, kind="stable"))
    # sort the reversed tensor ascending and reverse the result: descending,
    # with ties in their original order; then map reversed positions back
    n = x.shape[dim]
    rev = np.flip(x, dim)
    idx = np.flip(np.argsort(rev, axis=dim, kind="stable"), dim)
    return _wrap((n - 1) - idx)


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
