"""Comparisons, logic, arg-reductions and sign: values against numpy, bool and
int64 dtypes, broadcasting, no graph recorded, operators and errors."""
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import check, leaf

COMPARISONS = [
    (ag.eq, np.equal, operator.eq), (ag.ne, np.not_equal, operator.ne),
    (ag.lt, np.less, operator.lt), (ag.le, np.less_equal, operator.le),
    (ag.gt, np.greater, operator.gt), (ag.ge, np.greater_equal, operator.ge),
]


@pytest.mark.parametrize("fn,ref,op", COMPARISONS)
def test_comparisons_broadcast_and_do_not_record(fn, ref, op):
    a = ag.tensor([[0.0], [1.0], [2.0]], requires_grad=True)  # (3, 1)
    b = ag.tensor([1.0, 2.0, 0.0, 1.0])  # (4,)
    expected = ref(a._data, b._data)
    for out in (fn(a, b), op(a, b), getattr(a, fn.__name__)(b)):
        assert out.shape == (3, 4) and out.dtype == np.bool_
        assert not out.requires_grad and out.grad_fn is None
        np.testing.assert_array_equal(out._data, expected)


@pytest.mark.parametrize("fn,ref,op", COMPARISONS)
def test_comparisons_with_scalars_and_arrays(fn, ref, op):
    a = ag.tensor([1.0, 2.0, 3.0])
    arr = np.array([3.0, 2.0, 1.0])
    np.testing.assert_array_equal(op(a, 2)._data, ref(a._data, 2))
    np.testing.assert_array_equal(op(a, 2.5)._data, ref(a._data, 2.5))
    np.testing.assert_array_equal(op(a, arr)._data, ref(a._data, arr))
    np.testing.assert_array_equal(fn(a, arr)._data, ref(a._data, arr))
    reflected = op(2, a)  # Python asks the tensor's reflected operator
    assert isinstance(reflected, ag.Tensor)
    np.testing.assert_array_equal(reflected._data, ref(2, a._data))
    from_numpy = op(arr, a)  # numpy defers to the tensor (__array_priority__)
    assert isinstance(from_numpy, ag.Tensor)
    np.testing.assert_array_equal(from_numpy._data, ref(arr, a._data))


def test_eq_returns_a_tensor_and_none_compares_unequal():
    a = ag.tensor([1, 2, 3])
    assert isinstance(a == a, ag.Tensor) and (a == a)._data.all()
    assert (a == None) is False  # noqa: E711
    assert (a != None) is True  # noqa: E711
    assert hash(a) == hash(a)  # still usable as a dict key
    np.testing.assert_array_equal((a == [1, 0, 3])._data, [True, False, True])
    np.testing.assert_array_equal(ag.greater(a, 1)._data, [False, True, True])
    np.testing.assert_array_equal(ag.less_equal(a, 2)._data, [True, True, False])


def test_comparison_broadcast_error():
    with pytest.raises(RuntimeError, match=r"lt: the shapes \(2,\) and \(3,\) cannot be broadcast"):
        ag.lt(ag.zeros(2), ag.zeros(3))
    with pytest.raises(TypeError, match="eq: expected a Tensor, a number or an array, got str"):
        ag.eq(ag.zeros(2), "a")


@settings(max_examples=40, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), st.data())
def test_comparisons_match_numpy_on_broadcast_shapes(shapes, data):
    sa, sb = shapes.input_shapes
    x = data.draw(hnp.arrays(np.float64, sa, elements=st.integers(-2, 2).map(float)))
    y = data.draw(hnp.arrays(np.int64, sb, elements=st.integers(-2, 2)))
    for fn, ref, _ in COMPARISONS:
        out = fn(ag.tensor(x), ag.tensor(y))
        assert out.shape == shapes.result_shape and out.dtype == np.bool_
        np.testing.assert_array_equal(out._data, ref(x, y))


def test_isclose_allclose_equal():
    a = ag.tensor([1.0, np.nan, 3.0])
    b = ag.tensor([1.0 + 1e-7, np.nan, 3.1])
    np.testing.assert_array_equal(ag.isclose(a, b)._data, [True, False, False])
    np.testing.assert_array_equal(a.isclose(b, equal_nan=True)._data, [True, True, False])
    np.testing.assert_array_equal(ag.isclose(a, b, atol=0.2, equal_nan=True)._data, [True, True, True])
    assert ag.isclose(a, b).dtype == np.bool_
    assert ag.allclose(a, b, atol=0.2, equal_nan=True) is True
    assert ag.allclose(a, b, atol=0.2) is False
    assert ag.allclose(ag.ones(2, 3), 1.0) is True  # broadcasts
    assert ag.equal(ag.tensor([1, 2]), ag.tensor([1, 2])) is True
    assert ag.equal(ag.tensor([1, 2]), ag.tensor([1, 3])) is False
    assert ag.equal(ag.tensor([1, 2]), ag.tensor([[1, 2]])) is False  # same values, other shape
    assert ag.tensor([1.0]).equal(ag.tensor([1.0])) is True
    assert ag.tensor([1.0]).allclose(ag.tensor([1.0 + 1e-9]))


def test_isnan_isinf_isfinite():
    x = ag.tensor([1.0, np.nan, np.inf, -np.inf, 0.0], requires_grad=True)
    for fn, expected in ((ag.isnan, [0, 1, 0, 0, 0]), (ag.isinf, [0, 0, 1, 1, 0]),
                         (ag.isfinite, [1, 0, 0, 0, 1])):
        out = fn(x)
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out._data, np.array(expected, bool))
        np.testing.assert_array_equal(getattr(x, fn.__name__)()._data, np.array(expected, bool))
    np.testing.assert_array_equal(ag.isnan(ag.tensor([1, 2]))._data, [False, False])  # ints


def test_logical_ops():
    a = ag.tensor([[0.0, 1.0, 2.0]])
    b = ag.tensor([[True], [False]])
    for fn, ref in ((ag.logical_and, np.logical_and), (ag.logical_or, np.logical_or),
                    (ag.logical_xor, np.logical_xor)):
        out = fn(a, b)
        assert out.shape == (2, 3) and out.dtype == np.bool_
        np.testing.assert_array_equal(out._data, ref(a._data, b._data))
        np.testing.assert_array_equal(getattr(a, fn.__name__)(b)._data, ref(a._data, b._data))
    np.testing.assert_array_equal(ag.logical_not(a)._data, [[True, False, False]])
    np.testing.assert_array_equal(a.logical_not()._data, [[True, False, False]])


def test_bitwise_operators():
    p = ag.tensor([True, True, False, False])
    q = ag.tensor([True, False, True, False])
    np.testing.assert_array_equal((p & q)._data, [True, False, False, False])
    np.testing.assert_array_equal((p | q)._data, [True, True, True, False])
    np.testing.assert_array_equal((p ^ q)._data, [False, True, True, False])
    np.testing.assert_array_equal((~p)._data, [False, False, True, True])
    np.testing.assert_array_equal((True & q)._data, q._data)
    np.testing.assert_array_equal((False | q)._data, q._data)
    assert (p & q).dtype == np.bool_
    np.testing.assert_array_equal((ag.tensor([6]) & 3)._data, [2])  # integers: bitwise
    np.testing.assert_array_equal((~ag.tensor([0]))._data, [-1])
    mask = (ag.tensor([1.0, 5.0, 3.0]) > 2) & (ag.tensor([1.0, 5.0, 3.0]) < 4)
    np.testing.assert_array_equal(mask._data, [False, False, True])


def test_bitwise_errors_on_floats():
    with pytest.raises(NotImplementedError, match="bitwise_and: only bool and integer tensors are supported, "
                                                  "got float32"):
        ag.ones(2) & ag.ones(2)
    with pytest.raises(NotImplementedError, match="bitwise_or: only bool and integer"):
        ag.tensor([True]) | 1.5
    with pytest.raises(TypeError, match="bitwise_not: only bool and integer"):
        ~ag.ones(2)


def test_any_all():
    x = ag.tensor([[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]])
    assert ag.any(x).shape == () and ag.any(x).dtype == np.bool_ and ag.any(x).item() is True
    assert ag.all(x).item() is False
    np.testing.assert_array_equal(ag.any(x, dim=1)._data, [True, True])
    np.testing.assert_array_equal(x.all(dim=0)._data, [False, True, False])
    np.testing.assert_array_equal(x.all(-1, keepdim=True)._data, [[False], [False]])
    np.testing.assert_array_equal(x.any(dim=(0, 1))._data, True)
    assert ag.all(ag.tensor(1.0), dim=0).item() is True
    assert ag.all(ag.zeros(0)).item() is True and ag.any(ag.zeros(0)).item() is False
    with pytest.raises(IndexError, match="any: dimension out of range"):
        x.any(dim=2)


def test_argmax_argmin():
    data = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, -1.0]])
    x = ag.tensor(data, requires_grad=True)
    for fn, ref in ((ag.argmax, np.argmax), (ag.argmin, np.argmin)):
        out = fn(x)
        assert out.shape == () and out.dtype == np.int64 and not out.requires_grad
        assert out.item() == ref(data)
        for dim in (0, 1, -1):
            np.testing.assert_array_equal(fn(x, dim)._data, ref(data, axis=dim))
            kept = fn(x, dim=dim, keepdim=True)
            assert kept.dtype == np.int64
            np.testing.assert_array_equal(kept._data, ref(data, axis=dim, keepdims=True))
        assert fn(x, keepdim=True).shape == (1, 1)
    assert x.argmax(dim=1).tolist() == [1, 0]  # the first of equal maxima
    assert x.argmin().item() == 5
    assert ag.argmax(ag.tensor([1.0, np.nan, 3.0])).item() == 1  # NaN propagates, as in PyTorch
    assert ag.argmax(ag.tensor(3.0), dim=0).item() == 0


def test_arg_errors():
    with pytest.raises(IndexError, match=r"argmax: dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"):
        ag.argmax(ag.zeros(2, 3), dim=2)
    with pytest.raises(RuntimeError, match="argmin: cannot take the argmin of an empty tensor"):
        ag.argmin(ag.zeros(0))
    with pytest.raises(IndexError, match="argsort: dimension out of range"):
        ag.argsort(ag.zeros(2), dim=1)


def test_argsort_is_stable_in_both_directions():
    x = ag.tensor([3.0, 1.0, 3.0, 2.0, 1.0])
    out = ag.argsort(x)
    assert out.dtype == np.int64 and out.tolist() == [1, 4, 3, 0, 2]
    assert ag.argsort(x, descending=True).tolist() == [0, 2, 3, 1, 4]
    assert x.argsort(descending=True, stable=True).tolist() == [0, 2, 3, 1, 4]
    m = ag.tensor([[2, 2, 1], [0, 5, 0]])
    assert ag.argsort(m, dim=0).tolist() == [[1, 0, 1], [0, 1, 0]]
    assert ag.argsort(m, dim=0, descending=True).tolist() == [[0, 1, 0], [1, 0, 1]]
    assert ag.argsort(m, descending=True).tolist() == [[0, 1, 2], [1, 0, 2]]
    nan = ag.tensor([1.0, np.nan, 0.0])
    assert ag.argsort(nan).tolist() == [2, 0, 1]  # NaN sorts last
    assert ag.argsort(nan, descending=True).tolist() == [1, 0, 2]  # and first when descending
    b = ag.tensor([True, False, True])
    assert ag.argsort(b, descending=True).tolist() == [0, 2, 1]


def test_sign_values_dtypes_and_zero_gradient():
    x = ag.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    s = ag.sign(x)
    assert s.dtype == np.float32 and s.requires_grad
    np.testing.assert_array_equal(s._data, [-1.0, 0.0, 1.0])
    s.backward(ag.ones(3))
    np.testing.assert_array_equal(x.grad._data, [0.0, 0.0, 0.0])
    assert x.grad.dtype == np.float32
    x.grad = None
    y = x.sign() * x  # |x|: the gradient flows through the second factor
    y.backward(ag.ones(3))
    np.testing.assert_array_equal(x.grad._data, [-1.0, 0.0, 1.0])
    i = ag.tensor([-3, 0, 4])
    assert ag.sign(i).dtype == np.int64 and ag.sign(i).tolist() == [-1, 0, 1]


def test_sign_gradcheck():
    x = leaf(2, 3, low=0.5, high=2.0, seed=1) * ag.tensor(np.array([1.0, -1.0, 1.0]))
    x = ag.tensor(x._data, requires_grad=True)  # a leaf away from 0
    check(lambda t: t.sign() * t, x)
    check(lambda t: t.sign() * t * t, x)
