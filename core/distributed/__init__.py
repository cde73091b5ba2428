"""``ember.distributed``: collectives across processes and machines, as ``torch.distributed``.

``init_process_group`` joins this process to the job; ``all_reduce``, ``broadcast`` and the other
collectives then update tensors in place on every rank. The arithmetic of the transfer is done by
an *engine* behind one small communicator interface (``ember.distributed._engine``):

- ``"mpi"``: MPI through mpi4py, for host arrays (NumPy directly, JAX and other host-readable
  backends through a host copy); ``"gloo"`` is accepted as its alias, so PyTorch programs that
  ask for gloo run unchanged;
- ``"nccl"``: NCCL through CuPy, for CUDA arrays;
- any engine a backend plugin offers through the ``ember_backend_collectives`` hook.

``backend=None`` picks the default tensor backend's own engine if its plugin offers one, else
``nccl`` when its default device is a CUDA device, else ``mpi``. Processes are started by
``python -m ember.distributed.run`` (torchrun's flags), ``mpiexec -n N`` or ``srun``.
"""

import datetime
import enum
import os
import time

__all__ = ["ReduceOp", "Work", "ProcessGroup", "group", "GroupMember", "Backend", "TCPStore",
           "is_available", "is_initialized", "is_mpi_available", "is_nccl_available",
           "init_process_group", "destroy_process_group", "new_group", "get_rank",
           "get_world_size", "get_backend", "barrier", "all_reduce", "broadcast", "reduce",
           "all_gather", "all_gather_into_tensor", "reduce_scatter_tensor", "gather", "scatter",
           "send", "recv", "isend", "irecv", "get_global_rank", "get_process_group_ranks"]


def __getattr__(name):
    """``TCPStore`` is imported on first use (sockets and JSON stay out of ``import ember``)."""
    if name == "TCPStore":
        from ._store import TCPStore

        return TCPStore
    raise AttributeError(f"module 'ember.distributed' has no attribute {name!r}")


class ReduceOp(enum.Enum):
    """How ``all_reduce``, ``reduce`` and ``reduce_scatter_tensor`` combine the ranks' values."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"

    def __repr__(self):
        return f"<ReduceOp.{self.name}>"


class Backend(str):
    """Engine names, as ``torch.distributed.Backend``: ``Backend.MPI == "mpi"``."""

    MPI = "mpi"
    NCCL = "nccl"
    GLOO = "gloo"

    def __new__(cls, name):
        return str.__new__(cls, name.lower())


_ALIASES = {"gloo": "mpi"}
_DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)


class _NotInitialized(ValueError, RuntimeError):
    """A collective or query before ``init_process_group``: PyTorch raises ValueError; it is also
    a RuntimeError, as older PyTorch raised."""


class ProcessGroup:
    """A set of ranks with its own engine communicator (``new_group`` makes one)."""

    def __init__(self, engine, ranks, timeout, backend):
        self.engine = engine
        self.ranks = list(ranks)  # global ranks, in group-rank order
        self.timeout = timeout
        self.backend = backend

    def rank(self):
        return self.engine.rank

    def size(self):
        return self.engine.size

    def __repr__(self):
        return f"<ember.distributed.ProcessGroup {self.backend} ranks={self.ranks}>"


class GroupMember:
    """``GroupMember.WORLD`` (the default group, once initialised) and ``NON_GROUP_MEMBER``, what
    ``new_group`` returns on ranks outside the new group."""

    WORLD = None
    NON_GROUP_MEMBER = object()


class _GroupNamespace:
    @property
    def WORLD(self):  # noqa: N802 - PyTorch's name
        return GroupMember.WORLD


group = _GroupNamespace()

_state = {"world": None, "store": None, "groups": []}


class Work:
    """The handle of an operation started with ``async_op=True``: ``wait()`` blocks until it is
    done (raising if the process group's timeout passes first), ``is_completed()`` polls."""

    __slots__ = ("_requests", "_finish", "_group", "_what", "_done", "_result")

    def __init__(self, requests, finish, pg, what):
        self._requests = requests
        self._finish = finish
        self._group = pg
        self._what = what
        self._done = False
        self._result = None

    def _test(self):
        reqs = self._requests
        while reqs:
            if not reqs[-1].test():
                return False
            reqs.pop()
        if not self._done:
            self._done = True
            if self._finish is not None:
                self._result = self._finish()
        return True

    def is_completed(self):
        return self._done or self._test()

    def wait(self, timeout=None):
        """Block until the operation is done; True. Raises RuntimeError after `timeout` (the
        process group's by default) with the operation and rank named."""
        if self._done or self._test():
            return True
        limit = _seconds(timeout) if timeout is not None else _seconds(self._group.timeout)
        deadline = time.monotonic() + limit
        spins = 0
        while not self._test():
            spins += 1
            if spins > 2000:  # a peer is slow: keep polling, but leave the CPU to others
                time.sleep(5e-5)
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"ember.distributed: {self._what} on rank {get_rank()} timed out after "
                    f"{limit:g} s (the process group's timeout): another rank did not take part "
                    f"(it may have failed, or called a different collective)")
        return True

    def result(self):
        self.wait()
        return self._result


# -- set-up ----------------------------------------------------------------------------------
def is_available():
    """True: ember.distributed is always built (engines may still be missing; see below)."""
    return True


def is_mpi_available():
    from . import _mpi

    return _mpi.available() is None


def is_nccl_available():
    from . import _nccl

    return _nccl.available() is None


def is_initialized():
    return _state["world"] is not None


def _world():
    pg = _state["world"]
    if pg is None:
        raise _NotInitialized("Default process group has not been initialized, please make sure "
                              "to call init_process_group.")
    return pg


def _seconds(timeout):
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def _env_rank_size():
    """(rank, world size) from the environment: RANK/WORLD_SIZE (our launcher, torchrun), else
    what mpiexec (PMI, Open MPI) or Slurm's srun set; (None, None) if none is set."""
    env = os.environ
    for r, s in (("RANK", "WORLD_SIZE"), ("PMI_RANK", "PMI_SIZE"),
                 ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
                 ("SLURM_PROCID", "SLURM_NTASKS")):
        if r in env and s in env:
            return int(env[r]), int(env[s])
    return None, None


def _engine_name(backend):
    """The engine to use for `backend` (an engine name, an alias, or None for the default)."""
    from .. import backends

    if backend is not None:
        name = str(backend).lower()
        if ":" in name or "," in name:  # "cpu:gloo,cuda:nccl": the entry for our device type
            default = backends._default_backend().default_device.split(":")[0]
            table = dict(p.split(":") for p in name.split(","))
            name = table.get(default, next(iter(table.values())))
        return _ALIASES.get(name, name)
    default = backends._default_backend()
    own = _plugin_engines(default)
    if own:
        return next(iter(own))
    return "nccl" if default.default_device.startswith("cuda") else "mpi"


def _plugin_engines(b):
    """The engines a backend plugin offers through ``ember_backend_collectives``, as
    ``{name: factory}``."""
    import pluggy

    from .. import hookspecs

    if b.status != "available":
        return {}
    pm = pluggy.PluginManager("ember")
    pm.add_hookspecs(hookspecs)
    pm.register(b.entry_point.load(), name=f"ember-backend-{b.name}")
    return dict(pm.hook.ember_backend_collectives() or {})


def _engine_factory(name):
    from .. import backends

    if name == "mpi":
        from . import _mpi

        return _mpi.world
    if name == "nccl":
        from . import _nccl

        return _nccl.world
    for b in backends.installed().values():
        found = _plugin_engines(b)
        if name in found:
            return found[name]
    raise ValueError(f"unknown ember.distributed backend {name!r}: the engines are 'mpi' (alias "
                     f"'gloo'), 'nccl' and those backend plugins offer")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join this process to the job: rank and world size from the arguments, else from the
    environment (the launcher's RANK/WORLD_SIZE, mpiexec's or srun's); MASTER_ADDR/MASTER_PORT
    (or ``init_method="tcp://host:port"``) for the rendezvous store when one is needed."""
    if _state["world"] is not None:
        raise ValueError("trying to initialize the default process group twice!")
    env_rank, env_size = _env_rank_size()
    rank = env_rank if rank is None or rank < 0 else rank
    world_size = env_size if world_size is None or world_size < 0 else world_size
    addr, port = os.environ.get("MASTER_ADDR", "127.0.0.1"), os.environ.get("MASTER_PORT")
    if init_method not in (None, "env://"):
        if init_method.startswith("tcp://"):
            addr, _, port = init_method[len("tcp://"):].rpartition(":")
            port = port.split("?")[0]
        else:
            raise ValueError(f"init_method {init_method!r} is not supported by ember.distributed: "
                             f"use 'env://' (the default) or 'tcp://host:port'")
    timeout = _DEFAULT_TIMEOUT if timeout is None else timeout
    name = _engine_name(backend)
    factory = _engine_factory(name)

    def store_factory():
        if _state["store"] is None:
            if store is not None:
                _state["store"] = store
            else:
                if port is None:
                    raise ValueError("the rendezvous needs MASTER_PORT (and MASTER_ADDR) in the "
                                     "environment, or init_method='tcp://host:port'")
                from ._store import TCPStore

                host_it = rank == 0 and not os.environ.get("EMBER_STORE_HOSTED")
                _state["store"] = TCPStore(addr, int(port), world_size, is_master=host_it,
                                           timeout=_seconds(timeout))
        return _state["store"]

    if world_size is None:
        world_size = 1 if rank in (None, 0) else None
    if world_size is None:
        raise ValueError(f"rank {rank} was given but no world size: pass world_size= or set "
                         f"WORLD_SIZE")
    if rank is None:
        rank = 0 if world_size == 1 else None
    engine = factory(store_factory, {"rank": rank, "world_size": world_size,
                                     "timeout": _seconds(timeout), "device_id": device_id})
    pg = ProcessGroup(engine, range(engine.size), timeout, name)
    _state["world"] = GroupMember.WORLD = pg
    os.environ.setdefault("RANK", str(engine.rank))
    os.environ.setdefault("WORLD_SIZE", str(engine.size))


def destroy_process_group(group=None):
    """Release a group's communicator; with no argument every group, and uninitialise."""
    if group is None or group is _state["world"]:
        pg = _world()
        for g in _state["groups"]:
            g.engine.close()
        pg.engine.close()
        if _state["store"] is not None:
            _state["store"].close()
        _state.update(world=None, store=None, groups=[])
        GroupMember.WORLD = None
    elif group is not GroupMember.NON_GROUP_MEMBER:
        group.engine.close()
        _state["groups"].remove(group)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None):
    """A group of `ranks` (all by default). Every rank of the world calls it; ranks outside get
    ``GroupMember.NON_GROUP_MEMBER``."""
    world = _world()
    ranks = sorted(set(range(world.engine.size) if ranks is None else ranks))
    for r in ranks:
        if not 0 <= r < world.engine.size:
            raise ValueError(f"new_group: rank {r} is not in the world of size {world.engine.size}")
    sub = world.engine.split(ranks)
    if sub is None:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(sub, ranks, world.timeout if timeout is None else timeout, world.backend)
    _state["groups"].append(pg)
    return pg


def _group(group):
    return _world() if group is None else group


def get_rank(group=None):
    """This process's rank in `group` (the world by default), or -1 if it is not a member."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).engine.rank


def get_world_size(group=None):
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).engine.size


def get_backend(group=None):
    return _group(group).backend


def get_global_rank(group, group_rank):
    return _group(group).ranks[group_rank]


def get_process_group_ranks(group):
    return list(_group(group).ranks)


def _group_rank(pg, global_rank, group_rank, name):
    if group_rank is not None:
        return group_rank
    if global_rank is None:
        raise ValueError(f"{name} (a global rank) or group_{name} must be given")
    try:
        return pg.ranks.index(global_rank)
    except ValueError:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}") from None


# -- collectives -------------------------------------------------------------------------------
def _check_tensor(t, name):
    from ..tensor import Tensor

    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"ember.Tensor but got {type(t)} instead.")


def _check_list(ts, name):
    if not isinstance(ts, (list, tuple)):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[ember.Tensor] but got {type(ts)} instead.")
    for t in ts:
        _check_tensor(t, name)


def _run(pg, what, requests, finish, async_op):
    work = Work(requests, finish, pg, what)
    if async_op:
        return work
    work.wait()
    return None


def _commit_all(*pairs):
    def finish():
        for buf, commit in pairs:
            if commit is not None:
                commit(buf)
    return finish


def _avg(buf, n, dtype):
    """Divide a summed buffer by `n` in place (integers: rounded toward zero, as NCCL does)."""
    if dtype.is_floating_point or dtype.is_complex:
        buf /= n
    else:
        buf[...] = (buf / n).astype(buf.dtype) if buf.dtype.kind != "b" else buf


def _then(first, then):
    def finish():
        then()
        first()
    return finish


def _debug_check(pg, what, tensor):
    """TORCH_DISTRIBUTED_DEBUG=DETAIL: compare shapes and dtypes across ranks before the
    collective, and raise naming each rank's if they differ (otherwise a mismatch can only show
    as an engine error or a timeout)."""
    if os.environ.get("TORCH_DISTRIBUTED_DEBUG", "").upper() != "DETAIL":
        return
    import numpy as np

    from .. import dtypes

    sig = np.full(10, -1, dtype=np.int64)
    shape = tuple(tensor.shape)
    if len(shape) > 8:
        shape = (int(np.prod(shape)),)
    sig[0] = dtypes.ALL_DTYPES.index(tensor.dtype)
    sig[1:1 + len(shape)] = shape
    sig[9] = len(shape)
    eng = pg.engine
    send, recv = eng.from_host(sig), eng.from_host(np.empty((eng.size, 10), dtype=np.int64))
    Work([eng.allgather(send, recv)], None, pg, f"{what} (debug check)").wait()
    out = eng.to_host(recv)
    if (out != sig).any():
        desc = ", ".join(f"rank {pg.ranks[i]}: {row[1:1 + row[9]].tolist()} "
                         f"{dtypes.ALL_DTYPES[row[0]]}" for i, row in enumerate(out))
        raise RuntimeError(f"Detected mismatch between collectives on ranks: {what} got tensors "
                           f"of different shapes or dtypes ({desc})")


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine `tensor` over the ranks of `group` with `op`; every rank gets the result in place."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    op = ReduceOp(op)
    _debug_check(pg, "all_reduce", tensor)
    eng = pg.engine
    buf, commit = eng.stage(tensor)
    finish = _commit_all((buf, commit))
    if op is ReduceOp.AVG:
        finish = _then(finish, lambda: _avg(buf, eng.size, tensor.dtype))
    req = eng.allreduce(buf, "sum" if op is ReduceOp.AVG else op.value)
    return _run(pg, "all_reduce", [req], finish, async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy `tensor` of rank `src` into `tensor` on every rank of `group`."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    root = _group_rank(pg, src, group_src, "src")
    _debug_check(pg, "broadcast", tensor)
    buf, commit = pg.engine.stage(tensor)
    finish = _commit_all((buf, commit)) if pg.engine.rank != root else None
    return _run(pg, "broadcast", [pg.engine.broadcast(buf, root)], finish, async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Combine `tensor` over the ranks with `op` into `tensor` of rank `dst` only."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    root = _group_rank(pg, dst, group_dst, "dst")
    op = ReduceOp(op)
    _debug_check(pg, "reduce", tensor)
    eng = pg.engine
    buf, commit = eng.stage(tensor)
    req = eng.reduce(buf, "sum" if op is ReduceOp.AVG else op.value, root)
    finish = None
    if eng.rank == root:
        finish = _commit_all((buf, commit))
        if op is ReduceOp.AVG:
            finish = _then(finish, lambda: _avg(buf, eng.size, tensor.dtype))
    return _run(pg, "reduce", [req], finish, async_op)


def _check_output(out, inp, n, what):
    if out.dtype != inp.dtype:
        raise TypeError(f"{what}: the output tensor's dtype {out.dtype} differs from the input's "
                        f"{inp.dtype}")
    if out.numel() != inp.numel() * n:
        raise ValueError(f"{what}: the output tensor has {out.numel()} elements; it must have "
                         f"world size ({n}) times the input's {inp.numel()}")


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Concatenate every rank's `input_tensor` (in rank order) into `output_tensor`, whose size
    is the world size times the input's (stacked along a new first dim, or along dim 0)."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    pg = _group(group)
    eng = pg.engine
    _check_output(output_tensor, input_tensor, eng.size, "all_gather_into_tensor")
    _debug_check(pg, "all_gather_into_tensor", input_tensor)
    send, _ = eng.stage(input_tensor)
    recv, commit = eng.stage(output_tensor)
    return _run(pg, "all_gather_into_tensor", [eng.allgather(send, recv)],
                _commit_all((recv, commit)), async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[i]`` with `tensor` of rank i, on every rank."""
    _check_list(tensor_list, "tensor_list")
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    eng = pg.engine
    if len(tensor_list) != eng.size:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors; it needs one "
                         f"per rank ({eng.size})")
    for t in tensor_list:
        if tuple(t.shape) != tuple(tensor.shape) or t.dtype != tensor.dtype:
            raise ValueError(f"all_gather: every tensor of tensor_list must have the shape and "
                             f"dtype of tensor ({list(tensor.shape)}, {tensor.dtype}); got "
                             f"{list(t.shape)}, {t.dtype}")
    _debug_check(pg, "all_gather", tensor)
    send, _ = eng.stage(tensor)
    recv = eng.empty((eng.size,) + tuple(send.shape), send)

    def finish():
        for i, t in enumerate(tensor_list):
            _engine_write(eng, t, recv[i])
    return _run(pg, "all_gather", [eng.allgather(send, recv)], finish, async_op)


def _engine_write(eng, tensor, part):
    """Write engine buffer `part` into `tensor` (through the engine's own staging)."""
    buf, commit = eng.stage(tensor)
    buf[...] = part
    if commit is not None:
        commit(buf)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Reduce `input` over the ranks with `op` and give rank i the i-th of world-size equal
    parts (along dim 0) in `output`."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = _group(group)
    eng = pg.engine
    if input.numel() != output.numel() * eng.size:
        raise ValueError(f"reduce_scatter_tensor: input tensor must be the same size as output "
                         f"size times world size ({input.numel()} != {output.numel()} * "
                         f"{eng.size})")
    if input.dtype != output.dtype:
        raise TypeError(f"reduce_scatter_tensor: input dtype {input.dtype} differs from output "
                        f"dtype {output.dtype}")
    op = ReduceOp(op)
    _debug_check(pg, "reduce_scatter_tensor", input)
    send, _ = eng.stage(input)
    recv, commit = eng.stage(output)
    finish = _commit_all((recv, commit))
    if op is ReduceOp.AVG:
        finish = _then(finish, lambda: _avg(recv, eng.size, output.dtype))
    req = eng.reduce_scatter(send, recv, "sum" if op is ReduceOp.AVG else op.value)
    return _run(pg, "reduce_scatter_tensor", [req], finish, async_op)


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Collect `tensor` of every rank into `gather_list` on rank `dst` (None elsewhere)."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    eng = pg.engine
    root = _group_rank(pg, 0 if dst is None and group_dst is None else dst, group_dst, "dst")
    send, _ = eng.stage(tensor)
    recv, finish = None, None
    if eng.rank == root:
        _check_list(gather_list, "gather_list")
        if len(gather_list) != eng.size:
            raise ValueError(f"gather: gather_list has {len(gather_list)} tensors on the "
                             f"destination; it needs one per rank ({eng.size})")
        recv = eng.empty((eng.size,) + tuple(send.shape), send)

        def finish():
            for i, t in enumerate(gather_list):
                _engine_write(eng, t, recv[i])
    elif gather_list:
        raise ValueError("gather: Argument ``gather_list`` must NOT be specified on "
                         "non-destination ranks.")
    return _run(pg, "gather", [eng.gather(send, recv, root)], finish, async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Give rank i ``scatter_list[i]`` of rank `src`, in `tensor`."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    eng = pg.engine
    root = _group_rank(pg, 0 if src is None and group_src is None else src, group_src, "src")
    recv, commit = eng.stage(tensor)
    send = None
    if eng.rank == root:
        _check_list(scatter_list, "scatter_list")
        if len(scatter_list) != eng.size:
            raise ValueError(f"scatter: scatter_list has {len(scatter_list)} tensors on the "
                             f"source; it needs one per rank ({eng.size})")
        send = eng.empty((eng.size,) + tuple(recv.shape), recv)
        for i, t in enumerate(scatter_list):
            if tuple(t.shape) != tuple(tensor.shape):
                raise ValueError(f"scatter: scatter_list[{i}] has shape {list(t.shape)}; tensor "
                                 f"has {list(tensor.shape)}")
            send[i] = eng.stage(t)[0]
    elif scatter_list:
        raise ValueError("scatter: Argument ``scatter_list`` must NOT be specified on non-source "
                         "ranks.")
    return _run(pg, "scatter", [eng.scatter(send, recv, root)], _commit_all((recv, commit)),
                async_op)


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Start sending `tensor` to rank `dst`; returns a Work."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    peer = _group_rank(pg, dst, group_dst, "dst")
    buf, _ = pg.engine.stage(tensor)
    return Work([pg.engine.send(buf, peer, tag)], None, pg, f"send to rank {dst}")


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Start receiving into `tensor` from rank `src` (any rank if None); returns a Work whose
    ``result()`` is the sender's global rank."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    peer = None if src is None and group_src is None else _group_rank(pg, src, group_src, "src")
    buf, commit = pg.engine.stage(tensor)
    req = pg.engine.recv(buf, peer, tag)

    def finish():
        if commit is not None:
            commit(buf)
        return pg.ranks[req.source] if req.source is not None else src
    return Work([req], finish, pg, f"recv from rank {'any' if src is None else src}")


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send `tensor` to rank `dst`, waiting until it has been taken."""
    isend(tensor, dst, group, tag, group_dst).wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into `tensor` from rank `src` (any rank if None); returns the sender's rank."""
    return irecv(tensor, src, group, tag, group_src).result()


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank of `group` has reached the barrier."""
    pg = _group(group)
    work = Work([pg.engine.barrier()], None, pg, "barrier")
    if async_op:
        return work
    work.wait(timeout)
    return None
