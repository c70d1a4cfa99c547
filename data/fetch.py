"""Fetchers: how one batch is made from a dataset, the same way in the main
process and in a worker.

* map-style: the samples ``dataset[i]`` for the batch's indices, then
  ``collate_fn``; a ``TensorDataset`` (also under ``Subset``s) with the default
  collate takes the fast path: one fancy index per tensor;
* iterable: the next ``batch_size`` items of the dataset's iterator.

``fetcher.index`` names the sample being loaded while it is loaded, so that
an error can say which one failed. ``LoaderIter`` is what the DataLoader's
single- and multi-process iterators share.
"""
import numpy as np

from autograd_core.tensor import Tensor

from .collate import default_collate, default_convert
from .dataset import IterableDataset, tensor_source

EXHAUSTED = "exhausted"  # returned by an iterable fetcher at the end of its stream


class MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn):
        self.dataset, self.auto, self.index = dataset, auto_collation, None
        default = collate_fn is None or collate_fn is default_collate
        self.collate = collate_fn or (default_collate if auto_collation else default_convert)
        self.source = tensor_source(dataset) if auto_collation and default else None
        self.getitems = getattr(dataset, "__getitems__", None)

    def fetch(self, indices):
        if not self.auto:
            self.index = indices
            sample = self.dataset[indices]
            self.index = None
            return self.collate(sample)
        if self.source is not None:
            return self._rows(indices)
        if self.getitems is not None:
            self.index = list(indices)
            samples = self.getitems(indices)
        else:
            samples = []
            for i in indices:
                self.index = i
                samples.append(self.dataset[i])
        self.index = None
        return self.collate(samples)

    def _rows(self, indices):
        arrays, index_map = self.source
        idx = indices if isinstance(indices, np.ndarray) else np.asarray(indices, dtype=np.intp)
        n = len(arrays[0]) if index_map is None else len(index_map)
        try:
            if index_map is not None:
                idx = index_map[idx]
            return tuple(Tensor(a[idx]) for a in arrays)
        except IndexError:
            bad = [i for i in np.asarray(indices).tolist() if not -n <= i < n]
            if not bad:
                raise
            self.index = bad[0]
            raise IndexError(f"index {bad[0]} is out of range for a dataset of length {n}") from None


class IterFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, batch_size, drop_last):
        self.dataset, self.auto = dataset, auto_collation
        self.batch_size, self.drop_last = batch_size, drop_last
        self.collate = collate_fn or (default_collate if auto_collation else default_convert)
        self.epoch = None
        self.reset()

    def reset(self, epoch=None):
        self.it, self.count, self.done, self.index, self.epoch = None, 0, False, None, epoch

    def _next(self):
        self.index = self.count
        item = next(self.it)
        self.count += 1
        return item

    def fetch(self, _indices=None):
        if self.done:
            return EXHAUSTED
        if self.it is None:
            self.it = iter(self.dataset)
        items = []
        try:
            for _ in range(self.batch_size if self.auto else 1):
                items.append(self._next())
        except StopIteration:
            self.done = True
        self.index = None
        if not items or (self.auto and self.drop_last and len(items) < self.batch_size):
            self.done = True
            return EXHAUSTED
        return self.collate(items if self.auto else items[0])


def make_fetcher(dataset, auto_collation, collate_fn, batch_size, drop_last):
    if isinstance(dataset, IterableDataset):
        return IterFetcher(dataset, auto_collation, collate_fn, batch_size, drop_last)
    return MapFetcher(dataset, auto_collation, collate_fn)


class LoaderIter:
    """The iterator protocol of a DataLoader's iterators: ``length`` is the
    number of batches of the epoch, or None for an IterableDataset without
    ``__len__`` (set by the subclass)."""

    def __iter__(self):
        return self

    def __len__(self):
        if self.length is None:
            raise TypeError("this DataLoader has no length: its IterableDataset has no __len__")
        return self.length
