"""``Module.to``: reading its arguments (a dtype, ``'cpu'``, a tensor, or
``device=``/``dtype=`` keywords; any device but the cpu is refused) and
casting a module's floating parameters, gradients and buffers in place
(the tensor objects stay, so optimizers that hold them keep working)."""
import numpy as np

from autograd_core.tensor import Tensor


def parse_to(args, kwargs):
    """The dtype asked for by ``to(...)`` (None for none)."""
    dtype = kwargs.get("dtype")
    devices = [kwargs.get("device")]
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif a is None:
            continue
        elif isinstance(a, str):
            try:
                dtype = np.dtype(a)
            except TypeError:
                devices.append(a)
        elif type(a).__name__ == "device":  # a device object of another library
            devices.append(str(a))
        else:
            dtype = a
    for dev in devices:
        if dev is not None and not str(dev).startswith("cpu"):
            raise RuntimeError(f"device {dev!r} is not available: this engine runs on 'cpu'")
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
    return dtype


def cast_module(module, dtype):
    """Give every floating parameter, gradient and buffer of ``module`` the dtype ``dtype``."""
    for m in module.modules():
        for reg in (m._parameters, m._buffers):
            for t in reg.values():
                if t is None:
                    continue
                for holder in (t, t.grad):
                    if holder is not None and holder._data.dtype.kind == "f" and holder._data.dtype != dtype:
                        holder._data = holder._data.astype(dtype)
    return module
