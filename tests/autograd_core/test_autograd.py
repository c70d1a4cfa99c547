"""Reverse mode: backward, grad, accumulation, hooks, retain_grad, freeing,
version counters, anomaly detection and the errors of the engine."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import leaf


def test_grad_accumulates_across_backward_calls():
    x = ag.tensor(3.0, requires_grad=True)
    (x * x).backward()
    (x * x).backward()
    assert x.grad.item() == 12.0


def test_shared_subexpression_sums_paths():
    x = ag.tensor(2.0, requires_grad=True)
    a = x * x
    y = a * a + a  # dy/dx = (2a + 1) 2x = 9 * 4
    y.backward()
    assert x.grad.item() == 36.0


def test_broadcast_gradients_sum_to_input_shape():
    a = ag.ones(3, 1, requires_grad=True)
    b = ag.ones(4, requires_grad=True)
    (a * b).backward(ag.ones(3, 4))
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0]] * 3
    assert b.grad.shape == (4,) and b.grad.tolist() == [3.0] * 4


def test_grads_keep_dtype_and_do_not_alias():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], requires_grad=True)
    (a + b).backward(ag.ones(2))
    assert a.grad.dtype == ag.float32
    a.grad._data[0] = 100  # an optimizer zeroing one grad in place must not touch another
    assert b.grad.tolist() == [1.0, 1.0]


def test_mixed_precision_gradient_dtypes():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], dtype=ag.float64, requires_grad=True)
    y = a * b
    assert y.dtype == ag.float64
    y.backward(ag.ones(2, dtype=ag.float64))
    assert a.grad.dtype == ag.float32 and b.grad.dtype == ag.float64


def test_backward_on_non_scalar_needs_gradient():
    x = ag.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(3,\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(ag.ones(4))


def test_backward_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(2).backward(ag.ones(2))
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.grad(ag.ones(1, requires_grad=True) * 2, [ag.ones(1)])


def test_second_backward_through_freed_graph_raises():
    x = ag.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = ag.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_grad_function_does_not_touch_dot_grad():
    x = ag.tensor(3.0, requires_grad=True)
    y = x * x * x
    (g,) = ag.grad(y, x)
    assert g.item() == 27.0 and x.grad is None


def test_grad_with_respect_to_intermediate():
    x = ag.tensor(3.0, requires_grad=True)
    a = x * 2
    y = a * a
    ga, gx = ag.grad(y, [a, x])
    assert ga.item() == 12.0 and gx.item() == 24.0


def test_grad_allow_unused():
    x = ag.tensor(1.0, requires_grad=True)
    z = ag.tensor(1.0, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="not used"):
        ag.grad(y, [x, z], retain_graph=True)
    gx, gz = ag.grad(y, [x, z], allow_unused=True)
    assert gx.item() == 2.0 and gz is None


def test_backward_inputs_restricts_accumulation():
    x = ag.tensor(1.0, requires_grad=True)
    z = ag.tensor(2.0, requires_grad=True)
    (x * z).backward(inputs=[x])
    assert x.grad.item() == 2.0 and z.grad is None


def test_create_graph_second_and_third_derivative():
    x = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    y = x ** 4
    (g1,) = ag.grad(y, x, create_graph=True)
    (g2,) = ag.grad(g1, x, create_graph=True)
    (g3,) = ag.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (32.0, 48.0, 48.0)


def test_backward_create_graph_leaves_differentiable_grad():
    x = ag.tensor(3.0, requires_grad=True)
    (x ** 3).backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.item() == 27.0
    (g2,) = ag.grad(x.grad, x)
    assert g2.item() == 18.0


def test_retain_grad_on_intermediate():
    x = ag.tensor(2.0, requires_grad=True)
    a = x * 3
    a.retain_grad()
    (a * a).backward()
    assert a.retains_grad and a.grad.item() == 12.0
    b = x * 3
    (b * b).backward()
    assert b.grad is None  # not retained


def test_hooks_on_leaf_and_intermediate():
    x = ag.tensor(2.0, requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.item()))
    a = x * 3
    a.register_hook(lambda g: g * 10)  # replaces the gradient flowing on
    (a * a).backward()
    assert seen == [360.0] and x.grad.item() == 360.0
    h.remove()
    x.grad = None
    (x * 1).backward()
    assert seen == [360.0] and x.grad.item() == 1.0
    with pytest.raises(RuntimeError, match="doesn't require"):
        ag.ones(1).register_hook(print)


def test_grad_fn_graph_introspection():
    x = ag.tensor(1.0, requires_grad=True)
    y = x * 2 + 1
    assert y.grad_fn.name() == "AddBackward0"
    (mul, _), (none, _) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0" and none is None
    acc = mul.next_functions[0][0]
    assert acc.name() == "AccumulateGrad" and acc.variable is x


def test_no_grad_results_do_not_require_grad():
    x = ag.ones(2, requires_grad=True)
    with ag.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2).requires_grad


def test_version_counter_detects_modified_saved_tensor():
    x = ag.ones(3, requires_grad=True)
    a = x * 1
    y = a * a  # saves a
    a.add_(1)
    assert a._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*MulBackward0"):
        y.backward(ag.ones(3))


def test_inplace_on_unsaved_tensor_is_fine():
    x = ag.ones(3, requires_grad=True)
    a = x * 2
    a.add_(1)  # add saves nothing
    a.mul_(3)
    assert a.grad_fn.name() == "MulBackward0"
    a.backward(ag.ones(3))
    assert x.grad.tolist() == [6.0] * 3


def test_detect_anomaly_names_op_and_place():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    y = x ** 0.5  # infinite derivative at 0
    with ag.detect_anomaly():
        z = x ** 0.5
        with pytest.raises(RuntimeError, match=r"PowBackward0.*nan or inf(.|\n)*test_autograd"):
            z.backward(ag.ones(2))
    y.backward(ag.ones(2))  # outside anomaly mode: inf without error, like PyTorch
    assert np.isinf(x.grad.numpy()[0])


def test_long_chain_is_iterative():
    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 20000)


def test_gradcheck_reports_the_element():
    class BadSquare(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # wrong: should be 2x

    x = leaf(3)
    with pytest.raises(RuntimeError, match=r"input 0(.|\n)*numerical(.|\n)*analytic"):
        ag.gradcheck(BadSquare.apply, (x,))
    assert not ag.gradcheck(BadSquare.apply, (x,), raise_exception=False)
    with pytest.raises(TypeError, match="float64"):
        ag.gradcheck(lambda t: t * 2, (ag.ones(2, requires_grad=True),))


def test_shape_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"Add:.*\(2,\).*\(3,\)"):
        ag.ones(2) + ag.ones(3)
    with pytest.raises(ValueError, match=r"Mul:.*\(2, ?2\).*\(3,\)"):
        ag.ones(2, 2, requires_grad=True) * ag.ones(3)


def test_views_share_version_counter_even_without_recording():
    base = ag.ones(2, 3)
    v = base.transpose(0, 1)
    pieces = ag.split(base, 1, dim=0)
    v.add_(1)
    pieces[1].mul_(2)
    assert base._version == v._version == pieces[1]._version == 2


def test_gradcheck_on_non_contiguous_leaf():
    a = np.asfortranarray(np.random.default_rng(0).standard_normal((3, 2)))
    x = ag.tensor(a, requires_grad=True)
    x._data = a  # keep the Fortran layout
    assert ag.gradcheck(lambda t: t * t, (x,))


def test_grad_with_respect_to_two_outputs_of_one_node():
    x = ag.arange(4.0, dtype=ag.float64).requires_grad_()
    a, b = x.split(2)
    y = (a * 2).sum() + (b * 3).sum()
    ga, gb = ag.grad(y, [a, b])
    assert ga.tolist() == [2.0, 2.0] and gb.tolist() == [3.0, 3.0]
