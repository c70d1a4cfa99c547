"""Activation functions of ``nn.functional``: thin wrappers over the
autograd_core ops with PyTorch's signatures (``inplace`` is accepted for
compatibility; the result is always a new tensor, with the same values).

    relu(x) = max(x, 0)            leaky_relu(x) = x if x > 0 else s·x
    elu(x) = x if x > 0 else α(eˣ - 1)
    gelu(x) = x·Φ(x)               silu(x) = x·σ(x)
    softplus(x) = log(1 + e^(βx)) / β
    softmax(x)_i = e^(x_i) / Σ_j e^(x_j)     log_softmax(x) = x - logsumexp(x)
"""
import warnings

import autograd_core as ag

__all__ = ["relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus", "softmax",
           "log_softmax", "relu6", "hardtanh"]


def relu(input, inplace=False):
    return ag.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return ag.leaky_relu(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return ag.elu(input, alpha)


def gelu(input, approximate="none"):
    return ag.gelu(input, approximate=approximate)


def silu(input, inplace=False):
    return ag.silu(input)


def sigmoid(input):
    return ag.sigmoid(input)


def tanh(input):
    return ag.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    return ag.softplus(input, beta, threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val)."""
    return ag.clamp(input, min_val, max_val)


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return ag.clamp(input, 0.0, 6.0)


def _softmax_dim(name, ndim, stacklevel=3):
    """PyTorch's legacy choice when ``dim`` is not given (with a warning)."""
    dim = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  f"include dim={dim} as an argument.", stacklevel=stacklevel)
    return dim


def softmax(input, dim=None, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return ag.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return ag.log_softmax(input, dim, dtype=dtype)
