"""Layer functions of ``nn.functional`` built from autograd_core ops:
``linear``, ``dropout``/``dropout1d``/``dropout2d``, ``embedding``,
``one_hot``, ``pad``, ``layer_norm`` and ``normalize``.

    linear(x, W, b)  = x Wᵀ + b                      (W: (out, in))
    dropout(x, p)    = x · m / (1 - p),  m_i ~ Bernoulli(1 - p)   (training only)
    layer_norm(x)    = (x - E[x]) / sqrt(Var[x] + eps) · w + b
                       (E and the biased Var over the last len(normalized_shape) dims)
    normalize(x)     = x / max(||x||_p, eps)   along ``dim``
    embedding(i, W)  = W[i]   (rows of ``padding_idx`` get no gradient)

The random masks come from autograd_core's global generator, so
``ag.manual_seed`` reproduces them.
"""
import numpy as np

import autograd_core as ag
from autograd_core.grad_mode import no_grad
from autograd_core.random import numpy_generator
from autograd_core.tensor import Tensor

__all__ = ["linear", "dropout", "dropout1d", "dropout2d", "embedding", "one_hot", "pad", "layer_norm",
           "normalize"]

pad = ag.pad


def linear(input, weight, bias=None):
    """x Wᵀ + b, for x of shape (*, in) and W of shape (out, in)."""
    if input.shape[-1:] != weight.shape[1:]:
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied (input "
                           f"{list(input.shape)}, weight {list(weight.shape)}: expected input[..., "
                           f"{weight.shape[1]}])")
    if input.ndim > 2 and weight.ndim == 2:  # one 2-D product: a batched one runs BLAS per matrix
        lead = input.shape[:-1]  # and its weight gradient is a batch of products summed afterwards
        out = ag.matmul(input.reshape(-1, input.shape[-1]), weight.T).reshape(*lead, weight.shape[0])
    else:
        out = ag.matmul(input, weight.T)
    return out if bias is None else out + bias


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _drop(input, p, mask_shape):
    if p == 1.0:
        return input * Tensor(np.zeros(mask_shape, input.dtype))
    keep = numpy_generator().random(mask_shape) >= p
    return input * Tensor(keep.astype(input.dtype) * (1.0 / (1.0 - p)))


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each entry with probability ``p`` and scale the
    rest by 1/(1 - p) in training; the identity otherwise."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _drop(input, p, input.shape)


def _channel_dropout(name, input, p, training, dims):
    _check_p(p)
    if input.ndim not in dims:
        raise ValueError(f"{name}: expected a {' or '.join(f'{d}-D' for d in dims)} input, got shape "
                         f"{list(input.shape)}")
    if not training or p == 0.0:
        return input
    batched = input.ndim == max(dims)
    lead = 2 if batched else 1
    return _drop(input, p, input.shape[:lead] + (1,) * (input.ndim - lead))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Drop whole channels of (N, C, L) or (C, L) inputs."""
    return _channel_dropout("dropout1d", input, p, training, (2, 3))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Drop whole channels (feature maps) of (N, C, H, W) or (C, H, W) inputs."""
    return _channel_dropout("dropout2d", input, p, training, (3, 4))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` picked by the integer tensor ``input``."""
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected an integer index tensor (Long or Int), got {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"embedding: index out of range in self (indices in [{idx.min()}, {idx.max()}], "
                         f"num_embeddings {n})")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    if max_norm is not None:
        _renorm_rows(weight, np.unique(idx), max_norm, norm_type)
    out = weight[Tensor(idx)]
    if padding_idx is not None:
        mask = idx == (padding_idx % n)
        if mask.any():  # padding rows are looked up but get no gradient
            out = ag.where(Tensor(mask[..., None]), out.detach(), out)
    return out


def _renorm_rows(weight, rows, max_norm, norm_type):
    """Rescale in place the rows whose ``norm_type``-norm exceeds ``max_norm``."""
    with no_grad():
        w = weight._data
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None]
        weight._vc[0] += 1


def one_hot(tensor, num_classes=-1):
    """(*) integer classes -> (*, num_classes) int64 tensor of 0/1."""
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor, got dtype {idx.dtype}")
    if idx.size and idx.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes ({num_classes}), "
                           f"got {idx.max()}.")
    out = np.zeros(idx.shape + (num_classes,), np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.intp), 1, axis=-1)
    return Tensor(out)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims (biased variance)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(f"layer_norm: expected input with shape [*, {', '.join(map(str, shape))}], "
                           f"but got input of size {list(input.shape)}")
    dims = tuple(range(input.ndim - k, input.ndim))
    var, mean = ag.var_mean(input, dims, keepdim=True, correction=0)
    out = (input - mean) * ag.rsqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(||x||_p, eps) along ``dim``."""
    n = ag.norm(input, p, dim, keepdim=True)
    return input / ag.clamp(n, min=eps)
