"""Forward mode against reverse mode: the cost of a Jacobian of f: Rⁿ → Rᵐ.

    python tools/ad_cost.py [--n 1 10 100 1000] [--m 1 10 100 1000] [--model tanh|mlp] [--repeats 3]

For every (n, m) it builds J = ∂f/∂x at a random x by forward mode (n passes:
f on ``ag.forward.dual(x, e_k)``, one column each) and by reverse mode (one
recorded evaluation, then m backward sweeps with ``ag.grad``, one row each),
checks that both Jacobians agree, and prints a Markdown table of the passes,
the best time of ``--repeats`` runs, the faster mode and by how much.
Models: ``tanh`` is f(x) = tanh(W x + b) with W m×n; ``mlp`` is
W₂ tanh(W₁ x + b₁) + b₂ with 32 hidden units. The same numbers are available
to a notebook as ``autograd_core.cost.jacobian_cost``.
"""
import argparse
import platform

import numpy as np

from autograd_core.cost import MODELS, format_table, jacobian_cost


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, nargs="+", default=[1, 10, 100, 1000], help="input sizes")
    p.add_argument("--m", type=int, nargs="+", default=[1, 10, 100, 1000], help="output sizes")
    p.add_argument("--model", choices=sorted(MODELS), default="tanh")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per mode (the best is kept)")
    args = p.parse_args(argv)
    rows = jacobian_cost(args.n, args.m, repeats=args.repeats, model=args.model)
    worst = max(r["max_abs_diff"] for r in rows)
    if worst > 1e-10:
        raise SystemExit(f"forward and reverse Jacobians differ by {worst:.3g}")
    print(f"Jacobian of f: R^n -> R^m, model {args.model!r}, float64, best of {args.repeats} "
          f"(Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()})\n")
    print(format_table(rows))
    print(f"\nforward and reverse Jacobians agree to {worst:.1e}; forward mode wins when n < m, "
          "reverse mode when m < n")


if __name__ == "__main__":
    main()
