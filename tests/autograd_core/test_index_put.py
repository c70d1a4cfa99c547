"""index_put / index_put_ with ``accumulate=True``: repeated positions add
every value (against numpy's np.add.at), gradients both ways (gradcheck,
gradgradcheck, check_jvp), in place (version, leaf refusal, views), and
``x[idx] = v`` unchanged (the last write wins, gradient zero there)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf

IDX = np.array([0, 2, 0, 0, 3])


def test_duplicates_add_up():
    x = ag.zeros(5)
    y = x.index_put((ag.tensor([0, 0, 2]),), ag.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert y.numpy().tolist() == [3, 0, 3, 0, 0]
    assert x.numpy().tolist() == [0] * 5  # out of place
    z = ag.index_put(x, (ag.tensor([0, 0, 2]),), ag.tensor(1.0), accumulate=True)  # a broadcast value
    assert z.numpy().tolist() == [2, 0, 1, 0, 0]


def test_without_accumulate_the_last_write_wins():
    y = ag.zeros(3).index_put((ag.tensor([1, 1]),), ag.tensor([4.0, 7.0]))
    assert y.numpy().tolist() == [0, 7, 0]


@pytest.mark.parametrize("index, value_shape", [
    ((ag.tensor(IDX),), (5, 4)),                         # rows, repeated
    ((ag.tensor(IDX), ag.tensor([1, 1, 3, 1, 0])), (5,)),  # elements, (0, 1) three times
    ((ag.tensor(IDX), ag.tensor([1, 1, 3, 1, 0])), ()),    # one value broadcast
    ((slice(None), ag.tensor([2, 2, 0])), (4, 3)),       # columns, repeated
    ((ag.tensor([True, False, True, True]),), (3, 4)),  # a mask
    ((slice(1, 3),), (2, 4)),                            # basic indexing
])
def test_values_and_gradients_against_add_at(index, value_shape):
    x = leaf(4, 4)
    v = leaf(*value_shape, seed=1)
    y = ag.index_put(x, index, v, accumulate=True)
    want = x.detach().numpy().copy()
    np_index = tuple(i.numpy() if isinstance(i, ag.Tensor) else i for i in index)
    np.add.at(want, np_index, v.detach().numpy())
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=1e-15)

    def fn(a, b):
        return ag.index_put(a, index, b, accumulate=True)

    check(fn, x, v)
    check_jvp(fn, x, v)


def test_gradient_of_values_gathers_and_input_passes_through():
    x, v = leaf(5), leaf(3, seed=2)
    idx = ag.tensor([1, 1, 4])
    g = ag.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=ag.float64)
    ag.index_put(x, (idx,), v, accumulate=True).backward(g)
    assert x.grad.numpy().tolist() == [1, 2, 3, 4, 5]  # x̄ = ȳ, nothing zeroed
    assert v.grad.numpy().tolist() == [2, 2, 5]        # v̄ = ȳ[idx]
    x2, v2 = leaf(5), leaf(3, seed=2)
    ag.index_put(x2, (idx,), v2).backward(g)
    assert x2.grad.numpy().tolist() == [1, 0, 3, 4, 0]  # overwriting: zero where written


def test_integer_and_bool_tensors():
    xi = ag.zeros(4, dtype=ag.int64)
    xi.index_put_((ag.tensor([1, 1]),), ag.tensor(3), accumulate=True)
    assert xi.numpy().tolist() == [0, 6, 0, 0] and xi.dtype == np.int64
    b = ag.zeros(3, dtype=ag.bool).index_put((ag.tensor([0, 0]),), ag.tensor(True), accumulate=True)
    assert b.numpy().tolist() == [True, False, False]


def test_in_place_bumps_the_version_and_rewrites_history():
    w = leaf(4)
    y = w * 1
    v0 = y._version
    out = y.index_put_((ag.tensor([2, 2]),), ag.tensor([1.0, 1.0], dtype=ag.float64), accumulate=True)
    assert out is y and y._version > v0
    y.backward(ag.ones(4, dtype=ag.float64))
    assert w.grad.numpy().tolist() == [1, 1, 1, 1]


def test_in_place_on_a_view_reaches_the_base():
    w, v = leaf(3, 4), leaf(2, seed=3)
    h = w * 2
    h[1].index_put_((ag.tensor([0, 0]),), v, accumulate=True)
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 4), 2.0))
    np.testing.assert_array_equal(v.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(h.detach().numpy()[1, 0], 2 * w.detach().numpy()[1, 0] + v.detach().numpy().sum())


def test_in_place_on_a_leaf_requiring_grad_raises():
    w = leaf(3)
    with pytest.raises(RuntimeError, match="leaf"):
        w.index_put_((ag.tensor([0]),), ag.tensor([1.0], dtype=ag.float64), accumulate=True)


def test_setitem_unchanged():
    x = ag.zeros(4)
    x[ag.tensor([1, 1])] = ag.tensor([5.0, 6.0])
    assert x.numpy().tolist() == [0, 6, 0, 0]
    x[ag.tensor([2, 2])] += 1.0  # read, add, write back: one increment, as PyTorch
    assert x.numpy().tolist() == [0, 6, 1, 0]


def test_out_of_range_index_raises():
    with pytest.raises(IndexError):
        ag.zeros(3).index_put((ag.tensor([5]),), ag.tensor(1.0), accumulate=True)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 12), st.integers(0, 2 ** 16), st.booleans())
def test_accumulate_matches_add_at(rows, cols, n, seed, two_dims):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols))
    r = rng.integers(0, rows, n)
    index = (r, rng.integers(0, cols, n)) if two_dims else (r,)
    v = rng.standard_normal((n,) if two_dims else (n, cols))
    want = x.copy()
    np.add.at(want, index, v)
    got = ag.index_put(ag.tensor(x), tuple(ag.tensor(i) for i in index), ag.tensor(v), accumulate=True)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-14, atol=1e-14)
    # the gradient of v is ȳ gathered, of x is ȳ
    xt, vt = ag.tensor(x, requires_grad=True), ag.tensor(v, requires_grad=True)
    g = rng.standard_normal(x.shape)
    ag.index_put(xt, tuple(ag.tensor(i) for i in index), vt, accumulate=True).backward(ag.tensor(g))
    np.testing.assert_array_equal(xt.grad.numpy(), g)
    np.testing.assert_array_equal(vt.grad.numpy(), g[index])
