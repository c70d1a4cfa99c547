"""The one place where ``autograd_core`` reaches the upper layers: the names
``autograd_core.nn``, ``autograd_core.optim`` and ``autograd_core.utils.data``
are the project's top-level packages ``nn``, ``optim`` and ``data`` (the same
module objects, so the same classes), loaded lazily on first use.

A script often has its own ``data.py`` (or ``nn/``) beside it, so the facade
never puts the bare names ``data``, ``nn``, ``optim`` into ``sys.modules`` by
itself. Whichever name is imported first loads the package and is its
canonical name; the other name is then an alias of the same module object
(and of each submodule: ``autograd_core.utils.data.dataloader`` is
``data.dataloader``):

- ``import autograd_core.utils.data`` first: the package's files run under the
  name ``autograd_core.utils.data`` (the packages import each other only by
  relative imports and ``autograd_core``, so nothing asks for the bare name).
  A later ``import data`` becomes the alias only if the ordinary search of
  ``sys.path`` would find the project's ``data`` package; a user's own
  ``data.py`` found first is imported as usual.
- ``import data`` first (the project's own style, ``import nn, optim, data``):
  ``autograd_core.utils.data`` becomes the alias of that module, provided it
  is the project's package and not a user's module of the same name.

``Finder`` is a meta-path finder registered by ``install()`` (called from
``autograd_core/__init__.py``); ``attribute`` serves ``autograd_core.nn`` as
an attribute (module ``__getattr__``).
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# alias -> the bare name of the top-level package it stands for
PACKAGES = {"autograd_core.nn": "nn", "autograd_core.optim": "optim", "autograd_core.utils.data": "data"}
_BARE = {bare: alias for alias, bare in PACKAGES.items()}


def _package_dir(bare):
    return os.path.join(_ROOT, bare)


def _same_dir(path, bare):
    try:
        return os.path.samefile(path, _package_dir(bare))
    except OSError:
        return False


def _is_ours(module, bare):
    """Whether ``module`` is the project's package ``bare`` (not a user's module of that name)."""
    path = getattr(module, "__path__", None)
    return bool(path) and _same_dir(list(path)[0], bare)


def _split(fullname, table):
    """(package name, rest) if ``fullname`` is a package of ``table`` or inside one."""
    for name in table:
        if fullname == name or fullname.startswith(name + "."):
            return name, fullname[len(name):]
    return None, None


class _AliasLoader(importlib.abc.Loader):
    """Loads a name as another name's module: the same object in ``sys.modules``."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return types.ModuleType(spec.name)  # a placeholder: exec_module swaps in the target

    def exec_module(self, module):
        sys.modules[module.__name__] = importlib.import_module(self.target)


class Finder(importlib.abc.MetaPathFinder):
    """Resolves ``autograd_core.nn``/``optim``/``utils.data`` (and their
    submodules) and the bare ``nn``/``optim``/``data`` to one module each."""

    def find_spec(self, fullname, path=None, target=None):
        alias, rest = _split(fullname, PACKAGES)
        if alias is not None:
            return self._alias_spec(fullname, PACKAGES[alias], rest)
        bare, rest = _split(fullname, _BARE)
        if bare is not None:
            return self._bare_spec(fullname, bare, rest)
        return None

    @staticmethod
    def _alias_spec(fullname, bare, rest):
        loaded = sys.modules.get(bare)
        if loaded is not None and loaded.__name__ == bare and _is_ours(loaded, bare):
            # canonical: the bare name, imported first
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(bare + rest))
        if rest:
            return None  # a submodule of the package loaded under the alias: found on its __path__
        init = os.path.join(_package_dir(bare), "__init__.py")
        return importlib.util.spec_from_file_location(fullname, init,
                                                      submodule_search_locations=[_package_dir(bare)])

    @staticmethod
    def _bare_spec(fullname, bare, rest):
        alias = _BARE[bare]
        loaded = sys.modules.get(alias)
        if loaded is None or loaded.__name__ != alias:
            return None  # the package is not loaded under the alias: the ordinary import
        if rest:  # data.x: an alias only if the bare 'data' is the alias package itself
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(alias + rest)) \
                if sys.modules.get(bare) is loaded else None
        found = importlib.machinery.PathFinder.find_spec(bare)
        locations = found and found.submodule_search_locations
        if not locations or not _same_dir(list(locations)[0], bare):
            return None  # sys.path finds a user's module of that name first: it wins
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(alias))


_finder = Finder()


def install():
    """Put the finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _finder)


def attribute(package, name):
    """``autograd_core.nn``, ``autograd_core.utils.data`` ... as attributes:
    import the submodule ``package.name`` on first access."""
    if f"{package}.{name}" in PACKAGES or package == "autograd_core" and name == "utils":
        return importlib.import_module(f"{package}.{name}")
    raise AttributeError(f"module '{package}' has no attribute '{name}'")
