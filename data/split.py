"""Splitting a dataset for model selection (lecture notes 004): holdout
(``random_split``, ``train_val_test_split``) and k-fold cross-validation
(``kfold``), each with an optional stratification by class.

All of them shuffle with ``generator`` (an ``autograd_core.Generator`` or a
``numpy.random.Generator``) or the default generator of ``autograd_core``
(``ag.manual_seed`` makes them reproducible) and return ``Subset``s of the
dataset.
"""
import math

import numpy as np

from autograd_core.tensor import Tensor

from .dataset import Subset
from .sampler import resolve_generator


def _lengths_from(lengths, n):
    """Integer lengths summing to ``n``: given as is, or as fractions summing
    to 1 (floors, then one more to the first ones until the sum is ``n``)."""
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1):
        if any(x < 0 for x in lengths):
            raise ValueError(f"fractions must be non-negative, got {lengths}")
        out = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(out)):
            out[i % len(out)] += 1
        return out
    if any(not isinstance(x, (int, np.integer)) or x < 0 for x in lengths):
        raise ValueError(f"lengths must be non-negative integers or fractions summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"sum of input lengths ({sum(lengths)}) does not equal the length of the "
                         f"input dataset ({n})")
    return [int(x) for x in lengths]


def random_split(dataset, lengths, generator=None):
    """Non-overlapping random ``Subset``s of the given lengths (integers
    summing to ``len(dataset)``, or fractions summing to 1)."""
    n = len(dataset)
    sizes = _lengths_from(lengths, n)
    perm = resolve_generator(generator).permutation(n)
    bounds = np.cumsum([0] + sizes)
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def _labels(stratify, n):
    y = np.asarray(stratify._data if isinstance(stratify, Tensor) else stratify)
    if y.shape != (n,):
        raise ValueError(f"stratify must hold one label per sample: expected shape ({n},), got {y.shape}")
    return y


def _count(size, n, name):
    """A number of samples from an int (a count) or a float (a fraction)."""
    if isinstance(size, float):
        if not 0 <= size < 1:
            raise ValueError(f"{name} as a fraction must be in [0, 1), got {size}")
        return size
    if not isinstance(size, (int, np.integer)) or not 0 <= size <= n:
        raise ValueError(f"{name} must be a count in [0, {n}] or a fraction, got {size!r}")
    return int(size) / n if n else 0.0


def train_val_test_split(dataset, val=0.1, test=0.1, stratify=None, shuffle=True, generator=None):
    """``(train, val, test)`` Subsets. ``val`` and ``test`` are fractions
    (floats) or counts (ints). With ``stratify`` (one label per sample) each
    class is split in the same proportions (rounded per class); without
    ``shuffle`` the order is kept: train first, then val, then test."""
    n = len(dataset)
    f_val, f_test = _count(val, n, "val"), _count(test, n, "test")
    if f_val + f_test > 1:
        raise ValueError(f"val and test take more than the whole dataset ({val} + {test})")
    rng = resolve_generator(generator) if shuffle else None
    groups = [np.arange(n)]
    if stratify is not None:
        y = _labels(stratify, n)
        groups = [np.flatnonzero(y == c) for c in np.unique(y)]
    parts = ([], [], [])
    for g in groups:
        if rng is not None:
            g = g[rng.permutation(len(g))]
        n_test, n_val = round(len(g) * f_test), round(len(g) * f_val)
        if stratify is None and isinstance(test, (int, np.integer)):
            n_test = int(test)
        if stratify is None and isinstance(val, (int, np.integer)):
            n_val = int(val)
        n_test = min(n_test, len(g))
        n_val = min(n_val, len(g) - n_test)
        n_train = len(g) - n_val - n_test
        for part, sl in zip(parts, (slice(0, n_train), slice(n_train, n_train + n_val),
                                    slice(n_train + n_val, len(g)))):
            part.append(g[sl])
    out = []
    for part in parts:
        idx = np.concatenate(part)
        if stratify is not None and rng is not None:
            idx = idx[rng.permutation(len(idx))]
        elif stratify is not None:
            idx = np.sort(idx)
        out.append(Subset(dataset, idx))
    return tuple(out)


def kfold(dataset, k=5, stratify=None, shuffle=True, generator=None):
    """k ``(train, val)`` pairs of Subsets: the folds partition the dataset,
    each is the validation set once. Fold sizes differ by at most one; with
    ``stratify`` (one label per sample) each fold has each class in about the
    same proportion (the samples of each class are dealt out to the folds in turn)."""
    n = len(dataset)
    if not isinstance(k, (int, np.integer)) or not 2 <= k <= n:
        raise ValueError(f"k must be an integer in [2, {n}] (the number of samples), got {k!r}")
    rng = resolve_generator(generator) if shuffle else None
    if stratify is None:
        order = rng.permutation(n) if rng is not None else np.arange(n)
        folds = np.array_split(order, k)
    else:
        y = _labels(stratify, n)
        dealt = []
        for c in np.unique(y):
            g = np.flatnonzero(y == c)
            dealt.append(g[rng.permutation(len(g))] if rng is not None else g)
        dealt = np.concatenate(dealt)
        folds = [np.sort(dealt[i::k]) for i in range(k)]
    out = []
    for i in range(k):
        train = np.concatenate([folds[j] for j in range(k) if j != i])
        out.append((Subset(dataset, np.sort(train) if rng is None else train), Subset(dataset, folds[i])))
    return out
