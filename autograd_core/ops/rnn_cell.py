"""The fused LSTM step: one graph node per time step and layer.

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
from .join import cat


def _sigmoid(a):
    """σ(a) = (1 + tanh(a/2)) / 2: no overflow for large |a|."""
    out = np.tanh(a * 0.5)
    out += 1
    out *= 0.5
    return out


def _gates_tensors(xg, h, c, w):
    """The gates and the new cell state from Tensors, with Tensor operations."""
    a = xg + h.matmul(w.t())
    ai, af, ag_, ao = a.chunk(4, -1)
    i, f, g, o = ai.sigmoid(), af.sigmoid(), ag_.tanh(), ao.sigmoid()
    c2 = f * c + i * g
    return i, f, g, o, c2.tanh()


def _backward_arrays(need, gh, gc, h, c, w, ifo, tc):
    """The backward formulas on numpy arrays (no graph is built without create_graph)."""
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
    return (Tensor(da) if need[0] else None,
            Tensor(da @ w) if need[1] else None,
            Tensor(ct * f) if need[2] else None,
            Tensor(da.T @ h) if need[3] else None)


class LSTMStep(Op):
    """One LSTM time step (see the module docstring for the maths)."""

    @staticmethod
    def forward(ctx, xg, h, c, w):
        a = h @ w.T
        a += xg
        hs = a.shape[-1] // 4
        ifo = np.empty_like(a)  # i, f and o in place of the four blocks' slots (g's slot: g)
        ifo[:, :2 * hs] = _sigmoid(a[:, :2 * hs])
        ifo[:, 2 * hs:3 * hs] = np.tanh(a[:, 2 * hs:3 * hs])
        ifo[:, 3 * hs:] = _sigmoid(a[:, 3 * hs:])
        i, f, g, o = ifo[:, :hs], ifo[:, hs:2 * hs], ifo[:, 2 * hs:3 * hs], ifo[:, 3 * hs:]
        c2 = f * c
        c2 += i * g
        tc = np.tanh(c2)
        h2 = o * tc
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
