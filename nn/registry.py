"""Registration of parameters, buffers and submodules in a ``Module``.

``Module.__setattr__`` sends every assignment through ``assign``:

- a ``Parameter`` goes to ``_parameters``, a ``Module`` to ``_modules``, an
  ``nn.Buffer`` to ``_buffers`` (removing the name from the other places);
- assigning to a name already registered keeps it there (and its position):
  None empties the slot, a value of the wrong kind raises ``TypeError``
  (a plain Tensor assigned to a buffer name replaces the buffer);
- anything else is an ordinary attribute.

The ``register_*`` methods check the name (a non-empty string without '.',
not an existing attribute of another kind) and the value.
"""
from autograd_core.compiler.watched import changed
from autograd_core.tensor import Tensor

from .parameter import Buffer, Parameter

_WATCHED = ("_parameters", "_buffers", "_modules", "_forward_hooks", "_forward_pre_hooks")


def check_name(module, name, kind, registry):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got {name!r}')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if hasattr(module, name) and name not in registry:
        raise KeyError(f"attribute '{name}' already exists")


def _registry(module, key, kind):
    reg = module.__dict__.get(key)
    if reg is None:
        raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
    return reg


def register_parameter(module, name, param):
    params = _registry(module, "_parameters", "parameter")
    check_name(module, name, "parameter", params)
    if param is not None and not isinstance(param, Parameter):
        raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                        "(nn.Parameter or None required)")
    if param is not None and param.grad_fn is not None:
        raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters "
                         f"must be created explicitly; compute '{name}' from other tensors in forward().")
    params[name] = param


def register_buffer(module, name, tensor, persistent):
    buffers = _registry(module, "_buffers", "buffer")
    check_name(module, name, "buffer", buffers)
    if tensor is not None and not isinstance(tensor, Tensor):
        raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                        "(Tensor or None required)")
    if isinstance(tensor, Buffer):  # stored as a plain tensor sharing memory
        persistent, plain = tensor.persistent, Tensor(tensor._data)
        plain._vc = tensor._vc
        tensor = plain
    buffers[name] = tensor
    if persistent:
        module._non_persistent_buffers_set.discard(name)
    else:
        module._non_persistent_buffers_set.add(name)


def add_module(module, name, child):
    from .module import Module

    if child is not None and not isinstance(child, Module):
        raise TypeError(f"{type(child).__name__} is not a Module subclass")
    modules = _registry(module, "_modules", "module")
    check_name(module, name, "module", modules)
    modules[name] = child


def _forget(module, name, keep):
    """Remove ``name`` from the instance dict and the registries other than
    ``keep`` (so a replaced entry keeps its position in ``keep``)."""
    module.__dict__.pop(name, None)
    for reg in (module._parameters, module._buffers, module._modules):
        if reg is not keep:
            reg.pop(name, None)
    if keep is not module._buffers:
        module._non_persistent_buffers_set.discard(name)


def _replace(reg, name, value, ok, kind, expected):
    if value is not None and not ok:
        raise TypeError(f"cannot assign '{type(value).__name__}' as {kind} '{name}' "
                        f"({expected} or None expected)")
    reg[name] = value


def assign(module, name, value):
    """``module.name = value``, registering parameters, submodules and buffers."""
    from .module import Module

    d = module.__dict__
    params, buffers, modules = d.get("_parameters"), d.get("_buffers"), d.get("_modules")
    if isinstance(value, Parameter):
        _forget(module, name, _registry(module, "_parameters", "parameters"))
        register_parameter(module, name, value)
    elif params is not None and name in params:
        _replace(params, name, value, False, "parameter", "nn.Parameter")
    elif isinstance(value, Module):
        _forget(module, name, _registry(module, "_modules", "module"))
        modules[name] = value
    elif modules is not None and name in modules:
        _replace(modules, name, value, False, "child module", "nn.Module")
    elif isinstance(value, Buffer):
        _forget(module, name, _registry(module, "_buffers", "buffer"))
        register_buffer(module, name, value, value.persistent)
    elif buffers is not None and name in buffers:
        _replace(buffers, name, value, isinstance(value, Tensor), "buffer", "Tensor")
    else:
        if name == "training" or name in _WATCHED:  # part of a compiled module's guard (compiler/watched.py)
            changed()
        object.__setattr__(module, name, value)
