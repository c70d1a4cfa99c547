"""Tests of nn/loss.py and nn/functional/loss_*.py: every loss against a
numpy reference of its formula for reduction none/mean/sum, the class and
the function agree, gradcheck (and gradgradcheck) in float64, stability,
the Gaussian likelihood of lecture notes 000, errors."""
import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 5))
Y = rng.standard_normal((4, 5))
P = rng.uniform(0.05, 0.95, (4, 5))
B = (rng.uniform(size=(4, 5)) > 0.5).astype(np.float64)
W5 = rng.uniform(0.5, 2.0, 5)
IDX = np.array([1, 0, 4, 2])
PROBS = rng.dirichlet(np.ones(5), 4)
SIG = 1 / (1 + np.exp(-3 * X))


def _red(loss, reduction):
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


def _t(a, grad=False):
    return ag.tensor(a, dtype=ag.float64, requires_grad=grad)


def _log_softmax(a, axis=1):
    m = a.max(axis=axis, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis=axis, keepdims=True))


def _huber(d, delta):
    return np.where(np.abs(d) < delta, 0.5 * d**2, delta * (np.abs(d) - 0.5 * delta))


# name, class instance factory (reduction -> module), call args, numpy elementwise loss
ELEMENTWISE = [
    ("mse", lambda r: nn.MSELoss(reduction=r), (X, Y), (X - Y) ** 2),
    ("l1", lambda r: nn.L1Loss(reduction=r), (X, Y), np.abs(X - Y)),
    ("huber", lambda r: nn.HuberLoss(reduction=r, delta=0.7), (X, Y), _huber(X - Y, 0.7)),
    ("smooth_l1", lambda r: nn.SmoothL1Loss(reduction=r, beta=0.7), (X, Y), _huber(X - Y, 0.7) / 0.7),
    ("bce", lambda r: nn.BCELoss(reduction=r), (P, B), -(B * np.log(P) + (1 - B) * np.log(1 - P))),
    ("bce_w", lambda r: nn.BCELoss(weight=ag.tensor(W5, dtype=ag.float64), reduction=r), (P, B),
     -W5 * (B * np.log(P) + (1 - B) * np.log(1 - P))),
    ("bce_logits", lambda r: nn.BCEWithLogitsLoss(reduction=r), (3 * X, B),
     -(B * np.log(SIG) + (1 - B) * np.log(1 - SIG))),
    ("bce_logits_pos", lambda r: nn.BCEWithLogitsLoss(reduction=r, pos_weight=_t(W5)),
     (3 * X, B), -(W5 * B * np.log(SIG) + (1 - B) * np.log(1 - SIG))),
    ("kl", lambda r: nn.KLDivLoss(reduction=r), (np.log(PROBS), PROBS[::-1].copy()),
     PROBS[::-1] * (np.log(PROBS[::-1]) - np.log(PROBS))),
    ("kl_log_target", lambda r: nn.KLDivLoss(reduction=r, log_target=True),
     (np.log(PROBS), np.log(PROBS[::-1])),
     PROBS[::-1] * (np.log(PROBS[::-1]) - np.log(PROBS))),
]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name,make,args,ref", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_losses_against_numpy(name, make, args, ref, reduction):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KLDiv's 'mean' warning
        out = make(reduction)(*[_t(a) for a in args])
    np.testing.assert_allclose(out._data, _red(ref, reduction), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,make,args,ref", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_losses_gradcheck(name, make, args, ref):
    loss = make("sum")
    check(lambda a: loss(a, _t(args[1])), _t(args[0], True))
    if name in ("mse", "l1", "huber", "smooth_l1", "bce_logits"):
        check(lambda b: loss(_t(args[0]), b), _t(args[1], True))


def _nll_ref(logp, t, w=None, ignore=-100):
    valid = t != ignore
    safe = np.where(valid, t, 0)
    wt = (np.ones(logp.shape[1]) if w is None else w)[safe] * valid
    loss = -np.take_along_axis(logp, safe[:, None], 1)[:, 0] * wt
    return loss, wt


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_and_nll_with_indices(reduction, weighted):
    t = np.array([1, 0, -100, 4])
    w = W5 if weighted else None
    loss, wt = _nll_ref(_log_softmax(X), t, w)
    expected = {"none": loss, "sum": loss.sum(), "mean": loss.sum() / wt.sum()}[reduction]
    wt_t = None if w is None else _t(w)
    ce = nn.CrossEntropyLoss(weight=wt_t, reduction=reduction)(_t(X), ag.tensor(t))
    np.testing.assert_allclose(ce._data, expected, rtol=1e-10)
    nll = nn.NLLLoss(weight=wt_t, reduction=reduction)(F.log_softmax(_t(X), 1), ag.tensor(t))
    np.testing.assert_allclose(nll._data, expected, rtol=1e-10)
    check(lambda a: F.cross_entropy(a, ag.tensor(t), wt_t, reduction=reduction), _t(X, True))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_label_smoothing(reduction):
    eps, t, c = 0.2, np.array([1, 0, -100, 4]), 5
    logp = _log_softmax(X)
    nll, wt = _nll_ref(logp, t, W5)
    smooth = -(logp * W5).sum(1) * (t != -100)
    if reduction == "mean":
        nll, smooth = nll.sum() / wt.sum(), smooth.sum() / wt.sum()
    elif reduction == "sum":
        nll, smooth = nll.sum(), smooth.sum()
    out = F.cross_entropy(_t(X), ag.tensor(t), _t(W5), reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(out._data, (1 - eps) * nll + eps / c * smooth, rtol=1e-10)
    check(lambda a: F.cross_entropy(a, ag.tensor(t), reduction=reduction, label_smoothing=eps), _t(X, True))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_with_probabilities(reduction):
    eps = 0.1
    target = PROBS * (1 - eps) + eps / 5
    loss = -(W5 * target * _log_softmax(X)).sum(1)
    out = nn.CrossEntropyLoss(_t(W5), reduction=reduction, label_smoothing=eps)(_t(X), _t(PROBS))
    np.testing.assert_allclose(out._data, _red(loss, reduction), rtol=1e-10)
    check(lambda a, p: F.cross_entropy(a, p, reduction=reduction), _t(X, True), _t(PROBS, True))


def test_cross_entropy_spatial_and_unbatched():
    x = rng.standard_normal((2, 3, 4, 5))
    t = rng.integers(0, 3, (2, 4, 5))
    logp = _log_softmax(x)
    expected = -np.take_along_axis(logp, t[:, None], 1)[:, 0]
    none = F.cross_entropy(_t(x), ag.tensor(t), reduction="none")
    np.testing.assert_allclose(none._data, expected, rtol=1e-10)
    np.testing.assert_allclose(F.cross_entropy(_t(x), ag.tensor(t))._data, expected.mean(), rtol=1e-10)
    one = F.cross_entropy(_t(X[0]), ag.tensor(3), reduction="none")
    assert one.shape == () and one.item() == pytest.approx(-_log_softmax(X[:1])[0, 3])


def test_cross_entropy_is_stable_for_huge_logits():
    logits = ag.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    loss = F.cross_entropy(logits, ag.tensor([2]))
    assert loss.item() == pytest.approx(2000.0)
    loss.backward()
    np.testing.assert_allclose(logits.grad._data, [[1.0, 0.0, -1.0]], atol=1e-6)
    assert F.cross_entropy(logits, ag.tensor([0])).item() == 0.0


def test_bce_with_logits_is_stable_and_bce_clamps_its_log():
    x = ag.tensor([-200.0, 0.0, 200.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, ag.tensor([1.0, 1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(loss._data, [200.0, math.log(2), 200.0], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad._data, [-1.0, -0.5, 1.0], atol=1e-6)
    edge = F.binary_cross_entropy(ag.tensor([0.0, 1.0]), ag.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(edge._data, [100.0, 100.0], rtol=1e-3)


def test_kl_div_batchmean_and_zero_targets():
    t = PROBS.copy()
    t[0, :2] = 0
    t[0] /= t[0].sum()
    elementwise = np.where(t > 0, t * (np.log(np.where(t > 0, t, 1)) - np.log(PROBS)), 0)
    out = F.kl_div(_t(np.log(PROBS)), _t(t), reduction="batchmean")
    np.testing.assert_allclose(out._data, elementwise.sum() / 4, rtol=1e-10)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(_t(np.log(PROBS)), _t(t))


def _gauss_nll(x, y, var, full):
    return 0.5 * (np.log(var) + (x - y) ** 2 / var) + (0.5 * math.log(2 * math.pi) if full else 0)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll(reduction, full):
    var = rng.uniform(0.2, 2.0, (4, 5))
    out = nn.GaussianNLLLoss(full=full, reduction=reduction)(_t(X), _t(Y), _t(var))
    np.testing.assert_allclose(out._data, _red(_gauss_nll(X, Y, var, full), reduction), rtol=1e-10)
    homo = F.gaussian_nll_loss(_t(X), _t(Y), _t(var[:, 0]), full=full, reduction=reduction)  # one var per row
    np.testing.assert_allclose(homo._data, _red(_gauss_nll(X, Y, var[:, :1], full), reduction), rtol=1e-10)
    check(lambda a, v: F.gaussian_nll_loss(a, _t(Y), v, full=full, reduction=reduction),
          _t(X, True), _t(var, True))


def test_gaussian_nll_is_the_likelihood_of_lecture_notes_000():
    """Eq. (11)-(12): -Σ log N(y_i; f(x_i), σ²) = Σ (f(x_i) - y_i)² / 2σ² + N log(σ√(2π))."""
    f, y, sigma = X[:, 0], Y[:, 0], 0.7
    nll = F.gaussian_nll_loss(_t(f), _t(y), sigma**2, full=True, reduction="sum").item()
    density = np.exp(-((f - y) ** 2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
    assert nll == pytest.approx(-np.log(density).sum(), rel=1e-12)
    const = 4 * math.log(sigma * math.sqrt(2 * math.pi))
    assert nll == pytest.approx(((f - y) ** 2).sum() / (2 * sigma**2) + const)
    # up to the constant and the factor 1/(2σ²), it is the MSE (no 1/2 in MSELoss)
    mse = nn.MSELoss(reduction="sum")(_t(f), _t(y)).item()
    assert nll - const == pytest.approx(mse / (2 * sigma**2))


def test_gaussian_nll_clamps_small_variances_and_checks_shapes():
    out = F.gaussian_nll_loss(_t([0.0]), _t([0.0]), _t([0.0]), eps=1e-6)
    assert out.item() == pytest.approx(0.5 * math.log(1e-6))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(_t([0.0]), _t([0.0]), _t([-1.0]))
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(_t(X), _t(Y), _t(np.ones(3)))


def test_float32_is_kept():
    x = ag.randn(4, 5, requires_grad=True)
    for loss in (F.mse_loss(x, ag.randn(4, 5)), F.cross_entropy(x, ag.tensor(IDX)),
                 F.binary_cross_entropy_with_logits(x, ag.rand(4, 5)),
                 F.gaussian_nll_loss(x, ag.randn(4, 5), ag.ones(4, 5))):
        assert loss.dtype == np.float32
        x.grad = None
        loss.backward()
        assert x.grad.dtype == np.float32


def test_loss_errors():
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="not a valid value"):
        F.l1_loss(_t(X), _t(Y), reduction="avg")
    with pytest.raises(ValueError, match="different to the input size"):
        F.binary_cross_entropy(_t(P), _t(B[:, :2]))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(_t(X), _t(B))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(_t(X), _t(B[0]))
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.cross_entropy(_t(X), ag.tensor([0, 1, 2, 5]))
    with pytest.raises(ValueError, match="Expected input batch_size"):
        F.cross_entropy(_t(X), ag.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.nll_loss(_t(X), ag.tensor(IDX), weight=_t(np.ones(3)))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(_t(X), ag.tensor(IDX), label_smoothing=1.5)
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(_t(X), _t(Y[0]))


def test_legacy_size_average_and_reduce():
    with pytest.warns(DeprecationWarning):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(DeprecationWarning):
        assert nn.MSELoss(reduce=False).reduction == "none"


def test_loss_weights_are_buffers():
    ce = nn.CrossEntropyLoss(weight=ag.ones(3))
    assert list(ce.state_dict()) == ["weight"] and list(ce.parameters()) == []
    assert ce.double().weight.dtype == np.float64
    assert repr(nn.MSELoss()) == "MSELoss()"
