"""The cost of a Jacobian by forward mode and by reverse mode.

For f: Rⁿ → Rᵐ the Jacobian J = ∂f/∂x (m × n) is built

- by forward mode, one column per pass: J[:, k] is the tangent of
  f(dual(x, e_k)), so n passes (each an evaluation of f carrying tangents);
- by reverse mode, one row per pass: after one recorded evaluation of f,
  J[i, :] = ag.grad(y, x, e_i), so m backward sweeps (``retain_graph``).

Each pass costs a small constant times one evaluation of f, so forward mode
wins when n < m and reverse mode when m < n: for a loss (m = 1) one reverse
sweep gives the whole gradient, which is why training uses reverse mode.
``jacobian_cost`` measures both on a sweep of n and m and returns rows (dicts)
for a table or a plot; ``format_table`` prints them. ``tools/ad_cost.py`` is
the command line.
"""
import math
import time

import numpy as np

from .engine import grad
from .forward import dual, unpack_dual
from .grad_mode import no_grad
from .tensor import Tensor

__all__ = ["jacobian_forward", "jacobian_reverse", "jacobian_cost", "format_table", "MODELS"]


def tanh_layer(n, m, rng, dtype=np.float64):
    """f(x) = tanh(W x + b) with W (m × n) and b (m,) drawn at random."""
    from .ops import tanh

    W = Tensor(rng.standard_normal((m, n)).astype(dtype) / math.sqrt(n))
    b = Tensor(rng.standard_normal(m).astype(dtype) * 0.1)
    return lambda x: tanh(W @ x + b)


def mlp(n, m, rng, dtype=np.float64, hidden=32):
    """f(x) = W₂ tanh(W₁ x + b₁) + b₂: a small MLP with one hidden layer."""
    from .ops import tanh

    W1 = Tensor(rng.standard_normal((hidden, n)).astype(dtype) / math.sqrt(n))
    b1 = Tensor(np.zeros(hidden, dtype))
    W2 = Tensor(rng.standard_normal((m, hidden)).astype(dtype) / math.sqrt(hidden))
    b2 = Tensor(np.zeros(m, dtype))
    return lambda x: W2 @ tanh(W1 @ x + b1) + b2


MODELS = {"tanh": tanh_layer, "mlp": mlp}


def jacobian_forward(f, x):
    """J (m × n) of f at the vector x by forward mode, and the number of passes (n)."""
    x = np.asarray(x)
    cols, passes = [], 0
    with no_grad():
        for k in range(x.size):
            e = np.zeros_like(x)
            e[k] = 1
            y, tangent = unpack_dual(f(dual(Tensor(x), e)))
            passes += 1
            cols.append(np.zeros(y.numel(), y.dtype) if tangent is None else tangent._data.reshape(-1))
    return np.stack(cols, axis=1), passes


def jacobian_reverse(f, x):
    """J (m × n) of f at the vector x by reverse mode, and the number of passes (m)."""
    xt = Tensor(np.array(x), requires_grad=True)
    y = f(xt)
    rows, passes = [], 0
    for i in range(y.numel()):
        e = np.zeros(y.numel(), y.dtype)
        e[i] = 1
        (g,) = grad(y, xt, Tensor(e.reshape(y.shape)), retain_graph=True, allow_unused=True)
        passes += 1
        rows.append(np.zeros(xt.numel(), xt.dtype) if g is None else g._data.reshape(-1))
    return np.stack(rows, axis=0), passes


def _timed(fn, f, x, repeats):
    """The result of the first of ``repeats`` runs of fn(f, x) and the best time."""
    best, result = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = fn(f, x)
        best = min(best, time.perf_counter() - t0)
        if result is None:
            result = r
    return result, best


def jacobian_cost(n_values, m_values, repeats=3, model="tanh", seed=0, dtype=np.float64):
    """For every (n, m) of the sweep, build the Jacobian of ``model`` (a name in
    ``MODELS`` or a callable ``make_f(n, m, rng, dtype)`` returning f) at a
    random x both ways; time each (best of ``repeats``). Returns one dict per
    (n, m): n, m, forward_passes, reverse_passes, forward_time, reverse_time
    (seconds), winner ('forward' or 'reverse'), speedup (slower / faster time)
    and max_abs_diff between the two Jacobians."""
    make_f = MODELS[model] if isinstance(model, str) else model
    if repeats < 1:
        raise ValueError(f"jacobian_cost: repeats must be at least 1, got {repeats}")
    rng = np.random.default_rng(seed)
    rows = []
    for n in n_values:
        for m in m_values:
            if n < 1 or m < 1:
                raise ValueError(f"jacobian_cost: sizes must be positive, got n={n}, m={m}")
            f = make_f(n, m, rng, dtype)
            x = rng.standard_normal(n).astype(dtype)
            (jf, pf), tf = _timed(jacobian_forward, f, x, repeats)
            (jr, pr), tr = _timed(jacobian_reverse, f, x, repeats)
            rows.append({"n": n, "m": m, "forward_passes": pf, "reverse_passes": pr,
                         "forward_time": tf, "reverse_time": tr,
                         "winner": "forward" if tf < tr else "reverse",
                         "speedup": max(tf, tr) / min(tf, tr),
                         "max_abs_diff": float(np.max(np.abs(jf - jr)))})
    return rows


def format_table(rows):
    """The rows of ``jacobian_cost`` as a Markdown table (times in ms)."""
    lines = ["|    n |    m | fwd passes | rev passes | fwd ms | rev ms | winner  | speedup |",
             "|-----:|-----:|-----------:|-----------:|-------:|-------:|:--------|--------:|"]
    for r in rows:
        lines.append(f"| {r['n']:4d} | {r['m']:4d} | {r['forward_passes']:10d} | {r['reverse_passes']:10d} "
                     f"| {r['forward_time'] * 1e3:6.2f} | {r['reverse_time'] * 1e3:6.2f} "
                     f"| {r['winner']:<7} | {r['speedup']:6.1f}x |")
    return "\n".join(lines)
