"""Tensor.register_post_accumulate_grad_hook: the hook sees the accumulated
.grad of a leaf as soon as every use of that leaf has delivered, during the
backward pass (what DistributedDataParallel overlaps communication with)."""
import numpy as np
import pytest

import autograd_core as ag


class Mark(ag.Function):
    """Identity whose backward writes a mark into ``log``."""

    @staticmethod
    def forward(ctx, x, log):
        ctx.log = log
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        ctx.log.append("mark")
        return g, None


def test_runs_during_backward_after_the_last_use():
    log = []
    w1 = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w2 = ag.tensor([[0.5, -1.0]], requires_grad=True)
    x = ag.tensor([[1.0], [2.0]])
    w1.register_post_accumulate_grad_hook(lambda t: log.append(("w1", t.grad.numpy().copy())))
    w2.register_post_accumulate_grad_hook(lambda t: log.append(("w2", t.grad.numpy().copy())))
    h = Mark.apply(w1 @ x, log)
    y = (w2 @ h).sum() + (w2 * w2).sum()  # w2 used twice: its hook waits for both uses
    y.backward()
    names = [e if isinstance(e, str) else e[0] for e in log]
    assert names == ["w2", "mark", "w1"]  # w2 finished before the graph below it ran
    h_val = np.array([[5.0], [11.0]])
    np.testing.assert_allclose(log[0][1], h_val.T + 2 * w2.detach().numpy())
    np.testing.assert_allclose(log[2][1], w2.detach().numpy().T @ x.numpy().T)
    np.testing.assert_allclose(w1.grad.numpy(), log[2][1])


def test_accumulates_and_tensor_hooks_run_first():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    w.grad = ag.tensor([10.0, 10.0])
    seen = []
    w.register_hook(lambda g: g * 2)
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    (w * 3).sum().backward()
    np.testing.assert_allclose(seen[0], [16.0, 16.0])
    np.testing.assert_allclose(w.grad.numpy(), [16.0, 16.0])


def test_remove_and_not_in_grad():
    w = ag.tensor([1.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(1))
    ag.grad((w * 2).sum(), w)  # autograd.grad accumulates nothing: no hook
    assert seen == []
    (w * 2).sum().backward()
    assert seen == [1]
    handle.remove()
    (w * 2).sum().backward()
    assert seen == [1]
    np.testing.assert_allclose(w.grad.numpy(), [4.0])


def test_leaf_root_and_unused_leaf():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    u = ag.tensor([1.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append("w"))
    u.register_post_accumulate_grad_hook(lambda t: seen.append("u"))
    w.backward(ag.ones(2))  # the root is the leaf itself
    assert seen == ["w"]
    (w * 1).sum().backward()
    assert seen == ["w", "w"] and u.grad is None


def test_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.tensor([1.0]).register_post_accumulate_grad_hook(print)
    x = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(print)
