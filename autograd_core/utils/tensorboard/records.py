"""The ``Summary`` records of ``SummaryWriter``, built with the ``tensorboard``
package's own protos and plugin metadata (no TensorFlow needed):

- ``scalar``: a ``simple_value`` (the scalars dashboard);
- ``histogram``: a ``HistogramProto`` of the values counted into ``bins``
  (``'tensorflow'``: TensorFlow's default edges, ±1e-12·1.1^k up to 1e20,
  and 0); only the range from the first to the last non-empty bucket is
  kept, with one empty bucket in front whose right limit is the left edge
  of the data (TensorBoard stores right limits only);
- ``image``: a PNG-encoded ``Summary.Image``;
- ``text``: a string tensor with the text plugin's metadata (Markdown);
- ``pr_curve``: the pr-curve plugin's ``[6, num_thresholds]`` tensor, rows
  TP, FP, TN, FN, precision, recall at thresholds t_k = k / (n - 1): a
  prediction p counts as positive at t_k when floor(p·(n-1)) >= k, so
  TP_k = Σ w·[label]·[bucket >= k], FP_k likewise for the negatives,
  TN_k = FP_0 - FP_k, FN_k = TP_0 - TP_k, precision = TP / (TP + FP) and
  recall = TP / (TP + FN) (denominators at least 1e-7);
- ``hparams_records``: the three records of the hparams plugin (experiment,
  session start with the values, session end).
"""
import math

import numpy as np
from tensorboard.compat.proto.histogram_pb2 import HistogramProto
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.plugins.hparams import plugin_data_pb2 as hparams_data
from tensorboard.plugins.pr_curve import metadata as pr_metadata
from tensorboard.plugins.text import metadata as text_metadata
from tensorboard.util import tensor_util

from ...tensor import Tensor


def to_numpy(x, what="value"):
    """A Tensor (detached), numpy array, number or nested list as a numpy array."""
    if isinstance(x, Tensor):
        return x.detach().numpy()
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, Tensor) for v in x):
        return np.stack([v.detach().numpy() for v in x])
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as e:
        raise TypeError(f"SummaryWriter: {what} must be a Tensor, a numpy array or a number, "
                        f"got {type(x).__name__}") from e


def to_float(x, what="scalar_value"):
    """One number from a Python or numpy number or a one-element Tensor/array."""
    arr = to_numpy(x, what)
    if arr.size != 1:
        raise ValueError(f"SummaryWriter: {what} must hold one number, got shape {tuple(arr.shape)}")
    return float(arr.reshape(()))


def scalar(tag, value):
    return Summary(value=[Summary.Value(tag=tag, simple_value=to_float(value))])


def _tensorflow_edges():
    pos = 1e-12 * 1.1 ** np.arange(int(math.ceil(math.log(1e32) / math.log(1.1))))
    pos = pos[pos < 1e20]
    return np.concatenate([-pos[::-1], [0.0], pos])


TENSORFLOW_BINS = _tensorflow_edges()


def histogram(tag, values, bins="tensorflow", max_bins=None):
    """``bins``: 'tensorflow', a number of equal bins, numpy's names ('auto', 'fd', ...) or edges."""
    v = to_numpy(values, "values").astype(np.float64).ravel()
    if v.size == 0:
        raise ValueError(f"add_histogram: {tag!r} has no values")
    if not np.isfinite(v).all():
        raise ValueError(f"add_histogram: {tag!r} has NaN or infinite values")
    counts, edges = np.histogram(v, bins=TENSORFLOW_BINS if isinstance(bins, str) and bins == "tensorflow"
                                 else bins)
    if max_bins is not None and len(counts) > max_bins:  # merge neighbours: ceil(len / max_bins) per bucket
        k = -(-len(counts) // int(max_bins))
        pad = (-len(counts)) % k
        counts = np.pad(counts, (0, pad)).reshape(-1, k).sum(1)
        edges = np.append(edges[:-1:k], edges[-1])
    nonzero = np.flatnonzero(counts)
    first, last = nonzero[0], nonzero[-1]
    bucket = np.concatenate([[0], counts[first:last + 1]])
    limit = edges[first:last + 2]  # right limits: the empty bucket's is the left edge of the data
    h = HistogramProto(min=float(v.min()), max=float(v.max()), num=float(v.size), sum=float(v.sum()),
                       sum_squares=float(v @ v), bucket_limit=limit.tolist(), bucket=bucket.astype(float).tolist())
    return Summary(value=[Summary.Value(tag=tag, histo=h)])


def image(tag, png, height, width, channels):
    img = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=png)
    return Summary(value=[Summary.Value(tag=tag, image=img)])


def text(tag, text_string):
    meta = text_metadata.create_summary_metadata(display_name=tag, description="")
    proto = tensor_util.make_tensor_proto([str(text_string).encode("utf-8")])
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=meta, tensor=proto)])


def pr_data(labels, predictions, num_thresholds=127, weights=None):
    """The ``[6, num_thresholds]`` rows TP, FP, TN, FN, precision, recall (module docstring)."""
    n = int(num_thresholds)
    if n < 2:
        raise ValueError(f"add_pr_curve: num_thresholds must be at least 2, got {num_thresholds}")
    y = to_numpy(labels, "labels").astype(np.float64).ravel()
    p = to_numpy(predictions, "predictions").astype(np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"add_pr_curve: labels ({y.size}) and predictions ({p.size}) differ in size")
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("add_pr_curve: predictions must be probabilities in [0, 1]")
    w = np.ones_like(p) if weights is None else np.broadcast_to(to_numpy(weights, "weights"), p.shape)
    bucket = np.floor(p * (n - 1)).astype(np.int64)
    per_bucket_tp = np.bincount(bucket, weights=w * y, minlength=n)
    per_bucket_fp = np.bincount(bucket, weights=w * (1 - y), minlength=n)
    tp = np.cumsum(per_bucket_tp[::-1])[::-1]  # TP_k: positives in buckets >= k
    fp = np.cumsum(per_bucket_fp[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(tp + fp, 1e-7)
    recall = tp / np.maximum(tp + fn, 1e-7)
    return np.stack([tp, fp, tn, fn, precision, recall])


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None):
    data = pr_data(labels, predictions, num_thresholds, weights).astype(np.float32)
    meta = pr_metadata.create_summary_metadata(display_name=tag, description="", num_thresholds=data.shape[1])
    return Summary(value=[Summary.Value(tag=tag, metadata=meta, tensor=tensor_util.make_tensor_proto(data))])


def _hparam_value(name, v):
    if isinstance(v, (Tensor, np.ndarray, np.generic)):
        v = to_numpy(v).item()
    if isinstance(v, (bool, int, float, str)):
        return v
    if v is None:
        return "None"
    raise TypeError(f"add_hparams: the value of {name!r} must be a bool, number, string or one-element "
                    f"tensor, got {type(v).__name__}")


def _kind(v):
    """The hparams plugin's (data type, value field) of a value."""
    if isinstance(v, bool):
        return api_pb2.DATA_TYPE_BOOL, "bool_value"
    if isinstance(v, (int, float)):
        return api_pb2.DATA_TYPE_FLOAT64, "number_value"
    return api_pb2.DATA_TYPE_STRING, "string_value"


def _hparam_info(name, v, discrete):
    info = api_pb2.HParamInfo(name=name, type=_kind(v)[0])
    if discrete is not None:
        info.domain_discrete.extend([_hparam_value(name, d) for d in discrete])
    return info


def hparams_records(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """``(experiment, session start, session end)`` Summary records of the hparams plugin."""
    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("add_hparams: hparam_dict and metric_dict must be dicts")
    domain = hparam_domain_discrete or {}
    for name, values in domain.items():
        if name not in hparam_dict:
            raise ValueError(f"add_hparams: hparam_domain_discrete names {name!r}, which is not in hparam_dict")
        if not isinstance(values, (list, tuple)):
            raise TypeError(f"add_hparams: hparam_domain_discrete[{name!r}] must be a list of values")
    values = {k: _hparam_value(k, v) for k, v in hparam_dict.items()}
    start = hparams_data.SessionStartInfo()
    for k, v in values.items():
        setattr(start.hparams[k], _kind(v)[1], v)
    experiment = api_pb2.Experiment(
        hparam_infos=[_hparam_info(k, v, domain.get(k)) for k, v in values.items()],
        metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict])
    end = hparams_data.SessionEndInfo(status=api_pb2.STATUS_SUCCESS)
    out = []
    for tag, data in ((hparams_metadata.EXPERIMENT_TAG, hparams_data.HParamsPluginData(experiment=experiment)),
                      (hparams_metadata.SESSION_START_INFO_TAG,
                       hparams_data.HParamsPluginData(session_start_info=start)),
                      (hparams_metadata.SESSION_END_INFO_TAG, hparams_data.HParamsPluginData(session_end_info=end))):
        meta = hparams_metadata.create_summary_metadata(data)
        out.append(Summary(value=[Summary.Value(tag=tag, metadata=meta, tensor=hparams_metadata.NULL_TENSOR)]))
    return out
