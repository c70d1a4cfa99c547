"""Shared pieces of the optim tests: a small float32 model and a training loop."""
import numpy as np

import autograd_core as ag
import optim

ALL = [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adadelta, optim.Adam, optim.AdamW, optim.NAdam,
       optim.RAdam]
OPTIONS = {  # options that create every kind of state buffer
    optim.SGD: dict(lr=0.05, momentum=0.9, nesterov=True), optim.Adagrad: dict(lr=0.1, lr_decay=0.01),
    optim.RMSprop: dict(lr=0.01, momentum=0.5, centered=True), optim.Adadelta: {},
    optim.Adam: dict(lr=0.05, amsgrad=True), optim.AdamW: dict(lr=0.05, amsgrad=True),
    optim.NAdam: dict(lr=0.05), optim.RAdam: dict(lr=0.05)}
IDS = [c.__name__ for c in ALL]


def model(dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (3,), (2, 2)]
    return [ag.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]


def loss_of(params):
    w, b, c = params
    x = ag.tensor(np.linspace(-1, 1, 8, dtype=w.dtype).reshape(2, 4))
    return (ag.tanh(x @ w + b) ** 2).sum() + (c * c).sum() + ag.sin(c).sum()


def train(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss_of(params).backward()
        opt.step()
