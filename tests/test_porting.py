"""Acceptance: PyTorch scripts that port by changing their imports only.

The scripts below are written as a PyTorch user writes them (the PyTorch
original differs only in the import lines): a small CNN and an MLP trained
with hand-written updates ``p.data -= lr * p.grad``, gradients cleared with
``p.grad.zero_()`` or ``p.grad = None``, the usual device line, ``f"{loss:.4f}"``
logging, ``loss.item()``. They run in a fresh interpreter, as a user's
script would."""
import autograd_core as ag
from tests.helpers import run_script

HEADER = """
import autograd_core as torch
import autograd_core.nn as nn
import autograd_core.nn.functional as F
from autograd_core.utils.data import DataLoader, TensorDataset
"""

CNN = HEADER + """
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.backends.cudnn.benchmark = True


def make_images(n):
    # class 0: a bright left half, class 1: a bright right half, on noise
    y = torch.randint(0, 2, (n,))
    x = torch.randn(n, 1, 8, 8) * 0.5
    mask = torch.zeros(n, 1, 8, 8)
    mask[:, :, :, :4] = 1.0
    left = (y == 0).float().view(n, 1, 1, 1)
    x = x + 1.5 * (left * mask + (1 - left) * (1 - mask))
    return x, y


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(4 * 4 * 4, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


x, y = make_images(256)
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
model = Net().to(device)
lr = 0.1


def evaluate():
    model.eval()
    with torch.no_grad():
        out = model(x.to(device))
        loss = F.cross_entropy(out, y.to(device)).item()
        acc = (out.argmax(dim=1) == y).float().mean().item()
    model.train()
    return loss, acc


first, _ = evaluate()
for epoch in range(6):
    running = 0.0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        out = model(xb)
        loss = F.cross_entropy(out, yb)
        for p in model.parameters():
            p.grad = None
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        running += loss.item() * xb.size(0)
    print(f"epoch {epoch}: loss {running / len(loader.dataset):.4f}")
last, acc = evaluate()
print(f"first {first:.4f} last {last:.4f} accuracy {acc:.3f}")
assert last < 0.5 * first, (first, last)
assert acc > 0.9, acc
"""

MLP = HEADER + """
torch.manual_seed(1)
device = "cuda" if torch.cuda.is_available() else "cpu"

# regression: y = sin(x0) + x1 * x2, on generated data
X = torch.rand(512, 3, device=device) * 4 - 2
Y = (torch.sin(X[:, 0]) + X[:, 1] * X[:, 2]).unsqueeze(1)

W1 = torch.randn(3, 32, device=device) * (1 / 3 ** 0.5)
b1 = torch.zeros(32, device=device)
W2 = torch.randn(32, 1, device=device) * (1 / 32 ** 0.5)
b2 = torch.zeros(1, device=device)
params = [W1, b1, W2, b2]
for p in params:
    p.requires_grad = True


def forward(x):
    return torch.tanh(x @ W1 + b1) @ W2 + b2


lr = 0.05
losses = []
for step in range(300):
    ix = torch.randint(0, X.shape[0], (64,))
    loss = F.mse_loss(forward(X[ix]), Y[ix])
    for p in params:
        if p.grad is not None:
            p.grad.zero_()
    loss.backward()
    for p in params:
        p.data += -lr * p.grad
    losses.append(loss.item())
    if step % 100 == 0:
        print(f"step {step:4d} loss {loss:.4f}")

with torch.no_grad():
    final = F.mse_loss(forward(X), Y).item()
first = sum(losses[:10]) / 10
print(f"first {first:.4f} final {final:.4f}")
assert final < 0.25 * first, (first, final)

# the nn.Module form of the same loop
model = nn.Sequential(nn.Linear(3, 32), nn.Tanh(), nn.Linear(32, 1))
before = F.mse_loss(model(X), Y).item()
for step in range(300):
    model.zero_grad()
    loss = F.mse_loss(model(X), Y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
after = F.mse_loss(model(X), Y).item()
print(f"module: {before:.4f} -> {after:.4f}")
assert after < 0.25 * before, (before, after)
"""


def run(tmp_path, source):
    return run_script(tmp_path / "train.py", source, tmp_path, timeout=600)


def test_cnn_with_hand_written_updates_trains(tmp_path):
    out = run(tmp_path, CNN)
    assert "accuracy" in out


def test_mlp_with_hand_written_updates_trains(tmp_path):
    out = run(tmp_path, MLP)
    assert "final" in out and "module:" in out


def test_the_script_differs_from_pytorch_only_in_its_imports():
    for source in (CNN, MLP):
        body = source.split(HEADER, 1)[1]
        assert "autograd_core" not in body and "import" not in body


def test_data_in_place_update_keeps_the_tensor_usable():
    """``W.data += -lr * grad`` used to turn the array into a Tensor and break the next op."""
    W = ag.randn(3, 2, requires_grad=True)
    x = ag.randn(4, 3)
    (x @ W).sum().backward()
    before = W.detach().numpy().copy()
    W.data += -0.1 * W.grad
    assert abs(W.detach().numpy() - (before - 0.1 * W.grad.numpy())).max() < 1e-6
    assert W.is_leaf and W.requires_grad and W.grad_fn is None
    W.grad = None
    (x @ W).sum().backward()  # the next op works, and so does the next backward
    assert W.grad.shape == (3, 2)
    W.data -= 0.1 * W.grad
    W.data.add_(W.grad, alpha=-0.1)
    W.data.mul_(1.0)
    y = x @ W
    assert y.shape == (4, 2) and y.requires_grad
