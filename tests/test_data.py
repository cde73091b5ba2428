"""ember.utils.data: datasets, collation, samplers and the DataLoader (with worker processes)."""

import collections
import os
import time

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset,
                              RandomSampler, SequentialSampler, Subset, SubsetRandomSampler,
                              TensorDataset, default_collate, get_worker_info, random_split)

# jax, once imported by the jax-backend runs, warns at every fork; the forked workers of these tests
# never use jax (its own run spawns them)
pytestmark = pytest.mark.filterwarnings(r"ignore:os\.fork\(\) was called:RuntimeWarning")

Point = collections.namedtuple("Point", "x y")


def _dataset(n=10):
    return TensorDataset(ember.arange(n).float().reshape(n, 1), ember.arange(n))


def _labels(loader):
    return [batch[1].tolist() for batch in loader]


# -- datasets -------------------------------------------------------------------------------------
def test_tensor_dataset_indexes_every_tensor(backend):
    ds = _dataset(4)
    x, y = ds[2]
    assert len(ds) == 4 and x.tolist() == [2.0] and y.item() == 2
    with pytest.raises(ValueError, match=r"Size mismatch between tensors.*\[4, 3\]"):
        TensorDataset(ember.zeros(4), ember.zeros(3))


def test_subset_and_concat(backend):
    a, b = _dataset(3), _dataset(5)
    both = a + b
    assert isinstance(both, ConcatDataset) and len(both) == 8
    assert [both[i][1].item() for i in range(8)] == [0, 1, 2, 0, 1, 2, 3, 4]
    assert both[-1][1].item() == 4
    with pytest.raises(IndexError, match="index 8"):
        both[8]
    sub = Subset(b, [4, 0])
    assert len(sub) == 2 and sub[0][1].item() == 4
    with pytest.raises(ValueError, match="empty iterable"):
        ConcatDataset([])
    with pytest.raises(ValueError, match="does not support IterableDataset"):
        ConcatDataset([a, _Stream(3)])


def test_random_split_is_a_reproducible_partition(backend):
    ds = _dataset(10)
    parts = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(1))
    again = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(1))
    other = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(2))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [p.indices for p in parts] == [p.indices for p in again]
    assert [p.indices for p in parts] != [p.indices for p in other]


@pytest.mark.parametrize("fractions", [[0.3, 0.3, 0.4], [0.5, 0.5], [0.1, 0.2, 0.7], [1.0]])
def test_random_split_fractions_round_as_pytorch(torch, fractions):
    for n in (10, 11, 13):
        ours = [len(p) for p in random_split(range(n), fractions)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
        assert ours == theirs


def test_random_split_rejects_wrong_lengths():
    with pytest.raises(ValueError, match=r"Sum of input lengths.*\(9 != 10\)"):
        random_split(range(10), [4, 5])


# -- collation ------------------------------------------------------------------------------------
def test_default_collate_matches_pytorch(backend, torch):
    samples = [{"t": ember.tensor([i, i + 1.0]), "i": i, "f": i / 2, "b": i % 2 == 0,
                "a": np.full(2, i, np.int32), "s": np.float32(i), "p": Point(i, [i, -i]),
                "tup": (i, "x"), "name": f"n{i}"} for i in range(3)]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(
        [{**s, "t": torch.tensor(s["t"].tolist())} for s in samples])

    def compare(a, b):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, ember.Tensor) and a.dtype.name == str(b.dtype).split(".")[1]
            assert a.tolist() == b.tolist()
        elif isinstance(b, dict):
            assert type(a) is type(b) and list(a) == list(b)
            for k in b:
                compare(a[k], b[k])
        elif isinstance(b, (list, tuple)):
            assert type(a) is type(b) and len(a) == len(b)
            for x, y in zip(a, b):
                compare(x, y)
        else:
            assert a == b

    compare(ours, theirs)


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])


# -- samplers -------------------------------------------------------------------------------------
def test_samplers(backend):
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    perm = list(RandomSampler(range(20), generator=ember.Generator().manual_seed(0)))
    assert sorted(perm) == list(range(20)) and perm != list(range(20))
    assert perm == list(RandomSampler(range(20), generator=ember.Generator().manual_seed(0)))
    long = list(RandomSampler(range(5), num_samples=12))
    assert len(long) == 12 and sorted(long[:10]) == sorted(list(range(5)) * 2)
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=100))
    assert len(drawn) == 100 and set(drawn) == {0, 1, 2}
    assert sorted(SubsetRandomSampler([5, 7, 9])) == [5, 7, 9]


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_pytorch(torch, drop_last):
    ours = BatchSampler(range(10), 3, drop_last)
    theirs = torch.utils.data.BatchSampler(range(10), 3, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_sampler_errors():
    with pytest.raises(ValueError, match="batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last=1"):
        BatchSampler(range(3), 1, 1)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement=1"):
        RandomSampler(range(3), replacement=1)


# -- DataLoader, one process ----------------------------------------------------------------------
def test_loader_batches_and_len(backend):
    loader = DataLoader(_dataset(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and _labels(batches) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 1) and batches[0][1].dtype is ember.int64
    dropped = DataLoader(_dataset(10), batch_size=4, drop_last=True)
    assert len(dropped) == 2 and len(list(dropped)) == 2


def test_loader_without_batching_and_with_custom_collate(backend):
    plain = list(DataLoader([np.ones(2), np.zeros(2)], batch_size=None))
    assert isinstance(plain[0], ember.Tensor) and plain[1].tolist() == [0.0, 0.0]
    summed = list(DataLoader(range(6), batch_size=3, collate_fn=sum))
    assert summed == [3, 12]
    by_batches = DataLoader(range(5), batch_sampler=[[4, 0], [1]])
    assert [b.tolist() for b in by_batches] == [[4, 0], [1]]


def test_shuffle_is_reproducible_and_changes_each_epoch(backend):
    ds = _dataset(12)
    first = _labels(DataLoader(ds, batch_size=5, shuffle=True,
                               generator=ember.Generator().manual_seed(7)))
    again = _labels(DataLoader(ds, batch_size=5, shuffle=True,
                               generator=ember.Generator().manual_seed(7)))
    assert first == again and sorted(sum(first, [])) == list(range(12))
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=ember.Generator().manual_seed(7))
    assert _labels(loader) != _labels(loader)
    ember.manual_seed(3)
    a = _labels(DataLoader(ds, batch_size=5, shuffle=True))
    ember.manual_seed(3)
    assert _labels(DataLoader(ds, batch_size=5, shuffle=True)) == a


def test_loader_argument_errors():
    ds = _dataset(4)
    cases = [
        (dict(num_workers=-1), "num_workers option should be non-negative"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(sampler=SequentialSampler(ds), shuffle=True), "mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
        (dict(timeout=-1), "timeout option should be non-negative"),
    ]
    for kwargs, match in cases:
        with pytest.raises(ValueError, match=match):
            DataLoader(ds, **kwargs)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(_Stream(3), shuffle=True)


class _Stream(IterableDataset):
    """0..n-1, split between workers by id (as PyTorch's docs show)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


def test_iterable_dataset_batches(backend):
    loader = DataLoader(_Stream(7), batch_size=3)
    assert len(loader) == 3 and [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(_Stream(7), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]



@pytest.mark.parametrize("drop_last", [False, True])
def test_gathered_batches_are_those_of_per_sample_fetching(backend, drop_last):
    # the gathered batches (one index tensor for all the tensors) against the samples one by one
    # through a collate_fn that records what it gets: per-sample tuples, in the batch's order
    g = ember.Generator().manual_seed(3)
    x = ember.randn(26, 2, 3, generator=g)
    y = ember.arange(26) * 7
    ds = random_split(TensorDataset(x, y), [19, 7], generator=ember.Generator().manual_seed(4))[0]
    seen = []

    def recording_collate(samples):
        seen.append(samples)
        return default_collate(samples)

    def batches(**kwargs):
        loader = DataLoader(ds, batch_size=5, shuffle=True, drop_last=drop_last,
                            generator=ember.Generator().manual_seed(6), **kwargs)
        return [(bx.tolist(), by.tolist(), bx.dtype, by.dtype) for bx, by in loader]

    fast, slow = batches(), batches(collate_fn=recording_collate)
    assert fast == slow and len(fast) == (3 if drop_last else 4)
    assert [len(s) for s in seen] == ([5, 5, 5] if drop_last else [5, 5, 5, 4])
    for samples, (_, labels, _, _) in zip(seen, slow):
        assert isinstance(samples, list) and all(type(s) is tuple and len(s) == 2
                                                 for s in samples)
        assert [s[1].item() for s in samples] == labels
    if backend == "numpy":  # the workers gather too (jax's spawned workers: see below)
        assert batches(num_workers=2) == fast

# -- DataLoader, worker processes -----------------------------------------------------------------
def test_workers_give_the_batches_of_one_process(backend):
    # jax is multithreaded, which fork does not survive: its plugin declares "spawn", which the
    # loader picks by itself
    ds = _dataset(23)
    results = []
    for workers in (0, 2):
        loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers,
                            generator=ember.Generator().manual_seed(5))
        batches = list(loader)
        assert all(b[0].backend == backend for b in batches)
        results.append([(b[0].tolist(), b[1].tolist()) for b in batches])
    assert results[0] == results[1]


class _WhoAmI(Dataset):
    def __getitem__(self, i):
        info = get_worker_info()
        return {"index": i, "worker": info.id, "pid": os.getpid(), "seed": info.seed,
                "tag": _WhoAmI.tag}

    def __len__(self):
        return 8


def _tag(worker_id):
    _WhoAmI.tag = 100 + worker_id


def test_worker_info_init_fn_and_round_robin():
    assert get_worker_info() is None
    _WhoAmI.tag = 0
    loader = DataLoader(_WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=_tag,
                        generator=ember.Generator().manual_seed(0))
    batches = list(loader)
    assert [b["index"].tolist() for b in batches] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert [b["worker"].tolist() for b in batches] == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert [b["tag"][0].item() for b in batches] == [100, 101, 100, 101]
    seeds = {b["worker"][0].item(): b["seed"][0].item() for b in batches}
    assert seeds[1] == seeds[0] + 1
    assert os.getpid() not in {p for b in batches for p in b["pid"].tolist()}


def test_iterable_dataset_with_workers_interleaves_their_streams():
    loader = DataLoader(_Stream(9), batch_size=2, num_workers=2)
    assert [b.tolist() for b in loader] == [[0, 2], [1, 3], [4, 6], [5, 7], [8]]


def test_persistent_workers_serve_every_epoch():
    loader = DataLoader(_WhoAmI(), batch_size=4, num_workers=2, persistent_workers=True)
    first = [b["pid"].tolist() for b in loader]
    second = [b["pid"].tolist() for b in loader]
    assert first == second and len(first) == 2
    loader._iterator._shutdown()


class _Broken(Dataset):
    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"no item {i}")
        return i

    def __len__(self):
        return 8


def test_worker_errors_reach_the_main_process():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 1"):
        list(DataLoader(_Broken(), batch_size=3, num_workers=2))


class _Slow(Dataset):
    def __getitem__(self, i):
        time.sleep(1.5)
        return i

    def __len__(self):
        return 2


def test_timeout_is_an_error():
    with pytest.raises(RuntimeError, match="timed out after 0.3 seconds"):
        list(DataLoader(_Slow(), num_workers=1, timeout=0.3))


def test_pin_memory_is_accepted(backend):
    assert _labels(DataLoader(_dataset(3), batch_size=2, pin_memory=True)) == [[0, 1], [2]]


def _uneven_stream(module):
    class Uneven(module.IterableDataset):
        """Worker k yields 2k + 1 items, so the workers run dry at different times."""

        def __iter__(self):
            k = module.get_worker_info().id
            return iter(range(10 * k, 10 * k + 2 * k + 1))

    return Uneven()


def test_uneven_worker_streams_interleave_as_pytorch(torch):
    ours = [b.tolist() for b in DataLoader(_uneven_stream(ember.utils.data), batch_size=2,
                                           num_workers=3)]
    theirs = [b.tolist() for b in torch.utils.data.DataLoader(
        _uneven_stream(torch.utils.data), batch_size=2, num_workers=3)]
    assert ours == theirs


# -- DataLoader workers never hang the main process ------------------------------------------------
@pytest.fixture
def deadline():
    """Fail the test, instead of hanging the run, if it takes more than 60 seconds."""
    import signal

    def expired(signum, frame):
        raise TimeoutError("the DataLoader hung")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _keep(batch):
    return batch


class _Hostile(Dataset):
    """Item 1 misbehaves as `how` says; the items are tensors made in the worker, on its backend."""

    def __init__(self, how):
        self.how = how

    def __getitem__(self, i):
        if i == 1:
            if self.how == "raise":
                raise ValueError("item 1 is cursed")
            if self.how == "die":
                os.kill(os.getpid(), 9)
            if self.how == "unpicklable":
                return {"value": ember.tensor(i), "stream": (x for x in range(3))}
        return {"value": ember.tensor(i)}

    def __len__(self):
        return 4


@pytest.mark.parametrize("how, error, match", [
    ("raise", ValueError, "Caught ValueError in DataLoader worker process 1"),
    ("die", RuntimeError, r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"),
    ("unpicklable", TypeError, "DataLoader worker 1 produced a batch of type list that cannot be "
                               "sent to the main process \\(it holds a generator\\)"),
])
def test_a_misbehaving_worker_is_an_error_not_a_hang(deadline, how, error, match):
    loader = DataLoader(_Hostile(how), batch_size=1, num_workers=2, collate_fn=_keep)
    with pytest.raises(error, match=match):
        list(loader)


def test_workers_on_a_backend_that_cannot_fork_are_spawned(deadline):
    """JAX runs threads, which a forked worker deadlocks in: its workers are spawned (one here,
    which makes JAX tensors, then raises), and a fork is refused instead of hanging."""
    jax = ember.backends.lookup("jax")
    if jax is None or not jax.available:
        pytest.skip("jax is not available")
    with ember.default_backend("jax"):
        batches = iter(DataLoader(_Hostile("raise"), batch_size=1, num_workers=1))
        first = next(batches)
        assert first["value"].backend == "jax" and first["value"].tolist() == [0]
        with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 0"):
            next(batches)
        with pytest.raises(RuntimeError, match="cannot be forked on the 'jax' backend: it declares "
                                               "the start method 'spawn'"):
            list(DataLoader(_Hostile("none"), num_workers=1, multiprocessing_context="fork"))


def test_tensor_dataset_batches_are_gathered_with_the_values_of_stacked_rows(backend):
    # default_collate over a TensorDataset (and Subsets of it) fetches a batch with one index
    # per tensor; a collate_fn that is not default_collate takes the per-sample path: the
    # batches must be the same, in the same order
    from ember.utils.data import default_collate

    g = ember.Generator().manual_seed(0)
    x = ember.randn(23, 3, generator=g)
    y = ember.arange(23)
    parts = random_split(TensorDataset(x, y), [15, 8], generator=ember.Generator().manual_seed(1))
    for ds in (TensorDataset(x, y), parts[0], Subset(parts[1], [7, 0, 3, 3])):
        fast = list(DataLoader(ds, batch_size=4, shuffle=True,
                               generator=ember.Generator().manual_seed(2)))
        slow = list(DataLoader(ds, batch_size=4, shuffle=True,
                               generator=ember.Generator().manual_seed(2),
                               collate_fn=lambda b: default_collate(b)))
        assert len(fast) == len(slow)
        for (fx, fy), (sx, sy) in zip(fast, slow):
            assert fx.dtype is sx.dtype and fy.dtype is sy.dtype
            assert fx.tolist() == sx.tolist() and fy.tolist() == sy.tolist()
