"""The convolution and max-pooling backward rules are array code for ``ag.compile``: a compiled LeNet-5
step replays every node's rule without Tensor ops (``explain()`` says 'array' for each), and its loss
and gradients equal eager mode's bit for bit."""
import numpy as np

import autograd_core as ag
import nn


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10))


def test_lenet_rules_replay_as_arrays_with_eager_bits():
    rng = np.random.default_rng(0)
    batches = [(ag.tensor(rng.standard_normal((8, 1, 28, 28)).astype(np.float32)),
                ag.tensor(rng.integers(0, 10, 8))) for _ in range(5)]

    def run(compiled):
        ag.manual_seed(0)
        model = lenet()
        loss_of = lambda x, y: nn.functional.cross_entropy(model(x), y)  # noqa: E731
        f = ag.compile(loss_of) if compiled else loss_of
        out = []
        for x, y in batches:
            model.zero_grad()
            loss = f(x, y)
            loss.backward()
            out.append([loss.item()] + [p.grad.numpy().copy() for p in model.parameters()])
        return out, f

    eager, _ = run(False)
    replayed, f = run(True)
    rules = f.explain()[0]["backward"]
    assert set(rules.values()) == {"array"}, rules
    assert any(k.endswith(":Convolution") for k in rules) and any(k.endswith(":MaxPool2d") for k in rules)
    for e, r in zip(eager, replayed):
        assert e[0] == r[0]
        for g, h in zip(e[1:], r[1:]):
            np.testing.assert_array_equal(g, h)
