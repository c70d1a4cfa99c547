"""The ``reduction`` argument of the losses: 'none', 'mean' or 'sum'
(and PyTorch's deprecated ``size_average``/``reduce`` flags, mapped onto it)."""
import warnings

_VALID = ("none", "mean", "sum")


def legacy_reduction(size_average, reduce, reduction, stacklevel=3):
    """The reduction meant by the deprecated flags, when one is given."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction instead.",
                  DeprecationWarning, stacklevel=stacklevel)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def check_reduction(reduction, extra=()):
    if reduction not in _VALID + tuple(extra):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def reduce(loss, reduction):
    """Apply a checked reduction to an elementwise loss."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def warn_shape(input, target, stacklevel=4):
    """PyTorch's warning when a regression target broadcasts against the input."""
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"Using a target size ({list(target.shape)}) that is different to the input size "
                      f"({list(input.shape)}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=stacklevel)
