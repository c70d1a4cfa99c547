"""``render``: a graph drawn to SVG, PNG or PDF by Graphviz's ``dot`` program.

Without ``dot`` the DOT source is still written (next to the requested file,
suffix ``.gv``) and ``GraphvizNotFoundError`` says how to install Graphviz.
"""
import shutil
import subprocess
from pathlib import Path

FORMATS = ("svg", "png", "pdf", "gv", "dot")

INSTALL = ("Install Graphviz and make sure `dot` is on PATH:\n"
           "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
           "  Fedora/RHEL:    sudo dnf install graphviz\n"
           "  macOS:          brew install graphviz\n"
           "  conda:          conda install -c conda-forge graphviz\n"
           "  Windows:        winget install graphviz  (or https://graphviz.org/download/)")


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed (or not on PATH)."""


def render(graph, path, format=None, keep_source=False):
    """Draw ``graph`` (a ``graphviz`` graph or DOT text) to ``path`` and return
    the path written. ``format``: 'svg', 'png' or 'pdf' (default: the file's
    suffix, else 'svg'; a path without suffix gets one), or 'gv'/'dot' for
    the DOT source only. The source is also written to ``path`` with suffix
    ``.gv`` when ``keep_source`` is true or when ``dot`` is missing."""
    source = graph if isinstance(graph, str) else getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(f"render: expected a graphviz graph or DOT text, got {type(graph).__name__}")
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt not in FORMATS:
        raise ValueError(f"render: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not path.suffix:
        path = path.with_suffix("." + fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("gv", "dot"):
        path.write_text(source, encoding="utf-8")
        return path
    src = path.with_suffix(".gv")
    dot = shutil.which("dot")
    if keep_source or dot is None:
        src.write_text(source, encoding="utf-8")
    if dot is None:
        raise GraphvizNotFoundError(
            f"render: Graphviz's `dot` program was not found, so {path} could not be drawn. "
            f"The DOT source was written to {src}.\n{INSTALL}\nThen run:  dot -T{fmt} {src} -o {path}")
    res = subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=source.encode("utf-8"),
                         capture_output=True, timeout=300)
    if res.returncode != 0:
        raise RuntimeError(f"render: dot failed with exit code {res.returncode}: "
                           f"{res.stderr.decode(errors='replace').strip()}")
    return path
