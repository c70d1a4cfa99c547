"""``Conv1d`` and ``Conv2d``: learned cross-correlations.

Arguments as in PyTorch: ``stride``, ``padding`` (ints, tuples, 'valid', or
'same' for stride 1: the output keeps the input's size), ``dilation``,
``groups``, ``bias``, ``padding_mode`` ('zeros', 'reflect', 'replicate',
'circular'; other than 'zeros' the input is padded with ``F.pad`` first).
``weight`` has shape (out_channels, in_channels / groups, *kernel_size) and
both it and ``bias`` start as PyTorch's: U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
fan_in = in_channels / groups · prod(kernel_size).
"""
import math

import numpy as np

from . import functional as F
from . import init
from .linear import check_device, float_dtype
from .module import Module
from .parameter import Parameter


def _tuple(x, n, name):
    t = tuple(x) if isinstance(x, (tuple, list)) else (x,) * n
    if len(t) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {x}")
    return tuple(int(v) for v in t)


def _check_groups(name, in_channels, out_channels, groups):
    if groups <= 0 or in_channels % groups or out_channels % groups:
        raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must "
                         f"be divisible by groups ({groups})")


class _ConvNd(Module):
    _n = 0
    _modes = ("zeros", "reflect", "replicate", "circular")

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        check_device(device)
        dtype = float_dtype(dtype)
        n = self._n
        _check_groups(type(self).__name__, in_channels, out_channels, groups)
        if padding_mode not in self._modes:
            raise ValueError(f"padding_mode must be one of {list(self._modes)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.stride = _tuple(stride, n, "stride")
        self.dilation = _tuple(dilation, n, "dilation")
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _tuple(padding, n, "padding")
        self._pad_args = self._explicit_padding()
        self._make_parameters((out_channels, in_channels // groups) + self.kernel_size, bias, dtype)

    def _make_parameters(self, weight_shape, bias, dtype):
        """``weight`` of ``weight_shape``, ``bias`` (out_channels) or None, initialised."""
        self.weight = Parameter(np.empty(weight_shape, dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _explicit_padding(self):
        """F.pad's argument (last dim first) for padding modes other than 'zeros'."""
        if self.padding == "valid":
            return (0, 0) * self._n
        if self.padding == "same":
            pads = []
            for d, k in zip(reversed(self.dilation), reversed(self.kernel_size)):
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]
            return tuple(pads)
        return tuple(p for p in reversed(self.padding) for _ in range(2))

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * int(np.prod(self.kernel_size))
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _conv(self, fn, input):
        if self.padding_mode != "zeros":
            input = F.pad(input, self._pad_args, mode=self.padding_mode)
            return fn(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        """The arguments that differ from their defaults (also the transposed layers')."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if getattr(self, "output_padding", (0,) * self._n) != (0,) * self._n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution of (N, C_in, L) inputs."""

    _n = 1

    def forward(self, input):
        return self._conv(F.conv1d, input)


class Conv2d(_ConvNd):
    """2-D convolution of (N, C_in, H, W) inputs."""

    _n = 2

    def forward(self, input):
        return self._conv(F.conv2d, input)


class Conv3d(_ConvNd):
    """3-D convolution of (N, C_in, D, H, W) inputs."""

    _n = 3

    def forward(self, input):
        return self._conv(F.conv3d, input)
