"""The distributed part of the conformance suite: every collective of ``ember.distributed`` and
``DistributedDataParallel`` on one backend, on two processes, against a single-process reference
(NumPy for the collectives, the same model trained on the whole batch in one process for DDP).

A backend author runs it with ``pytest --pyargs ember_conformance --ember-backend=NAME
--ember-distributed``; each run starts ``python -m ember.distributed.run --nproc-per-node=2 -m
ember_conformance.distributed NAME`` (the engine is the one ``init_process_group()`` picks for
the backend, its own if its plugin offers one). ``run_checks`` is also what ember's own tests run.
"""

import contextlib
import json
import os
import sys
import traceback

import numpy as np

import ember
import ember.distributed as dist
from ember import nn


def checker(results):
    """A decorator factory: ``@check(name)`` runs the function now and records "ok" or its
    traceback under `name` in `results`, so that each check fails for its own reason."""
    def check(name):
        def run(fn):
            try:
                fn()
                results[name] = "ok"
            except Exception:  # noqa: BLE001 - reported per check
                results[name] = traceback.format_exc()
            return fn
        return run
    return check


def close(t, expected, tol=1e-6):
    got = np.asarray(t.tolist())
    assert got.shape == np.shape(expected), (got.shape, np.shape(expected))
    assert np.allclose(got, expected, atol=tol, rtol=tol), (got, expected)


def collectives(backend, rank, n, check):
    """Every collective on `backend`, in place, against NumPy."""
    p = f"{backend}:"
    with ember.default_backend(backend):
        others = [np.arange(6, dtype=np.float32).reshape(2, 3) * (r + 1) + r for r in range(n)]
        mine = ember.tensor(others[rank])
        stack = np.stack(others)
        for op, ref in (("SUM", stack.sum(0)), ("AVG", stack.mean(0)), ("MAX", stack.max(0)),
                        ("MIN", stack.min(0)), ("PRODUCT", stack.prod(0))):
            @check(f"{p}all_reduce[{op}]")
            def _(op=op, ref=ref):
                t = ember.tensor(others[rank])
                before = id(t)
                dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
                assert id(t) == before
                close(t, ref)

        @check(f"{p}all_reduce[int64]")
        def _():
            t = ember.tensor([rank + 1, 10 * rank - 3], dtype=ember.int64)
            dist.all_reduce(t, op=dist.ReduceOp.MAX)
            assert t.dtype == ember.int64
            assert t.tolist() == [n, 10 * (n - 1) - 3]

        @check(f"{p}all_reduce[bool]")
        def _():
            t = ember.tensor([rank == 0, False, True])
            dist.all_reduce(t)
            assert t.tolist() == [True, False, True]

        @check(f"{p}all_reduce[0-d]")
        def _():
            t = ember.tensor(float(rank + 1))
            dist.all_reduce(t)
            assert t.shape == () and t.item() == n * (n + 1) / 2

        @check(f"{p}all_reduce[non-contiguous view writes its base]")
        def _():
            base = ember.tensor(others[rank])
            view = base.t()
            dist.all_reduce(view)
            close(view, stack.sum(0).T)
            close(base, stack.sum(0))

        @check(f"{p}all_reduce[async_op]")
        def _():
            t = ember.tensor(others[rank])
            work = dist.all_reduce(t, async_op=True)
            assert work.wait() is True and work.is_completed()
            close(t, stack.sum(0))

        @check(f"{p}broadcast")
        def _():
            t = ember.tensor(others[rank])
            dist.broadcast(t, src=n - 1)
            close(t, others[n - 1])

        @check(f"{p}reduce")
        def _():
            t = ember.tensor(others[rank])
            dist.reduce(t, dst=0, op=dist.ReduceOp.SUM)
            close(t, stack.sum(0) if rank == 0 else others[rank])

        @check(f"{p}all_gather")
        def _():
            out = [ember.zeros(2, 3) for _ in range(n)]
            dist.all_gather(out, mine)
            for r in range(n):
                close(out[r], others[r])

        @check(f"{p}all_gather_into_tensor")
        def _():
            out = ember.zeros(n * 2, 3)
            dist.all_gather_into_tensor(out, mine)
            close(out, stack.reshape(n * 2, 3))
            stacked = ember.zeros(n, 2, 3)
            dist.all_gather_into_tensor(stacked, mine)
            close(stacked, stack)

        @check(f"{p}reduce_scatter_tensor")
        def _():
            inp = ember.tensor(np.concatenate([others[rank]] * n))
            out = ember.zeros(2, 3)
            dist.reduce_scatter_tensor(out, inp, op=dist.ReduceOp.MAX)
            close(out, stack.max(0))

        @check(f"{p}gather")
        def _():
            lst = [ember.zeros(2, 3) for _ in range(n)] if rank == 0 else None
            dist.gather(mine, lst, dst=0)
            if rank == 0:
                for r in range(n):
                    close(lst[r], others[r])

        @check(f"{p}scatter")
        def _():
            t = ember.zeros(2, 3)
            lst = [ember.tensor(o) for o in others] if rank == 0 else None
            dist.scatter(t, lst, src=0)
            close(t, others[rank])

        @check(f"{p}send/recv")
        def _():
            if rank == 0:
                dist.send(ember.tensor(others[0]), dst=1)
                t = ember.zeros(2, 3)
                assert dist.recv(t) == 1  # from any source
                close(t, others[1])
            elif rank == 1:
                t = ember.zeros(2, 3)
                assert dist.recv(t, src=0) == 0
                close(t, others[0])
                dist.send(ember.tensor(others[1]), dst=0)

        @check(f"{p}isend/irecv")
        def _():
            t = ember.zeros(2, 3)
            peer = (rank + 1) % n
            reqs = [dist.isend(ember.tensor(others[rank]), dst=peer),
                    dist.irecv(t, src=(rank - 1) % n)]
            for r in reqs:
                r.wait()
            close(t, others[(rank - 1) % n])

        @check(f"{p}new_group")
        def _():
            solo = dist.new_group([1])
            if rank == 1:
                assert dist.get_rank(solo) == 0 and dist.get_world_size(solo) == 1
                t = ember.tensor([5.0])
                dist.all_reduce(t, group=solo)
                assert t.tolist() == [5.0]
            else:
                assert solo is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(solo) == -1
            both = dist.new_group([0, 1])
            t = ember.tensor([float(rank)])
            dist.all_reduce(t, group=both)
            assert t.tolist() == [1.0]

        @check(f"{p}barrier")
        def _():
            dist.barrier()
            assert dist.barrier(async_op=True).wait()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.bn, self.fc2 = nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)
        self.unused = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc2(ember.relu(self.fc1(x)))


def ddp_checks(backend, rank, n, check):
    """DDP on `backend` (with its buckets, no_sync and unused parameters) against one process."""
    from ember.nn.parallel import DistributedDataParallel as DDP

    p = f"{backend}:"

    B = 4
    gen = np.random.default_rng(0)
    X = gen.standard_normal((n * B, 4)).astype(np.float32)
    Y = gen.integers(0, 3, n * B)
    loss_fn = nn.CrossEntropyLoss()

    def fresh():
        ember.manual_seed(0)
        with ember.default_backend(backend):
            return Net()

    # SGD sees the scale of the gradients (a sum instead of a mean fails it), Adam their
    # direction; accumulation with no_sync on one of them keeps the run short
    for opt_name, make_opt, accumulate in (
            ("SGD", lambda ps: ember.optim.SGD(ps, lr=0.1, momentum=0.9), 1),
            ("SGD", lambda ps: ember.optim.SGD(ps, lr=0.1, momentum=0.9), 2),
            ("Adam", lambda ps: ember.optim.Adam(ps, lr=0.01), 1)):
        @check(f"{p}ddp[{opt_name}, accumulate={accumulate}] equals one process with 2B")
        def _(make_opt=make_opt, accumulate=accumulate):
            ref, model = fresh(), fresh()
            if rank == 1:  # replicas start different: DDP must broadcast rank 0's state
                with ember.no_grad():
                    for q in model.parameters():
                        q.add_(1.0)
            ddp = DDP(model, bucket_cap_mb=0.0001, find_unused_parameters=True)
            opt_ref, opt = make_opt(ref.parameters()), make_opt(ddp.parameters())
            for step in range(3):
                opt_ref.zero_grad()
                opt.zero_grad()
                for micro in range(accumulate):
                    sl = slice(None) if accumulate == 1 else \
                        slice(micro * n * B // 2, (micro + 1) * n * B // 2)
                    xb, yb = X[sl], Y[sl]
                    with ember.default_backend(backend):
                        xt, yt = ember.tensor(xb), ember.tensor(yb)
                    (loss_fn(ref(xt), yt) / accumulate).backward()
                    per = len(xb) // n
                    mine = slice(rank * per, (rank + 1) * per)
                    ctx = ddp.no_sync() if micro < accumulate - 1 else contextlib.nullcontext()
                    with ctx, ember.default_backend(backend):
                        out = ddp(ember.tensor(xb[mine]))
                        (loss_fn(out, ember.tensor(yb[mine])) / accumulate).backward()
                opt_ref.step()
                opt.step()
            for (name, a), b in zip(ref.named_parameters(), model.parameters()):
                if name.startswith("unused"):
                    assert b.grad is None, name
                    continue
                close(b, np.asarray(a.tolist()), tol=1e-5)

    @check(f"{p}ddp buffers broadcast, module and state_dict as PyTorch")
    def _():
        model = fresh()
        with ember.no_grad():
            model.bn.running_mean.fill_(float(rank))
        ddp = DDP(model)
        assert model.bn.running_mean.tolist() == [0.0] * 8
        assert ddp.module is model
        assert list(ddp.state_dict()) == ["module." + k for k in model.state_dict()]

    @check(f"{p}ddp without find_unused_parameters reports the unused parameter")
    def _():
        ddp = DDP(fresh())
        with ember.default_backend(backend):
            xt, yt = ember.tensor(X[:B]), ember.tensor(Y[:B])
        loss_fn(ddp(xt), yt).backward()
        try:
            ddp(xt)
        except RuntimeError as exc:
            assert "find_unused_parameters=True" in str(exc)
        else:
            raise AssertionError("no error")


def run_checks(backend, rank, n, results):
    check = checker(results)
    collectives(backend, rank, n, check)
    ddp_checks(backend, rank, n, check)
    return results


def main(argv=None):
    """Under the launcher: ``-m ember_conformance.distributed BACKEND OUT_DIR``."""
    backend, out_dir = (argv or sys.argv[1:])[:2]
    ember.set_default_backend(backend)
    dist.init_process_group()
    rank, n = dist.get_rank(), dist.get_world_size()
    results = run_checks(backend, rank, n, {})
    dist.barrier()
    dist.destroy_process_group()
    path = os.path.join(out_dir, f"rank{rank}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(results, f)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
