"""``optim.LBFGS`` against a numpy L-BFGS written here from PyTorch's documented
algorithm (two-loop recursion, first step min(1, 1/|g|_1)·lr, the stopping
rules, the strong-Wolfe line search with cubic interpolation), on a flat
vector: every point where the closure is evaluated, and every loss, agree to
1e-10 in float64 on the Rosenbrock function and on a least-squares problem,
with and without the line search. Then state_dict round trip, errors, and a
small time-series model (an MLP on lagged values of a noisy sine; ``nn.LSTM``
when it exists) trained with a closure.
"""
import copy
import math

import numpy as np
import pytest

import autograd_core as ag
import optim


# -- the reference: one flat vector x, fg(x) -> (f, g) -------------------------------------------
def cubic_min(a, fa, ga, b, fb, gb, lo=None, hi=None):
    """Minimiser of the cubic Hermite interpolant of (a, fa, ga), (b, fb, gb),
    clamped to [lo, hi] (default: the interval between a and b); the midpoint
    of [lo, hi] when the cubic has no minimiser."""
    if lo is None:
        lo, hi = min(a, b), max(a, b)
    theta = ga + gb - 3 * (fa - fb) / (a - b)
    disc = theta * theta - ga * gb
    if disc < 0:
        return (lo + hi) / 2
    w = math.sqrt(disc)
    if a <= b:
        x = b - (b - a) * ((gb + w - theta) / (gb - ga + 2 * w))
    else:
        x = a - (a - b) * ((ga + w - theta) / (ga - gb + 2 * w))
    return min(max(x, lo), hi)


class Evaluator:
    """Counts evaluations of f along x0 + t d."""

    def __init__(self, fg, x0, d):
        self.fg, self.x0, self.d, self.count = fg, x0, d, 0

    def __call__(self, t):
        self.count += 1
        f, g = self.fg(self.x0 + t * self.d)
        return f, g, float(g @ self.d)


def wolfe_search(fg, x, t, d, f0, g0, slope0, c1=1e-4, c2=0.9, tol=1e-9, max_ls=25):
    """Strong-Wolfe line search: returns (f, g, t, number of evaluations)."""
    phi = Evaluator(fg, x, d)
    dmax = float(np.max(np.abs(d)))
    f, g, s = phi(t)
    prev = (0.0, f0, g0, slope0)
    k = 0
    pts = None
    while k < max_ls:
        armijo_fails = f > f0 + c1 * t * slope0 or (k > 1 and f >= prev[1])
        if armijo_fails or (abs(s) > -c2 * slope0 and s >= 0):
            pts = [prev, (t, f, g, s)]
            break
        if abs(s) <= -c2 * slope0:
            return f, g, t, phi.count
        t_new = cubic_min(prev[0], prev[1], prev[3], t, f, s, lo=t + 0.01 * (t - prev[0]), hi=10 * t)
        prev = (t, f, g, s)
        t = t_new
        f, g, s = phi(t)
        k += 1
    if k == max_ls:  # no bracket found: the better of the start and the last trial point
        start, last = (0, f0, g0), (t, f, g)
        t, f, g = start if f0 <= f else last
        return f, g, t, phi.count
    # zoom: pts[lo] has the lower value, pts[hi] the other end
    lo = 0 if pts[0][1] <= pts[1][1] else 1
    stuck = False
    while k < max_ls:
        a, b = pts[0][0], pts[1][0]
        if abs(b - a) * dmax < tol:
            break
        t = cubic_min(a, pts[0][1], pts[0][3], b, pts[1][1], pts[1][3])
        left, right = min(a, b), max(a, b)
        margin = 0.1 * (right - left)
        if min(right - t, t - left) < margin:
            if stuck or not left < t < right:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                stuck = False
            else:
                stuck = True
        else:
            stuck = False
        f, g, s = phi(t)
        k += 1
        hi = 1 - lo
        if f > f0 + c1 * t * slope0 or f >= pts[lo][1]:
            pts[hi] = (t, f, g, s)
            lo = 0 if pts[0][1] <= pts[1][1] else 1
        else:
            if abs(s) <= -c2 * slope0:
                pts[lo] = (t, f, g, s)
                break
            if s * (pts[hi][0] - pts[lo][0]) >= 0:
                pts[hi] = pts[lo]
            pts[lo] = (t, f, g, s)
    t, f, g, _ = pts[lo]
    return f, g, t, phi.count


class RefLBFGS:
    """L-BFGS on a flat numpy vector; ``step(x)`` runs one optimizer step and returns the new x."""

    def __init__(self, fg, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        self.fg, self.lr, self.max_iter = fg, lr, max_iter
        self.max_eval = max_eval if max_eval is not None else max_iter * 5 // 4
        self.tol_g, self.tol_c, self.m, self.wolfe = tolerance_grad, tolerance_change, history_size, line_search_fn
        self.pairs = []  # (s, y, 1/(y·s)), oldest first
        self.total_iters = 0
        self.gamma = 1.0
        self.last = None  # (direction, step length, gradient) of the last iteration

    def direction(self, g):
        if self.total_iters == 1:
            self.pairs = []
            self.gamma = 1.0
            return -g
        d_old, t_old, g_old = self.last
        s, y = t_old * d_old, g - g_old
        if y @ s > 1e-10:
            self.pairs = (self.pairs + [(s, y, 1 / (y @ s))])[-self.m:]
            self.gamma = (y @ s) / (y @ y)
        q, alphas = -g, []
        for s_i, y_i, rho in reversed(self.pairs):
            a = rho * (s_i @ q)
            q = q - a * y_i
            alphas.append(a)
        r = self.gamma * q
        for (s_i, y_i, rho), a in zip(self.pairs, reversed(alphas)):
            r = r + (a - rho * (y_i @ r)) * s_i
        return r

    def step(self, x):
        f, g = self.fg(x)
        first_loss, evals = f, 1
        if np.max(np.abs(g)) <= self.tol_g:
            return x, first_loss
        for k in range(1, self.max_iter + 1):
            self.total_iters += 1
            d = self.direction(g)
            t = min(1.0, 1.0 / np.sum(np.abs(g))) * self.lr if self.total_iters == 1 else self.lr
            g_before, f_before = g, f
            slope = g @ d
            if slope > -self.tol_c:
                self.last = (d, t, g_before)
                break
            done = False
            if self.wolfe:
                f, g, t, n = wolfe_search(self.fg, x, t, d, f, g, slope)
                x = x + t * d
                evals += n
                done = np.max(np.abs(g)) <= self.tol_g
            else:
                x = x + t * d
                if k < self.max_iter:
                    f, g = self.fg(x)
                    evals += 1
                    done = np.max(np.abs(g)) <= self.tol_g
            self.last = (d, t, g_before)
            if k == self.max_iter or evals >= self.max_eval or done:
                break
            if np.max(np.abs(t * d)) <= self.tol_c or abs(f - f_before) < self.tol_c:
                break
        return x, first_loss


# -- the problems ------------------------------------------------------------------------------------
def rosen_np(x):
    a, b = x[:-1], x[1:]
    f = np.sum(100 * (b - a * a) ** 2 + (1 - a) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400 * a * (b - a * a) - 2 * (1 - a)
    g[1:] += 200 * (b - a * a)
    return float(f), g


def rosen_ag(params):
    (x,) = params
    a, b = x[:-1], x[1:]
    return (100 * (b - a * a) ** 2 + (1 - a) ** 2).sum()


RNG = np.random.default_rng(3)
A = RNG.standard_normal((12, 3))
Y = RNG.standard_normal((12, 2))


def lsq_np(x):
    """½|A W + b - Y|² over x = (W (3x2), b (2,), an unused (2,) parameter whose grad stays None)."""
    W, b = x[:6].reshape(3, 2), x[6:8]
    r = A @ W + b - Y
    g = np.concatenate([(A.T @ r).ravel(), r.sum(0), np.zeros(2)])
    return 0.5 * float(np.sum(r * r)), g


def lsq_ag(params):
    W, b, _ = params
    r = ag.tensor(A) @ W + b - ag.tensor(Y)
    return 0.5 * (r * r).sum()


PROBLEMS = {
    "rosenbrock": (rosen_np, rosen_ag, [np.array([-1.2, 1.0, -0.5, 0.8])]),
    "least_squares": (lsq_np, lsq_ag, [RNG.standard_normal((3, 2)), RNG.standard_normal(2), np.ones(2)]),
}


def run_ours(problem, kw, steps):
    _, loss_fn, x0 = PROBLEMS[problem]
    params = [ag.tensor(x.copy(), requires_grad=True) for x in x0]
    opt = optim.LBFGS(params, **kw)
    points, losses = [], []

    def closure():
        opt.zero_grad()
        points.append(np.concatenate([p._data.ravel() for p in params]))
        loss = loss_fn(params)
        loss.backward()
        return loss

    for _ in range(steps):
        losses.append(float(opt.step(closure)))
    return points, losses, np.concatenate([p._data.ravel() for p in params]), opt


def engine_fg(loss_fn, x0):
    """f and its gradient on a flat vector, computed by the engine: the
    reference then sees the optimizer's gradients bit for bit, so the iterates
    test the algorithm, not the rounding of two ways to differentiate (on
    Rosenbrock, L-BFGS amplifies a 1e-16 difference to 1e-8 within 60
    evaluations). ``test_engine_gradients_are_the_analytic_ones`` checks it."""
    shapes = [x.shape for x in x0]

    def fg(x):
        params, offset = [], 0
        for s in shapes:
            n = int(np.prod(s))
            params.append(ag.tensor(x[offset:offset + n].reshape(s).copy(), requires_grad=True))
            offset += n
        loss = loss_fn(params)
        loss.backward()
        return float(loss), np.concatenate([p.grad._data.ravel() if p.grad is not None else np.zeros(p._data.size)
                                            for p in params])
    return fg


def run_ref(problem, kw, steps):
    _, loss_fn, x0 = PROBLEMS[problem]
    fg = engine_fg(loss_fn, x0)
    points = []

    def recorded(x):
        points.append(x.copy())
        return fg(x)

    ref = RefLBFGS(recorded, **kw)
    x, losses = np.concatenate([a.ravel() for a in x0]), []
    for _ in range(steps):
        x, f = ref.step(x)
        losses.append(f)
    return points, losses, x


CASES = [
    ("rosenbrock", {}, 3), ("rosenbrock", dict(line_search_fn="strong_wolfe"), 3),
    ("rosenbrock", dict(lr=0.5, history_size=3, max_iter=7), 6),
    ("rosenbrock", dict(history_size=2, max_iter=5, line_search_fn="strong_wolfe"), 8),
    ("rosenbrock", dict(max_iter=1), 15), ("rosenbrock", dict(max_iter=1, line_search_fn="strong_wolfe"), 15),
    ("least_squares", {}, 2), ("least_squares", dict(line_search_fn="strong_wolfe"), 2),
    ("least_squares", dict(lr=0.3, history_size=2, max_iter=4), 5),
    ("least_squares", dict(max_eval=6, line_search_fn="strong_wolfe"), 3),
]


@pytest.mark.parametrize("problem, kw, steps", CASES, ids=[f"{p}-{kw}-{n}" for p, kw, n in CASES])
def test_same_iterates_as_reference(problem, kw, steps):
    ours, our_losses, x, _ = run_ours(problem, kw, steps)
    ref, ref_losses, x_ref = run_ref(problem, kw, steps)
    assert len(ours) == len(ref) and len(ref) >= steps  # the same number of evaluations: the same branches
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(our_losses, ref_losses, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x, x_ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_engine_gradients_are_the_analytic_ones(problem):
    fg_np, loss_fn, x0 = PROBLEMS[problem]
    fg = engine_fg(loss_fn, x0)
    for x in np.random.default_rng(1).standard_normal((5, sum(a.size for a in x0))):
        (f, g), (f_np, g_np) = fg(x), fg_np(x)
        np.testing.assert_allclose(f, f_np, rtol=1e-12)
        np.testing.assert_allclose(g, g_np, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", [{}, dict(line_search_fn="strong_wolfe")])
def test_rosenbrock_converges(kw):
    *_, x, _ = run_ours("rosenbrock", dict(max_iter=100, **kw), 5)
    np.testing.assert_allclose(x, np.ones(4), atol=1e-5)


def test_least_squares_solution():
    *_, x, _ = run_ours("least_squares", dict(line_search_fn="strong_wolfe", max_iter=50, tolerance_change=1e-15), 2)
    M = np.hstack([A, np.ones((12, 1))])
    sol = np.linalg.lstsq(M, Y, rcond=None)[0]
    np.testing.assert_allclose(x[:6].reshape(3, 2), sol[:3], atol=1e-6)
    np.testing.assert_allclose(x[6:8], sol[3], atol=1e-6)
    np.testing.assert_array_equal(x[8:], np.ones(2))  # the parameter without a gradient never moved


def test_cubic_interpolation_is_exact_on_a_cubic():
    from optim.lbfgs import _cubic_interpolate

    def f(t):
        return (t - 0.3) ** 2 * (t + 2)  # minimum at 0.3 (local), derivative (t-0.3)(3t+3.7)

    def df(t):
        return 2 * (t - 0.3) * (t + 2) + (t - 0.3) ** 2

    assert _cubic_interpolate(0.0, f(0.0), df(0.0), 1.0, f(1.0), df(1.0)) == pytest.approx(0.3, abs=1e-12)
    assert cubic_min(1.0, f(1.0), df(1.0), 0.0, f(0.0), df(0.0)) == pytest.approx(0.3, abs=1e-12)


@pytest.mark.parametrize("kw", [{}, dict(line_search_fn="strong_wolfe", history_size=4)])
def test_state_dict_round_trip_resumes_exactly(kw):
    """Three steps, save, three more; a fresh optimizer loaded from the save takes the same three."""
    _, loss_fn, x0 = PROBLEMS["rosenbrock"]

    def make():
        params = [ag.tensor(x.copy(), requires_grad=True) for x in x0]
        opt = optim.LBFGS(params, max_iter=3, **kw)

        def closure():
            opt.zero_grad()
            loss = loss_fn(params)
            loss.backward()
            return loss
        return params, opt, closure

    params, opt, closure = make()
    for _ in range(3):
        opt.step(closure)
    saved_x = params[0]._data.copy()
    sd = copy.deepcopy(opt.state_dict())
    assert set(sd["state"][0]) >= {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
                                   "prev_flat_grad", "prev_loss"}
    assert sd["param_groups"][0]["max_eval"] == 3 * 5 // 4
    for _ in range(3):
        opt.step(closure)
    params2, opt2, closure2 = make()
    params2[0]._data[...] = saved_x
    opt2.load_state_dict(sd)
    for _ in range(3):
        opt2.step(closure2)
    np.testing.assert_array_equal(params2[0]._data, params[0]._data)
    assert opt2.state[params2[0]]["n_iter"] == opt.state[params[0]]["n_iter"]


def test_errors_and_defaults():
    p = ag.zeros(2, requires_grad=True)
    opt = optim.LBFGS([p])
    assert {k: opt.defaults[k] for k in ("lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change",
                                         "history_size", "line_search_fn")} == dict(
        lr=1, max_iter=20, max_eval=25, tolerance_grad=1e-7, tolerance_change=1e-9, history_size=100,
        line_search_fn=None)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [p]}, {"params": [ag.zeros(1, requires_grad=True)]}])
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([p], line_search_fn="backtracking")
    with pytest.raises(RuntimeError, match="closure"):
        opt.step(None)


def test_stops_at_once_on_a_stationary_point():
    p = ag.tensor([1.0, 1.0, 1.0, 1.0], dtype=ag.float64, requires_grad=True)
    opt = optim.LBFGS([p])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = rosen_ag([p])
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 0.0
    assert len(calls) == 1 and p._data.tolist() == [1.0] * 4


@pytest.mark.parametrize("kind", ["mlp", "lstm"])
def test_time_series_model_trained_with_a_closure(kind):
    """The shape of PyTorch's time-sequence-prediction example: predict the
    next value of a noisy sine from a window, full batch, an LSTM (or an MLP)
    and a linear head, MSE, LBFGS(lr=0.8) with a closure."""
    import nn

    if kind == "lstm" and not hasattr(nn, "LSTM"):
        pytest.skip("nn.LSTM does not exist yet")
    rng = np.random.default_rng(0)
    series = np.sin(np.arange(240) * 0.1) + 0.01 * rng.standard_normal(240)
    window = 8
    X = np.stack([series[i:i + window] for i in range(len(series) - window)])
    y = series[window:, None]
    if hasattr(ag, "manual_seed"):
        ag.manual_seed(0)
    if kind == "lstm":
        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(1, 16, batch_first=True)
                self.head = nn.Linear(16, 1)

            def forward(self, x):
                out, _ = self.lstm(x.unsqueeze(-1))
                return self.head(out[:, -1])
        model = Model().double()
    else:
        model = nn.Sequential(nn.Linear(window, 32), nn.Tanh(), nn.Linear(32, 1)).double()
    xb, yb = ag.tensor(X), ag.tensor(y)
    loss_fn = nn.MSELoss()
    opt = optim.LBFGS(model.parameters(), lr=0.8, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        return loss

    with ag.no_grad():
        start = float(loss_fn(model(xb), yb))
    for _ in range(8):
        opt.step(closure)
    with ag.no_grad():
        end = float(loss_fn(model(xb), yb))
    assert end < 1e-3 < start
