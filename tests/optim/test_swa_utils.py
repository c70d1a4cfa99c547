"""optim.swa_utils: AveragedModel (equal-weight and EMA averages, buffers,
state-dict keys), update_bn (cumulative BatchNorm statistics) and SWALR
(annealing to swa_lr), against numpy computations of the documented formulas."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from optim.swa_utils import SWALR, AveragedModel, get_ema_avg_fn, update_bn

RNG = np.random.default_rng(5)
X = RNG.standard_normal((16, 3))
Y = RNG.standard_normal((16, 2))


def make_model():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).double()
    return model


def train_and_average(avg, model, steps=6):
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    snapshots = []
    for _ in range(steps):
        opt.zero_grad()
        ((model(ag.tensor(X)) - ag.tensor(Y)) ** 2).mean().backward()
        opt.step()
        avg.update_parameters(model)
        snapshots.append([p._data.copy() for p in model.parameters()])
    return snapshots


def test_equal_weight_average_of_the_snapshots():
    model = make_model()
    avg = AveragedModel(model)
    snaps = train_and_average(avg, model)
    for i, p in enumerate(avg.parameters()):
        np.testing.assert_allclose(p._data, np.mean([s[i] for s in snaps], axis=0), rtol=1e-12, atol=1e-14)
    assert int(avg.n_averaged._data) == 6
    # buffers follow the model (use_buffers=False); the forward is the copy's
    for a, b in zip(avg.buffers(), model.buffers()):
        np.testing.assert_array_equal(a._data, b._data)
    avg.eval()
    assert not avg.training and avg.module.training is False
    np.testing.assert_array_equal(avg(ag.tensor(X))._data, avg.module(ag.tensor(X))._data)


def test_ema_average():
    model = make_model()
    avg = AveragedModel(model, avg_fn=get_ema_avg_fn(0.8))
    snaps = train_and_average(avg, model)
    for i, p in enumerate(avg.parameters()):
        want = snaps[0][i]
        for s in snaps[1:]:
            want = 0.8 * want + 0.2 * s[i]
        np.testing.assert_allclose(p._data, want, rtol=1e-12, atol=1e-14)


def test_use_buffers_averages_running_statistics():
    model = make_model()
    avg = AveragedModel(model, use_buffers=True)
    bn = model[1]
    means = []
    opt = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(4):
        opt.zero_grad()
        ((model(ag.tensor(X)) - ag.tensor(Y)) ** 2).mean().backward()
        opt.step()
        avg.update_parameters(model)
        means.append(bn.running_mean._data.copy())
    np.testing.assert_allclose(avg.module[1].running_mean._data, np.mean(means, axis=0), rtol=1e-12)
    assert int(avg.module[1].num_batches_tracked._data) == int(bn.num_batches_tracked._data)  # ints copied


def test_state_dict_keys_and_round_trip():
    model = make_model()
    avg = AveragedModel(model)
    train_and_average(avg, model, steps=3)
    sd = avg.state_dict()
    assert list(sd)[0] == "n_averaged"
    assert set(sd) == {"n_averaged"} | {f"module.{k}" for k in model.state_dict()}
    other = AveragedModel(make_model())
    other.load_state_dict(sd)
    assert int(other.n_averaged._data) == 3
    for a, b in zip(other.parameters(), avg.parameters()):
        np.testing.assert_array_equal(a._data, b._data)


def test_update_bn_gives_the_cumulative_statistics():
    model = make_model()
    avg = AveragedModel(model)
    train_and_average(avg, model, steps=2)
    batches = [ag.tensor(X[i:i + 4]) for i in range(0, 16, 4)]
    avg.eval()
    update_bn([(b, None) for b in batches], avg)
    assert not avg.training  # the mode is restored
    bn = avg.module[1]
    assert bn.momentum == 0.1
    with ag.no_grad():
        h = [avg.module[0](b)._data for b in batches]
    np.testing.assert_allclose(bn.running_mean._data, np.mean([a.mean(0) for a in h], axis=0), rtol=1e-10)
    np.testing.assert_allclose(bn.running_var._data, np.mean([a.var(0, ddof=1) for a in h], axis=0), rtol=1e-10)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("epochs", [5, 0])
def test_swalr_anneals_to_swa_lr(strategy, epochs):
    p = ag.zeros(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    sched = SWALR(opt, swa_lr=0.05, anneal_epochs=epochs, anneal_strategy=strategy)

    def a(x):
        return (1 - math.cos(math.pi * x)) / 2 if strategy == "cos" else x

    lrs = [sched.get_last_lr()[0]]
    for _ in range(12):
        opt.step()
        sched.step()
        assert sched.get_last_lr() == [opt.param_groups[0]["lr"]]
        lrs.append(sched.get_last_lr()[0])
    alpha = [a(min(1, t / epochs)) if epochs else 1.0 for t in range(13)]
    want = [0.05 * al + 0.5 * (1 - al) for al in alpha]
    if epochs == 0:
        want[0] = 0.05  # PyTorch: with no annealing the swa_lr applies at once
    np.testing.assert_allclose(lrs, want, rtol=1e-12)


def test_swalr_errors():
    opt = optim.SGD([ag.zeros(2, requires_grad=True)], lr=0.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        SWALR(opt, 0.05, anneal_strategy="step")
    with pytest.raises(ValueError, match="anneal_epochs"):
        SWALR(opt, 0.05, anneal_epochs=-1)
