"""The ``"mpi"`` engine: MPI through mpi4py, on host (NumPy) arrays.

NumPy tensors are sent from their own memory when contiguous; JAX and any other backend whose
arrays NumPy can read go through a host copy. Every operation is MPI's non-blocking form
(``Iallreduce``, ``Ibcast`` ...), so ``async_op=True`` overlaps with computation and a wait can give
up at the process group's timeout. MPI comes from the ``mpich`` wheel (``pip install
"ember[distributed]"``), or any MPI that mpi4py was built against.
"""

import importlib.util
import os

import numpy as np

from ._engine import Engine, host_stage


def mpi():
    """mpi4py's MPI module, or an ImportError saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError(f"the 'mpi' engine of ember.distributed needs mpi4py and an MPI "
                          f"library: pip install \"ember[distributed]\" ({exc})") from None
    return MPI


def available():
    """None if mpi4py is installed, else why not (without initialising MPI in this process)."""
    if importlib.util.find_spec("mpi4py") is None:
        return ("the 'mpi' engine of ember.distributed needs mpi4py and an MPI library: pip "
                "install \"ember[distributed]\"")
    return None


class _Request:
    __slots__ = ("req", "finish")

    def __init__(self, req, finish=None):
        self.req, self.finish = req, finish

    def test(self):
        if not self.req.Test():
            return False
        if self.finish is not None:
            finish, self.finish = self.finish, None
            finish()
        return True


class MPIEngine(Engine):
    """An MPI intracommunicator as an ember.distributed engine."""

    name = "mpi"

    def __init__(self, comm):
        self.MPI = mpi()
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        M = self.MPI
        self._ops = {"sum": M.SUM, "product": M.PROD, "max": M.MAX, "min": M.MIN}

    # -- buffers -----------------------------------------------------------------------------
    def stage(self, tensor):
        return host_stage(tensor)

    def empty(self, shape, like):
        return np.empty(shape, dtype=like.dtype)

    def _wire(self, buf, op=None):
        """(array MPI can carry, MPI op, function copying a result back into `buf` or None).
        Booleans travel as uint8 (sum and max are logical or, product and min logical and);
        dtypes MPI lacks (bfloat16) as float32."""
        mpi_op = None if op is None else self._ops[op]
        if buf.dtype == np.bool_:
            if op is not None:
                mpi_op = self.MPI.MAX if op in ("sum", "max") else self.MPI.MIN
            return buf.view(np.uint8), mpi_op, None
        if buf.dtype.kind == "V" or buf.dtype.char not in self.MPI._typedict:
            wide = buf.astype(np.float32)
            return wide, mpi_op, lambda: np.copyto(buf, wide.astype(buf.dtype))
        if op in ("max", "min") and buf.dtype.kind == "c":
            raise RuntimeError(f"ReduceOp.{op.upper()} is not defined for complex tensors "
                               f"({buf.dtype})")
        return buf, mpi_op, None

    def _start(self, req, *finishers):
        fs = [f for f in finishers if f is not None]
        return _Request(req, (lambda: [f() for f in fs]) if fs else None)

    # -- operations ----------------------------------------------------------------------------
    def allreduce(self, buf, op):
        w, mop, back = self._wire(buf, op)
        return self._start(self.comm.Iallreduce(self.MPI.IN_PLACE, w, op=mop), back)

    def broadcast(self, buf, root):
        w, _, back = self._wire(buf)
        return self._start(self.comm.Ibcast(w, root=root), back)

    def reduce(self, buf, op, root):
        w, mop, back = self._wire(buf, op)
        if self.rank == root:
            return self._start(self.comm.Ireduce(self.MPI.IN_PLACE, w, op=mop, root=root), back)
        return self._start(self.comm.Ireduce(w, None, op=mop, root=root))

    def allgather(self, send, recv):
        ws, _, _ = self._wire(send)
        wr, _, back = self._wire(recv)
        return self._start(self.comm.Iallgather(ws, wr), back)

    def reduce_scatter(self, send, recv, op):
        ws, mop, _ = self._wire(send, op)
        wr, _, back = self._wire(recv, op)
        return self._start(self.comm.Ireduce_scatter_block(ws, wr, op=mop), back)

    def gather(self, send, recv, root):
        ws, _, _ = self._wire(send)
        if self.rank != root:
            return self._start(self.comm.Igather(ws, None, root=root))
        wr, _, back = self._wire(recv)
        return self._start(self.comm.Igather(ws, wr, root=root), back)

    def scatter(self, send, recv, root):
        wr, _, back = self._wire(recv)
        ws = self._wire(send)[0] if self.rank == root else None
        return self._start(self.comm.Iscatter(ws, wr, root=root), back)

    def send(self, buf, dst, tag):
        w, _, _ = self._wire(buf)
        return self._start(self.comm.Isend(w, dest=dst, tag=tag))

    def recv(self, buf, src, tag):
        """Receive into `buf`; `src` None accepts any sender. The request's ``source`` is the
        sender's rank once it completes."""
        w, _, back = self._wire(buf)
        status = self.MPI.Status()
        req = self.comm.Irecv(w, source=self.MPI.ANY_SOURCE if src is None else src, tag=tag)
        r = _RecvRequest(req, back, status)
        return r

    def barrier(self):
        return self._start(self.comm.Ibarrier())

    def split(self, ranks):
        color = 0 if self.rank in ranks else self.MPI.UNDEFINED
        key = ranks.index(self.rank) if self.rank in ranks else 0
        sub = self.comm.Split(color, key)
        return None if sub == self.MPI.COMM_NULL else MPIEngine(sub)

    def abort(self, code=1):
        self.comm.Abort(code)

    def close(self):
        if self.comm not in (self.MPI.COMM_WORLD, self.MPI.COMM_SELF):
            self.comm.Free()


class _RecvRequest:
    __slots__ = ("req", "finish", "status", "source")

    def __init__(self, req, finish, status):
        self.req, self.finish, self.status, self.source = req, finish, status, None

    def test(self):
        if not self.req.Test(self.status):
            return False
        self.source = self.status.Get_source()
        if self.finish is not None:
            finish, self.finish = self.finish, None
            finish()
        return True


def world(store_factory, env):
    """The MPI engine of the whole job, ranked by RANK.

    Processes started by one ``mpiexec`` (or ``srun``) share ``COMM_WORLD``. When the job spans
    several of them (the launcher on each of several nodes), the leaders of those worlds connect
    through MPI ports whose names they exchange in the rendezvous store, and the merged
    communicator is reordered so that each process's rank is its RANK.
    """
    MPI = mpi()
    comm = MPI.COMM_WORLD
    world_size, rank = env["world_size"], env["rank"]
    if comm.Get_size() == world_size:
        if rank is not None and comm.Get_size() > 1 and rank != comm.Get_rank():
            comm = comm.Split(0, rank)
        return MPIEngine(comm)
    if comm.Get_size() > world_size:
        raise RuntimeError(f"the MPI job has {comm.Get_size()} processes but WORLD_SIZE is "
                           f"{world_size}")
    if comm.Get_size() == 1 and not _launched_by_mpi():
        raise RuntimeError(
            f"the 'mpi' engine needs its {world_size} processes started by an MPI launcher: run "
            f"the program with `python -m ember.distributed.run --nproc-per-node=N script.py` "
            f"(or mpiexec -n N / srun), not as separate plain processes")
    store = store_factory()
    # one "node" per mpiexec: its processes share COMM_WORLD; its id is the lowest RANK in it
    node = comm.allreduce(rank, op=MPI.MIN)
    size = comm.Get_size()
    if comm.Get_rank() == 0:
        store.set(f"mpi/node/{node}", str(size))
    nodes, seen, r = [], 0, 0
    while seen < world_size:  # nodes hold consecutive RANKs, so walk them in order
        n = int(store.get(f"mpi/node/{r}").decode())
        nodes.append(r)
        seen, r = seen + n, r + n
    merged = comm
    if node == 0:
        port = MPI.Open_port() if comm.Get_rank() == 0 else None
        if comm.Get_rank() == 0:
            store.set("mpi/port", port)
        for _ in nodes[1:]:
            inter = merged.Accept(port, root=0)
            merged = inter.Merge(high=False)
        if comm.Get_rank() == 0:
            MPI.Close_port(port)
    else:
        port = store.get("mpi/port").decode() if comm.Get_rank() == 0 else None
        index = nodes.index(node)
        if comm.Get_rank() == 0:  # wait for the nodes before this one to have joined
            for prev in nodes[1:index]:
                store.get(f"mpi/joined/{prev}")
        comm.Barrier()
        inter = comm.Connect(port, root=0)
        merged = inter.Merge(high=True)
        if comm.Get_rank() == 0:
            store.set(f"mpi/joined/{node}", "1")
        for _ in nodes[index + 1:]:
            inter = merged.Accept(port, root=0)
            merged = inter.Merge(high=False)
    return MPIEngine(merged.Split(0, rank))


def _launched_by_mpi():
    return any(k in os.environ for k in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK",
                                         "SLURM_PROCID"))
