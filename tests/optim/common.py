"""Shared pieces of the optim tests: a small float32 model, a training loop, and a save-and-resume run."""
import copy

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


def resume_from_save(cls, options, as_numpy):
    """Train ``cls(**options)`` (two groups, the second at lr 0.02) 5 steps,
    save its state dict (through numpy arrays if ``as_numpy``, as a checkpoint
    file stores it), train 5 more; a fresh optimizer on a copy of the saved
    parameters, loaded from the save, then trains 5 steps.
    Returns (opt, params, saved, opt2, fresh)."""
    params = model()
    opt = cls([{"params": params[:2]}, {"params": params[2:], "lr": 0.02}], **options)
    train(opt, params, 5)
    saved = copy.deepcopy(opt.state_dict())
    saved_params = [p._data.copy() for p in params]
    if as_numpy:
        saved["state"] = {k: {n: v._data.copy() for n, v in s.items()} for k, s in saved["state"].items()}
    train(opt, params, 5)
    fresh = [ag.tensor(a.copy(), requires_grad=True) for a in saved_params]
    opt2 = cls([{"params": fresh[:2]}, {"params": fresh[2:]}], lr=123.0)
    opt2.load_state_dict(saved)
    train(opt2, fresh, 5)
    return opt, params, saved, opt2, fresh
