"""What ``python -m ember.distributed.run`` starts on each process: sets RANK and LOCAL_RANK from
the MPI launcher's numbering, runs the user's script as ``__main__``, and if it raises, prints the
traceback under the rank's name and aborts the whole job, so the other ranks never wait forever
in a collective for a rank that is gone."""

import os
import runpy
import sys
import time
import traceback


def _local_rank():
    env = os.environ
    for key in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "LOCAL_RANK"):
        if key in env:
            return int(env[key])
    return 0


def _abort(code):
    """End this rank and, through MPI when it is in use, every other rank of the job."""
    sys.stdout.flush()
    sys.stderr.flush()
    # the MPI launcher forwards each rank's output through a pipe and tears the pipes down on
    # an abort: give it a moment to pass on what was just written (the traceback)
    time.sleep(0.5)
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized():
        from . import _state

        world = _state["world"]
        comm = getattr(world.engine, "comm", None) if world is not None else None
        (comm if comm is not None and hasattr(comm, "Abort") else mpi.COMM_WORLD).Abort(code)
    os._exit(code)


def main(argv):
    local = _local_rank()
    os.environ["LOCAL_RANK"] = str(local)
    os.environ["RANK"] = str(int(os.environ.get("EMBER_RANK_OFFSET", "0")) + local)
    module = argv[0] == "-m"
    target, args = (argv[1], argv[2:]) if module else (argv[0], argv[1:])
    sys.argv = [target] + args
    rank = os.environ["RANK"]
    try:
        if module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if code != 0:
            if not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
            print(f"[ember.distributed] rank {rank} exited with code {code}", file=sys.stderr)
            _abort(code)
    except BaseException:  # noqa: BLE001 - any failure of the user's program ends the job
        # one write, so the header and the traceback reach the launcher together
        sys.stderr.write(f"[ember.distributed] rank {rank} failed:\n{traceback.format_exc()}")
        _abort(1)


if __name__ == "__main__":
    main(sys.argv[1:])
