"""Run by tests/test_distributed.py on two processes (python -m ember.distributed.run
--nproc-per-node=2): the conformance suite's distributed checks (every collective, DDP against one
process with the whole batch) on each backend given, then the sampler, the shape check and the
timeout. Each check's outcome ("ok" or its traceback) goes to OUT_DIR/rank<R>.json, so that each
check fails for its own reason."""

import json
import os
import sys
import time

import ember
import ember.distributed as dist
from ember_conformance.distributed import checker, run_checks

RESULTS = {}
check = checker(RESULTS)


def sampler_checks(rank, n):
    from ember.utils.data.distributed import DistributedSampler

    @check("sampler splits the data set evenly across ranks, reshuffling per epoch")
    def _():
        s = DistributedSampler(range(11))
        assert s.num_replicas == n and s.rank == rank
        first = list(s)
        mine = ember.tensor(first)
        out = [ember.zeros(len(first), dtype=ember.int64) for _ in range(n)]
        dist.all_gather(out, mine)
        parts = [o.tolist() for o in out]
        union = sorted(sum(parts, []))
        assert set(union) == set(range(11)) and len(union) == n * len(s)
        s.set_epoch(1)
        assert list(s) != first


def mismatch_check(rank, n):
    @check("shape mismatch across ranks is reported under TORCH_DISTRIBUTED_DEBUG=DETAIL")
    def _():
        os.environ["TORCH_DISTRIBUTED_DEBUG"] = "DETAIL"
        try:
            dist.all_reduce(ember.ones(2 + rank))
        except RuntimeError as exc:
            assert "rank 0: [2]" in str(exc) and "rank 1: [3]" in str(exc), exc
        else:
            raise AssertionError("no error")
        finally:
            del os.environ["TORCH_DISTRIBUTED_DEBUG"]


def timeout_check(rank, n):
    @check("a collective that a rank never joins times out")
    def _():
        pg = dist.new_group(list(range(n)), timeout=1.0)
        if rank == 0:
            t = ember.ones(3)
            work = dist.all_reduce(t, group=pg, async_op=True)
            start = time.monotonic()
            try:
                work.wait()
            except RuntimeError as exc:
                assert "timed out" in str(exc), exc
                assert time.monotonic() - start < 10
            else:
                raise AssertionError("no timeout")
            dist.barrier()
            work.wait(timeout=30)  # rank 1 has now joined: the operation drains
        else:
            dist.barrier()  # rank 0 has seen its timeout
            dist.all_reduce(ember.ones(3), group=pg)


def main():
    dist.init_process_group(backend=os.environ.get("EMBER_TEST_ENGINE", "mpi"))
    rank, n = dist.get_rank(), dist.get_world_size()
    for backend in sys.argv[1].split(","):
        run_checks(backend, rank, n, RESULTS)
    sampler_checks(rank, n)
    mismatch_check(rank, n)
    timeout_check(rank, n)
    dist.barrier()
    dist.destroy_process_group()
    path = os.path.join(os.environ["OUT_DIR"], f"rank{rank}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(RESULTS, f)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
