"""Datasets, as in ``torch.utils._data``: the map-style ``Dataset`` (``len``
and ``ds[i]``), the ``IterableDataset`` (a stream), and the combinators
``TensorDataset``, ``Subset``, ``ConcatDataset`` and ``ChainDataset``.

A ``TensorDataset`` is the fast case of the ``DataLoader``: a batch of it is
one fancy index per tensor (also through ``Subset``s of it), not a list of
samples stacked by ``collate``.
"""
import bisect

import numpy as np

from autograd_core.tensor import Tensor


class Dataset:
    """A map from indices to samples: subclasses define ``__getitem__`` and
    (for the samplers) ``__len__``; ``a + b`` concatenates two datasets."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__``. With worker
    processes each worker iterates its own copy; ``data.get_worker_info()``
    tells it which share to produce."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: it has no __getitem__")

    def __add__(self, other):
        return ChainDataset([self, other])


def _as_tensor(t):
    return t if isinstance(t, Tensor) else Tensor(np.asarray(t))


class TensorDataset(Dataset):
    """Samples are the rows of tensors of equal first dimension:
    ``ds[i] == (t[i] for t in tensors)``. Numpy arrays are wrapped, not copied."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(_as_tensor(t) for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"Size mismatch between tensors: TensorDataset needs equal first dimensions, "
                             f"got shapes {[tuple(t.shape) for t in self.tensors]}")

    def __getitem__(self, index):
        return tuple(t[index] if t.requires_grad else Tensor(np.asarray(t._data[index]))
                     for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``: ``Subset(ds, idx)[i] == ds[idx[i]]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices.tolist() if isinstance(indices, (np.ndarray, Tensor)) else indices

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several map-style datasets, one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset (use ChainDataset)")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"index {index} is out of range for a ConcatDataset of length {n}")
        k = bisect.bisect_right(self.cumulative_sizes, index)
        return self.datasets[k][index - (self.cumulative_sizes[k - 1] if k else 0)]


class ChainDataset(IterableDataset):
    """The samples of several iterable datasets, one stream after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def tensor_source(dataset):
    """``(arrays, index_map)`` when every sample of ``dataset`` is a row of
    plain arrays (a ``TensorDataset``, possibly under ``Subset``s), so that a
    batch is ``tuple(a[index_map[idx]] for a in arrays)``; else None."""
    index_map = None
    while type(dataset) is Subset:
        idx = np.asarray(dataset.indices, dtype=np.intp)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if not isinstance(dataset, TensorDataset) or type(dataset).__getitem__ is not TensorDataset.__getitem__:
        return None
    if any(t.requires_grad for t in dataset.tensors):
        return None
    return tuple(t._data for t in dataset.tensors), index_map
