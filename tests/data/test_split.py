"""random_split, train_val_test_split and kfold."""
import numpy as np
import pytest

import autograd_core as ag
from data import Subset, TensorDataset, kfold, random_split, train_val_test_split


def dataset(n):
    return TensorDataset(np.arange(n))


def idx(subset):
    return np.asarray(subset.indices)


def test_random_split_lengths():
    ag.manual_seed(0)
    parts = random_split(dataset(10), [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    assert all(isinstance(p, Subset) for p in parts)
    assert sorted(np.concatenate([idx(p) for p in parts]).tolist()) == list(range(10))


def test_random_split_fractions_and_remainder():
    parts = random_split(dataset(10), [0.5, 0.3, 0.2], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(dataset(11), [0.5, 0.5], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [6, 5]  # floors, then one more to the first


def test_random_split_reproducible():
    a = random_split(dataset(20), [10, 10], generator=np.random.default_rng(3))
    b = random_split(dataset(20), [10, 10], generator=np.random.default_rng(3))
    assert idx(a[0]).tolist() == idx(b[0]).tolist()
    ag.manual_seed(1)
    c = random_split(dataset(20), [10, 10])
    ag.manual_seed(1)
    assert idx(random_split(dataset(20), [10, 10])[0]).tolist() == idx(c[0]).tolist()


def test_random_split_errors():
    with pytest.raises(ValueError, match="does not equal"):
        random_split(dataset(10), [3, 3])
    with pytest.raises(ValueError, match="fractions"):
        random_split(dataset(10), [0.5, 0.2])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(dataset(10), [12, -2])


def test_train_val_test_split_sizes():
    tr, va, te = train_val_test_split(dataset(100), val=0.2, test=0.1, generator=np.random.default_rng(0))
    assert (len(tr), len(va), len(te)) == (70, 20, 10)
    allidx = np.concatenate([idx(tr), idx(va), idx(te)])
    assert sorted(allidx.tolist()) == list(range(100))
    tr, va, te = train_val_test_split(dataset(50), val=5, test=7, shuffle=False)
    assert idx(tr).tolist() == list(range(38))
    assert idx(va).tolist() == list(range(38, 43)) and idx(te).tolist() == list(range(43, 50))


def test_train_val_test_split_stratified():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    tr, va, te = train_val_test_split(dataset(100), val=0.2, test=0.2, stratify=y,
                                      generator=np.random.default_rng(0))
    for part, frac in ((tr, 0.6), (va, 0.2), (te, 0.2)):
        np.testing.assert_array_equal(np.bincount(y[idx(part)], minlength=3), np.array([50, 30, 20]) * frac)
    assert len(set(idx(tr)) | set(idx(va)) | set(idx(te))) == 100


def test_train_val_test_split_errors():
    with pytest.raises(ValueError, match="more than the whole"):
        train_val_test_split(dataset(10), val=0.6, test=0.5)
    with pytest.raises(ValueError, match="one label per sample"):
        train_val_test_split(dataset(10), stratify=[0, 1])
    with pytest.raises(ValueError, match="fraction"):
        train_val_test_split(dataset(10), val=1.5)


def test_kfold_partitions():
    folds = kfold(dataset(23), k=5, generator=np.random.default_rng(0))
    assert len(folds) == 5
    vals = [idx(v) for _, v in folds]
    assert sorted(len(v) for v in vals) == [4, 4, 5, 5, 5]
    assert sorted(np.concatenate(vals).tolist()) == list(range(23))
    for tr, va in folds:
        assert set(idx(tr)).isdisjoint(idx(va)) and len(tr) + len(va) == 23


def test_kfold_without_shuffle_is_contiguous():
    folds = kfold(dataset(10), k=3, shuffle=False)
    assert [idx(v).tolist() for _, v in folds] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert idx(folds[1][0]).tolist() == [0, 1, 2, 3, 7, 8, 9]


def test_kfold_stratified():
    y = np.repeat([0, 1], [40, 10])
    folds = kfold(dataset(50), k=5, stratify=ag.tensor(y), generator=np.random.default_rng(1))
    for tr, va in folds:
        np.testing.assert_array_equal(np.bincount(y[idx(va)]), [8, 2])
        np.testing.assert_array_equal(np.bincount(y[idx(tr)]), [32, 8])


def test_kfold_errors():
    with pytest.raises(ValueError, match="k must be"):
        kfold(dataset(5), k=1)
    with pytest.raises(ValueError, match="k must be"):
        kfold(dataset(5), k=6)
