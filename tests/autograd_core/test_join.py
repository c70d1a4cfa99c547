"""cat, stack, split, chunk, unbind and pad: values against numpy, gradients
(first and second order), pieces used partly, pad modes, dtypes, errors."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, leaf


def ones_grad(y, x):
    (g,) = ag.grad(y, x, ag.ones_like(y))
    return g


A = np.arange(24.0).reshape(2, 3, 4)


# -- cat and stack ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_values_and_gradients(dim):
    a, b, c = leaf(2, 3, 4, seed=1), leaf(2, 3, 4, seed=2), leaf(2, 3, 4, seed=3)
    out = ag.cat([a, b, c], dim)
    np.testing.assert_array_equal(out._data, np.concatenate([a._data, b._data, c._data], dim))
    check(lambda a, b, c: ag.cat((a, b, c), dim=dim), a, b, c)


def test_cat_of_different_sizes_and_non_contiguous_inputs():
    a, b = leaf(3, 2, seed=1), leaf(2, 5, seed=2)
    check(lambda a, b: ag.concatenate([a.t(), b], 1), a, b)
    assert ag.concat([a.t(), b], -1).shape == (2, 8)


def test_cat_with_a_constant_gives_gradient_to_the_tensor_only():
    a = leaf(2, 2)
    out = ag.cat([a, np.zeros((1, 2)), ag.ones(1, 2, dtype=ag.float64)])
    assert out.shape == (4, 2)
    np.testing.assert_array_equal(ones_grad(out, a)._data, np.ones((2, 2)))


def test_cat_dtypes():
    f32 = ag.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    f64 = ag.tensor(np.ones((1, 2)), requires_grad=True)
    out = ag.cat([f32, ag.tensor([[1, 2]])])
    assert out.dtype == np.float32  # an int tensor does not promote float32
    out = ag.cat([f32, f64])
    assert out.dtype == np.float64
    out.backward(ag.ones_like(out))
    assert f32.grad.dtype == np.float32 and f64.grad.dtype == np.float64


@pytest.mark.parametrize("dim", [0, 2, -1, -4])
def test_stack_values_and_gradients(dim):
    a, b = leaf(2, 3, 4, seed=1), leaf(2, 3, 4, seed=2)
    np.testing.assert_array_equal(ag.stack([a, b], dim)._data, np.stack([a._data, b._data], dim))
    check(lambda a, b: ag.stack([a, b.permute(0, 1, 2)], dim), a, b)


@pytest.mark.parametrize("fn, match", [
    (lambda: ag.cat([ag.tensor(A), ag.tensor(A[:, :2])], 2), r"dimension 2.*\[2, 3, 4\].*\[2, 2, 4\]"),
    (lambda: ag.cat([ag.tensor(A), ag.tensor(A[0])]), r"\[2, 3, 4\].*\[3, 4\]"),
    (lambda: ag.cat([]), "non-empty"),
    (lambda: ag.cat([ag.tensor(1.0)]), "zero-dimensional"),
    (lambda: ag.stack([ag.tensor(A), ag.tensor(A[:1])]), r"\[2, 3, 4\].*\[1, 3, 4\] at entry 1"),
])
def test_cat_stack_errors(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn()


def test_cat_needs_a_sequence():
    with pytest.raises(TypeError, match="list or tuple"):
        ag.cat(ag.tensor(A))
    with pytest.raises(IndexError, match="out of range"):
        ag.cat([ag.tensor(A)], 3)


# -- split, chunk, unbind --------------------------------------------------------------------------
@pytest.mark.parametrize("size, dim, expected", [
    (2, 0, [2]), (1, 1, [1, 1, 1]), (2, 1, [2, 1]), (3, -1, [3, 1]), ([1, 3], -1, [1, 3]),
    ((0, 2, 1), 1, [0, 2, 1]),
])
def test_split_sizes_and_values(size, dim, expected):
    pieces = ag.tensor(A).split(size, dim)
    assert isinstance(pieces, tuple) and [p.shape[dim] for p in pieces] == expected
    np.testing.assert_array_equal(ag.cat(list(pieces), dim)._data, A)
    assert ag.split(ag.tensor(A), size, dim)[0].shape == pieces[0].shape


def test_split_pieces_are_views():
    x = ag.tensor(A)
    assert all(np.shares_memory(p._data, x._data) for p in x.split(2, -1))


@pytest.mark.parametrize("k", [0, 1, 2])
def test_split_gradient_with_only_one_piece_used(k):
    x = leaf(2, 7)
    check(lambda x: x.split(3, 1)[k], x)
    g = ones_grad(x.split(3, 1)[k], x)._data
    expected = np.zeros((2, 7))
    expected[:, 3 * k:3 * k + 3] = 1
    np.testing.assert_array_equal(g, expected)


def test_split_gradient_with_all_pieces_used():
    x = leaf(5, 2)
    check(lambda x: x.split([2, 3])[1] * 2, x)
    check(lambda x: ag.cat(list(reversed(x.split([2, 3]))), 0), x)


@pytest.mark.parametrize("n, chunks, expected", [
    (6, 3, [2, 2, 2]), (5, 3, [2, 2, 1]), (6, 4, [2, 2, 2]), (3, 5, [1, 1, 1]), (7, 1, [7]),
])
def test_chunk_sizes_as_pytorch(n, chunks, expected):
    x = ag.arange(n * 2, dtype=ag.float64).reshape(2, n)
    pieces = x.chunk(chunks, -1)
    assert [p.shape[1] for p in pieces] == expected
    np.testing.assert_array_equal(ag.cat(list(pieces), 1)._data, x._data)
    assert len(ag.chunk(x, chunks, 1)) == len(expected)


def test_chunk_gradient():
    check(lambda x: x.chunk(2, 0)[1], leaf(5, 3))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind(dim):
    x = leaf(2, 3, 4)
    pieces = x.unbind(dim)
    assert len(pieces) == A.shape[dim]
    for i, p in enumerate(pieces):
        np.testing.assert_array_equal(p._data, np.take(x._data, i, dim))
    check(lambda x: ag.unbind(x, dim)[1], x)
    check(lambda x: ag.stack(x.unbind(dim)[::-1], dim), x)


@pytest.mark.parametrize("fn, match", [
    (lambda x: x.split([1, 1], 1), r"\[1, 1\].*sum exactly to 3.*\[2, 3, 4\]"),
    (lambda x: x.split(0, 1), "positive"),
    (lambda x: x.chunk(0), "greater than 0"),
])
def test_split_errors(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn(ag.tensor(A))


# -- pad -------------------------------------------------------------------------------------------
NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@pytest.mark.parametrize("pad", [(1, 2), (0, 1, 2, 0), (2, 1, 1, 1, 1, 0)])
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_values_match_numpy(pad, mode):
    widths = [(0, 0)] * (3 - len(pad) // 2) + [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)][::-1]
    out = ag.pad(ag.tensor(A), pad, mode=mode)
    expected = np.pad(A, widths, mode=NUMPY_MODE.get(mode, "constant"))
    np.testing.assert_array_equal(out._data, expected)


PADS = [(1, 2), (2, 0, 1, 2), (1, 1, 0, 2, 1, 0)]  # 1, 2 and 3 padded dims
PAD_MODES = ["constant", "reflect", "replicate", "circular"]


def over_pads(test):
    """``test(pad, mode)`` for every pad of PADS and every mode (also the forward-mode test
    of test_jvp_structural.py)."""
    test = pytest.mark.parametrize("mode", PAD_MODES)(test)
    return pytest.mark.parametrize("pad", PADS)(test)


def pad_cases(pad, mode):
    """(function, input) pairs: ``pad`` of a contiguous tensor and of a transposed view."""
    return ((lambda x: ag.pad(x, pad, mode=mode), leaf(2, 3, 4)),
            (lambda x: ag.pad(x.transpose(0, 2), pad, mode=mode), leaf(3, 3, 4, seed=1)))


@over_pads
def test_pad_gradients(pad, mode):
    for f, x in pad_cases(pad, mode):
        check(f, x)


def test_constant_pad_value_and_negative_pads_crop():
    x = ag.tensor(A)
    out = ag.pad(x, (1, -2, -1, 0), value=-5.0)
    expected = np.full((2, 2, 3), -5.0)
    expected[:, :, 1:] = A[:, 1:, :2]
    np.testing.assert_array_equal(out._data, expected)
    check(lambda x: ag.pad(x, (1, -2, -1, 0), value=3.0), leaf(2, 3, 4))
    check(lambda x: ag.pad(x, (-1, -1)), leaf(2, 3))


def test_reflect_pad_folds_the_gradient_back():
    x = ag.tensor([0.0, 1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = ag.pad(x[None], (2, 1), mode="reflect")  # [2, 1, 0, 1, 2, 3, 2]
    assert y.tolist() == [[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0]]
    np.testing.assert_array_equal(ones_grad(y, x)._data, [1.0, 2.0, 3.0, 1.0])
    w = ag.tensor([[1.0, 10.0, 100.0, 1000.0, 1e4, 1e5, 1e6]], dtype=ag.float64)
    (g,) = ag.grad(y, x, w)
    np.testing.assert_array_equal(g._data, [100.0, 1010.0, 1e4 + 1 + 1e6, 1e5])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_keeps_float32(mode):
    x = ag.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    y = ag.pad(x, (1, 1, 1, 0), mode=mode, value=None)
    assert y.dtype == np.float32
    y.backward(ag.ones_like(y))
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("kw, exc, match", [
    (dict(pad=(1,)), RuntimeError, r"even length.*\[2, 3, 4\]"),
    (dict(pad=(1,) * 8), RuntimeError, r"at most twice.*\[2, 3, 4\]"),
    (dict(pad=(4, 0), mode="reflect"), RuntimeError, r"reflect.*less than the dim size 4"),
    (dict(pad=(0, 0, 0, 3), mode="reflect"), RuntimeError, r"\(0, 3\) of dim 1.*size 3"),
    (dict(pad=(5, 0), mode="circular"), RuntimeError, "at most the dim size 4"),
    (dict(pad=(-5, 0), mode="replicate"), RuntimeError, "too small"),
    (dict(pad=(1, 1), mode="wrap"), NotImplementedError, "Unrecognised padding mode wrap"),
    (dict(pad=(1, 1), mode="reflect", value=2.0), RuntimeError, "value"),
    (dict(pad=(-3, -2)), RuntimeError, "negative size"),
])
def test_pad_errors(kw, exc, match):
    with pytest.raises(exc, match=match):
        ag.pad(ag.tensor(A), **kw)
