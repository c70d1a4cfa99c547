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



def get_default_dtype():
    """float32: the dtype of tensors made from Python floats."""
    return float32


def is_floating_point(t):
    return t.dtype.kind == "f"
