"""Source text shared by the generated forward replay (``replay.py``) and the
generated backward rules (``backward.py``): references to recorded arrays and
the lines that bind an op's outputs."""
import numpy as np


def _arr(o):
    return o if type(o) is np.ndarray else np.asarray(o)


def _view(a, shape, strides, offset, layout):
    """The view (``shape``, ``strides``, starting ``offset`` bytes from ``a``'s first element) of a slot's
    array ``a``, which must be laid out as ``layout`` (shape, strides) was when the view was recorded:
    then the view reads the same elements of ``a`` as it read of the recorded array."""
    if a.shape != layout[0] or a.strides != layout[1]:
        raise RuntimeError(f"ag.compile: an array the recording viewed has another layout in the replay (shape "
                           f"{a.shape}, strides {a.strides}; recorded {layout[0]}, {layout[1]})")
    if offset:
        k = offset // a.itemsize
        a = _as_strided(a, (abs(k) + 1,), (a.itemsize if k > 0 else -a.itemsize,))[abs(k):]
    return _as_strided(a, shape, strides)


_as_strided = np.lib.stride_tricks.as_strided
_REFS = {"s": "v{0}", "v": "_view(v{0}, {1!r}, {2!r}, {3!r}, {4!r})",  # forward: a slot, a view of a slot
         "g": "G[{0}]", "saved": "S[{0}][1]", "savedT": "S[{0}][1]._data", "attr": "c.{0}", "b": "b{0}"}  # rules


def expr(sp, env, name):
    """Source text of a recorded argument: a reference (``_REFS``), a tuple or list of them
    (``('q', type, items)``), or a constant put into ``env`` as ``name``."""
    kind = sp[0]
    if kind == "q":
        items = ", ".join(expr(x, env, f"{name}_{i}") for i, x in enumerate(sp[2]))
        return f"({items},)" if sp[1] is tuple else f"[{items}]"
    if kind == "c":
        env[name] = sp[1]
        return name
    return _REFS[kind].format(*sp[1:])


def assign(prefix, outs, multi, call):
    """Source lines giving the output slots ``outs`` (named ``prefix`` + number) the arrays of ``call``
    (``_arr`` called only on what is not an ndarray: a scalar a reduction returned)."""
    names = [f"{prefix}{s}" for s in outs]
    first = f"    {names[0]} = {call}" if not multi else f"    {', '.join(names)}, = {call}"
    return [first] + [f"    if {n}.__class__ is not _nd: {n} = _arr({n})" for n in names]
