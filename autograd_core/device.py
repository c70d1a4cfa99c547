"""Devices, as in a CPU-only PyTorch build.

``device('cpu')``, ``device('cpu', 0)``, ``device('cuda:1')`` are valid
names, as in PyTorch; every tensor lives on the CPU, and asking for another
device where memory would be placed (a factory's ``device=``, ``.to``,
``.cuda()``) raises a ``RuntimeError`` that says this engine is CPU-only.
"""

_KNOWN = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "hpu", "mtia", "privateuseone")


class device:
    """A device name: ``type`` ('cpu', 'cuda', ...) and optional ``index``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):  # device(0): an accelerator index
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(f"device() expects a string or a device, got {type.__class__.__name__}")
        elif ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in _KNOWN:
            raise RuntimeError(f"Expected one of {', '.join(_KNOWN)} device type at start of device "
                               f"string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = type, index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def check_device(d, op="tensor"):
    """``d`` (None, a string, an index or a ``device``) as the CPU device;
    anything else raises: this engine has no other device."""
    if d is None or d is CPU:
        return CPU
    d = device(d)
    if d.type != "cpu":
        raise RuntimeError(f"{op}: device '{d}' is not available: this engine is CPU-only "
                           f"(torch.cuda.is_available() is False); use device='cpu'")
    return CPU


def get_default_device():
    """``device('cpu')``: where factories put tensors."""
    return CPU


def set_default_device(d):
    """Accepts the CPU (or None); another device raises, as every tensor lives on the CPU."""
    check_device(d, "set_default_device")
