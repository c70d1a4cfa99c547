"""``nn.init``: filling weights in place, with PyTorch's names and formulas.

Every function works under ``no_grad``, returns the tensor, and draws from
autograd_core's default generator (``ag.manual_seed(s)`` reproduces it) unless
a ``Generator`` (or a ``numpy.random.Generator``) is passed. For a weight of shape
(out, in, *kernel), with receptive field r = prod(kernel):

    fan_in = in · r,   fan_out = out · r

    xavier (Glorot):   std = gain · sqrt(2 / (fan_in + fan_out))
    kaiming (He):      std = gain / sqrt(fan)      fan = fan_in or fan_out (mode)
    lecun:             std = 1 / sqrt(fan_in)
    uniform versions:  U(-b, b) with b = sqrt(3) · std (same variance)

``calculate_gain``: linear, conv, sigmoid -> 1; tanh -> 5/3; relu -> sqrt(2);
leaky_relu(a) -> sqrt(2 / (1 + a²)); selu -> 3/4. PyTorch's default for
``Linear`` and ``Conv`` weights is ``kaiming_uniform_(w, a=sqrt(5))``, that is
U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""
import math

import numpy as np

from autograd_core.grad_mode import no_grad
from autograd_core.random import numpy_generator

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "lecun_uniform_", "lecun_normal_", "trunc_normal_", "orthogonal_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (the std factor that keeps
    activations' variance stable)."""
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(shape {list(tensor.shape)})")
    receptive = int(np.prod(tensor.shape[2:]))
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    with no_grad():
        tensor._data[...] = values
        tensor._vc[0] += 1
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples of U(a, b) (``Tensor.uniform_`` under ``no_grad``)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples of N(mean, std²) (``Tensor.normal_`` under ``no_grad``)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    return _fill(tensor, val)


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def eye_(tensor):
    """The identity matrix (a 2-D tensor)."""
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported, got shape {list(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-b, b), b = gain·sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std²), std = gain·sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-b, b), b = gain·sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)."""
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std²), std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def lecun_uniform_(tensor, generator=None):
    """LeCun uniform: U(-b, b), b = sqrt(3 / fan_in) (not in PyTorch; the lecture notes' scheme)."""
    return kaiming_uniform_(tensor, mode="fan_in", nonlinearity="linear", generator=generator)


def lecun_normal_(tensor, generator=None):
    """LeCun normal: N(0, 1 / fan_in) (not in PyTorch; the lecture notes' scheme)."""
    return kaiming_normal_(tensor, mode="fan_in", nonlinearity="linear", generator=generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std²) conditioned on [a, b] (absolute bounds, as in PyTorch),
    by rejection: draws are repeated until every value falls in the interval."""
    if not a < b:
        raise ValueError(f"trunc_normal_: the interval [a, b] = [{a}, {b}] is empty")
    rng = numpy_generator(generator)

    def cdf(x):
        return 0.5 * (1 + math.erf((x - mean) / (std * math.sqrt(2.0))))

    accept = cdf(b) - cdf(a)
    if accept < 1e-6:
        raise ValueError(f"trunc_normal_: [{a}, {b}] holds a probability of only {accept:.3g} under "
                         f"N({mean}, {std}²); widen the interval")
    n = int(np.prod(tensor.shape))
    out = np.empty(n)
    filled = 0
    while filled < n:
        draw = rng.normal(mean, std, int((n - filled) / accept * 1.1) + 16)
        draw = draw[(draw >= a) & (draw <= b)][: n - filled]
        out[filled:filled + draw.size] = draw
        filled += draw.size
    return _fill(tensor, out.reshape(tensor.shape))


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix (QR of a Gaussian matrix, signs fixed so the
    draw is uniform), times ``gain``; dims after the first are flattened."""
    if tensor.ndim < 2:
        raise ValueError(f"Only tensors with 2 or more dimensions are supported, got shape "
                         f"{list(tensor.shape)}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = numpy_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))
