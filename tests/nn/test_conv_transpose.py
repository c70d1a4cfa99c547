"""nn.ConvTranspose1d/2d/3d and nn.Conv3d: PyTorch's weight shapes, state-dict
keys, init bounds, output sizes and ``output_size`` in forward, values
against the functional form, gradcheck on a small layer."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.autograd_core.test_conv_transpose import conv_ref, conv_transpose_ref


@pytest.mark.parametrize("cls, k, shape", [(nn.ConvTranspose1d, 3, (4, 3, 3)),
                                           (nn.ConvTranspose2d, (4, 2), (4, 3, 4, 2)),
                                           (nn.ConvTranspose3d, 2, (4, 3, 2, 2, 2))])
def test_weight_shape_keys_and_init(cls, k, shape):
    m = cls(4, 6, k, groups=2)
    sd = m.state_dict()
    assert list(sd) == ["weight", "bias"]
    assert tuple(sd["weight"].shape) == shape and tuple(sd["bias"].shape) == (6,)
    bound = 1 / math.sqrt(3 * int(np.prod(shape[2:])))  # fan_in from the weight's dim 1: out/groups · k
    assert np.abs(m.weight.detach().numpy()).max() <= bound + 1e-7
    assert np.abs(m.bias.detach().numpy()).max() <= bound + 1e-7
    assert cls(4, 6, k, bias=False).bias is None
    assert list(cls(4, 6, k, bias=False).state_dict()) == ["weight"]


def test_conv_transpose2d_values_and_output_size():
    m = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2).double()
    x = ag.randn(2, 4, 5, 5, dtype=ag.float64)
    y = m(x)
    assert y.shape == (2, 6, 9, 9)
    ref = conv_transpose_ref(x.numpy(), m.weight.detach().numpy(), m.bias.detach().numpy(), 2, 1, 0, 2)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-10, atol=1e-10)
    # output_size picks output_padding: 10 = 9 + 1
    y10 = m(x, output_size=(10, 10))
    assert y10.shape == (2, 6, 10, 10)
    np.testing.assert_allclose(y10.detach().numpy()[..., :9, :9], y.detach().numpy(), rtol=1e-12)
    assert m(x, output_size=[2, 6, 9, 10]).shape == (2, 6, 9, 10)
    with pytest.raises(ValueError, match="valid sizes"):
        m(x, output_size=(11, 11))
    assert "stride=(2, 2)" in repr(m)


def test_dcgan_block_upsamples_by_two():
    m = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1, bias=False)
    assert m(ag.randn(3, 8, 8, 8)).shape == (3, 4, 16, 16)


def test_conv_transpose1d_3d_forward_and_gradients():
    m1 = nn.ConvTranspose1d(2, 3, 3, stride=2, output_padding=1).double()
    x1 = ag.randn(2, 2, 4, dtype=ag.float64)
    ref = conv_transpose_ref(x1.numpy(), m1.weight.detach().numpy(), m1.bias.detach().numpy(), 2, 0, 1)
    np.testing.assert_allclose(m1(x1).detach().numpy(), ref, rtol=1e-10, atol=1e-10)
    m3 = nn.ConvTranspose3d(2, 2, 2, stride=(1, 2, 2)).double()
    x3 = ag.randn(1, 2, 2, 2, 3, dtype=ag.float64, requires_grad=True)
    assert m3(x3).shape == (1, 2, 3, 4, 6)
    assert ag.gradcheck(lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(1, 2, 2)),
                        (x3, m3.weight, m3.bias))


def test_conv3d_module():
    m = nn.Conv3d(2, 4, (2, 3, 3), padding=(0, 1, 1), stride=(1, 2, 2)).double()
    assert tuple(m.weight.shape) == (4, 2, 2, 3, 3)
    assert list(m.state_dict()) == ["weight", "bias"]
    x = ag.randn(2, 2, 3, 5, 5, dtype=ag.float64)
    ref = conv_ref(x.numpy(), m.weight.detach().numpy(), m.bias.detach().numpy(), (1, 2, 2), (0, 1, 1))
    np.testing.assert_allclose(m(x).detach().numpy(), ref, rtol=1e-10, atol=1e-10)
    same = nn.Conv3d(2, 2, 3, padding="same", padding_mode="circular")
    assert same(ag.randn(1, 2, 4, 4, 4)).shape == (1, 2, 4, 4, 4)


def test_errors():
    with pytest.raises(ValueError, match="zeros"):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="divisible"):
        nn.ConvTranspose2d(3, 2, 3, groups=2)
