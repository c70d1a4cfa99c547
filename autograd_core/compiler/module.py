"""``OptimizedModule``: what ``compile(module)`` returns. Calling it replays the
module's recorded forward; every other attribute (``parameters()``,
``train()``, ``state_dict()``, submodules) is the module's own, so an
optimizer built from it trains the module. ``_orig_mod`` is the module, as
in PyTorch (whose state-dict keys gain an ``_orig_mod.`` prefix; here they
stay the module's own)."""
from .frontend import CompiledFunction


class OptimizedModule:
    """A compiled module (see the module docstring)."""

    def __init__(self, mod, fullgraph=False):
        object.__setattr__(self, "_orig_mod", mod)
        object.__setattr__(self, "_compiled", CompiledFunction(mod, module=mod, fullgraph=fullgraph))

    def __call__(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def forward(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def explain(self):
        """See ``CompiledFunction.explain``."""
        return self._compiled.explain()

    def __getattr__(self, name):
        return getattr(self._orig_mod, name)

    def __setattr__(self, name, value):
        setattr(self._orig_mod, name, value)

    def __repr__(self):
        return f"OptimizedModule({self._orig_mod!r})"
