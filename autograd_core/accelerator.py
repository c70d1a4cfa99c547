"""``torch.accelerator`` as in a CPU-only PyTorch build: no accelerator."""


def is_available():
    """False: the CPU is not an accelerator and there is no other device."""
    return False


def current_accelerator(check_available=False):
    """None: there is no accelerator."""
    return None


def device_count():
    return 0
