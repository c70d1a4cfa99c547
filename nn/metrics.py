"""Classification metrics, numpy in and numpy out (the lecture notes 002 §3.5).

Arguments follow scikit-learn's order, ``(y_true, y_pred)`` or
``(y_true, scores)``; tensors, lists and arrays are accepted. A 2-D
``y_pred`` (N, C) of scores or logits is turned into labels by ``argmax``.

* ``accuracy``: the fraction of correct predictions, Σ diag(M) / N;
  ``top_k_accuracy``: the true class is among the k highest scores.
* ``confusion_matrix`` M: ``M[a, b]`` counts the samples of actual class a
  predicted as b (rows actual, columns predicted, as the notes' Fig. 61);
  ``confusion_table(M, c)`` is the notes' one-vs-rest table of class c,
  ``[[TP, FN], [FP, TN]]`` (Fig. 64).
* ``precision_recall_f1``: per class c, with TP = M[c, c], FN the rest of
  row c, FP the rest of column c,

      precision = TP / (TP + FP)    recall = TP / (TP + FN)
      F1 = 2 / (1/precision + 1/recall) = TP / (TP + (FP + FN) / 2)

  ``average='macro'`` is the mean of the per-class values (scikit-learn's:
  F1 is the mean of the per-class F1), ``'system'`` the notes' system
  measures (mean precision, mean recall, and their harmonic mean as F1),
  ``'micro'`` pools TP, FP, FN over the classes (equal to the accuracy for
  single-label data), ``'weighted'`` weighs classes by their support.
  A 0/0 is ``zero_division`` (0.0 by default).
* Threshold curves of a binary scorer (``scores``: higher means positive):
  ``roc_curve`` (false positive rate, true positive rate, thresholds),
  ``precision_recall_curve``, ``auc`` (trapezoidal area under any curve),
  ``roc_auc``, ``average_precision`` (AP = Σ_n (R_n − R_{n−1}) P_n, the step
  area under the PR curve) and ``equal_error_rate`` (the point of the ROC
  curve where FPR = FNR = 1 − TPR, linearly interpolated).

For a threshold t a sample is predicted positive when ``score >= t``; the
curves have one point per distinct score (plus the start where nothing is
positive), as in scikit-learn (without dropping intermediate points).

The plotting helpers of ``nn.plots`` (``plot_confusion_matrix``,
``plot_history``, ``plot_roc``, ``plot_pr``, ``make_grid``) can also be
reached from here, ``nn.metrics.plot_roc``; they need matplotlib (except
``make_grid``), imported when a plot is drawn.
"""
from collections import namedtuple

import numpy as np

__all__ = ["accuracy", "top_k_accuracy", "confusion_matrix", "confusion_table", "precision_recall_f1",
           "roc_curve", "auc", "roc_auc", "precision_recall_curve", "average_precision", "equal_error_rate"]

PRF = namedtuple("PRF", ["precision", "recall", "f1", "support"])


def _np(x):
    """A numpy array of ``x`` (a Tensor, array or list)."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        return np.asarray(x.numpy())
    return np.asarray(x)


def _labels(y, name):
    a = _np(y)
    if a.ndim == 2:
        return a.argmax(axis=1)
    if a.ndim != 1:
        raise ValueError(f"{name}: expected labels (N,) or scores (N, C), got shape {a.shape}")
    return a


def _pair(y_true, y_pred, who):
    t, p = _labels(y_true, who), _labels(y_pred, who)
    if t.shape != p.shape:
        raise ValueError(f"{who}: y_true has {t.shape[0]} samples but y_pred has {p.shape[0]}")
    return t, p


def accuracy(y_true, y_pred):
    """Fraction of samples whose prediction equals the label."""
    t, p = _pair(y_true, y_pred, "accuracy")
    if t.size == 0:
        raise ValueError("accuracy: no samples")
    return float(np.mean(t == p))


def top_k_accuracy(y_true, scores, k=5):
    """Fraction of samples whose label is among the ``k`` highest of ``scores`` (N, C)."""
    t, s = _np(y_true), _np(scores)
    if s.ndim != 2 or t.ndim != 1 or len(t) != len(s):
        raise ValueError(f"top_k_accuracy: expected labels (N,) and scores (N, C), got {t.shape} and "
                         f"{s.shape}")
    if not 1 <= k <= s.shape[1]:
        raise ValueError(f"top_k_accuracy: k must be in [1, {s.shape[1]}], got {k}")
    true_score = s[np.arange(len(t)), t]
    better = (s > true_score[:, None]).sum(axis=1)  # ties count in the sample's favour
    return float(np.mean(better < k))


def confusion_matrix(y_true, y_pred, num_classes=None, normalize=None):
    """Counts ``M[actual, predicted]`` (int64), ``num_classes`` rows and columns
    (default: 1 + the largest label). ``normalize``: 'true' (rows sum to 1),
    'pred' (columns), 'all' or None."""
    t, p = _pair(y_true, y_pred, "confusion_matrix")
    t, p = t.astype(np.int64), p.astype(np.int64)
    if t.size and min(t.min(), p.min()) < 0:
        raise ValueError("confusion_matrix: labels must be non-negative integers")
    n = int(max(t.max(initial=-1), p.max(initial=-1)) + 1) if num_classes is None else int(num_classes)
    if t.size and max(t.max(), p.max()) >= n:
        raise ValueError(f"confusion_matrix: label {max(t.max(), p.max())} is out of range for "
                         f"num_classes={n}")
    cm = np.bincount(t * n + p, minlength=n * n).reshape(n, n)
    if normalize is None:
        return cm
    axis = {"true": 1, "pred": 0, "all": None}
    if normalize not in axis:
        raise ValueError(f"confusion_matrix: normalize must be 'true', 'pred', 'all' or None, "
                         f"got {normalize!r}")
    total = cm.sum(axis=axis[normalize], keepdims=axis[normalize] is not None)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(cm / total)


def _square(cm, who):
    cm = _np(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"{who}: expected a square confusion matrix, got shape {cm.shape}")
    return cm


def confusion_table(cm, positive):
    """The one-vs-rest table of class ``positive``: ``[[TP, FN], [FP, TN]]``."""
    cm = _square(cm, "confusion_table")
    tp = cm[positive, positive]
    fn = cm[positive].sum() - tp
    fp = cm[:, positive].sum() - tp
    return np.array([[tp, fn], [fp, cm.sum() - tp - fn - fp]])


def _div(a, b, zero_division):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    out = np.full(np.broadcast(a, b).shape, float(zero_division))
    np.divide(a, b, out=out, where=b != 0)
    return out


def precision_recall_f1(y_true=None, y_pred=None, *, average=None, num_classes=None, confusion=None,
                        zero_division=0.0):
    """``PRF(precision, recall, f1, support)`` per class (arrays) or averaged
    (floats; ``average`` 'macro', 'system', 'micro' or 'weighted'). Give the
    labels, or a ready ``confusion`` matrix (rows actual)."""
    if confusion is None:
        if y_true is None or y_pred is None:
            raise ValueError("precision_recall_f1: give y_true and y_pred, or confusion=")
        cm = confusion_matrix(y_true, y_pred, num_classes)
    else:
        cm = _square(confusion, "precision_recall_f1")
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1)
    fn, fp = support - tp, cm.sum(axis=0) - tp
    if average == "micro":
        p = float(_div(tp.sum(), tp.sum() + fp.sum(), zero_division))
        r = float(_div(tp.sum(), tp.sum() + fn.sum(), zero_division))
        f = float(_div(tp.sum(), tp.sum() + (fp.sum() + fn.sum()) / 2, zero_division))
        return PRF(p, r, f, int(support.sum()))
    p, r = _div(tp, tp + fp, zero_division), _div(tp, tp + fn, zero_division)
    f = _div(tp, tp + (fp + fn) / 2, zero_division)
    if average is None:
        return PRF(p, r, f, support)
    if average == "macro":
        return PRF(float(p.mean()), float(r.mean()), float(f.mean()), int(support.sum()))
    if average == "system":
        ps, rs = float(p.mean()), float(r.mean())
        return PRF(ps, rs, float(_div(2 * ps * rs, ps + rs, zero_division)), int(support.sum()))
    if average == "weighted":
        w = support / max(support.sum(), 1)
        return PRF(float(p @ w), float(r @ w), float(f @ w), int(support.sum()))
    raise ValueError(f"precision_recall_f1: average must be None, 'macro', 'system', 'micro' or "
                     f"'weighted', got {average!r}")


def _binary(y_true, scores, pos_label, who):
    t, s = _np(y_true).ravel(), _np(scores).astype(np.float64).ravel()
    if t.shape != s.shape:
        raise ValueError(f"{who}: y_true has {t.size} samples but scores has {s.size}")
    pos = t == pos_label
    if pos.all() or not pos.any():
        raise ValueError(f"{who}: needs both positive and negative samples (pos_label={pos_label!r})")
    return pos, s


def _counts(y_true, scores, pos_label, who):
    """Cumulative TP and FP counts for thresholds at the distinct scores, high to low."""
    pos, s = _binary(y_true, scores, pos_label, who)
    order = np.argsort(-s, kind="stable")
    s, pos = s[order], pos[order]
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]  # last index of each distinct score
    tps = np.cumsum(pos)[last]
    fps = (last + 1) - tps
    return tps, fps, s[last], pos.sum(), (~pos).sum()


def roc_curve(y_true, scores, pos_label=1):
    """(fpr, tpr, thresholds); the first point (0, 0) has threshold +inf."""
    tps, fps, thr, p, n = _counts(y_true, scores, pos_label, "roc_curve")
    return np.r_[0.0, fps / n], np.r_[0.0, tps / p], np.r_[np.inf, thr]


def auc(x, y):
    """Area under the curve through the points (x, y) (trapezoidal rule); x
    must be monotonic."""
    x, y = _np(x).astype(np.float64), _np(y).astype(np.float64)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError(f"auc: expected two 1-d arrays of the same length >= 2, got {x.shape} and {y.shape}")
    dx = np.diff(x)
    if (dx < 0).any() and (dx > 0).any():
        raise ValueError("auc: x is neither increasing nor decreasing")
    return float(abs(np.sum(dx * (y[1:] + y[:-1]) / 2)))


def roc_auc(y_true, scores, pos_label=1):
    """Area under the ROC curve."""
    fpr, tpr, _ = roc_curve(y_true, scores, pos_label)
    return auc(fpr, tpr)


def precision_recall_curve(y_true, scores, pos_label=1):
    """(precision, recall, thresholds) for increasing thresholds; a last point
    (precision 1, recall 0) without threshold ends the curve, as in scikit-learn."""
    tps, fps, thr, p, _ = _counts(y_true, scores, pos_label, "precision_recall_curve")
    precision, recall = tps / (tps + fps), tps / p
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thr[::-1]


def average_precision(y_true, scores, pos_label=1):
    """AP = Σ_n (R_n − R_{n−1}) P_n over the thresholds (no interpolation)."""
    precision, recall, _ = precision_recall_curve(y_true, scores, pos_label)
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def equal_error_rate(y_true, scores, pos_label=1):
    """(eer, threshold): where the false positive rate equals the false
    negative rate, interpolated between the two ROC points around it."""
    fpr, tpr, thr = roc_curve(y_true, scores, pos_label)
    fnr = 1.0 - tpr
    d = fpr - fnr  # increases from -1 to +1 along the curve
    i = int(np.argmax(d >= 0))
    if d[i] == 0 or i == 0:
        return float(fpr[i]), float(thr[i])
    w = -d[i - 1] / (d[i] - d[i - 1])
    eer = fpr[i - 1] + w * (fpr[i] - fpr[i - 1])
    t0 = thr[i - 1] if np.isfinite(thr[i - 1]) else thr[i]
    return float(eer), float(t0 + w * (thr[i] - t0))


_PLOTS = ("plot_confusion_matrix", "plot_history", "plot_roc", "plot_pr", "make_grid")


def __getattr__(name):
    """``nn.metrics.plot_*`` and ``make_grid``: the helpers of ``nn.plots``."""
    if name in _PLOTS:
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module 'nn.metrics' has no attribute {name!r}")
