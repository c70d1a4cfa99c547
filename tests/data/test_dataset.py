"""Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, ChainDataset."""
import numpy as np
import pytest

import autograd_core as ag
from data import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset
from data.dataset import tensor_source


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not -self.n <= i < self.n:
            raise IndexError(i)
        return i * i


class Stream(IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def test_tensor_dataset_rows_and_len():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = ag.tensor([0, 1, 0, 1, 1, 0])
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert isinstance(xi, ag.Tensor) and xi.dtype == np.float32
    np.testing.assert_array_equal(xi._data, [8, 9])
    assert yi.item() == 1 and yi.dtype == np.int64
    assert ds.tensors[0]._data is x  # wrapped, not copied


def test_tensor_dataset_keeps_graph_for_grad_tensors():
    w = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (row,) = TensorDataset(w)[1]
    row.sum().backward()
    np.testing.assert_array_equal(w.grad._data, [[0, 0], [1, 1]])


def test_tensor_dataset_size_mismatch():
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_subset_and_concat():
    sq = Squares(5)
    sub = Subset(sq, np.array([4, 0, 2]))
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [16, 0, 4]
    assert sub.indices == [4, 0, 2]
    cat = ConcatDataset([sq, Squares(3)])
    assert len(cat) == 8
    assert [cat[i] for i in range(8)] == [0, 1, 4, 9, 16, 0, 1, 4]
    assert cat[-1] == 4 and cat[-8] == 0
    with pytest.raises(IndexError, match="out of range"):
        cat[8]
    assert len(sq + Squares(2)) == 7


def test_concat_rejects_iterable():
    with pytest.raises(TypeError, match="ChainDataset"):
        ConcatDataset([Squares(2), Stream([1])])
    with pytest.raises(ValueError):
        ConcatDataset([])


def test_chain_and_iterable_add():
    chained = Stream([1, 2]) + Stream([3])
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [1, 2, 3] and len(chained) == 3
    with pytest.raises(TypeError, match="IterableDataset"):
        Stream([1])[0]


def test_base_classes_need_methods():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())


def test_tensor_source_through_subsets():
    x = np.arange(10) * 10
    ds = Subset(Subset(TensorDataset(x), [9, 8, 7, 6, 5]), [4, 0])
    arrays, index_map = tensor_source(ds)
    np.testing.assert_array_equal(arrays[0][index_map], [50, 90])
    assert tensor_source(Squares(3)) is None

    class Custom(TensorDataset):
        def __getitem__(self, i):
            return super().__getitem__(i)

    assert tensor_source(Custom(x)) is None
