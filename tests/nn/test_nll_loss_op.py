"""``nll_loss`` (and so ``cross_entropy``) as one op, ``NllLossBackward0`` (autograd_core/ops/nll_loss.py):
gradients against finite differences, forward mode against reverse, the numbers of the composition it
replaced (gather, neg, mul, sum, div) bit for bit, and ``ag.compile`` replaying a loss whose targets
change from call to call (they are an input of the op, checked on every call)."""
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check, check_jvp, leaf

REDUCTIONS = ["mean", "sum", "none"]


def composed(logp, t, weight=None, ignore_index=-100, reduction="mean"):
    """The loss as it was written before the op: gather, squeeze, neg, mul, sum, div."""
    t = t.numpy()
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    w = None if weight is None else weight.numpy()
    picked = ag.squeeze(ag.gather(logp, 1, ag.tensor(np.expand_dims(safe, 1))), 1)
    wt = (valid if w is None else w[safe] * valid).astype(logp.dtype)
    loss = -picked * ag.tensor(wt)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / ag.tensor(wt.sum(dtype=logp.dtype))


def targets(n, c, seed=0, ignore=False, extra=()):
    t = np.random.default_rng(seed).integers(0, c, (n,) + extra)
    if ignore:
        t.flat[::3] = -100
    return ag.tensor(t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("extra", [(), (3,)])
def test_gradients_and_forward_mode(reduction, weighted, extra):
    x = leaf(5, 4, *extra, seed=1)
    t = targets(5, 4, ignore=True, extra=extra)
    w = ag.tensor(np.array([0.5, 1.0, 2.0, 1.5])) if weighted else None
    f = lambda x: F.nll_loss(x, t, weight=w, reduction=reduction)  # noqa: E731
    check(f, x)
    check_jvp(f, x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_bits_as_the_composition(reduction, weighted, dtype):
    rng = np.random.default_rng(2)
    data = rng.standard_normal((64, 10)).astype(dtype)
    t = targets(64, 10, seed=3, ignore=True)
    w = ag.tensor(rng.uniform(0.5, 2, 10).astype(dtype)) if weighted else None
    results = []
    for f in (lambda x: F.nll_loss(ag.log_softmax(x, 1), t, weight=w, reduction=reduction),
              lambda x: composed(ag.log_softmax(x, 1), t, w, reduction=reduction)):
        x = ag.tensor(data, requires_grad=True)
        y = f(x)
        y.backward(ag.ones_like(y) * 0.75)
        results.append((y.detach().numpy(), x.grad.numpy()))
    (y1, g1), (y2, g2) = results
    assert y1.tobytes() == y2.tobytes() and g1.tobytes() == g2.tobytes()


def test_one_node_named_as_in_pytorch():
    x = leaf(4, 3)
    loss = F.cross_entropy(x, targets(4, 3))
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"


def test_out_of_range_target_raises():
    x = leaf(4, 3)
    with pytest.raises(IndexError, match="Target 3 is out of bounds"):
        F.nll_loss(x, ag.tensor([0, 1, 3, 2]))
    assert F.nll_loss(x, ag.tensor([0, 1, -100, 2])).requires_grad  # ignore_index is not out of range


LOSSES = {"plain": lambda rng: nn.CrossEntropyLoss(),
          "label smoothing, class weights": lambda rng: nn.CrossEntropyLoss(
              label_smoothing=0.1, weight=ag.tensor(rng.uniform(0.5, 2, 5).astype(np.float32)))}


@pytest.mark.parametrize("kind", LOSSES)
def test_compiled_loss_replays_with_changing_targets(kind):
    """The loss inside ``ag.compile`` replays (no fallback warning) and equals eager mode bit for bit
    while the targets change; a target out of range still raises during a replay."""
    rng = np.random.default_rng(4)
    model = nn.Linear(6, 5)
    loss_fn = LOSSES[kind](rng)
    step = ag.compile(lambda x, y: loss_fn(model(x), y))
    x = ag.tensor(rng.standard_normal((8, 6)).astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for _ in range(4):
            y = ag.tensor(rng.integers(0, 5, 8))
            model.zero_grad()
            loss = step(x, y)
            loss.backward()
            got = (loss.item(), [p.grad.numpy().copy() for p in model.parameters()])
            model.zero_grad()
            ref = loss_fn(model(x), y)
            ref.backward()
            assert got[0] == ref.item()
            for g, p in zip(got[1], model.parameters()):
                np.testing.assert_array_equal(g, p.grad.numpy())
    assert step.explain()[0]["calls"]["replay"] >= 2
    with pytest.raises(IndexError, match="out of bounds"):
        step(x, ag.tensor(np.full(8, 7)))


def smoothed_before(x, t, w, ignore_index, reduction, eps):
    """cross_entropy with label smoothing as it was computed before (masks and weights on arrays)."""
    logp = ag.log_softmax(x, 1)
    c = x.shape[1]
    nll = F.nll_loss(logp, t, weight=w, ignore_index=ignore_index, reduction=reduction)
    tn = t.numpy()
    valid = tn != ignore_index
    safe = np.where(valid, tn, 0)
    wn = None if w is None else w.numpy()
    smooth = -(logp.sum(1) if wn is None else (logp * ag.tensor(wn.reshape(1, c))).sum(1))
    smooth = smooth * ag.tensor(valid.astype(x.dtype))
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        denom = valid.sum() if wn is None else (wn[safe] * valid).sum()
        smooth = smooth.sum() / ag.tensor(np.asarray(denom, x.dtype))
    return (1 - eps) * nll + (eps / c) * smooth


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_label_smoothing_same_bits_as_before(reduction, weighted):
    rng = np.random.default_rng(5)
    data = rng.standard_normal((32, 7)).astype(np.float32)
    t = targets(32, 7, seed=6, ignore=True)
    w = ag.tensor(rng.uniform(0.5, 2, 7).astype(np.float32)) if weighted else None
    results = []
    for f in (lambda x: F.cross_entropy(x, t, weight=w, reduction=reduction, label_smoothing=0.1),
              lambda x: smoothed_before(x, t, w, -100, reduction, 0.1)):
        x = ag.tensor(data, requires_grad=True)
        y = f(x)
        y.backward(ag.ones_like(y))
        results.append((y.detach().numpy(), x.grad.numpy()))
    (y1, g1), (y2, g2) = results
    assert y1.tobytes() == y2.tobytes() and g1.tobytes() == g2.tobytes()
