"""Elementwise math functions of one tensor: exponentials and logarithms,
roots, powers and ``abs`` (trigonometric functions, ``sigmoid``, ``erf`` and
``erfc`` are in ``trig``, their inverses in ``trig_inverse``, hyperbolic
functions in ``hyperbolic``). Each has an in-place method (``x.exp_()``).

Integer and bool inputs give float32 results (as PyTorch), except ``abs``
and ``square``, which keep integer dtypes (as PyTorch); float dtypes are
kept.

Each op is one ``unary`` declaration (``_unary``): its numpy function, its
rule dy/dx · v written with tensor ops on the saved input x or output y (so
that it can be differentiated again, ``create_graph=True``), its docstring,
and its maths, which is the class's docstring. Backward (x̄ = dy/dx · ȳ) and
forward mode (ẏ = dy/dx · ẋ) both follow from the rule (``Elementwise``).
``sign(x)`` in the rule of ``abs`` is a constant (its derivative is 0 almost
everywhere), so abs'(0) = 0.
"""
import math

import numpy as np

from ..tensor import Tensor
from ._elementwise_util import inplace_variant
from ._unary import tensor_arg as tensor_arg  # imported from here by the other families
from ._unary import unary

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


Exp, exp = unary("exp", np.exp, lambda v, y: v * y, "eˣ, elementwise.", "y = eˣ;  dy/dx = y")
Exp2, exp2 = unary("exp2", np.exp2, lambda v, y: v * y * _LN2, "2ˣ, elementwise.", "y = 2ˣ;  dy/dx = y ln 2")
Expm1, expm1 = unary("expm1", np.expm1, lambda v, y: v * (y + 1), "eˣ - 1, accurate for small x.",
                     "y = eˣ - 1;  dy/dx = y + 1")
Log, log = unary("log", np.log, lambda v, x: v / x, "Natural logarithm (nan for x < 0, -inf at 0).",
                 "y = ln x;  dy/dx = 1/x")
Log2, log2 = unary("log2", np.log2, lambda v, x: v / (x * _LN2), "Base-2 logarithm.",
                   "y = log₂ x;  dy/dx = 1/(x ln 2)")
Log10, log10 = unary("log10", np.log10, lambda v, x: v / (x * _LN10), "Base-10 logarithm.",
                     "y = log₁₀ x;  dy/dx = 1/(x ln 10)")
Log1p, log1p = unary("log1p", np.log1p, lambda v, x: v / (x + 1), "ln(1 + x), accurate for small x.",
                     "y = ln(1 + x);  dy/dx = 1/(1 + x)")
Sqrt, sqrt = unary("sqrt", np.sqrt, lambda v, y: v / (y * 2), "Square root.", "y = √x;  dy/dx = 1/(2y)")
Rsqrt, rsqrt = unary("rsqrt", lambda x: 1 / np.sqrt(x), lambda v, y: v * (y * y * y) * -0.5, "1 / sqrt(x).",
                     "y = 1/√x;  dy/dx = -y³/2")
Abs, abs = unary("abs", np.abs, lambda v, x: v * Tensor(np.sign(x._data)),
                 "|x|; its gradient is sign(x), 0 at x = 0.",
                 "y = |x|;  dy/dx = sign x (0 at 0; a constant: its derivative is 0)", keep_integers=True)
Square, square = unary("square", np.square, lambda v, x: v * (x * 2), "x², keeping integer dtypes.",
                       "y = x²;  dy/dx = 2x", keep_integers=True)
Reciprocal, reciprocal = unary("reciprocal", lambda x: 1 / x, lambda v, y: -v * (y * y), "1 / x.",
                               "y = 1/x;  dy/dx = -y²")

absolute = abs

__all__ = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "abs", "absolute",
           "square", "reciprocal"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
METHODS["__abs__"] = abs
