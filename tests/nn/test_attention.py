"""Tests of ``F.scaled_dot_product_attention`` and ``nn.MultiheadAttention``:
values against numpy references written from the equations in float64
(softmax(QKᵀ/√d + M)V; the projections, head split and averaged weights of
multi-head attention), masks of every kind, gradcheck and gradgradcheck,
PyTorch's parameter names and shapes, and its initialisation."""
import math

import autograd_core.nn as nn
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


# -- MultiheadAttention ----------------------------------------------------------------------------
def np_mha(xq, xk, xv, ws, bs, wo, bo, H, mask=None, bias_kv=None, zero_attn=False):
    """Multi-head attention of batch-first (N, L, E) inputs from the equations:
    projections, head split, scaled softmax, concatenation, output projection.
    Returns (out, weights averaged over heads, weights per head)."""
    q, k, v = (x @ w.T + (0 if b is None else b) for x, w, b in zip((xq, xk, xv), ws, bs))
    N, L, E = q.shape
    d = E // H
    if bias_kv is not None:
        k = np.concatenate([k, np.broadcast_to(bias_kv[0].reshape(1, 1, E), (N, 1, E))], 1)
        v = np.concatenate([v, np.broadcast_to(bias_kv[1].reshape(1, 1, E), (N, 1, E))], 1)

    def heads(t):
        return t.reshape(N, t.shape[1], H, d).transpose(0, 2, 1, 3)

    qh, kh, vh = heads(q), heads(k), heads(v)
    if zero_attn:
        kh = np.concatenate([kh, np.zeros((N, H, 1, d))], 2)
        vh = np.concatenate([vh, np.zeros((N, H, 1, d))], 2)
    s = qh @ kh.transpose(0, 1, 3, 2) / math.sqrt(d)
    if mask is not None:
        s = s + mask
    a = np_softmax(s)
    o = (a @ vh).transpose(0, 2, 1, 3).reshape(N, L, E)
    return o @ wo.T + (0 if bo is None else bo), a.mean(1), a


def mha_params(m):
    E = m.embed_dim
    if m._qkv_same_embed_dim:
        w = arr(m.in_proj_weight)
        ws = (w[:E], w[E:2 * E], w[2 * E:])
    else:
        ws = (arr(m.q_proj_weight), arr(m.k_proj_weight), arr(m.v_proj_weight))
    b = None if m.in_proj_bias is None else arr(m.in_proj_bias)
    bs = (None,) * 3 if b is None else (b[:E], b[E:2 * E], b[2 * E:])
    bo = None if m.out_proj.bias is None else arr(m.out_proj.bias)
    return ws, bs, arr(m.out_proj.weight), bo


def randomise(m, seed=0):
    """Random parameters (the default init zeroes the biases)."""
    rng = np.random.default_rng(seed)
    for p in m.parameters():
        p.data.numpy()[...] = rng.standard_normal(p.shape) * 0.5


def test_mha_self_attention_against_numpy():
    ag.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dtype=ag.float64)
    randomise(m)
    x = leaf(5, 3, 8, seed=1)  # (L, N, E)
    out, w = m(x, x, x)
    xb = arr(x).transpose(1, 0, 2)
    ref, ref_w, ref_all = np_mha(xb, xb, xb, *mha_params(m), 2)
    assert out.shape == (5, 3, 8) and w.shape == (3, 5, 5)
    np.testing.assert_allclose(arr(out), ref.transpose(1, 0, 2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(arr(w), ref_w, rtol=1e-12, atol=1e-12)
    out2, w2 = m(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(arr(w2), ref_all, rtol=1e-12, atol=1e-12)
    assert m(x, x, x, need_weights=False)[1] is None
    # batch_first with the same parameters: the same numbers, transposed
    mb = nn.MultiheadAttention(8, 2, batch_first=True, dtype=ag.float64)
    mb.load_state_dict(m.state_dict())
    xb_t = ag.tensor(xb)
    np.testing.assert_allclose(arr(mb(xb_t, xb_t, xb_t)[0]), ref, rtol=1e-12, atol=1e-12)
    # unbatched (L, E): the batch of one
    x1 = ag.tensor(xb[0])
    o1, w1 = mb(x1, x1, x1)
    assert o1.shape == (5, 8) and w1.shape == (5, 5)
    np.testing.assert_allclose(arr(o1), ref[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(arr(w1), ref_w[0], rtol=1e-12, atol=1e-12)


def test_mha_cross_attention_kdim_vdim_and_masks():
    m = nn.MultiheadAttention(6, 3, kdim=4, vdim=5, batch_first=True, dtype=ag.float64)
    randomise(m, 1)
    N, L, S, H = 2, 3, 4, 3
    xq, xk, xv = leaf(N, L, 6, seed=1), leaf(N, S, 4, seed=2), leaf(N, S, 5, seed=3)
    kpm = np.array([[False, False, True, False], [False, True, True, False]])
    am = np.random.default_rng(2).standard_normal((N * H, L, S))
    out, w = m(xq, xk, xv, key_padding_mask=ag.tensor(kpm), attn_mask=ag.tensor(am), average_attn_weights=False)
    mask = am.reshape(N, H, L, S) + np.where(kpm, -np.inf, 0.0)[:, None, None, :]
    ref, _, ref_all = np_mha(arr(xq), arr(xk), arr(xv), *mha_params(m), H, mask)
    np.testing.assert_allclose(arr(out), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(arr(w), ref_all, rtol=1e-12, atol=1e-12)
    # a bool attn_mask (True = may not attend) is the float mask of -inf
    bm = np.zeros((L, S), bool)
    bm[0, 1] = True
    a = m(xq, xk, xv, attn_mask=ag.tensor(bm))[0]
    b = m(xq, xk, xv, attn_mask=ag.tensor(np.where(bm, -np.inf, 0.0)))[0]
    np.testing.assert_allclose(arr(a), arr(b), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(arr(a), np_mha(arr(xq), arr(xk), arr(xv), *mha_params(m), H,
                                              np.where(bm, -np.inf, 0.0))[0], rtol=1e-12, atol=1e-12)


def test_mha_causal_hint():
    m = nn.MultiheadAttention(4, 2, dtype=ag.float64)
    x = leaf(5, 2, 4)
    causal = ag.tensor(np.triu(np.full((5, 5), -np.inf), 1))
    a = m(x, x, x, attn_mask=causal, is_causal=True)[0]
    np.testing.assert_allclose(arr(a), arr(m(x, x, x, attn_mask=causal)[0]), rtol=1e-12)
    np.testing.assert_allclose(arr(a), arr(m(x, x, x, is_causal=True)[0]), rtol=1e-12)


def test_mha_bias_kv_and_zero_attn():
    N, L, S, E, H = 2, 3, 4, 6, 2
    m = nn.MultiheadAttention(E, H, add_bias_kv=True, add_zero_attn=True, batch_first=True, dtype=ag.float64)
    randomise(m, 3)
    xq, xk = leaf(N, L, E, seed=1), leaf(N, S, E, seed=2)
    kpm = np.array([[False, False, False, True], [False, False, False, False]])
    out, w = m(xq, xk, xk, key_padding_mask=ag.tensor(kpm))
    mask = np.where(np.concatenate([kpm, np.zeros((N, 2), bool)], 1), -np.inf, 0.0)[:, None, None, :]
    ref, ref_w, _ = np_mha(arr(xq), arr(xk), arr(xk), *mha_params(m), H, mask,
                           bias_kv=(arr(m.bias_k), arr(m.bias_v)), zero_attn=True)
    assert w.shape == (N, L, S + 2)
    np.testing.assert_allclose(arr(out), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(arr(w), ref_w, rtol=1e-12, atol=1e-12)


def test_mha_state_dict_keys_and_init():
    ag.manual_seed(0)
    m = nn.MultiheadAttention(16, 4)
    expected = [("in_proj_weight", (48, 16)), ("in_proj_bias", (48,)), ("out_proj.weight", (16, 16)),
                ("out_proj.bias", (16,))]
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == expected
    assert m.in_proj_weight.dtype == np.float32 and type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    w = arr(m.in_proj_weight)
    bound = math.sqrt(6 / (16 + 48))  # xavier_uniform_ on (3E, E)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(arr(m.in_proj_bias) == 0) and np.all(arr(m.out_proj.bias) == 0)
    assert np.abs(arr(m.out_proj.weight)).max() <= 1 / 4  # Linear's default, U(-1/√E, 1/√E)
    m = nn.MultiheadAttention(16, 4, bias=False, add_bias_kv=True, kdim=8, vdim=12)
    expected = [("q_proj_weight", (16, 16)), ("k_proj_weight", (16, 8)), ("v_proj_weight", (16, 12)),
                ("bias_k", (1, 1, 16)), ("bias_v", (1, 1, 16)), ("out_proj.weight", (16, 16))]
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == expected
    assert m.in_proj_weight is None and m.in_proj_bias is None and m.out_proj.bias is None
    assert m.head_dim == 4 and not m._qkv_same_embed_dim
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(AssertionError, match="embedding dimension"):
        nn.MultiheadAttention(8, 2)(ag.randn(2, 1, 8), ag.randn(2, 1, 7), ag.randn(2, 1, 7))
    m = nn.MultiheadAttention(8, 2)
    x = ag.randn(3, 2, 8)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \[3, 2\], but should be \[3, 3\]"):
        m(x, x, x, attn_mask=ag.zeros(3, 2))
    with pytest.raises(RuntimeError, match=r"3D attn_mask is \[2, 3, 3\], but should be \[4, 3, 3\]"):
        m(x, x, x, attn_mask=ag.zeros(2, 3, 3))
    with pytest.raises(RuntimeError, match="key_padding_mask shape of"):
        m(x, x, x, key_padding_mask=ag.zeros(3, 2, dtype=ag.bool))


def test_mha_dropout_train_and_eval():
    m = nn.MultiheadAttention(8, 2, dropout=0.5, dtype=ag.float64)
    ref = nn.MultiheadAttention(8, 2, dtype=ag.float64)
    ref.load_state_dict(m.state_dict())
    x = leaf(6, 2, 8)
    m.eval()
    np.testing.assert_allclose(arr(m(x, x, x)[0]), arr(ref(x, x, x)[0]), rtol=1e-12)
    m.train()
    ag.manual_seed(1)
    a, w = m(x, x, x, average_attn_weights=False)
    assert (arr(w) == 0).any()  # dropped weights, returned after dropout as PyTorch
    assert not np.allclose(arr(a), arr(ref(x, x, x)[0]))


def test_mha_gradcheck():
    m = nn.MultiheadAttention(4, 2, add_bias_kv=True, dtype=ag.float64)
    randomise(m, 5)
    x = leaf(3, 2, 4, seed=1)
    kv = leaf(2, 2, 4, seed=2)
    kpm = ag.tensor(np.array([[False, True], [False, False]]))
    params = list(m.parameters())
    check(lambda x, kv, *p: m(x, kv, kv, key_padding_mask=kpm)[0], x, kv, *params, second=False)
    m2 = nn.MultiheadAttention(4, 2, dtype=ag.float64)
    randomise(m2, 6)
    check(lambda x, *p: m2(x, x, x, is_causal=True)[0], leaf(3, 4, seed=3), *m2.parameters())


def test_mha_second_derivatives():
    m = nn.MultiheadAttention(4, 2, dtype=ag.float64)
    randomise(m, 7)
    x = leaf(3, 4, seed=3)
    assert ag.gradgradcheck(lambda x: m(x, x, x, is_causal=True)[0], (x,))


def test_torch_nn_attention_names_for_ported_code():
    from autograd_core.nn.attention import SDPBackend, sdpa_kernel

    q = leaf(2, 3, 4)
    with sdpa_kernel([SDPBackend.MATH, SDPBackend.FLASH_ATTENTION]):
        out = F.scaled_dot_product_attention(q, q, q)
    np.testing.assert_allclose(arr(out), np_sdpa(arr(q), arr(q), arr(q))[0], rtol=1e-12)


def test_mha_forward_mode():
    m = nn.MultiheadAttention(4, 2, dtype=ag.float64)
    randomise(m, 8)
    check_jvp(lambda x: m(x, x, x, is_causal=True)[0], leaf(3, 2, 4))
