"""``SummaryWriter.add_graph``: the engine's forward pass as a GraphDef (one
node per op, named by module scope, parameters as inputs, shapes on the
edges) read back with EventAccumulator, a real ``tensorboard --logdir``
server serving the run, its scalars, its graph and an embedding over
HTTP, and the
spelling a ported PyTorch script uses."""
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request

import autograd_core.nn as nn
import autograd_core.nn.functional as F
import pytest

import autograd_core as torch
from autograd_core.observers import observe_calls

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from autograd_core.utils.tensorboard import SummaryWriter  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IO, LEAVES = "IO Node", ("Parameter", "Buffer", "Constant")


def read_graph(path):
    acc = EventAccumulator(str(path))
    acc.Reload()
    assert acc.Tags()["graph"]
    return {n.name: n for n in acc.Graph().node}, [n.name for n in acc.Graph().node]


def assert_well_formed(nodes, order):
    """Unique names; every input names a node made before it; every node has its output shapes."""
    assert len(nodes) == len(order)
    seen = set()
    for name in order:
        assert all(i.split(":")[0] in seen for i in nodes[name].input), name
        assert nodes[name].attr["_output_shapes"].list.shape, name
        seen.add(name)


def shapes(node):
    return [tuple(d.size for d in s.dim) for s in node.attr["_output_shapes"].list.shape]


class Net(nn.Module):
    """The notes' small CNN, with functional ops, a buffer-using layer, a constant and a two-output op."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 3 * 3, 8)
        self.bn = nn.BatchNorm1d(8)
        self.scale = torch.tensor(2.0)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = torch.flatten(x, 1)
        h = self.bn(self.fc(x)) * self.scale
        a, b = h.split(4, dim=1)
        return a + b


def op_calls(model, x):
    """The class names of the top-level op calls of one forward pass, in order."""
    names = []
    with torch.no_grad(), observe_calls(lambda cls, args: names.append(cls.__name__)):
        model(x)
    return names


def test_sequential_graph_names_parameters_shapes(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, torch.randn(5, 4))
    nodes, order = read_graph(tmp_path)
    assert order == ["input/input.0",
                     "Sequential/Linear[0]/weight", "Sequential/Linear[0]/bias", "Sequential/Linear[0]/Addmm",
                     "Sequential/ReLU[1]/ReLU",
                     "Sequential/Linear[2]/weight", "Sequential/Linear[2]/bias", "Sequential/Linear[2]/Addmm",
                     "output/output.0"]
    mm = nodes["Sequential/Linear[0]/Addmm"]
    assert mm.op == "Addmm" and list(mm.input) == ["input/input.0", "Sequential/Linear[0]/weight",
                                                   "Sequential/Linear[0]/bias"]
    assert nodes["Sequential/Linear[0]/weight"].op == "Parameter"
    assert shapes(nodes["Sequential/Linear[0]/weight"]) == [(3, 4)]
    assert shapes(mm) == [(5, 3)] and shapes(nodes["output/output.0"]) == [(5, 2)]
    assert nodes["input/input.0"].op == IO and list(nodes["output/output.0"].input) == ["Sequential/Linear[2]/Addmm"]
    with SummaryWriter(tmp_path / "t") as w:  # without a bias: x Wᵀ as a transpose and a product
        w.add_graph(nn.Linear(4, 3, bias=False), torch.randn(5, 4))
    nodes, order = read_graph(tmp_path / "t")
    assert order == ["input/input.0", "Linear/weight", "Linear/Permute", "Linear/MatMul", "output/output.0"]
    assert nodes["Linear/Permute"].attr["attr"].s == b"(1, 0)"  # the op's constant arguments


def test_one_node_per_op_nested_scopes_buffers_constants_multi_output(tmp_path):
    model, x = Net(), torch.randn(2, 1, 8, 8)
    model.train()
    model.pool.eval()  # a submodule's own mode is kept
    running = model.bn.running_mean.numpy().copy()
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, x)
    assert model.training and model.bn.training and not model.pool.training  # traced in eval mode, restored
    assert (model.bn.running_mean.numpy() == running).all()  # eval mode: no running-statistics update
    nodes, order = read_graph(tmp_path)
    ops = [n for n in order if nodes[n].op not in (IO, *LEAVES)]
    model.eval()
    assert [nodes[n].op for n in ops] == op_calls(model, x)  # one node per op of the forward pass, in order
    assert ops[:3] == ["Net/Conv2d[conv1]/Convolution", "Net/ReLU", "Net/MaxPool2d[pool]/MaxPool2d"]
    conv = nodes["Net/Conv2d[conv1]/Convolution"]
    assert list(conv.input) == ["input/input.0", "Net/Conv2d[conv1]/weight", "Net/Conv2d[conv1]/bias"]
    assert shapes(conv) == [(2, 4, 6, 6)]
    bn = nodes["Net/BatchNorm1d[bn]/BatchNorm"]
    assert "Net/BatchNorm1d[bn]/running_mean" in bn.input and nodes["Net/BatchNorm1d[bn]/running_var"].op == "Buffer"
    assert nodes["Net/Constant"].op == "Constant" and shapes(nodes["Net/Constant"]) == [()]
    split = nodes["Net/Split"]
    assert shapes(split) == [(2, 4), (2, 4)]
    assert list(nodes["Net/Add"].input) == ["Net/Split", "Net/Split:1"]  # output 1 of a two-output op
    assert_well_formed(nodes, order)


@pytest.mark.parametrize("make", [
    lambda: (nn.LSTM(4, 5, num_layers=2, batch_first=True), torch.randn(2, 3, 4)),
    lambda: (nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), torch.randn(3, 2, 8)),
    lambda: (nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2)), torch.tensor([[1, 2, 3]])),
], ids=["lstm", "transformer_layer", "embedding"])
def test_graphs_of_larger_modules_are_well_formed(tmp_path, make):
    model, x = make()
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, x)
    nodes, order = read_graph(tmp_path)
    assert_well_formed(nodes, order)
    model.eval()
    assert [nodes[n].op for n in order if nodes[n].op not in (IO, *LEAVES)] == op_calls(model, x)


def test_repeated_ops_and_inputs_as_tuple_or_numpy(tmp_path):
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x, y):
            return self.lin(self.lin(x) + y)

    with SummaryWriter(tmp_path) as w:
        w.add_graph(Twice(), (torch.randn(3, 2), torch.randn(3, 2).numpy()))
    nodes, order = read_graph(tmp_path)
    assert {"Twice/Linear[lin]/Addmm", "Twice/Linear[lin]/Addmm_1", "input/input.1"} <= set(order)
    assert list(nodes["Twice/Add"].input) == ["Twice/Linear[lin]/Addmm", "input/input.1"]
    assert sum(nodes[n].op == "Parameter" for n in order) == 2  # a parameter is one node, however often used


def test_add_graph_errors(tmp_path):
    class Nothing(nn.Module):
        def forward(self, x):
            return None

    with SummaryWriter(tmp_path) as w:
        with pytest.raises(TypeError, match="no tensor"):
            w.add_graph(Nothing(), torch.ones(1))
        with pytest.raises(TypeError, match="nn.Module"):
            w.add_graph("model", torch.ones(1))
    nodes, order = read_graph_of(nn.Sequential(), torch.ones(2), tmp_path / "identity")
    assert order == ["input/input.0", "output/output.0"] and nodes["output/output.0"].input == ["input/input.0"]


def read_graph_of(model, x, path):
    with SummaryWriter(path) as w:
        w.add_graph(model, x)
    return read_graph(path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def test_tensorboard_server_serves_run_scalars_and_graph(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with SummaryWriter(tmp_path / "mlp") as w:
        w.add_graph(model, torch.randn(5, 4))
        for step in range(3):
            w.add_scalar("loss/train", 1.0 / (step + 1), step)
        w.add_embedding(torch.randn(5, 3), metadata=list("abcde"), label_img=torch.rand(5, 1, 4, 4))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, tags = time.monotonic() + 90, {}
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                tags = json.loads(get(base + "/data/plugin/scalars/tags"))
                if "loss/train" in tags.get("mlp", {}):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert "loss/train" in tags.get("mlp", {}), tags
        assert json.loads(get(base + "/data/runs")) == ["mlp"]
        points = json.loads(get(base + "/data/plugin/scalars/scalars?run=mlp&tag=loss/train"))
        assert [(p[1], round(p[2], 6)) for p in points] == [(0, 1.0), (1, 0.5), (2, 0.333333)]
        assert json.loads(get(base + "/data/plugin/graphs/info"))["mlp"]["run_graph"] is True
        graph = get(base + "/data/plugin/graphs/graph?run=mlp&conceptual=false")
        assert 'name: "Sequential/Linear[0]/Addmm"' in graph and 'op: "Addmm"' in graph
        assert 'key: "_output_shapes"' in graph
        (emb,) = json.loads(get(base + "/data/plugin/projector/info?run=mlp"))["embeddings"]
        assert emb["tensorName"] == "default:00000" and emb["tensorShape"] == [5, 3]
        assert emb["sprite"]["singleImageDim"] == [4, 4]
        assert get(base + "/data/plugin/projector/metadata?run=mlp&name=default:00000").split() == list("abcde")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # tensorboard and the data server it started
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stderr.close()


PORTED = """
    import autograd_core as torch
    import autograd_core.nn as nn
    from autograd_core.utils.tensorboard import SummaryWriter

    assert torch.utils.tensorboard.SummaryWriter is SummaryWriter
    import data  # the script's own data.py: the writer does not take the name
    assert data.MINE
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    images = torch.rand(8, 1, 2, 2)
    writer = SummaryWriter("runs/ported")
    writer.add_graph(model, images)
    writer.add_images("inputs", images, 0)
    for epoch in range(2):
        writer.add_scalars("cost", {"train": 1.0 / (epoch + 1), "val": 1.5 / (epoch + 1)}, epoch)
    writer.close()
    print("ok")
"""


def test_ported_script_spelling(tmp_path):
    (tmp_path / "data.py").write_text("MINE = True\n")
    (tmp_path / "train.py").write_text(textwrap.dedent(PORTED))
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run([sys.executable, "train.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stdout + res.stderr
    nodes, order = read_graph(tmp_path / "runs" / "ported")
    assert "Sequential/Flatten[0]/Reshape" in order and "Sequential/Linear[1]/Addmm" in order
    assert sorted(os.listdir(tmp_path / "runs" / "ported"))[:2] == ["cost_train", "cost_val"]
