"""Draw the graphs shown in the README and docs/viz.md into docs/img/.

    python tools/make_readme_graphs.py [--out docs/img]

- ``graph_f.svg``: the forward graph of the lecture notes' example
  f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5), with values and gradients;
- ``backward_f.svg``: its backward pass, nodes numbered in the engine's order;
- ``lenet_modules.svg``: the forward graph of a LeNet training step (batch of
  one image, cross-entropy loss), every op in the cluster of its layer;
- ``lenet_collapsed.svg``: the same graph with one box per layer.

Draws with Graphviz's ``dot`` when it is on PATH, else with ``graphviz-pure``
(installed with the package; its layouts differ slightly from Graphviz 2.x).
The files are deterministic for a given program and version (fixed seeds;
only shapes are printed for the LeNet).
"""
import argparse
import pathlib
import sys

import autograd_core as ag
import nn
from autograd_core import viz

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # ag_cli, when the project is not installed

from ag_cli import models  # noqa: E402


def f_graphs():
    x1 = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    x2 = ag.tensor(5.0, dtype=ag.float64, requires_grad=True)
    x1.name, x2.name = "x1", "x2"
    with viz.capture() as cap:
        y = ag.log(x1) + x1 * x2 - ag.sin(x2)
    y.name = "y"
    return (viz.draw_graph(y, show_values=True, show_grads=True, capture=cap),
            viz.draw_backward(y))


def lenet_graphs():
    model = models.build("lenet")
    images, labels = models.example_batch(1)
    images.name = "images"
    with viz.watch(model):
        loss = nn.CrossEntropyLoss()(model(images), labels)
    loss.name = "loss"
    return (viz.draw_graph(loss, group_modules=model),
            viz.draw_graph(loss, group_modules=model, collapse=True))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "img"), help="output directory (default docs/img)")
    args = p.parse_args(argv)
    out = pathlib.Path(args.out)
    graphs = dict(zip(("graph_f", "backward_f"), f_graphs()))
    graphs.update(zip(("lenet_modules", "lenet_collapsed"), lenet_graphs()))
    for name, g in graphs.items():
        print(f"wrote {viz.render(g, out / f'{name}.svg')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
