"""``ConvTranspose1d/2d/3d``: learned transposed convolutions (the adjoint
of a convolution in its input; "deconvolution" layers of decoders and GAN
generators).

Arguments as in PyTorch: ``stride``, ``padding``, ``output_padding``,
``groups``, ``bias``, ``dilation``, ``padding_mode`` ('zeros' only). The
output size per spatial dim is

    out = (in - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1

and ``forward(input, output_size=...)`` picks the output padding that gives
``output_size`` (one of the max(stride, dilation) sizes a transposed
convolution can produce). ``weight`` has shape
(in_channels, out_channels / groups, *kernel_size) and it and ``bias``
start as PyTorch's: kaiming-uniform with a = sqrt(5) and
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = out_channels / groups · prod(kernel_size)
(computed from the weight's dim 1, as PyTorch does).
"""
from autograd_core.ops.conv_transpose import output_padding_for

from . import functional as F
from .conv import _check_groups, _ConvNd, _tuple
from .linear import check_device, float_dtype
from .module import Module


class _ConvTransposeNd(Module):
    _n = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        check_device(device)
        dtype = float_dtype(dtype)
        n, name = self._n, type(self).__name__
        _check_groups(name, in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.stride = _tuple(stride, n, "stride")
        self.padding = _tuple(padding, n, "padding")
        self.output_padding = _tuple(output_padding, n, "output_padding")
        self.dilation = _tuple(dilation, n, "dilation")
        self.padding_mode = padding_mode
        self._make_parameters((in_channels, out_channels // groups) + self.kernel_size, bias, dtype)

    _make_parameters = _ConvNd._make_parameters
    reset_parameters = _ConvNd.reset_parameters
    extra_repr = _ConvNd.extra_repr

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        return output_padding_for(type(self).__name__, self._n, input, self.weight, self.stride, self.padding,
                                  self.dilation, output_size)

    def forward(self, input, output_size=None):
        fn = (None, F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._n]
        return fn(input, self.weight, self.bias, self.stride, self.padding,
                  self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution of (N, C_in, L) inputs."""

    _n = 1


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution of (N, C_in, H, W) inputs."""

    _n = 2


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-D convolution of (N, C_in, D, H, W) inputs."""

    _n = 3
