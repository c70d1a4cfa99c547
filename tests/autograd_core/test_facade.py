"""The facade: ``autograd_core.nn``/``optim``/``utils.data`` are the top-level
packages ``nn``/``optim``/``data`` (same module objects), in either import
order, and never take the bare names from a user's own ``data.py``/``data/``."""
import os

import pytest

from tests.helpers import run_script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(tmp_path, script, cwd=None):
    """Run ``script`` as a file in ``cwd`` (default ``tmp_path``) with the project on PYTHONPATH."""
    return run_script(tmp_path / "main_script.py", script, cwd or tmp_path, timeout=120)


USER_SCRIPT = """
    import sys
    import autograd_core as torch
    from autograd_core.utils.data import DataLoader, TensorDataset
    import autograd_core.nn as nn
    import autograd_core.nn.functional as F
    import autograd_core.optim
    import autograd_core.utils.data.dataloader
    assert not {"data", "nn", "optim"} & set(sys.modules), sorted(k for k in sys.modules if "." not in k)
    import data
    assert data.MINE is True
    assert torch.utils.data.DataLoader is DataLoader
    assert torch.utils.data.dataloader.DataLoader is DataLoader
    ds = TensorDataset(torch.arange(6.0).reshape(3, 2), torch.arange(3))
    batches = list(DataLoader(ds, batch_size=2))
    assert [b[0].shape[0] for b in batches] == [2, 1]
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert F.relu(torch.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    assert isinstance(opt, torch.optim.Optimizer)
    print("ok")
"""


def test_user_data_module_beside_the_script_wins(tmp_path):
    (tmp_path / "data.py").write_text("MINE = True\n")
    assert run(tmp_path, USER_SCRIPT).strip() == "ok"


def test_user_data_package_beside_the_script_wins(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "__init__.py").write_text("MINE = True\n")
    (tmp_path / "data" / "dataloader.py").write_text("USER = True\n")
    script = USER_SCRIPT + """
    import data.dataloader
    assert data.dataloader.USER is True
    assert torch.utils.data.dataloader.DataLoader is DataLoader
    """
    assert "ok" in run(tmp_path, script)


def test_alias_first_then_the_projects_bare_names_are_the_same_modules(tmp_path):
    out = run(tmp_path, """
        import sys
        import autograd_core.utils.data as D
        import autograd_core.nn as N
        assert "data" not in sys.modules and "nn" not in sys.modules
        import data, data.dataloader, data.sampler
        import nn, nn.functional
        import optim
        import autograd_core as ag
        assert data is D and nn is N and optim is ag.optim
        assert data.dataloader is D.dataloader and data.DataLoader is D.DataLoader
        assert nn.functional is N.functional and nn.Linear is N.Linear
        from autograd_core.utils.data.sampler import RandomSampler
        assert RandomSampler is data.sampler.RandomSampler
        ds = data.TensorDataset(ag.zeros(2, 1))
        assert isinstance(ds, D.Dataset) and isinstance(ds, D.TensorDataset)
        print(D.DataLoader.__module__)
    """)
    assert out.strip() == "autograd_core.utils.data.dataloader"


def test_bare_names_first_then_the_alias_is_the_same_modules(tmp_path):
    out = run(tmp_path, """
        import data, nn, optim
        import nn.functional as F0
        import autograd_core as torch
        import autograd_core.nn as nn2
        import autograd_core.nn.functional as F
        from autograd_core.utils.data import DataLoader, TensorDataset
        import autograd_core.utils.data.dataloader as dl
        import autograd_core.optim.lr_scheduler as sched
        assert nn2 is nn and F is F0 and torch.nn is nn and torch.optim is optim
        assert torch.utils.data is data and dl is data.dataloader and DataLoader is data.DataLoader
        assert sched is optim.lr_scheduler
        assert isinstance(data.TensorDataset(torch.zeros(2)), TensorDataset)
        assert isinstance(nn.Linear(2, 2), torch.nn.Module)
        print(DataLoader.__module__)
    """)
    assert out.strip() == "data.dataloader"


def test_importing_autograd_core_loads_no_upper_layer(tmp_path):
    run(tmp_path, """
        import sys
        import autograd_core
        upper = [k for k in sys.modules if k.split(".")[0] in ("nn", "optim", "data")
                 or k.startswith(("autograd_core.nn", "autograd_core.optim", "autograd_core.utils.data"))]
        assert not upper, upper
    """)


def test_attribute_access_gives_the_pytorch_namespaces(tmp_path):
    run(tmp_path, """
        import autograd_core as torch
        names = [torch.nn.Linear, torch.nn.functional.relu, torch.nn.init.kaiming_uniform_,
                 torch.nn.utils.clip_grad_norm_, torch.optim.Adam, torch.optim.lr_scheduler.StepLR,
                 torch.utils.data.DataLoader, torch.utils.data.Dataset, torch.utils.data.TensorDataset,
                 torch.utils.data.Subset, torch.utils.data.random_split, torch.utils.data.RandomSampler,
                 torch.utils.data.SequentialSampler, torch.utils.data.BatchSampler]
        assert all(callable(n) for n in names)
        try:
            torch.no_such_thing
        except AttributeError as e:
            assert "no_such_thing" in str(e)
        else:
            raise AssertionError("expected AttributeError")
    """)


def test_in_process_the_packages_are_shared():
    import autograd_core as torch
    import data
    import nn
    import optim

    assert torch.nn is nn and torch.optim is optim and torch.utils.data is data
    import autograd_core.nn.functional as F

    assert F is nn.functional


@pytest.mark.parametrize("name", ["nn", "optim", "data"])
def test_facade_is_the_only_place_that_names_the_upper_layers(name):
    pkg = os.path.join(ROOT, "autograd_core")
    offenders = []
    for dirpath, _, files in os.walk(pkg):
        for f in files:
            if f.endswith(".py") and f != "_facade.py":
                text = open(os.path.join(dirpath, f), encoding="utf-8").read()
                if f"\nimport {name}\n" in text or f"\nfrom {name} import" in text or f"\nfrom {name}." in text:
                    offenders.append(f)
    assert not offenders
