"""``ember.utils.data``: datasets, samplers and the DataLoader, as in PyTorch.

A DataLoader turns a dataset into batches: a sampler yields indices, a batch sampler groups them,
the dataset's items are fetched and ``collate_fn`` stacks them into tensors. With
``num_workers > 0`` the fetching and collating run in worker processes; the main process still
draws every index, and hands batch ``i`` to worker ``i % num_workers``, so the batches and their
order are those of ``num_workers=0`` with the same seed. Tensors travel between processes as host
arrays: a reducer registered with multiprocessing's pickler (and only there: ``pickle`` itself
still refuses tensors) rebuilds them on the same backend.

Workers never hang the main process: they start the way their backend declares it can survive
(``start_method`` in ``ember_backend_info``: JAX and CuPy need ``spawn``; a forked worker on
them is refused with an error), a batch that cannot be pickled comes back as an error naming
its type, and a worker that raises or dies is reported within about a second.
"""

import bisect
import collections.abc
import itertools
import math
import multiprocessing
import os
import pickle
import queue
import random
import traceback
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ... import backends as _backends
from ... import dtypes as _dt
from ...ops import creation, random as _random, shape
from ...tensor import Tensor, _wrap

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "ChainDataset", "random_split", "default_collate", "default_convert", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
           "DataLoader", "get_worker_info", "WorkerInfo", "DistributedSampler"]


# -- datasets -------------------------------------------------------------------------------------
class Dataset:
    """A map-style dataset: ``dataset[i]`` is one sample; subclasses define ``__getitem__`` and
    usually ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"Subclasses of Dataset should implement __getitem__; "
                                  f"{type(self).__name__} does not")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: subclasses define ``__iter__`` (with workers, each worker
    iterates its own copy; split the stream with :func:`get_worker_info`)."""

    def __iter__(self):
        raise NotImplementedError(f"Subclasses of IterableDataset should implement __iter__; "
                                  f"{type(self).__name__} does not")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``; the tensors share their first size."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].size(0)
        for t in tensors:
            if t.size(0) != n:
                raise ValueError(f"Size mismatch between tensors: first dimensions are "
                                 f"{[t.size(0) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class Subset(Dataset):
    """The items of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"absolute value of index {idx} should not exceed dataset "
                                 f"length {n}")
            idx += n
        if idx >= n:
            raise IndexError(f"index {idx} is out of range for a dataset of length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets read one after the other."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def random_split(dataset, lengths, generator=None):
    """Split `dataset` into non-overlapping random :class:`Subset` s of the given `lengths`
    (counts, or fractions summing to 1 whose rounding remainder goes round-robin)."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths does not equal the length of the input dataset! "
                         f"({sum(lengths)} != {n})")
    perm = _random.randperm(n, generator=generator).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start:start + length]))
        start += length
    return out


# -- collation ------------------------------------------------------------------------------------
def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _rebuild_like(elem, values):
    """A container of `elem`'s type holding `values` (a plain one if that type cannot be built)."""
    if isinstance(elem, collections.abc.Mapping):
        try:
            return type(elem)(values)
        except TypeError:
            return dict(values)
    try:
        return type(elem)(values)
    except TypeError:
        return list(values)


def default_convert(data):
    """Without batching: NumPy arrays become tensors, containers are converted inside."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUV":
        return creation.as_tensor(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "OSUV":
        return creation.as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_like(data, {k: default_convert(v) for k, v in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_like(data, [default_convert(d) for d in data])
    return data


def default_collate(batch):
    """Stack a list of samples into a batch: tensors, NumPy arrays and numbers become tensors with
    a new first dimension; dicts, namedtuples, tuples and lists are collated field by field;
    strings are kept as lists."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return shape.stack(list(batch), 0)
    if isinstance(elem, (np.ndarray, np.generic)) and elem.dtype.kind not in "OSUV":
        if isinstance(elem, np.ndarray) and elem.ndim:
            return default_collate([creation.as_tensor(b) for b in batch])
        return creation.tensor(np.asarray(batch))
    if isinstance(elem, (np.ndarray, np.generic)):
        raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                        f"dicts or lists; found numpy array of dtype {elem.dtype}")
    if isinstance(elem, float):
        return creation.tensor(batch, dtype=_dt.float64)
    if isinstance(elem, int):  # bool included: a bool tensor, as PyTorch
        return creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_like(elem, {k: default_collate([d[k] for d in batch]) for k in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(s) for s in zip(*batch)]
        return columns if isinstance(elem, tuple) else _rebuild_like(elem, columns)
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                    f"or lists; found {type(elem)}")


# -- samplers -------------------------------------------------------------------------------------
class Sampler:
    """Yields dataset indices (or, for a batch sampler, lists of them)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices: a permutation (repeated for ``num_samples > len``), or with replacement."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) \
                or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        """PyTorch's draws, in its order: without a generator, a seed from the default one
        seeds a fresh generator; the last (possibly empty) slice of a permutation is drawn too,
        so a given generator advances as PyTorch's does."""
        n, count = len(self.data_source), self.num_samples
        generator = self.generator
        if generator is None:
            generator = _random.Generator().manual_seed(_random.random_int64())
        if self.replacement:
            for start in range(0, count, 32):
                draw = _random.randint(0, n, (min(32, count - start),), generator=generator)
                yield from draw.tolist()
            return
        for _ in range(count // n):
            yield from _random.randperm(n, generator=generator).tolist()
        yield from _random.randperm(n, generator=generator).tolist()[:count % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given `indices`, in a random order."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        order = _random.randperm(len(self.indices), generator=self.generator).tolist()
        for i in order:
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of `batch_size` (the last may be shorter unless
    `drop_last`)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class _InfiniteConstantSampler(Sampler):
    """None forever: the 'indices' of an iterable dataset, which ignores them."""

    def __iter__(self):
        return itertools.repeat(None)


# -- fetching (shared by the main process and the workers) ----------------------------------------
class _Fetcher:
    """Turns one entry of the index sampler into one (collated) batch."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.iterable = isinstance(dataset, IterableDataset)
        self._gather = None
        self._iter = None
        self.exhausted = False

    def fetch(self, index):
        if self.iterable:
            return self._fetch_stream(index)
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self._gather is None:
            self._gather = self._gather_source()
        if self._gather:  # the batch as one indexing per tensor: what stacking the rows gives
            tensors, maps = self._gather
            rows = list(index)
            for m in maps:
                rows = [m[i] for i in rows]
            # one index tensor for all of them, made as indexing with the list would make it
            if rows:
                rows = creation.tensor(rows, _backend=tensors[0]._backend)
            return [t[rows] for t in tensors]
        getitems = getattr(self.dataset, "__getitems__", None)
        items = getitems(index) if getitems else [self.dataset[i] for i in index]
        return self.collate_fn(items)

    def _gather_source(self):
        """(tensors, index maps) when a batch of a TensorDataset (or Subsets of one) under
        default_collate can be fetched with one index per tensor instead of one per sample and
        a stack: the same values, as the list of tensors default_collate gives for tuple
        samples, in a few ops instead of a few per sample. Else False."""
        ds, maps = self.dataset, []
        while type(ds) is Subset:
            maps.append(ds.indices.tolist() if isinstance(ds.indices, Tensor) else ds.indices)
            ds = ds.dataset
        if (type(ds) is not TensorDataset or self.collate_fn is not default_collate
                or any(not isinstance(t, Tensor) or t.requires_grad
                       or t._backend is not ds.tensors[0]._backend for t in ds.tensors)):
            return False
        return ds.tensors, maps

    def _fetch_stream(self, index):
        """The next batch of the stream; StopIteration once it is used up."""
        if self.exhausted:
            raise StopIteration
        if self._iter is None:
            self._iter = iter(self.dataset)
        if not self.auto_collation:
            try:
                return self.collate_fn(next(self._iter))
            except StopIteration:
                self.exhausted = True
                raise
        items = list(itertools.islice(self._iter, len(index)))
        if len(items) < len(index):
            self.exhausted = True
            if not items or self.drop_last:
                raise StopIteration
        return self.collate_fn(items)


# -- workers --------------------------------------------------------------------------------------
class WorkerInfo:
    """What a worker process knows about itself: ``id``, ``num_workers``, ``seed``, ``dataset``."""

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, key, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={type(self.dataset).__name__})")


_worker_info = None


def get_worker_info():
    """This worker's :class:`WorkerInfo` inside a DataLoader worker process; None elsewhere."""
    return _worker_info


def _reduce_tensor(t):
    """Tensors cross process boundaries (only through multiprocessing) as host arrays."""
    arr = t._backend.kernels["to_numpy"](t._data)
    return _rebuild_tensor, (np.array(arr), t._dtype.name, t._backend.name, t._rg)


def _rebuild_tensor(arr, dtype_name, backend_name, requires_grad):
    be = _backends.get_backend(backend_name)
    dt = _dt.from_name(dtype_name)
    out = _wrap(be.kernels["asarray"](arr, be.dtype_native(dt)), be, dt)
    return out.requires_grad_(True) if requires_grad else out


ForkingPickler.register(Tensor, _reduce_tensor)


class _WorkerFailure:
    """An exception raised in a worker, carried to the main process to be raised there."""

    def __init__(self, worker_id, exc):
        self.worker_id = worker_id
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        try:
            pickle.dumps(type(exc))
            self.exc_type = type(exc)
        except Exception:
            self.exc_type = RuntimeError

    def reraise(self):
        msg = (f"Caught {self.exc_type.__name__} in DataLoader worker process {self.worker_id}.\n"
               f"Original {self.text}")
        try:
            exc = self.exc_type(msg)
        except Exception:
            exc = RuntimeError(msg)
        raise exc


_EXHAUSTED = "ember.utils.data:worker-exhausted"


def _worker_loop(dataset, index_queue, result_queue, auto_collation, collate_fn, drop_last,
                 seed, worker_id, num_workers, worker_init_fn, backend_name, parent_pid):
    """A worker: fetch and collate the batches whose indices arrive on `index_queue`."""
    global _worker_info
    _backends.set_default_backend(backend_name)
    _random.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    init_error = None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
    except Exception as exc:
        init_error = _WorkerFailure(worker_id, exc)
    fetcher, epoch = None, None
    while True:
        try:
            task = index_queue.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent_pid:  # the main process is gone
                return
            continue
        if task is None:
            return
        task_epoch, send_idx, index = task
        if task_epoch != epoch:  # a new epoch (persistent workers): a fresh stream
            fetcher = _Fetcher(dataset, auto_collation, collate_fn, drop_last)
            epoch = task_epoch
        if init_error is not None:
            result_queue.put((task_epoch, send_idx, worker_id, init_error))
            continue
        try:
            data = fetcher.fetch(index)
        except StopIteration:
            data = _EXHAUSTED
        except Exception as exc:
            data = _WorkerFailure(worker_id, exc)
        result_queue.put((task_epoch, send_idx, worker_id, _pickled(data, worker_id)))


def _pickled(data, worker_id):
    """`data` pickled here, in the worker: a batch that cannot be pickled becomes an error for
    the main process naming its type (a queue would drop it in its feeder thread, and the main
    process would wait for it forever)."""
    try:
        return bytes(ForkingPickler.dumps(data))
    except Exception as exc:  # noqa: BLE001 - whatever pickling raises is reported
        culprit = _unpicklable_part(data)
        where = "" if culprit is data else f" (it holds a {_type_name(culprit)})"
        error = TypeError(f"DataLoader worker {worker_id} produced a batch of type "
                          f"{_type_name(data)} that cannot be sent to the main process"
                          f"{where}: {type(exc).__name__}: {exc}. Return tensors, NumPy arrays, "
                          f"numbers, strings, or lists, tuples and dicts of them (a collate_fn "
                          f"can convert)")
        return bytes(ForkingPickler.dumps(_WorkerFailure(worker_id, error)))


def _type_name(obj):
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _unpicklable_part(obj, depth=0):
    """The innermost part of container `obj` that cannot be pickled (`obj` itself if none)."""
    if depth < 20:
        parts = obj.values() if isinstance(obj, dict) else \
            obj if isinstance(obj, (list, tuple)) else ()
        for part in parts:
            try:
                ForkingPickler.dumps(part)
            except Exception:  # noqa: BLE001
                return _unpicklable_part(part, depth + 1)
    return obj


def _backends_of(dataset, depth=0):
    """The backends of the tensors a dataset holds, where the dataset says (TensorDataset, and
    Subset / ConcatDataset of them)."""
    if depth > 10:
        return []
    if isinstance(dataset, TensorDataset):
        return [t._backend for t in dataset.tensors if isinstance(t, Tensor)]
    if isinstance(dataset, Subset):
        return _backends_of(dataset.dataset, depth + 1)
    if isinstance(dataset, ConcatDataset):
        return [b for d in dataset.datasets for b in _backends_of(d, depth + 1)]
    return []


def _worker_context(requested, backends):
    """The multiprocessing context for workers that use `backends`: the start method a backend
    declares unless the user chose one; a fork on a backend that cannot survive it is an error,
    never a hang."""
    declared = [(b, b.start_method) for b in backends if b.start_method is not None]
    if requested is None:
        method = next((m for _, m in declared if m != "fork"), None)
        return multiprocessing.get_context(method)
    ctx = multiprocessing.get_context(requested) if isinstance(requested, str) else requested
    if ctx.get_start_method() == "fork":
        for b, method in declared:
            if method != "fork":
                raise RuntimeError(
                    f"DataLoader worker processes cannot be forked on the {b.name!r} backend: it "
                    f"declares the start method {method!r} (its library does not survive fork, "
                    f"and a forked worker would hang). Pass multiprocessing_context={method!r}, "
                    f"or leave multiprocessing_context unset")
    return ctx


# -- iterators ------------------------------------------------------------------------------------
class _SingleProcessIter:
    def __init__(self, loader):
        self._loader = loader
        loader._draw_base_seed()  # as with workers, so both consume the generator alike
        self._index_iter = iter(loader._index_sampler)
        self._fetcher = _Fetcher(loader.dataset, loader._auto_collation, loader.collate_fn,
                                 loader.drop_last)

    def __iter__(self):
        return self

    def __next__(self):
        return self._fetcher.fetch(next(self._index_iter))

    def __len__(self):
        return len(self._loader)


class _MultiProcessIter:
    """Hands batches of indices round-robin to worker processes and yields results in order."""

    _POLL = 0.5  # seconds between checks that the workers are alive

    def __init__(self, loader):
        self._loader = loader
        n = loader.num_workers
        self._shut = True  # nothing to shut down until the queues exist
        default = _backends._default_backend()
        ctx = _worker_context(loader.multiprocessing_context,
                              [default] + _backends_of(loader.dataset))
        base_seed = loader._draw_base_seed()
        self._result_queue = ctx.Queue()
        self._index_queues, self._workers = [], []
        self._shut = False
        backend = default.name
        for wid in range(n):
            q = ctx.Queue()
            w = ctx.Process(target=_worker_loop, daemon=True,
                            args=(loader.dataset, q, self._result_queue, loader._auto_collation,
                                  loader.collate_fn, loader.drop_last, base_seed + wid, wid, n,
                                  loader.worker_init_fn, backend, os.getpid()))
            w.start()
            self._index_queues.append(q)
            self._workers.append(w)
        self._epoch = 0
        self._reset()

    def _reset(self):
        """Start an epoch: a fresh pass of the index sampler, `prefetch_factor` tasks a worker."""
        self._epoch += 1
        self._index_iter = iter(self._loader._index_sampler)
        self._send_idx = self._rcvd_idx = 0
        self._buffer = {}
        self._active = [True] * len(self._workers)
        self._turn = 0
        for _ in range(self._loader.prefetch_factor * len(self._workers)):
            self._put_task()

    def _put_task(self):
        """Send the next entry of the index sampler to the next worker (in turn) still serving."""
        n = len(self._workers)
        for _ in range(n):
            wid = self._turn % n
            self._turn += 1
            if self._active[wid]:
                break
        else:
            return
        try:
            index = next(self._index_iter)
        except StopIteration:
            return
        self._index_queues[wid].put((self._epoch, self._send_idx, index))
        self._send_idx += 1

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def __next__(self):
        while True:
            if self._rcvd_idx in self._buffer:
                wid, data = self._buffer.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                if isinstance(data, str) and data == _EXHAUSTED:
                    self._active[wid] = False  # this worker's stream has ended
                    self._put_task()
                    continue
                self._put_task()
                if isinstance(data, _WorkerFailure):
                    self._shutdown()
                    data.reraise()
                return data
            if self._rcvd_idx >= self._send_idx:
                if not self._loader.persistent_workers:
                    self._shutdown()
                raise StopIteration
            epoch, idx, wid, payload = self._get()
            if epoch == self._epoch:
                self._buffer[idx] = (wid, pickle.loads(payload))

    def _get(self):
        timeout = self._loader.timeout
        waited = 0.0
        while True:
            wait = self._POLL if timeout <= 0 else min(self._POLL, timeout - waited)
            try:
                return self._result_queue.get(timeout=wait)
            except queue.Empty:
                waited += wait
                dead = [w.pid for w in self._workers if not w.is_alive()]
                if dead:
                    self._shutdown()
                    pids = ", ".join(map(str, dead))
                    raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited "
                                       f"unexpectedly") from None
                if 0 < timeout <= waited:
                    self._shutdown()
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None

    def _shutdown(self):
        if self._shut:
            return
        self._shut = True
        for q in self._index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for w in self._workers:
            w.join(timeout=5)
            if w.is_alive():
                w.terminate()
        for q in self._index_queues + [self._result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self):
        self._shutdown()


# -- the loader -----------------------------------------------------------------------------------
class DataLoader:
    """Batches of a dataset: ``for x, y in DataLoader(ds, batch_size=32, shuffle=True): ...``.

    `pin_memory` is accepted for PyTorch compatibility; ember's backends place host data
    themselves, so it changes nothing.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device=""):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers option should be non-negative; use num_workers=0 to "
                             f"disable multiprocessing (got {num_workers}).")
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn if collate_fn is not None else \
            (default_collate if batch_sampler is not None else default_convert)
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers else prefetch_factor
        self.persistent_workers = persistent_workers
        self._iterator = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _draw_base_seed(self):
        """The seed workers derive theirs from (worker i: base + i), from `generator`."""
        return _random.random_int64(self.generator)

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return _MultiProcessIter(self)
        if self._iterator is None or self._iterator._shut:
            self._iterator = _MultiProcessIter(self)
        else:
            self._iterator._reset()
        return self._iterator

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)


from .distributed import DistributedSampler  # noqa: E402 (it builds on Sampler, above)
