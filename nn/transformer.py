"""The Transformer of "Attention Is All You Need", as PyTorch's ``nn``
spells it: ``TransformerEncoderLayer``, ``TransformerEncoder``,
``TransformerDecoderLayer``, ``TransformerDecoder`` and ``Transformer``,
with PyTorch's submodule names (so state-dict keys match) and arguments.

An encoder layer with self-attention SA, feed-forward
FF(x) = W₂ dropout(act(W₁ x + b₁)) + b₂ and layer norms LN₁, LN₂ computes

    post-norm (default):  x = LN₁(x + dropout₁(SA(x)));  x = LN₂(x + dropout₂(FF(x)))
    pre-norm (norm_first): x = x + dropout₁(SA(LN₁(x)));  x = x + dropout₂(FF(LN₂(x)))

A decoder layer inserts cross-attention CA(x, memory) (queries from x, keys
and values from the encoder's output) between the two, with LN₂/dropout₂,
the feed-forward then using LN₃/dropout₃. ``TransformerEncoder``/``Decoder``
stack ``num_layers`` deep copies of a layer (``layers.0``, ``layers.1``,
...) and apply an optional final ``norm``. ``Transformer`` is an encoder and
a decoder of that kind, each ending in a LayerNorm, with every matrix
parameter re-initialised by ``xavier_uniform_`` (PyTorch's
``_reset_parameters``).

Masks follow ``MultiheadAttention``: bool True = may not attend, float
masks are added. ``generate_square_subsequent_mask(sz)`` is the float causal
mask (−∞ above the diagonal, 0 elsewhere). ``is_causal`` is a hint that the
mask is causal; where no mask is given with ``is_causal=True`` the causal
mask is used (PyTorch raises there).
"""
import copy

import numpy as np

from autograd_core.tensor import Tensor

from . import functional as F
from . import init
from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .linear import Linear, check_device, float_dtype
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _get_activation_fn(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    check_device(device)
    dtype = float_dtype(dtype)
    return Tensor(np.triu(np.full((sz, sz), -np.inf, dtype), 1))


def _get_clones(module, n):
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class _Layer(Module):
    """What the encoder and decoder layers share: attention, the feed-forward block, the residual
    blocks' norms and dropouts, the self-attention block and the activation."""

    @staticmethod
    def _attention(d_model, nhead, dropout, bias, batch_first, dtype):
        return MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype)

    def _setup_ff(self, d_model, dim_feedforward, dropout, bias, dtype):
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)

    def _setup_residuals(self, n, d_model, layer_norm_eps, bias, dtype, dropout):
        """``norm1`` .. ``norm<n>``, then ``dropout1`` .. ``dropout<n>``: one of each per residual block
        (registered in PyTorch's order, so that parameters and state dicts line up)."""
        for i in range(1, n + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for i in range(1, n + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))

    def _set_activation(self, activation):
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        elif not callable(activation):
            raise RuntimeError(f"activation should be relu/gelu or a callable, not {activation!r}")
        self.activation = activation  # a Module becomes a submodule, as in PyTorch

    def _ff_block(self, x, drop):
        shape = x.shape  # the linear layers see (rows, d_model): one matrix product each way
        x = x.reshape(-1, shape[-1])
        return drop(self.linear2(self.dropout(self.activation(self.linear1(x))))).reshape(shape)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)


class TransformerEncoderLayer(_Layer):
    """Self-attention and feed-forward, each with a residual connection and a
    layer norm (after it, or before it with ``norm_first``)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        check_device(device)
        self.self_attn = self._attention(d_model, nhead, dropout, bias, batch_first, dtype)
        self._setup_ff(d_model, dim_feedforward, dropout, bias, dtype)
        self.norm_first = norm_first
        self._setup_residuals(2, d_model, layer_norm_eps, bias, dtype, dropout)
        self._set_activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """src (S, N, E) ((N, S, E) with ``batch_first``; (S, E) unbatched)."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x), self.dropout2)
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x, self.dropout2))
        return x


class TransformerDecoderLayer(_Layer):
    """Self-attention, cross-attention over ``memory`` and feed-forward, each
    with a residual connection and a layer norm."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        check_device(device)
        self.self_attn = self._attention(d_model, nhead, dropout, bias, batch_first, dtype)
        self.multihead_attn = self._attention(d_model, nhead, dropout, bias, batch_first, dtype)
        self._setup_ff(d_model, dim_feedforward, dropout, bias, dtype)
        self.norm_first = norm_first
        self._setup_residuals(3, d_model, layer_norm_eps, bias, dtype, dropout)
        self._set_activation(activation)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """tgt (T, N, E), memory (S, N, E) (batch first or unbatched as the layer)."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x), self.dropout3)
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x, self.dropout3))
        return x


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` in a row, then ``norm`` (if any)."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                         is_causal=bool(is_causal))
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` in a row, then ``norm`` (if any)."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        output = tgt
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=bool(tgt_is_causal),
                         memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """An encoder–decoder Transformer with PyTorch's defaults (d_model 512,
    8 heads, 6 + 6 layers, feed-forward 2048, dropout 0.1)."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation=F.relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        check_device(device)

        def stack(custom, layer_type, stack_type, num_layers):
            """``custom``, or ``num_layers`` copies of a new layer followed by a LayerNorm."""
            if custom is not None:
                return custom
            layer = layer_type(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                               norm_first, bias, dtype=dtype)
            return stack_type(layer, num_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))

        self.encoder = stack(custom_encoder, TransformerEncoderLayer, TransformerEncoder, num_encoder_layers)
        self.decoder = stack(custom_decoder, TransformerDecoderLayer, TransformerDecoder, num_decoder_layers)
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def _reset_parameters(self):
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """src (S, N, E), tgt (T, N, E) ((N, ·, E) with ``batch_first``;
        unbatched (S, E), (T, E)) -> (T, N, E)."""
        is_batched = src.ndim == 3
        if not self.batch_first and is_batched and src.shape[1] != tgt.shape[1]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if self.batch_first and is_batched and src.shape[0] != tgt.shape[0]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The (sz, sz) float causal mask: −∞ above the diagonal (future positions), 0 elsewhere."""
        return _generate_square_subsequent_mask(sz, device, dtype)
