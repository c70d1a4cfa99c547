"""``unfold`` and ``fold`` of ``nn.functional`` (im2col and col2im): the
sliding blocks of an image as columns, and their sum back into an image.
Not exported as ``autograd_core.unfold`` (``Tensor.unfold`` is a different
op); ``nn.functional`` imports them from here.

For x (N, C, H, W), a kernel (kh, kw), dilation d, padding p and stride s,
block l = (oh, ow) (L = OH·OW blocks, OH = ⌊(H + 2p - d(kh - 1) - 1)/s⌋ + 1)
gives the column

    cols[n, (c·kh + i)·kw + j, l] = x[n, c, oh·s - p + i·d, ow·s - p + j·d]   (0 in the padding)

``unfold`` is linear and ``fold`` (col2im: every column entry added into the
pixel it came from, padding entries dropped) is its adjoint,
⟨unfold(x), c⟩ = ⟨x, fold(c)⟩; each is the other's backward (``Linear``
ops ``Unfold`` and ``Fold`` on the kernels of ``kernels/im2col.py``), so
fold(unfold(x)) = x · (the number of blocks covering each pixel).
"""
from ..kernels.im2col import col2im, im2col
from ..tensor import Tensor
from ._adjoint import ArgLinearAdjoint, ShapedArgLinear


def _pair(v, name, op):
    if isinstance(v, int) and not isinstance(v, bool):
        return v, v
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(e, int) for e in v):
        return tuple(v)
    raise TypeError(f"{op}(): {name} must be an int or a tuple of two ints, got {v!r}")


def _unfold(x, g):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (oh, ow) = g
    return im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


def _fold(cols, g, x_shape):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (oh, ow) = g
    return col2im(cols, x_shape[1], x_shape[2], x_shape[3], kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


class Unfold(ShapedArgLinear):
    """cols = im2col(x) for x (N, C, H, W)."""

    _f = staticmethod(_unfold)


class Fold(ArgLinearAdjoint):
    """x = col2im(cols) into the image shape ``x_shape``."""

    _f = staticmethod(_fold)


Unfold._adjoint, Fold._adjoint = Fold, Unfold


def _geometry(op, size, kernel_size, dilation, padding, stride):
    k, d = _pair(kernel_size, "kernel_size", op), _pair(dilation, "dilation", op)
    p, s = _pair(padding, "padding", op), _pair(stride, "stride", op)
    if min(k) <= 0 or min(d) <= 0 or min(s) <= 0 or min(p) < 0:
        raise RuntimeError(f"{op}: kernel_size, dilation and stride must be positive and padding non-negative, "
                           f"got kernel_size={k}, dilation={d}, padding={p}, stride={s}")
    blocks = tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, dd, pp, ss in zip(size, k, d, p, s))
    if min(blocks) < 1:
        raise RuntimeError(f"{op}: Given input with spatial size {list(size)}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as {list(blocks)}, "
                           f"but its components must be at least one.")
    return k, d, p, s, blocks


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) or (C, H, W) -> (N, C·kh·kw, L) or (C·kh·kw, L): the blocks as columns."""
    if not isinstance(input, Tensor):
        raise TypeError(f"unfold(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    x = input if input.ndim == 4 else input.reshape((1,) + input.shape)
    g = _geometry("unfold", x.shape[2:], kernel_size, dilation, padding, stride)
    cols = Unfold.apply(x, g)
    return cols if input.ndim == 4 else cols.reshape(cols.shape[1:])


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C·kh·kw, L) or (C·kh·kw, L) -> (N, C, H, W) or (C, H, W), H, W = output_size:
    each column entry added into its pixel (the adjoint of ``unfold``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fold(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input.ndim}D)")
    c = input if input.ndim == 3 else input.reshape((1,) + input.shape)
    size = _pair(output_size, "output_size", "fold")
    g = _geometry("fold", size, kernel_size, dilation, padding, stride)
    kk = g[0][0] * g[0][1]
    if c.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={c.shape[1]} and kernel_size={g[0]}")
    if c.shape[2] != g[4][0] * g[4][1]:
        raise RuntimeError(f"Given output_size={size}, kernel_size={g[0]}, dilation={g[1]}, padding={g[2]}, "
                           f"stride={g[3]}, expected size of input's dimension 2 to match the calculated number "
                           f"of sliding blocks {g[4][0]} * {g[4][1]} = {g[4][0] * g[4][1]}, but got "
                           f"input.size(2)={c.shape[2]}.")
    x = Fold.apply(c, g, (c.shape[0], c.shape[1] // kk) + size)
    return x if input.ndim == 3 else x.reshape(x.shape[1:])
