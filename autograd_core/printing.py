"""Print options, as ``torch.set_printoptions``: ``precision`` (digits after
the point, 4), ``threshold`` (elements before the summary with ``...``,
1000), ``edgeitems`` (3), ``linewidth`` (80), ``sci_mode`` (None: chosen by
numpy) and the ``profile`` presets 'default', 'short' and 'full'."""
import sys

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {
    "default": _DEFAULTS,
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80, "sci_mode": None},
    "full": {**_DEFAULTS, "threshold": sys.maxsize},
}
OPTIONS = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Set how tensors print; arguments left None keep their value (a
    ``profile`` first resets all of them to its preset)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}, expected one of {list(_PROFILES)}")
        OPTIONS.update(_PROFILES[profile])
    for key, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                       ("linewidth", linewidth)):
        if value is not None:
            OPTIONS[key] = int(value)
    OPTIONS["sci_mode"] = sci_mode


def get_printoptions():
    """The current print options, as a dict."""
    return dict(OPTIONS)


def array_options():
    """The options in ``numpy.array2string``'s names."""
    opts = {"threshold": OPTIONS["threshold"], "edgeitems": OPTIONS["edgeitems"],
            "max_line_width": OPTIONS["linewidth"]}
    if OPTIONS["sci_mode"]:
        digits = OPTIONS["precision"]
        opts["formatter"] = {"float_kind": lambda v: format(v, f".{digits}e")}
    elif OPTIONS["sci_mode"] is not None:
        opts["suppress_small"] = True
    return opts
