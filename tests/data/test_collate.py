"""default_collate and default_convert."""
from collections import namedtuple

import numpy as np
import pytest

import autograd_core as ag
from data import default_collate, default_convert

Pair = namedtuple("Pair", "x y")


def test_numbers():
    f = default_collate([1.5, 2.0])
    assert isinstance(f, ag.Tensor) and f.dtype == np.float32 and f.tolist() == [1.5, 2.0]
    i = default_collate([1, 2, 3])
    assert i.dtype == np.int64 and i.tolist() == [1, 2, 3]
    b = default_collate([True, False])
    assert b.dtype == np.bool_ and b.tolist() == [True, False]
    s = default_collate([np.float64(1.0), np.float64(2.0)])
    assert s.dtype == np.float64 and s.shape == (2,)


def test_arrays_and_tensors_stack():
    arrs = [np.full((2, 3), i, np.uint8) for i in range(4)]
    out = default_collate(arrs)
    assert out.shape == (4, 2, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out._data[:, 0, 0], [0, 1, 2, 3])
    ts = [ag.tensor([i, i + 1.0]) for i in range(3)]
    out = default_collate(ts)
    assert out.shape == (3, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out._data, [[0, 1], [1, 2], [2, 3]])


def test_grad_tensors_keep_the_graph():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    out = default_collate([w * 2, w * 3])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad._data, [5, 5])


def test_nested_structures():
    batch = [(np.zeros(2, np.float32), 1, {"a": 0.5, "n": "s0"}),
             (np.ones(2, np.float32), 2, {"a": 1.5, "n": "s1"})]
    x, y, d = default_collate(batch)
    assert x.shape == (2, 2) and y.tolist() == [1, 2]
    assert d["a"].tolist() == [0.5, 1.5] and d["n"] == ["s0", "s1"]
    lists = default_collate([[1, 2], [3, 4]])
    assert isinstance(lists, list) and [t.tolist() for t in lists] == [[1, 3], [2, 4]]
    p = default_collate([Pair(1, 2.0), Pair(3, 4.0)])
    assert isinstance(p, Pair) and p.x.tolist() == [1, 3] and p.y.dtype == np.float32


def test_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="found NoneType"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="dtype"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match="non-empty"):
        default_collate([])


def test_default_convert():
    out = default_convert((np.arange(3), {"k": np.float32(2.0)}, 5, "s"))
    assert isinstance(out, tuple) and isinstance(out[0], ag.Tensor) and out[0].tolist() == [0, 1, 2]
    assert isinstance(out[1]["k"], ag.Tensor) and out[1]["k"].dtype == np.float32
    assert out[2] == 5 and out[3] == "s"
    p = default_convert(Pair(np.zeros(1), 1))
    assert isinstance(p, Pair) and isinstance(p.x, ag.Tensor)
