"""``MultiheadAttention``: PyTorch's multi-head attention layer, with its
parameter names, shapes, initialisation and forward signature.

For a query x_q (L, E), keys x_k (S, kdim) and values x_v (S, vdim) of one
sample, with H heads of size d = E / H:

    Q = x_q W_qᵀ + b_q,   K = x_k W_kᵀ + b_k,   V = x_v W_vᵀ + b_v
    Q_h, K_h, V_h = columns h·d ... (h+1)·d - 1 of Q, K, V      (h = 0 ... H-1)
    A_h = softmax(Q_h K_hᵀ / √d + M)                            (L, S)
    out = concat_h(dropout(A_h) V_h) W_oᵀ + b_o                 (L, E)

W_q, W_k, W_v are the three row blocks of ``in_proj_weight`` (3E, E) (or
``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when kdim or vdim
differ from E), the biases those of ``in_proj_bias`` (3E,); W_o, b_o are
``out_proj``'s. M adds the masks: in this layer a bool mask is True where a
position may *not* be attended (PyTorch's convention here; the opposite of
``scaled_dot_product_attention``'s) and becomes −∞; a float mask is added.
``attn_mask`` is (L, S) or (N·H, L, S); ``key_padding_mask`` (N, S) masks
keys per sample. ``add_bias_kv`` appends the learnt rows ``bias_k``,
``bias_v`` to K and V, ``add_zero_attn`` a row of zeros to each head's K and
V (the masks get a column that lets them take part). The returned weights
are A (after dropout, as PyTorch), averaged over the heads unless
``average_attn_weights=False``.
"""
import contextlib
import enum

import numpy as np

import autograd_core as ag
from autograd_core.tensor import Tensor

from . import init
from .functional.attention import attention, causal_mask
from .linear import Linear, check_device, float_dtype
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear", "SDPBackend", "sdpa_kernel"]


class SDPBackend(enum.IntEnum):
    """PyTorch's ``torch.nn.attention.SDPBackend`` names. This engine has one
    implementation of ``scaled_dot_product_attention``, the math one."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """PyTorch's ``torch.nn.attention.sdpa_kernel``, so that ported code runs:
    the math implementation is always used (there is no other on the CPU
    here), whatever ``backends`` asks for."""
    yield


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj``."""


def _additive(mask, name, dtype):
    """A mask as a Tensor to add to the scores: a bool mask (True = masked)
    becomes 0/−∞; a float mask is kept, in ``dtype`` (a Tensor that requires grad
    keeps its graph). Made by ops (``masked_fill``, ``to``), so that a compiled
    replay recomputes it from each call's mask."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        mask = Tensor(np.asarray(mask))
    kind = mask.dtype.kind
    if kind == "b":
        return ag.zeros(tuple(mask.shape), dtype=dtype).masked_fill(mask, float("-inf"))
    if kind != "f":
        raise TypeError(f"MultiheadAttention: only bool and floating types of {name} are supported, "
                        f"got {mask.dtype}")
    return mask.to(dtype)


def _pad_last(mask):
    """Append a column of zeros (allowed) to an additive mask."""
    if mask is None:
        return None
    return ag.cat([mask, ag.zeros(*mask.shape[:-1], 1, dtype=mask.dtype)], -1)


def _project(x, w, b):
    """x Wᵀ + b for x (A, B, in) computed as one (A·B, in) matrix product, so
    that forward and both backward products are single BLAS calls (a batched
    product would make one call per row of A and sum W's gradient afterwards)."""
    a, c = x.shape[0], x.shape[1]
    y = ag.matmul(x.reshape(a * c, x.shape[2]), w.T)
    if b is not None:
        y = y + b
    return y.reshape(a, c, w.shape[0])


class MultiheadAttention(Module):
    """Multi-head attention (see the module docstring for the maths)."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        check_device(device)
        dtype = float_dtype(dtype)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise AssertionError("embed_dim must be divisible by num_heads")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        E = embed_dim
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(np.empty((E, E), dtype))
            self.k_proj_weight = Parameter(np.empty((E, self.kdim), dtype))
            self.v_proj_weight = Parameter(np.empty((E, self.vdim), dtype))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(np.empty((3 * E, E), dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * E, dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(E, E, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, E), dtype))
            self.bias_v = Parameter(np.empty((1, 1, E), dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        """PyTorch's: Glorot-uniform projections, zero biases, Glorot-normal bias_k/bias_v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _weights(self):
        """(W_q, W_k, W_v) and (b_q, b_k, b_v) (None without bias)."""
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            ws = (w[:E], w[E:2 * E], w[2 * E:])
        else:
            ws = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        bs = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        return ws, bs

    def _heads(self, x, seq_first):
        """(L, N, E) (``seq_first``) or (N, L, E) -> (N, H, L, d)."""
        a, b = x.shape[0], x.shape[1]
        x = x.reshape(a, b, self.num_heads, self.head_dim)
        return x.permute(1, 2, 0, 3) if seq_first else x.permute(0, 2, 1, 3)

    def _check(self, query, key, value, key_padding_mask, attn_mask):
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise AssertionError(f"MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D "
                                 f"(unbatched), got {list(query.shape)}, {list(key.shape)}, {list(value.shape)}")
        dims = (self.embed_dim, self.kdim, self.vdim)
        for name, t, d in zip(("query", "key", "value"), (query, key, value), dims):
            if t.shape[-1] != d:
                raise AssertionError(f"MultiheadAttention: was expecting {name} embedding dimension of {d}, but "
                                     f"got {t.shape[-1]} (shape {list(t.shape)})")
        if key.shape[:-1] != value.shape[:-1]:
            raise AssertionError(f"MultiheadAttention: key shape {list(key.shape)} does not match value shape "
                                 f"{list(value.shape)}")
        if batched:
            bdim = 0 if self.batch_first else 1
            if not (query.shape[bdim] == key.shape[bdim]):
                raise AssertionError(f"MultiheadAttention: batch sizes of query {list(query.shape)} and key "
                                     f"{list(key.shape)} differ")
        if key_padding_mask is not None and key_padding_mask.ndim != (2 if batched else 1):
            raise AssertionError(f"MultiheadAttention: key_padding_mask should be {2 if batched else 1}-D for "
                                 f"{'batched' if batched else 'unbatched'} input, got {list(key_padding_mask.shape)}")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(f"MultiheadAttention: attn_mask should be 2-D or 3-D, got "
                                 f"{list(attn_mask.shape)}")
        return batched

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """``(attn_output, attn_weights)``: output (L, N, E) ((N, L, E) with
        ``batch_first``; (L, E) unbatched) and, if ``need_weights``, the
        weights (N, L, S) (averaged over heads) or (N, H, L, S); else None.
        ``is_causal`` is PyTorch's hint that ``attn_mask`` is the causal mask;
        without an ``attn_mask`` the causal mask is built (PyTorch raises)."""
        batched = self._check(query, key, value, key_padding_mask, attn_mask)
        H, d = self.num_heads, self.head_dim
        seq_first = batched and not self.batch_first
        if not batched:  # (L, E) -> (1, L, E)
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        N = query.shape[1 if seq_first else 0]
        L = query.shape[0 if seq_first else 1]
        dtype = query.dtype
        ws, bs = self._weights()
        fused = (self._qkv_same_embed_dim and query is key and key is value and self.bias_k is None
                 and not self.add_zero_attn)
        if fused:  # self-attention: one product for Q, K and V
            a, b = query.shape[0], query.shape[1]
            proj = _project(query, self.in_proj_weight, self.in_proj_bias).reshape(a, b, 3, H, d)
            proj = proj.permute(2, 1, 3, 0, 4) if seq_first else proj.permute(2, 0, 3, 1, 4)
            q, k, v = ag.unbind(proj, 0)
        else:
            q, k, v = (_project(x, w, bb) for x, w, bb in zip((query, key, value), ws, bs))
            if self.bias_k is not None:  # one more key/value row per sample
                shape = (1, N, self.embed_dim) if seq_first else (N, 1, self.embed_dim)
                k = ag.cat([k, self.bias_k.reshape(1, 1, -1).expand(*shape)], 0 if seq_first else 1)
                v = ag.cat([v, self.bias_v.reshape(1, 1, -1).expand(*shape)], 0 if seq_first else 1)
            q, k, v = self._heads(q, seq_first), self._heads(k, seq_first), self._heads(v, seq_first)
            if self.add_zero_attn:
                z = ag.zeros(N, H, 1, d, dtype=k.dtype)
                k, v = ag.cat([k, z], 2), ag.cat([v, z], 2)
        S = k.shape[2]
        S0 = S - (self.bias_k is not None) - bool(self.add_zero_attn)  # keys given by the caller
        if attn_mask is not None:
            want = (L, S0) if attn_mask.ndim == 2 else (N * H, L, S0)
            if tuple(attn_mask.shape) != want:
                raise RuntimeError(f"MultiheadAttention: the shape of the {attn_mask.ndim}D attn_mask is "
                                   f"{list(attn_mask.shape)}, but should be {list(want)}")
        if key_padding_mask is not None and tuple(key_padding_mask.shape) != (N, S0):
            raise RuntimeError(f"MultiheadAttention: expecting key_padding_mask shape of {[N, S0]}, but got "
                               f"{list(key_padding_mask.shape)}")
        mask = _additive(attn_mask, "attn_mask", dtype)
        if mask is None and is_causal:
            mask = Tensor(np.where(causal_mask(L, S), 0.0, -np.inf).astype(dtype))  # by shapes only
            extra = 0
        else:
            extra = (self.bias_k is not None) + bool(self.add_zero_attn)
        if mask is not None and mask.ndim == 3:  # (N·H, L, S) -> (N, H, L, S)
            mask = mask.reshape(N, H, *mask.shape[1:])
        kpm = _additive(key_padding_mask, "key_padding_mask", dtype)
        if kpm is not None:
            kpm = kpm.reshape(N, 1, 1, kpm.shape[-1])
        for _ in range(extra):
            mask, kpm = _pad_last(mask), _pad_last(kpm)
        if kpm is not None:
            mask = kpm if mask is None else mask + kpm
        p = self.dropout if self.training else 0.0
        out, weights = attention(q, k, v, mask, p)  # (N, H, L, d), (N, H, L, S)
        out = out.permute(2, 0, 1, 3) if seq_first else out.permute(0, 2, 1, 3)
        a, b = out.shape[0], out.shape[1]  # out_proj on (a·b, E), as PyTorch: one matrix product
        out = self.out_proj(out.reshape(a * b, self.embed_dim)).reshape(a, b, self.embed_dim)
        if not batched:
            out = out.squeeze(0)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, weights if batched else weights.squeeze(0)
