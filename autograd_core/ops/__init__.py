"""Every primitive op, grouped by family.

A family is a module of this package that defines ``METHODS``: it lists its
public functions in ``__all__`` (exported here, and so as ``autograd_core.<name>``)
and the Tensor methods it provides in ``METHODS`` (name -> function or
property), which ``install_methods`` attaches to ``Tensor``. The registry is
built from the modules themselves, so a new family is a new module and
nothing here changes. Helper modules (``_util``, ``conv_args``, ...) define no
``METHODS``. Two families may not export the same name or method, so the
order in which they are found does not matter. A function named like its
module (``unique`` in ``unique.py``) takes the attribute ``ops.unique`` (the
public name is the function); the module stays in ``FAMILIES`` and
``sys.modules``.
"""
import importlib
import pkgutil


def _find_families():
    """The modules of this package that define ``METHODS``, by name."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            if hasattr(module, "METHODS"):
                found.append(module)
    return tuple(found)


def _claim(owners, names, family, what):
    for name in names:
        if name in owners:
            raise ImportError(f"{family.__name__} and {owners[name].__name__} both define the "
                              f"{what} {name!r}")
        owners[name] = family


FAMILIES = _find_families()

__all__ = []
_exported, _methods = {}, {}
for _family in FAMILIES:
    _claim(_exported, _family.__all__, _family, "function")
    _claim(_methods, _family.METHODS, _family, "Tensor method")
    for _name in _family.__all__:
        globals()[_name] = getattr(_family, _name)
    __all__ += _family.__all__


def install_methods(cls):
    """Attach every family's ``METHODS`` to ``cls`` (the Tensor class)."""
    for family in FAMILIES:
        for name, fn in family.METHODS.items():
            setattr(cls, name, fn)
