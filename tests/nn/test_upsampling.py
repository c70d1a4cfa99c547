"""nn.Upsample, UpsamplingNearest2d, UpsamplingBilinear2d: the functional
form, no parameters, PyTorch's defaults (bilinear with align_corners=True)."""
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F


def test_upsample_modules():
    x = ag.randn(2, 3, 4, 5)
    m = nn.Upsample(scale_factor=2, mode="bilinear")
    np.testing.assert_allclose(m(x).numpy(), F.interpolate(x, scale_factor=2, mode="bilinear").numpy())
    assert m(x).shape == (2, 3, 8, 10)
    assert list(m.state_dict()) == [] and list(m.parameters()) == []
    assert "scale_factor=2.0" in repr(m)
    near = nn.UpsamplingNearest2d(size=(8, 10))
    np.testing.assert_array_equal(near(x).numpy(), np.repeat(np.repeat(x.numpy(), 2, 2), 2, 3))
    bil = nn.UpsamplingBilinear2d(scale_factor=2)
    np.testing.assert_allclose(bil(x).numpy(),
                               F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True).numpy())
    np.testing.assert_allclose(bil(x).numpy()[..., 0, 0], x.numpy()[..., 0, 0])  # corners kept
    np.testing.assert_allclose(bil(x).numpy()[..., -1, -1], x.numpy()[..., -1, -1], rtol=1e-6)
    np.testing.assert_allclose(F.upsample_bilinear(x, scale_factor=2).numpy(), bil(x).numpy())


def test_upsample_gradient():
    x = ag.randn(1, 2, 3, 3, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(nn.Upsample(size=(4, 5), mode="bicubic"), (x,))
    y = nn.Upsample(scale_factor=2)(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4.0)  # each input copied to 4 outputs
