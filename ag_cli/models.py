"""The command line's built-in models, shared by its subcommands.

``mlp``: 784-512-256-10 with ReLU (flattening a 1×28×28 image);
``lenet``: LeNet-5 as in PyTorch's tutorials, for 1×28×28 images (conv 5×5
with padding 2 → 6 maps, max-pool, conv 5×5 → 16 maps, max-pool, then
120-84-10). Both are ``nn.Sequential`` with named layers, so module clusters
and state-dict keys read ``conv1.weight``, ``fc2.bias``.
"""
from collections import OrderedDict

import autograd_core as ag
import nn

INPUT_SHAPE = (1, 28, 28)
NUM_CLASSES = 10


def mlp():
    """784-512-256-10 multilayer perceptron with ReLU."""
    return nn.Sequential(OrderedDict([
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(784, 512)), ("relu1", nn.ReLU()),
        ("fc2", nn.Linear(512, 256)), ("relu2", nn.ReLU()),
        ("fc3", nn.Linear(256, NUM_CLASSES)),
    ]))


def lenet():
    """LeNet-5 for 28×28 images."""
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 6, kernel_size=5, padding=2)), ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(6, 16, kernel_size=5)), ("relu2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(16 * 5 * 5, 120)), ("relu3", nn.ReLU()),
        ("fc2", nn.Linear(120, 84)), ("relu4", nn.ReLU()),
        ("fc3", nn.Linear(84, NUM_CLASSES)),
    ]))


MODELS = {"mlp": mlp, "lenet": lenet}


def build(name, seed=0):
    """The model ``name`` with reproducible initial weights."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; built-in models: {', '.join(MODELS)}")
    ag.manual_seed(seed)
    return MODELS[name]()


def example_batch(batch=1, seed=0):
    """A reproducible random batch ``(images, labels)`` of the models' input shape."""
    if batch < 1:
        raise ValueError(f"batch size must be at least 1, got {batch}")
    ag.manual_seed(seed)
    return ag.randn(batch, *INPUT_SHAPE), ag.randint(0, NUM_CLASSES, (batch,))
