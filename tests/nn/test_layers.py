"""Tests of the layers built from existing ops (Linear, Identity, Flatten,
Unflatten, Embedding, LayerNorm): values against numpy, gradcheck (and
gradgradcheck) through each layer in float64, float32 kept, errors."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check, check_jvp, leaf


def test_linear_values_and_shapes():
    lin = nn.Linear(3, 4)
    x = ag.randn(2, 5, 3)
    y = lin(x)
    assert y.shape == (2, 5, 4) and y.dtype == np.float32
    np.testing.assert_allclose(y._data, x._data @ lin.weight._data.T + lin.bias._data, rtol=1e-5, atol=1e-6)
    no_bias = nn.Linear(3, 4, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    np.testing.assert_allclose(no_bias(x)._data, x._data @ no_bias.weight._data.T, rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match=r"linear: .*input \[2, 5, 3\], weight \[4, 2\]"):
        F.linear(x, ag.zeros(4, 2))


def test_linear_gradcheck():
    lin = nn.Linear(3, 2, dtype=ag.float64)
    check(lambda x, w, b: lin(x), leaf(4, 3), lin.weight, lin.bias)


def test_linear_is_one_addmm_node_with_the_three_ops_values_bit_for_bit():
    """x Wᵀ + b as one op (AddmmBackward0, as in PyTorch) gives what Wᵀ, the product and the add give."""
    rng = np.random.default_rng(0)
    for x_layout in ("C", "F"):
        xa = np.asarray(rng.standard_normal((6, 5)), np.float32, order=x_layout)
        wa, ba = rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
        ga = rng.standard_normal((6, 4)).astype(np.float32)
        grads = []
        for fused in (True, False):
            x, w, b = (ag.tensor(a, requires_grad=True) for a in (xa, wa, ba))
            y = F.linear(x, w, b) if fused else ag.matmul(x, w.T) + b
            assert y.grad_fn.name() == ("AddmmBackward0" if fused else "AddBackward0")
            y.backward(ag.tensor(ga))
            grads.append([y._data] + [t.grad._data for t in (x, w, b)])
        for a, b in zip(*grads):
            assert a.dtype == b.dtype and np.array_equal(a, b)
    x, w, b = leaf(4, 3), leaf(2, 3), leaf(2)
    check(F.linear, x, w, b)
    check_jvp(F.linear, x, w, b)
    assert F.linear(ag.randn(2, 3), ag.randn(4, 3)).grad_fn is None  # no bias, no grad: the separate ops
    mixed = F.linear(ag.randn(2, 3, requires_grad=True), ag.randn(4, 3), ag.randn(4, dtype=ag.float64))
    assert mixed.dtype == ag.float64 and mixed.grad_fn.name() == "AddBackward0"  # promoted by the separate ops
    batched = F.linear(ag.randn(2, 5, 3, requires_grad=True), ag.randn(4, 3), ag.randn(4))
    assert batched.shape == (2, 5, 4) and batched.grad_fn.name() == "ReshapeBackward0"


def test_linear_grads_are_float32():
    lin = nn.Linear(3, 2)
    lin(ag.randn(4, 3)).sum().backward()
    assert lin.weight.grad.dtype == np.float32 and lin.bias.grad.dtype == np.float32
    np.testing.assert_allclose(lin.bias.grad._data, [4.0, 4.0])


def test_identity_flatten_unflatten():
    x = ag.randn(2, 3, 4, 5)
    assert nn.Identity(54, unused="x")(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten()(x)._data, x._data.reshape(2, 60))
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Unflatten(-1, (4, 5))(ag.reshape(x, (2, 3, 20)))._data, x._data)
    check(lambda t: nn.Unflatten(1, (2, 6))(nn.Flatten()(t)), leaf(2, 3, 4))


def test_embedding_lookup_and_gradient():
    emb = nn.Embedding(10, 3, dtype=ag.float64)
    idx = ag.tensor([[1, 2, 1], [9, 0, 1]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out._data, emb.weight._data[idx._data])
    out.sum().backward()
    counts = np.bincount(idx._data.ravel(), minlength=10)
    np.testing.assert_array_equal(emb.weight.grad._data, np.repeat(counts[:, None], 3, axis=1))
    check(lambda w: emb(idx) * 1.0, emb.weight)


def test_embedding_padding_idx_gets_no_gradient():
    emb = nn.Embedding(5, 2, padding_idx=0)
    assert not emb.weight._data[0].any()
    out = emb(ag.tensor([0, 3, 0, 4]))
    assert not out._data[0].any()
    (out * 2).sum().backward()
    assert not emb.weight.grad._data[0].any() and np.all(emb.weight.grad._data[3] == 2)
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4


def test_embedding_max_norm_and_from_pretrained():
    w = ag.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    emb = nn.Embedding.from_pretrained(w, max_norm=1.0)
    assert not emb.weight.requires_grad
    emb(ag.tensor([0, 1]))
    np.testing.assert_allclose(np.linalg.norm(emb.weight._data, axis=1), [1.0, 0.5, 10.0], rtol=1e-5)
    trainable = nn.Embedding.from_pretrained(w, freeze=False)
    assert trainable.weight.requires_grad and trainable.embedding_dim == 2


def test_embedding_errors():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="index out of range"):
        emb(ag.tensor([4]))
    with pytest.raises(IndexError, match="index out of range"):
        emb(ag.tensor([-1]))
    with pytest.raises(RuntimeError, match="integer index tensor"):
        emb(ag.tensor([1.0]))
    with pytest.raises(ValueError, match="2-dimensional"):
        nn.Embedding.from_pretrained(ag.zeros(3))


def _layer_norm_ref(x, k, w=None, b=None, eps=1e-5):
    axes = tuple(range(x.ndim - k, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


def test_layer_norm_values():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5)) * 3 + 1
    ln = nn.LayerNorm((4, 5), dtype=ag.float64)
    ln.weight._data[...] = rng.standard_normal((4, 5))
    ln.bias._data[...] = rng.standard_normal((4, 5))
    out = ln(ag.tensor(x))
    np.testing.assert_allclose(out._data, _layer_norm_ref(x, 2, ln.weight._data, ln.bias._data), rtol=1e-10)
    plain = nn.LayerNorm(5, elementwise_affine=False)
    assert list(plain.parameters()) == []
    np.testing.assert_allclose(plain(ag.tensor(x, dtype=ag.float32))._data, _layer_norm_ref(x, 1),
                               rtol=1e-4, atol=1e-5)
    no_bias = nn.LayerNorm(5, bias=False)
    assert [n for n, _ in no_bias.named_parameters()] == ["weight"]


def test_layer_norm_gradcheck():
    ln = nn.LayerNorm((3, 4), dtype=ag.float64)
    ln.weight._data[...] = np.random.default_rng(1).standard_normal((3, 4))
    check(lambda x, w, b: ln(x), leaf(2, 3, 4), ln.weight, ln.bias)


def test_layer_norm_errors():
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 4\]"):
        nn.LayerNorm(4)(ag.zeros(2, 3))
