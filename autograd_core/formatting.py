"""Numbers, arrays, shapes and dtypes as short text: the one formatting
shared by the evaluation-trace tables (``tracing``) and the graph drawings
(``viz``).

``fmt_number`` writes 3 decimals with trailing zeros dropped (scientific
notation for very small or large magnitudes), ``fmt_value`` a number or an
array on one line, ``fmt_constant`` a constant operand inside an
expression, ``fmt_small`` the values of a small array (None for a large
one), ``fmt_shape``/``fmt_meta`` a shape and dtype such as ``(2, 3) float64``.
"""
import re

import numpy as np


def fmt_number(x, precision=3):
    """3 decimals, trailing zeros dropped (0.693, 10, -0.959); scientific
    notation for very small or very large magnitudes."""
    x = float(x)
    if x == 0:
        return "0"
    if not np.isfinite(x):
        return str(x)
    if abs(x) < 10.0 ** -precision or abs(x) >= 1e7:
        return np.format_float_scientific(x, precision=precision, trim="-")
    return np.format_float_positional(x, precision=precision, trim="-")


def fmt_value(a, precision=3):
    """A value for the tables: a number, or an array on one line."""
    a = np.asarray(a)
    if a.dtype.kind not in "fc":
        return str(a.item()) if a.size == 1 else np.array2string(a, separator=", ", threshold=12)
    if a.size == 1:
        return fmt_number(a.item(), precision)
    s = np.array2string(a, separator=", ", threshold=12, edgeitems=3, max_line_width=10 ** 9,
                        formatter={"float_kind": lambda v: fmt_number(v, precision)})
    return re.sub(r"\s+", " ", s.replace("\n", ""))


def fmt_constant(c, precision=3):
    """A constant operand inside an expression (negative numbers in parentheses)."""
    s = fmt_value(c, precision) if not isinstance(c, str) else c
    return f"({s})" if s.startswith("-") else s


def fmt_shape(shape):
    return "scalar" if len(shape) == 0 else str(tuple(int(s) for s in shape))


def fmt_meta(shape, dtype, default_dtype=None):
    """``(2, 3) float64``; the dtype is left out when it is ``default_dtype``."""
    s = fmt_shape(shape)
    return s if default_dtype is not None and np.dtype(dtype) == default_dtype else f"{s} {np.dtype(dtype)}"


def fmt_small(arr, max_shown, precision=4):
    """An array's values on one line, or None when it has more than ``max_shown`` elements."""
    if arr is None:
        return None
    arr = np.asarray(arr)
    return fmt_value(arr, precision) if arr.size <= max_shown else None
