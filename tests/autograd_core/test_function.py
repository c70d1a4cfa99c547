"""User-defined ``Function``s and ``once_differentiable``."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import leaf


class Cube(ag.Function):
    """y = x³, dy/dx = 3x² (a user Function: Tensors in and out)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g


class ScaleBy(ag.Function):
    """x * k with a non-tensor k: returns None for k."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


class SplitSign(ag.Function):
    """Two outputs: the positive and the negative part; plus an index output."""

    @staticmethod
    def forward(ctx, x):
        pos = ag.tensor(np.maximum(x._data, 0))
        neg = ag.tensor(np.minimum(x._data, 0))
        idx = ag.tensor((x._data > 0).astype(np.float64))
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(x)
        return pos, neg, idx

    @staticmethod
    def backward(ctx, gpos, gneg, gidx):
        (x,) = ctx.saved_tensors
        mask = ag.tensor((x._data > 0).astype(x._data.dtype))
        return gpos * mask + gneg * (1 - mask)


def test_custom_function_forward_backward_and_gradcheck():
    x = leaf(4, seed=1)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward0"
    np.testing.assert_allclose(y._data, x._data ** 3)
    assert ag.gradcheck(Cube.apply, (x,))
    assert ag.gradgradcheck(Cube.apply, (x,))  # backward made of tensor ops


def test_non_tensor_arguments_and_needs_input_grad():
    seen = {}

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["forward"] = ctx.needs_input_grad
            return a + b

        @staticmethod
        def backward(ctx, g):
            seen["backward"] = ctx.needs_input_grad
            return g, g

    a, b = ag.ones(2, requires_grad=True), ag.ones(2)
    Probe.apply(a, b).backward(ag.ones(2))
    assert seen == {"forward": (True, False), "backward": (True, False)}
    x = leaf(3)
    assert ag.gradcheck(lambda t: ScaleBy.apply(t, 2.5), (x,))


def test_forward_runs_without_recording():
    class Inner(ag.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.inner_requires_grad = y.requires_grad
            return y

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = ag.ones(1, requires_grad=True)
    y = Inner.apply(x)
    assert y.requires_grad and y.grad_fn.inner_requires_grad is False


def test_multiple_outputs_missing_gradients_are_zeros():
    x = leaf(5, seed=2)
    pos, neg, idx = SplitSign.apply(x)
    assert not idx.requires_grad and pos.requires_grad
    (pos * 3).backward(ag.ones(5, dtype=ag.float64))  # neg and idx get no gradient
    np.testing.assert_allclose(x.grad._data, 3 * (x._data > 0))
    assert ag.gradcheck(lambda t: SplitSign.apply(t)[:2], (leaf(5, seed=2),))


def test_wrong_number_of_gradients_is_reported():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a, b = ag.ones(1, requires_grad=True), ag.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="BadBackward0 returned 1 gradients; expected 2"):
        Bad.apply(a, b).backward(ag.ones(1))


def test_wrong_gradient_shape_is_reported():
    class BadShape(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, g):
            return ag.ones(7)

    with pytest.raises(RuntimeError, match=r"BadShape.*\(7,\).*\(3,\)"):
        BadShape.apply(ag.ones(3, requires_grad=True)).backward(ag.ones(3))


def test_once_differentiable_refuses_create_graph():
    class Opaque(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return ag.tensor(np.sin(x._data))

        @staticmethod
        @ag.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return ag.tensor(np.cos(x._data) * g._data)

    x = leaf(3)
    assert ag.gradcheck(Opaque.apply, (x,))
    y = Opaque.apply(x)
    with pytest.raises(RuntimeError, match="OpaqueBackward0 is once_differentiable"):
        ag.grad(y, x, ag.ones(3, dtype=ag.float64), create_graph=True)
