"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU`` with PyTorch's arguments,
parameter names, shapes, initialisation and return values.

For layer l and direction d (suffix ``''`` or ``'_reverse'``) the parameters are
``weight_ih_l{l}{d}`` (G·H, in_l), ``weight_hh_l{l}{d}`` (G·H, P),
``bias_ih_l{l}{d}``, ``bias_hh_l{l}{d}`` (G·H,), and for an LSTM with
``proj_size`` > 0 also ``weight_hr_l{l}{d}`` (P, H); G = 1 (RNN), 4 (LSTM:
i, f, g, o), 3 (GRU: r, z, n); P = proj_size or H; in_0 = input_size and
in_l = D·P above (D = 2 when bidirectional). All start as U(−k, k),
k = 1/sqrt(H). The recurrences are in ``rnn_cells.py``.

Layer l runs its cell over the sequence x_l(0..T−1) forwards (and, when
bidirectional, backwards from T−1 with its own weights); its output at t is
[h_fwd(t), h_bwd(t)], the next layer's input (after dropout with probability
``dropout`` in training, except after the last layer). The input part
x W_ihᵀ + b_ih (+ b_hh for RNN and LSTM) is computed for all time steps in one
matmul. Returned: ``output`` (T, B, D·P) (batch first if asked; a
``PackedSequence`` for a packed input) and ``h_n`` (num_layers·D, B, P) in the
order l·D + d (and ``c_n`` (num_layers·D, B, H) for an LSTM).

A packed input runs step t on its first ``batch_sizes[t]`` sequences: a
sequence's final state is its state at its own last step (the first step,
for the backward direction), as if each sequence ran alone.
"""
import math
import warnings

import numpy as np

import autograd_core as ag
from autograd_core.ops.rnn_cell import lstm_layer

from . import functional as F
from . import init
from .linear import check_device, float_dtype
from .module import Module
from .parameter import Parameter
from .rnn_cells import gru_step, lstm_cell_step, rnn_step
from .utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _run_direction(step, xgs, state0, batch_sizes, reverse):
    """Run ``step(xg_t, state) -> state`` over the per-step inputs ``xgs``.
    ``batch_sizes`` (None: constant batch) shrink along the sequence; returns
    the outputs (h of each step, in time order) and the final state."""
    n = len(xgs)
    outs = [None] * n
    if batch_sizes is None:
        state = state0
        for t in (range(n - 1, -1, -1) if reverse else range(n)):
            state = step(xgs[t], state)
            outs[t] = state[0]
        return outs, state
    if not reverse:
        state, finished = state0, []
        for t in range(n):
            bs = batch_sizes[t]
            if bs < state[0].shape[0]:  # the sequences past bs ended at t − 1
                finished.append(tuple(s[bs:] for s in state))
                state = tuple(s[:bs] for s in state)
            state = step(xgs[t], state)
            outs[t] = state[0]
        if finished:
            state = tuple(ag.cat([s] + [f[k] for f in reversed(finished)], 0) for k, s in enumerate(state))
        return outs, state
    state = tuple(s[:batch_sizes[-1]] for s in state0)
    for t in range(n - 1, -1, -1):
        bs, cur = batch_sizes[t], state[0].shape[0]
        if bs > cur:  # longer sequences start here, from their initial state
            state = tuple(ag.cat([s, s0[cur:bs]], 0) for s, s0 in zip(state, state0))
        state = step(xgs[t], state)
        outs[t] = state[0]
    return outs, state


class RNNBase(Module):
    """The common machinery of ``RNN``, ``LSTM`` and ``GRU``."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        check_device(device)
        dtype = float_dtype(dtype)
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of "
                             "an element being zeroed")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be a positive integer")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be a positive integer")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gates = _GATES[mode] * hidden_size
        real = proj_size or hidden_size
        dirs = 2 if bidirectional else 1
        names = []
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else real * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [(f"weight_ih{sfx}", (gates, in_size)), (f"weight_hh{sfx}", (gates, real))]
                if bias:
                    shapes += [(f"bias_ih{sfx}", (gates,)), (f"bias_hh{sfx}", (gates,))]
                if proj_size:
                    shapes.append((f"weight_hr{sfx}", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name, Parameter(np.empty(shape, dtype)))
                    names.append(name)
        self._flat_weights_names = names
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias U(−k, k), k = 1/sqrt(hidden_size)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def flatten_parameters(self):
        """A no-op (PyTorch packs the weights for cuDNN)."""

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """Per layer and direction, the list of its parameters in PyTorch's order."""
        per = 4 if self.bias else 2
        per += 1 if self.proj_size else 0
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # -- the computation ---------------------------------------------------------
    def _step(self, layer, d):
        """``(b_ih_in_x, step)``: the bias added to x W_ihᵀ and ``step(xg, state)``."""
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        w_hh = getattr(self, f"weight_hh{sfx}")
        b_ih = getattr(self, f"bias_ih{sfx}") if self.bias else None
        b_hh = getattr(self, f"bias_hh{sfx}") if self.bias else None
        if self.mode == "GRU":
            return b_ih, lambda xg, s: gru_step(xg, s, w_hh, b_hh)
        b = None if b_ih is None else b_ih + b_hh
        if self.mode == "LSTM":
            w_hr = getattr(self, f"weight_hr{sfx}") if self.proj_size else None
            return b, lambda xg, s: lstm_cell_step(xg, s, w_hh, None, w_hr)
        act = "tanh" if self.mode == "RNN_TANH" else "relu"
        return b, lambda xg, s: rnn_step(xg, s, w_hh, None, act)

    def _state_shapes(self, batch):
        n = self.num_layers * (2 if self.bidirectional else 1)
        shapes = [(n, batch, self.proj_size or self.hidden_size)]
        if self.mode == "LSTM":
            shapes.append((n, batch, self.hidden_size))
        return shapes

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batch_sizes = input.data, [int(b) for b in input.batch_sizes.numpy()]
            batch, batched = batch_sizes[0], True
            sorted_idx, unsorted_idx = input.sorted_indices, input.unsorted_indices
        else:
            if input.ndim not in (2, 3):
                raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D "
                                 "instead")
            batched = input.ndim == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
            batch_sizes, batch = None, x.shape[1]
            sorted_idx = unsorted_idx = None
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {x.shape[-1]}")
        shapes = self._state_shapes(batch)
        if hx is None:
            states = [ag.zeros(s, dtype=x.dtype) for s in shapes]
        else:
            states = list(hx) if self.mode == "LSTM" else [hx]
            if len(states) != len(shapes):
                raise RuntimeError(f"{type(self).__name__}: expected {len(shapes)} initial states")
            if not batched:
                for s in states:
                    if s.ndim != 2:
                        raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                                           f"{s.ndim}-D tensor")
                states = [s.unsqueeze(1) for s in states]
            for s, shape in zip(states, shapes):
                if tuple(s.shape) != shape:
                    raise RuntimeError(f"Expected hidden size {shape}, got {list(s.shape)}")
            if sorted_idx is not None:
                states = [s[:, sorted_idx.numpy()] for s in states]
        dirs = 2 if self.bidirectional else 1
        finals = [[] for _ in shapes]
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                bias, step = self._step(layer, d)
                w_ih = getattr(self, f"weight_ih_l{layer}" + ("_reverse" if d else ""))
                k = layer * dirs + d
                if batch_sizes is None:  # one 2-D product (a 3-D one runs per time step in BLAS)
                    xg = F.linear(x.reshape(-1, x.shape[-1]), w_ih, bias).reshape(x.shape[0], x.shape[1], -1)
                    if self.mode == "LSTM" and not self.proj_size:  # the whole direction is one node
                        w_hh = getattr(self, f"weight_hh_l{layer}" + ("_reverse" if d else ""))
                        out, h_t, c_t = lstm_layer(xg, states[0][k], states[1][k], w_hh, d == 1)
                        outs.append(out)
                        finals[0].append(h_t)
                        finals[1].append(c_t)
                        continue
                    xgs = xg.unbind(0)
                else:
                    xgs = F.linear(x, w_ih, bias).split(batch_sizes, 0)
                out, fin = _run_direction(step, xgs, tuple(s[k] for s in states), batch_sizes, d == 1)
                outs.append(ag.stack(out, 0) if batch_sizes is None else ag.cat(out, 0))
                for lst, f in zip(finals, fin):
                    lst.append(f)
            x = outs[0] if dirs == 1 else ag.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        finals = [ag.stack(f, 0) for f in finals]
        if unsorted_idx is not None:
            finals = [f[:, unsorted_idx.numpy()] for f in finals]
        if packed:
            output = PackedSequence(x, input.batch_sizes, sorted_idx, unsorted_idx)
        else:
            if not batched:
                output, finals = x.squeeze(1), [f.squeeze(1) for f in finals]
            else:
                output = x.transpose(0, 1) if self.batch_first else x
        return output, (tuple(finals) if self.mode == "LSTM" else finals[0])


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh), act tanh or relu."""

    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:  # PyTorch's positional order: input, hidden, num_layers, nonlinearity, ...
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity

    def extra_repr(self):
        s = super().extra_repr()
        return s + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class LSTM(RNNBase):
    """LSTM (gates i, f, g, o; optional projection h_t = (o ⊙ tanh c_t) W_hrᵀ);
    ``forward(input, (h_0, c_0))`` returns ``output, (h_n, c_n)``."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """GRU (gates r, z, n; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)))."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)
