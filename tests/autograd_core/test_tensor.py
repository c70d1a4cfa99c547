"""Tensor creation, dtypes, properties, conversion and printing."""
import numpy as np
import pytest

import autograd_core as ag


def test_float_defaults_to_float32_and_ints_to_int64():
    assert ag.tensor([1.0, 2.0]).dtype == ag.float32
    assert ag.tensor([1, 2]).dtype == ag.int64
    assert ag.tensor([True]).dtype == ag.bool
    assert ag.tensor(np.zeros(2)).dtype == ag.float64  # numpy arrays keep their dtype
    assert ag.tensor([1.0], dtype=ag.float64).dtype == ag.float64


def test_tensor_copies_but_from_numpy_shares():
    a = np.zeros(3)
    t = ag.tensor(a)
    s = ag.from_numpy(a)
    a[0] = 7
    assert t.tolist() == [0, 0, 0]
    assert s.tolist() == [7, 0, 0]
    with pytest.raises(TypeError):
        ag.from_numpy([1, 2])


@pytest.mark.parametrize("fn", [ag.zeros, ag.ones, ag.empty, ag.rand, ag.randn])
def test_shape_arguments(fn):
    assert fn(2, 3).shape == (2, 3)
    assert fn((2, 3)).shape == (2, 3)
    assert fn([4]).shape == (4,)
    assert fn(2, 3).dtype == ag.float32
    assert fn(2, dtype=ag.float64).dtype == ag.float64


def test_creation_values():
    assert ag.full((2, 2), 3.5).tolist() == [[3.5, 3.5], [3.5, 3.5]]
    assert ag.full((2,), 3.5).dtype == ag.float32
    assert ag.arange(4).tolist() == [0, 1, 2, 3] and ag.arange(4).dtype == ag.int64
    assert ag.arange(1, 2, 0.5).tolist() == [1.0, 1.5] and ag.arange(1, 2, 0.5).dtype == ag.float32
    np.testing.assert_allclose(ag.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(ag.eye(3).numpy(), np.eye(3))
    assert ag.eye(2, 3).shape == (2, 3)
    x = ag.randn(3, 2, dtype=ag.float64)
    for like, val in [(ag.zeros_like, 0), (ag.ones_like, 1)]:
        y = like(x)
        assert y.shape == x.shape and y.dtype == ag.float64 and np.all(y.numpy() == val)
    assert ag.full_like(x, 2).tolist() == [[2, 2]] * 3
    assert ag.rand_like(x).shape == (3, 2) and ag.randn_like(x).dtype == ag.float64


def test_random_ranges_and_seed():
    ag.manual_seed(0)
    a = [ag.rand(5), ag.randn(5), ag.randint(0, 10, (5,)), ag.randperm(5), ag.randn_like(ag.zeros(5))]
    ag.manual_seed(0)
    b = [ag.rand(5), ag.randn(5), ag.randint(0, 10, (5,)), ag.randperm(5), ag.randn_like(ag.zeros(5))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    r = ag.rand(1000)
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    i = ag.randint(3, 6, (1000,))
    assert i.dtype == ag.int64 and set(i.tolist()) == {3, 4, 5}
    assert ag.randint(4, (3,)).numpy().max() < 4


def test_properties():
    x = ag.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.dim() == 3
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.numel() == 24 and len(x) == 2
    assert x.device == "cpu" and x.to("cpu") is x and x.cpu() is x
    assert x.is_leaf and x.grad is None and x.grad_fn is None and not x.requires_grad


def test_dtype_conversion():
    x = ag.tensor([1.7, -2.2])
    assert x.double().dtype == ag.float64
    assert x.long().tolist() == [1, -2] and x.long().dtype == ag.int64
    assert x.to(ag.float64).dtype == ag.float64
    assert x.to("cpu", ag.float64).dtype == ag.float64
    assert x.to(dtype=ag.int32).dtype == ag.int32
    assert x.double().float().dtype == ag.float32
    assert x.int().dtype == ag.int32 and x.bool().dtype == ag.bool
    with pytest.raises(RuntimeError, match="cuda"):
        x.to("cuda")


def test_cast_is_differentiable():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3
    y.backward(ag.ones(2, dtype=ag.float64))
    assert x.grad.dtype == ag.float32
    assert x.grad.tolist() == [3.0, 3.0]


def test_conversion():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.tolist() == [[1, 2], [3, 4]]
    assert isinstance(x.numpy(), np.ndarray)
    assert np.asarray(x).shape == (2, 2)
    assert ag.tensor(2.5).item() == 2.5
    assert float(ag.tensor([2.5])) == 2.5 and int(ag.tensor(3)) == 3
    rows = list(x)
    assert len(rows) == 2 and rows[1].tolist() == [3, 4]
    with pytest.raises(ValueError, match="4 elements"):
        x.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    with pytest.raises(TypeError):
        len(ag.tensor(1.0))


def test_numpy_of_tensor_requiring_grad_raises():
    x = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1, 1]


def test_detach_shares_data_and_version():
    x = ag.ones(3, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    d._data[0] = 5
    assert x._data[0] == 5
    d.add_(1)
    assert x._version == d._version == 1


def test_clone_and_contiguous():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn is not None and c._data is not x._data
    assert x.contiguous() is x


def test_requires_grad_only_for_floats():
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2]).requires_grad_()


def test_repr_like_pytorch():
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ag.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
    assert repr(ag.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(ag.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(ag.tensor([1.0], dtype=ag.float64)) == "tensor([1.], dtype=float64)"
    x = ag.tensor([2.0], requires_grad=True)
    assert repr(x * x) == "tensor([4.], grad_fn=<MulBackward0>)"


def test_scalars_never_promote_float32():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    for y in [x * 2.5, 2.5 * x, x + 1e-3, x / 3.0, 1.0 - x, x ** 2.0, 2.0 ** x, x * np.float64(2)]:
        assert y.dtype == ag.float32, y
    ints = ag.tensor([1, 2])
    assert (ints / 2).dtype == ag.float32
    assert (ints * 2).dtype == ag.int64


def test_ndarray_operand_defers_to_tensor():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([2.0, 3.0], dtype=np.float32) * x
    assert isinstance(y, ag.Tensor) and y.requires_grad
