"""Data-parallel training in PyTorch's spelling (docs/distributed.md); run it with
    mpiexec -n 2 python example_train.py
"""
import autograd_core as torch  # noqa: I001  (the imports a PyTorch script has, in its order)
import autograd_core.distributed as dist
import autograd_core.nn as nn
from autograd_core.nn.parallel import DistributedDataParallel as DDP
from autograd_core.utils.data import DataLoader, TensorDataset
from autograd_core.utils.data.distributed import DistributedSampler


def main():
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    torch.manual_seed(0)  # the same data set on every rank
    x = torch.randn(512, 20)
    y = (x[:, :10].sum(1) > 0).long()
    dataset = TensorDataset(x, y)
    sampler = DistributedSampler(dataset, shuffle=True, seed=0)  # this rank's share
    loader = DataLoader(dataset, batch_size=32, sampler=sampler)

    torch.manual_seed(rank)  # different weights on purpose: DDP copies rank 0's to all
    model = DDP(nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 2)))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(5):
        sampler.set_epoch(epoch)  # a new order every epoch
        total = torch.zeros(2)
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()  # gradients averaged over the ranks
            opt.step()
            total += torch.tensor([loss.item() * len(yb), len(yb)])
        dist.all_reduce(total)  # sums over the ranks: the epoch's mean loss
        if rank == 0:
            print(f"epoch {epoch}: loss {total[0].item() / total[1].item():.4f}")
    if rank == 0:
        torch.save(model.module.state_dict(), "model.safetensors")  # keys without "module."
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
