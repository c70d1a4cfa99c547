"""Tests of ``F.scaled_dot_product_attention`` and ``nn.MultiheadAttention``:
values against numpy references written from the equations in float64
(softmax(QKᵀ/√d + M)V; the projections, head split and averaged weights of
multi-head attention), masks of every kind, gradcheck and gradgradcheck,
PyTorch's parameter names and shapes, and its initialisation."""
import math

import autograd_core.nn.functional as F
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf


# -- numpy references ---------------------------------------------------------------------------
def np_softmax(s):
    m = s.max(-1, keepdims=True)
    e = np.exp(s - m)
    return e / e.sum(-1, keepdims=True)


def np_sdpa(q, k, v, mask=None, causal=False, scale=None):
    """softmax(Q Kᵀ · scale + M) V with M from a bool (True = take part) or float mask."""
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], bool)), s, -np.inf)
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    w = np_softmax(s)
    return w @ v, w


def arr(t):
    return t.detach().numpy()


# -- scaled_dot_product_attention -----------------------------------------------------------------
def test_sdpa_is_exported():
    import nn.functional as F2

    assert F.scaled_dot_product_attention is F2.scaled_dot_product_attention


@pytest.mark.parametrize("shape_q,shape_kv,ev", [((4, 8), (5, 8), 6), ((2, 3, 4, 8), (2, 3, 5, 8), 6),
                                                 ((3, 1, 4), (3, 7, 4), 2)])
def test_sdpa_values(shape_q, shape_kv, ev):
    q, k, v = leaf(*shape_q, seed=1), leaf(*shape_kv, seed=2), leaf(*shape_kv[:-1], ev, seed=3)
    out = F.scaled_dot_product_attention(q, k, v)
    assert out.shape == shape_q[:-1] + (ev,) and out.dtype == np.float64
    np.testing.assert_allclose(arr(out), np_sdpa(arr(q), arr(k), arr(v))[0], rtol=1e-12, atol=1e-12)
    out = F.scaled_dot_product_attention(q, k, v, scale=0.3)
    np.testing.assert_allclose(arr(out), np_sdpa(arr(q), arr(k), arr(v), scale=0.3)[0], rtol=1e-12, atol=1e-12)


def test_sdpa_masks():
    q, k, v = leaf(2, 3, 4, 8, seed=1), leaf(2, 3, 5, 8, seed=2), leaf(2, 3, 5, 6, seed=3)
    rng = np.random.default_rng(0)
    bmask = rng.random((4, 5)) > 0.4
    bmask[:, 0] = True  # no row fully masked
    fmask = rng.standard_normal((2, 1, 4, 5))
    for m in (bmask, fmask):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=ag.tensor(m))
        np.testing.assert_allclose(arr(out), np_sdpa(arr(q), arr(k), arr(v), m)[0], rtol=1e-12, atol=1e-12)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_allclose(arr(out), np_sdpa(arr(q), arr(k), arr(v), causal=True)[0], rtol=1e-12,
                               atol=1e-12)
    # a float mask of -inf is the bool mask
    finf = np.where(bmask, 0.0, -np.inf)
    np.testing.assert_allclose(arr(F.scaled_dot_product_attention(q, k, v, attn_mask=ag.tensor(finf))),
                               arr(F.scaled_dot_product_attention(q, k, v, attn_mask=ag.tensor(bmask))),
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=ag.tensor(bmask), is_causal=True)
    with pytest.raises(RuntimeError, match="broadcast"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=ag.tensor(np.ones((3, 3), bool)))
    with pytest.raises(RuntimeError, match="last dim"):
        F.scaled_dot_product_attention(q, leaf(2, 3, 5, 7), v)


def test_sdpa_is_stable_for_huge_scores():
    q = ag.tensor(np.full((1, 3, 4), 1e3), dtype=ag.float32)
    k = ag.tensor(np.random.default_rng(0).standard_normal((1, 5, 4)) * 1e3, dtype=ag.float32)
    v = ag.randn(1, 5, 2)
    out = F.scaled_dot_product_attention(q, k, v)
    assert out.dtype == np.float32 and np.isfinite(arr(out)).all()
    ref = np_sdpa(arr(q).astype(np.float64), arr(k).astype(np.float64), arr(v).astype(np.float64))[0]
    np.testing.assert_allclose(arr(out), ref, rtol=1e-4, atol=1e-4)


def test_sdpa_fully_masked_rows_are_zero():
    q, k, v = leaf(3, 4, seed=1), leaf(5, 4, seed=2), leaf(5, 2, seed=3)
    m = np.ones((3, 5), bool)
    m[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=ag.tensor(m))
    np.testing.assert_array_equal(arr(out)[1], 0.0)
    np.testing.assert_allclose(arr(out)[[0, 2]], np_sdpa(arr(q), arr(k), arr(v))[0][[0, 2]], rtol=1e-12)
    out.sum().backward()
    assert np.isfinite(q.grad.numpy()).all() and np.all(q.grad.numpy()[1] == 0)


def test_sdpa_gradcheck_and_gradgradcheck():
    q, k, v = leaf(2, 3, 4, seed=1), leaf(2, 5, 4, seed=2), leaf(2, 5, 3, seed=3)
    check(lambda q, k, v: F.scaled_dot_product_attention(q, k, v), q, k, v)
    check(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7), q, k, v)
    m = np.random.default_rng(1).random((3, 5)) > 0.3
    m[:, 0] = True
    check(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=ag.tensor(m)), q, k, v)
    bias = leaf(3, 5, seed=4)  # a learnt float mask gets a gradient too
    check(lambda q, k, v, b: F.scaled_dot_product_attention(q, k, v, attn_mask=b), q, k, v, bias)


def test_sdpa_forward_mode():
    q, k, v = leaf(3, 4, seed=1), leaf(5, 4, seed=2), leaf(5, 3, seed=3)
    check_jvp(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), q, k, v)


def test_sdpa_dropout():
    L, S = 1, 4000
    q, k, v = ag.zeros(L, 4, dtype=ag.float64), ag.zeros(S, 4, dtype=ag.float64), ag.ones(S, 1, dtype=ag.float64)
    ag.manual_seed(0)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    ag.manual_seed(0)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(arr(a), arr(b))  # the global generator decides
    # weights 1/S, each kept with probability 1/2 and doubled: the output is 1 ± 1/√S
    assert abs(float(arr(a)[0, 0]) - 1.0) < 0.1 and float(arr(a)[0, 0]) != 1.0
    np.testing.assert_array_equal(arr(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)), 0.0)
    with pytest.raises(ValueError):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)


def test_sdpa_gqa():
    q, k, v = leaf(2, 4, 3, 5, seed=1), leaf(2, 2, 6, 5, seed=2), leaf(2, 2, 6, 3, seed=3)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    kr, vr = np.repeat(arr(k), 2, axis=1), np.repeat(arr(v), 2, axis=1)
    np.testing.assert_allclose(arr(out), np_sdpa(arr(q), kr, vr)[0], rtol=1e-12, atol=1e-12)
    check(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
          leaf(1, 2, 2, 3), leaf(1, 1, 3, 3, seed=1), leaf(1, 1, 3, 2, seed=2), second=False)
    with pytest.raises(RuntimeError, match="enable_gqa"):
        F.scaled_dot_product_attention(q, leaf(2, 3, 6, 5), leaf(2, 3, 6, 3), enable_gqa=True)
