"""Tests of ops/_unary.unary, the one-line declaration of an elementwise op of
one tensor: the classes and functions it makes for the built-in families
(names, docstrings, modules, pickling, the rule's source for ag.compile), and
a new op declared here (gradients to second order, forward mode, dtypes,
in-place, errors)."""
import importlib
import inspect
import pickle

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.compiler.backward import rule_reads_values
from autograd_core.ops._elementwise_util import inplace_variant, zero_like
from autograd_core.ops._unary import unary
from tests.helpers import check, check_jvp, leaf

DECLARED = {
    "unary": ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "abs", "square",
              "reciprocal"],
    "trig": ["sin", "cos", "tan", "tanh", "sigmoid", "erf", "erfc"],
    "trig_inverse": ["asin", "acos", "atan"],
    "hyperbolic": ["sinh", "cosh", "asinh", "acosh", "atanh"],
    "special": ["erfinv"],
    "rounding": ["floor", "ceil", "trunc", "frac"],
}
CASES = [(family, name) for family, names in DECLARED.items() for name in names]


@pytest.mark.parametrize("family,name", CASES)
def test_declared_class_and_function(family, name):
    module = importlib.import_module(f"autograd_core.ops.{family}")
    fn = getattr(module, name)
    cls = getattr(module, name.capitalize())
    assert cls.__name__ == cls.__qualname__ == name.capitalize()
    assert cls.__module__ == fn.__module__ == module.__name__
    assert fn.__name__ == name and fn.__doc__
    assert "dy/dx" in cls.__doc__ and cls.__doc__.startswith("y = ")  # the maths is the class's docstring
    assert pickle.loads(pickle.dumps(cls)) is cls
    if cls.rule is not zero_like:  # a lambda: its source is the declaration
        assert f'unary("{name}"' in inspect.getsource(cls.rule)
    assert cls.backward is cls.jvp is cls.derivative  # one input: Elementwise's backward and jvp are the derivative
    assert pickle.loads(pickle.dumps(fn)) is fn
    x = ag.tensor([0.25, 0.5], dtype=np.float64, requires_grad=True)
    with np.errstate(invalid="ignore"):  # acosh is nan below 1
        assert fn(x).grad_fn.name() == f"{name.capitalize()}Backward0"
    assert getattr(ag, name) is fn and getattr(ag.Tensor, name + "_")  # exported, with its in-place method


def test_rules_are_readable_source_for_compile():
    """ag.compile replays a rule as array code only if its source shows no reads of values."""
    trig, unary_ops = (importlib.import_module(f"autograd_core.ops.{m}") for m in ("trig", "unary"))
    assert not rule_reads_values(trig.Sin)
    assert not rule_reads_values(unary_ops.Exp)
    assert rule_reads_values(unary_ops.Abs)  # sign(x._data): a constant read from the values


Cube, cube = unary("cube", lambda x: x * x * x, lambda v, x: v * (x * x * 3), "x³.", "y = x³;  dy/dx = 3x²")
Cbrt, cbrt = unary("cbrt", np.cbrt, lambda v, y: v / (y * y * 3), "∛x.", "y = ∛x;  dy/dx = 1/(3y²)")
Twice, twice = unary("twice", lambda x: 2 * x, lambda v: v * 2, "2x.", "y = 2x;  dy/dx = 2",
                     keep_integers=True, refuse="b")


@pytest.mark.parametrize("fn", [cube, cbrt, twice])
def test_new_op_gradients_and_forward_mode(fn):
    x = leaf(3, 4, seed=1, low=0.5, high=2.0)
    check(fn, x)
    check_jvp(fn, x)


def test_new_op_saves_what_its_rule_names():
    x = ag.tensor([8.0, 27.0], dtype=np.float64, requires_grad=True)
    y = cbrt(x)
    assert y.grad_fn.name() == "CbrtBackward0" and Cbrt.__module__ == __name__
    (g,) = ag.grad(y.sum(), [x])
    np.testing.assert_allclose(g.numpy(), 1 / (3 * np.cbrt([8.0, 27.0]) ** 2))
    assert Cube.forward.__name__ == "forward" and Twice.derivative(None, ag.tensor(1.0)).item() == 2


def test_new_op_dtypes_and_errors():
    assert cube(ag.tensor([2, 3])).dtype == ag.float32  # integers: the default float dtype
    assert twice(ag.tensor([2, 3])).dtype == ag.int64  # keep_integers
    with pytest.raises(NotImplementedError, match="twice.*Bool"):
        twice(ag.tensor([True]))
    with pytest.raises(TypeError, match=r"cube\(\): argument 'input' must be Tensor, not list"):
        cube([1.0])
    with pytest.raises(ValueError, match=r"\(v, x\), \(v, y\) or \(v\)"):
        unary("bad", np.sin, lambda v, z: v, "", "")


def test_new_op_in_place():
    x = ag.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = x * 1
    inplace_variant(cube)(y)
    assert y._version == 1 and y.grad_fn.name() == "CubeBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
