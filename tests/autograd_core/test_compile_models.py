"""ag.compile is bit-identical to eager mode on every model family of the
suite (MLP, LeNet with batch norm, LSTM language model, Transformer encoder,
a custom Function), outputs and parameter gradients, over several optimizer
steps (the replay reads the parameters the optimizer updated in place), and
the recording is really replayed (explain() says so)."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from tests.autograd_core.test_function import Cube


def _same(a, b):
    a = a._data if isinstance(a, ag.Tensor) else a
    b = b._data if isinstance(b, ag.Tensor) else b
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def run_pair(make, batches, loss_fn, opt=optim.SGD, steps=7, **opt_kw):
    """Train an eager and a compiled copy side by side; assert every output,
    loss, gradient, buffer and parameter is bit-identical at every step."""
    ag.manual_seed(0)
    eager = make()
    ag.manual_seed(0)
    model = make()
    compiled = ag.compile(model)
    opts = [opt(m.parameters(), **opt_kw) for m in (eager, model)]
    for step in range(steps):
        args = batches(step)
        results = []
        state = ag.get_rng_state()
        for m, o in zip((eager, compiled), opts):
            ag.set_rng_state(state)
            o.zero_grad()
            out = m(*args[:-1])
            loss = loss_fn(out, args[-1])
            loss.backward()
            o.step()
            results.append((out, loss))
        (out_e, loss_e), (out_c, loss_c) = results
        for a, b in zip(_flat(out_e), _flat(out_c)):
            assert _same(a, b), f"step {step}: outputs differ"
        assert _same(loss_e, loss_c)
        for (name, p), q in zip(eager.named_parameters(), model.parameters()):
            assert (p.grad is None) == (q.grad is None), name
            if p.grad is not None:
                assert _same(p.grad, q.grad), f"step {step}: grad of {name} differs"
            assert _same(p, q), f"step {step}: {name} differs after the step"
        for (name, b), c in zip(eager.named_buffers(), model.buffers()):
            assert _same(b, c), f"step {step}: buffer {name} differs"
    return compiled.explain()


def _replayed(info, at_least=1):
    assert any(e["state"] == "replay" and e["calls"]["replay"] >= at_least for e in info), info


def _data(shape, seed, dtype=np.float32):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def _labels(n, k, seed):
    return ag.tensor(np.random.default_rng(seed).integers(0, k, n))


def test_mlp_sgd_momentum():
    info = run_pair(lambda: nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                                          nn.Linear(128, 10)),
                    lambda s: (_data((32, 784), s), _labels(32, 10, s)), nn.CrossEntropyLoss(),
                    lr=0.05, momentum=0.9)
    _replayed(info, 3)


class LeNetBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(nn.functional.relu(self.bn1(self.conv1(x))))
        x = self.pool(nn.functional.relu(self.bn2(self.conv2(x))))
        x = x.flatten(1)
        return self.fc3(nn.functional.relu(self.fc2(nn.functional.relu(self.fc1(x)))))


def test_lenet_batchnorm_adam():
    info = run_pair(LeNetBN, lambda s: (_data((8, 1, 28, 28), s), _labels(8, 10, s)), nn.CrossEntropyLoss(),
                    opt=optim.Adam, lr=1e-3)
    _replayed(info, 3)


def test_lenet_eval_mode_is_another_recording():
    ag.manual_seed(0)
    model = LeNetBN()
    compiled = ag.compile(model)
    x = _data((4, 1, 28, 28), 1)
    with ag.no_grad():
        for _ in range(3):
            compiled(x)
        model.eval()
        ref = model(x)
        outs = [compiled(x) for _ in range(3)]
    assert all(_same(o, ref) for o in outs)
    states = sorted(e["state"] for e in compiled.explain())
    assert states == ["replay", "replay"]


class LSTMLM(nn.Module):
    def __init__(self, vocab=50, emb=16, hidden=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        out, _ = self.lstm(self.emb(tokens))
        return self.head(out).reshape(-1, 50)


def test_lstm_language_model():
    info = run_pair(LSTMLM, lambda s: (_labels(12, 50, s).reshape(3, 4), _labels(12, 50, s + 100)),
                    nn.CrossEntropyLoss(), opt=optim.Adam, lr=1e-2)
    _replayed(info, 3)


class Encoder(nn.Module):
    def __init__(self, dropout=0.0):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=dropout,
                                           batch_first=True)
        self.enc = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.enc(x).mean(1))


def test_transformer_encoder():
    info = run_pair(Encoder, lambda s: (_data((4, 6, 16), s), _labels(4, 3, s)), nn.CrossEntropyLoss(),
                    opt=optim.Adam, lr=1e-3)
    _replayed(info, 3)


def test_transformer_with_dropout_draws_fresh_masks():
    info = run_pair(lambda: Encoder(dropout=0.1), lambda s: (_data((4, 6, 16), s), _labels(4, 3, s)),
                    nn.CrossEntropyLoss(), opt=optim.Adam, lr=1e-3)
    _replayed(info, 3)
    ag.manual_seed(0)
    model = Encoder(dropout=0.5)
    compiled = ag.compile(model)
    x = _data((4, 6, 16), 0)
    outs = [compiled(x)._data for _ in range(4)]
    assert compiled.explain()[0]["calls"]["replay"] == 2
    assert not np.array_equal(outs[2], outs[3])  # a new mask at every replay


class CubeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 4)

    def forward(self, x):
        return Cube.apply(self.fc(x)).tanh()


def test_custom_function():
    info = run_pair(CubeNet, lambda s: (_data((6, 5), s), _data((6, 4), s + 7)), nn.MSELoss(), lr=0.01)
    _replayed(info, 3)


def test_random_draws_outside_ops_run_eagerly_and_identically():
    """RReLU draws its noise outside the op: the call runs eagerly (one warning) and matches."""
    with pytest.warns(RuntimeWarning, match="random numbers were drawn outside an op"):
        info = run_pair(lambda: nn.Sequential(nn.Linear(6, 8), nn.RReLU(), nn.Linear(8, 2)),
                        lambda s: (_data((5, 6), s), _data((5, 2), s + 1)), nn.MSELoss(), lr=0.1)
    assert info[0]["state"] == "eager" and info[0]["calls"]["replay"] == 0


class LeNetDropout(LeNetBN):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return super().forward(self.drop(x))


def test_lenet_with_dropout():
    info = run_pair(LeNetDropout, lambda s: (_data((4, 1, 28, 28), s), _labels(4, 10, s)), nn.CrossEntropyLoss(),
                    lr=0.01, momentum=0.9, steps=6)
    _replayed(info, 2)


@pytest.mark.parametrize("name, opt, kw", [("mlp", optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
                                           ("lenet", optim.Adam, {"lr": 2e-3})])
def test_cli_models_as_autograd_train_runs_them(name, opt, kw):
    """`autograd train` compiles its model by default: the same numbers as eager, step by step."""
    from ag_cli import models

    shape = (1, 28, 28)
    info = run_pair(lambda: models.build(name, seed=0), lambda s: (_data((8, *shape), s), _labels(8, 10, s)),
                    nn.CrossEntropyLoss(label_smoothing=0.2), opt=opt, steps=6, **kw)
    _replayed(info, 2)
