"""The dtypes, as numpy dtypes under PyTorch's names (``ag.float32`` ...)."""
import builtins

import numpy as np

float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
float16 = half = np.dtype(np.float16)
int64 = long = np.dtype(np.int64)
int32 = int = np.dtype(np.int32)
int16 = short = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)

_default = [float32]  # the default floating dtype; read by get_default_dtype


def get_default_dtype():
    """The dtype of tensors made from Python floats and of floating factories
    without a ``dtype``: float32 unless ``set_default_dtype`` changed it."""
    return _default[0]


def set_default_dtype(d):
    """Make ``d`` (float32, float64 or float16) the default floating dtype, as
    ``torch.set_default_dtype``: ``tensor([1.0])``, ``zeros(3)`` ... get it;
    Python scalars still do not promote a float32 tensor."""
    try:
        dt = np.dtype(d)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f":
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = dt


def cast_method(name, dtype):
    """The method ``name(self)`` that returns ``self.to(dtype)``."""
    def cast(self):
        return self.to(dtype)

    cast.__name__ = cast.__qualname__ = name
    cast.__doc__ = f"``self.to({np.dtype(dtype).name})``."
    return cast


class FloatCasts:
    """``float()``, ``double()`` and ``half()`` as ``self.to`` of float32, float64
    and float16: the shortcuts tensors and modules share."""

    __slots__ = ()

    float = cast_method("float", np.float32)
    double = cast_method("double", np.float64)
    half = cast_method("half", np.float16)


def is_floating_point(t):
    return t.dtype.kind == "f"


# -- type promotion ------------------------------------------------------------------------------
# PyTorch's rule, computed here rather than left to numpy (whose answer differs:
# int64 + float16 is float64 there, and numpy 1.x and 2.x treat Python scalars
# differently). Categories: bool < integer < floating.
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _category(dt):
    try:
        return _CATEGORY[dt.kind]
    except KeyError:
        raise TypeError(f"type promotion: unsupported dtype {dt}") from None


def promote_types(type1, type2):
    """The smallest dtype of the higher category that holds both (``torch.promote_types``):
    a dtype of a higher category wins whatever its size (int64 with float16 is
    float16, bool with uint8 is uint8); within a category the wider one wins, and
    uint8 with int8 is int16."""
    a, b = np.dtype(type1), np.dtype(type2)
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    out = np.promote_types(a, b)
    if out.kind != a.kind and out.kind not in "iu":  # uint64 with a signed int: numpy says float64
        raise TypeError(f"type promotion of {a} and {b} is not supported")
    return out


def _scalar_dtype(x):
    """The dtype a Python (or numpy) number takes when it decides a result:
    bool, int64, or the default floating dtype."""
    if isinstance(x, (builtins.bool, np.bool_)):
        return bool
    if isinstance(x, (builtins.int, np.integer)):
        return int64
    if isinstance(x, (builtins.float, np.floating)):
        return get_default_dtype()
    raise TypeError(f"type promotion: expected a tensor, an array or a number, got {type(x).__name__}")


def _combine(higher, lower):
    """Promote ``higher`` (a tier of higher priority) with ``lower`` only where
    ``lower`` is of a higher category: a float wins over ints, ints over bool."""
    if lower is None:
        return higher
    if higher is None:
        return lower
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """The dtype of an elementwise op on ``operands`` (tensors, arrays, numbers),
    by PyTorch's promotion (``torch.result_type``).

    The operands fall in three tiers: dimensioned tensors, zero-dim tensors,
    and numbers (Python or numpy scalars). Each tier is promoted on its own
    (``promote_types``; a number counts as bool, int64 or the default float
    dtype). A lower tier changes the result only when it is of a higher category
    (bool < integer < floating): numbers are weak, so a float32 tensor plus 1.5
    stays float32, an int32 tensor plus 2 stays int32, but an int64 tensor plus
    1.5 is float32 (the default float dtype). Lists and tuples count as
    dimensioned tensors made by ``ag.tensor``."""
    dims = zero = scalars = None
    for x in operands:
        dt = None if isinstance(x, np.generic) else getattr(x, "dtype", None)
        if dt is None:
            if isinstance(x, (list, tuple)):
                dt = np.asarray(x).dtype
                if dt.kind == "f":
                    dt = get_default_dtype()
                dims = dt if dims is None else promote_types(dims, dt)
                continue
            dt = _scalar_dtype(x)
            scalars = dt if scalars is None else promote_types(scalars, dt)
        elif x.ndim:
            dims = dt if dims is None else promote_types(dims, dt)
        else:
            zero = dt if zero is None else promote_types(zero, dt)
    out = _combine(dims, _combine(zero, scalars))
    if out is None:
        raise TypeError("result_type: expected at least one operand")
    return out
