"""Small synthetic datasets for teaching, each a ``TensorDataset``.

Classification sets give inputs X (n, 2) float32 and labels y (n,) int64:

* ``xor``: the corners (0,0), (0,1), (1,0), (1,1) in turn, plus N(0, noise^2)
  jitter, labelled x1 XOR x2 (``xor(4, noise=0)`` is the truth table);
* ``moons``: two interleaved half circles, (cos t, sin t) and
  (1 - cos t, 1/2 - sin t) for t in [0, pi];
* ``circles``: a circle of radius 1 (label 0) around one of radius ``factor`` (1);
* ``spirals``: ``n_classes`` arms r (sin t, cos t), r in [0, 1], t growing by 4
  radians along each arm, plus N(0, noise^2) on t;
* ``blobs``: Gaussian clusters (std ``cluster_std``) around ``centers``.

Regression sets give X (n, 1) and y (n, 1) float32:

* ``sine``: y = sin(x) + N(0, noise^2), x uniform on ``x_range``;
* ``curve_fitting``: the polynomial-fitting example of the lecture notes (004,
  from Bishop's PRML): t = sin(2 pi x) + N(0, noise^2) at N = 10 points
  evenly spaced on [0, 1] (uniformly drawn with ``random_x=True``), noise 0.3.

``seed`` is an int, an ``autograd_core.Generator``, a ``numpy.random.Generator``,
or None (the default generator of ``autograd_core``: ``ag.manual_seed`` makes
the sets reproducible).
"""
import numpy as np

from autograd_core.random import Generator

from ..dataset import TensorDataset
from ..sampler import resolve_generator


def _rng(seed):
    if seed is None or isinstance(seed, (Generator, np.random.Generator)):
        return resolve_generator(seed)
    return np.random.default_rng(seed)


def _classes(x, y):
    return TensorDataset(np.ascontiguousarray(x, np.float32), np.asarray(y, np.int64))


def _regression(x, y):
    return TensorDataset(np.asarray(x, np.float32).reshape(-1, 1), np.asarray(y, np.float32).reshape(-1, 1))


def _split(n, parts):
    """``n`` samples in ``parts`` groups whose sizes differ by at most one."""
    return [n // parts + (i < n % parts) for i in range(parts)]


def xor(n_samples=200, noise=0.1, seed=None):
    """The XOR problem: noisy corners of the unit square, label x1 XOR x2."""
    rng = _rng(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float64)[np.arange(n_samples) % 4]
    x = corners + rng.normal(0, noise, corners.shape)
    return _classes(x, corners[:, 0] != corners[:, 1])


def moons(n_samples=200, noise=0.1, seed=None):
    """Two interleaved half circles (labels 0 and 1)."""
    rng = _rng(seed)
    n_out, n_in = _split(n_samples, 2)
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    x += rng.normal(0, noise, x.shape)
    return _classes(x, np.repeat([0, 1], [n_out, n_in]))


def circles(n_samples=200, noise=0.05, factor=0.5, seed=None):
    """A circle of radius 1 (label 0) around one of radius ``factor`` (label 1)."""
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor}")
    rng = _rng(seed)
    n_out, n_in = _split(n_samples, 2)
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    x += rng.normal(0, noise, x.shape)
    return _classes(x, np.repeat([0, 1], [n_out, n_in]))


def spirals(n_samples=300, n_classes=3, noise=0.2, seed=None):
    """``n_classes`` interleaved spiral arms, one class each."""
    rng = _rng(seed)
    xs, ys = [], []
    for k, m in enumerate(_split(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), m) + rng.normal(0, noise, m)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(m, k))
    return _classes(np.concatenate(xs), np.concatenate(ys))


def blobs(n_samples=300, centers=3, n_features=2, cluster_std=1.0, center_box=(-10.0, 10.0), seed=None):
    """``centers``: a number of centres drawn uniformly in ``center_box``, or
    their coordinates; ``cluster_std``: one std or one per centre."""
    rng = _rng(seed)
    if isinstance(centers, (int, np.integer)):
        centers = rng.uniform(center_box[0], center_box[1], (int(centers), n_features))
    centers = np.asarray(centers, np.float64)
    if centers.ndim != 2:
        raise ValueError(f"blobs: centers must be a count or a (k, n_features) array, got shape "
                         f"{centers.shape}")
    sizes = _split(n_samples, len(centers))
    y = np.repeat(np.arange(len(centers)), sizes)
    std = np.broadcast_to(np.asarray(cluster_std, np.float64), (len(centers),))[y][:, None]
    x = centers[y] + rng.normal(0, 1, (n_samples, centers.shape[1])) * std
    return _classes(x, y)


def sine(n_samples=200, noise=0.1, x_range=(-np.pi, np.pi), seed=None):
    """Regression: y = sin(x) + N(0, noise^2), x uniform on ``x_range`` (sorted)."""
    rng = _rng(seed)
    x = np.sort(rng.uniform(x_range[0], x_range[1], n_samples))
    return _regression(x, np.sin(x) + rng.normal(0, noise, n_samples))


def curve_fitting(n_samples=10, noise=0.3, random_x=False, seed=None):
    """The notes' curve-fitting set: t = sin(2 pi x) + N(0, noise^2), x on [0, 1]."""
    rng = _rng(seed)
    x = np.sort(rng.uniform(0, 1, n_samples)) if random_x else np.linspace(0, 1, n_samples)
    return _regression(x, np.sin(2 * np.pi * x) + rng.normal(0, noise, n_samples))
