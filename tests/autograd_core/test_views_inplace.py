"""In-place ops on views made by indexing of tensors that require grad: the
base's history is rewritten (CopySlices), so gradients reach the base and
what was written; gradcheck and gradgradcheck in float64; views of leaves
still raise outside no_grad; version counters are shared."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, leaf


def _mul_column(x):
    h = x * 1.0
    h[:, 0].mul_(2)
    return h


def _add_to_row(d, w):
    d = d * 1.0
    d[1] += w[2]  # __getitem__ (a view), __iadd__ on it, __setitem__ back
    return d


def _assign_tail(x, z):
    y = x.sin()  # sin saves its input, not its output (exp's y[1:] = z would raise at backward)
    y[1:] = z
    return y


def _assign_into_view_of_view(x, z):
    y = x * 1.0
    y[1][1:] = z  # a view of a view
    return y * y


def _view_mutated_then_used(x, w):
    h = x.sin()
    v = h[:, 1:3]
    v.mul_(w)  # w broadcasts over the rows of the view
    v.add_(1.0)
    return h.sum(0) + v.sum(1).sum() * h[0]


def _narrowed(x):
    h = x * x
    h.narrow(1, 1, 2).mul_(3.0)
    return h


def _nested_region(x, w):
    h = x.sin()
    h[0:2, ...][:, 1].copy_(w)  # Ellipsis and two steps of views
    return h


CASES = [
    ("mul_ on a column", _mul_column, [(3, 4)]),
    ("d[i] += w[k]", _add_to_row, [(3, 4), (5, 4)]),
    ("y[1:] = z on a non-leaf", _assign_tail, [(3, 2), (2, 2)]),
    ("view of a view", _assign_into_view_of_view, [(3, 3), (2,)]),
    ("a view used after two in-place ops", _view_mutated_then_used, [(3, 4), (2,)]),
    ("narrow", _narrowed, [(2, 4)]),
    ("copy_ into a nested region", _nested_region, [(3, 4), (2,)]),
]


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck_and_gradgradcheck(name, fn, shapes):
    check(fn, *[leaf(*s, seed=i) for i, s in enumerate(shapes)])


def test_gradients_of_mul_on_a_column_by_hand():
    x = leaf(3, 4)
    _mul_column(x).sum().backward()
    expected = np.ones((3, 4))
    expected[:, 0] = 2
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_values_and_version_counter():
    x = leaf(2, 3)
    h = x * 1.0
    v = h[0]
    assert v._vc is h._vc and h._version == 0
    v.add_(1.0)
    assert h._version == 1 and v._version == 1
    np.testing.assert_allclose(h.detach().numpy()[0], x.detach().numpy()[0] + 1)
    np.testing.assert_allclose(h.detach().numpy()[1], x.detach().numpy()[1])
    assert h.grad_fn.name() == "CopySlicesBackward0"
    assert v.grad_fn.name() == "GetItemBackward0"


def test_gradient_flows_to_the_written_value_and_not_to_the_overwritten_part():
    x, z = leaf(3, 2), leaf(2, 2, seed=1)
    y = _assign_tail(x, z)
    y.backward(ag.ones_like(y))
    expected_x = np.zeros((3, 2))
    expected_x[0] = np.cos(x.detach().numpy()[0])
    np.testing.assert_allclose(x.grad.numpy(), expected_x)
    np.testing.assert_array_equal(z.grad.numpy(), np.ones((2, 2)))


def test_base_that_does_not_require_grad_gets_a_history():
    w = leaf(4)
    d = ag.zeros(3, 4, dtype=ag.float64)
    d[1].add_(w)  # d is a leaf without grad: it becomes a non-leaf
    assert d.requires_grad and not d.is_leaf
    (d * 3).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full(4, 3.0))


def test_view_keeps_its_own_graph_after_the_rewrite():
    x = leaf(2, 3)
    h = x * 2.0
    v = h[1]
    v.mul_(v)  # v := v², saved v is snapshotted
    v.sum().backward()
    expected = np.zeros((2, 3))
    expected[1] = 2 * (2 * x.detach().numpy()[1]) * 2
    np.testing.assert_allclose(x.grad.numpy(), expected)


@pytest.mark.parametrize("op", [
    lambda x: x[0].add_(1.0),
    lambda x: x[:, 0].mul_(2.0),
    lambda x: x[1:][0].zero_(),
    lambda x: x.narrow(0, 0, 1).fill_(0.0),
])
def test_view_of_a_leaf_that_requires_grad_raises(op):
    x = leaf(3, 3)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        op(x)
    with ag.no_grad():  # allowed under no_grad, as in PyTorch
        op(x)
    assert x.is_leaf and x._version == 1


def test_a_view_made_a_leaf_that_requires_grad_raises_as_a_leaf():
    v = ag.zeros(2, 3, dtype=ag.float64)[0].requires_grad_()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        v.add_(1.0)


def test_view_of_a_leaf_by_another_view_op_raises_the_leaf_message():
    x = leaf(3, 3)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x.t().mul_(2.0)


def test_views_made_by_any_view_op_rewrite_the_base():
    """transpose, a row of a transpose, reshape and view all track their base."""
    x = leaf(3, 4)

    def f(x):
        h = x * 1.0
        h.t().mul_(2.0)
        h.t()[0].add_(x[0, 0])
        h.reshape(12)[3:5].mul_(3.0)
        h.view(4, 3).transpose(0, 1)[1].sub_(x[1, 1])
        return h

    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))


def test_pieces_of_a_multi_output_view_op_raise_clearly():
    h = leaf(4, 3) * 1.0
    with pytest.raises(RuntimeError, match="multi-output view ops"):
        h.split(2)[0].mul_(2.0)


def test_saved_base_modified_through_a_view_is_detected():
    x = leaf(2, 2)
    h = x.exp()  # exp saves its output
    h[0].mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward()


def test_no_grad_anywhere_is_a_plain_write():
    d = ag.zeros(2, 3)
    d[0].add_(ag.ones(3))
    assert d.grad_fn is None and not d.requires_grad
    np.testing.assert_array_equal(d.numpy(), [[1, 1, 1], [0, 0, 0]])


def test_training_loop_style_accumulation():
    """``d[ix] += w[k]`` in a loop, as a hand-written embedding-bag would."""
    w = leaf(5, 3)
    d = ag.zeros(4, 3, dtype=ag.float64) * w.sum() * 0  # a non-leaf requiring grad
    pairs = [(0, 1), (2, 1), (0, 4), (3, 0)]
    for ix, k in pairs:
        d[ix] += w[k]
    (d * ag.arange(4.0, dtype=ag.float64).reshape(4, 1)).sum().backward()
    expected = np.zeros((5, 3))
    for ix, k in pairs:
        expected[k] += ix
    expected += 0  # d's initial value contributes w.sum() * 0
    np.testing.assert_allclose(w.grad.numpy(), expected)


def test_retained_gradients_are_those_of_the_new_versions():
    x = leaf(3)
    h = x * 1.0
    h.retain_grad()
    v = h[:2]
    v.retain_grad()
    v.mul_(2.0)
    (h.sum() + v.sum()).backward()  # v's new node is the view of h's new node
    np.testing.assert_array_equal(h.grad.numpy(), [2.0, 2.0, 1.0])
    np.testing.assert_array_equal(v.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0, 1.0])
    x.grad = None
    y = x * 1.0
    y.retain_grad()
    y.mul_(3.0)  # not a view
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0, 1.0])
