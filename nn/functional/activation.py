"""Activation functions of ``nn.functional``, with PyTorch's signatures, over
the autograd_core ops (``ops/activation*.py``, where the formulas and the
subgradient conventions at the kinks are stated).

``inplace=True`` writes the result into ``input`` and returns it, as in
PyTorch: the version counter is bumped (a tensor saved for backward that is
overwritten raises at backward), and a leaf that requires grad is refused.
``F.relu_``, ``F.elu_``, ``F.leaky_relu_``, ``F.hardtanh_``, ``F.celu_``,
``F.selu_``, ``F.rrelu_`` and ``F.threshold_`` are the in-place forms.

    softmax(x)_i = e^(x_i) / Σ_j e^(x_j)     log_softmax(x) = x - logsumexp(x)
    softmin(x) = softmax(-x)
"""
import warnings

import autograd_core as ag
from autograd_core.ops.unary import tensor_arg

__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "elu_", "celu", "celu_", "selu", "selu_", "gelu",
           "silu", "mish", "sigmoid", "tanh", "softplus", "softsign", "logsigmoid", "tanhshrink", "hardtanh",
           "hardtanh_", "relu6", "hardsigmoid", "hardswish", "threshold", "threshold_", "hardshrink", "softshrink",
           "prelu", "rrelu", "rrelu_", "glu", "softmax", "softmin", "log_softmax"]


def _run(fn, input, inplace, *args):
    """``fn(input, *args)``, written into ``input`` when ``inplace``."""
    if inplace:
        return tensor_arg(input, fn.__name__)._inplace(fn, *args)
    return fn(input, *args)


def relu(input, inplace=False):
    return _run(ag.relu, input, inplace)


def relu_(input):
    return ag.relu_(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _run(ag.leaky_relu, input, inplace, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return _run(ag.leaky_relu, input, True, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return _run(ag.elu, input, inplace, alpha)


def elu_(input, alpha=1.0):
    return _run(ag.elu, input, True, alpha)


def celu(input, alpha=1.0, inplace=False):
    return _run(ag.celu, input, inplace, alpha)


def celu_(input, alpha=1.0):
    return ag.celu_(input, alpha)


def selu(input, inplace=False):
    return _run(ag.selu, input, inplace)


def selu_(input):
    return ag.selu_(input)


def gelu(input, approximate="none"):
    return ag.gelu(input, approximate=approximate)


def silu(input, inplace=False):
    return _run(ag.silu, input, inplace)


def mish(input, inplace=False):
    return _run(ag.mish, input, inplace)


def sigmoid(input):
    return ag.sigmoid(input)


def tanh(input):
    return ag.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    return ag.softplus(input, beta, threshold)


def softsign(input):
    return ag.softsign(input)


def logsigmoid(input):
    return ag.logsigmoid(input)


def tanhshrink(input):
    return ag.tanhshrink(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _run(ag.hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return _run(ag.hardtanh, input, True, min_val, max_val)


def relu6(input, inplace=False):
    return _run(ag.relu6, input, inplace)


def hardsigmoid(input, inplace=False):
    return _run(ag.hardsigmoid, input, inplace)


def hardswish(input, inplace=False):
    return _run(ag.hardswish, input, inplace)


def threshold(input, threshold, value, inplace=False):
    return _run(ag.threshold, input, inplace, threshold, value)


def threshold_(input, threshold, value):
    return ag.threshold_(input, threshold, value)


def hardshrink(input, lambd=0.5):
    return ag.hardshrink(input, lambd)


def softshrink(input, lambd=0.5):
    return ag.softshrink(input, lambd)


def prelu(input, weight):
    return ag.prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    return _run(ag.rrelu, input, inplace, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return ag.rrelu_(input, lower, upper, training)


def glu(input, dim=-1):
    return ag.glu(input, dim)


def _softmax_dim(name, ndim, stacklevel=3):
    """PyTorch's legacy choice when ``dim`` is not given (with a warning)."""
    dim = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  f"include dim={dim} as an argument.", stacklevel=stacklevel)
    return dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return ag.softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return ag.softmin(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return ag.log_softmax(input, dim, dtype=dtype)
