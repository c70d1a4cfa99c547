"""Transforms: exact outputs on small arrays."""
import numpy as np
import pytest

import autograd_core as ag
from data import transforms as T


def test_to_tensor_gray_and_color():
    img = np.array([[0, 51], [255, 102]], np.uint8)
    t = T.ToTensor()(img)
    assert isinstance(t, ag.Tensor) and t.shape == (1, 2, 2) and t.dtype == np.float32
    np.testing.assert_array_equal(t._data, np.array([[[0, 0.2], [1, 0.4]]], np.float32))
    rgb = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)  # H x W x C
    t = T.ToTensor()(rgb)
    assert t.shape == (3, 2, 2)
    np.testing.assert_array_equal(t._data[1], np.array([[1, 4], [7, 10]], np.float32) / np.float32(255))
    f = T.ToTensor()(np.ones((2, 3), np.float64))  # other dtypes: no scaling, dtype kept
    assert f.dtype == np.float64 and f.shape == (1, 2, 3) and f._data.max() == 1


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="numpy array"):
        T.ToTensor()(ag.zeros(2, 2))
    with pytest.raises(ValueError, match="2 or 3 dimensional"):
        T.ToTensor()(np.zeros(3, np.uint8))


def test_normalize():
    x = ag.tensor([[[1.0, 2.0]], [[3.0, 5.0]]])  # C=2, H=1, W=2
    out = T.Normalize((1.0, 1.0), (2.0, 4.0))(x)
    np.testing.assert_array_equal(out._data, np.array([[[0, 0.5]], [[0.5, 1.0]]], np.float32))
    assert out.dtype == np.float32 and x._data[0, 0, 1] == 2.0  # not in place
    same = T.Normalize(0.5, 0.5, inplace=True)(x)
    assert same is x
    np.testing.assert_array_equal(x._data, np.array([[[1, 3]], [[5, 9]]], np.float32))


def test_normalize_errors():
    with pytest.raises(ValueError, match="division by zero"):
        T.Normalize((0.5,), (0.0,))
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize(0, 1)(ag.zeros(1, 2, 2, dtype=ag.int64))
    with pytest.raises(TypeError, match="expected a tensor"):
        T.Normalize(0, 1)(np.zeros((1, 2, 2), np.float32))
    with pytest.raises(ValueError, match="1 or 3 values"):
        T.Normalize((0, 0), (1, 1))(ag.zeros(3, 2, 2))


def test_compose_lambda_flatten():
    tf = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2), T.Flatten()])
    out = tf(np.array([[255, 0], [0, 255]], np.uint8))
    assert out.shape == (4,)
    np.testing.assert_array_equal(out._data, [2, 0, 0, 2])
    assert "ToTensor()" in repr(tf) and "Flatten()" in repr(tf)
    np.testing.assert_array_equal(T.Flatten()(np.ones((2, 2))), np.ones(4))
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


def test_random_horizontal_flip():
    arr = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(arr), [[3, 2, 1], [6, 5, 4]])
    assert T.RandomHorizontalFlip(p=0.0)(arr) is arr
    hwc = np.arange(12).reshape(2, 3, 2)  # H x W x C: the width axis is 1
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(hwc), hwc[:, ::-1, :])
    t = ag.tensor(np.arange(12.0).reshape(2, 2, 3))  # C x H x W: the width axis is the last
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(t)._data, t._data[..., ::-1])
    ag.manual_seed(0)
    flips = [T.RandomHorizontalFlip()(arr)[0, 0] == 3 for _ in range(400)]
    assert 150 < sum(flips) < 250


def test_random_crop_with_padding_is_one_of_the_windows():
    arr = np.array([[1, 2], [3, 4]], np.uint8)
    padded = np.pad(arr, 1)
    windows = {padded[i:i + 2, j:j + 2].tobytes() for i in range(3) for j in range(3)}
    ag.manual_seed(1)
    seen = {T.RandomCrop(2, padding=1)(arr).tobytes() for _ in range(200)}
    assert seen == windows  # all 9 positions, nothing else
    full = T.RandomCrop(4, padding=1)(arr)
    np.testing.assert_array_equal(full, padded)


def test_random_crop_padding_forms_and_modes():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    # (left/right, top/bottom) = (1, 0): only the width grows
    out = T.RandomCrop((2, 5), padding=(1, 0))(arr)
    np.testing.assert_array_equal(out, [[0, 0, 1, 2, 0], [0, 3, 4, 5, 0]])
    # (left, top, right, bottom)
    out = T.RandomCrop((3, 4), padding=(0, 1, 1, 0), fill=9)(arr)
    np.testing.assert_array_equal(out, [[9, 9, 9, 9], [0, 1, 2, 9], [3, 4, 5, 9]])
    out = T.RandomCrop((2, 5), padding=(1, 0), padding_mode="edge")(arr)
    np.testing.assert_array_equal(out, [[0, 0, 1, 2, 2], [3, 3, 4, 5, 5]])
    t = T.RandomCrop(4, pad_if_needed=True)(ag.tensor(np.ones((1, 2, 2), np.float32)))
    assert isinstance(t, ag.Tensor) and t.shape == (1, 4, 4) and t._data.sum() == 4


def test_random_crop_errors():
    with pytest.raises(ValueError, match="larger than"):
        T.RandomCrop(3)(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="padding_mode"):
        T.RandomCrop(2, padding_mode="wrap")
    with pytest.raises(ValueError, match="padding"):
        T.RandomCrop(2, padding=(1, 2, 3))(np.zeros((2, 2)))


def test_gaussian_noise_exact_under_seed():
    x = ag.tensor([[[1.0, 2.0]]])
    ag.manual_seed(7)
    out = T.GaussianNoise(std=0.5, mean=1.0)(x)
    expected = x._data + np.random.default_rng(7).normal(1.0, 0.5, (1, 1, 2)).astype(np.float32)
    np.testing.assert_array_equal(out._data, expected)
    assert out.dtype == np.float32
    arr = np.zeros((2, 2))
    assert np.array_equal(T.GaussianNoise(0.0)(arr), arr)
    with pytest.raises(TypeError, match="floating point"):
        T.GaussianNoise(0.1)(np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="non-negative"):
        T.GaussianNoise(-1)
