"""``nn.utils``: gradient clipping and flattening parameters to one vector.

    clip_grad_norm_:  total = ‖(‖g_1‖_p, ..., ‖g_k‖_p)‖_p  (the p-norm of all
                      gradients together); if total > max_norm every gradient is
                      scaled by max_norm / (total + 1e-6). Returns total.
    clip_grad_value_: every gradient entry clamped to [-v, v].
"""
import math

import numpy as np

import autograd_core as ag
from autograd_core.grad_mode import no_grad
from autograd_core.tensor import Tensor

from . import rnn  # noqa: E402  (nn.utils.rnn: packed and padded sequences)

__all__ = ["rnn", "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients in place so that their total ``norm_type``-norm is
    at most ``max_norm``; return the total norm before clipping (a tensor)."""
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        return ag.tensor(0.0)
    norm_type = float(norm_type)
    dtype = grads[0].dtype
    if math.isinf(norm_type):
        total = max(float(np.abs(g._data).max()) if g._data.size else 0.0 for g in grads)
    else:
        per = [np.linalg.norm(g._data.reshape(-1).astype(np.float64), norm_type) for g in grads]
        total = float(np.linalg.norm(np.array(per), norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        with no_grad():
            for g in grads:
                g._data *= np.asarray(coef, g._data.dtype)
                g._vc[0] += 1
    return ag.tensor(total, dtype=dtype)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry to [-clip_value, clip_value] in place."""
    v = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -v, v, out=p.grad._data)
            p.grad._vc[0] += 1


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    return ag.cat([ag.reshape(p, (-1,)) for p in _params(parameters)])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into the parameters (in place)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected a Tensor, but got: {type(vec).__name__}")
    params = _params(parameters)
    need = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != need:
        raise RuntimeError(f"vector_to_parameters: expected a 1-D vector of {need} elements, got shape "
                           f"{list(vec.shape)}")
    pos = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p._data[...] = vec._data[pos:pos + n].reshape(p.shape)
            p._vc[0] += 1
            pos += n
