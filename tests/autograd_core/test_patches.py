"""pixel_shuffle/pixel_unshuffle and F.unfold/F.fold: values against index
formulas, round trips, the adjoint identity <unfold(x), c> = <x, fold(c)>,
fold(unfold(x)) = x · overlap counts, gradients and jvp, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops.patches import fold, unfold
from tests.helpers import check, check_jvp, leaf


def test_pixel_shuffle_formula_and_round_trip():
    r = 2
    x = np.arange(2 * 8 * 3 * 2, dtype=np.float64).reshape(2, 8, 3, 2)
    y = ag.pixel_shuffle(ag.tensor(x), r).numpy()
    assert y.shape == (2, 2, 6, 4)
    for c in range(2):
        for h in range(6):
            for w in range(4):
                assert y[1, c, h, w] == x[1, c * r * r + (h % r) * r + (w % r), h // r, w // r]
    np.testing.assert_array_equal(ag.pixel_unshuffle(ag.tensor(y), r).numpy(), x)
    z = leaf(3, 9, 2, 2)  # unbatched-like leading dims and r = 3
    check(lambda z: ag.pixel_shuffle(z, 3), z)
    check_jvp(lambda z: ag.pixel_unshuffle(z, 2), leaf(1, 2, 4, 6))
    with pytest.raises(RuntimeError, match="divisible"):
        ag.pixel_shuffle(ag.randn(1, 3, 2, 2), 2)
    with pytest.raises(RuntimeError, match="divisible"):
        ag.pixel_unshuffle(ag.randn(1, 3, 3, 2), 2)


def unfold_ref(x, k, d, p, s):
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    oh, ow = (H + 2 * p - d * (k - 1) - 1) // s + 1, (W + 2 * p - d * (k - 1) - 1) // s + 1
    cols = np.zeros((N, C * k * k, oh * ow))
    for c in range(C):
        for i in range(k):
            for j in range(k):
                for a in range(oh):
                    for b in range(ow):
                        cols[:, (c * k + i) * k + j, a * ow + b] = xp[:, c, a * s + i * d, b * s + j * d]
    return cols


@pytest.mark.parametrize("k, d, p, s", [(2, 1, 0, 1), (3, 1, 1, 2), (2, 2, 1, 1)])
def test_unfold_fold_values_adjoint_gradients(k, d, p, s):
    x = leaf(2, 3, 5, 6)
    cols = unfold(x, k, d, p, s)
    np.testing.assert_allclose(cols.detach().numpy(), unfold_ref(x.detach().numpy(), k, d, p, s))
    c = np.random.default_rng(1).standard_normal(cols.shape)
    back = fold(ag.tensor(c), (5, 6), k, d, p, s).numpy()
    np.testing.assert_allclose((cols.detach().numpy() * c).sum(), (x.detach().numpy() * back).sum(), rtol=1e-12)
    check(lambda x: unfold(x, k, d, p, s), x)
    check(lambda c: fold(c, (5, 6), k, d, p, s), ag.tensor(c, requires_grad=True))
    check_jvp(lambda x: unfold(x, k, d, p, s), x)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(0, 1), st.integers(1, 2), st.integers(3, 6),
       st.integers(3, 6))
def test_fold_of_unfold_counts_overlaps(k, d, p, s, H, W):
    if H + 2 * p < d * (k - 1) + 1 or W + 2 * p < d * (k - 1) + 1:
        return
    x = ag.tensor(np.random.default_rng(0).standard_normal((1, 2, H, W)))
    counts = fold(unfold(ag.ones(1, 1, H, W, dtype=ag.float64), k, d, p, s), (H, W), k, d, p, s).numpy()
    np.testing.assert_allclose(fold(unfold(x, k, d, p, s), (H, W), k, d, p, s).numpy(), x.numpy() * counts,
                               rtol=1e-12)


def test_unbatched_and_errors():
    x = ag.randn(3, 4, 4)
    assert unfold(x, 2).shape == (12, 9)
    assert fold(unfold(x, 2), (4, 4), 2).shape == (3, 4, 4)
    with pytest.raises(RuntimeError, match="sliding blocks"):
        fold(ag.randn(1, 12, 8), (4, 4), 2)
    with pytest.raises(RuntimeError, match="divisible"):
        fold(ag.randn(1, 5, 9), (4, 4), 2)
    with pytest.raises(NotImplementedError):
        unfold(ag.randn(4, 4), 2)
