"""Convergence: every optimizer minimises a convex quadratic; Adam and SGD
with momentum reach the minimum of the Rosenbrock function from the classic
start (-1.2, 1) within a stated number of steps. Gradients by the engine, float64."""
import numpy as np
import pytest

import autograd_core as ag
import optim

RNG = np.random.default_rng(3)
Q, _ = np.linalg.qr(RNG.standard_normal((5, 5)))
A = Q @ np.diag(np.linspace(1.0, 10.0, 5)) @ Q.T  # condition number 10
X_STAR = RNG.standard_normal(5)

# (optimizer, options, steps, ExponentialLR gamma or None): RMSprop and Adadelta
# hover at a distance proportional to the step size with a constant rate, so
# they get a decaying one, as one would use them.
QUADRATIC = [
    (optim.SGD, dict(lr=0.1), 200, None),
    (optim.SGD, dict(lr=0.05, momentum=0.9), 300, None),
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True), 200, None),
    (optim.Adagrad, dict(lr=0.5), 500, None),
    (optim.RMSprop, dict(lr=0.01), 1500, 0.998),
    (optim.Adadelta, dict(lr=1.0), 3000, 0.998),
    (optim.Adam, dict(lr=0.05), 500, None),
    (optim.Adam, dict(lr=0.05, amsgrad=True), 500, None),
    (optim.AdamW, dict(lr=0.05, weight_decay=0.0), 500, None),
    (optim.NAdam, dict(lr=0.02), 1000, None),
    (optim.RAdam, dict(lr=0.05), 500, None),
]


@pytest.mark.parametrize("cls, kw, steps, gamma", QUADRATIC,
                         ids=[f"{c.__name__}-{kw}" for c, kw, _, _ in QUADRATIC])
def test_convex_quadratic(cls, kw, steps, gamma):
    """f(x) = ½ (x - x*)ᵀ A (x - x*), from x = 0: within 1e-3 of x* in ``steps`` steps."""
    x = ag.zeros(5, dtype=ag.float64, requires_grad=True)
    a, x_star = ag.tensor(A), ag.tensor(X_STAR)
    opt = cls([x], **kw)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma) if gamma else None
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        d = x - x_star
        loss = 0.5 * (d * (a @ d)).sum()
        loss.backward()
        losses.append(loss.item())
        opt.step()
        if sched:
            sched.step()
    assert np.abs(x._data - X_STAR).max() < 1e-3
    assert losses[-1] < 1e-5 * losses[0]


def rosenbrock_steps(opt_factory, max_steps):
    """Steps until (x, y) is within 1e-3 of the minimum (1, 1) of
    f = (1 - x)² + 100 (y - x²)², or None."""
    p = ag.tensor([-1.2, 1.0], dtype=ag.float64, requires_grad=True)
    opt = opt_factory([p])
    for step in range(1, max_steps + 1):
        opt.zero_grad()
        x, y = p[0], p[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        opt.step()
        if np.abs(p._data - 1.0).max() < 1e-3:
            return step
    return None


def test_rosenbrock_adam():
    """Adam(lr=0.05) reaches the minimum within 2,000 steps (1,788 here)."""
    steps = rosenbrock_steps(lambda ps: optim.Adam(ps, lr=0.05), 2000)
    assert steps is not None and steps > 100


def test_rosenbrock_sgd_momentum():
    """SGD(lr=1e-3, momentum=0.9) reaches the minimum within 2,000 steps
    (1,553 here); plain SGD with the same rate does not."""
    steps = rosenbrock_steps(lambda ps: optim.SGD(ps, lr=1e-3, momentum=0.9), 2000)
    assert steps is not None and steps > 100
    assert rosenbrock_steps(lambda ps: optim.SGD(ps, lr=1e-3), 2000) is None
