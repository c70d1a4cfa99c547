"""Tests of nn/rnn.py, nn/rnn_cells.py and autograd_core/ops/rnn_cell.py:
each recurrence against a numpy reference written from its equations (float64,
random weights: multi-layer, bidirectional, proj_size, batch_first, initial
states, packed sequences of varying lengths), gradcheck of every layer and
cell, the fused LSTM step's second derivatives and jvp, PyTorch's parameter
names and shapes, dropout between layers, and a character-level language
model trained and sampled from."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from tests.helpers import check_jvp


def npy(t):
    return t.detach().numpy()


# -- the numpy reference ------------------------------------------------------------------------
def sig(a):
    return 1 / (1 + np.exp(-a))


def ref_cell(mode, x, h, c, p, sfx):
    """One step of one sequence (vectors) from the equations; returns (h', c')."""
    w_ih, w_hh = p["weight_ih" + sfx], p["weight_hh" + sfx]
    b_ih = p.get("bias_ih" + sfx, 0)
    b_hh = p.get("bias_hh" + sfx, 0)
    if mode in ("tanh", "relu"):
        a = w_ih @ x + b_ih + w_hh @ h + b_hh
        return (np.tanh(a) if mode == "tanh" else np.maximum(a, 0)), None
    if mode == "lstm":
        a = w_ih @ x + b_ih + w_hh @ h + b_hh
        H = a.size // 4
        i, f, g, o = sig(a[:H]), sig(a[H:2 * H]), np.tanh(a[2 * H:3 * H]), sig(a[3 * H:])
        c2 = f * c + i * g
        h2 = o * np.tanh(c2)
        if "weight_hr" + sfx in p:
            h2 = p["weight_hr" + sfx] @ h2
        return h2, c2
    gi, gh = w_ih @ x + b_ih, w_hh @ h + b_hh
    H = gi.size // 3
    r = sig(gi[:H] + gh[:H])
    z = sig(gi[H:2 * H] + gh[H:2 * H])
    n = np.tanh(gi[2 * H:] + r * gh[2 * H:])
    return (1 - z) * n + z * h, None


def ref_layers(mode, p, x, lengths, h0, c0, layers, dirs):
    """x (T, B, F) time-major; each sequence b runs alone over its first
    lengths[b] steps. Returns output (T, B, D·P) (zero past each length),
    h_n (L·D, B, P), c_n."""
    T, B, _ = x.shape
    P, H = h0.shape[-1], (c0.shape[-1] if c0 is not None else h0.shape[-1])
    hn, cn = np.zeros_like(h0), None if c0 is None else np.zeros_like(c0)
    inp = x
    for layer in range(layers):
        out = np.zeros((T, B, dirs * P))
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            k = layer * dirs + d
            for b in range(B):
                h = h0[k, b]
                c = None if c0 is None else c0[k, b]
                steps = range(lengths[b] - 1, -1, -1) if d else range(lengths[b])
                for t in steps:
                    h, c = ref_cell(mode, inp[t, b], h, c, p, sfx)
                    out[t, b, d * P:(d + 1) * P] = h
                hn[k, b] = h
                if c0 is not None:
                    cn[k, b] = c
        inp = out
    del H
    return inp, hn, cn


MODES = {"tanh": (nn.RNN, {"nonlinearity": "tanh"}), "relu": (nn.RNN, {"nonlinearity": "relu"}),
         "lstm": (nn.LSTM, {}), "gru": (nn.GRU, {})}


def make(mode, *args, **kw):
    cls, extra = MODES[mode]
    return cls(*args, dtype=np.float64, **extra, **kw)


CELLS = {"tanh": nn.RNNCell, "relu": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}


def make_cell(mode, input_size, hidden_size):
    """The float64 cell of ``mode`` (an RNNCell's nonlinearity is the mode)."""
    kw = {"nonlinearity": mode} if mode in ("tanh", "relu") else {}
    return CELLS[mode](input_size, hidden_size, dtype=np.float64, **kw)


def params(m):
    return {k: npy(v).copy() for k, v in m.state_dict().items()}


def states(m, batch, rng, given):
    D = 2 if m.bidirectional else 1
    n = m.num_layers * D
    P = m.proj_size or m.hidden_size
    h0 = rng.standard_normal((n, batch, P)) if given else np.zeros((n, batch, P))
    c0 = None
    if isinstance(m, nn.LSTM):
        c0 = rng.standard_normal((n, batch, m.hidden_size)) if given else np.zeros((n, batch, m.hidden_size))
    return h0, c0


CONFIGS = [
    dict(num_layers=2, bidirectional=True, batch_first=False, init=True),
    dict(num_layers=1, bidirectional=False, batch_first=True, init=False),
    dict(num_layers=3, bidirectional=False, batch_first=False, init=True, bias=False),
    dict(num_layers=2, bidirectional=True, batch_first=True, init=False),
]


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("cfg", range(len(CONFIGS)))
def test_layers_match_numpy_reference(mode, cfg):
    cfg = dict(CONFIGS[cfg])
    init = cfg.pop("init")
    rng = np.random.default_rng(cfg["num_layers"] + 7)
    T, B, F, H = 5, 3, 4, 6
    m = make(mode, F, H, **cfg)
    x = rng.standard_normal((T, B, F))
    h0, c0 = states(m, B, rng, init)
    xin = ag.tensor(x.transpose(1, 0, 2) if cfg["batch_first"] else x)
    hx = None
    if init:
        hx = (ag.tensor(h0), ag.tensor(c0)) if mode == "lstm" else ag.tensor(h0)
    out, hn = m(xin, hx)
    D = 2 if cfg["bidirectional"] else 1
    ro, rh, rc = ref_layers(mode, params(m), x, [T] * B, h0, c0, cfg["num_layers"], D)
    if cfg["batch_first"]:
        ro = ro.transpose(1, 0, 2)
    np.testing.assert_allclose(npy(out), ro, rtol=1e-10, atol=1e-12)
    if mode == "lstm":
        hn, cn = hn
        np.testing.assert_allclose(npy(cn), rc, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(npy(hn), rh, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_proj_size_matches_reference(bidirectional):
    rng = np.random.default_rng(3)
    T, B, F, H, P = 4, 2, 3, 5, 2
    m = make("lstm", F, H, num_layers=2, bidirectional=bidirectional, proj_size=P)
    D = 2 if bidirectional else 1
    x = rng.standard_normal((T, B, F))
    h0, c0 = rng.standard_normal((2 * D, B, P)), rng.standard_normal((2 * D, B, H))
    out, (hn, cn) = m(ag.tensor(x), (ag.tensor(h0), ag.tensor(c0)))
    assert out.shape == (T, B, D * P) and hn.shape == (2 * D, B, P) and cn.shape == (2 * D, B, H)
    ro, rh, rc = ref_layers("lstm", params(m), x, [T] * B, h0, c0, 2, D)
    np.testing.assert_allclose(npy(out), ro, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(npy(hn), rh, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(npy(cn), rc, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_run_each_sequence_alone(mode, enforce_sorted):
    rng = np.random.default_rng(11)
    lengths = [5, 4, 4, 2, 1] if enforce_sorted else [2, 5, 1, 4, 3]
    T, B, F, H = 5, len(lengths), 3, 4
    m = make(mode, F, H, num_layers=2, bidirectional=True)
    x = rng.standard_normal((T, B, F))
    h0, c0 = states(m, B, rng, True)
    hx = (ag.tensor(h0), ag.tensor(c0)) if mode == "lstm" else ag.tensor(h0)
    packed = pack_padded_sequence(ag.tensor(x), lengths, enforce_sorted=enforce_sorted)
    out, hn = m(packed, hx)
    assert type(out).__name__ == "PackedSequence"
    padded, lens = pad_packed_sequence(out)
    assert lens.tolist() == lengths
    ro, rh, rc = ref_layers(mode, params(m), x, lengths, h0, c0, 2, 2)
    np.testing.assert_allclose(npy(padded), ro, rtol=1e-10, atol=1e-12)
    if mode == "lstm":
        hn, cn = hn
        np.testing.assert_allclose(npy(cn), rc, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(npy(hn), rh, rtol=1e-10, atol=1e-12)
    # each sequence alone, unpacked, gives the same final state
    b = int(np.argmin(lengths))
    alone = m(ag.tensor(x[:lengths[b], b:b + 1]),
              (ag.tensor(h0[:, b:b + 1]), ag.tensor(c0[:, b:b + 1])) if mode == "lstm"
              else ag.tensor(h0[:, b:b + 1]))[1]
    alone_h = alone[0] if mode == "lstm" else alone
    np.testing.assert_allclose(npy(alone_h)[:, 0], rh[:, b], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", list(MODES))
def test_unbatched_input_is_a_batch_of_one(mode):
    rng = np.random.default_rng(5)
    m = make(mode, 3, 4, num_layers=2, bidirectional=True)
    x = rng.standard_normal((6, 3))
    h0, c0 = states(m, 1, rng, True)
    hx = (ag.tensor(h0[:, 0]), ag.tensor(c0[:, 0])) if mode == "lstm" else ag.tensor(h0[:, 0])
    hxb = (ag.tensor(h0), ag.tensor(c0)) if mode == "lstm" else ag.tensor(h0)
    out, hn = m(ag.tensor(x), hx)
    outb, hnb = m(ag.tensor(x[:, None]), hxb)
    assert out.shape == (6, 8)
    np.testing.assert_allclose(npy(out), npy(outb)[:, 0])
    hn = hn[0] if mode == "lstm" else hn
    hnb = hnb[0] if mode == "lstm" else hnb
    assert hn.shape == (4, 4)
    np.testing.assert_allclose(npy(hn), npy(hnb)[:, 0])


@pytest.mark.parametrize("mode", list(MODES))
def test_cells_match_reference(mode):
    rng = np.random.default_rng(2)
    cell = make_cell(mode, 3, 5)
    p = params(cell)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    if mode == "lstm":
        h2, c2 = cell(ag.tensor(x), (ag.tensor(h), ag.tensor(c)))
        h1, c1 = cell(ag.tensor(x[0]), (ag.tensor(h[0]), ag.tensor(c[0])))  # unbatched
        np.testing.assert_allclose(npy(c1), npy(c2)[0])
    else:
        h2 = cell(ag.tensor(x), ag.tensor(h))
        h1 = cell(ag.tensor(x[0]), ag.tensor(h[0]))
    np.testing.assert_allclose(npy(h1), npy(h2)[0])
    for b in range(2):
        rh, rc = ref_cell(mode, x[b], h[b], c[b], p, "")
        np.testing.assert_allclose(npy(h2)[b], rh, rtol=1e-12)
        if mode == "lstm":
            np.testing.assert_allclose(npy(c2)[b], rc, rtol=1e-12)
    # no state: zeros
    out = cell(ag.tensor(x))
    out = out[0] if mode == "lstm" else out
    rh, _ = ref_cell(mode, x[1], np.zeros(5), np.zeros(5), p, "")
    np.testing.assert_allclose(npy(out)[1], rh, rtol=1e-12)


def flat(*ts):
    """All outputs as one vector (gradcheck then perturbs each input once per output)."""
    return ag.cat([t.reshape(-1) for t in ts])


# -- gradients ----------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", list(MODES))
def test_gradcheck_layers(mode):
    rng = np.random.default_rng(0)
    m = make(mode, 2, 2, num_layers=2, bidirectional=True)
    x = ag.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = ag.tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    c0 = ag.tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    ps = list(m.parameters())

    def fn(x, h0, c0, *_):
        out, hn = m(x, (h0, c0) if mode == "lstm" else h0)
        return flat(out, *hn) if mode == "lstm" else flat(out, hn)

    assert ag.gradcheck(fn, (x, h0, c0, *ps))


def test_gradcheck_lstm_proj_and_packed():
    rng = np.random.default_rng(1)
    m = make("lstm", 2, 3, num_layers=2, bidirectional=True, proj_size=2)
    x = ag.tensor(rng.standard_normal((3, 3, 2)), requires_grad=True)
    ps = list(m.parameters())

    def fn(x, *_):
        out, (hn, cn) = m(pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False))
        return flat(out.data, hn, cn)

    assert ag.gradcheck(fn, (x, *ps))


@pytest.mark.parametrize("mode", list(MODES))
def test_gradcheck_cells(mode):
    rng = np.random.default_rng(4)
    cell = make_cell(mode, 2, 3)
    x = ag.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    h = ag.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    c = ag.tensor(rng.standard_normal((2, 3)), requires_grad=True)

    def fn(x, h, c, *_):
        return cell(x, (h, c)) if mode == "lstm" else cell(x, h)

    assert ag.gradcheck(fn, (x, h, c, *cell.parameters()))


def test_fused_lstm_step_second_derivatives_and_jvp():
    from autograd_core.ops.rnn_cell import lstm_step
    rng = np.random.default_rng(6)
    args = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 8), (2, 3), (2, 2), (8, 3)]]
    assert ag.gradcheck(lstm_step, args)
    assert ag.gradgradcheck(lstm_step, args)
    check_jvp(lstm_step, *args)


def test_fused_gru_step_matches_composition_and_differentiates_twice():
    from autograd_core.ops.rnn_cell_gru import _gru_tensors, gru_step_op
    rng = np.random.default_rng(12)
    args = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 6), (2, 2), (6, 2), (6,)]]
    out = gru_step_op(*args)
    r, z, n, _ = _gru_tensors(*args)
    ref = (1 - z) * n + z * args[1]
    np.testing.assert_allclose(npy(out), npy(ref), rtol=1e-12)
    g = ag.tensor(rng.standard_normal((2, 2)))
    fused = ag.grad(out, args, g)
    composed = ag.grad(ref, args, g)
    for a, b in zip(fused, composed):
        np.testing.assert_allclose(npy(a), npy(b), rtol=1e-10, atol=1e-12)
    assert ag.gradcheck(gru_step_op, args)
    assert ag.gradgradcheck(gru_step_op, args)
    check_jvp(gru_step_op, *args)
    assert ag.gradcheck(lambda x, h, w: gru_step_op(x, h, w, None), args[:3])


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_fused_rnn_step_matches_composition_and_differentiates_twice(nonlinearity):
    from autograd_core.ops.rnn_cell_gru import rnn_step_op
    rng = np.random.default_rng(13)
    args = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (2, 3), (3, 3), (3,)]]

    def fn(*a):
        return rnn_step_op(*a, nonlinearity=nonlinearity)

    a = args[0] + args[1].matmul(args[2].t()) + args[3]
    ref = a.tanh() if nonlinearity == "tanh" else a.relu()
    np.testing.assert_allclose(npy(fn(*args)), npy(ref), rtol=1e-12)
    assert ag.gradcheck(fn, args)
    assert ag.gradgradcheck(fn, args)
    check_jvp(fn, *args)
    assert ag.gradcheck(lambda x, h, w: rnn_step_op(x, h, w, None, nonlinearity), args[:3])


@pytest.mark.parametrize("reverse", [False, True])
def test_fused_lstm_layer_matches_steps_and_differentiates_twice(reverse):
    from autograd_core.ops.rnn_cell import lstm_layer, lstm_step
    rng = np.random.default_rng(9)
    args = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 1, 8), (1, 2), (1, 2), (8, 2)]]
    out, h_t, c_t = lstm_layer(*args, reverse=reverse)
    h, c, outs = args[1], args[2], [None] * 3
    for t in ([2, 1, 0] if reverse else [0, 1, 2]):
        h, c = lstm_step(args[0][t], h, c, args[3])
        outs[t] = h
    np.testing.assert_allclose(npy(out), npy(ag.stack(outs)), rtol=1e-12)
    np.testing.assert_allclose(npy(h_t), npy(h), rtol=1e-12)
    np.testing.assert_allclose(npy(c_t), npy(c), rtol=1e-12)

    def fn(*a):
        return flat(*lstm_layer(*a, reverse=reverse))

    assert ag.gradcheck(fn, args)
    assert ag.gradgradcheck(fn, args)
    check_jvp(fn, *args)


def test_lstm_gradient_matches_composition():
    """The fused step's gradients equal those of the gates written with Tensor ops."""
    from autograd_core.ops.rnn_cell import _gates_tensors, lstm_step
    rng = np.random.default_rng(8)
    args = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in [(4, 20), (4, 5), (4, 5), (20, 5)]]
    h, c = lstm_step(*args)
    (h.sum() * 2 + (c * c).sum()).backward()
    fused = [npy(a.grad).copy() for a in args]
    for a in args:
        a.grad = None
    i, f, g, o, _ = _gates_tensors(*args)
    c2 = f * args[2] + i * g
    h2 = o * c2.tanh()
    np.testing.assert_allclose(npy(h), npy(h2), rtol=1e-12)
    (h2.sum() * 2 + (c2 * c2).sum()).backward()
    for a, g_ in zip(args, fused):
        np.testing.assert_allclose(npy(a.grad), g_, rtol=1e-10, atol=1e-12)


# -- names, shapes, init, options --------------------------------------------------------------
def test_state_dict_names_and_shapes_are_pytorchs():
    m = nn.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)
    expected = [
        ("weight_ih_l0", (80, 10)), ("weight_hh_l0", (80, 5)), ("bias_ih_l0", (80,)), ("bias_hh_l0", (80,)),
        ("weight_hr_l0", (5, 20)),
        ("weight_ih_l0_reverse", (80, 10)), ("weight_hh_l0_reverse", (80, 5)), ("bias_ih_l0_reverse", (80,)),
        ("bias_hh_l0_reverse", (80,)), ("weight_hr_l0_reverse", (5, 20)),
        ("weight_ih_l1", (80, 10)), ("weight_hh_l1", (80, 5)), ("bias_ih_l1", (80,)), ("bias_hh_l1", (80,)),
        ("weight_hr_l1", (5, 20)),
        ("weight_ih_l1_reverse", (80, 10)), ("weight_hh_l1_reverse", (80, 5)), ("bias_ih_l1_reverse", (80,)),
        ("bias_hh_l1_reverse", (80,)), ("weight_hr_l1_reverse", (5, 20)),
    ]
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == expected
    g = nn.GRU(3, 4, num_layers=2)
    assert [(k, tuple(v.shape)) for k, v in g.state_dict().items()] == [
        ("weight_ih_l0", (12, 3)), ("weight_hh_l0", (12, 4)), ("bias_ih_l0", (12,)), ("bias_hh_l0", (12,)),
        ("weight_ih_l1", (12, 4)), ("weight_hh_l1", (12, 4)), ("bias_ih_l1", (12,)), ("bias_hh_l1", (12,))]
    r = nn.RNN(3, 4, bias=False, bidirectional=True)
    assert [(k, tuple(v.shape)) for k, v in r.state_dict().items()] == [
        ("weight_ih_l0", (4, 3)), ("weight_hh_l0", (4, 4)),
        ("weight_ih_l0_reverse", (4, 3)), ("weight_hh_l0_reverse", (4, 4))]
    assert [(k, tuple(v.shape)) for k, v in nn.LSTMCell(3, 4).state_dict().items()] == [
        ("weight_ih", (16, 3)), ("weight_hh", (16, 4)), ("bias_ih", (16,)), ("bias_hh", (16,))]
    assert [(k, tuple(v.shape)) for k, v in nn.GRUCell(3, 4, bias=False).state_dict().items()] == [
        ("weight_ih", (12, 3)), ("weight_hh", (12, 4))]
    assert [k for k, _ in nn.RNNCell(3, 4).named_parameters()] == ["weight_ih", "weight_hh", "bias_ih",
                                                                   "bias_hh"]
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 5


def test_init_is_uniform_within_one_over_sqrt_hidden():
    ag.manual_seed(0)
    m = nn.LSTM(30, 64, num_layers=2)
    k = 1 / math.sqrt(64)
    for p in m.parameters():
        a = npy(p)
        assert a.dtype == np.float32
        assert a.min() >= -k and a.max() <= k and a.max() > 0.9 * k and a.min() < -0.9 * k
    m.flatten_parameters()  # a no-op


def test_dropout_between_layers_only_in_training():
    ag.manual_seed(0)
    m = nn.GRU(4, 8, num_layers=2, dropout=0.5)
    x = ag.randn(5, 3, 4)
    a, _ = m(x)
    b, _ = m(x)
    assert not np.allclose(npy(a), npy(b))
    m.eval()
    c, _ = m(x)
    d, _ = m(x)
    np.testing.assert_array_equal(npy(c), npy(d))
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)


def test_errors_and_repr():
    m = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    with pytest.raises(RuntimeError, match="input_size"):
        m(ag.randn(2, 5, 7))
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        m(ag.randn(2, 5, 3), (ag.zeros(1, 2, 4), ag.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="proj_size"):
        nn.GRU(3, 4, proj_size=2)
    assert repr(m) == "LSTM(3, 4, num_layers=2, batch_first=True)"
    assert repr(nn.RNN(3, 4, 1, "relu")) == "RNN(3, 4, nonlinearity='relu')"
    assert repr(nn.GRUCell(3, 4)) == "GRUCell(3, 4)"


def test_float32_default_and_porting_imports():
    import autograd_core as torch
    m = torch.nn.LSTM(3, 4)
    out, (h, c) = m(torch.randn(5, 2, 3))
    assert out.dtype == np.float32 and h.shape == (1, 2, 4)
    from autograd_core.nn.utils.rnn import pack_sequence  # noqa: F401


# -- a character-level language model -----------------------------------------------------------
TEXT = ("the quick brown fox jumps over the lazy dog. " * 3
        + "a stitch in time saves nine. " * 3
        + "to be or not to be, that is the question. " * 3)


class CharLM(nn.Module):
    def __init__(self, vocab, emb=16, hidden=48):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


def test_char_lstm_language_model_learns_and_samples():
    import optim
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    chars = sorted(set(TEXT))
    idx = np.array([chars.index(ch) for ch in TEXT])
    counts = np.bincount(idx, minlength=len(chars)) / idx.size
    unigram = float(-(counts[counts > 0] * np.log(counts[counts > 0])).sum())  # entropy, nats
    model = CharLM(len(chars))
    opt = optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    seq, batch = 24, 16
    for _ in range(120):
        starts = rng.integers(0, idx.size - seq - 1, batch)
        xb = ag.tensor(np.stack([idx[s:s + seq] for s in starts]))
        yb = ag.tensor(np.stack([idx[s + 1:s + seq + 1] for s in starts]))
        logits, _ = model(xb)
        loss = loss_fn(logits.reshape(-1, len(chars)), yb.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    model.eval()
    with ag.no_grad():
        xb = ag.tensor(idx[None, :-1])
        logits, _ = model(xb)
        final = float(loss_fn(logits.reshape(-1, len(chars)), ag.tensor(idx[1:])))
    assert final < 0.5 * unigram, (final, unigram)
    # sample greedily, carrying the state: a phrase of the text comes out
    with ag.no_grad():
        cur, state, out = chars.index("t"), None, "t"
        for _ in range(30):
            logits, state = model(ag.tensor([[cur]]), state)
            cur = int(npy(logits)[0, -1].argmax())
            out += chars[cur]
    assert any(w in out for w in ("the ", "to be", "quick", "lazy", "question")), out
