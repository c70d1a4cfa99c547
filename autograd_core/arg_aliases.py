"""numpy's argument names where PyTorch accepts them: ``axis=`` for ``dim=``
and ``keepdims=`` for ``keepdim=`` (``x.sum(axis=0, keepdims=True)``,
``ag.cat(ts, axis=1)``), as PyTorch's argument parser does for every
function with those parameters.

``install`` wraps, once, every public function of ``autograd_core`` and every
``Tensor`` method that has a ``dim`` or ``keepdim`` parameter; the wrapper
renames the two keywords and calls the op (one Python call more, only on
those ops; the arithmetic of the per-op benchmark is not wrapped)."""
import functools

ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def _takes_dim(fn):
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    return ("dim" in names or "keepdim" in names) and not ("axis" in names or "keepdims" in names)


def accept_numpy_names(fn):
    """``fn`` accepting ``axis=``/``keepdims=`` for ``dim=``/``keepdim=``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            for alias, name in ALIASES.items():
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() got values for both '{name}' and its alias '{alias}'")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    wrapper.__wrapped_dim_aliases__ = True
    return wrapper


def install(namespace, names, cls):
    """Rebind ``names`` in ``namespace`` (a module's globals) and the methods
    of ``cls`` that take ``dim``/``keepdim`` to their wrapped versions."""
    done = {}

    def wrapped(fn):
        if getattr(fn, "__wrapped_dim_aliases__", False) or not _takes_dim(fn):
            return fn
        if fn not in done:
            done[fn] = accept_numpy_names(fn)
        return done[fn]

    for name in names:
        fn = namespace.get(name)
        if callable(fn) and not isinstance(fn, type):
            namespace[name] = wrapped(fn)
    for name, fn in list(vars(cls).items()):
        if not name.startswith("__") and callable(fn) and not isinstance(fn, type):
            new = wrapped(fn)
            if new is not fn:
                setattr(cls, name, new)
