"""``histc`` and ``histogram``, as in PyTorch: counts of values in equal
bins (or given bin edges). Not differentiable: the results never require
grad."""
from collections import namedtuple

import numpy as np

from .tensor import Tensor

histogram_return_type = namedtuple("histogram", ["hist", "bin_edges"])


def _float_input(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"{op}: input tensor must be floating point, got {input.dtype}")
    return input._data


def histc(input, bins=100, min=0, max=0):
    """Counts of the elements in ``bins`` equal bins over [min, max] (the
    data's range when both are 0); elements outside are ignored."""
    x = _float_input(input, "histc")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, but got {bins}")
    lo, hi = float(min), float(max)
    if lo == hi == 0 and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min, got min={lo}, max={hi}")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = np.histogram(x, bins=int(bins), range=(lo, hi))
    return Tensor(counts.astype(x.dtype))


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """``(hist, bin_edges)``: ``bins`` equal bins over ``range`` (the data's
    range by default), or the bin edges given as a 1-D tensor; ``weight``
    weighs each element, ``density`` normalises to a density."""
    x = _float_input(input, "histogram")
    if isinstance(bins, Tensor):
        edges = bins._data
    elif isinstance(bins, int) and not isinstance(bins, bool) and bins > 0:
        edges = int(bins)
    else:
        raise RuntimeError(f"histogram(): bins must be a positive int or a 1-D tensor of edges, got {bins!r}")
    w = None if weight is None else np.asarray(weight._data if isinstance(weight, Tensor) else weight).ravel()
    if range is not None:
        range = (float(range[0]), float(range[1]))
    elif x.size == 0:
        range = (0.0, 1.0)
    hist, out_edges = np.histogram(x.ravel(), bins=edges, range=range, weights=w, density=density)
    return histogram_return_type(Tensor(hist.astype(x.dtype)), Tensor(out_edges.astype(x.dtype)))
