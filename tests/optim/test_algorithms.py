"""Each optimizer, for each combination of its options, against a step-by-step
numpy implementation of the algorithm PyTorch documents for it, written here
from the documentation (not from optim/). The problem: two float64 parameters
(a 3x4 matrix and a 4-vector) and the loss Σ ½ h x² + sin x, whose gradient
is h x + cos x; the engine computes it by backward. Twelve steps, so that
RAdam passes its warm-up (ρ_t > 5 from step 6 with the default β2).
Tolerance 1e-10 relative: far inside the 1e-6 the issue asks for, and tight
enough to see where ε sits (several cases use a large ε).
"""
import math

import numpy as np
import pytest

import autograd_core as ag
import optim

RNG = np.random.default_rng(7)
X0 = [RNG.uniform(-2, 2, (3, 4)), RNG.uniform(-2, 2, 4)]
H = [RNG.uniform(0.5, 3, (3, 4)), RNG.uniform(0.5, 3, 4)]
STEPS = 12


def grad_np(x, h):
    return h * x + np.cos(x)


def run_ours(cls, kw, steps=STEPS):
    params = [ag.tensor(x.copy(), requires_grad=True) for x in X0]
    opt = cls(params, **kw)
    for _ in range(steps):
        opt.zero_grad()
        loss = sum(((0.5 * ag.tensor(h)) * p * p + ag.sin(p)).sum() for p, h in zip(params, H))
        loss.backward()
        opt.step()
    return [p._data for p in params]


def run_ref(update, kw, steps=STEPS):
    xs, states = [x.copy() for x in X0], [{}, {}]
    for t in range(1, steps + 1):
        xs = [update(x, grad_np(x, h), st, t, **kw) for x, h, st in zip(xs, H, states)]
    return xs


# -- the documented algorithms, one step of one parameter ------------------------------------------
def ref_sgd(x, g, st, t, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * x
    if momentum != 0:
        st["b"] = g.copy() if t == 1 else momentum * st["b"] + (1 - dampening) * g
        g = g + momentum * st["b"] if nesterov else st["b"]
    return x - lr * g


def ref_adagrad(x, g, st, t, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * x
    clr = lr / (1 + (t - 1) * lr_decay)
    st["s"] = st.get("s", np.full_like(x, initial_accumulator_value)) + g * g
    return x - clr * g / (np.sqrt(st["s"]) + eps)


def ref_rmsprop(x, g, st, t, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * x
    st["v"] = alpha * st.get("v", 0) + (1 - alpha) * g * g
    v = st["v"]
    if centered:
        st["ga"] = alpha * st.get("ga", 0) + (1 - alpha) * g
        v = v - st["ga"] ** 2
    if momentum > 0:
        st["b"] = momentum * st.get("b", 0) + g / (np.sqrt(v) + eps)
        return x - lr * st["b"]
    return x - lr * g / (np.sqrt(v) + eps)


def ref_adadelta(x, g, st, t, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * x
    st["v"] = rho * st.get("v", 0) + (1 - rho) * g * g
    delta = np.sqrt(st.get("u", 0) + eps) / np.sqrt(st["v"] + eps) * g
    st["u"] = rho * st.get("u", 0) + (1 - rho) * delta * delta
    return x - lr * delta


def _decay(x, g, lr, weight_decay, decoupled, maximize):
    """The Adam family's first lines: the sign for ``maximize``, then weight
    decay on the parameter (decoupled, AdamW) or on the gradient (L2)."""
    g = -g if maximize else g
    if decoupled:
        return x * (1 - lr * weight_decay), g
    return x, g + weight_decay * x


def _moments(st, g, b1, b2):
    """m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g²."""
    st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
    st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g


def ref_adam(x, g, st, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
             maximize=False, decoupled_weight_decay=False):
    b1, b2 = betas
    x, g = _decay(x, g, lr, weight_decay, decoupled_weight_decay, maximize)
    _moments(st, g, b1, b2)
    m_hat = st["m"] / (1 - b1 ** t)
    if amsgrad:
        st["vmax"] = np.maximum(st.get("vmax", 0), st["v"])
        v_hat = st["vmax"] / (1 - b2 ** t)
    else:
        v_hat = st["v"] / (1 - b2 ** t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps)


def ref_adamw(x, g, st, t, weight_decay=1e-2, **kw):
    return ref_adam(x, g, st, t, weight_decay=weight_decay, decoupled_weight_decay=True, **kw)


def ref_nadam(x, g, st, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    x, g = _decay(x, g, lr, weight_decay, decoupled_weight_decay, maximize)
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    st["prod"] = np.float32(st.get("prod", np.float32(1.0)) * np.float32(mu))  # float32 state, as PyTorch
    prod = float(st["prod"])
    _moments(st, g, b1, b2)
    v_hat = st["v"] / (1 - b2 ** t)
    den = np.sqrt(v_hat) + eps
    return x - lr * (1 - mu) / (1 - prod) * g / den - lr * mu_next / (1 - prod * mu_next) * st["m"] / den


def ref_radam(x, g, st, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    x, g = _decay(x, g, lr, weight_decay, decoupled_weight_decay, maximize)
    _moments(st, g, b1, b2)
    m_hat = st["m"] / (1 - b1 ** t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    if rho_t <= 5:
        return x - lr * m_hat
    r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
    adaptive = math.sqrt(1 - b2 ** t) / (np.sqrt(st["v"]) + eps)
    return x - lr * m_hat * r * adaptive


CASES = {
    optim.SGD: (ref_sgd, [
        {}, dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.5),
        dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=0.3),
        dict(lr=0.05, maximize=True),
        dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.2, maximize=True),
        dict(lr=0.05, momentum=0.7, dampening=0.2, weight_decay=0.1)]),
    optim.Adagrad: (ref_adagrad, [
        {}, dict(lr=0.3), dict(lr=0.3, lr_decay=0.1), dict(lr=0.3, weight_decay=0.2),
        dict(lr=0.3, initial_accumulator_value=0.5), dict(lr=0.3, eps=0.5), dict(lr=0.3, maximize=True),
        dict(lr=0.3, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.1, eps=0.2)]),
    optim.RMSprop: (ref_rmsprop, [
        {}, dict(lr=0.05, alpha=0.9), dict(lr=0.05, eps=0.3), dict(lr=0.05, weight_decay=0.2),
        dict(lr=0.02, momentum=0.8), dict(lr=0.02, centered=True), dict(lr=0.02, maximize=True),
        dict(lr=0.01, alpha=0.8, eps=0.1, weight_decay=0.1, momentum=0.5, centered=True, maximize=True)]),
    optim.Adadelta: (ref_adadelta, [
        {}, dict(lr=0.5, rho=0.8), dict(eps=0.01), dict(weight_decay=0.2), dict(maximize=True),
        dict(lr=2.0, rho=0.95, eps=1e-3, weight_decay=0.1)]),
    optim.Adam: (ref_adam, [
        {}, dict(lr=0.1), dict(lr=0.1, betas=(0.8, 0.9)), dict(lr=0.1, eps=0.5),
        dict(lr=0.1, weight_decay=0.3),
        dict(lr=0.1, amsgrad=True), dict(lr=0.1, maximize=True),
        dict(lr=0.1, weight_decay=0.3, decoupled_weight_decay=True),
        dict(lr=0.1, betas=(0.5, 0.7), amsgrad=True, weight_decay=0.2, maximize=True)]),
    optim.AdamW: (ref_adamw, [
        {}, dict(lr=0.1, weight_decay=0.3), dict(lr=0.1, amsgrad=True), dict(lr=0.1, maximize=True),
        dict(lr=0.1, betas=(0.7, 0.8), eps=0.1, weight_decay=0.5, amsgrad=True)]),
    optim.NAdam: (ref_nadam, [
        {}, dict(lr=0.05), dict(lr=0.05, momentum_decay=0.05), dict(lr=0.05, weight_decay=0.2),
        dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True), dict(lr=0.05, maximize=True),
        dict(lr=0.05, betas=(0.8, 0.9), eps=0.2)]),
    optim.RAdam: (ref_radam, [
        {}, dict(lr=0.05), dict(lr=0.05, betas=(0.9, 0.9)), dict(lr=0.05, weight_decay=0.2),
        dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True), dict(lr=0.05, maximize=True),
        dict(lr=0.05, eps=0.3, betas=(0.8, 0.99))]),
}
FUSED = (optim.SGD, optim.Adam, optim.AdamW)  # these run numba kernels too: check both paths
PARAMS = [pytest.param(cls, ref, kw, fused, id=f"{cls.__name__}-{kw}{'-numpy' if not fused else ''}")
          for cls, (ref, kws) in CASES.items() for kw in kws
          for fused in ((True, False) if cls in FUSED else (True,))]


@pytest.mark.parametrize("cls, ref, kw, fused", PARAMS)
def test_matches_documented_algorithm(cls, ref, kw, fused, kernel_set):
    kernel_set(fused)
    ours = run_ours(cls, kw)
    want = run_ref(ref, kw)
    for got, exp, x0 in zip(ours, want, X0):
        assert np.abs(exp - x0).max() > 1e-5  # the parameters moved
        np.testing.assert_allclose(got, exp, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", list(CASES))
def test_one_step_from_documented_algorithm(cls):
    """One step, each parameter: the first step is where state initialises."""
    ref, kws = CASES[cls]
    kw = kws[-1]
    for got, exp in zip(run_ours(cls, kw, steps=1), run_ref(ref, kw, steps=1)):
        np.testing.assert_allclose(got, exp, rtol=1e-10, atol=1e-12)


def test_radam_switches_on_the_adaptive_rate():
    """ρ_t crosses 5 within the twelve steps for the default β2, so both branches ran."""
    b2 = 0.999
    rho_inf = 2 / (1 - b2) - 1
    rho = [rho_inf - 2 * t * b2 ** t / (1 - b2 ** t) for t in range(1, STEPS + 1)]
    assert rho[0] <= 5 < rho[-1]


def test_sgd_momentum_buffer_on_first_step_is_the_gradient():
    """PyTorch starts the buffer at g itself, not at (1 - dampening) g."""
    p = ag.tensor([1.0, -2.0], dtype=ag.float64, requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.5)
    p.grad = ag.tensor([0.3, 0.4], dtype=ag.float64)
    opt.step()
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"]._data, [0.3 + 0.5, 0.4 - 1.0])
    np.testing.assert_allclose(p._data, [1.0 - 0.1 * 0.8, -2.0 + 0.1 * 0.6])


def test_param_groups_use_their_own_hyperparameters():
    w, b = (ag.tensor(x.copy(), requires_grad=True) for x in X0)
    opt = optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.2, "amsgrad": True}], lr=0.05)
    for _ in range(STEPS):
        opt.zero_grad()
        loss = sum(((0.5 * ag.tensor(h)) * p * p + ag.sin(p)).sum() for p, h in zip((w, b), H))
        loss.backward()
        opt.step()
    st_w, st_b = {}, {}
    xw, xb = X0[0].copy(), X0[1].copy()
    for t in range(1, STEPS + 1):
        xw = ref_adam(xw, grad_np(xw, H[0]), st_w, t, lr=0.05)
        xb = ref_adam(xb, grad_np(xb, H[1]), st_b, t, lr=0.2, amsgrad=True)
    np.testing.assert_allclose(w._data, xw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b._data, xb, rtol=1e-10, atol=1e-12)


DEFAULTS = {  # PyTorch 2.x's documented defaults
    optim.SGD: dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False),
    optim.Adagrad: dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                        maximize=False),
    optim.RMSprop: dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                        maximize=False),
    optim.Adadelta: dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False),
    optim.Adam: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
                     decoupled_weight_decay=False),
    optim.AdamW: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False,
                      decoupled_weight_decay=True),
    optim.NAdam: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                      decoupled_weight_decay=False, maximize=False),
    optim.RAdam: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                      maximize=False),
}


@pytest.mark.parametrize("cls", list(DEFAULTS), ids=lambda c: c.__name__)
def test_defaults_are_pytorchs(cls):
    opt = cls([ag.zeros(2, requires_grad=True)])
    assert {k: v for k, v in opt.defaults.items() if k != "foreach"} == DEFAULTS[cls]
    assert opt.param_groups[0]["lr"] == DEFAULTS[cls]["lr"]
