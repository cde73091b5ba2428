"""``python -m ember.distributed.run``: start a data-parallel job, with torchrun's flags.

    python -m ember.distributed.run --nproc-per-node=2 train.py --epochs 3
    # two machines: on each, with its own --node-rank
    python -m ember.distributed.run --nnodes=2 --node-rank=0 --nproc-per-node=4 \\
        --master-addr=10.0.0.1 --master-port=29500 train.py

Each process gets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR and
MASTER_PORT, as under torchrun. The processes of a node are started by MPI's launcher
(``mpiexec``, from the ``mpich`` wheel or the system) when mpi4py is installed, so that they share
one MPI world; without mpi4py they are plain processes that meet in the rendezvous store. With
several nodes, node 0's launcher hosts the rendezvous store at MASTER_ADDR:MASTER_PORT.

If one process fails, its traceback is shown, the others are ended, and the launcher exits with
a non-zero status.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time


def _parser():
    p = argparse.ArgumentParser(prog="python -m ember.distributed.run",
                                description="Start a data-parallel ember job (torchrun's flags).")

    def flag(name, **kw):
        p.add_argument(*dict.fromkeys([f"--{name}", f"--{name.replace('-', '_')}"]), **kw)

    flag("nproc-per-node", default="1",
         help="processes on this node: a number, 'gpu' (one per CUDA device), 'cpu' (one per "
              "core) or 'auto' (gpu if there are any, else cpu)")
    flag("nnodes", default="1", help="number of nodes (N, or MIN:MAX with MIN == MAX)")
    flag("node-rank", type=int, default=0, help="this node's rank, 0 .. nnodes-1")
    flag("master-addr", default="127.0.0.1", help="address of node 0 (the rendezvous)")
    flag("master-port", type=int, default=29500, help="free port on node 0 for the rendezvous")
    p.add_argument("--standalone", action="store_true",
                   help="a single-node job on a free port")
    flag("launcher", choices=("auto", "mpi", "plain"), default="auto",
         help="start the node's processes with mpiexec (mpi), as plain processes (plain), or "
              "mpiexec when mpi4py is installed (auto)")
    p.add_argument("-m", "--module", action="store_true",
                   help="run the script as a module (python -m)")
    flag("max-restarts", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("script", help="the program every process runs")
    p.add_argument("script_args", nargs=argparse.REMAINDER)
    return p


def _nproc(value):
    if value == "gpu" or (value == "auto" and _gpus()):
        return _gpus()
    if value in ("cpu", "auto"):
        return os.cpu_count() or 1
    n = int(value)
    if n < 1:
        raise SystemExit(f"--nproc-per-node must be at least 1, got {n}")
    return n


def _gpus():
    import ember

    return ember.cuda.device_count()


def _nnodes(value):
    lo, _, hi = str(value).partition(":")
    if hi and hi != lo:
        raise SystemExit(f"--nnodes={value}: elastic ranges are not supported; give one number")
    return int(lo)


def mpiexec():
    """The MPI launcher next to this Python (a virtual environment with the mpich wheel), else
    the one on PATH; None if there is none."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.access(here, os.X_OK):
        return here
    return shutil.which("mpiexec")


def _use_mpi(choice):
    if choice == "plain":
        return False
    from . import _mpi

    ok = _mpi.available() is None and mpiexec() is not None
    if choice == "mpi" and not ok:
        raise SystemExit("--launcher=mpi: no mpiexec or mpi4py here; pip install "
                         "\"ember[distributed]\"")
    return ok


def _free_port():
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In a child, before it runs: be killed when the launcher dies, even by SIGKILL (Linux), so
    that a killed launcher never leaves ranks waiting in a collective."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _kill(procs):
    for p in procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 3
    for p in procs:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def _supervise(procs):
    """Wait for all processes; the first failure ends the others. Returns the exit status."""
    try:
        while True:
            codes = [p.poll() for p in procs]
            failed = [c for c in codes if c not in (None, 0)]
            if failed:
                _kill(procs)
                return failed[0] if failed[0] > 0 else 128 - failed[0]
            if all(c == 0 for c in codes):
                return 0
            time.sleep(0.05)
    except KeyboardInterrupt:
        _kill(procs)
        return 130


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    args = _parser().parse_args(argv)
    nproc, nnodes = _nproc(args.nproc_per_node), _nnodes(args.nnodes)
    if not 0 <= args.node_rank < nnodes:
        raise SystemExit(f"--node-rank={args.node_rank} must be in [0, {nnodes})")
    port = _free_port() if args.standalone else args.master_port
    env = dict(os.environ)
    env.update(MASTER_ADDR=args.master_addr, MASTER_PORT=str(port),
               WORLD_SIZE=str(nproc * nnodes), LOCAL_WORLD_SIZE=str(nproc),
               GROUP_RANK=str(args.node_rank), EMBER_RANK_OFFSET=str(args.node_rank * nproc))
    if nproc > 1 and "OMP_NUM_THREADS" not in env:
        env["OMP_NUM_THREADS"] = "1"  # as torchrun: N processes must not each take every core
    store = None
    if nnodes > 1 or not _use_mpi(args.launcher):
        env["EMBER_STORE_HOSTED"] = "1"
        if args.node_rank == 0:
            from ._store import TCPStore

            store = TCPStore(args.master_addr, port, nproc * nnodes, is_master=True)
    target = (["-m", args.script] if args.module else [args.script]) + args.script_args
    worker = [sys.executable, "-u", "-m", "ember.distributed._worker"] + target
    if _use_mpi(args.launcher):
        for key in ("RANK", "LOCAL_RANK"):  # mpiexec numbers the processes; _worker sets these
            env.pop(key, None)
        procs = [subprocess.Popen([mpiexec(), "-n", str(nproc)] + worker, env=env,
                                  start_new_session=True, preexec_fn=_die_with_parent)]
    else:
        procs = []
        for local in range(nproc):
            env_i = dict(env, LOCAL_RANK=str(local), RANK=str(args.node_rank * nproc + local))
            procs.append(subprocess.Popen(worker, env=env_i, start_new_session=True,
                                          preexec_fn=_die_with_parent))
    signal.signal(signal.SIGTERM, _on_sigterm)  # end the ranks too
    try:
        code = _supervise(procs)
    finally:
        if store is not None:
            store.close()
    if code != 0:
        print(f"[ember.distributed.run] the job failed (exit status {code})", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
