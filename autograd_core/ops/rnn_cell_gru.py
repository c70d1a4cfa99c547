"""Fused GRU and Elman RNN steps, one graph node per time step and layer
(``GRUStep``/``gru_step_op`` and ``RNNStep``/``rnn_step_op``; the LSTM ops
are in ``rnn_cell.py``). Each states its maths in its docstring; backward
runs on arrays without ``create_graph`` and in Tensor operations (from the
saved inputs) under it; each has a ``jvp``.
"""
import numpy as np

from ..function import Op
from ..grad_mode import _state
from ..tensor import Tensor
from .join import cat
from .rnn_cell import _transpose


def _gru_tensors(xg, h, w, b):
    """r, z, n, h W_hnᵀ + b_hn of a GRU step, with Tensor operations."""
    hg = h.matmul(w.t()) + b
    xr, xz, xn = xg.chunk(3, -1)
    hr, hz, hn = hg.chunk(3, -1)
    r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
    return r, z, (xn + r * hn).tanh(), hn


class GRUStep(Op):
    """One GRU time step, gates r, z, n (PyTorch's order), as one node:
    ``(xg, h, W_hh, b_hh) -> h'`` with xg = x W_ihᵀ + b_ih (B, 3H) and

        [h_r h_z h_n] = h W_hhᵀ + b_hh
        r = σ(x_r + h_r)   z = σ(x_z + h_z)   n = tanh(x_n + r ⊙ h_n)
        h' = (1 − z) ⊙ n + z ⊙ h

    Backward (h̄' given): ā_n = h̄' ⊙ (1 − z) ⊙ (1 − n²); ā_z = h̄' ⊙ (h − n) ⊙ z(1 − z);
    ā_r = ā_n ⊙ h_n ⊙ r(1 − r); x̄g = [ā_r ā_z ā_n]; ḡ = [ā_r ā_z ā_n ⊙ r] (the
    gradient of h W_hhᵀ + b_hh); h̄ = h̄' ⊙ z + ḡ W_hh; W̄_hh = ḡᵀ h; b̄_hh = ḡ
    (summed over the batch by the engine). Tensor operations under
    ``create_graph``, arrays otherwise, as ``LSTMStep``."""

    @staticmethod
    def forward(ctx, xg, h, w, b):
        hg = h @ _transpose(w)
        hg += b
        hs = hg.shape[-1] // 3
        rz = xg[:, :2 * hs] + hg[:, :2 * hs]
        rz *= 0.5  # σ(a) = tanh(a/2)/2 + 1/2
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z = rz[:, :hs], rz[:, hs:]
        hn = hg[:, 2 * hs:]
        n = np.tanh(xg[:, 2 * hs:] + r * hn)
        out = h - n
        out *= z
        out += n
        ctx.save_for_backward(xg, h, w, b, rz, n, hn)
        return out

    @staticmethod
    def backward(ctx, gh):
        xg, h, w, b, rz, n, hn = ctx.saved_tensors
        need = ctx.needs_input_grad
        if not _state.grad:
            gh, h_, rz, n, hn = gh._data, h._data, rz._data, n._data, hn._data
            hs = n.shape[-1]
            r, z = rz[:, :hs], rz[:, hs:]
            dx = np.empty(rz.shape[:1] + (3 * hs,), rz.dtype)
            dan = dx[:, 2 * hs:]
            np.multiply(gh, 1 - z, out=dan)
            dan *= 1 - n * n
            np.multiply(gh, h_ - n, out=dx[:, hs:2 * hs])
            dx[:, hs:2 * hs] *= z * (1 - z)
            np.multiply(dan, hn, out=dx[:, :hs])
            dx[:, :hs] *= r * (1 - r)
            dg = dx.copy()
            dg[:, 2 * hs:] *= r
            return (Tensor(dx) if need[0] else None,
                    Tensor(gh * z + dg @ w._data) if need[1] else None,
                    Tensor(dg.T @ h_) if need[2] else None,
                    Tensor(dg) if need[3] else None)
        r, z, n, hn = _gru_tensors(xg, h, w, b)
        dan = gh * (1 - z) * (1 - n * n)
        dar, daz = dan * hn * r * (1 - r), gh * (h - n) * z * (1 - z)
        dg = cat([dar, daz, dan * r], -1)
        return (cat([dar, daz, dan], -1) if need[0] else None,
                gh * z + dg.matmul(w) if need[1] else None,
                dg.t().matmul(h) if need[2] else None,
                dg if need[3] else None)

    @staticmethod
    def jvp(ctx, txg, th, tw, tb):
        xg, h, w, b, rz, n, hn = ctx.saved_tensors
        r, z = rz.chunk(2, -1)
        dhg = th.matmul(w.t()) + h.matmul(tw.t()) + tb
        dxr, dxz, dxn = txg.chunk(3, -1)
        dhr, dhz, dhn = dhg.chunk(3, -1)
        dr, dz = (dxr + dhr) * r * (1 - r), (dxz + dhz) * z * (1 - z)
        dn = (dxn + dr * hn + r * dhn) * (1 - n * n)
        return dn + dz * (h - n) + z * (th - dn)


def gru_step_op(xg, h, w_hh, b_hh):
    """h' of one GRU step as one node (see ``GRUStep``); ``b_hh`` may be None."""
    if b_hh is None:
        b_hh = Tensor(np.zeros(w_hh.shape[0], w_hh.dtype))
    return GRUStep.apply(xg, h, w_hh, b_hh)


class RNNStep(Op):
    """One Elman RNN step as one node: ``(xg, h, W_hh, b_hh, relu) -> h'`` with
    h' = act(a), a = xg + h W_hhᵀ + b_hh, act = tanh (act'(a) = 1 − h'²) or
    relu (act'(a) = [a > 0]). Backward: ā = h̄' ⊙ act'(a); x̄g = ā,
    h̄ = ā W_hh, W̄_hh = āᵀ h, b̄_hh = ā (summed over the batch by the engine);
    jvp: ḣ' = act'(a) ⊙ (ẋg + ḣ W_hhᵀ + h Ẇ_hhᵀ + ḃ_hh)."""

    @staticmethod
    def forward(ctx, xg, h, w, b, relu):
        a = h @ _transpose(w)
        a += xg
        a += b
        if relu:
            np.maximum(a, 0, out=a)
        else:
            np.tanh(a, out=a)
        ctx.relu = relu
        ctx.save_for_backward(xg, h, w, b, a)
        return a

    @staticmethod
    def backward(ctx, gh):
        xg, h, w, b, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        if not _state.grad:
            y_ = y._data
            da = gh._data * (y_ > 0) if ctx.relu else gh._data * (1 - y_ * y_)
            return (Tensor(da) if need[0] else None, Tensor(da @ w._data) if need[1] else None,
                    Tensor(da.T @ h._data) if need[2] else None, Tensor(da) if need[3] else None, None)
        a = xg + h.matmul(w.t()) + b  # create_graph: as functions of the inputs
        if ctx.relu:
            da = gh * (a > 0)
        else:
            t = a.tanh()
            da = gh * (1 - t * t)
        return (da if need[0] else None, da.matmul(w) if need[1] else None,
                da.t().matmul(h) if need[2] else None, da if need[3] else None, None)

    @staticmethod
    def jvp(ctx, txg, th, tw, tb, _):
        xg, h, w, b, y = ctx.saved_tensors
        da = txg + th.matmul(w.t()) + h.matmul(tw.t()) + tb
        return da * (y > 0) if ctx.relu else da * (1 - y * y)


def rnn_step_op(xg, h, w_hh, b_hh, nonlinearity="tanh"):
    """h' of one Elman RNN step as one node (see ``RNNStep``); ``b_hh`` may be None."""
    if b_hh is None:
        b_hh = Tensor(np.zeros(w_hh.shape[0], w_hh.dtype))
    return RNNStep.apply(xg, h, w_hh, b_hh, nonlinearity == "relu")
