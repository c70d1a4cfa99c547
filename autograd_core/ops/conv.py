"""Convolution: ``conv2d`` and ``conv1d`` (a cross-correlation, as in PyTorch).

For x (N, C, H, W), w (Co, C/g, kh, kw) and bias b, with stride s, padding p
(zeros outside the image), dilation d and g groups (output channel o sees
the input channels of its group, c₀(o) = (o div Co/g)·C/g):

    y[n, o, i, j] = b[o] + Σ_{c, m, k} x[n, c₀(o) + c, i·s - p + m·d, j·s - p + k·d] · w[o, c, m, k]

The output size is floor((H + 2p - d·(kh - 1) - 1) / s) + 1 per spatial dim.
``conv1d`` is ``conv2d`` on a height-1 image; an input without the batch dim
is a batch of one.

Three ops, each linear in each argument, carry the maths. They are three
faces of one trilinear form T(x, w, ȳ) = ⟨ȳ, x ⋆ w⟩, so the derivatives of
each one are the other two (this is what makes ``conv2d`` twice
differentiable):

    Convolution         y = x ⋆ w + b          x̄ = InputGrad(ȳ, w),  w̄ = WeightGrad(x, ȳ),  b̄ = Σ_{n,i,j} ȳ
    ConvolutionInputGrad   h = InputGrad(g, w)  ḡ = h̄ ⋆ w,             w̄ = WeightGrad(h̄, g)
    ConvolutionWeightGrad  v = WeightGrad(x, g) x̄ = InputGrad(g, v̄),   ḡ = x ⋆ v̄

(InputGrad is the transposed convolution, WeightGrad the correlation of x
with ȳ.) Being bilinear, each has the jvp rule (``product_rule``)

    ẏ = ẋ ⋆ w + x ⋆ ẇ + ḃ        (and alike for InputGrad and WeightGrad).

The bias gradient b̄ = Σ ȳ is the ``Linear`` op ``ChannelSum``, whose
adjoint broadcasts a per-channel vector back.

The products run on the kernels of ``autograd_core.kernels.conv`` (im2col +
GEMM); when w needs a gradient, the forward keeps its im2col columns for
``ConvolutionWeightGrad`` (their memory, C·kh·kw·OH·OW values per sample,
is held until the backward frees the saved tensors). The backward of
``ConvolutionInputGrad`` (that of a transposed convolution) needs
im2col(h̄) for both of its products, h̄ ⋆ w and WeightGrad(h̄, g): when
both are needed they are one node, ``ConvolutionAndWeightGrad``, which
computes the columns once. ``ConvolutionInputGrad``
also takes an optional per-channel bias (the transposed convolution's),
added inside the kernel. ``padding_mode`` other than 'zeros' pads the
input first with ``pad``.
"""
from collections import namedtuple

from ..function import Linear, Op
from ..grad_mode import is_grad_enabled
from ..kernels import conv as K
from .broadcast import broadcast_to
from .conv_args import conv_arguments
from .join import pad
from .linalg import product_rule
from .shape import reshape

# the kernels' geometry, plus how a user array maps to NCHW: conv1d adds a
# height-1 dim, an unbatched input a batch dim
Layout = namedtuple("Layout", "geom one_d batched")


def _x4(a, lay):
    """An input-like array (x, y, or their gradients) as NCHW."""
    if lay.one_d:
        a = a[..., None, :]
    return a if lay.batched else a[None]


def _w4(a, lay):
    return a[..., None, :] if lay.one_d else a


def _user(a4, lay):
    """An NCHW result back in the user's layout."""
    s = a4.shape
    if lay.one_d:
        s = s[:2] + s[3:]
    return a4.reshape(s if lay.batched else s[1:])


class Convolution(Op):
    """y = x ⋆ w + b (b may be None). With ``keep_cols`` the forward keeps
    its im2col columns with the saved tensors (freed with them) for the
    weight gradient, which then does not run im2col again."""

    @staticmethod
    def forward(ctx, x, w, b, lay, keep_cols=False):
        ctx.lay = lay
        x4, w4 = _x4(x, lay), _w4(w, lay)
        cols = K.new_cols(x4.shape, w4.shape, lay.geom, x.dtype) if keep_cols else None
        if cols is None:
            ctx.save_for_backward(x, w)
        else:
            ctx.save_for_backward(x, w, cols)
        return _user(K.conv2d_forward(x4, w4, b, lay.geom, cols), lay)

    @staticmethod
    def backward(ctx, g):
        x, w, *cols = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = ConvolutionInputGrad.apply(g, w, ctx.lay, x.shape) if need[0] else None
        gw = ConvolutionWeightGrad.apply(x, g, ctx.lay, w.shape, *cols) if need[1] else None
        gb = ChannelSum.apply(g, ctx.lay) if need[2] else None
        return (gx, gw, gb) + (None,) * (len(need) - 3)

    @staticmethod
    def jvp(ctx, tx, tw, tb, *_):
        x, w = ctx.saved_tensors[:2]
        return _plus_bias(product_rule(Convolution, x, w, tx, tw, None, ctx.lay), tb, ctx.lay, x.ndim)


def _plus_bias(out, tb, lay, ndim):
    """out + ḃ broadcast over the channels (out itself when the bias has no tangent)."""
    return out + _channel_broadcast(tb, lay, ndim) if tb is not None and tb._data.any() else out


class ConvolutionInputGrad(Op):
    """x̄ from ȳ and w: the transposed convolution (x_shape fixes the size),
    plus a per-channel bias b when given (added in the kernel while each
    chunk is in cache; b̄ = Σ h̄ over every dim but the channels)."""

    @staticmethod
    def forward(ctx, g, w, lay, x_shape, b=None):
        ctx.lay, ctx.x_shape = lay, x_shape
        ctx.save_for_backward(g, w)
        H, W = (1, x_shape[-1]) if lay.one_d else x_shape[-2:]
        out = K.conv2d_input_grad(_x4(g, lay), _w4(w, lay), lay.geom, H, W, b)
        return out.reshape(x_shape)

    @staticmethod
    def backward(ctx, h):
        """ḡ = h̄ ⋆ w and w̄ = WeightGrad(h̄, g), one node when both are needed
        (``ConvolutionAndWeightGrad``: im2col(h̄) once), and b̄ = Σ h̄."""
        g, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        if need[0] and need[1]:
            gg, gw = ConvolutionAndWeightGrad.apply(h, w, g, ctx.lay)
        else:
            gg = Convolution.apply(h, w, None, ctx.lay) if need[0] else None
            gw = ConvolutionWeightGrad.apply(h, g, ctx.lay, w.shape) if need[1] else None
        gb = ChannelSum.apply(h, ctx.lay) if len(need) > 4 and need[4] else None
        return (gg, gw, None, None, gb)[:len(need)]

    @staticmethod
    def jvp(ctx, tg, tw, _, __, tb=None):
        g, w = ctx.saved_tensors
        return _plus_bias(product_rule(ConvolutionInputGrad, g, w, tg, tw, ctx.lay, ctx.x_shape), tb, ctx.lay,
                          len(ctx.x_shape))


class ConvolutionWeightGrad(Op):
    """w̄ from x and ȳ: the correlation of the input with the output gradient.
    ``cols``, when given, are im2col(x) kept by the forward (a saved tensor
    that needs no gradient: a function of x, not an input of its own)."""

    @staticmethod
    def forward(ctx, x, g, lay, w_shape, cols=None):
        ctx.lay, ctx.w_shape = lay, w_shape
        ctx.save_for_backward(x, g)
        kh, kw = (1, w_shape[2]) if lay.one_d else w_shape[2:]
        return K.conv2d_weight_grad(_x4(x, lay), _x4(g, lay), lay.geom, kh, kw, cols).reshape(w_shape)

    @staticmethod
    def backward(ctx, v):
        x, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = ConvolutionInputGrad.apply(g, v, ctx.lay, x.shape) if need[0] else None
        gg = Convolution.apply(x, v, None, ctx.lay) if need[1] else None
        return (gx, gg) + (None,) * (len(need) - 2)

    @staticmethod
    def jvp(ctx, tx, tg, *_):
        x, g = ctx.saved_tensors
        return product_rule(ConvolutionWeightGrad, x, g, tx, tg, ctx.lay, ctx.w_shape)


class ConvolutionAndWeightGrad(Op):
    """(y, v) = (h ⋆ w, WeightGrad(h, g)): the two products of the transposed
    convolution's backward, which both read im2col(h), as one node that
    computes the columns once (``kernels.conv.conv2d_forward_and_weight_grad``).
    Its rules are the two ops' side by side: for output gradients ȳ and v̄,

        h̄ = InputGrad(ȳ, w) + InputGrad(g, v̄),   w̄ = WeightGrad(h, ȳ),   ḡ = h ⋆ v̄
        ẏ = ḣ ⋆ w + h ⋆ ẇ,                         v̇ = WeightGrad(ḣ, g) + WeightGrad(h, ġ)."""

    @staticmethod
    def forward(ctx, h, w, g, lay):
        ctx.lay = lay
        ctx.save_for_backward(h, w, g)
        y, v = K.conv2d_forward_and_weight_grad(_x4(h, lay), _w4(w, lay), _x4(g, lay), lay.geom)
        return _user(y, lay), v.reshape(w.shape)

    @staticmethod
    def backward(ctx, gy, gv):
        h, w, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        gh = (ConvolutionInputGrad.apply(gy, w, ctx.lay, h.shape) + ConvolutionInputGrad.apply(g, gv, ctx.lay, h.shape)
              if need[0] else None)
        gw = ConvolutionWeightGrad.apply(h, gy, ctx.lay, w.shape) if need[1] else None
        gg = Convolution.apply(h, gv, None, ctx.lay) if need[2] else None
        return gh, gw, gg, None

    @staticmethod
    def jvp(ctx, th, tw, tg, _):
        h, w, g = ctx.saved_tensors
        return (product_rule(Convolution, h, w, th, tw, None, ctx.lay),
                product_rule(ConvolutionWeightGrad, h, g, th, tg, ctx.lay, w.shape))


class ChannelSum(Linear):
    """b̄ = Σ of ȳ over every dim but the channel dim; its adjoint broadcasts
    a per-channel vector back over those dims."""

    @staticmethod
    def forward(ctx, g, lay):
        ctx.lay, ctx.shape = lay, g.shape
        return K.conv2d_bias_grad(_x4(g, lay))

    @staticmethod
    def backward(ctx, h):
        return _channel_broadcast(h, ctx.lay, len(ctx.shape), ctx.shape), None


def _channel_broadcast(v, lay, ndim, shape=None):
    """A per-channel vector (C,) shaped to broadcast against a user array."""
    ch = 1 if lay.batched else 0
    v = reshape(v, (1,) * ch + (v.shape[0],) + (1,) * (ndim - ch - 1))
    return v if shape is None else broadcast_to(v, shape)


def _conv(op, nsp, input, weight, bias, stride, padding, dilation, groups, padding_mode):
    geom, pre_pad = conv_arguments(op, nsp, input, weight, bias, stride, padding, dilation, groups,
                                   padding_mode)
    if pre_pad is not None:
        input = pad(input, pre_pad, mode=padding_mode)
    lay = Layout(geom, nsp == 1, input.ndim == nsp + 2)
    return Convolution.apply(input, weight, bias, lay, weight.requires_grad and is_grad_enabled())


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """2-D convolution (cross-correlation) of input (N, C, H, W) or (C, H, W)
    with weight (Co, C/groups, kh, kw), plus bias (Co,). ``padding`` is an
    int, a pair, 'valid' (no padding) or 'same' (output size = input size,
    stride 1); ``padding_mode`` is 'zeros', 'reflect', 'replicate' or 'circular'."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups, padding_mode)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """1-D convolution of input (N, C, L) or (C, L) with weight (Co, C/groups, k),
    through the 2-D kernels; arguments as ``conv2d``."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups, padding_mode)


__all__ = ["conv2d", "conv1d"]
METHODS = {}
