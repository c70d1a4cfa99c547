"""DataLoader in the main process: batching, shuffling, the TensorDataset
fast path, IterableDataset, batch_size=None and argument checks."""
import numpy as np
import pytest

import autograd_core as ag
from data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
)


class Pairs(Dataset):
    """Sample i is (array [i, -i] float32, int i)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, -i], np.float32), i


class Count(IterableDataset):
    def __init__(self, n, sized=True):
        self.n, self.sized = n, sized

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.sized:
            raise TypeError("no len")
        return self.n


def labels(loader):
    return [y.tolist() for _, y in loader]


def test_batch_counts_54000():
    ds = TensorDataset(np.zeros((54000, 1), np.float32), np.arange(54000))
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    batches = labels(loader)
    assert len(loader) == len(batches) == 844
    assert sorted(i for b in batches for i in b) == list(range(54000))  # each sample once per epoch
    loader = DataLoader(ds, batch_size=64, shuffle=True, drop_last=True)
    batches = labels(loader)
    assert len(loader) == len(batches) == 843
    assert all(len(b) == 64 for b in batches) and len({i for b in batches for i in b}) == 843 * 64


def test_reshuffles_every_epoch_and_is_reproducible():
    loader = DataLoader(Pairs(100), batch_size=10, shuffle=True)
    ag.manual_seed(0)
    e1, e2 = labels(loader), labels(loader)
    assert e1 != e2 and sorted(sum(e1, [])) == sorted(sum(e2, [])) == list(range(100))
    ag.manual_seed(0)
    assert labels(loader) == e1 and labels(loader) == e2
    g = DataLoader(Pairs(100), batch_size=10, shuffle=True, generator=np.random.default_rng(4))
    h = DataLoader(Pairs(100), batch_size=10, shuffle=True, generator=np.random.default_rng(4))
    assert labels(g) == labels(h)


def test_sequential_batches_and_collate():
    loader = DataLoader(Pairs(5), batch_size=2)
    batches = list(loader)
    assert len(batches) == 3
    x, y = batches[0]
    assert isinstance(x, ag.Tensor) and x.shape == (2, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x._data, [[0, 0], [1, -1]])
    assert y.dtype == np.int64 and y.tolist() == [0, 1]
    assert batches[-1][1].tolist() == [4]


def test_fast_path_equals_per_sample_collate():
    x = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)
    y = np.arange(50)
    ds = TensorDataset(x, y)
    ag.manual_seed(2)
    fast = list(DataLoader(ds, batch_size=8, shuffle=True))
    ag.manual_seed(2)
    slow = list(DataLoader(ds, batch_size=8, shuffle=True, collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow) == 7
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert isinstance(fx, ag.Tensor) and fx.dtype == sx.dtype and fy.dtype == sy.dtype
        np.testing.assert_array_equal(fx._data, sx._data)
        np.testing.assert_array_equal(fy._data, sy._data)
    fx._data[:] = 0  # a batch is a copy, not a view of the dataset
    assert np.abs(x).sum() > 0


def test_fast_path_through_subset():
    ds = Subset(TensorDataset(np.arange(10) * 10), [9, 3, 5, 1])
    (batch,) = list(DataLoader(ds, batch_size=4))
    assert batch[0].tolist() == [90, 30, 50, 10]


def test_fast_path_names_the_bad_index():
    ds = TensorDataset(np.arange(5))
    loader = DataLoader(ds, batch_sampler=[[0, 1], [3, 7]])
    with pytest.raises(IndexError, match="index 7 is out of range for a dataset of length 5") as info:
        list(loader)
    assert "sample index 7" in "".join(getattr(info.value, "__notes__", []))


def test_error_in_main_process_names_the_index():
    class Bad(Pairs):
        def __getitem__(self, i):
            if i == 3:
                raise KeyError("broken sample")
            return super().__getitem__(i)

    with pytest.raises(KeyError, match="broken sample") as info:
        list(DataLoader(Bad(6), batch_size=2))
    assert info.value.__notes__ == ["(raised by the DataLoader while loading sample index 3)"]


def test_batch_size_none_gives_samples():
    out = list(DataLoader(Pairs(3), batch_size=None))
    assert len(out) == 3
    x, y = out[2]
    assert isinstance(x, ag.Tensor) and x.shape == (2,) and y == 2


def test_custom_batch_sampler_and_collate():
    loader = DataLoader(Pairs(6), batch_sampler=BatchSampler(SequentialSampler(range(6)), 4, False),
                        collate_fn=lambda batch: [y for _, y in batch])
    assert list(loader) == [[0, 1, 2, 3], [4, 5]] and len(loader) == 2


def test_iterable_dataset():
    loader = DataLoader(Count(10), batch_size=4)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    loader = DataLoader(Count(10), batch_size=4, drop_last=True)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(loader) == 2
    assert list(DataLoader(Count(3), batch_size=None)) == [0, 1, 2]
    unsized = DataLoader(Count(3, sized=False), batch_size=2)
    assert [b.tolist() for b in unsized] == [[0, 1], [2]]
    with pytest.raises(TypeError):
        len(unsized)
    with pytest.raises(TypeError, match="no length"):
        len(iter(unsized))


def test_argument_errors():
    ds = Pairs(4)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="persistent_workers"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="timeout"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, num_workers=1, prefetch_factor=0)
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Count(3), shuffle=True)
    with pytest.raises(ValueError, match="sampler"):
        DataLoader(Count(3), sampler=SequentialSampler(range(3)))
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(ds, shuffle=True, generator=0)
