"""Tests of the Transformer layers: encoder and decoder layers against numpy
references written from the equations (post-norm and pre-norm, masks,
activations), the stacks and ``Transformer``, PyTorch's state-dict keys and
shapes (written out below), gradcheck in float64, and a small Transformer
encoder language model trained on a generated text to a loss well below the
unigram baseline."""
import math

import autograd_core.nn as nn
import autograd_core.nn.functional as F
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, leaf
from tests.nn.test_attention import arr, mha_params, np_mha

MHA_KEYS = [("in_proj_weight", "3E,E"), ("in_proj_bias", "3E"), ("out_proj.weight", "E,E"), ("out_proj.bias", "E")]


def shapes(keys, E, FF):
    """Expand the symbolic shapes ("3E,E") for d_model E and feed-forward FF."""
    env = {"E": E, "3E": 3 * E, "FF": FF}
    return [(k, tuple(env[s] for s in spec.split(","))) for k, spec in keys]


ENCODER_LAYER_KEYS = ([("self_attn." + k, s) for k, s in MHA_KEYS] +
                      [("linear1.weight", "FF,E"), ("linear1.bias", "FF"), ("linear2.weight", "E,FF"),
                       ("linear2.bias", "E"), ("norm1.weight", "E"), ("norm1.bias", "E"), ("norm2.weight", "E"),
                       ("norm2.bias", "E")])
DECODER_LAYER_KEYS = ([("self_attn." + k, s) for k, s in MHA_KEYS] +
                      [("multihead_attn." + k, s) for k, s in MHA_KEYS] +
                      [("linear1.weight", "FF,E"), ("linear1.bias", "FF"), ("linear2.weight", "E,FF"),
                       ("linear2.bias", "E"), ("norm1.weight", "E"), ("norm1.bias", "E"), ("norm2.weight", "E"),
                       ("norm2.bias", "E"), ("norm3.weight", "E"), ("norm3.bias", "E")])


def keys_of(m):
    return [(k, tuple(v.shape)) for k, v in m.state_dict().items()]


def randomise(m, seed=0):
    rng = np.random.default_rng(seed)
    for p in m.parameters():
        p.data.numpy()[...] = rng.standard_normal(p.shape) * 0.4


# -- numpy references -----------------------------------------------------------------------------
def np_layer_norm(x, ln):
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + ln.eps) * arr(ln.weight) + arr(ln.bias)


def np_gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def np_ff(layer, x, act):
    h = x @ arr(layer.linear1.weight).T + arr(layer.linear1.bias)
    return act(h) @ arr(layer.linear2.weight).T + arr(layer.linear2.bias)


def np_attn(mha, xq, xkv, mask):
    return np_mha(xq, xkv, xkv, *mha_params(mha), mha.num_heads, mask)[0]


def np_encoder_layer(layer, x, mask=None, act=lambda h: np.maximum(h, 0)):
    """Batch-first (N, L, E); ``mask`` additive, broadcast to (N, H, L, S)."""
    if layer.norm_first:
        x = x + np_attn(layer.self_attn, np_layer_norm(x, layer.norm1), np_layer_norm(x, layer.norm1), mask)
        return x + np_ff(layer, np_layer_norm(x, layer.norm2), act)
    x = np_layer_norm(x + np_attn(layer.self_attn, x, x, mask), layer.norm1)
    return np_layer_norm(x + np_ff(layer, x, act), layer.norm2)


def np_decoder_layer(layer, x, mem, tgt_mask=None, mem_mask=None, act=lambda h: np.maximum(h, 0)):
    if layer.norm_first:
        y = np_layer_norm(x, layer.norm1)
        x = x + np_attn(layer.self_attn, y, y, tgt_mask)
        x = x + np_attn(layer.multihead_attn, np_layer_norm(x, layer.norm2), mem, mem_mask)
        return x + np_ff(layer, np_layer_norm(x, layer.norm3), act)
    x = np_layer_norm(x + np_attn(layer.self_attn, x, x, tgt_mask), layer.norm1)
    x = np_layer_norm(x + np_attn(layer.multihead_attn, x, mem, mem_mask), layer.norm2)
    return np_layer_norm(x + np_ff(layer, x, act), layer.norm3)


# -- state dicts ----------------------------------------------------------------------------------
def test_state_dict_keys_match_pytorch():
    E, FF = 8, 12
    enc = nn.TransformerEncoderLayer(E, 2, FF)
    assert keys_of(enc) == shapes(ENCODER_LAYER_KEYS, E, FF)
    dec = nn.TransformerDecoderLayer(E, 2, FF)
    assert keys_of(dec) == shapes(DECODER_LAYER_KEYS, E, FF)
    stack = nn.TransformerEncoder(enc, 2, norm=nn.LayerNorm(E))
    expected = [(f"layers.{i}.{k}", s) for i in range(2) for k, s in shapes(ENCODER_LAYER_KEYS, E, FF)]
    assert keys_of(stack) == expected + [("norm.weight", (E,)), ("norm.bias", (E,))]
    t = nn.Transformer(E, 2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=FF)
    expected = ([(f"encoder.layers.{i}.{k}", s) for i in range(2) for k, s in shapes(ENCODER_LAYER_KEYS, E, FF)]
                + [("encoder.norm.weight", (E,)), ("encoder.norm.bias", (E,))]
                + [(f"decoder.layers.0.{k}", s) for k, s in shapes(DECODER_LAYER_KEYS, E, FF)]
                + [("decoder.norm.weight", (E,)), ("decoder.norm.bias", (E,))])
    assert keys_of(t) == expected
    assert [n for n, _ in enc.named_children()] == ["self_attn", "linear1", "dropout", "linear2", "norm1", "norm2",
                                                    "dropout1", "dropout2"]
    assert nn.TransformerEncoderLayer(E, 2, FF, bias=False).norm1.bias is None


def test_layers_are_independent_copies():
    enc = nn.TransformerEncoderLayer(8, 2, 12)
    stack = nn.TransformerEncoder(enc, 3)
    a, b = stack.layers[0], stack.layers[1]
    assert a is not b and a is not enc and a.linear1.weight is not b.linear1.weight
    np.testing.assert_array_equal(arr(a.linear1.weight), arr(enc.linear1.weight))
    assert len(list(stack.parameters())) == 3 * len(list(enc.parameters()))


def test_transformer_init_and_mask():
    ag.manual_seed(0)
    t = nn.Transformer(16, 4, 1, 1, 32, dropout=0.0)
    w = arr(t.encoder.layers[0].linear1.weight)  # re-initialised by xavier_uniform_ (32, 16)
    bound = math.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(arr(t.encoder.layers[0].self_attn.in_proj_bias) == 0)
    m = nn.Transformer.generate_square_subsequent_mask(4)
    expected = np.array([[0, -np.inf, -np.inf, -np.inf], [0, 0, -np.inf, -np.inf], [0, 0, 0, -np.inf],
                         [0, 0, 0, 0]])
    np.testing.assert_array_equal(arr(m), expected)
    assert m.dtype == np.float32 and nn.Transformer.generate_square_subsequent_mask(3, dtype=ag.float64).dtype == \
        np.float64
    with pytest.raises(RuntimeError, match="batch number"):
        t(ag.randn(5, 2, 16), ag.randn(4, 3, 16))
    with pytest.raises(RuntimeError, match="d_model"):
        t(ag.randn(5, 2, 8), ag.randn(4, 2, 8))
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")


# -- values ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
def test_encoder_layer_against_numpy(norm_first, activation):
    act = {"relu": "relu", "gelu": "gelu", "callable": lambda h: F.silu(h)}[activation]
    np_act = {"relu": lambda h: np.maximum(h, 0), "gelu": np_gelu,
              "callable": lambda h: h / (1 + np.exp(-h))}[activation]
    layer = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0, activation=act, norm_first=norm_first,
                                       batch_first=True, dtype=ag.float64)
    randomise(layer)
    N, L = 2, 5
    x = leaf(N, L, 8, seed=1)
    kpm = np.zeros((N, L), bool)
    kpm[1, 3:] = True
    causal = np.triu(np.full((L, L), -np.inf), 1)
    out = layer(x, src_mask=ag.tensor(causal), src_key_padding_mask=ag.tensor(kpm))
    mask = causal + np.where(kpm, -np.inf, 0.0)[:, None, None, :]
    np.testing.assert_allclose(arr(out), np_encoder_layer(layer, arr(x), mask, np_act), rtol=1e-10, atol=1e-10)
    # sequence first and unbatched give the same numbers
    seq = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0, activation=act, norm_first=norm_first,
                                     dtype=ag.float64)
    seq.load_state_dict(layer.state_dict())
    xs = ag.tensor(arr(x).transpose(1, 0, 2))
    np.testing.assert_allclose(arr(seq(xs, src_mask=ag.tensor(causal))).transpose(1, 0, 2),
                               arr(layer(x, src_mask=ag.tensor(causal))), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(arr(seq(ag.tensor(arr(x)[0]), is_causal=True, src_mask=ag.tensor(causal))),
                               arr(layer(x, src_mask=ag.tensor(causal)))[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_against_numpy(norm_first):
    layer = nn.TransformerDecoderLayer(8, 2, 12, dropout=0.0, norm_first=norm_first, batch_first=True,
                                       dtype=ag.float64)
    randomise(layer, 2)
    N, T, S = 2, 4, 5
    x, mem = leaf(N, T, 8, seed=1), leaf(N, S, 8, seed=2)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=ag.float64)
    mkpm = np.zeros((N, S), bool)
    mkpm[0, -2:] = True
    out = layer(x, mem, tgt_mask=tgt_mask, memory_key_padding_mask=ag.tensor(mkpm), tgt_is_causal=True)
    ref = np_decoder_layer(layer, arr(x), arr(mem), arr(tgt_mask), np.where(mkpm, -np.inf, 0.0)[:, None, None, :])
    np.testing.assert_allclose(arr(out), ref, rtol=1e-10, atol=1e-10)


def test_stacks_and_transformer_compose_their_layers():
    ag.manual_seed(3)
    t = nn.Transformer(8, 2, 2, 2, 12, dropout=0.0, batch_first=True, dtype=ag.float64)
    src, tgt = leaf(2, 5, 8, seed=1), leaf(2, 4, 8, seed=2)
    tgt_mask = t.generate_square_subsequent_mask(4, dtype=ag.float64)
    out = t(src, tgt, tgt_mask=tgt_mask)
    assert out.shape == (2, 4, 8)
    mem = arr(src)
    for layer in t.encoder.layers:
        mem = np_encoder_layer(layer, mem)
    mem = np_layer_norm(mem, t.encoder.norm)
    y = arr(tgt)
    for layer in t.decoder.layers:
        y = np_decoder_layer(layer, y, mem, arr(tgt_mask))
    np.testing.assert_allclose(arr(out), np_layer_norm(y, t.decoder.norm), rtol=1e-10, atol=1e-10)


def test_dropout_only_in_training():
    layer = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.3, dtype=ag.float64)
    ref = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0, dtype=ag.float64)
    ref.load_state_dict(layer.state_dict())
    x = leaf(4, 2, 8)
    layer.eval()
    np.testing.assert_allclose(arr(layer(x)), arr(ref(x)), rtol=1e-12)
    layer.train()
    assert not np.allclose(arr(layer(x)), arr(ref(x)))


# -- gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradcheck(norm_first):
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first, dtype=ag.float64)
    randomise(layer, 4)
    x = leaf(3, 2, 4, seed=5)
    kpm = ag.tensor(np.array([[False, False, True], [False, False, False]]))
    check(lambda x, *p: layer(x, src_key_padding_mask=kpm), x, *layer.parameters(), second=False)


def test_decoder_layer_gradcheck():
    layer = nn.TransformerDecoderLayer(4, 2, 5, dropout=0.0, activation="gelu", dtype=ag.float64)
    randomise(layer, 6)
    x, mem = leaf(2, 1, 4, seed=1), leaf(3, 1, 4, seed=2)
    check(lambda x, m: layer(x, m, tgt_is_causal=True), x, mem, second=False)


# -- a small language model -------------------------------------------------------------------------
def make_text(n, seed=0):
    """A generated text from a tiny grammar: '<subject> <verb> <object>. ' sentences."""
    rng = np.random.default_rng(seed)
    subjects, verbs, objects = ["the cat", "a dog", "my bird"], ["sees", "eats", "likes"], ["fish", "rice", "seeds"]
    out = []
    while sum(map(len, out)) < n:
        out.append(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}. ")
    return "".join(out)[:n]


def adam_step(params, state, t, lr=3e-3, b1=0.9, b2=0.999, eps=1e-8):
    """One Adam update in numpy (kept here so the test depends on nn only)."""
    for p in params:
        g = p.grad.numpy()
        m, v = state.setdefault(id(p), (np.zeros_like(g), np.zeros_like(g)))
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * g * g
        p.data.numpy()[...] -= lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)


class TinyLM(nn.Module):
    """Embedding + learnt positions, a causal Transformer encoder, a linear read-out."""

    def __init__(self, vocab, d=32, heads=4, layers=2, seq=24):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        layer = nn.TransformerEncoderLayer(d, heads, 64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(d, vocab)
        self.mask = nn.Transformer.generate_square_subsequent_mask(seq)

    def forward(self, idx):
        L = idx.shape[1]
        h = self.tok(idx) + self.pos(ag.arange(L))
        h = self.encoder(h, mask=self.mask[:L, :L], is_causal=True)
        return self.head(h)


def test_transformer_language_model_learns():
    text = make_text(6000)
    chars = sorted(set(text))
    ids = np.array([chars.index(c) for c in text])
    counts = np.bincount(ids, minlength=len(chars)) / len(ids)
    unigram = float(-(counts * np.log(counts)).sum())  # the best loss without context (nats)
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    seq, batch = 24, 16
    model = TinyLM(len(chars), seq=seq)
    params, state = list(model.parameters()), {}
    losses = []
    for t in range(1, 121):
        starts = rng.integers(0, len(ids) - seq - 1, batch)
        x = ag.tensor(np.stack([ids[s:s + seq] for s in starts]))
        y = ag.tensor(np.stack([ids[s + 1:s + seq + 1] for s in starts]))
        loss = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
        model.zero_grad()
        loss.backward()
        adam_step(params, state, t)
        losses.append(float(loss.item()))
    final = float(np.mean(losses[-10:]))
    assert final < 0.6 * unigram, (final, unigram)


def test_encoder_layer_second_derivatives():
    layer = nn.TransformerEncoderLayer(4, 2, 5, dropout=0.0, dtype=ag.float64)
    randomise(layer, 8)
    assert ag.gradgradcheck(lambda x: layer(x), (leaf(3, 4, seed=3),))
