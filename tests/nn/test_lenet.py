"""A LeNet written for torch.nn runs here after changing only its imports:
the script below is PyTorch code; the test swaps the three import lines for
``import autograd_core as torch``, ``import nn``, ``import nn.functional as F``
and runs it (a forward pass, a loss, backward, manual SGD steps, eval)."""
import numpy as np

TORCH_IMPORTS = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
"""

OUR_IMPORTS = """\
import autograd_core as torch
import nn
import nn.functional as F
"""

LENET_BODY = """

class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        self.dropout = nn.Dropout(p=0.1)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout(F.relu(self.fc2(x)))
        return self.fc3(x)


torch.manual_seed(0)
model = LeNet()
criterion = nn.CrossEntropyLoss()
images = torch.randn(16, 1, 28, 28)
labels = torch.randint(0, 10, (16,))

losses = []
model.train()
for step in range(5):
    model.zero_grad()
    loss = criterion(model(images), labels)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.05 * p.grad
    losses.append(loss.item())

model.eval()
with torch.no_grad():
    logits = model(images)
    pred = logits.argmax(dim=1)
accuracy = (pred == labels).float().mean().item()
n_params = sum(p.numel() for p in model.parameters())
keys = list(model.state_dict().keys())
"""

TORCH_SCRIPT = TORCH_IMPORTS + LENET_BODY


def test_lenet_written_for_torch_runs_after_changing_only_imports():
    script = TORCH_SCRIPT.replace(TORCH_IMPORTS, OUR_IMPORTS)
    assert script.splitlines()[3:] == TORCH_SCRIPT.splitlines()[3:]  # only the imports differ
    ns = {}
    exec(compile(script, "lenet_torch_script.py", "exec"), ns)
    assert ns["logits"].shape == (16, 10) and ns["logits"].dtype == np.float32
    assert ns["n_params"] == 61_706  # the classic LeNet-5 count
    assert ns["keys"] == [f"{layer}.{kind}" for layer in ("conv1", "conv2", "fc1", "fc2", "fc3")
                          for kind in ("weight", "bias")]
    losses = ns["losses"]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert 0.0 <= ns["accuracy"] <= 1.0
