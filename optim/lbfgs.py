"""``LBFGS``: limited-memory BFGS with PyTorch's algorithm, step for step.

All parameters are seen as one flat vector x (the parameters' arrays
concatenated in group order); ``g`` is the flat gradient (zeros for a
parameter whose ``grad`` is None). ``step(closure)`` evaluates ``f, g =
closure()`` and, unless ``max|g| <= tolerance_grad``, runs up to ``max_iter``
iterations k = 1, 2, ...:

1. direction. At the very first iteration of the optimizer ``d = -g``, the
   history is empty and ``H_diag = 1``. Later, with ``y = g - g_prev`` and
   ``s = t d`` (the last step), the pair (s, y) joins the history (the oldest
   pair leaves once ``history_size`` are held) only if ``y·s > 1e-10``; then
   ``ρ = 1/(y·s)`` and ``H_diag = y·s / y·y``. The two-loop recursion gives
   ``d = -H g`` for the L-BFGS inverse Hessian H::

       q <- -g
       for i = newest .. oldest:   α_i = ρ_i s_i·q;   q <- q - α_i y_i
       r <- H_diag q
       for i = oldest .. newest:   β_i = ρ_i y_i·r;   r <- r + (α_i - β_i) s_i
       d <- r

2. step length. ``t = min(1, 1/|g|_1) · lr`` at the optimizer's first
   iteration (the first gradient may be badly scaled), ``t = lr`` after. If the
   directional derivative ``g·d > -tolerance_change`` the loop stops (d is not
   a descent direction).

3. move. Without a line search ``x <- x + t d`` and, unless this was the
   last allowed iteration, ``f, g`` are re-evaluated (one closure call). With
   ``line_search_fn='strong_wolfe'``, t is chosen by a line search satisfying
   the strong Wolfe conditions (sufficient decrease ``f(x + t d) <= f + c1 t
   g·d`` with c1 = 1e-4, curvature ``|g(x + t d)·d| <= -c2 g·d`` with c2 =
   0.9): a bracketing phase that extrapolates by cubic interpolation within
   ``[t + 0.01 (t - t_prev), 10 t]``, then a zoom phase that interpolates
   inside the bracket (with a safeguard keeping the trial point 10 % of the
   bracket away from its ends), at most 25 evaluations; then ``x <- x + t d``.

4. stop when ``max_iter`` iterations ran, the closure was called ``max_eval``
   times in this step (default ``max_iter · 5/4``), ``max|g| <=
   tolerance_grad``, ``max|t d| <= tolerance_change``, or ``|f - f_prev| <
   tolerance_change``.

The cubic interpolation of two points (x1, f1, g1), (x2, f2, g2) (value and
derivative) has its minimiser at ``x2 - (x2 - x1)(g2 + d2 - d1)/(g2 - g1 +
2 d2)`` with ``d1 = g1 + g2 - 3 (f1 - f2)/(x1 - x2)``, ``d2 = √(d1² - g1 g2)``
(for x1 <= x2), clamped to the bounds; if d1² < g1 g2 the cubic has no
minimiser and the midpoint of the bounds is taken.

State (kept with the first parameter, PyTorch's keys): ``func_evals``,
``n_iter``, ``d``, ``t``, ``old_dirs`` (the y's), ``old_stps`` (the s's),
``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss`` and, from the second
iteration on, ``al`` (the α's of the recursion). LBFGS takes a
single parameter group; ``step`` requires the closure and returns the loss of
its first evaluation.
"""
import copy

import numpy as np

from autograd_core.grad_mode import enable_grad, no_grad
from autograd_core.tensor import Tensor

from .optimizer import Optimizer, _grad_array


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to ``bounds``."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search along ``d`` from ``x`` (loss f, gradient g, slope gtd = g·d)
    for a step t satisfying the strong Wolfe conditions. ``obj_func(x, t, d)``
    returns the loss and flat gradient at x + t d. Returns ``(f_new, g_new, t,
    evaluations)``."""
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:  # bracketing phase
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    insuf_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:  # zoom phase
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # too close to an end of the bracket
            if insuf_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    """``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None)``;
    ``line_search_fn`` is None or ``'strong_wolfe'``. ``step(closure)``: the
    closure clears the gradients, computes the loss, calls ``backward`` and
    returns the loss; it is called several times per step."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}")
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    @property
    def _params(self):
        return self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # -- the flat vector view of the parameters --------------------------------------------------
    def _gather_flat_grad(self):
        return np.concatenate([_grad_array(p).ravel() if p.grad is not None
                               else np.zeros(p._data.size, p._data.dtype) for p in self._params])

    def _add_grad(self, t, d):
        """x <- x + t d, parameter by parameter (in place, versions bumped)."""
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += t * d[offset:offset + n].reshape(p._data.shape)
            p._vc[0] += 1
            offset += n

    def _clone_param(self):
        return [p._data.copy() for p in self._params]

    def _set_param(self, data):
        for p, a in zip(self._params, data):
            p._data[...] = a
            p._vc[0] += 1

    def _evaluate(self, closure):
        with enable_grad():
            loss = float(closure())
        return loss, self._gather_flat_grad()

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss, flat_grad = self._evaluate(closure)
        self._set_param(x)
        return loss, flat_grad

    # -- the step --------------------------------------------------------------------------------
    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations (module docstring); returns
        the loss the closure gave at the starting point."""
        if closure is None:
            raise RuntimeError("LBFGS.step requires a closure that re-evaluates the model and returns the loss")
        with no_grad():
            return self._step(closure)

    def _step(self, closure):
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t = _array(state.get("d")), state.get("t")
        old_dirs = [_array(v) for v in state.get("old_dirs", [])]
        old_stps = [_array(v) for v in state.get("old_stps", [])]
        ro = list(state.get("ro", []))
        H_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")
        al = state.get("al")  # made at the first two-loop recursion, as PyTorch's

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                num_old = len(old_dirs)
                if al is None:
                    al = [None] * history_size
                if len(al) < num_old:
                    al = al + [None] * (num_old - len(al))
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r = r + (al[i] - be_i) * old_stps[i]
                d = r
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._clone_param()

                def obj_func(x, step, direction):
                    return self._directional_evaluate(closure, x, step, direction)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(obj_func, x_init, t, d, loss, flat_grad, gtd)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss, flat_grad = self._evaluate(closure)
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=_tensor(d), t=t, old_dirs=[_tensor(v) for v in old_dirs],
                     old_stps=[_tensor(v) for v in old_stps], ro=ro, H_diag=H_diag,
                     prev_flat_grad=_tensor(prev_flat_grad), prev_loss=prev_loss)
        if al is not None:
            state["al"] = al
        return orig_loss

    # -- saving and loading ----------------------------------------------------------------------
    def load_state_dict(self, state_dict):
        """As ``Optimizer.load_state_dict``; the flat vectors (``d``,
        ``prev_flat_grad``, the history) are copied as they are (they have the
        length of all parameters together, not the first parameter's shape)."""
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError("an optimizer state dict is a dict with keys 'state' and 'param_groups'")
        super().load_state_dict({"state": {}, "param_groups": state_dict["param_groups"]})
        params = self._params
        for k, entries in state_dict["state"].items():
            if not 0 <= k < len(params):
                raise ValueError(f"loaded state dict has state for parameter {k}, which no group holds")
            self.state[params[k]] = {name: _load(v) for name, v in entries.items()}


def _array(v):
    """The numpy array of a state entry (a Tensor, as saved), or None."""
    return v._data if isinstance(v, Tensor) else v


def _tensor(a):
    return None if a is None else Tensor(a)


def _load(v):
    if isinstance(v, Tensor):
        return Tensor(v._data.copy())
    if isinstance(v, np.ndarray):
        return Tensor(v.copy())
    if isinstance(v, list):
        return [_load(x) for x in v]
    return copy.deepcopy(v)
