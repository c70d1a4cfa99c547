"""Samplers: the order in which a ``DataLoader`` visits a map-style dataset.

``SequentialSampler`` (0, 1, 2, ...), ``RandomSampler`` (a new permutation at
every iteration, or draws with replacement), ``SubsetRandomSampler``,
``WeightedRandomSampler`` (index i drawn with probability w_i / Σw) and
``BatchSampler`` (groups indices into lists of ``batch_size``).

Randomness comes from ``generator`` (an ``autograd_core.Generator`` or a
``numpy.random.Generator``) or, when it is None, from the default generator of
``autograd_core`` at the time of each iteration, so that ``ag.manual_seed(s)`` makes every epoch's order
reproducible while successive epochs differ.

Each sampler also has ``_index_array()``, the whole epoch as one integer
array, which the loader slices into batches without a Python loop. A
``RandomSampler`` with more than ``_CHUNK`` samples (``num_samples=10**10``)
has none: it draws its indices lazily, ``_CHUNK`` at a time.
"""
import numpy as np

from autograd_core.random import numpy_generator
from autograd_core.tensor import Tensor

_CHUNK = 1 << 20  # indices drawn at once by a RandomSampler too long for one array


def resolve_generator(generator):
    """The ``numpy.random.Generator`` behind ``generator`` (an
    ``autograd_core.Generator`` or a ``numpy.random.Generator``) or, if None,
    behind the default generator (looked up now: ``manual_seed`` re-seeds it)."""
    return numpy_generator(generator)


def _is_positive_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool) and x > 0


class Sampler:
    """Base class: ``__iter__`` yields indices (or, for batch samplers, lists
    of them). The built-in samplers define ``_index_array()`` instead."""

    def __init__(self, data_source=None):
        pass

    def _index_array(self):
        return None

    def _index_chunks(self):
        """The epoch as successive integer arrays, for a sampler whose epoch is
        too long for ``_index_array``; None otherwise."""
        return None

    def __iter__(self):
        arr = self._index_array()
        if arr is not None:
            return iter(arr.tolist())
        chunks = self._index_chunks()
        if chunks is None:
            raise NotImplementedError(f"{type(self).__name__} must define __iter__")
        return (i for chunk in chunks for i in chunk.tolist())


def index_array(sampler):
    """One epoch of ``sampler`` as an integer array, or None when only its
    ``__iter__`` knows the order (a user's sampler)."""
    if isinstance(sampler, Sampler) and type(sampler).__iter__ is Sampler.__iter__:
        return sampler._index_array()
    return None


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _index_array(self):
        return np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the dataset, new at each iteration; with
    ``replacement=True``, ``num_samples`` independent uniform draws. Without
    replacement and ``num_samples > len``, whole permutations follow each other."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, got {replacement!r}")
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if num_samples is not None and not _is_positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer, got {num_samples!r}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def _index_array(self):
        n, m = len(self.data_source), self.num_samples
        if m > _CHUNK:
            return None
        rng = resolve_generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=m)
        if m == n:
            return rng.permutation(n)
        return np.concatenate([rng.permutation(n) for _ in range(-(-m // n))])[:m]

    def _index_chunks(self):
        n, m = len(self.data_source), self.num_samples
        return self._chunks(n, m, resolve_generator(self.generator)) if m > _CHUNK else None

    def _chunks(self, n, m, rng):
        """Up to ``_CHUNK`` indices at a time: draws, or successive permutations (cut to ``m`` in all)."""
        left = m
        while left > 0:
            part = rng.integers(0, n, size=min(left, _CHUNK)) if self.replacement else rng.permutation(n)[:left]
            left -= len(part)
            yield part

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, new at each iteration."""

    def __init__(self, indices, generator=None):
        self.indices = np.asarray(indices._data if isinstance(indices, Tensor) else indices, dtype=np.int64)
        self.generator = generator

    def _index_array(self):
        return self.indices[resolve_generator(self.generator).permutation(len(self.indices))]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in [0, len(weights)), index i with probability
    weights[i] / Σ weights (weights need not sum to 1)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1-d sequence, got shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("weights should be finite, non-negative and not all zero")
        if not _is_positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer, got {num_samples!r}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"cannot draw {num_samples} samples without replacement from "
                             f"{np.count_nonzero(w)} non-zero weights")
        self.weights, self.num_samples = w, int(num_samples)
        self.replacement, self.generator = replacement, generator

    def _index_array(self):
        rng = resolve_generator(self.generator)
        return rng.choice(len(self.weights), self.num_samples, replace=self.replacement,
                          p=self.weights / self.weights.sum())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``; the last list is
    shorter unless ``drop_last``. 54,000 indices in batches of 64 give 844
    batches, 843 with ``drop_last``."""

    def __init__(self, sampler, batch_size, drop_last):
        if not _is_positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def _batches_of(self, arr):
        bs = self.batch_size
        stop = len(arr) - len(arr) % bs if self.drop_last else len(arr)
        return (arr[i:i + bs] for i in range(0, stop, bs))

    def __iter__(self):
        arr = index_array(self.sampler)
        if arr is not None:
            yield from (b.tolist() for b in self._batches_of(arr))
            return
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def index_batches(batch_sampler):
    """One epoch of batches of indices: integer arrays sliced from one array
    when the samplers are built-in ones, else whatever the sampler yields."""
    if type(batch_sampler) is BatchSampler:
        arr = index_array(batch_sampler.sampler)
        if arr is not None:
            return batch_sampler._batches_of(arr)
    return iter(batch_sampler)
