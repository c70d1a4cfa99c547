"""DataLoader with worker processes: same batches as num_workers=0, seeds,
errors re-raised with the worker and the sample index, clean shutdown."""
import gc
import multiprocessing as mp
import os
import random
import signal
import threading
import time

import numpy as np
import pytest

import autograd_core as ag
from data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


class Pairs(Dataset):
    def __init__(self, n, bad=None, exit_at=None, sleep_at=None):
        self.n, self.bad, self.exit_at, self.sleep_at = n, bad, exit_at, sleep_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise ValueError(f"sample {i} is broken")
        if i == self.exit_at:
            os._exit(3)
        if i == self.sleep_at:
            time.sleep(1.0)
        return np.array([i, 2 * i], np.float32), i


class Seeds(Dataset):
    """What the worker's generators draw."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return (info.id, info.seed, float(ag.rand(1).item()), random.random(), float(np.random.rand()))


class Shards(IterableDataset):
    """Each worker yields its share: worker k of n gives k, k + n, k + 2n, ..."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        k, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(k, self.n, step))


def run(loader):
    return [(x._data.copy(), y.tolist()) for x, y in loader]


def workers_of(it):
    return list(it.workers)


def assert_all_gone(processes):
    for p in processes:
        p.join(5)
        assert not p.is_alive()
    assert mp.active_children() == []


def test_same_batches_as_main_process():
    for shuffle in (False, True):
        ag.manual_seed(11)
        ref = run(DataLoader(Pairs(37), batch_size=4, shuffle=shuffle))
        ag.manual_seed(11)
        got = run(DataLoader(Pairs(37), batch_size=4, shuffle=shuffle, num_workers=2))
        assert [y for _, y in got] == [y for _, y in ref] and len(got) == 10
        for (gx, _), (rx, _) in zip(got, ref):
            np.testing.assert_array_equal(gx, rx)
    assert mp.active_children() == []


def test_tensor_dataset_and_two_epochs_with_workers():
    ds = TensorDataset(np.arange(30, dtype=np.float32), np.arange(30))
    ag.manual_seed(5)
    loader = DataLoader(ds, batch_size=7, shuffle=True)
    ref = [run(loader), run(loader)]
    ag.manual_seed(5)
    loader = DataLoader(ds, batch_size=7, shuffle=True, num_workers=2, prefetch_factor=1)
    got = [run(loader), run(loader)]
    assert [[y for _, y in e] for e in got] == [[y for _, y in e] for e in ref]
    assert [y for _, y in got[0]] != [y for _, y in got[1]]


def test_per_worker_seeds():
    ag.manual_seed(0)
    out = list(DataLoader(Seeds(), batch_size=None, num_workers=2))
    ids = [o[0] for o in out]
    assert ids == [0, 1, 0, 1]  # tasks go round-robin
    first0, first1 = out[0], out[1]
    assert first1[1] == first0[1] + 1  # base_seed + worker id
    assert len({first0[2], first1[2]}) == 2 and len({first0[3], first1[3]}) == 2
    assert first0[4] != first1[4]
    ag.manual_seed(0)
    again = list(DataLoader(Seeds(), batch_size=None, num_workers=2))
    assert again == out


def test_worker_init_fn_and_iterable_shards():
    calls = mp.get_context("fork").Queue()

    def init(worker_id):
        calls.put(worker_id)

    loader = DataLoader(Shards(10), batch_size=2, num_workers=2, worker_init_fn=init)
    batches = [b.tolist() for b in loader]
    assert batches == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]
    assert sorted(calls.get(timeout=5) for _ in range(2)) == [0, 1]
    assert mp.active_children() == []


def test_error_names_worker_and_sample_index():
    loader = DataLoader(Pairs(40, bad=13), batch_size=4, num_workers=2)
    it = iter(loader)
    procs = workers_of(it)
    with pytest.raises(ValueError) as info:
        for _ in it:
            pass
    msg = str(info.value)
    # sample 13 is in batch 3 (indices 12..15), which goes to worker 3 % 2 = 1
    assert "Caught ValueError in DataLoader worker process 1 while loading sample index 13" in msg
    assert "sample 13 is broken" in msg and "Traceback" in msg
    assert_all_gone(procs)


def test_error_of_a_local_exception_class_and_worker_init():
    class Local(Exception):
        pass

    def init(worker_id):
        raise Local("init failed")

    with pytest.raises(RuntimeError, match="Caught Local in DataLoader worker process 0 in worker_init_fn"):
        list(DataLoader(Pairs(4), num_workers=1, worker_init_fn=init))
    assert mp.active_children() == []


def test_unpicklable_batch():
    with pytest.raises(Exception, match="while sending a batch to the main process"):
        list(DataLoader(Pairs(4), num_workers=1, collate_fn=lambda b: (lambda: b)))
    assert mp.active_children() == []


def test_break_leaves_no_process():
    loader = DataLoader(Pairs(200), batch_size=2, num_workers=2)
    it = iter(loader)
    procs = workers_of(it)
    for _ in it:
        break
    del it
    assert_all_gone(procs)
    for _ in loader:  # the for loop's own iterator
        break
    assert mp.active_children() == []


def test_keyboard_interrupt_shuts_down():
    loader = DataLoader(Pairs(20, sleep_at=2), batch_size=1, num_workers=2)
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    try:
        it = iter(loader)
        procs = workers_of(it)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            for _ in it:
                pass
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, old)
    assert it._shut
    assert_all_gone(procs)


def test_dead_worker_is_reported():
    # sample 5 is in batch 2 (indices 4, 5), which goes to worker 0
    pattern = r"DataLoader worker 0 \(pid \d+\) exited unexpectedly with exit code 3"
    with pytest.raises(RuntimeError, match=pattern):
        list(DataLoader(Pairs(8, exit_at=5), batch_size=2, num_workers=2))
    assert mp.active_children() == []


def test_timeout():
    loader = DataLoader(Pairs(4, sleep_at=0), batch_size=1, num_workers=1, timeout=0.2)
    with pytest.raises(RuntimeError, match="timed out after 0.2 seconds"):
        list(loader)
    assert mp.active_children() == []


def test_persistent_workers_keep_processes():
    loader = DataLoader(Pairs(9), batch_size=2, shuffle=True, num_workers=2, persistent_workers=True)
    ag.manual_seed(3)
    first = run(loader)
    pids = [p.pid for p in loader._iterator.workers]
    for _ in loader:  # a broken epoch: its late batches are dropped
        break
    second = run(loader)
    assert [p.pid for p in loader._iterator.workers] == pids
    assert sorted(sum((y for _, y in second), [])) == list(range(9))
    assert [y for _, y in first] != [y for _, y in second]
    procs = workers_of(loader._iterator)
    del loader
    assert_all_gone(procs)


def test_persistent_iterable_restarts_each_epoch():
    loader = DataLoader(Shards(6), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in loader] == [[0, 2], [1, 3], [4], [5]]
    assert [b.tolist() for b in loader] == [[0, 2], [1, 3], [4], [5]]
    loader._iterator._shutdown()
    assert mp.active_children() == []


def test_spawn_context():
    ds = TensorDataset(np.arange(6), np.arange(6) * 2)
    out = list(DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context="spawn"))
    assert [b[1].tolist() for b in out] == [[0, 2, 4, 6], [8, 10]]


def test_large_batches_through_shared_memory_stay_intact():
    """Batches of 320 KB go through the shared-memory slots; keeping all of
    them (more than there are slots) must not let a slot be reused early."""
    x = np.random.default_rng(0).standard_normal((48, 20000)).astype(np.float32)
    ds = TensorDataset(x, np.arange(48))
    ag.manual_seed(1)
    ref = [(a._data.copy(), b.tolist()) for a, b in DataLoader(ds, batch_size=4, shuffle=True)]
    ag.manual_seed(1)
    loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=2, prefetch_factor=1)
    it = iter(loader)
    slots = it.slots
    kept = list(it)  # 12 batches, 4 slots per worker
    assert len(kept) == 12
    for (gx, gy), (rx, ry) in zip(kept, ref):
        np.testing.assert_array_equal(gx._data, rx)
        assert gy.tolist() == ry
    assert sum(int(s.state.sum()) for s in slots) > 0  # slots hold kept batches
    kept[0][0]._data[:] = 0  # the batch is writable
    del kept, gx, gy
    gc.collect()
    assert all(int(s.state.sum()) == 0 for s in slots)  # all slots freed


def test_slots_lease_and_release():
    from data.slots import Slots, offsets

    assert offsets([10, 64, 1]) == ([0, 64, 128], 192)
    s = Slots(2, 256)
    i = s.acquire()
    j = s.acquire()
    assert (i, j) == (0, 1) and s.acquire() is None
    s.write(i, [memoryview(np.arange(5, dtype=np.uint8)), memoryview(np.full(3, 7, np.uint8))])
    a, b = s.lease(i, [5, 3])
    assert a.tolist() == [0, 1, 2, 3, 4] and b.tolist() == [7, 7, 7]
    view = b[1:]
    del a, b
    assert s.state[i] == 1  # a view still uses the slot
    del view
    assert s.state[i] == 0 and s.acquire() == 0
