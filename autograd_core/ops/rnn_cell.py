"""Fused LSTM ops: ``lstm_step`` (one graph node per time step and layer) and
``lstm_layer`` (one node for a whole direction of a layer over a full-length
batch; see ``LSTMLayer``).

``lstm_step(xg, h, c, w_hh)`` takes the input part of the gate
pre-activations ``xg = x W_ihᵀ + b_ih + b_hh`` (computed for every time step
at once by the caller), the previous state ``(h, c)`` and the recurrent
weight ``W_hh`` of shape (4H, P) (P = H, or the projection size), and returns
``(h̃, c')`` with PyTorch's gate order i, f, g, o:

    a = xg + h W_hhᵀ                        (one matmul; a = [a_i a_f a_g a_o])
    i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
    c' = f ⊙ c + i ⊙ g
    h̃ = o ⊙ tanh(c')                        (the caller projects: h' = h̃ W_hrᵀ)

Backward (ḡ_h = h̃̄, ḡ_c = c̄', τ = tanh(c')):

    c̄ₜ = ḡ_c + ḡ_h ⊙ o ⊙ (1 − τ²)            (total gradient reaching c')
    ā_i = c̄ₜ ⊙ g ⊙ i(1 − i)     ā_f = c̄ₜ ⊙ c ⊙ f(1 − f)
    ā_g = c̄ₜ ⊙ i ⊙ (1 − g²)     ā_o = ḡ_h ⊙ τ ⊙ o(1 − o)
    x̄g = ā    h̄ = ā W_hh    c̄ = c̄ₜ ⊙ f    W̄_hh = āᵀ h

Under ``create_graph`` it is written with Tensor operations, the gates
recomputed from the saved inputs, so the gradient is itself differentiable
(second derivatives are right). Without ``create_graph`` no graph is built
from it, and the same formulas run on numpy arrays with the gates forward
saved (one node's worth of Python instead of some thirty ops); a test checks
both paths against the gates written as separate Tensor ops.

Forward mode (jvp), with ȧ = ẋg + ḣ W_hhᵀ + h Ẇ_hhᵀ:

    ċ' = ḟ ⊙ c + f ⊙ ċ + i̇ ⊙ g + i ⊙ ġ,  i̇ = i(1 − i) ȧ_i, ..., ġ = (1 − g²) ȧ_g
    h̃̇ = ȯ ⊙ τ + o ⊙ (1 − τ²) ⊙ ċ'
"""
import numpy as np

from ..function import Op
from ..grad_mode import _state
from ..tensor import Tensor
from .join import cat, stack


def _gates_tensors(xg, h, c, w):
    """The gates and the new cell state from Tensors, with Tensor operations."""
    a = xg + h.matmul(w.t())
    ai, af, ag_, ao = a.chunk(4, -1)
    i, f, g, o = ai.sigmoid(), af.sigmoid(), ag_.tanh(), ao.sigmoid()
    c2 = f * c + i * g
    return i, f, g, o, c2.tanh()


_AFFINE = {}


def _gate_affine(hs, dtype):
    """(scale, shift) rows: 1/2 and 1/2 on the σ blocks (i, f, o), 1 and 0 on g."""
    key = (hs, dtype)
    if key not in _AFFINE:
        scale = np.full(4 * hs, 0.5, dtype)
        scale[2 * hs:3 * hs] = 1
        shift = scale.copy()
        shift[2 * hs:3 * hs] = 0
        _AFFINE[key] = (scale, shift)
    return _AFFINE[key]


def _transpose(w):
    """Wᵀ in row-major memory: a product with few rows (the batch) runs about
    twice as fast in BLAS with it than with the transposed view (measured)."""
    return np.ascontiguousarray(w.T)


def _step_arrays(xg, h, c, wt):
    """One step on arrays, ``wt`` = W_hhᵀ: ``(h̃, c', gates [i f g o], tanh c')``."""
    ifo = h @ wt  # becomes the gates i, f, g, o side by side
    ifo += xg
    hs = ifo.shape[-1] // 4
    scale, shift = _gate_affine(hs, ifo.dtype)
    ifo *= scale  # σ(a) = tanh(a/2)/2 + 1/2 on the i, f, o blocks, tanh(a) on g: four passes
    np.tanh(ifo, out=ifo)
    ifo *= scale
    ifo += shift
    i, f, g, o = ifo[:, :hs], ifo[:, hs:2 * hs], ifo[:, 2 * hs:3 * hs], ifo[:, 3 * hs:]
    c2 = f * c
    c2 += i * g
    tc = np.tanh(c2)
    return o * tc, c2, ifo, tc


def _backward_arrays(need, gh, gc, h, c, w, ifo, tc):
    """The backward formulas on numpy arrays (no graph is built without create_graph)."""
    da, dc = _step_back(gh, gc, c, ifo, tc)
    return (Tensor(da) if need[0] else None,
            Tensor(da @ w) if need[1] else None,
            Tensor(dc) if need[2] else None,
            Tensor(da.T @ h) if need[3] else None)


def _step_back(gh, gc, c, ifo, tc):
    """``(ā, c̄)`` of one step on arrays, from the gradients of h̃ and c'."""
    hs = ifo.shape[-1] // 4
    i, f, g, o = ifo[:, :hs], ifo[:, hs:2 * hs], ifo[:, 2 * hs:3 * hs], ifo[:, 3 * hs:]
    ct = 1 - tc * tc
    ct *= o
    ct *= gh
    ct += gc
    da = np.empty_like(ifo)
    np.multiply(ct, g, out=da[:, :hs])
    da[:, :hs] *= i * (1 - i)
    np.multiply(ct, c, out=da[:, hs:2 * hs])
    da[:, hs:2 * hs] *= f * (1 - f)
    np.multiply(ct, i, out=da[:, 2 * hs:3 * hs])
    da[:, 2 * hs:3 * hs] *= 1 - g * g
    np.multiply(gh, tc, out=da[:, 3 * hs:])
    da[:, 3 * hs:] *= o * (1 - o)
    ct *= f
    return da, ct


class LSTMStep(Op):
    """One LSTM time step (see the module docstring for the maths)."""

    @staticmethod
    def forward(ctx, xg, h, c, w):
        h2, c2, ifo, tc = _step_arrays(xg, h, c, _transpose(w))
        ctx.save_for_backward(xg, h, c, w, ifo, tc)
        return h2, c2

    @staticmethod
    def backward(ctx, gh, gc):
        xg, h, c, w, ifo, tc = ctx.saved_tensors
        if not _state.grad:  # no create_graph: the same formulas on the arrays, in place
            return _backward_arrays(ctx.needs_input_grad, gh._data, gc._data, h._data, c._data, w._data,
                                    ifo._data, tc._data)
        i, f, g, o, tc = _gates_tensors(xg, h, c, w)  # create_graph: gates as functions of the inputs
        ct = gc + gh * o * (1 - tc * tc)
        da = cat([ct * g * i * (1 - i), ct * c * f * (1 - f), ct * i * (1 - g * g),
                  gh * tc * o * (1 - o)], -1)
        need = ctx.needs_input_grad
        return (da if need[0] else None,
                da.matmul(w) if need[1] else None,
                ct * f if need[2] else None,
                da.t().matmul(h) if need[3] else None)

    @staticmethod
    def jvp(ctx, txg, th, tc_, tw):
        xg, h, c, w, ifo, tc = ctx.saved_tensors
        i, f, g, o = ifo.chunk(4, -1)
        da = txg + th.matmul(w.t()) + h.matmul(tw.t())
        dai, daf, dag, dao = da.chunk(4, -1)
        di, df, dg, do = dai * i * (1 - i), daf * f * (1 - f), dag * (1 - g * g), dao * o * (1 - o)
        dc2 = df * c + f * tc_ + di * g + i * dg
        return do * tc + o * (1 - tc * tc) * dc2, dc2


def lstm_step(xg, h, c, w_hh):
    """``(h̃, c')`` of one LSTM step from the input gate part ``xg`` (B, 4H),
    the state ``h`` (B, P), ``c`` (B, H) and ``w_hh`` (4H, P)."""
    for name, t in (("xg", xg), ("h", h), ("c", c), ("w_hh", w_hh)):
        if not isinstance(t, Tensor) or t.ndim != 2:
            raise ValueError(f"lstm_step: {name} must be a 2-D Tensor, got {getattr(t, 'shape', t)}")
    return LSTMStep.apply(xg, h, c, w_hh)


class LSTMLayer(Op):
    """A whole LSTM direction (no projection, every sequence of full length)
    as one node: ``(xg (T, B, 4H), h_0, c_0, W_hh, reverse) -> (out (T, B, H),
    h_T, c_T)``. Forward and backward loop over the steps with the formulas
    of ``LSTMStep``; backward runs them from the last step to the first,
    h̄ₜ = ōutₜ + ā_{t+1} W_hh and c̄ₜ = c̄ₜ₊₁ᵗ ⊙ f_{t+1}, and the weight's
    gradient is one product over all steps, W̄_hh = Σₜ āₜᵀ h_{t−1}.
    ``reverse`` runs the steps from T−1 down to 0 (the backward direction)."""

    @staticmethod
    def forward(ctx, xg, h0, c0, w, reverse):
        steps = xg.shape[0]
        ts = range(steps - 1, -1, -1) if reverse else range(steps)
        out = np.empty(xg.shape[:2] + (w.shape[1],), np.result_type(xg, h0, w))
        gates, cs, tcs = np.empty(xg.shape, out.dtype), np.empty(out.shape, out.dtype), np.empty(out.shape,
                                                                                                  out.dtype)
        h, c, wt = h0, c0, _transpose(w)
        for t in ts:
            h, c, gates[t], tcs[t] = _step_arrays(xg[t], h, c, wt)
            out[t], cs[t] = h, c
        ctx.reverse = reverse
        ctx.save_for_backward(xg, h0, c0, w, gates, cs, tcs, out)
        return out, out[ts[-1]].copy(), cs[ts[-1]].copy()

    @staticmethod
    def backward(ctx, gout, gh, gc):
        xg, h0, c0, w, gates, cs, tcs, out = ctx.saved_tensors
        steps = xg.shape[0]
        ts = list(range(steps - 1, -1, -1) if ctx.reverse else range(steps))
        need = ctx.needs_input_grad
        if _state.grad:  # create_graph: the same recursion in Tensor operations
            return _layer_backward_tensors(ts, need, xg, h0, c0, w, gout, gh, gc)
        gates, cs, tcs, out, w_ = gates._data, cs._data, tcs._data, out._data, w._data
        dh, dc = gh._data.copy(), gc._data.copy()
        gout = gout._data
        da = np.empty(gates.shape, gates.dtype)
        prev = np.empty(out.shape, out.dtype)  # h_{t−1} of each step, for W̄_hh
        for k in range(len(ts) - 1, -1, -1):
            t = ts[k]
            dh += gout[t]
            c_prev = c0._data if k == 0 else cs[ts[k - 1]]
            prev[t] = h0._data if k == 0 else out[ts[k - 1]]
            da[t], dc = _step_back(dh, dc, c_prev, gates[t], tcs[t])
            dh = da[t] @ w_
        dw = None
        if need[3]:
            dw = da.reshape(-1, da.shape[-1]).T @ prev.reshape(-1, prev.shape[-1])
        return (Tensor(da) if need[0] else None, Tensor(dh) if need[1] else None,
                Tensor(dc) if need[2] else None, None if dw is None else Tensor(dw), None)

    @staticmethod
    def jvp(ctx, txg, th0, tc0, tw, _):
        xg, h0, c0, w, gates, cs, tcs, out = ctx.saved_tensors
        steps = xg.shape[0]
        ts = list(range(steps - 1, -1, -1) if ctx.reverse else range(steps))
        dh, dc = th0, tc0
        douts = [None] * steps
        for k, t in enumerate(ts):
            h_prev = h0 if k == 0 else out[ts[k - 1]]
            c_prev = c0 if k == 0 else cs[ts[k - 1]]
            i, f, g, o = gates[t].chunk(4, -1)
            tc = tcs[t]
            da = txg[t] + dh.matmul(w.t()) + h_prev.matmul(tw.t())
            dai, daf, dag, dao = da.chunk(4, -1)
            dc = daf * f * (1 - f) * c_prev + f * dc + dai * i * (1 - i) * g + i * dag * (1 - g * g)
            dh = dao * o * (1 - o) * tc + o * (1 - tc * tc) * dc
            douts[t] = dh
        return stack(douts, 0), dh, dc


def _layer_backward_tensors(ts, need, xg, h0, c0, w, gout, gh, gc):
    """``LSTMLayer``'s backward in Tensor operations (for create_graph)."""
    h, c = h0, c0
    saved = {}
    for t in ts:  # the forward again, as functions of the inputs
        i, f, g, o, tc = _gates_tensors(xg[t], h, c, w)
        saved[t] = (i, f, g, o, tc, h, c)
        c = f * c + i * g
        h = o * tc
    dh, dc, dw = gh, gc, None
    das = [None] * len(ts)
    for t in reversed(ts):
        i, f, g, o, tc, h_prev, c_prev = saved[t]
        dh = dh + gout[t]
        ct = dc + dh * o * (1 - tc * tc)
        da = cat([ct * g * i * (1 - i), ct * c_prev * f * (1 - f), ct * i * (1 - g * g),
                  dh * tc * o * (1 - o)], -1)
        das[t] = da
        dc = ct * f
        dh = da.matmul(w)
        if need[3]:
            term = da.t().matmul(h_prev)
            dw = term if dw is None else dw + term
    return (stack(das, 0) if need[0] else None, dh if need[1] else None, dc if need[2] else None,
            dw, None)


def lstm_layer(xg, h0, c0, w_hh, reverse=False):
    """``(out, h_T, c_T)`` of a whole LSTM direction over ``xg`` (T, B, 4H)."""
    if xg.ndim != 3 or h0.ndim != 2 or c0.ndim != 2 or w_hh.ndim != 2:
        raise ValueError(f"lstm_layer: expected xg (T, B, 4H), h0, c0 (B, H), w_hh (4H, H); got "
                         f"{tuple(xg.shape)}, {tuple(h0.shape)}, {tuple(c0.shape)}, {tuple(w_hh.shape)}")
    return LSTMLayer.apply(xg, h0, c0, w_hh, bool(reverse))

