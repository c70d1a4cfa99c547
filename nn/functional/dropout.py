"""Dropout functions of ``nn.functional``; p is the probability to *drop*, and
all are the identity when not training (or p = 0):

    dropout(x, p)        = x · m / (1 - p),  m ~ Bernoulli(1 - p) per entry (inverted dropout: E[y] = x)
    dropout1d/2d/3d      the same with one m per channel: m has shape (N, C, 1, ...)
    alpha_dropout(x, p)  = a · (x · m + α' (1 - m)) + b,  α' = -λα = -1.7580993408473766 (SELU's saturation),
                           a = ((1 - p)(1 + p α'²))^(-1/2), b = -a α' p: a dropped entry takes SELU's
                           negative saturation value and a, b keep zero mean and unit variance
    feature_alpha_dropout  the same with one m per channel

Unbatched inputs follow PyTorch: ``dropout1d`` takes (N, C, L) or (C, L),
``dropout3d`` (N, C, D, H, W) or (C, D, H, W); ``dropout2d`` takes
(N, C, H, W) and, for 3-D input, keeps PyTorch's historical reading as
(N, C, L) (one mask entry per sample and channel) with PyTorch's warning;
``dropout2d``/``dropout3d`` on other ranks warn and mask dims 0 and 1.
p = 1 gives zeros. ``alpha_dropout`` and ``feature_alpha_dropout`` default
to ``training=False``, as in PyTorch. ``inplace=True`` writes the result into
the input (an in-place op: version counter and autograd history as for
``mul_``). Masks come from autograd_core's global generator
(``ag.manual_seed`` reproduces them).
"""
import warnings

import numpy as np

from autograd_core.function import Op
from autograd_core.random import numpy_generator
from autograd_core.tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_SELU_SATURATION = 1.7580993408473766  # -α' = λα of SELU


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


class _Mask(Op):
    """The scaled mask keep · scale, keep ~ Bernoulli(1 - p), drawn in ``forward`` from the
    global generator (an op, so that a compiled function's replay draws a fresh mask)."""

    @staticmethod
    def forward(ctx, shape, p, scale, dtype):
        return (numpy_generator().random(shape) >= p).astype(dtype) * scale


def _apply(input, scale, shift, inplace):
    """input · scale (+ shift), in place when asked."""
    scale = scale if isinstance(scale, Tensor) else Tensor(scale)
    if inplace:
        input.mul_(scale)
        return input if shift is None else input.add_(Tensor(shift))
    out = input * scale
    return out if shift is None else out + Tensor(shift)


def _mask_shape(name, input, channel_dim):
    """The shape of the mask: the input's, or one entry per channel (dims up to ``channel_dim``)."""
    if channel_dim is None:
        return input.shape
    if input.ndim < 2:
        raise RuntimeError(f"{name}: Feature dropout requires at least 2 dimensions in the input, got shape "
                           f"{list(input.shape)}")
    return input.shape[:channel_dim + 1] + (1,) * (input.ndim - channel_dim - 1)


def _dropout(name, input, p, training, inplace, channel_dim=None, alpha=False):
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    dtype = input.dtype
    shape = _mask_shape(name, input, channel_dim)
    if p == 1.0:
        return _apply(input, np.zeros((), dtype), None, inplace)
    if not alpha:
        return _apply(input, _Mask.apply(tuple(shape), p, dtype.type(1.0 / (1.0 - p)), dtype), None, inplace)
    keep = (numpy_generator().random(shape) >= p).astype(dtype)
    a = 1.0 / np.sqrt((_SELU_SATURATION ** 2 * p + 1) * (1 - p))
    shift = ((keep - 1) * (_SELU_SATURATION * a) + _SELU_SATURATION * a * p).astype(dtype)
    return _apply(input, keep * dtype.type(a), shift, inplace)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each entry with probability ``p`` and scale the rest by 1/(1 - p)."""
    return _dropout("dropout", input, p, training, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Drop whole channels of (N, C, L) or unbatched (C, L) inputs."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
                           "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _dropout("dropout1d", input, p, training, inplace, channel_dim=input.ndim - 2)


def _warn_rank(name, input, ranks, spatial):
    if input.ndim not in ranks:
        warnings.warn(f"{name}: Received a {input.ndim}-D input to {name}, which is deprecated and will result "
                      f"in an error in a future release. To retain the behavior and silence this warning, please "
                      f"use dropout instead. Note that {name} exists to provide channel-wise dropout on inputs "
                      f"with {spatial} spatial dimensions, a channel dimension, and an optional batch dimension "
                      f"(i.e. {ranks[0]}D or {ranks[1]}D inputs).", stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Drop whole channels (feature maps) of (N, C, H, W) inputs; a 3-D input
    is read as (N, C, L), as PyTorch does (with its warning)."""
    _check_p(p)
    _warn_rank("dropout2d", input, (3, 4), 2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
                      "dim. This behavior will change in a future release to interpret the input as one without "
                      "a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
    return _dropout("dropout2d", input, p, training, inplace, channel_dim=1)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Drop whole channels (volumes) of (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""
    _check_p(p)
    _warn_rank("dropout3d", input, (4, 5), 3)
    return _dropout("dropout3d", input, p, training, inplace, channel_dim=0 if input.ndim == 4 else 1)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's zero mean and unit variance (see the module docstring)."""
    return _dropout("alpha_dropout", input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels of (N, C, *) inputs."""
    return _dropout("feature_alpha_dropout", input, p, training, inplace, channel_dim=1, alpha=True)
