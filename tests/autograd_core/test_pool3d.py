"""max_pool3d, avg_pool3d, adaptive_max_pool2d, max_unpool2d/3d against
plain loops over the windows (PyTorch's divisor rules, -inf padding, first
maximum), indices, gradients (first and second), jvp and errors."""
import itertools

import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf


def out_size(n, k, s, p, d, ceil):
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    return o - 1 if ceil and (o - 1) * s >= n + p else o


def pool3d_ref(x, k, s, p, d=1, ceil=False, kind="max", include_pad=True, override=None):
    N, C = x.shape[:2]
    sizes = x.shape[2:]
    outs = [out_size(n, k, s, p, d, ceil) for n in sizes]
    y = np.zeros((N, C) + tuple(outs))
    idx = np.zeros((N, C) + tuple(outs), np.int64)
    for o in itertools.product(*map(range, outs)):
        starts = [oo * s - p for oo in o]
        pts = [pt for pt in itertools.product(*[range(st, st + (k - 1) * d + 1, d) for st in starts])
               if all(0 <= q < n for q, n in zip(pt, sizes))]
        if kind == "max":
            vals = np.stack([x[(slice(None), slice(None)) + pt] for pt in pts], -1)
            a = vals.argmax(-1)
            y[(slice(None), slice(None)) + o] = vals.max(-1)
            flat = [np.ravel_multi_index(pt, sizes) for pt in pts]
            idx[(slice(None), slice(None)) + o] = np.array(flat)[a]
        else:
            tot = sum(x[(slice(None), slice(None)) + pt] for pt in pts)
            if override:
                div = override
            elif include_pad:
                div = np.prod([min(st + k, n + p) - st for st, n in zip(starts, sizes)])
            else:
                div = np.prod([min(st + k, n) - max(st, 0) for st, n in zip(starts, sizes)])
            y[(slice(None), slice(None)) + o] = tot / div
    return y, idx


@pytest.mark.parametrize("k, s, p, d, ceil", [(2, 2, 0, 1, False), (3, 2, 1, 1, True), (2, 1, 1, 2, False),
                                              (3, 2, 0, 1, True)])
def test_max_pool3d_values_indices_gradients(k, s, p, d, ceil):
    x = leaf(2, 2, 5, 4, 6)
    y, i = ag.max_pool3d(x, k, s, p, d, ceil_mode=ceil, return_indices=True)
    ref, ridx = pool3d_ref(x.detach().numpy(), k, s, p, d, ceil)
    np.testing.assert_allclose(y.detach().numpy(), ref)
    np.testing.assert_array_equal(i.numpy(), ridx)
    check(lambda x: ag.max_pool3d(x, k, s, p, d, ceil_mode=ceil), x)
    check_jvp(lambda x: ag.max_pool3d(x, k, s, p, d, ceil_mode=ceil), x)


def test_max_pool3d_ties_first_and_unbatched():
    x = ag.zeros(1, 2, 2, 2, dtype=ag.float64, requires_grad=True)
    y, i = ag.max_pool3d(x, 2, return_indices=True)
    assert i.numpy().ravel().tolist() == [0]
    y.sum().backward()
    assert x.grad.numpy().ravel().tolist() == [1, 0, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("k, s, p, ceil, inc, ov", [(2, 2, 0, False, True, None), (3, 2, 1, True, True, None),
                                                    (3, 2, 1, True, False, None), (3, 1, 1, False, True, 5)])
def test_avg_pool3d_values_and_gradients(k, s, p, ceil, inc, ov):
    x = leaf(2, 2, 5, 4, 6)
    y = ag.avg_pool3d(x, k, s, p, ceil_mode=ceil, count_include_pad=inc, divisor_override=ov)
    ref, _ = pool3d_ref(x.detach().numpy(), k, s, p, 1, ceil, "avg", inc, ov)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-12, atol=1e-12)

    def f(x):
        return ag.avg_pool3d(x, k, s, p, ceil_mode=ceil, count_include_pad=inc, divisor_override=ov)

    check(f, x)
    check_jvp(f, x)
    assert ag.avg_pool3d(x[0], k, s, p, ceil_mode=ceil).shape == y.shape[1:]


def test_adaptive_max_pool2d():
    x = leaf(2, 3, 7, 5)
    y, i = ag.adaptive_max_pool2d(x, (3, 2), return_indices=True)
    xn = x.detach().numpy()
    for a in range(3):
        for b in range(2):
            h0, h1 = a * 7 // 3, -(-(a + 1) * 7 // 3)
            w0, w1 = b * 5 // 2, -(-(b + 1) * 5 // 2)
            win = xn[:, :, h0:h1, w0:w1].reshape(2, 3, -1)
            np.testing.assert_allclose(y.detach().numpy()[:, :, a, b], win.max(-1))
            r, c = np.unravel_index(win.argmax(-1), (h1 - h0, w1 - w0))
            np.testing.assert_array_equal(i.numpy()[:, :, a, b], (r + h0) * 5 + c + w0)
    check(lambda x: ag.adaptive_max_pool2d(x, (3, 2)), x)
    check_jvp(lambda x: ag.adaptive_max_pool2d(x, 4), x)
    assert ag.adaptive_max_pool2d(x, (None, 2)).shape == (2, 3, 7, 2)


def test_max_unpool2d_and_3d_invert_pooling():
    x = leaf(2, 3, 4, 6)
    y, i = ag.max_pool2d(x, 2, return_indices=True)
    u = ag.max_unpool2d(y, i, 2)
    assert u.shape == x.shape
    xn, un = x.detach().numpy(), u.detach().numpy()
    mask = un != 0
    np.testing.assert_allclose(un[mask], xn[mask])
    assert mask.reshape(2, 3, -1).sum(-1).tolist() == [[6] * 3] * 2
    assert ag.max_unpool2d(y, i, 2, output_size=(5, 7)).shape == (2, 3, 5, 7)
    check(lambda y: ag.max_unpool2d(y, i, 2), y.detach().requires_grad_())
    check_jvp(lambda y: ag.max_unpool2d(y, i, 2), y.detach())
    x3 = leaf(1, 2, 4, 4, 4)
    y3, i3 = ag.max_pool3d(x3, 2, return_indices=True)
    u3 = ag.max_unpool3d(y3, i3, 2)
    np.testing.assert_allclose(ag.max_pool3d(u3, 2).detach().numpy(), y3.detach().numpy())
    with pytest.raises(RuntimeError, match="indices"):
        ag.max_unpool2d(y, i.float(), 2)
    with pytest.raises(RuntimeError, match="invalid max index"):
        ag.max_unpool2d(y, i + 100, 2)


def test_errors():
    with pytest.raises(RuntimeError, match="5D"):
        ag.max_pool3d(ag.randn(2, 3, 4), 2)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        ag.avg_pool3d(ag.randn(1, 1, 4, 4, 4), 2, padding=2)
    with pytest.raises(NotImplementedError, match="not implemented for 'Int'"):
        ag.avg_pool3d(ag.zeros(1, 1, 4, 4, 4, dtype=ag.int32), 2)
