"""Argument checking for the pooling ops (see ``pool.py``), with PyTorch's
rules and error messages, and the output size

    out = floor((size + 2·pad - dilation·(k - 1) - 1 + (stride - 1 if ceil_mode)) / stride) + 1

where, with ``ceil_mode``, a last window that would start in the right
padding is dropped.

Dtypes are PyTorch's CPU ones: every pooling takes floats; max pooling
(``max_pool2d``/``max_pool3d``) also takes every integer dtype, average
pooling (2-D, 3-D) also int64 (the window sum divided with truncation);
the adaptive poolings and unpooling take floats only. The rest raises
PyTorch's ``NotImplementedError`` (``"avg_pool2d" not implemented for 'Int'``).
"""
import numpy as np

from ..tensor import Tensor
from ._elementwise_util import not_implemented_for

MAX_DTYPES, AVG_DTYPES = "integers", "int64"


def _pair(v, name, op):
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v), int(v)
    if isinstance(v, (tuple, list)) and len(v) in (1, 2) and all(
            isinstance(e, (int, np.integer)) and not isinstance(e, bool) for e in v):
        return (int(v[0]), int(v[-1]))
    raise TypeError(f"{op}: {name} must be an int or a tuple of two ints, got {v!r}")


def pool_out_size(size, k, stride, pad, dilation, ceil_mode):
    """The pooled size of one dim (PyTorch's ``pooling_output_shape``)."""
    out = (size + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def check_dtype(op, dtype, accepts=None):
    """Floats, and the integers ``accepts`` names (``MAX_DTYPES``: all but
    bool; ``AVG_DTYPES``: int64); otherwise PyTorch's NotImplementedError."""
    if dtype.kind == "f" or (accepts == MAX_DTYPES and dtype.kind in "iu") or (
            accepts == AVG_DTYPES and dtype == np.int64):
        return
    not_implemented_for(op, dtype, "biu")


def check_input(op, input, accepts=None):
    """A 3-D (C, H, W) or 4-D (N, C, H, W) tensor with non-empty planes, of a
    dtype the op takes (``check_dtype``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(f"{op}: non-empty 3D or 4D (batch mode) tensor expected for input, got "
                           f"a tensor of size {list(input.shape)}")
    check_dtype(op, input.dtype, accepts)


def pool_arguments(op, input, kernel_size, stride, padding, dilation, ceil_mode, accepts=None):
    """(kh, kw, sh, sw, ph, pw, dh, dw, OH, OW) after checking the arguments."""
    check_input(op, input, accepts)
    kh, kw = _pair(kernel_size, "kernel_size", op)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and not stride)
    sh, sw = (kh, kw) if no_stride else _pair(stride, "stride", op)
    ph, pw = _pair(padding, "padding", op)
    dh, dw = _pair(dilation, "dilation", op)
    if min(kh, kw) <= 0:
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got {(kh, kw)}")
    if min(sh, sw) <= 0:
        raise RuntimeError(f"{op}: stride must be greater than zero, but got {(sh, sw)}")
    if min(dh, dw) <= 0:
        raise RuntimeError(f"{op}: dilation must be greater than zero, but got {(dh, dw)}")
    for p, k, d in ((ph, kh, dh), (pw, kw, dw)):
        if p < 0 or 2 * p > d * (k - 1) + 1:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    H, W = input.shape[-2:]
    oh = pool_out_size(H, kh, sh, ph, dh, ceil_mode)
    ow = pool_out_size(W, kw, sw, pw, dw, ceil_mode)
    if oh < 1 or ow < 1:
        C = input.shape[-3]
        raise RuntimeError(f"{op}: Given input size: ({C}x{H}x{W}). Calculated output size: "
                           f"({C}x{oh}x{ow}). Output size is too small")
    return kh, kw, sh, sw, ph, pw, dh, dw, oh, ow


def adaptive_size(op, input, output_size):
    """``output_size`` (an int or a pair; None keeps the input size) as (OH, OW)."""
    check_input(op, input)
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        size = (int(output_size),) * 2
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        size = tuple(input.shape[-2 + i] if s is None else s for i, s in enumerate(output_size))
    else:
        raise RuntimeError(f"{op}: output_size must be 2 (an int or a pair), got {output_size!r}")
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in size):
        raise RuntimeError(f"{op}: elements of output_size must be positive ints, got {output_size!r}")
    return int(size[0]), int(size[1])
