"""MultiplicativeLR, ConstantLR, PolynomialLR, CyclicLR (three modes, a custom
scale, momentum cycling), CosineAnnealingWarmRestarts (stepped and jumped to
fractional epochs) and ChainedScheduler: each one's lr over 30 steps against
the closed form PyTorch documents for it; get_last_lr equals the groups'
rates at every step; state_dict resume; errors."""
import math

import numpy as np
import pytest

import optim
from optim import lr_scheduler as S

from .test_lr_scheduler import BASE, N, check, closed, make_opt, sequence


def test_multiplicative_lr():
    def f(t):
        return 0.95 if t % 2 else 0.9

    check(lambda o: S.MultiplicativeLR(o, f), lambda t: BASE * math.prod(f(k) for k in range(1, t + 1)))


def test_multiplicative_lr_per_group():
    opt = make_opt(lrs=(0.1, 0.2))
    sched = S.MultiplicativeLR(opt, [lambda t: 0.5, lambda t: 0.9])
    for _ in range(3):
        sched.step()
    assert sched.get_last_lr() == [pytest.approx(0.1 / 8), pytest.approx(0.2 * 0.9 ** 3)]


@pytest.mark.parametrize("factor, n", [(0.25, 7), (0.5, 1), (1 / 3, 5)])
def test_constant_lr(factor, n):
    check(lambda o: S.ConstantLR(o, factor=factor, total_iters=n), lambda t: BASE * (factor if t < n else 1.0))


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_polynomial_lr(power):
    n = 12
    check(lambda o: S.PolynomialLR(o, total_iters=n, power=power),
          lambda t: BASE * (1 - min(t, n) / n) ** power, rtol=1e-10)


def cyclic_closed(t, base, top, up, down, scale):
    """Position in the cycle: rising for ``up`` steps, falling for ``down``."""
    T = up + down
    cycle = t // T + 1
    pos = t - (cycle - 1) * T
    h = pos / up if pos <= up else 1 - (pos - up) / down
    return h * scale(cycle, t)


SCALES = {"triangular": lambda c, t: 1.0, "triangular2": lambda c, t: 0.5 ** (c - 1),
          "exp_range": lambda c, t: 0.97 ** t}


@pytest.mark.parametrize("mode", list(SCALES))
@pytest.mark.parametrize("up, down", [(4, None), (3, 7)])
def test_cyclic_lr(mode, up, down):
    lo, hi = 0.01, 0.1
    opt = make_opt(momentum=0.9)
    sched = S.CyclicLR(opt, base_lr=lo, max_lr=hi, step_size_up=up, step_size_down=down, mode=mode, gamma=0.97,
                       base_momentum=0.8, max_momentum=0.95)
    h = closed(lambda t: cyclic_closed(t, lo, hi, up, down or up, SCALES[mode]))
    momenta = [opt.param_groups[0]["momentum"]]
    lrs = [sched.get_last_lr()[0]]
    for _ in range(N):
        opt.step()
        sched.step()
        assert sched.get_last_lr() == [opt.param_groups[0]["lr"]]
        lrs.append(sched.get_last_lr()[0])
        momenta.append(opt.param_groups[0]["momentum"])
    np.testing.assert_allclose(lrs, lo + (hi - lo) * h, rtol=1e-12)
    np.testing.assert_allclose(momenta, 0.95 - (0.95 - 0.8) * h, rtol=1e-12)
    if mode != "exp_range":  # exp_range scales the first peak by gamma^up already
        assert max(lrs) == pytest.approx(hi)


def test_cyclic_lr_custom_scale_on_iterations_and_adams_beta1():
    opt = make_opt(optim.Adam, lrs=(0.5, 0.5))
    sched = S.CyclicLR(opt, base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=5, scale_fn=lambda x: 1 / (1 + x),
                       scale_mode="iterations")
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.02]  # the optimizer's lr is replaced by base_lr
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)  # max_momentum
    lrs = sequence(sched, opt)
    h = closed(lambda t: cyclic_closed(t, 0, 0, 5, 5, lambda c, t: 1 / (1 + t)))
    np.testing.assert_allclose(lrs, 0.01 + 0.19 * h, rtol=1e-12)
    np.testing.assert_allclose(opt.param_groups[1]["betas"][0], 0.9 - 0.1 * h[-1], rtol=1e-12)


def warm_restarts_closed(t, T_0, T_mult, lo):
    T_i, start = T_0, 0
    while t - start >= T_i:
        start += T_i
        T_i *= T_mult
    return lo + (BASE - lo) * (1 + math.cos(math.pi * (t - start) / T_i)) / 2


@pytest.mark.parametrize("T_0, T_mult", [(5, 1), (3, 2), (2, 3)])
def test_cosine_annealing_warm_restarts(T_0, T_mult):
    lo = 0.001
    check(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=T_0, T_mult=T_mult, eta_min=lo),
          lambda t: warm_restarts_closed(t, T_0, T_mult, lo), rtol=1e-10)


@pytest.mark.parametrize("T_0, T_mult", [(5, 1), (3, 2)])
def test_cosine_annealing_warm_restarts_fractional_epochs(T_0, T_mult):
    """PyTorch's recipe ``step(epoch + i / iters)``: the lr at a fractional epoch."""
    import warnings

    opt = make_opt()
    sched = S.CosineAnnealingWarmRestarts(opt, T_0=T_0, T_mult=T_mult)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation warning here, as in PyTorch
        for e in np.arange(0, 20, 0.25):
            sched.step(float(e))
            T_i, start = T_0, 0.0
            while e - start >= T_i:
                start += T_i
                T_i *= T_mult
            want = BASE * (1 + math.cos(math.pi * (e - start) / T_i)) / 2
            assert sched.get_last_lr()[0] == pytest.approx(want, rel=1e-10, abs=1e-15)
            assert sched.last_epoch == math.floor(e)


def test_chained_scheduler():
    """ConstantLR(0.1 for 2 steps) and ExponentialLR(0.9) at once: the product."""
    opt = make_opt()
    sched = S.ChainedScheduler([S.ConstantLR(opt, factor=0.1, total_iters=2), S.ExponentialLR(opt, gamma=0.9)])
    want = closed(lambda t: BASE * 0.9 ** t * (0.1 if t < 2 else 1.0))
    np.testing.assert_allclose(sequence(sched, opt), want, rtol=1e-12)


def test_sequential_constant_then_polynomial():
    opt = make_opt()
    sched = S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.5, total_iters=4), S.PolynomialLR(opt, total_iters=10)],
                           milestones=[4])
    want = closed(lambda t: BASE * 0.5 if t < 4 else BASE * (1 - min(t - 4, 10) / 10))
    np.testing.assert_allclose(sequence(sched, opt), want, rtol=1e-12, atol=1e-15)


class Halve:
    def __init__(self, k):
        self.k = k

    def __call__(self, t):
        return 0.5 if t % self.k == 0 else 1.0


MAKERS = {
    "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, Halve(4)),
    "ConstantLR": lambda o: S.ConstantLR(o, 0.2, 15),
    "PolynomialLR": lambda o: S.PolynomialLR(o, 20, 2.0),
    "CyclicLR": lambda o: S.CyclicLR(o, 0.01, 0.1, 4, 5, mode="triangular2"),
    "CyclicLR-custom": lambda o: S.CyclicLR(o, 0.01, 0.1, 4, scale_fn=Halve(3)),
    "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(o, 3, 2, 0.001),
    "ChainedScheduler": lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.5, 14), S.ExponentialLR(o, 0.95)]),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_state_dict_resume(name):
    opt = make_opt(momentum=0.9)
    full = sequence(MAKERS[name](opt), opt)
    opt = make_opt(momentum=0.9)
    sched = MAKERS[name](opt)
    first = sequence(sched, opt, n=12)
    saved_sched, saved_opt = sched.state_dict(), opt.state_dict()
    assert "optimizer" not in saved_sched
    opt2 = make_opt(momentum=0.9)
    sched2 = MAKERS[name](opt2)
    sched2.load_state_dict(saved_sched)
    opt2.load_state_dict(saved_opt)
    rest = sequence(sched2, opt2, n=N - 12)
    np.testing.assert_array_equal(np.concatenate([first, rest[1:]]), full)


def test_closed_forms_when_jumping_to_an_epoch():
    """``step(epoch)`` (deprecated) uses the closed forms."""
    for make, f in [(lambda o: S.ConstantLR(o, 0.25, 6), lambda t: BASE * (0.25 if t < 6 else 1)),
                    (lambda o: S.PolynomialLR(o, 8, 2.0), lambda t: BASE * (1 - min(t, 8) / 8) ** 2)]:
        opt = make_opt()
        sched = make(opt)
        for e in (3, 7, 5, 12):
            with pytest.warns(UserWarning, match="deprecated"):
                sched.step(e)
            assert sched.get_last_lr()[0] == pytest.approx(f(e), abs=1e-15)


def test_errors():
    opt = make_opt()
    with pytest.raises(ValueError, match="between 0 and 1"):
        S.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode is invalid"):
        S.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")
    with pytest.raises(ValueError, match="must support momentum"):
        S.CyclicLR(make_opt(optim.Adagrad), 0.01, 0.1)
    S.CyclicLR(make_opt(optim.Adagrad), 0.01, 0.1, cycle_momentum=False)
    with pytest.raises(ValueError, match="expected 1 values for max_lr"):
        S.CyclicLR(opt, 0.01, [0.1, 0.2])
    with pytest.raises(ValueError, match="T_0"):
        S.CosineAnnealingWarmRestarts(opt, 0)
    with pytest.raises(ValueError, match="T_mult"):
        S.CosineAnnealingWarmRestarts(opt, 3, T_mult=1.5)
    with pytest.raises(ValueError, match="non-negative epoch"):
        S.CosineAnnealingWarmRestarts(opt, 3).step(-1)
    with pytest.raises(ValueError, match="at least one scheduler"):
        S.ChainedScheduler([])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="same optimizer"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(make_opt(), 2)])
