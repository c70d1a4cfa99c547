"""``unary``: an elementwise op of one tensor declared in one line, and
``tensor_arg``, the check every op wrapper makes of its input.

    Sin, sin = unary("sin", np.sin, lambda v, x: v * cos(x), "Sine (radians).", "y = sin x;  dy/dx = cos x")

makes the ``Elementwise`` class ``Sin`` (its node is ``SinBackward0``) and
the public function ``sin(input)``:

- ``forward`` is ``f`` on the input's array, integer and bool inputs first
  cast to the default float dtype (``keep_integers=True``: as they are;
  ``refuse="b"`` or ``"biu"``: PyTorch's NotImplementedError for bool, or
  for bool and integer tensors);
- ``derivative(ctx, v)`` is ``rule(v, x)``, dy/dx · v written with Tensor
  ops (so that it differentiates again), and ``backward`` and ``jvp`` follow
  from it (``Elementwise``; for one input both are the derivative itself,
  so the class uses it for both directly). ``Name.rule`` is the rule (a
  lambda's source is the declaration). The name of the rule's second parameter says
  what the op saves for it: ``x``, the input, or ``y``, the output (an
  ndarray, so that the node finds it as its output); ``rule(v)`` saves
  nothing;
- the class's docstring is ``maths``, the rule's specification; the
  function's is ``doc``.

The class and the function belong to the module that declares them (as
``collections.namedtuple`` does), so they pickle and print as if written
there. ``rule`` stays a plain function, whose source ``ag.compile`` reads.
"""
import sys

import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._elementwise_util import not_implemented_for
from ._util import floating


def tensor_arg(input, op):
    """``input`` if it is a Tensor; otherwise the TypeError PyTorch raises."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input


def unary(name, f, rule, doc, maths, *, keep_integers=False, refuse=""):
    """The ``Elementwise`` class ``Name`` and the function ``name`` of y = f(x)
    with dy/dx · v = ``rule(v, x)`` (or ``rule(v, y)``, ``rule(v)``); see the
    module docstring."""
    params = rule.__code__.co_varnames[:rule.__code__.co_argcount]
    saves = params[1] if len(params) == 2 else None
    if saves not in ("x", "y", None):
        raise ValueError(f"unary {name}: the rule's parameters are (v, x), (v, y) or (v), not {params}")
    cast = np.asarray if keep_integers else floating  # np.asarray: the array itself, without a Python call
    derivative = staticmethod(_derivative(rule) if saves else _derivative_unsaved(rule))
    cls = type(name.capitalize(), (Elementwise,), {
        "__doc__": maths,
        "forward": staticmethod(_forward(f, cast, saves)),
        "derivative": derivative,
        # with one input, Elementwise's backward (v = ȳ) and jvp (v = ẋ) are the derivative
        # itself: calling it directly spares their dispatch, one Python call per node (a chain
        # of sin exp log tanh: 96.4k -> 93.5k instructions per op with, 94.6k hand-written; callgrind)
        "backward": derivative,
        "jvp": derivative,
        "rule": staticmethod(rule),
    })

    if refuse:
        def fn(input):
            not_implemented_for(name, tensor_arg(input, name)._data.dtype, refuse)
            return cls.apply(input)
    else:
        def fn(input):
            return cls.apply(tensor_arg(input, name))

    module = sys._getframe(1).f_globals["__name__"]
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__, fn.__module__, cls.__module__ = doc, module, module
    return cls, fn


def _forward(f, cast, saves):
    if saves == "y":
        def forward(ctx, x):
            out = np.asarray(f(cast(x)))
            ctx.save_for_backward(out)
            return out
    elif saves == "x":
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return f(cast(x))
    else:
        def forward(ctx, x):
            return f(cast(x))
    return forward


def _derivative(rule):
    def derivative(ctx, v):
        (s,) = ctx.saved_tensors
        return rule(v, s)
    return derivative


def _derivative_unsaved(rule):
    def derivative(ctx, v):
        return rule(v)
    return derivative
