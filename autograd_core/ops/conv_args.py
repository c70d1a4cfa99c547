"""Argument checking for ``conv1d``/``conv2d`` (see ``conv.py``): shapes,
dtypes, stride/padding/dilation/groups, with PyTorch's error messages, and
the padding turned into the kernels' ``Geometry``.

``padding='same'`` pads d·(k - 1) in total per spatial dim, the smaller
half before (top/left), as PyTorch; it needs stride 1.
"""
import numpy as np

from ..kernels.conv import Geometry
from ..tensor import Tensor

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ints(v, n, name):
    """An int or a sequence of 1 or n ints as a tuple of n ints."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),) * n
    if isinstance(v, (tuple, list)) and all(isinstance(e, (int, np.integer)) for e in v):
        if len(v) == n:
            return tuple(int(e) for e in v)
        if len(v) == 1:
            return (int(v[0]),) * n
    shown = list(v) if isinstance(v, (tuple, list)) else v
    raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match "
                       f"the convolution dimensions, but got {name}={shown}")


def _size(shape):
    return " x ".join(str(s) for s in shape)


def check_operands(op, nsp, input, weight, bias, weight_dims):
    """Check that input, weight and bias are tensors of one floating dtype, the
    input (un)batched with ``nsp`` spatial dims and the weight of ``nsp + 2``
    dims, laid out as ``weight_dims`` says (for the error message)."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{op}(): argument 'bias' must be Tensor or None, not {type(bias).__name__}")
    if input.ndim not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"Expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) input to {op}, but "
                           f"got input of size: {list(input.shape)}")
    if weight.ndim != nsp + 2:
        raise RuntimeError(f"{op}: expected a {nsp + 2}-D weight ({weight_dims}, kernel...), but got weight "
                           f"of size {list(weight.shape)}")
    dtypes = [input.dtype, weight.dtype] + ([bias.dtype] if bias is not None else [])
    if input.dtype.kind != "f" or any(d != input.dtype for d in dtypes):
        raise RuntimeError(f"{op}: expected input, weight and bias of the same floating point dtype, "
                           f"got {', '.join(str(d) for d in dtypes)}")


def check_positive(op, name, values):
    """Reject a stride or dilation with an entry of 0 or less."""
    if min(values) <= 0:
        raise RuntimeError(f"{op}: non-positive {name} is not supported ({name}={list(values)})")


def check_groups(op, groups):
    """``groups`` as an int; it must be a positive integer (not a bool)."""
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (groups={groups!r})")
    return int(groups)


def conv_arguments(op, nsp, input, weight, bias, stride, padding, dilation, groups, padding_mode):
    """Check the arguments of a convolution with ``nsp`` spatial dims; return
    (Geometry, pre_pad): ``pre_pad`` is the ``pad`` argument for a padding
    mode other than 'zeros' (the geometry then has no padding), else None."""
    (stride, pads, dilation, groups), pre_pad = conv_arguments_nd(op, nsp, input, weight, bias, stride, padding,
                                                                  dilation, groups, padding_mode)
    if nsp == 1:
        stride, dilation, pads = (1,) + stride, (1,) + dilation, [(0, 0)] + pads
    (pt, pb), (pl, pr) = pads
    return Geometry(stride, (pt, pb, pl, pr), dilation, groups), pre_pad


def conv_arguments_nd(op, nsp, input, weight, bias, stride, padding, dilation, groups, padding_mode):
    """``conv_arguments`` for any number of spatial dims: return
    ((stride, [(lo, hi) per dim], dilation, groups), pre_pad)."""
    check_operands(op, nsp, input, weight, bias, "out_channels, in_channels/groups")
    stride, dilation = _ints(stride, nsp, "stride"), _ints(dilation, nsp, "dilation")
    check_positive(op, "stride", stride)
    check_positive(op, "dilation", dilation)
    groups = check_groups(op, groups)
    c_in = input.shape[-nsp - 1]
    co, cg = weight.shape[:2]
    if co % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size {list(weight.shape)} instead")
    if cg * groups != c_in:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {cg * groups} channels, but got {c_in} "
                           f"channels instead")
    if bias is not None and bias.shape != (co,):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional "
                           f"with {co} elements, but got bias of size {list(bias.shape)} instead")
    ks = weight.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0)] * nsp
        elif padding == "same":
            if max(stride) != 1:
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
            pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(ks, dilation)]
        else:
            raise RuntimeError(f"{op}: Invalid padding string: {padding!r} (use 'valid' or 'same')")
    else:
        p = _ints(padding, nsp, "padding")
        if min(p) < 0:
            raise RuntimeError(f"{op}: negative padding is not supported (padding={list(p)})")
        pads = [(q, q) for q in p]
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"{op}: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    sizes = input.shape[-nsp:]
    padded = [s + lo + hi for s, (lo, hi) in zip(sizes, pads)]
    dilated = [d * (k - 1) + 1 for k, d in zip(ks, dilation)]
    if min(ks) < 1 or any(p < k for p, k in zip(padded, dilated)):
        raise RuntimeError(f"{op}: Calculated padded input size per channel: ({_size(padded)}). Kernel "
                           f"size: ({_size(dilated)}). Kernel size can't be greater than actual input size")
    pre_pad = None
    if padding_mode != "zeros" and any(lo or hi for lo, hi in pads):
        pre_pad = tuple(q for lo_hi in reversed(pads) for q in lo_hi)  # (left, right[, top, bottom])
        pads = [(0, 0)] * nsp
    return (stride, pads, dilation, groups), pre_pad
