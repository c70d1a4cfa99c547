"""``ag.compile`` (PyTorch 2's ``torch.compile``): record a function or a
module's forward once, then replay it as straight-line array code, with
gradients through the recorded backward. See docs/compile.md.

    model = torch.compile(model)          # after import autograd_core as torch
    loss = loss_fn(model(x), y); loss.backward()

Package layout: ``capture.py`` (recording through the observers),
``verify.py`` (two recordings must agree), ``replay.py`` (the generated
forward, with its guards), ``region.py`` (the backward node and its walk,
straight-line once every rule is array code), ``backward.py`` (rules as array
code), ``source.py`` (source text both generate), ``frontend.py`` (keys,
cache, fallback, explain).
"""
from .frontend import CompiledFunction, _all
from .module import OptimizedModule

__all__ = ["compile", "explain", "reset", "disable", "CompiledFunction", "OptimizedModule"]

_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
_BACKENDS = ("inductor", "eager", "aot_eager")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """Compile ``model`` (a function or a module) for replay; PyTorch's
    signature. ``mode``, ``dynamic`` and ``options`` are accepted and change
    nothing (there is one way to replay; every new shape is a new guard key,
    as ``dynamic=False``). ``backend='eager'`` or ``'aot_eager'`` and
    ``disable=True`` run the function eagerly. ``fullgraph=True`` raises
    instead of falling back to eager. Used bare or as ``@compile(...)``."""
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(m for m in _MODES if m)}")
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if not (isinstance(backend, str) and backend in _BACKENDS):
        raise NotImplementedError(f"ag.compile: backend {backend!r} is not available; use one of {_BACKENDS}")
    if dynamic not in (None, True, False):
        raise TypeError(f"dynamic must be None, True or False, got {dynamic!r}")
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable)
    if not callable(model):
        raise RuntimeError("torch.compile: model must be a callable (a function or a module)")
    if disable or backend != "inductor":
        return model
    if hasattr(model, "named_parameters") and hasattr(model, "_forward_hooks"):
        return OptimizedModule(model, fullgraph)
    compiled = CompiledFunction(model, fullgraph=fullgraph)
    try:
        compiled.__wrapped__ = model
        compiled.__name__ = getattr(model, "__name__", type(model).__name__)
        compiled.__doc__ = getattr(model, "__doc__", None)
    except AttributeError:
        pass
    return compiled


def explain(compiled):
    """The recordings of a compiled function or module and why any runs eagerly (``CompiledFunction.explain``)."""
    if isinstance(compiled, OptimizedModule):
        return compiled.explain()
    if not isinstance(compiled, CompiledFunction):
        raise TypeError(f"explain: expected what ag.compile returned, got {type(compiled).__name__}")
    return compiled.explain()


def reset():
    """Forget the recordings of every compiled function and module (``torch.compiler.reset``)."""
    for c in list(_all):
        c.reset()


def disable(fn=None, recursive=True):
    """``torch.compiler.disable``: return ``fn`` itself (it runs eagerly)."""
    return (lambda f: f) if fn is None else fn
