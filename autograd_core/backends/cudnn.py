"""``torch.backends.cudnn``: the flags scripts set (``benchmark``,
``deterministic``, ``enabled``, ``allow_tf32``), with PyTorch's defaults;
they change nothing here, as cuDNN is never used on a CPU-only build."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """False: no cuDNN on a CPU-only build."""
    return False


def version():
    """None, as PyTorch reports without cuDNN."""
    return None
