"""The worked examples of the lecture notes (../shared/seeds), with their numbers."""
import numpy as np
import pytest

import autograd_core as ag


def test_notes_004_f_of_x1_x2_reverse_mode():
    """f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5): y = 11.652, x̄1 = 5.5, x̄2 = 1.716 (004)."""
    x1 = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    x2 = ag.tensor(5.0, dtype=ag.float64, requires_grad=True)
    y = ag.log(x1) + x1 * x2 - ag.sin(x2)
    y.backward()
    assert y.item() == pytest.approx(11.652071, abs=1e-6)
    assert x1.grad.item() == pytest.approx(5.5, abs=1e-12)
    assert x2.grad.item() == pytest.approx(1.716338, abs=1e-6)
    assert x2.grad.item() == pytest.approx(2.0 - np.cos(5.0), abs=1e-15)


def test_notes_000_y_equals_4x2_minus_x():
    """y = 4x² − x at x = 3: dy/dx = 8x − 1 = 23 (000)."""
    x = ag.tensor(3.0, requires_grad=True)
    y = 4 * x ** 2 - x
    y.backward()
    assert y.item() == 33.0 and x.grad.item() == 23.0


def test_notes_003_chainer_example():
    """y = x² − 2x + 1 at x = 5: y = 16 and x.grad = 8 (003)."""
    x = ag.tensor([5.0], requires_grad=True)
    y = x ** 2 - 2 * x + 1
    assert y.tolist() == [16.0]
    y.backward(ag.ones(1))
    assert x.grad.tolist() == [8.0]


def test_notes_002_cost_a_transpose_a():
    """cost = aᵀa with a = Wx + b: ∂cost/∂W = 2 a xᵀ, ∂cost/∂b = 2a (002)."""
    rng = np.random.default_rng(0)
    W = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    x = ag.tensor(rng.standard_normal(4))
    b = ag.tensor(rng.standard_normal(3), requires_grad=True)
    a = W @ x + b
    cost = a @ a
    cost.backward()
    a_np = W._data @ x._data + b._data
    np.testing.assert_allclose(W.grad.numpy(), 2 * np.outer(a_np, x._data), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), 2 * a_np, rtol=1e-12)
