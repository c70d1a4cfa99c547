"""``scaled_dot_product_attention``: softmax attention composed of
differentiable autograd_core ops (so it differentiates twice).

For queries Q (..., L, E), keys K (..., S, E) and values V (..., S, Eᵥ):

    A   = softmax(Q Kᵀ · scale + M)          (softmax over the last dim, S)
    out = dropout(A, p) V                     (..., L, Eᵥ)

with scale = 1/√E unless given, and M the mask: a float mask is added; a
bool mask (True = the key takes part, PyTorch's convention for this
function) puts −∞ where it is False; ``is_causal`` keeps key j ≤ query i
(the top-left aligned lower triangle of an L×S matrix, as PyTorch).
The softmax shifts each row by its maximum, so large scores never
overflow. A row in which every key is masked (all −∞) gives zero weights
and a zero output, as PyTorch's math path does since 2.5 (``_safe_softmax``),
instead of NaN; its gradient is zero.

``enable_gqa=True`` (grouped-query attention) lets K and V have H_kv heads
(dim −3) dividing the H_q heads of Q: each key/value head serves
H_q / H_kv consecutive query heads (PyTorch's ``repeat_interleave``).
"""
import math

import numpy as np

import autograd_core as ag
from autograd_core.observers import call_observers
from autograd_core.tensor import Tensor

from .dropout import dropout as _dropout

__all__ = ["scaled_dot_product_attention"]


def _repeat_heads(t, groups):
    """(..., H, S, E) -> (..., H·groups, S, E), each head repeated ``groups`` times in a row."""
    if groups == 1:
        return t
    shape = tuple(t.shape)
    t = t.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:])
    return t.reshape(*shape[:-3], shape[-3] * groups, *shape[-2:])


def causal_mask(L, S):
    """The bool (L, S) mask of ``is_causal``: True where key j <= query i."""
    return np.tril(np.ones((L, S), np.bool_))


def attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """``(out, weights)``: the attention output and the softmax weights A
    (after dropout), shared by ``scaled_dot_product_attention`` and
    ``nn.MultiheadAttention``. ``attn_mask`` is a bool (True = take part)
    or float (added) Tensor or array broadcastable to (..., L, S)."""
    L, E = query.shape[-2], query.shape[-1]
    S = key.shape[-2]
    if key.shape[-1] != E:
        raise RuntimeError(f"scaled_dot_product_attention: query and key must have the same last dim, got "
                           f"query {list(query.shape)} and key {list(key.shape)}")
    if value.shape[-2] != S:
        raise RuntimeError(f"scaled_dot_product_attention: key and value must have the same sequence length "
                           f"(dim -2), got key {list(key.shape)} and value {list(value.shape)}")
    if scale is None:
        scale = 1.0 / math.sqrt(E) if E else 1.0
    scores = ag.matmul(query if scale == 1.0 else query * scale, key.transpose(-2, -1))  # (..., L, S)
    # masks are applied by ops (a compiled replay recomputes them from each call's mask)
    keep = None  # bool Tensor: where a key takes part
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not be set when "
                               "is_causal=True")
        keep = Tensor(causal_mask(L, S))  # by the shapes only
    elif attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            attn_mask = Tensor(np.asarray(attn_mask))
        kind = attn_mask.dtype.kind
        if kind == "b":
            keep = attn_mask
        elif kind == "f":  # a learnt bias keeps its graph
            scores = scores + attn_mask.to(scores.dtype)
        else:
            raise TypeError(f"scaled_dot_product_attention: attn_mask must be bool or floating point, got "
                            f"{attn_mask.dtype}")
    if keep is not None:
        try:
            np.broadcast_shapes(tuple(keep.shape), tuple(scores.shape))
        except ValueError:
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {list(keep.shape)} does "
                               f"not broadcast to the scores' shape {list(scores.shape)}") from None
        scores = ag.masked_fill(scores, ag.logical_not(keep), float("-inf"))
    dead = None  # rows where every key is masked: zero weights
    if scores.numel() and S:
        if call_observers:  # a recording listens (ag.compile): by ops and always, so that each replay
            dead = (scores == float("-inf")).all(-1, keepdim=True)  # recomputes it (a branch would not)
        else:  # eagerly: only where there are such rows (masking nothing changes no value)
            sd = scores._data
            if not np.isfinite(sd).all() and np.isneginf(sd).all(axis=-1).any():
                dead = Tensor(np.isneginf(sd).all(axis=-1, keepdims=True))
    if dead is not None:
        scores = ag.masked_fill(scores, dead, 0.0)
    weights = ag.softmax(scores, -1)
    if dead is not None:
        weights = ag.masked_fill(weights, dead, 0.0)
    if dropout_p > 0.0:
        weights = _dropout(weights, dropout_p, True)
    return ag.matmul(weights, value), weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(Q Kᵀ · scale + M) V over the last two dims (see the module
    docstring): Q (..., H_q, L, E), K (..., H_kv, S, E), V (..., H_kv, S, Eᵥ)
    -> (..., H_q, L, Eᵥ). ``dropout_p`` is applied to the weights whenever it
    is positive (pass 0 in eval mode, as in PyTorch)."""
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(f"scaled_dot_product_attention: expected query, key and value with at least 2 dims, "
                           f"got {list(query.shape)}, {list(key.shape)}, {list(value.shape)}")
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk != hv or hk == 0 or hq % hk:
            raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa the key/value heads ({hk}, {hv}) "
                               f"must be equal and divide the query heads ({hq})")
        key, value = _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hk)
    return attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]
