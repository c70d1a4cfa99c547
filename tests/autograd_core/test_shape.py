"""Shape ops: values against numpy, gradients (first and second order, also
on non-contiguous inputs and negative dims), views and version counters,
dtypes, errors, and round-trip properties."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check, leaf


def ones_grad(y, x):
    (g,) = ag.grad(y, x, ag.ones_like(y))
    return g


# -- values ----------------------------------------------------------------------------------------
A = np.arange(24.0).reshape(2, 3, 4)

VALUE_CASES = [
    (lambda x: x.reshape(4, -1), lambda a: a.reshape(4, -1)),
    (lambda x: x.reshape((-1,)), lambda a: a.reshape(-1)),
    (lambda x: ag.reshape(x, (3, 8)), lambda a: a.reshape(3, 8)),
    (lambda x: x.view(6, -1), lambda a: a.reshape(6, 4)),
    (lambda x: x.view((2, 12)), lambda a: a.reshape(2, 12)),
    (lambda x: x.flatten(), lambda a: a.reshape(-1)),
    (lambda x: x.flatten(1), lambda a: a.reshape(2, 12)),
    (lambda x: ag.flatten(x, 0, -2), lambda a: a.reshape(6, 4)),
    (lambda x: x.unflatten(-1, (2, -1)), lambda a: a.reshape(2, 3, 2, 2)),
    (lambda x: x.unsqueeze(-1).unsqueeze(0), lambda a: a[None, ..., None]),
    (lambda x: x[:, :1, None].squeeze(), lambda a: a[:, 0]),
    (lambda x: x[:, :1, None].squeeze(1), lambda a: a[:, 0, None]),
    (lambda x: x[:, :1, None].squeeze((-2, 1)), lambda a: a[:, 0]),
    (lambda x: x[:, :1, None].squeeze(0), lambda a: a[:, :1, None]),  # size 2: kept
    (lambda x: x.transpose(0, -1), lambda a: a.swapaxes(0, 2)),
    (lambda x: ag.swapaxes(x, 1, 2), lambda a: a.swapaxes(1, 2)),
    (lambda x: x.swapdims(-1, -2), lambda a: a.swapaxes(1, 2)),
    (lambda x: x[0].t(), lambda a: a[0].T),
    (lambda x: x.T, lambda a: a.T),
    (lambda x: x.mT, lambda a: a.swapaxes(-1, -2)),
    (lambda x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    (lambda x: x.permute((1, -1, 0)), lambda a: a.transpose(1, 2, 0)),
    (lambda x: ag.permute(x, (2, 1, 0)), lambda a: a.transpose(2, 1, 0)),
    (lambda x: x.movedim(0, -1), lambda a: np.moveaxis(a, 0, -1)),
    (lambda x: ag.movedim(x, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0))),
    (lambda x: x.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3))),
    (lambda x: x.repeat((2, 1, 1, 2)), lambda a: np.tile(a, (2, 1, 1, 2))),
    (lambda x: x.tile((2,)), lambda a: np.tile(a, (1, 1, 2))),
    (lambda x: x.flip(0, -1), lambda a: a[::-1, :, ::-1]),
    (lambda x: ag.flip(x, (1,)), lambda a: a[:, ::-1]),
]


@pytest.mark.parametrize("i", range(len(VALUE_CASES)))
def test_values_match_numpy(i):
    fn, ref = VALUE_CASES[i]
    out = fn(ag.tensor(A))
    expected = ref(A)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out._data, expected)


def test_t_and_T_on_small_tensors():
    v = ag.tensor([1.0, 2.0])
    assert v.t().tolist() == [1.0, 2.0] and v.T.shape == (2,)
    assert ag.tensor(3.0).t().shape == ()


def test_flatten_0d_gives_1d():
    assert ag.flatten(ag.tensor(3.0)).shape == (1,)


# -- gradients -------------------------------------------------------------------------------------
SHAPE_CASES = [  # also the forward-mode cases of test_jvp_structural.py
    lambda x: x.reshape(4, -1),
    lambda x: x.contiguous().view(-1, 2),
    lambda x: x.flatten(-2),
    lambda x: x.unflatten(0, (1, 2)),
    lambda x: x.unsqueeze(-2),
    lambda x: x.unsqueeze(1).squeeze(),
    lambda x: x.unsqueeze(1).squeeze(-3),
    lambda x: x.transpose(-1, 0),
    lambda x: x.T,
    lambda x: x.mT,
    lambda x: x[1].t(),
    lambda x: x.permute(-1, 0, 1),
    lambda x: x.movedim(-1, 0),
    lambda x: x.repeat(2, 1, 3),
    lambda x: x.repeat(2, 1, 2, 1),
    lambda x: x.tile((3,)),
    lambda x: x.flip(-1),
    lambda x: x.flip(0, 2),
]


@pytest.mark.parametrize("i", range(len(SHAPE_CASES)))
def test_gradcheck(i):
    check(SHAPE_CASES[i], leaf(2, 3, 4, seed=i))


@pytest.mark.parametrize("i", range(len(SHAPE_CASES)))
def test_gradcheck_non_contiguous_input(i):
    # the op sees a transposed (non-contiguous) input of shape (2, 3, 4)
    check(lambda x: SHAPE_CASES[i](x.permute(2, 1, 0)), leaf(4, 3, 2, seed=i))


def test_reshape_of_non_contiguous_input_is_a_copy_with_the_right_gradient():
    x = leaf(3, 4)
    y = x.t().reshape(-1)
    np.testing.assert_array_equal(y._data, x._data.T.reshape(-1))
    assert not np.shares_memory(y._data, x._data) and y._vc is not x._vc
    w = np.arange(12.0)
    (g,) = ag.grad(y, x, ag.tensor(w))
    np.testing.assert_array_equal(g._data, w.reshape(4, 3).T)


def test_repeat_gradient_counts_tiles():
    x = leaf(2, 3)
    np.testing.assert_array_equal(ones_grad(x.repeat(4, 2, 3), x)._data, np.full((2, 3), 24.0))


# -- views and version counters --------------------------------------------------------------------
VIEW_CASES = [
    lambda x: x.reshape(-1),
    lambda x: x.view(3, 2, 2),
    lambda x: x.flatten(),
    lambda x: x.unflatten(1, (2, 2)),
    lambda x: x.unsqueeze(0),
    lambda x: x.unsqueeze(0).squeeze(0),
    lambda x: x.transpose(0, 1),
    lambda x: x.t(),
    lambda x: x.T,
    lambda x: x.permute(1, 0),
    lambda x: x.movedim(0, 1),
    lambda x: x.flip(0),
]


@pytest.mark.parametrize("i", range(len(VIEW_CASES)))
def test_views_share_memory_and_version_counter(i):
    x = leaf(3, 4)
    before = x._data.copy()
    y = VIEW_CASES[i](x)
    assert np.shares_memory(y._data, x._data)
    with ag.no_grad():
        y.add_(1.0)
    assert x._version == 1 and y._version == 1
    np.testing.assert_array_equal(x._data, before + 1)


def test_view_of_non_contiguous_tensor_raises():
    x = leaf(3, 4)
    with pytest.raises(RuntimeError, match=r"view.*\[4, 3\].*reshape"):
        x.t().view(-1)


def test_saved_view_modified_in_place_is_detected():
    x = leaf(2, 3)
    y = x * 1
    z = y.t() * y.t()  # saves the view
    v = y.view(-1)
    with ag.no_grad():
        v.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward(ag.ones_like(z))


# -- dtypes ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda x: x.reshape(-1), lambda x: x.permute(1, 0), lambda x: x.repeat(2, 2),
    lambda x: x.flip(1), lambda x: x.unsqueeze(0).squeeze(0), lambda x: x.T,
])
def test_float32_is_kept(fn):
    x = ag.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    y.backward(ag.ones_like(y))
    assert x.grad.dtype == np.float32


def test_integer_tensors_are_reshaped_without_grad():
    y = ag.arange(6).reshape(2, 3).t()
    assert y.dtype == np.int64 and not y.requires_grad and y.tolist() == [[0, 3], [1, 4], [2, 5]]


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, exc, match", [
    (lambda x: x.reshape(4, 4), RuntimeError, r"shape \[4, 4\] is invalid for input of shape \[2, 3, 4\]"),
    (lambda x: x.view(-1, -1), RuntimeError, r"\[-1, -1\].*\[2, 3, 4\]"),
    (lambda x: x.reshape(2.5, 4), TypeError, "ints"),
    (lambda x: x.flatten(2, 1), RuntimeError, "start_dim"),
    (lambda x: x.unflatten(1, (2, 2)), RuntimeError, r"\[2, 2\].*size 3.*\[2, 3, 4\]"),
    (lambda x: x.squeeze(3), IndexError, "out of range"),
    (lambda x: x.unsqueeze(4), IndexError, "out of range"),
    (lambda x: x.transpose(0, 3), IndexError, "out of range"),
    (lambda x: x.permute(0, 1), RuntimeError, r"\[0, 1\].*\[2, 3, 4\]"),
    (lambda x: x.permute(0, 1, 1), RuntimeError, "permutation"),
    (lambda x: x.t(), RuntimeError, r"<= 2 dimensions.*\[2, 3, 4\]"),
    (lambda x: x[0, 0].mT, RuntimeError, r"matrices.*\[4\]"),
    (lambda x: x.movedim((0, 1), 2), RuntimeError, "same length"),
    (lambda x: x.repeat(2, 2), RuntimeError, r"smaller.*\[2, 3, 4\]"),
    (lambda x: x.flip(0, -3), RuntimeError, "multiple times"),
])
def test_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn(ag.tensor(A))


# -- properties ------------------------------------------------------------------------------------
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, data=st.data())
def test_reshape_round_trip(shape, data):
    x = ag.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    n = x.numel()
    first = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    y = x.reshape(first, -1)
    assert y.shape == (first, n // first)
    back = y.reshape(shape)
    np.testing.assert_array_equal(back._data, x._data)
    w = np.random.default_rng(1).standard_normal(shape)
    (g,) = ag.grad(back, x, ag.tensor(w))
    np.testing.assert_array_equal(g._data, w)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, data=st.data())
def test_permute_round_trip(shape, data):
    x = ag.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    perm = data.draw(st.permutations(range(len(shape))))
    y = x.permute(*perm)
    np.testing.assert_array_equal(y._data, np.transpose(x._data, perm))
    back = y.permute(*np.argsort(perm).tolist())
    np.testing.assert_array_equal(back._data, x._data)
    w = np.random.default_rng(1).standard_normal(y.shape)
    (g,) = ag.grad(y, x, ag.tensor(w))
    np.testing.assert_array_equal(g._data, np.transpose(w, np.argsort(perm)))
