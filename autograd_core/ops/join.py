"""Joining and cutting tensors: ``cat``/``concatenate``, ``stack``, ``split``,
``chunk``, ``unbind`` and ``pad`` (modes constant, reflect, replicate,
circular, with PyTorch's pad order: last dim first).

Each op is the adjoint of another one, so every backward is a forward of
this file and can be differentiated again:

    y = cat(x₁..xₖ, d)   ⇒  x̄ᵢ = split(ȳ, sizes, d)ᵢ      and split's backward is cat
    y = stack(x₁..xₖ, d) ⇒  x̄ᵢ = unbind(ȳ, d)ᵢ           and unbind's backward is stack
    y = pad(x, p, value) ⇒  x̄ = pad(ȳ, −p, 0)  (constant padding; a negative pad crops)
    y = pad(x, p, mode)  ⇒  x̄ = fold(ȳ): each padded element's gradient is added to the
                            input element it copies (reflected, edge or wrapped);
                            fold's backward is pad again

Negative widths crop, in every mode, as PyTorch: reflect and replicate pad
with the positive widths and then crop (the reflection may reach elements
that the crop then removes: pad((3, -1), 'reflect') of x₀..x₃ is
x₃ x₂ x₁ x₀ x₁ x₂); circular crops first and wraps around what is left
(each positive width at most that size). A crop is constant padding with
negative widths, so these compose the two rules above.

All of them but constant padding are linear (``Linear`` ops), so the
forward-mode tangent is the same op applied to the input tangents:
ẏ = cat(ẋ₁..ẋₖ, d), (ẏ₁..ẏₖ) = split(ẋ, sizes, d), ẏ = pad(ẋ, p, mode), and
fold for fold. Constant padding with a value c ≠ 0 is affine, and c has no
tangent, so its rule is written out: ẏ = pad(ẋ, p, 0).

``split``, ``chunk`` and ``unbind`` return views; an unused piece gets a zero
gradient (the engine gives missing outputs of a multi-output op as zeros).
"""
import operator

import numpy as np

from ..dtypes import result_type
from ..function import Linear, Op
from ..tensor import Tensor
from ._util import as_tensor, normalize_dim


class Cat(Linear):
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.sizes = tuple(x.shape[dim] for x in xs)
        dtypes = {x.dtype for x in xs}
        if len(dtypes) == 1:
            return np.concatenate(xs, axis=dim)
        dtype = result_type(*xs)  # PyTorch's promotion: ints never promote floats
        return np.concatenate(xs, axis=dim, dtype=dtype, casting="same_kind")

    @staticmethod
    def backward(ctx, g):
        pieces = Split.apply(g, ctx.sizes, ctx.dim)
        return (None, *(p if need else None for p, need in zip(pieces, ctx.needs_input_grad[1:])))


class Split(Linear):
    _is_view = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.sizes, ctx.dim = sizes, dim
        return tuple(np.split(x, np.cumsum(sizes[:-1]), axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        return Cat.apply(ctx.dim, *grads), None, None


class Stack(Linear):
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        pieces = Unbind.apply(g, ctx.dim)
        return (None, *(p if need else None for p, need in zip(pieces, ctx.needs_input_grad[1:])))


class Unbind(Linear):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return tuple(np.moveaxis(x, dim, 0))

    @staticmethod
    def backward(ctx, *grads):
        return Stack.apply(ctx.dim, *grads), None


def _tensors(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty list of tensors")
    return [as_tensor(t) for t in tensors]


def cat(tensors, dim=0):
    """Concatenate ``tensors`` along the existing dim ``dim``."""
    ts = _tensors(tensors, "cat")
    ref = ts[0].shape
    if not ref:
        raise RuntimeError("cat: zero-dimensional tensor (at position 0) cannot be concatenated")
    d = normalize_dim(dim, len(ref), "cat")
    for i, t in enumerate(ts):
        s = t.shape
        if len(s) != len(ref) or s[:d] != ref[:d] or s[d + 1:] != ref[d + 1:]:
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {d}; tensor 0 "
                               f"has shape {list(ref)} and tensor {i} has shape {list(s)}")
    return Cat.apply(d, *ts)


concatenate = concat = cat


def stack(tensors, dim=0):
    """Stack equal-shape ``tensors`` along a new dim ``dim``."""
    ts = _tensors(tensors, "stack")
    ref = ts[0].shape
    for i, t in enumerate(ts):
        if t.shape != ref:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got {list(ref)} at "
                               f"entry 0 and {list(t.shape)} at entry {i}")
    return Stack.apply(normalize_dim(dim, len(ref) + 1, "stack"), *ts)


def unbind(input, dim=0):
    """The slices of ``input`` along ``dim``, as a tuple of views without that dim."""
    return Unbind.apply(input, normalize_dim(dim, input.ndim, "unbind"))


def split(tensor, split_size_or_sections, dim=0):
    """Cut ``tensor`` along ``dim`` into pieces of size ``split_size_or_sections``
    (an int: the last piece may be smaller) or of the given sizes (a list);
    returns a tuple of views."""
    d = normalize_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = tuple(operator.index(s) for s in split_size_or_sections)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split: split sizes {list(sizes)} must be non-negative and sum "
                               f"exactly to {n}, the size of dim {d} of the input of shape "
                               f"{list(tensor.shape)}")
    else:
        s = operator.index(split_size_or_sections)
        if s < 0 or (s == 0 and n):
            raise RuntimeError(f"split: split_size must be positive (0 only for an empty dim), "
                               f"got {s} for dim {d} of size {n}")
        sizes = (s,) * (n // s) + ((n % s,) if n % s else ()) if n else (0,)
    return Split.apply(tensor, sizes, d)


def chunk(input, chunks, dim=0):
    """Cut ``input`` into ``chunks`` pieces of equal size ceil(n / chunks) (the
    last may be smaller; there may be fewer pieces, as in PyTorch)."""
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk: expects `chunks` to be greater than 0, got {chunks}")
    n = input.shape[normalize_dim(dim, input.ndim, "chunk")]
    return split(input, -(-n // chunks), dim)


class ConstantPad(Op):
    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths))
        if any(n < 0 for n in shape):
            raise RuntimeError(f"pad: padding {list(widths)} of the input of shape "
                               f"{list(x.shape)} gives the negative size {list(shape)}")
        out = np.full(shape, value, x.dtype) if value else np.zeros(shape, x.dtype)
        src, dst = [], []
        for n, (lo, hi) in zip(x.shape, widths):
            start = max(-lo, 0)
            length = max(n - max(-hi, 0) - start, 0)
            src.append(slice(start, start + length))
            dst.append(slice(max(lo, 0), max(lo, 0) + length))
        out[tuple(dst)] = x[tuple(src)]
        return out

    @staticmethod
    def backward(ctx, g):
        return ConstantPad.apply(g, tuple((-lo, -hi) for lo, hi in ctx.widths), 0), None, None

    @staticmethod
    def jvp(ctx, t, *_):  # affine in x: the pad value c has no tangent
        return ConstantPad.apply(t, ctx.widths, 0)


_NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class ModePad(Linear):
    """Padding by copies of input elements (reflect, replicate, circular)."""

    @staticmethod
    def forward(ctx, x, widths, mode):
        ctx.widths, ctx.mode = widths, mode
        return np.pad(x, widths, mode=_NUMPY_MODE[mode])

    @staticmethod
    def backward(ctx, g):
        return PadFold.apply(g, ctx.widths, ctx.mode), None, None


def _at(d, s):
    return (slice(None),) * d + (s,)


class PadFold(Linear):
    """The adjoint of ``ModePad``: crop, adding each padded element's
    gradient to the element it was copied from (one dim at a time)."""

    @staticmethod
    def forward(ctx, g, widths, mode):
        ctx.widths, ctx.mode = widths, mode
        out = g.copy()
        for d, (lo, hi) in enumerate(widths):
            if not (lo or hi):
                continue
            n = out.shape[d] - lo - hi
            core = out[_at(d, slice(lo, lo + n))].copy()
            left, right = out[_at(d, slice(0, lo))], out[_at(d, slice(lo + n, None))]
            if mode == "reflect":  # left[j] copies x[lo - j], right[k] copies x[n - 2 - k]
                core[_at(d, slice(1, lo + 1))] += np.flip(left, d)
                core[_at(d, slice(n - 1 - hi, n - 1))] += np.flip(right, d)
            elif mode == "replicate":
                core[_at(d, slice(0, 1))] += left.sum(axis=d, keepdims=True)
                core[_at(d, slice(n - 1, n))] += right.sum(axis=d, keepdims=True)
            else:  # circular: left[j] copies x[n - lo + j], right[k] copies x[k]
                core[_at(d, slice(n - lo, n))] += left
                core[_at(d, slice(0, hi))] += right
            out = core
        return out

    @staticmethod
    def backward(ctx, g):
        return ModePad.apply(g, ctx.widths, ctx.mode), None, None


def pad(input, pad, mode="constant", value=None):
    """Pad ``input``; ``pad`` = (left, right) for the last dim, then (top,
    bottom) for the one before, and so on. ``mode`` is 'constant' (with
    ``value``, default 0), 'reflect' (mirror without the edge), 'replicate'
    (repeat the edge) or 'circular' (wrap around); in every mode a negative
    width crops that side."""
    pad = tuple(operator.index(p) for p in pad)
    nd = input.ndim
    if len(pad) % 2 or len(pad) // 2 > nd:
        raise RuntimeError(f"pad: the padding {list(pad)} must have an even length of at most twice "
                           f"the number of dims of the input of shape {list(input.shape)}")
    widths = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        widths[nd - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    widths = tuple(widths)
    if mode == "constant":
        return ConstantPad.apply(input, widths, 0 if value is None else value)
    if mode not in _NUMPY_MODE:  # PyTorch's exception types for these two
        raise NotImplementedError(f"Unrecognised padding mode {mode}: pad: mode must be 'constant', 'reflect', "
                                  f"'replicate' or 'circular'")
    if value:
        raise RuntimeError(f"pad: padding mode {mode!r} doesn't take in value argument")
    _check_mode_widths(input.shape, widths, mode)
    grow = tuple((max(lo, 0), max(hi, 0)) for lo, hi in widths)
    crop = tuple((min(lo, 0), min(hi, 0)) for lo, hi in widths)
    if not any(lo or hi for lo, hi in crop):
        return ModePad.apply(input, widths, mode)
    if mode == "circular":  # wrap around what is left after cropping
        out = ConstantPad.apply(input, crop, 0)
        return ModePad.apply(out, grow, mode) if any(lo or hi for lo, hi in grow) else out
    return ConstantPad.apply(ModePad.apply(input, grow, mode), crop, 0)


def _check_mode_widths(shape, widths, mode):
    """PyTorch's limits for the copying modes; a negative width crops that side.
    Circular padding that would wrap more than once around the cropped dim is
    refused (PyTorch then copies from its own partly written output)."""
    for d, ((lo, hi), n) in enumerate(zip(widths, shape)):
        if not (lo or hi):
            continue
        where = f"pad: {mode} padding ({lo}, {hi}) of dim {d} of the input of shape {list(shape)}"
        if mode == "circular":
            core = n - max(-lo, 0) - max(-hi, 0)
            if core < 0 or (core == 0 and max(lo, hi) > 0):
                raise RuntimeError(f"{where}: negative padding value is resulting in an empty dimension")
            if max(lo, hi) > core:
                raise RuntimeError(f"{where}: padding value causes wrapping around more than once "
                                   f"(at most the dim size {core} left after cropping)")
            continue
        if mode == "reflect" and max(lo, hi) >= n:
            raise RuntimeError(f"{where}: padding size should be less than the dim size {n}")
        if mode == "replicate" and not n:
            raise RuntimeError(f"{where}: the dim must not be empty")
        if n + lo + hi < 0:
            raise RuntimeError(f"{where}: the input is too small, calculated output size {n + lo + hi}")


__all__ = ["cat", "concatenate", "concat", "stack", "split", "chunk", "unbind", "pad"]
METHODS = {"split": split, "chunk": chunk, "unbind": unbind}
