"""Normalisation functions of ``nn.functional`` (per sample; batch norm is in
``conv.py`` beside the pooling it is used with). With E and the biased Var
taken over the set S of entries normalised together:

    layer_norm(x)          = (x - E_S[x]) / sqrt(Var_S[x] + eps) · w + b,  S = the last dims ``normalized_shape``
    rms_norm(x)            = x / sqrt(E_S[x²] + eps) · w,   eps=None: the machine epsilon of x's dtype
    group_norm(x, G)       = layer norm of each of the G groups of C/G channels of a sample, then
                             w_c · x̂ + b_c per channel
    instance_norm(x)       = each (sample, channel) plane normalised on its own (S = the spatial dims), then
                             w_c · x̂ + b_c; with running statistics it updates them in place as batch norm
                             does, averaging the per-instance mean and unbiased variance over the batch:
                             r ← (1 - momentum) r + momentum · mean_n(stat_n); ``use_input_stats=False``
                             normalises with the running statistics instead
    local_response_norm(x) = x_c / (k + α/n · Σ_{c'} x_{c'}²)^β,  c' over the n channels
                             c - ⌊n/2⌋ .. c + ⌊(n-1)/2⌋ (zeros beyond the edges; α/n as in PyTorch)

Layer norm is a fused op (``autograd_core/ops/norm_layer.py``); group and
instance norm view the input as (1, rows, -1) and run the fused batch-norm op
on it, as PyTorch does, about twice as fast as composing mean and variance
(measured, see docs/nn.md).
"""
import numbers

import numpy as np

import autograd_core as ag
from autograd_core.grad_mode import no_grad
from autograd_core.tensor import Tensor

__all__ = ["layer_norm", "rms_norm", "group_norm", "instance_norm", "local_response_norm"]

layer_norm = ag.layer_norm  # the fused op (autograd_core/ops/norm_layer.py)


def _last_dims(name, input, normalized_shape):
    """The dims an RMS norm reduces over, after checking the input ends in ``normalized_shape``."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"{name}: expected input with shape [*, {', '.join(map(str, shape))}], "
                           f"but got input of size {list(input.shape)}")
    return tuple(range(input.ndim - k, input.ndim))


def _standardize(input, rows, eps):
    """(x - E[x]) / sqrt(Var[x] + eps) over each of ``rows`` equal runs of
    ``input`` (flattened), through the fused batch-norm op on the (1, rows, -1) view."""
    if input.numel() <= rows:  # one value per run: x - E[x] = 0, and so is its gradient
        return input * 0
    return ag.batch_norm(input.reshape(1, rows, -1), None, None, training=True, eps=eps).reshape(input.shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x²) + eps) · w over the last dims; ``eps=None`` is
    ``finfo(input.dtype).eps``."""
    dims = _last_dims("rms_norm", input, normalized_shape)
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    out = input * ag.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    return out if weight is None else out * weight


def _channel_shape(input):
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def _affine(out, weight, bias):
    """w_c · out + b_c along dim 1."""
    if weight is not None:
        out = out * weight.reshape(_channel_shape(out))
    if bias is not None:
        out = out + bias.reshape(_channel_shape(out))
    return out


def _check_channels(name, input, C, **vectors):
    for key, v in vectors.items():
        if v is not None and v.numel() != C:
            raise RuntimeError(f"{name}: expected {key} with {C} elements (the channels of input "
                               f"{list(input.shape)}), got shape {list(v.shape)}")


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each group of C/num_groups channels of each sample of (N, C, *)."""
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    N, C = input.shape[:2]
    if num_groups <= 0 or C % num_groups:
        raise RuntimeError(f"group_norm: Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups={num_groups}")
    _check_channels("group_norm", input, C, weight=weight, bias=bias)
    return _affine(_standardize(input, N * num_groups, eps), weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) plane of (N, C, *) over its spatial dims."""
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an input (N, C, *) with at least one spatial dim, got size "
                         f"{list(input.shape)}")
    N, C = input.shape[:2]
    _check_channels("instance_norm", input, C, running_mean=running_mean, running_var=running_var,
                    weight=weight, bias=bias)
    if use_input_stats and input.numel() // (N * C) <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{list(input.shape)}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("instance_norm: running_mean and running_var must be given when "
                               "use_input_stats=False")
        return ag.batch_norm(input, running_mean, running_var, weight, bias, training=False, eps=eps)
    flat = input.reshape(1, N * C, -1)
    track = running_mean is not None and running_var is not None
    rm = Tensor(np.tile(running_mean._data.reshape(C), N)) if track else None
    rv = Tensor(np.tile(running_var._data.reshape(C), N)) if track else None
    out = ag.batch_norm(flat, rm, rv, training=True, momentum=momentum, eps=eps).reshape(input.shape)
    if track:  # each instance updated its copy: the new running value is their mean over the batch
        with no_grad():
            for run, per in ((running_mean, rm), (running_var, rv)):
                run._data[...] = per._data.reshape(N, C).mean(0).reshape(run.shape)
                run._vc[0] += 1
    return _affine(out, weight, bias)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x_c / (k + α/size · Σ x_{c'}²)^β over a window of ``size`` channels."""
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    N, C = input.shape[:2]
    sq = (input * input).reshape(N, 1, C, -1)
    sq = ag.pad(sq, (0, 0, size // 2, (size - 1) // 2))
    avg = ag.avg_pool2d(sq, (size, 1), stride=1).reshape(input.shape)  # Σ x²/size, zeros counted
    return input / (avg * alpha + k) ** beta
