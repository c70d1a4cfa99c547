"""One step of each recurrence, and the cell modules ``RNNCell``,
``LSTMCell`` and ``GRUCell`` (PyTorch's names, shapes, gate order and init).

Each step takes ``xg = x W_ihᵀ + b_ih`` (the input's part of the
pre-activations; the layers compute it for all time steps with one matmul)
and the previous state:

    RNN:   h' = act(xg + h W_hhᵀ + b_hh)                      act = tanh or relu
    LSTM:  [a_i a_f a_g a_o] = xg + h W_hhᵀ + b_hh
           i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g)
           c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c')   (then h' W_hrᵀ with proj_size)
    GRU:   [x_r x_z x_n] = xg;   [h_r h_z h_n] = h W_hhᵀ + b_hh
           r = σ(x_r + h_r);  z = σ(x_z + h_z);  n = tanh(x_n + r ⊙ h_n)
           h' = (1 − z) ⊙ n + z ⊙ h

Each step is one fused graph node (``autograd_core/ops/rnn_cell.py``).
Every weight and bias starts as U(−k, k) with k = 1/sqrt(hidden_size).
"""
import math

import numpy as np

import autograd_core as ag
from autograd_core.ops.rnn_cell import lstm_step
from autograd_core.ops.rnn_cell_gru import gru_step_op, rnn_step_op

from . import functional as F
from . import init
from .linear import check_device, float_dtype
from .module import Module
from .parameter import Parameter


def rnn_step(xg, state, w_hh, b_hh, nonlinearity="tanh"):
    """(h',) of an Elman RNN step: act(xg + h W_hhᵀ + b_hh) (fused node)."""
    return (rnn_step_op(xg, state[0], w_hh, b_hh, nonlinearity),)


def lstm_cell_step(xg, state, w_hh, b_hh, w_hr=None):
    """(h', c') of an LSTM step (fused node), projected by ``w_hr`` when given."""
    h, c = state
    if b_hh is not None:
        xg = xg + b_hh
    h2, c2 = lstm_step(xg, h, c, w_hh)
    if w_hr is not None:
        h2 = F.linear(h2, w_hr)
    return h2, c2


def gru_step(xg, state, w_hh, b_hh):
    """(h',) of a GRU step, with n = tanh(x_n + r ⊙ (h W_hnᵀ + b_hn)) (fused node)."""
    return (gru_step_op(xg, state[0], w_hh, b_hh),)


class RNNCellBase(Module):
    """Parameters ``weight_ih`` (G·H, in), ``weight_hh`` (G·H, H), ``bias_ih``,
    ``bias_hh`` (G·H,) with G gates, all U(−1/sqrt(H), 1/sqrt(H))."""

    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        check_device(device)
        dtype = float_dtype(dtype)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = self._gates * hidden_size
        self.weight_ih = Parameter(np.empty((g, input_size), dtype))
        self.weight_hh = Parameter(np.empty((g, hidden_size), dtype))
        if bias:
            self.bias_ih = Parameter(np.empty(g, dtype))
            self.bias_hh = Parameter(np.empty(g, dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        k = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, hx, n_states):
        """Check shapes; a 1-D input (unbatched) gets a batch dim of 1."""
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D "
                             "instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            zeros = ag.zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
            return x, (zeros,) * n_states, batched
        states = tuple(hx) if n_states > 1 else (hx,)
        for s in states:
            if s.ndim != input.ndim:
                raise RuntimeError(f"{type(self).__name__}: Expected hidden to be {input.ndim}D for "
                                   f"{input.ndim}D input, got {s.ndim}D")
            if s.shape[-1] != self.hidden_size or (batched and s.shape[0] != x.shape[0]):
                raise RuntimeError(f"{type(self).__name__}: Expected hidden size "
                                   f"{(x.shape[0], self.hidden_size)}, got {tuple(s.shape)}")
        return x, tuple(s if batched else s.unsqueeze(0) for s in states), batched


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, state, batched = self._prepare(input, hx, 1)
        (h,) = rnn_step(F.linear(x, self.weight_ih, self.bias_ih), state, self.weight_hh, self.bias_hh,
                        self.nonlinearity)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """(h', c') of one LSTM step, gates i, f, g, o in that order."""

    _gates = 4

    def forward(self, input, hx=None):
        x, state, batched = self._prepare(input, hx, 2)
        h, c = lstm_cell_step(F.linear(x, self.weight_ih, self.bias_ih), state, self.weight_hh,
                              self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """h' of one GRU step, gates r, z, n in that order."""

    _gates = 3

    def forward(self, input, hx=None):
        x, state, batched = self._prepare(input, hx, 1)
        (h,) = gru_step(F.linear(x, self.weight_ih, self.bias_ih), state, self.weight_hh, self.bias_hh)
        return h if batched else h.squeeze(0)
