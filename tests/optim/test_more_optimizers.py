"""Adamax, ASGD and Rprop against step-by-step numpy implementations of the
algorithms PyTorch documents for them (written here from the documentation,
not from optim/), on the problem of test_algorithms.py (Σ ½ h x² + sin x,
float64, twelve steps, 1e-10 relative); PyTorch's defaults; a bit-for-bit
resume from state_dict; float32 stays float32."""

import numpy as np
import pytest

import autograd_core as ag
import optim

from .common import resume_from_save
from .test_algorithms import STEPS, X0, H, grad_np, run_ours, run_ref


def ref_adamax(x, g, st, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False):
    b1, b2 = betas
    g = -g if maximize else g
    g = g + weight_decay * x
    st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
    st["u"] = np.maximum(b2 * st.get("u", 0), np.abs(g) + eps)
    return x - lr / (1 - b1 ** t) * st["m"] / st["u"]


def ref_asgd(x, g, st, t, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False):
    """η and μ are float32 0-d tensors in PyTorch: their values are rounded to float32."""
    f32 = lambda v: float(np.float32(v))  # noqa: E731
    eta, mu = st.get("eta", f32(lr)), st.get("mu", 1.0)
    g = -g if maximize else g
    g = g + weight_decay * x
    x = x * (1 - lambd * eta) - eta * g
    st["ax"] = st.get("ax", np.zeros_like(x)) + mu * (x - st.get("ax", 0)) if mu != 1 else x.copy()
    st["eta"] = f32(lr / (1 + lambd * lr * t) ** alpha)
    st["mu"] = f32(1 / max(1, t - t0))
    return x


def ref_rprop(x, g, st, t, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    """PyTorch's code clips every step size to [s_min, s_max] at every step
    (its documented pseudo-code clips only the ones that change: the two
    differ only when lr lies outside the range; the last case pins that)."""
    g = -g if maximize else g
    prev = st.get("prev", np.zeros_like(x))
    s = st.get("s", np.full_like(x, lr))
    same, flipped = g * prev > 0, g * prev < 0
    s = np.where(same, s * etas[1], np.where(flipped, s * etas[0], s))
    s = np.clip(s, *step_sizes)
    g = np.where(flipped, 0.0, g)
    st["flips"] = st.get("flips", 0) + int(flipped.sum())
    st["prev"], st["s"] = g, s
    return x - np.sign(g) * s


CASES = {
    optim.Adamax: (ref_adamax, [
        {}, dict(lr=0.1), dict(lr=0.1, betas=(0.5, 0.8)), dict(lr=0.1, eps=0.5), dict(lr=0.1, weight_decay=0.3),
        dict(lr=0.1, maximize=True), dict(lr=0.05, betas=(0.7, 0.9), eps=0.1, weight_decay=0.2, maximize=True)]),
    optim.ASGD: (ref_asgd, [
        {}, dict(lr=0.1), dict(lr=0.1, lambd=0.05), dict(lr=0.1, alpha=0.5, lambd=0.1), dict(lr=0.1, t0=3),
        dict(lr=0.1, weight_decay=0.2), dict(lr=0.1, maximize=True),
        dict(lr=0.05, lambd=0.02, alpha=0.9, t0=4, weight_decay=0.1, maximize=True)]),
    optim.Rprop: (ref_rprop, [
        {}, dict(lr=0.1), dict(lr=0.3, etas=(0.3, 1.5)), dict(lr=0.3, step_sizes=(0.05, 0.4)),
        dict(lr=0.1, maximize=True), dict(lr=0.2, etas=(0.4, 1.1), step_sizes=(1e-3, 1.0), maximize=True),
        dict(lr=0.8, step_sizes=(1e-3, 0.3))]),
}
PARAMS = [pytest.param(cls, ref, kw, id=f"{cls.__name__}-{kw}") for cls, (ref, kws) in CASES.items() for kw in kws]


@pytest.mark.parametrize("cls, ref, kw", PARAMS)
def test_matches_documented_algorithm(cls, ref, kw):
    ours = run_ours(cls, kw)
    want = run_ref(ref, kw)
    for got, exp, x0 in zip(ours, want, X0):
        assert np.abs(exp - x0).max() > 1e-5  # the parameters moved
        np.testing.assert_allclose(got, exp, rtol=1e-10, atol=1e-12)


def test_asgd_average_is_the_documented_one():
    """With t0 = 3 the average starts moving away from θ after step 4; the ``ax`` state matches too."""
    kw = dict(lr=0.1, t0=3)
    params = [ag.tensor(x.copy(), requires_grad=True) for x in X0]
    opt = optim.ASGD(params, **kw)
    states = [{}, {}]
    xs = [x.copy() for x in X0]
    for t in range(1, STEPS + 1):
        opt.zero_grad()
        sum(((0.5 * ag.tensor(h)) * p * p + ag.sin(p)).sum() for p, h in zip(params, H)).backward()
        opt.step()
        xs = [ref_asgd(x, grad_np(x, h), st, t, **kw) for x, h, st in zip(xs, H, states)]
    for p, st in zip(params, states):
        np.testing.assert_allclose(opt.state[p]["ax"]._data, st["ax"], rtol=1e-10)
        assert np.abs(st["ax"] - p._data).max() > 1e-4  # a real average, not the last iterate
        assert opt.state[p]["eta"].dtype == np.float32 and opt.state[p]["mu"].item() == pytest.approx(1 / 9)


def test_rprop_cases_see_sign_changes():
    """The step-size shrink (and the pause that follows) ran in the Rprop cases."""
    states = [{}, {}]
    xs = [x.copy() for x in X0]
    for t in range(1, STEPS + 1):
        xs = [ref_rprop(x, grad_np(x, h), st, t, lr=0.3) for x, h, st in zip(xs, H, states)]
    assert sum(st["flips"] for st in states) > 0


DEFAULTS = {
    optim.Adamax: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False),
    optim.ASGD: dict(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False),
    optim.Rprop: dict(lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False),
}


@pytest.mark.parametrize("cls", list(DEFAULTS), ids=lambda c: c.__name__)
def test_defaults_are_pytorchs(cls):
    opt = cls([ag.zeros(2, requires_grad=True)])
    assert {k: v for k, v in opt.defaults.items() if k != "foreach"} == DEFAULTS[cls]


OPTIONS = {optim.Adamax: dict(lr=0.05, weight_decay=0.1), optim.ASGD: dict(lr=0.05, t0=2),
           optim.Rprop: dict(lr=0.05)}
STATE_KEYS = {optim.Adamax: {"step", "exp_avg", "exp_inf"}, optim.ASGD: {"step", "eta", "mu", "ax"},
              optim.Rprop: {"step", "prev", "step_size"}}


@pytest.mark.parametrize("cls", list(OPTIONS), ids=lambda c: c.__name__)
@pytest.mark.parametrize("as_numpy", [False, True], ids=["tensors", "arrays"])
def test_state_dict_resume_is_exact(cls, as_numpy):
    _, params, saved, opt2, fresh = resume_from_save(cls, OPTIONS[cls], as_numpy)
    assert set(saved["state"][0]) == STATE_KEYS[cls]
    for p, q in zip(params, fresh):
        np.testing.assert_array_equal(p._data, q._data)
        assert q.dtype == np.float32 and all(v.dtype == np.float32 for v in opt2.state[q].values())


@pytest.mark.parametrize("cls, kw", [(optim.Adamax, dict(lr=-1)), (optim.Adamax, dict(betas=(1.0, 0.9))),
                                     (optim.ASGD, dict(lr=-1)), (optim.Rprop, dict(etas=(1.5, 1.2))),
                                     (optim.Rprop, dict(lr=-0.1))])
def test_invalid_hyperparameters(cls, kw):
    with pytest.raises(ValueError):
        cls([ag.zeros(2, requires_grad=True)], **kw)
