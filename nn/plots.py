"""Pictures of training and of classifiers, with matplotlib when it is installed.

matplotlib is optional: it is imported inside each plotting function, and
without it they raise an ``ImportError`` that says so. ``make_grid`` needs
numpy only.

* ``plot_history(history)``: one panel per quantity (loss, accuracy, ...),
  training and validation curves over the epochs.
* ``plot_confusion_matrix(cm, class_names)``: the matrix as an image, rows
  actual, columns predicted, each cell annotated with its count.
* ``plot_roc(y_true, scores)``: the ROC curve with its AUC and the equal
  error rate marked; ``plot_pr(y_true, scores)``: the precision-recall curve
  with the average precision.
* ``make_grid(images, nrow=8, padding=2)``: images (B, H, W) or (B, C, H, W)
  tiled into one array, rows of ``nrow`` images (torchvision's layout).

Each plotting function takes an optional ``ax`` (or ``axes``) to draw into
and returns the matplotlib Figure; ``savefig(fig, path)`` writes it and
closes it.
"""
import numpy as np

from . import metrics as M

__all__ = ["plot_history", "plot_confusion_matrix", "plot_roc", "plot_pr", "make_grid", "savefig",
           "have_matplotlib"]


def have_matplotlib():
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot():
    try:
        import matplotlib.pyplot as plt  # without a display matplotlib falls back to Agg by itself
    except ImportError:
        raise ImportError("this plot needs matplotlib, which is not installed "
                          "(pip install matplotlib)") from None
    return plt


def _axes(ax, plt, **kw):
    if ax is not None:
        return ax.figure, ax
    return plt.subplots(**kw)


def savefig(fig, path, dpi=120):
    """Write ``fig`` to ``path`` (format from the suffix) and close it."""
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def plot_history(history, keys=None, axes=None):
    """Training curves of a ``History`` (or a dict of name -> list per epoch):
    one panel per quantity, ``val_`` curves drawn with their training twin."""
    plt = _pyplot()
    h = history.history if hasattr(history, "history") else dict(history)
    epochs = h.get("epoch") or list(range(1, 1 + max(len(v) for v in h.values())))
    if keys is None:
        keys = [k for k in h if not k.startswith("val_") and k not in ("epoch", "time", "lr")]
        keys += [k[4:] for k in h if k.startswith("val_") and k[4:] not in h]
    if not keys:
        raise ValueError("plot_history: nothing to plot")
    if axes is None:
        fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 3.5), squeeze=False)
        axes = axes[0]
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
    for ax, key in zip(axes, keys):
        for name, style in ((key, "o-"), ("val_" + key, "s--")):
            if name in h:
                ax.plot(epochs[:len(h[name])], h[name], style, label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def plot_confusion_matrix(cm, class_names=None, normalize=None, ax=None, cmap="Blues", title=None):
    """The confusion matrix ``cm`` (rows actual, columns predicted), annotated;
    ``normalize='true'`` shows each row as fractions."""
    plt = _pyplot()
    cm = np.asarray(cm)
    n = cm.shape[0]
    shown = cm
    if normalize is not None:
        total = cm.sum(axis={"true": 1, "pred": 0, "all": None}[normalize],
                       keepdims=normalize != "all")
        shown = np.divide(cm, total, out=np.zeros(cm.shape), where=total != 0)
    fig, ax = _axes(ax, plt, figsize=(1 + 0.55 * n, 0.8 + 0.5 * n))
    im = ax.imshow(shown, cmap=cmap)
    names = [str(c) for c in (class_names if class_names is not None else range(n))]
    ax.set_xticks(range(n), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    high = shown.max() / 2 if shown.size else 0
    for i in range(n):
        for j in range(n):
            text = f"{shown[i, j]:.2f}" if normalize else f"{cm[i, j]:d}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if shown[i, j] > high else "black")
    fig.colorbar(im, ax=ax)
    if title:
        ax.set_title(title)
    return fig


def plot_roc(y_true, scores, pos_label=1, ax=None, label=None):
    """ROC curve (TPR against FPR) with its AUC, the diagonal of a random
    classifier, and the equal error rate."""
    plt = _pyplot()
    fpr, tpr, _ = M.roc_curve(y_true, scores, pos_label)
    eer, _ = M.equal_error_rate(y_true, scores, pos_label)
    fig, ax = _axes(ax, plt, figsize=(4.5, 4.5))
    ax.plot(fpr, tpr, label=f"{label + ': ' if label else ''}AUC = {M.auc(fpr, tpr):.3f}")
    ax.plot([0, 1], [0, 1], ":", color="gray", label="random")
    ax.plot([eer], [1 - eer], "o", color="red", label=f"EER = {eer:.3f}")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return fig


def plot_pr(y_true, scores, pos_label=1, ax=None, label=None):
    """Precision-recall curve with its average precision, and the precision
    of a random classifier (the fraction of positives)."""
    plt = _pyplot()
    precision, recall, _ = M.precision_recall_curve(y_true, scores, pos_label)
    ap = M.average_precision(y_true, scores, pos_label)
    base = float(np.mean(np.asarray(M._np(y_true)).ravel() == pos_label))
    fig, ax = _axes(ax, plt, figsize=(4.5, 4.5))
    ax.step(recall, precision, where="post", label=f"{label + ': ' if label else ''}AP = {ap:.3f}")
    ax.axhline(base, ls=":", color="gray", label="random")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    return fig


def make_grid(images, nrow=8, padding=2, pad_value=0.0, normalize=False):
    """Tile ``images`` (B, H, W) or (B, C, H, W) into one (H', W') or (C, H', W')
    array: ``nrow`` images per row, ``padding`` pixels of ``pad_value`` around
    each. ``normalize`` rescales all values to [0, 1] first."""
    a = M._np(images)
    if a.ndim not in (3, 4):
        raise ValueError(f"make_grid: expected images (B, H, W) or (B, C, H, W), got shape {a.shape}")
    if nrow < 1 or padding < 0:
        raise ValueError(f"make_grid: nrow must be >= 1 and padding >= 0, got {nrow} and {padding}")
    chan = a.ndim == 4
    if not chan:
        a = a[:, None]
    if normalize:
        a = a.astype(np.float64)
        lo, hi = a.min(), a.max()
        a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    b, c, h, w = a.shape
    cols = min(nrow, b)
    rows = -(-b // nrow)
    out = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value, a.dtype)
    for k in range(b):
        y, x = padding + (k // nrow) * (h + padding), padding + (k % nrow) * (w + padding)
        out[:, y:y + h, x:x + w] = a[k]
    return out if chan else out[0]
