"""Tests of nn/utils.py: clip_grad_norm_ (returns the total norm, scales
only when it exceeds max_norm, inf norm, non-finite error),
clip_grad_value_, parameters_to_vector and vector_to_parameters."""
import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def _with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(ag.zeros(*np.shape(g)))
        p.grad = ag.tensor(g)
        params.append(p)
    return params


def test_clip_grad_norm_returns_the_total_norm_and_scales():
    params = _with_grads([3.0, 0.0], [[4.0]])
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total.item() == pytest.approx(5.0) and total.dtype == np.float32
    np.testing.assert_allclose(params[0].grad._data, [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(params[1].grad._data, [[0.8]], rtol=1e-5)
    g = np.sqrt(sum(float((p.grad._data**2).sum()) for p in params))
    assert g == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_leaves_small_gradients_and_skips_missing():
    params = _with_grads([0.3, 0.4])
    params.append(nn.Parameter(ag.zeros(2)))  # no grad
    assert clip_grad_norm_(params, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(params[0].grad._data, [0.3, 0.4])
    assert clip_grad_norm_([], 1.0).item() == 0.0


def test_clip_grad_norm_other_norms_and_errors():
    params = _with_grads([3.0, -7.0], [1.0])
    assert clip_grad_norm_(params, 100.0, norm_type="inf").item() == 7.0
    assert clip_grad_norm_(params, 100.0, norm_type=1).item() == pytest.approx(11.0)
    bad = _with_grads([np.inf])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    lin = nn.Linear(3, 2)
    lin(ag.randn(4, 3) * 100).sum().backward()
    clip_grad_norm_(lin.parameters(), 0.5)
    total = np.sqrt(sum(float((p.grad._data.astype(np.float64) ** 2).sum()) for p in lin.parameters()))
    assert total == pytest.approx(0.5, rel=1e-4)


def test_clip_grad_value():
    params = _with_grads([-3.0, 0.5, 2.0])
    clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad._data, [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    lin = nn.Linear(3, 2)
    vec = parameters_to_vector(lin.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec._data, np.concatenate([lin.weight._data.ravel(), lin.bias._data]))
    vec.sum().backward()  # differentiable
    assert np.all(lin.weight.grad._data == 1)
    w = lin.weight
    vector_to_parameters(ag.arange(8.0), lin.parameters())
    assert lin.weight is w
    np.testing.assert_array_equal(lin.weight._data, [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(lin.bias._data, [6, 7])
    with pytest.raises(TypeError, match="expected a Tensor"):
        vector_to_parameters(np.zeros(8), lin.parameters())
    with pytest.raises(RuntimeError, match="8 elements"):
        vector_to_parameters(ag.zeros(7), lin.parameters())
