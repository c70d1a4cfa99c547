"""Tensor API details PyTorch code relies on: Size, type strings, new_*,
__format__, legacy constructors, numpy's axis/keepdims names, the default
dtype, print options, threads, histograms."""
import pickle

import numpy as np
import pytest

import autograd_core as ag


def test_size_is_a_tuple_with_numel():
    t = ag.zeros(2, 3, 4)
    s = t.shape
    assert isinstance(s, ag.Size) and isinstance(s, tuple)
    assert s == (2, 3, 4) and t.size() == s and t.size(1) == 3 and t.size(-1) == 4
    assert s.numel() == 24 and ag.Size([]).numel() == 1
    assert repr(s) == "torch.Size([2, 3, 4])"
    assert isinstance(s[1:], ag.Size) and s[0] == 2 and type(s[0]) is int
    assert ag.zeros(s).shape == s and ag.zeros(*s).shape == s
    assert pickle.loads(pickle.dumps(s)) == s
    assert ag.Size([np.int64(2), 3]) == (2, 3)
    with pytest.raises(TypeError):
        ag.Size([2.5])


def test_type_strings_and_conversions():
    assert ag.zeros(1).type() == "torch.FloatTensor"
    assert ag.zeros(1, dtype=ag.float64).type() == "torch.DoubleTensor"
    assert ag.arange(3).type() == "torch.LongTensor"
    assert ag.zeros(1, dtype=ag.bool).type() == "torch.BoolTensor"
    assert ag.zeros(1, dtype=ag.uint8).type() == "torch.ByteTensor"
    x = ag.tensor([1.7, 2.2])
    assert x.type(ag.int64).tolist() == [1, 2]
    assert x.type(ag.LongTensor).dtype == np.int64
    assert x.type("torch.DoubleTensor").dtype == np.float64
    assert x.type(ag.float32) is x


def test_new_factories_take_the_dtype_of_self():
    x = ag.zeros(2, dtype=ag.float64)
    assert x.new_zeros(3).dtype == np.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(2, 2).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert x.new_full((2,), 3).tolist() == [3.0, 3.0] and x.new_full((2,), 3).dtype == np.float64
    assert x.new_empty(4).shape == (4,)
    assert x.new_tensor([1, 2]).dtype == np.float64
    assert x.new_zeros(2, dtype=ag.int64).dtype == np.int64
    y = x.new_ones(2, requires_grad=True)
    assert y.requires_grad and y.is_leaf
    src = np.ones(2)
    z = x.new_tensor(src)
    src[0] = 5
    assert z.tolist() == [1.0, 1.0]  # a copy


def test_nelement_element_size_numel_is_tensor():
    x = ag.zeros(3, 4)
    assert x.nelement() == 12 == x.numel() == ag.numel(x)
    assert x.element_size() == 4 and ag.zeros(1, dtype=ag.float64).element_size() == 8
    assert ag.arange(3).element_size() == 8 and ag.zeros(1, dtype=ag.bool).element_size() == 1
    assert ag.is_tensor(x) and not ag.is_tensor(np.zeros(2)) and not ag.is_tensor(1.0)


def test_format_specs_on_one_element_tensors():
    loss = ag.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235"
    assert f"{ag.tensor([2.5]):.2f}" == "2.50"
    assert f"{ag.tensor(3):d}" == "3" and f"{ag.tensor(7):>4}" == "   7"
    assert f"{ag.tensor(1.5, requires_grad=True) * 2:.1f}" == "3.0"
    assert f"{loss}" == str(loss.item())  # a 0-d tensor formats as its value, as in PyTorch
    assert f"{ag.ones(2)}" == str(ag.ones(2))
    with pytest.raises(TypeError):
        f"{ag.ones(2):.2f}"


@pytest.mark.parametrize("cls,dtype", [
    (ag.FloatTensor, np.float32), (ag.DoubleTensor, np.float64), (ag.LongTensor, np.int64),
    (ag.IntTensor, np.int32), (ag.BoolTensor, np.bool_), (ag.ByteTensor, np.uint8), (ag.HalfTensor, np.float16),
])
def test_legacy_constructors(cls, dtype):
    a = cls(2, 3)
    assert isinstance(a, ag.Tensor) and a.shape == (2, 3) and a.dtype == dtype
    assert cls(ag.Size([4])).shape == (4,)
    b = cls([1, 0, 1])
    assert b.shape == (3,) and b.dtype == dtype and b.tolist() == np.array([1, 0, 1], dtype).tolist()
    assert cls().shape == (0,)
    assert isinstance(b, cls) and not isinstance(ag.zeros(1, dtype=np.int8), cls)
    assert b.type() == f"torch.{cls.__name__}"


def test_legacy_constructor_data_forms():
    assert ag.LongTensor(3).shape == (3,)  # an int is a size, as in PyTorch
    assert ag.FloatTensor([[1, 2], [3, 4]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert ag.FloatTensor(np.arange(3)).dtype == np.float32
    assert ag.LongTensor(ag.tensor([1.9, 2.1])).tolist() == [1, 2]
    assert isinstance(ag.zeros(1), ag.FloatTensor) and not isinstance(ag.zeros(1), ag.LongTensor)
    with pytest.raises(RuntimeError, match="CPU-only"):
        ag.FloatTensor(2, device="cuda")


def test_numpy_names_axis_and_keepdims():
    x = ag.arange(12.0).reshape(3, 4)
    assert x.sum(axis=0).tolist() == x.sum(dim=0).tolist()
    assert ag.sum(x, axis=1, keepdims=True).shape == (3, 1)
    assert x.mean(axis=-1, keepdims=True).shape == (3, 1)
    assert ag.amax(x, axis=0).tolist() == [8.0, 9.0, 10.0, 11.0]
    assert x.max(axis=1).values.tolist() == [3.0, 7.0, 11.0]
    assert x.argmax(axis=1).tolist() == [3, 3, 3]
    assert ag.var(x, axis=0, keepdims=True).shape == (1, 4) and x.std(axis=1).shape == (3,)
    assert ag.cat([x, x], axis=1).shape == (3, 8) and ag.stack([x, x], axis=0).shape == (2, 3, 4)
    assert np.allclose(ag.softmax(x, axis=1).sum(dim=1).numpy(), 1.0)
    assert ag.logsumexp(x, axis=0).shape == (4,) and x.prod(axis=0).shape == (4,)
    assert x.unsqueeze(axis=0).shape == (1, 3, 4)
    with pytest.raises(TypeError, match="both"):
        x.sum(dim=0, axis=1)


def test_axis_alias_keeps_gradients():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (x * x).sum(axis=1, keepdims=True).sum().backward()
    assert x.grad.tolist() == [[2.0, 4.0], [6.0, 8.0]]


@pytest.fixture
def default_float64():
    ag.set_default_dtype(ag.float64)
    yield
    ag.set_default_dtype(ag.float32)


def test_default_dtype(default_float64):
    assert ag.get_default_dtype() == np.float64
    assert ag.tensor([1.0]).dtype == np.float64 and ag.tensor(2.5).dtype == np.float64
    assert ag.zeros(2).dtype == np.float64 and ag.ones(1).dtype == np.float64
    assert ag.arange(0.0, 1.0, 0.5).dtype == np.float64 and ag.linspace(0, 1, 3).dtype == np.float64
    assert ag.full((1,), 1.5).dtype == np.float64 and ag.eye(2).dtype == np.float64
    assert ag.tensor([1, 2]).dtype == np.int64  # ints stay int64
    x = ag.zeros(2, dtype=ag.float32)
    assert (x * 1.5).dtype == np.float32  # a Python scalar never promotes


def test_default_dtype_is_float32_and_checked():
    assert ag.get_default_dtype() == np.float32 and ag.tensor([1.0]).dtype == np.float32
    with pytest.raises(TypeError):
        ag.set_default_dtype(ag.int64)
    assert ag.get_default_dtype() == np.float32


def test_set_printoptions():
    try:
        ag.set_printoptions(precision=2)
        assert repr(ag.tensor([1.23456, 2.5])) == "tensor([1.23, 2.50])"
        ag.set_printoptions(threshold=5, edgeitems=2)
        assert "..." in repr(ag.arange(100))
        ag.set_printoptions(profile="full")
        assert "..." not in repr(ag.arange(2000))
        ag.set_printoptions(sci_mode=True, precision=2)
        assert repr(ag.tensor([1.5, 2.0])) == "tensor([1.50e+00, 2.00e+00])"
        ag.set_printoptions(sci_mode=False)
        assert repr(ag.tensor([1.5e-7, 2.0])) == "tensor([0.00, 2.00])"
    finally:
        ag.set_printoptions(profile="default")
    assert repr(ag.tensor([1.23456])) == "tensor([1.2346])"
    assert ag.get_printoptions()["precision"] == 4


def test_num_threads():
    n = ag.get_num_threads()
    assert n >= 1
    try:
        ag.set_num_threads(1)
        assert ag.get_num_threads() == 1
        blas = ag.num_threads.blas_num_threads()
        if blas:  # threadpoolctl sees numpy's BLAS
            assert set(blas.values()) == {1}
        x = ag.randn(64, 64)
        assert np.allclose((x @ x).numpy(), x.numpy() @ x.numpy(), atol=1e-4)
    finally:
        ag.set_num_threads(n)
    assert ag.get_num_threads() == n
    with pytest.raises(RuntimeError):
        ag.set_num_threads(0)


def test_histc():
    x = ag.tensor([1.0, 2.0, 1.0, 4.0, -1.0])
    assert ag.histc(x, bins=4, min=0, max=4).tolist() == [0.0, 2.0, 1.0, 1.0]  # -1 is outside
    h = ag.histc(x, bins=5)  # range of the data: [-1, 4]
    assert h.sum().item() == 5 and h.dtype == np.float32
    assert ag.histc(ag.tensor([2.0, 2.0]), bins=2).tolist() == [0.0, 2.0]  # min == max widens by 1
    with pytest.raises(RuntimeError):
        ag.histc(ag.arange(3), bins=3)


def test_histogram():
    x = ag.tensor([1.0, 2.0, 1.0, 4.0])
    hist, edges = ag.histogram(x, bins=3)
    assert hist.tolist() == [2.0, 1.0, 1.0] and edges.tolist() == [1.0, 2.0, 3.0, 4.0]
    hist, edges = ag.histogram(x, ag.tensor([0.0, 2.0, 5.0]))
    assert hist.tolist() == [2.0, 2.0]
    hist, _ = ag.histogram(x, bins=2, range=(0.0, 4.0), weight=ag.tensor([1.0, 2.0, 3.0, 4.0]))
    assert hist.tolist() == [4.0, 6.0]
    dens, edges = ag.histogram(x, bins=2, density=True)
    widths = np.diff(edges.numpy())
    assert np.isclose((dens.numpy() * widths).sum(), 1.0)
