"""Affine warps (data.affine) and RandomAffine: exact outputs on small arrays."""
import numpy as np
import pytest

import autograd_core as ag
from data import transforms as T
from data.affine import warp_affine


@pytest.fixture
def images():
    return np.random.default_rng(0).random((3, 2, 5, 5)).astype(np.float32)  # N, C, H, W


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_identity(images, interpolation):
    out = warp_affine(images, interpolation=interpolation)
    assert out.dtype == np.float32 and out.shape == images.shape
    np.testing.assert_array_equal(out, images)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [(5, 5), (4, 4)])
def test_quarter_turns_equal_rot90(interpolation, size):
    x = np.random.default_rng(1).random((2, 1, *size))
    for k in (1, 2, 3):
        out = warp_affine(x, angle=90 * k, interpolation=interpolation)
        np.testing.assert_allclose(out, np.rot90(x, k, axes=(-2, -1)), atol=1e-12)


def test_whole_pixel_translation_shifts_and_fills(images):
    out = warp_affine(images, translate=(2, -1), fill=-1.0)  # right by 2, up by 1
    np.testing.assert_array_equal(out[..., :4, 2:], images[..., 1:, :3])
    assert (out[..., :, :2] == -1).all() and (out[..., 4, :] == -1).all()


def test_half_pixel_translation_averages_neighbours():
    x = np.array([[[0.0, 2.0, 4.0, 6.0]]])  # N=1, H=1, W=4
    out = warp_affine(x, translate=(0.5, 0), fill=0.0)
    np.testing.assert_allclose(out, [[[0.0, 1.0, 3.0, 5.0]]])  # first pixel: half fill, half 0


def test_scale_about_the_centre():
    x = np.zeros((1, 5, 5))
    x[0, 1, 1] = 1.0  # one pixel at offset (-1, -1) from the centre (2, 2)
    out = warp_affine(x, scale=2.0, interpolation="nearest")
    assert out[0, 0, 0] == 1 and out[0, 2, 2] == 0  # offset doubled: (-2, -2)
    np.testing.assert_array_equal(warp_affine(x, scale=2.0, interpolation="bilinear")[0, 0, 0], 1.0)


def test_each_image_gets_its_own_parameters(images):
    out = warp_affine(images, angle=[0, 90, 180], translate=[(0, 0), (0, 0), (1, 0)])
    np.testing.assert_array_equal(out[0], images[0])
    np.testing.assert_allclose(out[1], np.rot90(images[1], 1, axes=(-2, -1)), atol=1e-6)
    np.testing.assert_allclose(out[2][..., 1:], np.rot90(images[2], 2, axes=(-2, -1))[..., :4], atol=1e-6)


def test_integer_images_are_rounded_and_keep_their_dtype():
    x = np.array([[[0, 255]]], np.uint8)
    out = warp_affine(x, translate=(0.5, 0), fill=0)
    assert out.dtype == np.uint8 and out.tolist() == [[[0, 128]]]  # 127.5 rounds to even 128


def test_warp_errors(images):
    with pytest.raises(ValueError, match="interpolation"):
        warp_affine(images, interpolation="cubic")
    with pytest.raises(ValueError, match="scale must be positive"):
        warp_affine(images, scale=0.0)
    with pytest.raises(ValueError, match="expected images"):
        warp_affine(images[0, 0])


def test_get_params_ranges():
    rng = np.random.default_rng(0)
    angle, shift, scale = T.RandomAffine.get_params((-10, 10), (0.1, 0.2), (0.9, 1.1), (20, 30), n=2000,
                                                    generator=rng)
    assert angle.shape == (2000,) and shift.shape == (2000, 2) and scale.shape == (2000,)
    assert -10 <= angle.min() < -9.9 and 9.9 < angle.max() <= 10
    assert set(np.unique(shift[:, 0])) == {-3, -2, -1, 0, 1, 2, 3}  # 0.1 * W = 3 whole pixels
    assert set(np.unique(shift[:, 1])) == {-4, -3, -2, -1, 0, 1, 2, 3, 4}  # 0.2 * H = 4
    assert 0.9 <= scale.min() < 0.91 and 1.09 < scale.max() <= 1.1
    angle, shift, scale = T.RandomAffine.get_params((5, 5), None, None, (4, 4), generator=rng)
    assert angle.tolist() == [5] and shift.tolist() == [[0, 0]] and scale.tolist() == [1]


def test_random_affine_on_tensors_and_arrays_under_seed():
    x = np.random.default_rng(2).random((1, 6, 6)).astype(np.float32)
    tf = T.RandomAffine(15, translate=(0.2, 0.2), scale=(0.8, 1.2), interpolation="bilinear")
    ag.manual_seed(3)
    a = tf(ag.tensor(x))
    ag.manual_seed(3)
    angle, shift, scale = T.RandomAffine.get_params((-15, 15), (0.2, 0.2), (0.8, 1.2), (6, 6))
    assert isinstance(a, ag.Tensor) and a.shape == (1, 6, 6)
    np.testing.assert_array_equal(a._data, warp_affine(x[None], angle, scale, shift, 0, "bilinear")[0])
    hwc = np.random.default_rng(4).integers(0, 256, (6, 6, 3), dtype=np.uint8)  # H x W x C array
    out = T.RandomAffine(degrees=(90, 90))(hwc)
    assert out.dtype == np.uint8 and out.shape == (6, 6, 3)
    np.testing.assert_array_equal(out, np.rot90(hwc, 1, axes=(0, 1)))
    assert repr(tf) == ("RandomAffine(degrees=(-15.0, 15.0), translate=(0.2, 0.2), scale=(0.8, 1.2), "
                        "interpolation='bilinear')")


def test_random_affine_errors():
    with pytest.raises(ValueError, match="degrees must be non-negative"):
        T.RandomAffine(-1)
    with pytest.raises(ValueError, match="translate"):
        T.RandomAffine(0, translate=(1.5, 0))
    with pytest.raises(ValueError, match="scale"):
        T.RandomAffine(0, scale=(1.2, 0.8))
    with pytest.raises(ValueError, match="interpolation"):
        T.RandomAffine(0, interpolation="bicubic")
