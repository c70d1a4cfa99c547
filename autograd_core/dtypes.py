"""The dtypes, as numpy dtypes under PyTorch's names (``ag.float32`` ...)."""
import numpy as np

float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
float16 = half = np.dtype(np.float16)
int64 = long = np.dtype(np.int64)
int32 = int = np.dtype(np.int32)
int16 = short = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)

_default = [float32]  # the default floating dtype; read by get_default_dtype


def get_default_dtype():
    """The dtype of tensors made from Python floats and of floating factories
    without a ``dtype``: float32 unless ``set_default_dtype`` changed it."""
    return _default[0]


def set_default_dtype(d):
    """Make ``d`` (float32, float64 or float16) the default floating dtype, as
    ``torch.set_default_dtype``: ``tensor([1.0])``, ``zeros(3)`` ... get it;
    Python scalars still do not promote a float32 tensor."""
    try:
        dt = np.dtype(d)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f":
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = dt


def is_floating_point(t):
    return t.dtype.kind == "f"
