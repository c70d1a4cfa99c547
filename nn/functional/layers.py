"""Layer functions of ``nn.functional`` built from autograd_core ops:
``linear``, ``bilinear``, ``embedding``, ``one_hot``, ``pad`` and ``normalize``.

    linear(x, W, b)        = x Wᵀ + b                     (W: (out, in))
    bilinear(x1, x2, W, b) = x1ᵀ W_k x2 + b_k for each k   (W: (out, in1, in2))
    normalize(x)           = x / max(||x||_p, eps)   along ``dim``
    embedding(i, W)        = W[i]   (rows of ``padding_idx`` get no gradient)

Dropout is in ``dropout.py``, the normalisations in ``normalization.py``.
"""
import numpy as np

import autograd_core as ag
from autograd_core.grad_mode import no_grad
from autograd_core.observers import read_observers, value_read
from autograd_core.ops.linalg import Addmm
from autograd_core.tensor import Tensor

__all__ = ["linear", "bilinear", "embedding", "one_hot", "pad", "normalize"]

pad = ag.pad


def linear(input, weight, bias=None):
    """x Wᵀ + b, for x of shape (*, in) and W of shape (out, in)."""
    if input.shape[-1:] != weight.shape[1:]:
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied (input "
                           f"{list(input.shape)}, weight {list(weight.shape)}: expected input[..., "
                           f"{weight.shape[1]}])")
    if input.ndim == 2 and weight.ndim == 2 and _one_float_dtype(input, weight, bias):
        return Addmm.apply(input, weight, bias)  # one node, AddmmBackward0, as in PyTorch
    if input.ndim > 2 and weight.ndim == 2:  # one 2-D product: a batched one runs BLAS per matrix
        lead = input.shape[:-1]  # and its weight gradient is a batch of products summed afterwards
        return linear(input.reshape(-1, input.shape[-1]), weight, bias).reshape(*lead, weight.shape[0])
    out = ag.matmul(input, weight.T)
    return out if bias is None else out + bias


def _one_float_dtype(input, weight, bias):
    """Whether ``Addmm`` takes these: a bias vector, and one floating dtype for all three (else the
    separate ops promote)."""
    if not (isinstance(bias, Tensor) and bias.ndim == 1 and isinstance(input, Tensor) and isinstance(weight, Tensor)):
        return False
    dt = input._data.dtype
    return dt.kind == "f" and weight._data.dtype == dt and bias._data.dtype == dt


def bilinear(input1, input2, weight, bias=None):
    """y_k = Σ_ij x1_i W_kij x2_j + b_k for x1 (*, in1), x2 (*, in2) with the same
    leading dims and W (out, in1, in2): one matrix product x1 · W' with W' the
    (in1, out·in2) view of W, then a sum over in2."""
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear: expected a 3-D weight (out, in1, in2), got shape {list(weight.shape)}")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1:] != (in1,) or input2.shape[-1:] != (in2,) or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear: input1 {list(input1.shape)} and input2 {list(input2.shape)} must share "
                           f"their leading dims and end in {in1} and {in2} (weight {list(weight.shape)})")
    if bias is not None and tuple(bias.shape) != (out_f,):
        raise RuntimeError(f"bilinear: expected bias of shape [{out_f}], got {list(bias.shape)}")
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, in1)
    t = ag.matmul(x1, weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    out = (t * input2.reshape(-1, 1, in2)).sum(-1).reshape(*lead, out_f)
    return out if bias is None else out + bias


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
    index = input if isinstance(input, Tensor) else Tensor(idx)
    out = weight[index]
    if padding_idx is not None:  # padding rows are looked up but get no gradient
        # the mask is an op (a compiled replay recomputes it) and always applied: a branch on
        # its values would be taken once, when recorded
        out = ag.where(ag.eq(index, padding_idx % n).unsqueeze(-1), out.detach(), out)
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
    t = tensor if isinstance(tensor, Tensor) else Tensor(idx)
    if num_classes == -1:  # the shape depends on the values: a read of them (ag.compile runs eagerly)
        if read_observers:
            value_read(t, "one_hot")
        num_classes = int(idx.max()) + 1 if idx.size else 0
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes ({num_classes}), "
                           f"got {idx.max()}.")
    # by ops (a compiled replay recomputes it): out[..., c] = [tensor[...] == c]
    return ag.eq(t.unsqueeze(-1), Tensor(np.arange(num_classes))).to(ag.int64)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(||x||_p, eps) along ``dim``."""
    n = ag.norm(input, p, dim, keepdim=True)
    return input / ag.clamp(n, min=eps)
