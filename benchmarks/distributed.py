"""ember.distributed against raw mpi4py, and data-parallel training against one process.

    python -m benchmarks.distributed [--repeat 9] [--out benchmarks/distributed.md]

Three tables, all medians over repeats taken in one run (ratios, never pass/fail: machines are
noisy, and on a 2-core machine two processes share the cores with everything else):

- allreduce bandwidth of ``ember.distributed.all_reduce`` ÷ raw ``mpi4py`` ``Allreduce`` on the
  same NumPy buffers, 1 KiB to 64 MiB, two processes (target ≥ 0.9);
- MLP training throughput (samples/s) with 2 processes (DDP, same per-process batch) ÷ 1 process;
- overlap: the time of a DDP step ÷ the same step without communication (the bare model), on two
  processes: 1.0 would mean communication is entirely hidden behind backward.

The driver starts itself under ``python -m ember.distributed.run``; each launched run writes its
numbers as JSON for the driver to print.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SIZES = [2 ** k for k in range(10, 27, 2)]  # bytes: 1 KiB ... 64 MiB


def _median(fn, repeat, number):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def bench_allreduce(repeat):
    import numpy as np
    from mpi4py import MPI

    import ember
    import ember.distributed as dist

    comm = dist.group.WORLD.engine.comm
    rows = []
    for nbytes in SIZES:
        t = ember.ones(nbytes // 4)
        arr = t.numpy()
        number = max(1, min(200, (1 << 22) // nbytes))

        def raw():
            comm.Allreduce(MPI.IN_PLACE, arr)

        def ours():
            dist.all_reduce(t)

        comm.Barrier()
        t_raw = _median(raw, repeat, number)
        comm.Barrier()
        t_ours = _median(ours, repeat, number)
        np.copyto(arr, 1.0)
        rows.append({"bytes": nbytes, "mpi4py_s": t_raw, "ember_s": t_ours})
    return rows


def _mlp(ember):
    from ember import nn

    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


def bench_training(repeat, ddp):
    import numpy as np

    import ember
    import ember.distributed as dist
    import ember.nn.functional as F

    batch = 128
    model = _mlp(ember)
    net = ember.nn.parallel.DistributedDataParallel(model) if ddp else model
    opt = ember.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(dist.get_rank())
    x = ember.tensor(rng.standard_normal((batch, 784)).astype(np.float32))
    y = ember.tensor(rng.integers(0, 10, batch))

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    dist.barrier()
    seconds = _median(step, repeat, 5)
    return {"step_s": seconds, "samples_per_s": batch / seconds}


def worker(args):
    import ember.distributed as dist

    dist.init_process_group("mpi")
    out = {"world": dist.get_world_size()}
    if dist.get_world_size() > 1:
        out["allreduce"] = bench_allreduce(args.repeat)
        out["local_step"] = bench_training(args.repeat, ddp=False)
    out["ddp_step"] = bench_training(args.repeat, ddp=True)
    if dist.get_rank() == 0:
        with open(args.result, "w") as f:
            json.dump(out, f)
    dist.barrier()
    dist.destroy_process_group()


def launch(nproc, repeat):
    with tempfile.TemporaryDirectory() as tmp:
        result = os.path.join(tmp, "result.json")
        subprocess.run([sys.executable, "-m", "ember.distributed.run", "--standalone",
                        f"--nproc-per-node={nproc}", "-m", "benchmarks.distributed", "--worker",
                        "--result", result, "--repeat", str(repeat)], check=True, timeout=1800)
        with open(result) as f:
            return json.load(f)


def _size(n):
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


def report(two, one):
    lines = ["allreduce of float32, 2 processes: ember.distributed ÷ raw mpi4py (target ≥ 0.9)", "",
             "| size | mpi4py GB/s | ember GB/s | ember ÷ mpi4py |", "|---|---|---|---|"]
    for r in two["allreduce"]:
        raw, ours = r["bytes"] / r["mpi4py_s"] / 1e9, r["bytes"] / r["ember_s"] / 1e9
        lines.append(f"| {_size(r['bytes'])} | {raw:.3g} | {ours:.3g} | {ours / raw:.2f} |")
    s1, s2 = one["ddp_step"]["samples_per_s"], 2 * two["ddp_step"]["samples_per_s"]
    lines += ["", "MLP 784-512-512-10, SGD, batch 128 per process", "",
              "| | samples/s | ratio |", "|---|---|---|",
              f"| 1 process | {s1:.0f} | 1.00 |",
              f"| 2 processes (DDP) | {s2:.0f} | {s2 / s1:.2f} |", "",
              "| 2 processes | step (ms) | ratio |", "|---|---|---|",
              f"| bare model, no communication | {1e3 * two['local_step']['step_s']:.2f} | 1.00 |",
              f"| DDP | {1e3 * two['ddp_step']['step_s']:.2f} | "
              f"{two['ddp_step']['step_s'] / two['local_step']['step_s']:.2f} |"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=9)
    p.add_argument("--out", default=None, help="also write the tables to this Markdown file")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args)
    two, one = launch(2, args.repeat), launch(1, args.repeat)
    text = report(two, one)
    print(text)
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
