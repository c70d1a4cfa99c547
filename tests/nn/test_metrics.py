"""nn.metrics with the numbers of the lecture notes 002 §3.5 (Fig. 61, 62, 64),
threshold curves against hand-computed values and their definitions, and
nn.plots.make_grid (the plotting helpers need matplotlib: without it they
raise a clear ImportError)."""
import sys

import numpy as np
import pytest

import autograd_core as ag
from nn import metrics as M
from nn import plots

# Fig. 61: actual classes a..d (rows) against predicted (columns).
FIG61 = np.array([[120, 21, 7, 8],
                  [8, 131, 63, 19],
                  [12, 30, 80, 11],
                  [1, 11, 8, 40]])

# Fig. 62: MNIST, 14,000 test digits. The notes print 227 for the digit '8'
# on the diagonal; 1227 is what the text's totals need (12,855 correct of 14,000).
FIG62 = np.array([[1336, 0, 2, 3, 5, 7, 13, 3, 9, 2],
                  [1, 1575, 11, 7, 1, 7, 2, 3, 23, 2],
                  [8, 9, 1290, 23, 15, 5, 16, 19, 43, 5],
                  [8, 4, 31, 1258, 2, 41, 3, 23, 47, 14],
                  [2, 8, 10, 1, 1244, 1, 8, 7, 21, 26],
                  [12, 9, 4, 40, 22, 1091, 33, 11, 65, 10],
                  [9, 1, 6, 0, 18, 13, 1275, 0, 9, 0],
                  [5, 4, 10, 7, 16, 1, 1, 1365, 5, 30],
                  [9, 19, 11, 22, 11, 22, 10, 5, 1227, 15],
                  [6, 10, 2, 19, 60, 8, 1, 53, 20, 1194]])


def labels_of(cm, seed=0):
    """(y_true, y_pred) with confusion matrix ``cm``, in shuffled order."""
    t = np.repeat(np.repeat(np.arange(len(cm)), len(cm)), cm.ravel())
    p = np.repeat(np.tile(np.arange(len(cm)), len(cm)), cm.ravel())
    order = np.random.default_rng(seed).permutation(len(t))
    return t[order], p[order]


def test_digit_five_against_the_rest():  # Fig. 64 and the measures after it
    table = M.confusion_table(FIG62, 5)
    assert table.tolist() == [[1091, 206], [105, 12598]]
    (tp, fn), (fp, tn) = table
    assert round((tp + tn) / table.sum(), 3) == 0.978  # class accuracy 97.8%
    prf = M.precision_recall_f1(confusion=table)  # class 0 of the table is the positive one
    assert round(prf.recall[0], 3) == 0.841
    assert round(prf.precision[0], 3) == 0.912
    assert round(prf.f1[0], 3) == 0.875
    assert prf.f1[0] == pytest.approx(2 / (1 / prf.precision[0] + 1 / prf.recall[0]))
    assert prf.support.tolist() == [1297, 12703]
    # the same from the 14,000 labels
    t, p = labels_of(FIG62)
    full = M.precision_recall_f1(t, p)
    assert (full.recall[5], full.precision[5], full.f1[5]) == pytest.approx(
        (1091 / 1297, 1091 / 1196, 1091 / (1091 + (206 + 105) / 2)))


def test_fig62_accuracy_and_worst_confusions():
    t, p = labels_of(FIG62)
    cm = M.confusion_matrix(t, p)
    assert np.array_equal(cm, FIG62)
    assert round(M.accuracy(t, p), 3) == 0.918 and np.trace(cm) == 12855
    off = cm - np.diag(np.diag(cm))
    worst = sorted(zip(off.ravel(), *np.unravel_index(np.arange(100), (10, 10))), reverse=True)[:2]
    assert [(a, b) for _, a, b in worst] == [(5, 8), (9, 4)]  # 65 fives as 8, 60 nines as 4


def test_fig61_four_classes():
    t, p = labels_of(FIG61, seed=1)
    cm = M.confusion_matrix(t, p, num_classes=4)
    assert np.array_equal(cm, FIG61) and cm.dtype == np.int64
    assert cm.sum(axis=1).tolist() == [156, 221, 133, 60]  # actual totals
    assert cm.sum(axis=0).tolist() == [141, 193, 158, 78]  # predicted totals
    assert cm[1, 2] == 63 and cm.sum() == 570  # 63 of the 221 b's predicted as c
    assert M.accuracy(t, p) == pytest.approx(371 / 570)
    prf = M.precision_recall_f1(t, p)
    assert prf.recall == pytest.approx([120 / 156, 131 / 221, 80 / 133, 40 / 60])
    assert prf.precision == pytest.approx([120 / 141, 131 / 193, 80 / 158, 40 / 78])
    macro = M.precision_recall_f1(t, p, average="macro")
    assert macro.precision == pytest.approx(prf.precision.mean()) and macro.f1 == pytest.approx(prf.f1.mean())
    system = M.precision_recall_f1(confusion=FIG61, average="system")  # the notes' system measures
    assert system.f1 == pytest.approx(2 * macro.precision * macro.recall / (macro.precision + macro.recall))
    assert system.f1 != pytest.approx(macro.f1)
    micro = M.precision_recall_f1(t, p, average="micro")
    assert micro.precision == micro.recall == micro.f1 == pytest.approx(371 / 570)
    weighted = M.precision_recall_f1(t, p, average="weighted")
    assert weighted.recall == pytest.approx(371 / 570)  # support-weighted recall is the accuracy
    rows = M.confusion_matrix(t, p, normalize="true")
    assert rows.sum(axis=1) == pytest.approx(np.ones(4)) and rows[1, 2] == pytest.approx(63 / 221)
    assert M.confusion_matrix(t, p, normalize="pred").sum(axis=0) == pytest.approx(np.ones(4))
    assert M.confusion_matrix(t, p, normalize="all").sum() == pytest.approx(1.0)


def test_scores_tensors_and_zero_division():
    logits = ag.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 0.5], [0.0, 0.0, 4.0]])
    y = ag.tensor([0, 2, 0, 2])
    assert M.accuracy(y, logits) == 0.75  # argmax of (N, C) scores
    assert M.confusion_matrix(y, logits).tolist() == [[2, 0, 0], [0, 0, 0], [0, 1, 1]]
    prf = M.precision_recall_f1(y, logits, num_classes=3)
    assert prf.precision.tolist() == [1.0, 0.0, 1.0] and prf.recall.tolist() == [1.0, 0.0, 0.5]
    assert M.precision_recall_f1(y, logits, num_classes=3, zero_division=1.0).recall[1] == 1.0


def test_top_k_accuracy():
    scores = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.6, 0.3, 0.1]])
    y = np.array([2, 0, 2])
    assert M.top_k_accuracy(y, scores, k=1) == pytest.approx(0.0)
    assert M.top_k_accuracy(y, scores, k=2) == pytest.approx(2 / 3)  # a tie counts as inside the top k
    assert M.top_k_accuracy(y, scores, k=3) == 1.0
    with pytest.raises(ValueError, match="k must be in"):
        M.top_k_accuracy(y, scores, k=4)


def test_curves_on_a_small_example():
    y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    fpr, tpr, thr = M.roc_curve(y, s)
    assert fpr.tolist() == [0, 0, 0.5, 0.5, 1] and tpr.tolist() == [0, 0.5, 0.5, 1, 1]
    assert thr.tolist() == [np.inf, 0.8, 0.4, 0.35, 0.1]
    assert M.roc_auc(y, s) == pytest.approx(0.75) and M.auc(fpr, tpr) == pytest.approx(0.75)
    precision, recall, thr = M.precision_recall_curve(y, s)
    assert precision == pytest.approx([0.5, 2 / 3, 0.5, 1, 1])
    assert recall.tolist() == [1, 1, 0.5, 0.5, 0] and thr.tolist() == [0.1, 0.35, 0.4, 0.8]
    assert M.average_precision(y, s) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert M.equal_error_rate(y, s) == (0.5, 0.4)


def test_equal_error_rate_interpolates():
    y, s = np.array([1, 0, 1, 0, 0]), np.array([5.0, 4, 3, 2, 1])
    # ROC points (fpr, fnr): (0, 1), (0, 1/2), (1/3, 1/2), (1/3, 0): FPR = FNR between thresholds 4 and 3
    eer, t = M.equal_error_rate(y, s)
    assert eer == pytest.approx(1 / 3) and t == pytest.approx(4 - 1 / 3)


def test_auc_is_the_probability_of_ranking_a_positive_higher():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.normal(y * 0.8, 1.0), 1)  # rounded: ties between the classes
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    expected = np.mean(diff > 0) + 0.5 * np.mean(diff == 0)
    assert M.roc_auc(y, s) == pytest.approx(expected)
    assert M.roc_auc(y, -s) == pytest.approx(1 - expected)
    assert M.roc_auc(1 - y, s, pos_label=0) == pytest.approx(expected)
    fpr, tpr, thr = M.roc_curve(y, s)  # each point counts the samples with score >= threshold
    for f, t_, th in zip(fpr[1:], tpr[1:], thr[1:]):
        assert f == np.mean(neg >= th) and t_ == np.mean(pos >= th)


def test_errors():
    with pytest.raises(ValueError, match="3 samples but y_pred has 2"):
        M.accuracy([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="average must be"):
        M.precision_recall_f1([0, 1], [0, 1], average="harmonic")
    with pytest.raises(ValueError, match="give y_true and y_pred"):
        M.precision_recall_f1()
    with pytest.raises(ValueError, match="normalize must be"):
        M.confusion_matrix([0, 1], [0, 1], normalize="rows")
    with pytest.raises(ValueError, match="label 3 is out of range for num_classes=3"):
        M.confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="square"):
        M.confusion_table(np.ones((2, 3)), 0)
    with pytest.raises(ValueError, match="both positive and negative"):
        M.roc_curve([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="neither increasing nor decreasing"):
        M.auc([0, 1, 0.5], [0, 1, 1])


def test_make_grid():
    imgs = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3) + 1
    g = plots.make_grid(imgs, nrow=3, padding=1)
    assert g.shape == (2 * 3 + 1, 3 * 4 + 1) and g.dtype == np.float32
    assert np.array_equal(g[1:3, 1:4], imgs[0]) and np.array_equal(g[4:6, 5:8], imgs[4])
    assert g[4:6, 9:12].sum() == 0 and g[0].sum() == 0  # the missing sixth tile and the padding
    rgb = plots.make_grid(np.ones((2, 3, 4, 4)), nrow=8, padding=0)
    assert rgb.shape == (3, 4, 8)
    norm = plots.make_grid(np.array([[[2.0, 4.0]], [[6.0, 10.0]]]), padding=0, normalize=True)
    assert norm.tolist() == [[0.0, 0.25, 0.5, 1.0]]
    with pytest.raises(ValueError, match="expected images"):
        plots.make_grid(np.ones((4, 4)))


def test_plots_need_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    assert plots.have_matplotlib() is False
    with pytest.raises(ImportError, match="needs matplotlib"):
        plots.plot_confusion_matrix(FIG61)
    with pytest.raises(ImportError, match="needs matplotlib"):
        plots.plot_roc([0, 1], [0.2, 0.7])


def test_plots_draw_or_explain(tmp_path):
    """With matplotlib: the figures hold what they should; without: a clear ImportError."""
    import nn

    h = nn.History({"loss": [1.0, 0.5], "accuracy": [0.6, 0.8], "val_loss": [1.1, 0.7], "lr": [0.1, 0.1]})
    if not plots.have_matplotlib():
        with pytest.raises(ImportError, match="needs matplotlib"):
            h.plot()
        return
    fig = h.plot()
    loss_ax, acc_ax = fig.axes
    assert [ln.get_label() for ln in loss_ax.lines] == ["loss", "val_loss"] and len(acc_ax.lines) == 1
    assert plots.savefig(fig, tmp_path / "h.png") == tmp_path / "h.png"
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"
    fig = plots.plot_confusion_matrix(FIG61, class_names="abcd")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 16 and texts[6] == "63"  # row b, column c
    fig = plots.plot_roc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert "AUC = 0.750" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    fig = plots.plot_pr([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert "AP = 0.833" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    import matplotlib.pyplot as plt

    plt.close("all")


def test_plot_helpers_are_reachable_from_metrics():
    for name in ("plot_confusion_matrix", "plot_history", "plot_roc", "plot_pr", "make_grid"):
        assert getattr(M, name) is getattr(plots, name)
    with pytest.raises(AttributeError, match="no attribute 'plot_everything'"):
        assert M.plot_everything is None  # raises first
