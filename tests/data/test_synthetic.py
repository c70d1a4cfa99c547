"""Synthetic datasets: shapes, dtypes, labels and reproducibility."""
import numpy as np
import pytest

import autograd_core as ag
from data import TensorDataset
from data.datasets import blobs, circles, curve_fitting, moons, sine, spirals, xor


def arrays(ds):
    assert isinstance(ds, TensorDataset)
    return tuple(t._data for t in ds.tensors)


@pytest.mark.parametrize("make, n, classes", [(xor, 10, 2), (moons, 11, 2), (circles, 9, 2),
                                              (spirals, 10, 3), (blobs, 12, 3)])
def test_classification_shapes_and_seeds(make, n, classes):
    x, y = arrays(make(n, seed=3))
    assert x.shape == (n, 2) and x.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64 and set(y.tolist()) == set(range(classes))
    x2, y2 = arrays(make(n, seed=3))
    np.testing.assert_array_equal(x, x2)
    assert not np.array_equal(x, arrays(make(n, seed=4))[0])
    ag.manual_seed(1)
    a = arrays(make(n))[0]
    ag.manual_seed(1)
    np.testing.assert_array_equal(a, arrays(make(n))[0])


def test_xor_truth_table():
    x, y = arrays(xor(4, noise=0.0))
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert y.tolist() == [0, 1, 1, 0]


def test_moons_and_circles_without_noise():
    x, y = arrays(moons(8, noise=0.0))
    outer, inner = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(*outer.T), 1, atol=1e-6)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1, atol=1e-6)
    x, y = arrays(circles(10, noise=0.0, factor=0.3))
    np.testing.assert_allclose(np.hypot(*x.T), np.where(y == 0, 1.0, 0.3), atol=1e-6)
    with pytest.raises(ValueError, match="factor"):
        circles(10, factor=1.5)


def test_spirals_radius_and_blobs_centres():
    x, y = arrays(spirals(30, n_classes=3, noise=0.0))
    r = np.hypot(*x.T)
    assert r.max() <= 1 + 1e-6 and np.bincount(y).tolist() == [10, 10, 10]
    x, y = arrays(blobs(3000, centers=[[0, 0], [10, 10]], cluster_std=[0.5, 2.0], seed=0))
    np.testing.assert_allclose(x[y == 1].mean(0), [10, 10], atol=0.2)
    np.testing.assert_allclose(x[y == 0].std(0), [0.5, 0.5], atol=0.05)
    np.testing.assert_allclose(x[y == 1].std(0), [2.0, 2.0], atol=0.15)
    with pytest.raises(ValueError, match="centers"):
        blobs(10, centers=[1, 2])


def test_sine_regression():
    x, y = arrays(sine(50, noise=0.0, seed=0))
    assert x.shape == y.shape == (50, 1) and y.dtype == np.float32
    np.testing.assert_allclose(y, np.sin(x), atol=1e-6)
    assert x.min() >= -np.pi and x.max() <= np.pi


def test_curve_fitting_of_the_notes():
    x, t = arrays(curve_fitting(noise=0.0))
    assert x.shape == t.shape == (10, 1)
    np.testing.assert_allclose(x[:, 0], np.linspace(0, 1, 10), atol=1e-7)
    np.testing.assert_allclose(t[:, 0], np.sin(2 * np.pi * x[:, 0]), atol=1e-6)
    x, t = arrays(curve_fitting(2000, seed=0))
    assert abs(np.std(t[:, 0] - np.sin(2 * np.pi * x[:, 0])) - 0.3) < 0.02  # noise std 0.3
    x, _ = arrays(curve_fitting(100, random_x=True, seed=0))
    assert 0 <= x.min() and x.max() <= 1 and not np.allclose(np.diff(x[:, 0]), 1 / 99)
