"""Two elementwise ops of geometry and interpolation: ``hypot`` and ``lerp``.

    hypot(a, b)     = √(a² + b²);      ∂/∂a = a / y,  ∂/∂b = b / y   (nan at a = b = 0, as PyTorch)
    lerp(s, e, w)   = s + w·(e - s);   ∂/∂s = 1 - w,  ∂/∂e = w,  ∂/∂w = e - s

``lerp`` is evaluated as PyTorch does, s + w·(e - s) for |w| < ½ and
e - (e - s)·(1 - w) otherwise, so that w = 1 gives e exactly. Both want
tensors of one float dtype for ``input``/``other``/``end`` (``weight`` may
be a number), and refuse integers with NotImplementedError, as PyTorch.
"""
import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._elementwise_util import float_part, inplace_variant, not_implemented_for
from .unary import tensor_arg


class Hypot(Elementwise):
    @staticmethod
    def forward(ctx, a, b):
        out = np.asarray(np.hypot(a, b))
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def derivative(ctx, va, vb):
        a, b, y = ctx.saved_tensors
        va, vb = float_part(va), float_part(vb)
        return None if va is None else va * a / y, None if vb is None else vb * b / y


def _same_float_dtype(name, first, *others):
    """PyTorch's checks: tensors, of one dtype, a floating one."""
    dt = tensor_arg(first, name)._data.dtype
    for label, t in others:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{label}' must be Tensor, not {type(t).__name__}")
        if t._data.dtype != dt:
            raise RuntimeError(f"{name}: expected dtype {dt} for `{label}` but got dtype {t._data.dtype}")
    not_implemented_for(name, dt, kinds="biu")


def hypot(input, other):
    """√(input² + other²) without overflow (tensors of one float dtype)."""
    _same_float_dtype("hypot", input, ("other", other))
    return Hypot.apply(input, other)


class Lerp(Elementwise):
    @staticmethod
    def forward(ctx, s, e, w):
        ctx.save_for_backward(s, e, w)
        d = e - s
        return np.asarray(np.where(np.abs(w) < 0.5, s + w * d, e - d * (1 - w)))

    @staticmethod
    def derivative(ctx, vs, ve, vw):
        s, e, w = ctx.saved_tensors
        vs, ve, vw = float_part(vs), float_part(ve), float_part(vw)
        return (None if vs is None else vs * (1 - w),
                None if ve is None else ve * w,
                None if vw is None else vw * (e - s))


def lerp(input, end, weight):
    """input + weight·(end - input): a number ``weight``, or a tensor of the same dtype."""
    if isinstance(weight, Tensor):
        _same_float_dtype("lerp", input, ("end", end), ("weight", weight))
    else:
        _same_float_dtype("lerp", input, ("end", end))
        weight = float(weight)
    out = Lerp.apply(input, end, weight)
    return out if out._data.dtype == input._data.dtype else out.to(input._data.dtype)


__all__ = ["hypot", "lerp"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
