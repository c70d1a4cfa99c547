"""``Parameter`` and ``Buffer``: the tensors a ``Module`` registers when they
are assigned as attributes.

A ``Parameter`` is an ``autograd_core.Tensor`` (a subclass: every op accepts
it) that is a leaf and requires grad by default; assigning one to a module
attribute adds it to ``parameters()`` and to the state dict. A ``Buffer``
marks a tensor that is state but not trained (running statistics): assigning
one registers it with ``register_buffer`` (``persistent`` decides whether it
goes into the state dict). Both share memory with the tensor they wrap.
"""
import numpy as np

from autograd_core.tensor import Tensor, as_array


def _array_of(data):
    if data is None:
        return np.empty(0, np.float32)
    if isinstance(data, Tensor):
        return data._data
    return as_array(data)


class Parameter(Tensor):
    """A tensor that is a module parameter: a leaf with ``requires_grad=True``
    (unless told otherwise), sharing memory with ``data``."""

    def __init__(self, data=None, requires_grad=True):
        arr = _array_of(data)
        if requires_grad and arr.dtype.kind != "f":
            raise RuntimeError(f"Only Tensors of floating point dtype can require gradients, "
                               f"got a Parameter of dtype {arr.dtype}")
        super().__init__(arr, requires_grad=requires_grad)
        if isinstance(data, Tensor):
            self._vc = data._vc  # same memory, same version counter

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(self._data.copy(), self.requires_grad)
        if self.grad is not None:
            p.grad = Tensor(self.grad._data.copy())
        memo[id(self)] = p
        return p


class Buffer(Tensor):
    """A tensor to register as a buffer by attribute assignment
    (``self.stats = nn.Buffer(t, persistent=False)``)."""

    def __init__(self, data, persistent=True):
        super().__init__(_array_of(data))
        self.persistent = persistent
