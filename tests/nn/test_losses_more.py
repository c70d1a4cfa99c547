"""Tests of the losses beyond the basic set (nn/loss.py, nn/loss_margin.py,
nn/functional/loss_*.py): KLDivLoss, PoissonNLLLoss, GaussianNLLLoss,
MarginRankingLoss, HingeEmbeddingLoss, CosineEmbeddingLoss,
TripletMarginLoss, TripletMarginWithDistanceLoss, SoftMarginLoss,
MultiLabelSoftMarginLoss, MultiMarginLoss and MultiLabelMarginLoss against
numpy references written from the equations (float64), for each reduction;
gradcheck and gradgradcheck; constructor defaults as in PyTorch."""
import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check, leaf

RNG = np.random.default_rng(0)
REDUCTIONS = ("mean", "sum", "none")


def _reduce(per, reduction):
    return per.mean() if reduction == "mean" else per.sum() if reduction == "sum" else per


def _t(a):
    return ag.tensor(np.asarray(a))


def _close(got, per, reduction):
    expected = _reduce(per, reduction)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got._data, expected, rtol=1e-10, atol=1e-12)


def _sigmoid_log(x):
    return -np.logaddexp(0, -x)


X, T = RNG.standard_normal((4, 3)), RNG.uniform(0.1, 1, (4, 3))
LAM = RNG.poisson(2.0, (4, 3)).astype(float)
A, B = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
NEG = RNG.standard_normal((5, 3))
Y = np.array([1.0, -1.0, 1.0, -1.0, 0.5])  # 0.5 is neither class: PyTorch's treatment is tested
IDX = np.array([2, 0, 3, 3, 1])
ML = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 1, 2, 3], [0, 1, 2, 3], [2, -1, -1, -1]])


def _poisson_ref(x, t, log_input, full):
    per = np.exp(x) - t * x if log_input else x - t * np.log(x + 1e-8)
    if full:
        safe = np.where(t > 1, t, 2.0)
        per = per + np.where(t > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe), 0)
    return per


def _cos_emb_ref(a, b, y, margin):
    cos = (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))
    return np.where(y == 1, 1 - cos, 0) + np.where(y == -1, np.maximum(cos - margin, 0), 0)


def _triplet_ref(a, p, n, margin, norm, swap):
    dist = lambda u, v: (np.abs(u - v + 1e-6) ** norm).sum(-1) ** (1 / norm)  # noqa: E731
    d_neg = dist(a, n)
    if swap:
        d_neg = np.minimum(d_neg, dist(p, n))
    return np.maximum(margin + dist(a, p) - d_neg, 0)


def _multi_margin_ref(x, y, p, margin, w):
    N, C = x.shape
    out = np.zeros(N)
    for i in range(N):
        for c in range(C):
            if c != y[i]:
                out[i] += (1 if w is None else w[y[i]]) * max(0, margin - x[i, y[i]] + x[i, c]) ** p
    return out / C


def _multilabel_margin_ref(x, y):
    N, C = x.shape
    out = np.zeros(N)
    for i in range(N):
        targets = []
        for j in y[i]:
            if j < 0:
                break
            targets.append(j)
        for j in targets:
            for c in range(C):
                if c not in targets:
                    out[i] += max(0, 1 - (x[i, j] - x[i, c]))
    return out / C


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_loss(reduction):
    for log_input in (True, False):
        for full in (False, True):
            x = X if log_input else np.abs(X)
            m = nn.PoissonNLLLoss(log_input=log_input, full=full, reduction=reduction)
            _close(m(_t(x), _t(LAM)), _poisson_ref(x, LAM, log_input, full), reduction)
    t = leaf(2, 3, low=0.0, high=4.0, seed=5)  # Stirling's term is differentiable in the target
    check(lambda x, t: F.poisson_nll_loss(x, t, full=True, reduction=reduction), leaf(2, 3), t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_div_and_gaussian_nll(reduction):
    logq = np.log(T / T.sum(1, keepdims=True))
    p = RNG.dirichlet(np.ones(3), 4)
    p[0, 1] = 0.0  # 0 log 0 = 0
    kl = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - logq), 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'mean' warns that it is not the KL divergence (tested below)
        _close(nn.KLDivLoss(reduction=reduction)(_t(logq), _t(p)), kl, reduction)
        _close(F.kl_div(_t(logq), _t(np.log(T)), reduction=reduction, log_target=True), T * (np.log(T) - logq),
               reduction)
    var = RNG.uniform(0.5, 2, (4, 1))  # one dim of size 1 broadcasts
    per = 0.5 * (np.log(var) + (X - T) ** 2 / var) + 0.5 * math.log(2 * math.pi)
    _close(nn.GaussianNLLLoss(full=True, reduction=reduction)(_t(X), _t(T), _t(var)), per, reduction)
    _close(F.gaussian_nll_loss(_t(X), _t(T), _t(var[:, 0]), reduction=reduction), per - 0.5 * math.log(2 * math.pi),
           reduction)
    check(lambda x, v: F.gaussian_nll_loss(x, _t(T[:2]), v, reduction=reduction), leaf(2, 3),
          leaf(2, 1, low=0.5, high=2.0, seed=3))


def test_kl_div_batchmean_and_gaussian_errors():
    logq, p = np.log(np.full((4, 3), 1 / 3)), RNG.dirichlet(np.ones(3), 4)
    got = F.kl_div(_t(logq), _t(p), reduction="batchmean")
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(_t(logq), _t(p))
    np.testing.assert_allclose(got._data, (p * (np.log(p) - logq)).sum() / 4, rtol=1e-12)
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(_t(X), _t(T), _t(np.ones((4, 2))))
    with pytest.raises(ValueError, match="incorrect size"):  # two broadcast dims: not PyTorch's homoscedastic case
        F.gaussian_nll_loss(_t(np.zeros((2, 3, 4))), _t(np.zeros((2, 3, 4))), _t(np.ones((2, 1, 1))))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(_t(X), _t(T), -1.0)
    low = F.gaussian_nll_loss(_t(X), _t(T), 1e-9, reduction="none")  # a number: one variance, clamped at eps
    np.testing.assert_allclose(low._data, 0.5 * (np.log(1e-6) + (X - T) ** 2 / 1e-6), rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ranking_and_embedding_losses(reduction):
    a, b, y = A[:, 0], B[:, 0], np.sign(B[:, 1])
    _close(nn.MarginRankingLoss(0.3, reduction=reduction)(_t(a), _t(b), _t(y)),
           np.maximum(0, -y * (a - b) + 0.3), reduction)
    hinge = np.where(Y == 1, 0, np.maximum(0.5 - a, 0)) + np.where(Y == -1, 0, a)
    _close(nn.HingeEmbeddingLoss(0.5, reduction=reduction)(_t(a), _t(Y)), hinge, reduction)
    _close(nn.CosineEmbeddingLoss(0.1, reduction=reduction)(_t(A), _t(B), _t(Y)), _cos_emb_ref(A, B, Y, 0.1), reduction)
    _close(F.cosine_embedding_loss(_t(A[0]), _t(B[0]), _t(-1.0), reduction=reduction),
           _cos_emb_ref(A[0], B[0], -1.0, 0.0), reduction)
    _close(nn.SoftMarginLoss(reduction=reduction)(_t(A), _t(np.sign(B))), np.log1p(np.exp(-np.sign(B) * A)), reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_losses(reduction):
    for norm, swap, margin in ((2.0, False, 1.0), (1.0, True, 2.0), (3.0, True, 0.5)):
        m = nn.TripletMarginLoss(margin=margin, p=norm, swap=swap, reduction=reduction)
        _close(m(_t(A), _t(B), _t(NEG)), _triplet_ref(A, B, NEG, margin, norm, swap), reduction)
    _close(F.triplet_margin_loss(_t(A[0]), _t(B[0]), _t(NEG[0]), reduction=reduction),
           _triplet_ref(A[0], B[0], NEG[0], 1.0, 2.0, False), reduction)
    m = nn.TripletMarginWithDistanceLoss(swap=True, margin=1.5, reduction=reduction)
    _close(m(_t(A), _t(B), _t(NEG)), _triplet_ref(A, B, NEG, 1.5, 2.0, True), reduction)
    l1 = lambda u, v: (u - v).abs().sum(-1)  # noqa: E731
    m = nn.TripletMarginWithDistanceLoss(distance_function=l1, reduction=reduction)
    d = lambda u, v: np.abs(u - v).sum(-1)  # noqa: E731
    _close(m(_t(A), _t(B), _t(NEG)), np.maximum(1.0 + d(A, B) - d(A, NEG), 0), reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_and_multiclass_margin_losses(reduction):
    target = (B > 0).astype(float)
    w = RNG.uniform(0.5, 2, 3)
    per = -(target * _sigmoid_log(A) + (1 - target) * _sigmoid_log(-A)) * w
    _close(nn.MultiLabelSoftMarginLoss(weight=_t(w), reduction=reduction)(_t(A), _t(target)), per.mean(1), reduction)
    x = RNG.standard_normal((5, 4))
    for p, margin, weight in ((1, 1.0, None), (2, 0.7, RNG.uniform(0.5, 2, 4))):
        m = nn.MultiMarginLoss(p=p, margin=margin, weight=None if weight is None else _t(weight), reduction=reduction)
        _close(m(_t(x), _t(IDX)), _multi_margin_ref(x, IDX, p, margin, weight), reduction)
    _close(F.multi_margin_loss(_t(x[0]), _t(np.array(IDX[0])), reduction=reduction),
           _multi_margin_ref(x[:1], IDX[:1], 1, 1.0, None)[0], reduction)
    _close(nn.MultiLabelMarginLoss(reduction=reduction)(_t(x), _t(ML)), _multilabel_margin_ref(x, ML), reduction)
    _close(F.multilabel_margin_loss(_t(x[1]), _t(ML[1]), reduction=reduction),
           _multilabel_margin_ref(x[1:2], ML[1:2])[0], reduction)


@pytest.mark.parametrize("name,fn,inputs", [
    ("margin_ranking", lambda a, b: F.margin_ranking_loss(a, b, _t(Y[:3]), margin=0.2), (leaf(3), leaf(3, seed=1))),
    ("hinge_embedding", lambda a: F.hinge_embedding_loss(a, _t(Y[:3]), margin=2.0), (leaf(3),)),
    ("cosine_embedding", lambda a, b: F.cosine_embedding_loss(a, b, _t(Y[:3]), margin=-0.5),
     (leaf(3, 2), leaf(3, 2, seed=1))),
    ("triplet", lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=3.0, swap=True),
     (leaf(3, 2), leaf(3, 2, seed=1), leaf(3, 2, seed=2))),
    ("triplet_distance", lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, margin=3.0),
     (leaf(3, 2), leaf(3, 2, seed=1), leaf(3, 2, seed=2))),
    ("soft_margin", lambda a: F.soft_margin_loss(a, _t(np.sign(B[:2, :2]))), (leaf(2, 2),)),
    ("multilabel_soft_margin", lambda a, w: F.multilabel_soft_margin_loss(a, _t((B[:2] > 0) * 1.0), w),
     (leaf(2, 3), leaf(3, seed=1))),
    ("multi_margin_p2", lambda a: F.multi_margin_loss(a, _t(IDX[:3] % 3), p=2, margin=2.0), (leaf(3, 3),)),
    ("multilabel_margin", lambda a: F.multilabel_margin_loss(a, _t(ML[:2])), (leaf(2, 4, seed=4),)),
])
def test_gradients(name, fn, inputs):
    check(fn, *inputs)


def test_defaults_and_errors_as_in_pytorch():
    assert (nn.PoissonNLLLoss().log_input, nn.PoissonNLLLoss().full, nn.PoissonNLLLoss().eps) == (True, False, 1e-8)
    assert nn.MarginRankingLoss().margin == 0.0 and nn.HingeEmbeddingLoss().margin == 1.0
    assert nn.CosineEmbeddingLoss().margin == 0.0
    t = nn.TripletMarginLoss()
    assert (t.margin, t.p, t.eps, t.swap) == (1.0, 2.0, 1e-6, False)
    mm = nn.MultiMarginLoss()
    assert (mm.p, mm.margin, mm.weight) == (1, 1.0, None)
    assert list(nn.MultiMarginLoss(weight=ag.ones(3)).state_dict()) == ["weight"]
    assert list(nn.MultiLabelSoftMarginLoss(weight=ag.ones(3)).state_dict()) == ["weight"]
    assert isinstance(nn.TripletMarginWithDistanceLoss().distance_function, nn.PairwiseDistance)
    assert repr(nn.PoissonNLLLoss()) == "PoissonNLLLoss()"
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match="greater than 0"):
        F.triplet_margin_with_distance_loss(_t(A), _t(B), _t(NEG), margin=-1.0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_loss(_t(A), _t(B), _t(NEG[0]))
    with pytest.raises(RuntimeError, match="same dimension"):
        F.margin_ranking_loss(_t(A), _t(B[:, 0]), _t(Y))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input"):
        F.cosine_embedding_loss(_t(A[0]), _t(B[0]), _t(Y))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.SoftMarginLoss(reduction="avg")
