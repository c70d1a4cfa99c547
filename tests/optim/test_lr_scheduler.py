"""Learning-rate schedulers: each one's lr over 30 steps equals its closed form
(epochs 0 to 30); the lecture notes' schedules; state_dict resume; chaining;
errors."""
import math
from bisect import bisect_right

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler as S

BASE = 0.1
N = 30


def make_opt(cls=optim.SGD, lrs=(BASE,), **kw):
    return cls([{"params": [ag.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs], **kw)


def sequence(sched, opt, n=N, metrics=None):
    """lr of group 0 at epochs 0..n; the optimizer's groups must agree with get_last_lr()."""
    out = [sched.get_last_lr()[0]]
    for t in range(n):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[t])
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        out.append(sched.get_last_lr()[0])
    return np.array(out)


def closed(f, n=N):
    return np.array([f(t) for t in range(n + 1)])


def check(make, f, n=N, rtol=1e-12):
    opt = make_opt()
    np.testing.assert_allclose(sequence(make(opt), opt, n), closed(f, n), rtol=rtol, atol=1e-15)


def test_lambda_lr():
    def f(t):
        return 1 / (1 + t) + 0.5 * (t % 3)

    check(lambda o: S.LambdaLR(o, f), lambda t: BASE * f(t))


def test_step_lr():
    check(lambda o: S.StepLR(o, step_size=7, gamma=0.5), lambda t: BASE * 0.5 ** (t // 7))


def test_multistep_lr_with_a_repeated_milestone():
    ms = [5, 12, 12, 20]
    check(lambda o: S.MultiStepLR(o, ms, gamma=0.3), lambda t: BASE * 0.3 ** bisect_right(ms, t))


def test_exponential_lr():
    check(lambda o: S.ExponentialLR(o, gamma=0.9), lambda t: BASE * 0.9 ** t)


def test_cosine_annealing_lr_and_beyond_t_max():
    """T_max = 10 over 30 epochs: down, up again, down (the cosine goes on)."""
    lo = 0.01
    check(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=lo),
          lambda t: lo + (BASE - lo) * (1 + math.cos(math.pi * t / 10)) / 2, rtol=1e-10)


@pytest.mark.parametrize("a, b, n", [(0.25, 1.0, 8), (1.0, 0.1, 12)])
def test_linear_lr(a, b, n):
    check(lambda o: S.LinearLR(o, start_factor=a, end_factor=b, total_iters=n),
          lambda t: BASE * (a + (b - a) * min(t, n) / n))


def one_cycle_closed(t, total, pct, max_lr, div, final_div, strategy, three_phase):
    lo0 = max_lr / div
    lo1 = lo0 / final_div

    def anneal(s, e, p):
        return e + (s - e) / 2 * (1 + math.cos(math.pi * p)) if strategy == "cos" else s + (e - s) * p

    up = pct * total - 1
    if three_phase:
        down = 2 * pct * total - 2
        phases = [(0, up, lo0, max_lr), (up, down, max_lr, lo0), (down, total - 1, lo0, lo1)]
    else:
        phases = [(0, up, lo0, max_lr), (up, total - 1, max_lr, lo1)]
    for i, (s, e, a, b) in enumerate(phases):
        if t <= e or i == len(phases) - 1:
            return anneal(a, b, (t - s) / (e - s))


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_lr(strategy, three_phase):
    total = N + 1
    opt = make_opt(momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=total, anneal_strategy=strategy,
                         three_phase=three_phase, div_factor=20.0, final_div_factor=100.0)
    got = sequence(sched, opt)
    want = closed(lambda t: one_cycle_closed(t, total, 0.3, 1.0, 20.0, 100.0, strategy, three_phase))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got.max() == pytest.approx(1.0, rel=0.05) and got[-1] == pytest.approx(1.0 / 20 / 100)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)  # momentum cycles back to max_momentum
    sched.step()  # epoch 31 = total_steps still extrapolates, as in PyTorch; one more raises
    with pytest.raises(ValueError, match="Tried to step 32 times"):
        sched.step()


def test_one_cycle_cycles_adams_beta1():
    opt = make_opt(optim.Adam)
    sched = S.OneCycleLR(opt, max_lr=0.01, epochs=2, steps_per_epoch=10, pct_start=0.5,
                         anneal_strategy="linear")
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)
    for _ in range(9):
        sched.step()
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.85)
    assert sched.get_last_lr()[0] == pytest.approx(0.01)


def test_sequential_lr_warmup_then_decay():
    opt = make_opt()
    warm = S.LinearLR(opt, start_factor=0.1, total_iters=5)
    decay = S.ExponentialLR(opt, gamma=0.9)
    sched = S.SequentialLR(opt, [warm, decay], milestones=[5])
    want = closed(lambda t: BASE * (0.1 + 0.9 * t / 5) if t < 5 else BASE * 0.9 ** (t - 5))
    np.testing.assert_allclose(sequence(sched, opt), want, rtol=1e-12)


def plateau_closed(t, k0, patience, cooldown, factor, min_lr):
    """Metrics improve until epoch k0, then stay flat: a reduction after
    patience + 1 bad epochs, then one every cooldown + patience + 1."""
    bad = t - k0
    k = 0 if bad <= patience else 1 + (bad - patience - 1) // (cooldown + patience + 1)
    return max(BASE * factor ** k, min_lr)


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("cooldown", [0, 2])
def test_reduce_lr_on_plateau(mode, cooldown):
    """The notes' performance scheduling: the validation error drops at each
    of epochs 1-7 (1.0 down to 0.4), then stops dropping; mode 'max' sees an
    accuracy rise from 0.1 to 0.7 instead."""
    if mode == "min":
        metrics = [max(1.0 - 0.1 * t, 0.4) for t in range(N)]  # epoch t + 1 sees metrics[t]
    else:
        metrics = [min(0.1 + 0.1 * t, 0.7) for t in range(N)]
    opt = make_opt()
    sched = S.ReduceLROnPlateau(opt, mode=mode, factor=0.5, patience=3, cooldown=cooldown, min_lr=0.002)
    want = closed(lambda t: plateau_closed(t, 7, 3, cooldown, 0.5, 0.002) if t else BASE)
    np.testing.assert_allclose(sequence(sched, opt, metrics=metrics), want, rtol=1e-12)


def test_reduce_lr_on_plateau_threshold_modes():
    opt = make_opt()
    rel = S.ReduceLROnPlateau(opt, threshold=0.1, threshold_mode="rel")
    assert rel.is_better(0.89, 1.0) and not rel.is_better(0.91, 1.0)
    ab = S.ReduceLROnPlateau(opt, mode="max", threshold=0.1, threshold_mode="abs")
    assert ab.is_better(1.11, 1.0) and not ab.is_better(1.09, 1.0)
    s = S.ReduceLROnPlateau(opt, patience=0)
    s.step(ag.tensor(1.0))  # a one-element tensor is a metric
    s.step(ag.tensor(1.0))
    assert s.get_last_lr() == [pytest.approx(0.01)]


# -- the lecture notes' schedules (002 §5.2.6) ------------------------------------------------------
def test_notes_piecewise_constant():
    """0.1 for epochs 1-100, 0.01 for 101-200, 0.001 for 201-300."""
    opt = make_opt()
    lrs = sequence(S.MultiStepLR(opt, milestones=[100, 200], gamma=0.1), opt, n=299)
    want = np.repeat([0.1, 0.01, 0.001], 100)
    np.testing.assert_allclose(lrs, want, rtol=1e-12)


def test_notes_exponential_schedule():
    """α(t) = α0 · 10^(-t/T): a factor 10 every T steps, by LambdaLR or ExponentialLR."""
    T = 10
    check(lambda o: S.LambdaLR(o, lambda t: 10 ** (-t / T)), lambda t: BASE * 10 ** (-t / T))
    check(lambda o: S.ExponentialLR(o, gamma=10 ** (-1 / T)), lambda t: BASE * 10 ** (-t / T), rtol=1e-10)


@pytest.mark.parametrize("c", [1.0, 0.5])
def test_notes_power_schedule(c):
    """α(t) = α0 (1 + t/T)^(-c)."""
    T = 5
    check(lambda o: S.LambdaLR(o, lambda t: (1 + t / T) ** -c), lambda t: BASE * (1 + t / T) ** -c)


# -- groups, chaining, state -------------------------------------------------------------------------
def test_each_group_follows_its_own_base_lr():
    opt = make_opt(lrs=(0.1, 0.4))
    sched = S.LambdaLR(opt, [lambda t: 0.5 ** t, lambda t: 1.0 / (t + 1)])
    for _ in range(4):
        sched.step()
    assert sched.get_last_lr() == [pytest.approx(0.1 / 16), pytest.approx(0.4 / 5)]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.4]


def test_two_schedulers_chain():
    opt = make_opt()
    step, expo = S.StepLR(opt, step_size=4, gamma=0.5), S.ExponentialLR(opt, gamma=0.95)
    lrs = []
    for _ in range(N):
        opt.step()
        step.step()
        expo.step()
        lrs.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(lrs, [BASE * 0.5 ** (t // 4) * 0.95 ** t for t in range(1, N + 1)], rtol=1e-12)


class Warmup:
    """A callable object: its attributes are saved by LambdaLR.state_dict."""

    def __init__(self, n):
        self.n = n

    def __call__(self, t):
        return min(1.0, (t + 1) / self.n)


MAKERS = {
    "LambdaLR": lambda o: S.LambdaLR(o, Warmup(8)),
    "StepLR": lambda o: S.StepLR(o, 6, 0.5),
    "CosineAnnealingLR": lambda o: S.CosineAnnealingLR(o, 12, 0.001),
    "LinearLR": lambda o: S.LinearLR(o, 0.2, 1.0, 15),
    "OneCycleLR": lambda o: S.OneCycleLR(o, 0.5, total_steps=N),
    "SequentialLR": lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=6), S.StepLR(o, 5, 0.5)],
                                             [6]),
    "ReduceLROnPlateau": lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_state_dict_resume(name):
    metrics = [1.0 / (1 + t) if t < 8 else 0.2 for t in range(N)]
    plateau = name == "ReduceLROnPlateau"
    opt = make_opt(momentum=0.9)
    full = sequence(MAKERS[name](opt), opt, metrics=metrics if plateau else None)

    opt = make_opt(momentum=0.9)
    sched = MAKERS[name](opt)
    first = sequence(sched, opt, n=12, metrics=metrics if plateau else None)
    saved_sched, saved_opt = sched.state_dict(), opt.state_dict()
    assert "optimizer" not in saved_sched

    opt2 = make_opt(momentum=0.9)
    sched2 = MAKERS[name](opt2)  # made first, then both states loaded (PyTorch's order)
    sched2.load_state_dict(saved_sched)
    opt2.load_state_dict(saved_opt)
    rest = sequence(sched2, opt2, n=N - 12, metrics=metrics[12:] if plateau else None)
    np.testing.assert_array_equal(np.concatenate([first, rest[1:]]), full)


def test_errors():
    opt = make_opt()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), 3)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        S.LambdaLR(opt, [abs, abs])
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        S.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor"):
        S.LinearLR(opt, end_factor=1.5)
    with pytest.raises(ValueError, match="total_steps OR"):
        S.OneCycleLR(opt, 0.1)
    with pytest.raises(ValueError, match="expected 1 values for max_lr, got 2"):
        S.OneCycleLR(opt, [0.1, 0.2], total_steps=10)
    with pytest.raises(ValueError, match="anneal_strategy"):
        S.OneCycleLR(opt, 0.1, total_steps=10, anneal_strategy="step")
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        S.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="one milestone fewer"):
        S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(opt, 3)], milestones=[])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        S.SequentialLR(opt, [S.StepLR(opt, 2), S.ReduceLROnPlateau(opt)], milestones=[3])
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(make_opt(), 3, last_epoch=4)
    with pytest.warns(UserWarning, match="deprecated"):
        S.StepLR(opt, 3).step(7)
