"""``DataLoader``: batches of a dataset, in the main process or in worker
processes, with PyTorch's arguments and rules.

    loader = DataLoader(dataset, batch_size=64, shuffle=True, num_workers=2)
    for x, y in loader: ...          # a new order every epoch

A map-style dataset is visited in the order of a sampler (``shuffle=True``:
a ``RandomSampler``), grouped by a ``BatchSampler`` and stacked by
``collate_fn`` (``default_collate``); a ``TensorDataset`` batch is one fancy
index per tensor. ``batch_size=None`` turns batching off (samples go through
``default_convert``). An ``IterableDataset`` is read as a stream.

Every ``iter(loader)`` first draws a base seed from ``generator`` (an
``autograd_core.Generator`` or a ``numpy.random.Generator``; by default the
default generator of ``autograd_core``; ``shuffle=True`` hands it to the
``RandomSampler``) and then the epoch's order, in both modes, so that after
the same ``ag.manual_seed(s)`` the batches of ``num_workers=k`` equal those of
``num_workers=0``. Worker ``i`` is seeded with ``base_seed + i``; random
transforms therefore draw different numbers in workers than in the main
process. Workers are started with ``fork`` on Linux (datasets and lambdas
need not be picklable); ``multiprocessing_context`` chooses another start method.
"""
import multiprocessing as mp
import sys

import numpy as np

from autograd_core.tensor import Tensor

from .dataset import IterableDataset
from .fetch import EXHAUSTED, LoaderIter, make_fetcher
from .multiprocess import MultiProcessIter
from .sampler import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    index_array,
    index_batches,
    resolve_generator,
)


def _positive_int(value, name, zero=False):
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= (0 if zero else 1)
    if not ok:
        kind = "non-negative" if zero else "positive"
        raise ValueError(f"{name} should be a {kind} integer, got {value!r}")
    return int(value)


class DataLoader:
    """Iterable over batches of ``dataset`` (see the module docstring)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *, prefetch_factor=2,
                 persistent_workers=False):
        self.num_workers = _positive_int(num_workers, "num_workers", zero=True)
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        self.prefetch_factor = _positive_int(prefetch_factor, "prefetch_factor")
        if persistent_workers and self.num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if isinstance(dataset, IterableDataset):
            if shuffle:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler and "
                                 "batch_sampler options")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        elif batch_size is not None:
            batch_size = _positive_int(batch_size, "batch_size")
        if generator is not None:
            resolve_generator(generator)  # type check
        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not isinstance(dataset, IterableDataset):
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.collate_fn, self.pin_memory, self.timeout = collate_fn, pin_memory, timeout
        self.worker_init_fn, self.generator = worker_init_fn, generator
        self.multiprocessing_context, self.persistent_workers = multiprocessing_context, persistent_workers
        self._iterator = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (isinstance(self.dataset, IterableDataset)
                                                  and self.batch_size is not None)

    def _mp_context(self):
        ctx = self.multiprocessing_context
        if ctx is None:
            return mp.get_context("fork" if sys.platform.startswith("linux") else None)
        return mp.get_context(ctx) if isinstance(ctx, str) else ctx

    def _index_source(self):
        """The epoch's batches of indices (or single indices without batching)."""
        if self.batch_sampler is not None:
            return index_batches(self.batch_sampler)
        arr = index_array(self.sampler)
        return iter(arr.tolist()) if arr is not None else iter(self.sampler)

    def _length_or_none(self):
        try:
            return len(self)
        except TypeError:
            return None

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)

    def __iter__(self):
        base_seed = int(resolve_generator(self.generator).integers(0, 2 ** 62))
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return MultiProcessIter(self, base_seed)
        if self._iterator is None or self._iterator._shut:
            self._iterator = MultiProcessIter(self, base_seed)
        else:
            self._iterator.reset(self)
        return self._iterator


class _SingleProcessIter(LoaderIter):
    def __init__(self, loader):
        self.fetcher = make_fetcher(loader.dataset, loader._auto_collation, loader.collate_fn,
                                    loader.batch_size, loader.drop_last)
        self.batches = None if isinstance(loader.dataset, IterableDataset) else loader._index_source()
        self.length = loader._length_or_none()
        source = getattr(self.fetcher, "source", None)  # a TensorDataset: rows taken here, directly
        self.arrays = source[0] if source is not None and source[1] is None else None

    def __next__(self):
        indices = None if self.batches is None else next(self.batches)
        if self.arrays is not None:
            try:
                return tuple([Tensor(a[indices]) for a in self.arrays])
            except IndexError:
                pass  # the fetcher names the bad index
        try:
            data = self.fetcher.fetch(indices)
        except Exception as e:
            if self.fetcher.index is not None and hasattr(e, "add_note"):
                e.add_note(f"(raised by the DataLoader while loading sample index {self.fetcher.index})")
            raise
        if data is EXHAUSTED:
            raise StopIteration
        return data
