"""``autograd_core.utils.tensorboard``, as ``torch.utils.tensorboard``: the
``SummaryWriter`` that logs scalars, histograms, images, figures, text,
precision-recall curves, hyper-parameters, embeddings and this engine's
graph for TensorBoard.

    from autograd_core.utils.tensorboard import SummaryWriter
    with SummaryWriter("runs/mlp") as w:
        w.add_graph(model, x)
        w.add_scalar("loss/train", loss, epoch)
    # then: tensorboard --logdir runs

It needs the ``tensorboard`` package (``pip install -e ".[tensorboard]"``);
without it this package still imports, and constructing a ``SummaryWriter``
raises ImportError naming the extra. The package: ``writer.py`` (the
writer), ``records.py`` (the Summary records), ``images.py`` (image layouts,
grids, PNG), ``graph.py`` (``add_graph``), ``projector.py``
(``add_embedding``).
"""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
