"""``Linear`` (y = x Wᵀ + b), ``Bilinear`` (y_k = x1ᵀ W_k x2 + b_k) and ``Identity``.

``Linear(in_features, out_features)`` has ``weight`` of shape (out, in) and
``bias`` of shape (out,), initialised as PyTorch does: weight by
``kaiming_uniform_(a=sqrt(5))``, i.e. U(-1/sqrt(in), 1/sqrt(in)), and bias
by U(-1/sqrt(in), 1/sqrt(in)). ``Bilinear(in1, in2, out)`` has ``weight``
(out, in1, in2) and ``bias`` (out,), both U(-1/sqrt(in1), 1/sqrt(in1)).
"""
import math

import numpy as np

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def float_dtype(dtype):
    """The dtype of new parameters: float32 unless a floating ``dtype`` is asked."""
    if dtype is None:
        return np.dtype(np.float32)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"parameters must have a floating point dtype, got {dtype}")
    return dtype


def check_device(device):
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"device {device!r} is not available: this engine runs on 'cpu'")


class Identity(Module):
    """Returns its input; takes and ignores any arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x Wᵀ + b for x of shape (*, in_features)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        check_device(device)
        dtype = float_dtype(dtype)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """y_k = x1ᵀ W_k x2 + b_k for x1 (*, in1_features) and x2 (*, in2_features)."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        check_device(device)
        dtype = float_dtype(dtype)
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype))
        self.register_parameter("bias", Parameter(np.empty(out_features, dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
