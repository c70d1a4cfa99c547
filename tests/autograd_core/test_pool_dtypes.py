"""Pooling on the dtypes PyTorch's CPU kernels accept: max pooling (2-D and
3-D, with indices) on every integer dtype but bool, average pooling on int64
(the window sum divided with truncation toward zero), and PyTorch's
NotImplementedError for the rest (bool everywhere, other integers in average
pooling, any integer in adaptive pooling and unpooling)."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core import kernels

INTS = [np.uint8, np.int8, np.int16, np.int32, np.int64]


def _ints(shape, dtype, seed=0):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    return rng.integers(max(info.min, -100), min(info.max, 100), shape, endpoint=True).astype(dtype)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, dilation=2, ceil_mode=True), dict(kernel_size=(3, 2), stride=1)])
def test_max_pool2d_integers_as_on_floats(dtype, kw):
    """Integers small enough to be exact in float64 pool to the same values and indices."""
    x = _ints((2, 3, 7, 6), dtype)
    y, i = ag.max_pool2d(ag.tensor(x), return_indices=True, **kw)
    yf, i_f = ag.max_pool2d(ag.tensor(x.astype(np.float64)), return_indices=True, **kw)
    assert y.dtype == dtype and not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), yf.numpy().astype(dtype))
    np.testing.assert_array_equal(i.numpy(), i_f.numpy())
    np.testing.assert_array_equal(ag.max_pool2d(ag.tensor(x[0]), **kw).numpy(), y.numpy()[0])  # unbatched


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8])
def test_padding_never_wins_at_the_smallest_integer(dtype):
    """A window of padding and iinfo.min values picks a real element (the first)."""
    low = np.iinfo(dtype).min
    x = np.full((1, 1, 3, 3), low, dtype)
    for op in (lambda t: ag.max_pool2d(t, 3, stride=1, padding=1, return_indices=True),
               lambda t: ag.max_pool3d(t[None], 3, stride=1, padding=1, return_indices=True)):
        y, i = op(ag.tensor(x))
        assert (y.numpy() == low).all()
        first = np.array([[0, 0, 1], [0, 0, 1], [3, 3, 4]])  # the first real element of each window
        np.testing.assert_array_equal(i.numpy().reshape(3, 3), first)


@pytest.mark.parametrize("dtype", INTS)
def test_max_pool3d_integers_as_on_floats(dtype):
    x = _ints((2, 2, 5, 4, 6), dtype, seed=1)
    kw = dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0))
    y, i = ag.max_pool3d(ag.tensor(x), return_indices=True, **kw)
    yf, i_f = ag.max_pool3d(ag.tensor(x.astype(np.float64)), return_indices=True, **kw)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.numpy(), yf.numpy().astype(dtype))
    np.testing.assert_array_equal(i.numpy(), i_f.numpy())


def avg_reference(x, k, s, p, ceil_mode, count_include_pad, divisor_override):
    """PyTorch's average pooling written out over the last len(k) dims (an
    integer division truncated toward zero)."""
    nsp = len(k)
    sizes = x.shape[-nsp:]
    outs = []
    for n, kk, ss, pp in zip(sizes, k, s, p):
        m = (n + 2 * pp - kk + (ss - 1 if ceil_mode else 0)) // ss + 1
        if ceil_mode and (m - 1) * ss >= n + pp:
            m -= 1
        outs.append(m)
    y = np.zeros(x.shape[:-nsp] + tuple(outs), x.dtype)
    for o in np.ndindex(*outs):
        lo = [oi * ss - pp for oi, ss, pp in zip(o, s, p)]
        hi = [min(a + kk, n + pp) for a, kk, n, pp in zip(lo, k, sizes, p)]
        size = int(np.prod([b - a for a, b in zip(lo, hi)]))
        lo = [max(a, 0) for a in lo]
        hi = [min(b, n) for b, n in zip(hi, sizes)]
        window = x[(...,) + tuple(slice(a, b) for a, b in zip(lo, hi))]
        total = window.reshape(window.shape[:-nsp] + (-1,)).sum(axis=-1)
        div = divisor_override or (size if count_include_pad else int(np.prod([b - a for a, b in zip(lo, hi)])))
        y[(...,) + o] = total / div if x.dtype.kind == "f" else np.sign(total) * (np.abs(total) // div)
    return y


AVG_CASES = [dict(k=2, s=2, p=0, ceil_mode=False, count_include_pad=True, divisor_override=None),
             dict(k=3, s=2, p=1, ceil_mode=False, count_include_pad=True, divisor_override=None),
             dict(k=3, s=2, p=1, ceil_mode=True, count_include_pad=False, divisor_override=None),
             dict(k=2, s=1, p=1, ceil_mode=True, count_include_pad=True, divisor_override=3)]


@pytest.mark.parametrize("case", AVG_CASES)
def test_avg_pool2d_int64_truncates(case):
    x = _ints((2, 3, 7, 6), np.int64, seed=2)
    c = dict(case)
    k, s, p = c.pop("k"), c.pop("s"), c.pop("p")
    y = ag.avg_pool2d(ag.tensor(x), k, s, p, **c)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), avg_reference(x, (k, k), (s, s), (p, p), **c))


def test_avg_pool2d_int64_worked_example():
    """7/4 = 1.75 -> 1 and -7/4 -> -1 (toward zero, not floor), as PyTorch's CPU kernel."""
    x = ag.tensor([[[[1, 2, -5], [2, 2, -6], [0, 0, -1]]]])
    assert ag.avg_pool2d(x, 2, stride=1).numpy().tolist() == [[[[1, -1], [1, -1]]]]
    assert ag.avg_pool2d(x, 2, stride=1, divisor_override=3).numpy().tolist() == [[[[2, -2], [1, -1]]]]


@pytest.mark.parametrize("case", AVG_CASES)
def test_avg_pool3d_int64_truncates(case):
    x = _ints((2, 2, 5, 4, 6), np.int64, seed=3)
    c = dict(case)
    k, s, p = c.pop("k"), c.pop("s"), c.pop("p")
    y = ag.avg_pool3d(ag.tensor(x), k, s, p, **c)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), avg_reference(x, (k,) * 3, (s,) * 3, (p,) * 3, **c))
    np.testing.assert_array_equal(ag.avg_pool3d(ag.tensor(x[0]), k, s, p, **c).numpy(), y.numpy()[0])


def test_avg_pool3d_int64_exact_beyond_float64():
    big = 2 ** 58 + 1  # the sums of 8 stay inside int64
    x = ag.tensor(np.full((1, 1, 2, 2, 2), big, np.int64))
    assert ag.avg_pool3d(x, 2).item() == big
    assert ag.avg_pool2d(ag.tensor(np.full((1, 1, 2, 2), big, np.int64)), 2).item() == big


def test_float_values_unchanged_by_the_dtype_rules():
    x = np.random.default_rng(4).standard_normal((2, 2, 5, 4, 6))
    y = ag.avg_pool3d(ag.tensor(x), 3, 2, 1, ceil_mode=True, count_include_pad=False)
    want = avg_reference(x, (3,) * 3, (2,) * 3, (1,) * 3, True, False, None)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-13, atol=1e-15)
    y2 = ag.avg_pool2d(ag.tensor(x[0]), 3, 2, 1, ceil_mode=True, divisor_override=5)
    np.testing.assert_allclose(y2.numpy(), avg_reference(x[0], (3, 3), (2, 2), (1, 1), True, True, 5), rtol=1e-13)


REFUSED = [
    ("max_pool2d", lambda t: ag.max_pool2d(t, 2), [np.bool_]),
    ("max_pool3d", lambda t: ag.max_pool3d(t[None], 2), [np.bool_]),
    ("avg_pool2d", lambda t: ag.avg_pool2d(t, 2), [np.bool_, np.uint8, np.int8, np.int16, np.int32]),
    ("avg_pool3d", lambda t: ag.avg_pool3d(t[None], 2), [np.bool_, np.uint8, np.int8, np.int16, np.int32]),
    ("adaptive_avg_pool2d", lambda t: ag.adaptive_avg_pool2d(t, 2), [np.bool_, *INTS]),
    ("adaptive_avg_pool2d", lambda t: ag.adaptive_avg_pool2d(t, 1), [np.int64]),
    ("adaptive_max_pool2d", lambda t: ag.adaptive_max_pool2d(t, 2), [np.bool_, *INTS]),
    ("max_unpool2d", lambda t: ag.max_unpool2d(t, ag.zeros(t.shape, dtype=ag.int64), 2), [np.bool_, *INTS]),
]
NAMES = {np.bool_: "Bool", np.uint8: "Byte", np.int8: "Char", np.int16: "Short", np.int32: "Int", np.int64: "Long"}


@pytest.mark.parametrize("name, op, dtypes", REFUSED)
def test_refused_dtypes(name, op, dtypes):
    for dtype in dtypes:
        x = ag.tensor((np.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4) % 7).astype(dtype))
        with pytest.raises(NotImplementedError, match=f'"{name}" not implemented for \'{NAMES[dtype]}\''):
            op(x)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_integer_pooling_under_both_kernel_sets(backend):
    """Integers take the numpy twins under either AUTOGRAD_CORE_KERNELS setting: same answers."""
    x = _ints((2, 3, 8, 8), np.int32, seed=5)
    old = kernels.set_backend(backend)
    try:
        y, i = ag.max_pool2d(ag.tensor(x), 2, return_indices=True)
        a = ag.avg_pool2d(ag.tensor(x.astype(np.int64)), 2)
    finally:
        kernels.set_backend(old)
    want = x.reshape(2, 3, 4, 2, 4, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(y.numpy(), want)
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, 3, -1), i.numpy().reshape(2, 3, -1), 2),
                                  want.reshape(2, 3, -1))
    np.testing.assert_array_equal(a.numpy(), avg_reference(x.astype(np.int64), (2, 2), (2, 2), (0, 0),
                                                            False, True, None))


def test_module_on_integers():
    x = ag.tensor(_ints((1, 2, 4, 4), np.int16))
    y = ag.nn.MaxPool2d(2)(x)
    assert y.dtype == np.int16 and y.shape == (1, 2, 2, 2)
