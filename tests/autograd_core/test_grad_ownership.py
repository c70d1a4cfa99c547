"""A leaf keeps a fresh gradient without a copy only when nothing else holds
it (engine._sole): every other holder makes the engine copy, so no two
tensors' ``.grad`` ever share memory and in-place updates stay private."""
import numpy as np

import autograd_core as ag
import nn


def leaf(*shape, seed=0):
    return ag.tensor(np.random.default_rng(seed).random(shape), requires_grad=True)


def private(*grads):
    """No two of the arrays share memory."""
    arrays = [g._data if isinstance(g, ag.Tensor) else g for g in grads]
    return not any(np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1:])


def test_one_gradient_two_leaves():
    a, b = leaf(3), leaf(3, seed=1)
    (a + b).sum().backward()  # Add's backward hands the same tensor to both inputs
    assert private(a.grad, b.grad)
    a.grad._data += 1  # an in-place update of one leaves the other alone
    np.testing.assert_array_equal(b.grad._data, np.ones(3))


def test_a_gradient_the_user_holds_is_copied():
    x = leaf(2, 3)
    seed = ag.tensor(np.full((2, 3), 2.0))
    (x + 0).backward(seed)  # the seed flows unchanged to x
    assert private(x.grad, seed)
    y = leaf(4)
    raw = np.ones(4)
    y.backward(raw)  # a leaf's own backward, with a numpy seed
    assert private(y.grad, raw)
    np.testing.assert_array_equal(y.grad._data, raw)


def test_a_gradient_a_hook_keeps_is_copied():
    x = leaf(3)
    kept = []
    x.register_hook(lambda g: kept.append(g))
    (x * 2).sum().backward()
    assert private(x.grad, kept[0])
    np.testing.assert_array_equal(kept[0]._data, [2, 2, 2])


def test_retained_gradients_stay_private():
    x = leaf(3)
    y = x + 0
    y.retain_grad()
    z = y.T  # a view: its gradient flows on as it is
    z.sum().backward()
    assert private(x.grad, y.grad)


def test_a_view_of_a_private_array_is_kept_and_accumulates():
    w = leaf(4, 3)
    x = ag.tensor(np.random.default_rng(2).random((5, 3)))
    (x @ w.T).sum().backward()  # w.grad arrives as the transpose of a fresh product
    assert w.grad._data.flags.c_contiguous
    np.testing.assert_allclose(w.grad._data, np.ones((5, 4)).T @ x._data)
    first = w.grad._data.copy()
    (x @ w.T).sum().backward()  # a second backward adds in place
    np.testing.assert_allclose(w.grad._data, 2 * first)


def test_a_read_only_broadcast_is_copied():
    x = ag.tensor([3.0], requires_grad=True)
    (x.sum() * 2).backward()  # sum's backward broadcasts a 0-d gradient: a read-only (1,) view
    assert x.grad._data.flags.writeable
    (x.sum() * 2).backward()  # so the second backward can add in place
    np.testing.assert_array_equal(x.grad._data, [4.0])


def test_a_slice_of_a_private_gradient_is_kept_safely():
    x, z = leaf(2, 3), ag.tensor(np.ones((4, 3)))
    (ag.cat([x, z]) * 3).sum().backward()  # x.grad: rows 0-1 of cat's gradient, nobody else's
    np.testing.assert_array_equal(x.grad._data, np.full((2, 3), 3.0))
    y = leaf(2, 3, seed=5)
    (ag.cat([x, y]) * 3).sum().backward()  # two slices of one array: the second leaf copies
    assert private(x.grad, y.grad)
    np.testing.assert_array_equal(x.grad._data, np.full((2, 3), 6.0))


def test_kept_gradients_match_copied_ones():
    """A model's gradients are the same whether the engine keeps or copies them."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    x, y = ag.randn(7, 6), ag.tensor([0, 1, 2, 0, 1, 2, 0])
    nn.CrossEntropyLoss()(model(x), y).backward()
    kept = {k: p.grad._data.copy() for k, p in model.named_parameters()}
    model.zero_grad()
    grads = ag.grad(nn.CrossEntropyLoss()(model(x), y), list(model.parameters()))  # the capture path
    seen = []
    for p in model.parameters():
        p.register_hook(lambda g: seen.append(g))  # a holder: the engine copies
    nn.CrossEntropyLoss()(model(x), y).backward()
    for (k, p), g in zip(model.named_parameters(), grads):
        np.testing.assert_allclose(g._data, kept[k], rtol=1e-6)
        np.testing.assert_allclose(p.grad._data, kept[k], rtol=1e-6)
    assert private(*[p.grad for p in model.parameters()], *grads, *seen)
