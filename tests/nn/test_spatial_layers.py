"""PixelShuffle/PixelUnshuffle, Fold/Unfold, MaxPool3d, AvgPool3d,
AdaptiveMaxPool2d, MaxUnpool2d: the functional forms, no parameters,
PyTorch's defaults (stride = kernel_size), a sub-pixel upsampling network
trained for a step."""
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F


def test_pixel_shuffle_modules():
    x = ag.randn(2, 8, 3, 3)
    ps, pu = nn.PixelShuffle(2), nn.PixelUnshuffle(2)
    assert ps(x).shape == (2, 2, 6, 6)
    np.testing.assert_array_equal(pu(ps(x)).numpy(), x.numpy())
    assert list(ps.state_dict()) == [] and "upscale_factor=2" in repr(ps)


def test_fold_unfold_modules():
    x = ag.randn(2, 3, 6, 6)
    un, fo = nn.Unfold(3, padding=1, stride=2), nn.Fold((6, 6), 3, padding=1, stride=2)
    c = un(x)
    assert c.shape == (2, 27, 9)
    np.testing.assert_allclose(c.numpy(), F.unfold(x, 3, padding=1, stride=2).numpy())
    assert fo(c).shape == (2, 3, 6, 6)


def test_pooling_modules():
    x = ag.randn(2, 3, 4, 6, 6)
    assert nn.MaxPool3d(2)(x).shape == (2, 3, 2, 3, 3)
    y, i = nn.MaxPool3d(2, return_indices=True)(x)
    np.testing.assert_allclose(y.numpy(), F.max_pool3d(x, 2).numpy())
    assert nn.AvgPool3d(2, stride=1)(x).shape == (2, 3, 3, 5, 5)
    np.testing.assert_allclose(nn.AvgPool3d(2)(x).numpy(), F.avg_pool3d(x, 2).numpy(), rtol=1e-6)
    x2 = ag.randn(2, 3, 7, 5)
    m = nn.AdaptiveMaxPool2d((3, 2), return_indices=True)
    y2, i2 = m(x2)
    assert y2.shape == (2, 3, 3, 2)
    p, idx = nn.MaxPool2d(2, return_indices=True)(x2[..., :6, :4])
    u = nn.MaxUnpool2d(2)(p, idx)
    assert u.shape == (2, 3, 6, 4)
    assert nn.MaxUnpool2d(2)(p, idx, output_size=(7, 5)).shape == (2, 3, 7, 5)


def test_subpixel_upsampler_trains():
    ag.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.PixelShuffle(2), nn.ConvTranspose2d(1, 1, 3, padding=1),
                        nn.Upsample(scale_factor=0.5, mode="bilinear"))
    x = ag.randn(4, 1, 6, 6)
    loss = ((net(x) - x) ** 2).mean()
    loss.backward()
    assert all(p.grad is not None for p in net.parameters())


def test_functional_affine_grid_and_grid_sample():
    x = ag.randn(1, 2, 3, 3)
    th = ag.tensor([[[1.0, 0, 0], [0, 1, 0]]])
    g = F.affine_grid(th, x.shape, align_corners=False)
    np.testing.assert_allclose(F.grid_sample(x, g, align_corners=False).numpy(), x.numpy(), atol=1e-6)
