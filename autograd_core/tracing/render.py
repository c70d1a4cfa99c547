"""Symbolic rules and rendering for evaluation traces (``evaluation.py``).

Each elementary op of a trace is shown three ways, in the notation of the
lecture notes (v₋₁, v₀ inputs; v₁ … v_l intermediates; v̇ tangents; v̄
adjoints):

    primal    v₂ = v₋₁ · v₀
    tangent   v̇₂ = Σₖ ∂v₂/∂aₖ · ȧₖ            = v̇₋₁ · v₀ + v̇₀ · v₋₁
    adjoint   āₖ += v̄₂ · ∂v₂/∂aₖ  for each operand aₖ  (v̄₀ += v̄₂ · v₋₁)

``RULES`` maps an op class name to its primal template and the partial
derivative ∂y/∂aₖ of each operand slot k, written with ``{0}``, ``{1}`` …
for the operands and ``{y}`` for the output. ``LINEAR`` ops show their
tangent as the op applied to the operand's tangent. Other ops fall back to
the general ∂y/∂a notation. The strings are only for display: every value in
a trace is computed by the engine (forward mode for tangents, reverse mode
for adjoints). This module also writes the tables as plain text, Markdown
and HTML (numbers are formatted by ``autograd_core.formatting``).
"""
import html
import re
import unicodedata

import numpy as np

from ..formatting import fmt_constant

_SUB = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
DOT, BAR = "\u0307", "\u0304"  # combining dot above (v̇) and macron (v̄)

RULES = {
    "Add": ("{0} + {1}", "1", "1"),
    "AddScaled": ("{0} + {2} · {1}", "1", "{2}"),
    "Sub": ("{0} − {1}", "1", "-1"),
    "Mul": ("{0} · {1}", "{1}", "{0}"),
    "Div": ("{0} / {1}", "1/{1}", "−{0}/{1}²"),
    "Neg": ("−{0}", "-1"),
    "Exp": ("exp {0}", "{y}"),
    "Expm1": ("exp {0} − 1", "{y} + 1"),
    "Log": ("ln {0}", "1/{0}"),
    "Log2": ("log₂ {0}", "1/({0} · ln 2)"),
    "Log10": ("log₁₀ {0}", "1/({0} · ln 10)"),
    "Log1p": ("ln(1 + {0})", "1/(1 + {0})"),
    "Sqrt": ("√{0}", "1/(2 · {y})"),
    "Rsqrt": ("1/√{0}", "−{y}³/2"),
    "Square": ("{0}²", "2 · {0}"),
    "Reciprocal": ("1/{0}", "−{y}²"),
    "Abs": ("|{0}|", "sign {0}"),
    "Sin": ("sin {0}", "cos {0}"),
    "Cos": ("cos {0}", "−sin {0}"),
    "Tan": ("tan {0}", "1 + {y}²"),
    "Tanh": ("tanh {0}", "1 − {y}²"),
    "Sigmoid": ("σ({0})", "{y} · (1 − {y})"),
    "ReLU": ("relu({0})", "[{0} > 0]"),
}
LINEAR = {"Sum", "Mean", "GetItem", "Reshape", "View", "Squeeze", "Unsqueeze", "Permute",
          "Transpose", "BroadcastTo", "Clone", "Flip", "Split", "Unbind", "Cat", "Stack"}
MATMUL = ("{0} @ {1}", ("{d} @ {1}", "{0} @ {d}"), ("{g} @ {1}ᵀ", "{0}ᵀ @ {g}"))


def vname(i, mark=""):
    """``v₋₁``, ``v̇₀``, ``v̄₃``: the name of variable i, with a mark. Names are
    in Unicode NFC form (ẋ and ȳ are single characters, v̄ is v + U+0304)."""
    return unicodedata.normalize("NFC", "v" + mark + str(i).translate(_SUB))


def input_name(name, mark=""):
    """An input's display name: ``x1`` becomes ``x₁`` (``ẋ₁``, ``x̄₁``)."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    text = m.group(1) + mark + m.group(2).translate(_SUB) if m else name + mark
    return unicodedata.normalize("NFC", text)


def output_name(k, m, mark=""):
    """``y`` for a single output, ``y₁`` … ``y_m`` otherwise."""
    return unicodedata.normalize("NFC", "y" + mark + ("" if m == 1 else str(k + 1).translate(_SUB)))


def _times(g, partial):
    """``g · partial``, simplified for partials 1, -1, 1/x and -x."""
    if partial == "1":
        return g
    if partial == "-1":
        return "−" + g
    if partial.startswith("1/"):
        return f"{g} / {partial[2:]}"
    if partial.startswith("−"):
        return f"−{g} · {_paren(partial[1:])}"
    return f"{g} · {_paren(partial)}"


def _paren(s):
    return f"({s})" if (" + " in s or " − " in s) and not (s.startswith("(") and s.endswith(")")) else s


def join_terms(terms):
    """``a + b − c`` from terms that may start with a minus sign."""
    if not terms:
        return "0"
    out = terms[0]
    for t in terms[1:]:
        out += f" − {t[1:]}" if t.startswith("−") else f" + {t}"
    return out


def _pow_partials(const):
    """The partials of a ** b (with a constant exponent c: c · a^(c-1))."""
    c = const[1]
    if c is not None and np.ndim(c) == 0:
        e = fmt_constant(float(c) - 1)
        return ("{1} · {0}" if float(c) == 2 else "{1} · {0}^" + e), "{y} · ln {0}"
    return "{1} · {0}^({1} − 1)", "{y} · ln {0}"


def rule(op, const):
    """``(primal, tangent terms, adjoint terms)`` templates of an op; the
    terms hold ``{d}`` (the operand's tangent) and ``{g}`` (the output's
    adjoint). None for an op without a rule here. ``const`` holds the
    constant arguments (None in the slots of variables)."""
    if op == "MatMul":
        return MATMUL
    if op == "Pow":
        spec = ("{0}^{1}",) + _pow_partials(const)
    else:
        spec = RULES.get(op)
    if spec is None:
        return None
    partials = spec[1:]
    return (spec[0], tuple(_times("{d}", p) for p in partials), tuple(_times("{g}", p) for p in partials))


def _index_text(index):
    items = index if isinstance(index, tuple) else (index,)
    if items and items[-1] is Ellipsis:
        items = items[:-1]
    out = []
    for i in items:
        if isinstance(i, slice):
            out.append(":".join("" if v is None else str(v) for v in (i.start, i.stop))
                       + ("" if i.step is None else f":{i.step}"))
        elif i is Ellipsis:
            out.append("...")
        elif isinstance(i, np.ndarray):
            out.append(np.array2string(i, separator=", ", threshold=8))
        else:
            out.append(str(i))
    return ", ".join(out)


def primal_text(op, names, const, nout=1, nr=0):
    """The right-hand side of a primal line, e.g. ``ln v₋₁`` or ``v₁[0]``."""
    r = rule(op, const)
    if r is not None:
        text = r[0].format(*names)
    elif op in ("Sum", "Mean"):
        axes = const[1]
        dims = "" if axes is None else f", dim={axes if len(axes) > 1 else axes[0]}"
        text = f"{op.lower()}({names[0]}{dims}{', keepdim=True' if const[2] else ''})"
    elif op in ("GetItem", "Narrow", "IndexSelect", "Gather"):
        text = f"{names[0]}[{_index_text(const[1])}]"
    else:
        text = f"{op.lower()}({', '.join(names)})"
    return text + (f"[{nr}]" if nout > 1 else "")


def tangent_terms(op, names, slots, y, const, nout=1, nr=0):
    """The terms of a tangent line, one per variable operand slot (one term
    for a linear op: the op applied to the tangents)."""
    dots = {k: names[k].replace("v", "v" + DOT, 1) for k in slots}
    r = rule(op, const)
    if r is None and op in LINEAR:
        return [primal_text(op, [dots.get(j, n) for j, n in enumerate(names)], const, nout, nr)]
    terms = []
    for k in slots:
        t = r[1][k] if r is not None and k < len(r[1]) else f"∂{y}/∂{{{k}}} · {{d}}"
        terms.append(t.format(*names, d=dots[k], y=y))
    return terms


def adjoint_term(op, names, k, y, gname, const):
    """The right-hand side of one adjoint step: v̄_j times ∂v_j/∂(operand k)."""
    r = rule(op, const)
    t = r[2][k] if r is not None and k < len(r[2]) else f"{{g}} · ∂{y}/∂{{{k}}}"
    return t.format(*names, g=gname, y=y)


# -- tables ------------------------------------------------------------------
def width(s):
    """Display width: combining marks take no column."""
    return sum(not unicodedata.combining(c) for c in s)


def to_text(title, sections):
    """Plain text: a title, then each section as aligned ``lhs op rhs = value`` lines."""
    lines = [title]
    for name, rows in sections:
        lines += ["", name]
        wl = max(width(r[0]) for r in rows)
        wr = max(width(r[2]) for r in rows)
        wv = max(width(r[3]) for r in rows)
        for lhs, op, rhs, value, term in rows:
            line = (f"  {lhs}{' ' * (wl - width(lhs))} {op:>2} {rhs}{' ' * (wr - width(rhs))}"
                    f"  = {value}")
            if term is not None:
                sign = "" if term.startswith("-") else "+"
                line += " " * (wv - width(value)) + f"   ({sign}{term})"
            lines.append(line.rstrip())
    return "\n".join(lines)


def to_markdown(title, sections):
    """Markdown: one pipe table per section (an adjoint table has a term column)."""
    out = [f"**{title}**"]
    for name, rows in sections:
        terms = any(r[4] is not None for r in rows)
        out += ["", f"*{name}*", "", "| step | " + ("term | " if terms else "") + "value |",
                "|---|" + ("---:|" if terms else "") + "---:|"]
        for lhs, op, rhs, value, term in rows:
            cells = [f"{lhs} {op} {rhs}"] + ([term or ""] if terms else []) + [value]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


def to_html(title, sections):
    """HTML tables for Jupyter (``_repr_html_``)."""
    e = html.escape
    out = [f'<div class="ag-trace"><p><b>{e(title)}</b></p>']
    for name, rows in sections:
        terms = any(r[4] is not None for r in rows)
        out.append(f"<table><caption style='text-align:left'><i>{e(name)}</i></caption>"
                   "<tr><th style='text-align:left'>step</th>" + ("<th>term</th>" if terms else "")
                   + "<th>value</th></tr>")
        for lhs, op, rhs, value, term in rows:
            out.append(f"<tr><td style='text-align:left'>{e(lhs)} {e(op)} {e(rhs)}</td>"
                       + (f"<td>{e(term or '')}</td>" if terms else "") + f"<td>{e(value)}</td></tr>")
        out.append("</table>")
    out.append("</div>")
    return "\n".join(out)
