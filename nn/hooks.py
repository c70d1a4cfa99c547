"""Forward hooks of modules: registering them and calling a module with them.

A module keeps two ordered dicts, ``_forward_pre_hooks`` and
``_forward_hooks``, mapping a handle id to ``(hook, with_kwargs,
always_call)``. ``register_*`` returns a ``RemovableHandle``;
``handle.remove()`` takes the hook off (a handle is also a context manager).

Calling a module with hooks runs, in order: each pre-hook
``hook(module, args)`` (a non-None return replaces the positional
arguments; with kwargs: ``hook(module, args, kwargs)`` returns
``(args, kwargs)``), ``forward``, then each forward hook
``hook(module, args, output)`` (a non-None return replaces the output).
Hooks registered with ``always_call`` also run when forward raises.
"""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """A registered hook; ``remove()`` takes it off."""

    def __init__(self, hooks):
        self.id = next(_ids)
        self._hooks = hooks

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks, hook, prepend=False, with_kwargs=False, always_call=False):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = (hook, with_kwargs, always_call)
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def call_with_hooks(module, args, kwargs):
    """``module(*args, **kwargs)`` with its pre-hooks and forward hooks."""
    for hook, with_kwargs, _ in list(module._forward_pre_hooks.values()):
        if with_kwargs:
            res = hook(module, args, kwargs)
            if res is not None:
                if not (isinstance(res, tuple) and len(res) == 2):
                    raise RuntimeError("forward pre-hook with kwargs must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {res}")
                args, kwargs = res
        else:
            res = hook(module, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
    hooks = list(module._forward_hooks.values())
    try:
        out = module.forward(*args, **kwargs)
    except Exception:
        for hook, with_kwargs, always in hooks:
            if always:
                hook(module, args, kwargs, None) if with_kwargs else hook(module, args, None)
        raise
    for hook, with_kwargs, _ in hooks:
        res = hook(module, args, kwargs, out) if with_kwargs else hook(module, args, out)
        if res is not None:
            out = res
    return out
