"""``Module``: the base class of every layer and model, as in PyTorch.

A module keeps three ordered registries, filled by attribute assignment:

- ``_parameters``: the ``Parameter`` attributes (``self.weight = Parameter(...)``);
- ``_buffers``: tensors that are state but not trained (running statistics),
  added with ``register_buffer(name, t, persistent=True)``; non-persistent
  buffers stay out of the state dict;
- ``_modules``: the submodules (``self.fc1 = Linear(...)``).

Everything else walks those registries in registration order: the
iterators (``named_parameters()`` gives ``'fc1.weight'``, ``'0.bias'``...,
each tensor once), ``train``/``eval``, ``zero_grad``, ``to``, ``apply``, the
state dict (``state_dict.py``), forward hooks and the printed tree.
The registries and the hook dicts are ``WatchedDict``s (ordered dicts that
count their changes, ``autograd_core/compiler/watched.py``), so a compiled
module checks its guard on the module tree only after something changed.
Calling a module runs the forward pre-hooks, ``forward`` and the forward hooks.
"""
from autograd_core.compiler.watched import WatchedDict
from autograd_core.dtypes import FloatCasts
from autograd_core.grad_mode import no_grad

from . import registry
from . import state_dict as _state
from .convert import cast_module, parse_to
from .hooks import add_hook, call_with_hooks


class Module(FloatCasts):
    """Base class of layers and models: subclass it, assign parameters and
    submodules in ``__init__`` (after ``super().__init__()``), write ``forward``."""

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}")
        d = self.__dict__  # not through __setattr__
        d["training"] = True
        d["_parameters"], d["_buffers"], d["_modules"] = WatchedDict(), WatchedDict(), WatchedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_forward_pre_hooks"], d["_forward_hooks"] = WatchedDict(), WatchedDict()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" '
                                  "function")

    # -- registration (nn/registry.py) -----------------------------------------
    def register_parameter(self, name, param):
        """Add ``param`` (a ``Parameter`` or None) under ``name``."""
        registry.register_parameter(self, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer (a Tensor or None): state that is not trained.
        ``persistent=False`` keeps it out of the state dict."""
        registry.register_buffer(self, name, tensor, persistent)

    def add_module(self, name, module):
        """Add a submodule (or None) under ``name``."""
        registry.add_module(self, name, module)

    register_module = add_module

    def __setattr__(self, name, value):
        registry.assign(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for reg in ("_parameters", "_buffers", "_modules"):
            r = d.get(reg)
            if r is not None and name in r:
                return r[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for reg in (self._parameters, self._buffers, self._modules):
            if name in reg:
                del reg[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def get_submodule(self, target):
        """The submodule at the dotted path ``target`` (``''`` is this module)."""
        mod = self
        for item in target.split(".") if target else ():
            if item not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target):
        return self._get_entry(target, "_parameters", "parameter")

    def get_buffer(self, target):
        return self._get_entry(target, "_buffers", "buffer")

    def _get_entry(self, target, store, kind):
        """The entry of the dict ``store`` (``_parameters`` or ``_buffers``) at the dotted path ``target``."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        entries = getattr(mod, store)
        if name not in entries:
            raise AttributeError(f"{type(mod).__name__} has no {kind} `{name}`")
        return entries[name]

    # -- iteration -------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(dotted name, module)`` for this module and every descendant, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_prefix, mod in mods:
            reg = mod.__dict__[registry]
            for name, t in reg.items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``('fc1.weight', Parameter)`` pairs, each parameter once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- modes and bulk changes ------------------------------------------------
    def train(self, mode=True):
        """Set training mode (``Dropout`` drops, ``BatchNorm`` uses batch statistics)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None, or to zeros)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad = False
                with no_grad():
                    p.grad.zero_()

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first), then on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to('cpu')``, ``to(device, dtype)``, ``to(tensor)``:
        casts floating parameters, gradients and buffers in place."""
        dtype = parse_to(args, kwargs)
        return self if dtype is None else cast_module(self, dtype)

    def cpu(self):
        return self

    def cuda(self, device=None):
        raise RuntimeError("CUDA is not available: this engine runs on 'cpu'")

    # -- state dict ------------------------------------------------------------
    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """An ordered dict of parameters and persistent buffers under PyTorch's
        keys (``'fc1.weight'``, ``'bn.running_mean'``); values share memory."""
        return _state.state_dict(self, destination, prefix, keep_vars)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy ``state_dict`` into the parameters and buffers. Raises a
        ``RuntimeError`` listing missing/unexpected keys (when ``strict``) and
        shape mismatches, before copying anything."""
        return _state.load_state_dict(self, state_dict, strict, assign)

    # -- calling and hooks -----------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` runs before ``forward``; a non-None return
        replaces the positional arguments (``hook(module, args, kwargs)`` and an
        ``(args, kwargs)`` return with ``with_kwargs=True``)."""
        return add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """``hook(module, args, output)`` runs after ``forward``; a non-None
        return replaces the output (``hook(module, args, kwargs, output)`` with
        ``with_kwargs=True``). ``always_call`` runs it even if forward raises."""
        return add_hook(self._forward_hooks, hook, prepend, with_kwargs, always_call)

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks or self._forward_hooks:
            return call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    # -- printing --------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's line of ``repr``."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): " + _indent(repr(m), 2) for name, m in self._modules.items()]
        if not children and len(lines) <= 1:
            return f"{self._get_name()}({''.join(lines)})"
        body = "\n  ".join(lines + children)
        return f"{self._get_name()}(\n  {body}\n)"

    def summary(self, input_shape, **kwargs):
        """Print a Keras-style table of layers, output shapes and parameter
        counts (see ``nn.summary``)."""
        from .summary import summary

        return summary(self, input_shape, **kwargs)


def _indent(text, n):
    lines = text.split("\n")
    return "\n".join(lines[:1] + [" " * n + line for line in lines[1:]])
