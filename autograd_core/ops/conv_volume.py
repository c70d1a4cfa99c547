"""3-D convolution and transposed convolution (``conv3d``,
``conv_transpose3d``), composed from the 2-D ones along the depth.

For x (N, C, D, H, W) and w (Co, C/g, kd, kh, kw), stride s, padding p and
dilation d (per dim), a 3-D cross-correlation is a sum over the kernel's
depth taps m of 2-D convolutions of depth slices:

    y[n, :, z] = b + Σ_m conv2d(x[n, :, z·s_d - p_d + m·d_d], w[:, :, m])      (zero slices outside)

The slice selection is a 0/1 matrix E_m (OD, D), E_m[z, t] = [t = z·s_d - p_d + m·d_d],
applied to x seen as (N, D, C·H·W): every depth z of every sample is one
image of a batch of N·OD for ``conv2d``. The transposed convolution is the
adjoint, with the transposed selection:

    y[n, :, t] = b + Σ_m Σ_z E_m[z, t] · conv_transpose2d(x[n, :, z], w[:, :, m])

where E_m is the selection of a convolution from depth D_out to D.
Everything is a Tensor op (matmul with a constant matrix, reshape,
permute, the 2-D convolutions), so both are twice differentiable and have a
jvp. Cost: kd calls of the 2-D op on a batch of N·OD images, plus the small
selection products.
"""
import numpy as np

from ..kernels.conv import Geometry
from ..tensor import Tensor
from .conv import Convolution, Layout
from .conv_args import conv_arguments_nd
from .conv_transpose import _channel_bias, conv_transpose2d, transpose_arguments
from .join import pad
from .linalg import matmul
from .shape import permute, reshape


def _selection(out_depth, in_depth, s, p, d, m, dtype, transposed=False):
    """E (out_depth, in_depth): E[z, t] = 1 where t = z·s - p + m·d (or its transpose)."""
    e = np.zeros((out_depth, in_depth), dtype)
    z = np.arange(out_depth)
    t = z * s - p + m * d
    ok = (t >= 0) & (t < in_depth)
    e[z[ok], t[ok]] = 1
    return Tensor(np.ascontiguousarray(e.T) if transposed else e)


def _batched(input, nsp=3):
    return (input, True) if input.ndim == nsp + 2 else (reshape(input, (1,) + input.shape), False)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """3-D convolution (cross-correlation) of input (N, C, D, H, W) or
    (C, D, H, W) with weight (Co, C/groups, kd, kh, kw), plus bias (Co,);
    ``padding`` an int, a triple, 'valid' or 'same'; ``padding_mode`` as ``conv2d``."""
    (st, pads, dil, groups), pre_pad = conv_arguments_nd("conv3d", 3, input, weight, bias, stride, padding,
                                                         dilation, groups, padding_mode)
    if pre_pad is not None:
        input = pad(input, pre_pad, mode=padding_mode)
    x, batched = _batched(input)
    N, C, D, H, W = x.shape
    Co, _, kd = weight.shape[:3]
    (pd0, pd1), (ph0, ph1), (pw0, pw1) = pads
    OD = (D + pd0 + pd1 - dil[0] * (kd - 1) - 1) // st[0] + 1
    flat = reshape(permute(x, (0, 2, 1, 3, 4)), (N, D, C * H * W))
    lay = Layout(Geometry(st[1:], (ph0, ph1, pw0, pw1), dil[1:], groups), False, True)
    y = None
    for m in range(kd):
        e = _selection(OD, D, st[0], pd0, dil[0], m, x.dtype)
        xm = reshape(matmul(e, flat), (N * OD, C, H, W))
        ym = Convolution.apply(xm, weight[:, :, m], None, lay)
        y = ym if y is None else y + ym
    y = permute(reshape(y, (N, OD) + y.shape[1:]), (0, 2, 1, 3, 4))
    if bias is not None:
        y = _channel_bias(y, bias, 3)
    return y if batched else reshape(y, y.shape[1:])


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution of input (N, Ci, D, H, W) or (Ci, D, H, W)
    with weight (Ci, Co/groups, kd, kh, kw), plus bias (Co,): the adjoint of
    ``conv3d`` with respect to its input."""
    st, pd, q, dil, groups, outs = transpose_arguments("conv_transpose3d", 3, input, weight, bias, stride,
                                                       padding, output_padding, groups, dilation)
    x, batched = _batched(input)
    N, Ci, D, H, W = x.shape
    kd = weight.shape[2]
    flat = reshape(permute(x, (0, 2, 1, 3, 4)), (N * D, Ci, H, W))
    y = None
    for m in range(kd):
        ym = conv_transpose2d(flat, weight[:, :, m], None, st[1:], pd[1:], q[1:], groups, dil[1:])
        ym = reshape(ym, (N, D, -1))
        e = _selection(D, outs[0], st[0], pd[0], dil[0], m, x.dtype, transposed=True)  # (D_out, D)
        ym = matmul(e, ym)
        y = ym if y is None else y + ym
    co = weight.shape[1] * groups
    y = permute(reshape(y, (N, outs[0], co) + outs[1:]), (0, 2, 1, 3, 4))
    if bias is not None:
        y = _channel_bias(y, bias, 3)
    return y if batched else reshape(y, y.shape[1:])


__all__ = ["conv3d", "conv_transpose3d"]
METHODS = {}
