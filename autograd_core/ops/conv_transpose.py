"""Transposed convolution: ``conv_transpose1d`` and ``conv_transpose2d``.

For x (N, Ci, H, W), w (Ci, Co/g, kh, kw) and bias b, with stride s,
padding p, output padding q, dilation d and g groups, the transposed
convolution scatters every input pixel through the kernel:

    y[n, o, i·s - p + m·d, j·s - p + k·d] += x[n, c, i, j] · w[c, o - o₀(c), m, k]

(o₀(c) = (c div Ci/g)·Co/g: input channel c feeds the output channels of its
group), plus b[o]; the output size is

    H_out = (H - 1)·s - 2p + d·(kh - 1) + q + 1        (q < s or q < d).

It is the adjoint of a convolution with respect to its input: with the
convolution y' = x' ⋆ w of an input x' (N, Co, H_out, W_out) by w seen as a
(Ci, Co/g, kh, kw) convolution weight (stride s, padding p, dilation d),

    ⟨x' ⋆ w, x⟩ = ⟨x', conv_transpose(x, w)⟩.

So no new op is needed: ``conv_transpose`` is ``ConvolutionInputGrad`` of
``ops/conv.py`` (which already carries its backward, jvp and second
derivatives through the trilinear form of the convolution), with H_out as
the "input" size, and the bias added inside its kernel. The output padding q only lengthens the result at the
bottom/right; the geometry's bottom padding is p minus the whole strides in
q, so that the convolution in the backward maps H_out back to exactly H.
"""

from ..kernels.conv import Geometry
from .conv import ConvolutionInputGrad, Layout
from .conv_args import _ints, check_groups, check_operands, check_positive
from .shape import reshape


def transpose_arguments(op, nsp, input, weight, bias, stride, padding, output_padding, groups, dilation):
    """Check the arguments of a transposed convolution with ``nsp`` spatial
    dims; return (stride, padding, output_padding, dilation, groups, out_sizes)."""
    check_operands(op, nsp, input, weight, bias, "in_channels, out_channels/groups")
    if isinstance(padding, str):
        raise RuntimeError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    stride, dilation = _ints(stride, nsp, "stride"), _ints(dilation, nsp, "dilation")
    padding, output_padding = _ints(padding, nsp, "padding"), _ints(output_padding, nsp, "output_padding")
    check_positive(op, "stride", stride)
    check_positive(op, "dilation", dilation)
    if min(padding) < 0 or min(output_padding) < 0:
        raise RuntimeError(f"{op}: negative padding is not supported (padding={list(padding)}, "
                           f"output_padding={list(output_padding)})")
    for q, s, d in zip(output_padding, stride, dilation):
        if q >= s and q >= d:
            raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, but "
                               f"got output_padding={list(output_padding)}, stride={list(stride)}, "
                               f"dilation={list(dilation)}")
    groups = check_groups(op, groups)
    ci, cog = weight.shape[:2]
    c_in = input.shape[-nsp - 1]
    if ci != c_in:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {ci} channels, but got {c_in} channels instead")
    if ci % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size {list(weight.shape)} instead")
    if bias is not None and bias.shape != (cog * groups,):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {cog * groups} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    ks = weight.shape[2:]
    sizes = input.shape[-nsp:]
    outs = tuple((n - 1) * s - 2 * p + d * (k - 1) + q + 1
                 for n, s, p, d, k, q in zip(sizes, stride, padding, dilation, ks, output_padding))
    if min(outs) <= 0 or min(ks) < 1:
        raise RuntimeError(f"{op}: Given input size per channel: {list(sizes)}, calculated output size "
                           f"{list(outs)} is too small")
    return stride, padding, output_padding, dilation, groups, outs


def output_padding_for(op, nsp, input, weight, stride, padding, dilation, output_size):
    """The output padding that makes a transposed convolution produce
    ``output_size`` (PyTorch's ``output_size`` argument of the layers): the
    result must lie in [min, min + max(s, d) - 1], min the size for q = 0."""
    if output_size is None:
        return None
    output_size = tuple(int(v) for v in output_size)[-nsp:]
    if len(output_size) != nsp:
        raise ValueError(f"{op}: output_size must have {nsp} or {nsp + 2} elements (got {len(output_size)})")
    stride, padding, dilation = (_ints(v, nsp, n) for v, n in ((stride, "stride"), (padding, "padding"),
                                                             (dilation, "dilation")))
    sizes, ks = input.shape[-nsp:], weight.shape[2:]
    qs = []
    for o, n, s, p, d, k in zip(output_size, sizes, stride, padding, dilation, ks):
        lo = (n - 1) * s - 2 * p + d * (k - 1) + 1
        hi = lo + max(s, d) - 1
        if not lo <= o <= hi:
            raise ValueError(f"{op}: requested an output size of {list(output_size)}, but valid sizes range "
                             f"from {lo} to {hi} (for an input of {list(input.shape[-nsp:])})")
        qs.append(o - lo)
    return tuple(qs)


def _channel_bias(y, bias, nsp):
    return y + reshape(bias, (bias.shape[0],) + (1,) * nsp)


def _transpose(op, nsp, input, weight, bias, stride, padding, output_padding, groups, dilation):
    stride, padding, output_padding, dilation, groups, outs = transpose_arguments(
        op, nsp, input, weight, bias, stride, padding, output_padding, groups, dilation)
    pads = [(p, p - (q - q % s)) for p, q, s in zip(padding, output_padding, stride)]
    if nsp == 1:
        stride, dilation, pads = (1,) + stride, (1,) + dilation, [(0, 0)] + pads
    (pt, pb), (pl, pr) = pads
    lay = Layout(Geometry(stride, (pt, pb, pl, pr), dilation, groups), nsp == 1, input.ndim == nsp + 2)
    co = weight.shape[1] * groups
    out_shape = input.shape[:-nsp - 1] + (co,) + outs
    return ConvolutionInputGrad.apply(input, weight, lay, out_shape, bias)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution of input (N, Ci, H, W) or (Ci, H, W) with
    weight (Ci, Co/groups, kh, kw), plus bias (Co,): the adjoint of
    ``conv2d`` with respect to its input (see the module docstring)."""
    return _transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                      dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution of input (N, Ci, L) or (Ci, L) with weight
    (Ci, Co/groups, k); arguments as ``conv_transpose2d``."""
    return _transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                      dilation)


__all__ = ["conv_transpose1d", "conv_transpose2d"]
METHODS = {}
