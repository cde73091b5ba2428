"""The ``"nccl"`` engine: NCCL through CuPy's bindings (``cupy.cuda.nccl``), on CUDA arrays.

Each rank drives one GPU (``LOCAL_RANK`` modulo the devices it sees). Rank 0 makes NCCL's unique
id and hands it to the others through MPI when the job was started by an MPI launcher, else
through the rendezvous store (MASTER_ADDR/MASTER_PORT). Operations are queued on the current CUDA
stream, so they are ordered with the computation around them; a request is done when a CUDA
event recorded after the operation has passed, which lets a wait give up at the group's timeout
(the communicator is then aborted, as ``ncclCommAbort`` is the only way out of a hung kernel).
"""

import os

from ._engine import Engine, host_stage, write_back


def _libs():
    try:
        import cupy
        from cupy.cuda import nccl
    except ImportError as exc:
        raise ImportError(f"the 'nccl' engine needs CuPy: pip install \"ember[cuda]\" ({exc})") \
            from None
    if not getattr(nccl, "available", False):
        raise ImportError("the 'nccl' engine needs NCCL for CuPy: pip install nvidia-nccl-cu12")
    return cupy, nccl


def available():
    """None if NCCL can run here, else why not."""
    try:
        cupy, _ = _libs()
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "no CUDA device"
    except ImportError as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - no driver, no device: CuPy raises its own errors
        return "no CUDA device"
    return None


class _Request:
    __slots__ = ("event", "finish")

    def __init__(self, event, finish=None):
        self.event, self.finish = event, finish

    def test(self):
        if not self.event.done:
            return False
        if self.finish is not None:
            finish, self.finish = self.finish, None
            finish()
        return True


class NCCLEngine(Engine):
    """A NCCL communicator as an ember.distributed engine."""

    name = "nccl"

    def __init__(self, comm, rank, size, subgroup_factory=None):
        self.cupy, self.nccl = _libs()
        self.comm, self.rank, self.size = comm, rank, size
        self._subgroup = subgroup_factory
        n = self.nccl
        self._ops = {"sum": n.NCCL_SUM, "product": n.NCCL_PROD, "max": n.NCCL_MAX,
                     "min": n.NCCL_MIN}
        self._types = {"int8": n.NCCL_INT8, "uint8": n.NCCL_UINT8, "bool": n.NCCL_UINT8,
                       "int32": n.NCCL_INT32, "uint32": n.NCCL_UINT32, "int64": n.NCCL_INT64,
                       "uint64": n.NCCL_UINT64, "float16": n.NCCL_FLOAT16,
                       "float32": n.NCCL_FLOAT32, "float64": n.NCCL_FLOAT64,
                       "bfloat16": n.NCCL_BFLOAT16}

    # -- buffers -----------------------------------------------------------------------------
    def stage(self, tensor):
        cp = self.cupy
        raw = tensor._data
        if isinstance(raw, cp.ndarray):
            if raw.flags.c_contiguous:
                return raw, None
            buf = cp.ascontiguousarray(raw)
            return buf, lambda b: write_back(tensor, b)
        if tensor._backend.dlpack:  # a CUDA array of another library (JAX on a GPU)
            buf = cp.ascontiguousarray(cp.from_dlpack(raw))
            return buf, lambda b: _host_write(tensor, b)
        host, _ = host_stage(tensor)
        return cp.asarray(host), lambda b: _host_write(tensor, b)

    def empty(self, shape, like):
        return self.cupy.empty(shape, dtype=like.dtype)

    def from_host(self, array):
        return self.cupy.asarray(array)

    def to_host(self, buf):
        return buf.get()

    def _args(self, buf, op=None):
        try:
            dt = self._types[buf.dtype.name]
        except KeyError:
            raise TypeError(f"NCCL cannot carry tensors of dtype {buf.dtype}") from None
        if buf.dtype.kind == "c":
            raise TypeError("NCCL has no complex types: view complex tensors as real pairs")
        mop = None
        if op is not None:
            mop = self._ops[op]
            if buf.dtype.kind == "b":
                mop = self.nccl.NCCL_MAX if op in ("sum", "max") else self.nccl.NCCL_MIN
        return buf.data.ptr, buf.size, dt, mop

    def _queued(self, finish=None):
        stream = self.cupy.cuda.get_current_stream()
        event = self.cupy.cuda.Event(block=False, disable_timing=True)
        event.record(stream)
        return _Request(event, finish)

    @property
    def _stream(self):
        return self.cupy.cuda.get_current_stream().ptr

    # -- operations ----------------------------------------------------------------------------
    def allreduce(self, buf, op):
        ptr, count, dt, mop = self._args(buf, op)
        self.comm.allReduce(ptr, ptr, count, dt, mop, self._stream)
        return self._queued()

    def broadcast(self, buf, root):
        ptr, count, dt, _ = self._args(buf)
        self.comm.bcast(ptr, count, dt, root, self._stream)
        return self._queued()

    def reduce(self, buf, op, root):
        ptr, count, dt, mop = self._args(buf, op)
        self.comm.reduce(ptr, ptr, count, dt, mop, root, self._stream)
        return self._queued()

    def allgather(self, send, recv):
        ptr, count, dt, _ = self._args(send)
        self.comm.allGather(ptr, recv.data.ptr, count, dt, self._stream)
        return self._queued()

    def reduce_scatter(self, send, recv, op):
        ptr, count, dt, mop = self._args(recv, op)
        self.comm.reduceScatter(send.data.ptr, ptr, count, dt, mop, self._stream)
        return self._queued()

    def _grouped(self, calls):
        self.nccl.groupStart()
        try:
            for call in calls:
                call()
        finally:
            self.nccl.groupEnd()
        return self._queued()

    def gather(self, send, recv, root):
        ptr, count, dt, _ = self._args(send)
        calls = [lambda: self.comm.send(ptr, count, dt, root, self._stream)]
        if self.rank == root:
            calls += [(lambda r: lambda: self.comm.recv(recv[r].data.ptr, count, dt, r,
                                                        self._stream))(r)
                      for r in range(self.size)]
        return self._grouped(calls)

    def scatter(self, send, recv, root):
        ptr, count, dt, _ = self._args(recv)
        calls = [lambda: self.comm.recv(ptr, count, dt, root, self._stream)]
        if self.rank == root:
            calls += [(lambda r: lambda: self.comm.send(send[r].data.ptr, count, dt, r,
                                                        self._stream))(r)
                      for r in range(self.size)]
        return self._grouped(calls)

    def send(self, buf, dst, tag):
        ptr, count, dt, _ = self._args(buf)
        self.comm.send(ptr, count, dt, dst, self._stream)
        return self._queued()

    def recv(self, buf, src, tag):
        if src is None:
            raise RuntimeError("NCCL cannot receive from any source: give recv() a src rank")
        ptr, count, dt, _ = self._args(buf)
        self.comm.recv(ptr, count, dt, src, self._stream)
        return _WithSource(self._queued(), src)

    def barrier(self):
        one = self.cupy.zeros(1, dtype=self.cupy.float32)
        return self.allreduce(one, "sum")

    def split(self, ranks):
        if self._subgroup is None:
            raise RuntimeError("this NCCL communicator cannot make subgroups")
        return self._subgroup(ranks)

    def abort(self, code=1):
        self.comm.abort()

    def close(self):
        self.comm.destroy()


class _WithSource:
    __slots__ = ("req", "source")

    def __init__(self, req, source):
        self.req, self.source = req, source

    def test(self):
        return self.req.test()


def _host_write(tensor, buf):
    write_back(tensor, tensor._backend.kernels["from_numpy"](buf.get()))


def _unique_id(tag, rank, members, store_factory):
    """NCCL's unique id for the communicator of `members`, made by its first member. Every rank
    of the world calls this (through MPI all take part; through the store only members)."""
    from . import _mpi

    _, nccl = _libs()
    first = rank == members[0]
    if _mpi.available() is None and _mpi._launched_by_mpi():
        import numpy as np
        from mpi4py import MPI

        buf = np.array(nccl.get_unique_id() if first else [0] * 128,  # NCCL_UNIQUE_ID_BYTES
                       dtype=np.int64)
        MPI.COMM_WORLD.Bcast(buf, root=members[0])  # plain integers: nothing is unpickled
        return tuple(int(x) for x in buf)
    if rank not in members:
        return None
    store = store_factory()
    key = f"nccl/uid/{tag}"
    if first:
        uid = nccl.get_unique_id()
        store.set(key, ",".join(map(str, uid)))
        return uid
    return tuple(int(x) for x in store.get(key).decode().split(","))


def world(store_factory, env):
    """The NCCL engine of the whole job; this rank uses GPU ``LOCAL_RANK % device count``."""
    cupy, nccl = _libs()
    reason = available()
    if reason is not None:
        raise RuntimeError(f"the 'nccl' engine cannot run here: {reason}")
    rank, size = env["rank"], env["world_size"]
    local = int(os.environ.get("LOCAL_RANK", os.environ.get("MPI_LOCALRANKID", rank)))
    cupy.cuda.Device(local % cupy.cuda.runtime.getDeviceCount()).use()
    groups = [0]

    def make(members):
        groups[0] += 1
        tag = groups[0]
        uid = _unique_id(tag, rank, members, store_factory)
        if rank not in members:
            return None
        comm = nccl.NcclCommunicator(len(members), uid, members.index(rank))
        return NCCLEngine(comm, members.index(rank), len(members), make)

    uid = _unique_id(0, rank, list(range(size)), store_factory)
    return NCCLEngine(nccl.NcclCommunicator(size, uid, rank), rank, size, make)

