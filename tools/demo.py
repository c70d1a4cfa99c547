"""Demo until the main job exists: fit y = sin(x) with a 1-32-1 tanh network,
written with autograd_core tensors and plain gradient descent, with a
progress bar. Run: ``python tools/demo.py [--steps N]``."""
import argparse
import math

from tqdm import tqdm

import autograd_core as ag


def main(steps=2000, lr=0.02, seed=0):
    ag.manual_seed(seed)
    x = ag.linspace(-math.pi, math.pi, 256).reshape(-1, 1)
    y = ag.sin(x)
    w1 = (ag.randn(1, 32) * 1.0).requires_grad_()
    b1 = ag.zeros(32, requires_grad=True)
    w2 = (ag.randn(32, 1) / math.sqrt(32)).requires_grad_()
    b2 = ag.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    bar = tqdm(range(steps), desc="fit sin(x)")
    for _ in bar:
        pred = ag.tanh(x @ w1 + b1) @ w2 + b2
        loss = ((pred - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with ag.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=lr)
        bar.set_postfix(loss=f"{loss.item():.5f}")
    print(f"final mean squared error: {loss.item():.6f}")
    return loss.item()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=2000)
    main(ap.parse_args().steps)
