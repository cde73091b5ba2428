"""ember.distributed, DistributedDataParallel and DistributedSampler.

The collectives and DDP run on two real processes started by the launcher (one launch runs every
check of tests/distributed/checks.py; each group of checks below reports its own failures). Every
subprocess has a timeout, so a hang fails the test instead of the suite."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

import ember
import ember.distributed as dist
from ember.utils.data.distributed import DistributedSampler

HERE = os.path.join(os.path.dirname(__file__), "distributed")
LAUNCH = [sys.executable, "-m", "ember.distributed.run"]

needs_mpi = pytest.mark.skipif(
    not dist.is_mpi_available(), reason='mpi4py is not installed (pip install "ember[distributed]")')


def _free_port():
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _launch(args, timeout=240, **kw):
    return subprocess.run(LAUNCH + args, capture_output=True, text=True, timeout=timeout, **kw)


def _backends():
    names = ["numpy"]
    jax = ember.backends.lookup("jax")
    if jax is not None and jax.available:
        names.append("jax")
    return names


@pytest.fixture(scope="module")
def two_rank_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, OUT_DIR=str(out))
    proc = _launch(["--standalone", "--nproc-per-node=2", os.path.join(HERE, "checks.py"),
                    ",".join(_backends())], env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = [json.load(open(out / f"rank{r}.json")) for r in range(2)]
    assert results[0].keys() == results[1].keys() and len(results[0]) > 40
    return results


def _failures(results, prefix, ddp=None):
    names = [k for k in results[0] if k.startswith(prefix)
             and (ddp is None or k.startswith(f"{prefix}ddp") == ddp)]
    assert names, f"no checks named {prefix!r} ran"
    return {f"rank {r}: {k}": res[k] for r, res in enumerate(results) for k in names
            if res[k] != "ok"}


@needs_mpi
@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("part", ["collectives", "ddp"])
def test_on_two_ranks(two_rank_results, backend, part):
    """The conformance suite's distributed checks (ember_conformance.distributed), per backend."""
    if backend not in _backends():
        pytest.skip(f"the {backend} backend is not available here")
    failed = _failures(two_rank_results, f"{backend}:", ddp=part == "ddp")
    assert not failed, "\n".join(f"{k}\n{v}" for k, v in failed.items())


@needs_mpi
@pytest.mark.parametrize("prefix", ["sampler", "shape mismatch",
                                    "a collective that a rank never joins"])
def test_sampler_mismatch_and_timeout_on_two_ranks(two_rank_results, prefix):
    failed = _failures(two_rank_results, prefix)
    assert not failed, "\n".join(f"{k}\n{v}" for k, v in failed.items())


@needs_mpi
def test_a_failing_rank_ends_the_job_with_its_traceback():
    start = time.monotonic()
    proc = _launch(["--standalone", "--nproc-per-node=2", os.path.join(HERE, "fails.py")],
                   timeout=60)
    assert proc.returncode != 0
    assert "ValueError: rank 1 fails on purpose" in proc.stderr
    assert "rank 1 failed" in proc.stderr
    assert time.monotonic() - start < 30


@needs_mpi
def test_launcher_joins_two_nodes_through_the_rendezvous():
    port = str(_free_port())
    common = ["--nnodes=2", "--nproc-per-node=1", "--master-addr=127.0.0.1",
              f"--master-port={port}", os.path.join(HERE, "hello.py")]
    node1 = subprocess.Popen(LAUNCH + ["--node-rank=1"] + common, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        node0 = _launch(["--node-rank=0"] + common, timeout=60)
        out1, err1 = node1.communicate(timeout=60)
    finally:
        node1.kill()
    assert node0.returncode == 0 and node1.returncode == 0, node0.stderr + err1
    assert "rank=0 size=2 env_rank=0 local=0 sum=3" in node0.stdout
    assert "rank=1 size=2 env_rank=1 local=0 sum=3" in out1


def test_collectives_before_init_raise_pytorchs_error():
    assert not dist.is_initialized()
    for call in (lambda: dist.all_reduce(ember.ones(1)), dist.get_rank, dist.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            call()
    with pytest.raises(RuntimeError):  # also a RuntimeError, as the issue and older PyTorch say
        dist.get_world_size()


def test_reduce_op_names():
    assert {op.name for op in dist.ReduceOp} == {"SUM", "AVG", "PRODUCT", "MIN", "MAX"}
    assert dist.Backend.MPI == "mpi" and dist.Backend("NCCL") == "nccl"


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 4, False),
                                                  (12, 4, False), (13, 2, True), (1, 3, False)])
def test_sampler_partition_matches_pytorch_unshuffled(torch, n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_sampler_shuffles_with_seed_plus_epoch():
    n, replicas = 10, 3
    samplers = [DistributedSampler(range(n), replicas, r, seed=7) for r in range(replicas)]
    for s in samplers:
        s.set_epoch(2)
    g = ember.Generator()
    g.manual_seed(7 + 2)
    perm = ember.randperm(n, generator=g).tolist()
    padded = perm + perm[:12 - n]
    for r, s in enumerate(samplers):
        assert list(s) == padded[r::replicas]


def test_sampler_rejects_a_rank_outside_the_replicas():
    with pytest.raises(ValueError,
                       match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        DistributedSampler(range(4), num_replicas=3, rank=3)


def test_nccl_engine_on_two_gpus(tmp_path):
    from ember.distributed import _nccl

    reason = _nccl.available()
    if reason is not None:
        pytest.skip(reason if reason == "no CUDA device" else f"NCCL unavailable: {reason}")
    import cupy

    if cupy.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("NCCL test needs two CUDA devices")
    env = dict(os.environ, OUT_DIR=str(tmp_path), EMBER_TEST_ENGINE="nccl")
    proc = _launch(["--standalone", "--nproc-per-node=2", os.path.join(HERE, "checks.py"),
                    "cupy"], env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    for r in range(2):
        res = json.load(open(tmp_path / f"rank{r}.json"))
        failed = {k: v for k, v in res.items() if v != "ok"}
        assert not failed, failed


LOOPBACK_PLUGIN = '''
import numpy as np
import ember
from ember.distributed._engine import DONE, Engine, host_stage
from ember_numpy.plugin import *  # noqa: F401,F403 - the numpy backend's hooks, under a new name

CALLS = []


class Loopback(Engine):
    """A one-rank engine that records what it is asked to do."""

    name, rank, size = "loopback", 0, 1

    def stage(self, tensor):
        return host_stage(tensor)

    def empty(self, shape, like):
        return np.empty(shape, dtype=like.dtype)

    def allreduce(self, buf, op):
        CALLS.append(("allreduce", op, buf.tolist()))
        buf *= 10  # visibly this engine's doing
        return DONE

    def barrier(self):
        CALLS.append(("barrier",))
        return DONE


@ember.hookimpl
def ember_backend_collectives():
    return {"loopback": lambda store_factory, env: Loopback()}
'''

LOOPBACK_SCRIPT = '''
import json
import ember, ember.distributed as dist
import fake_loop
out = {}
for how, default in (("default", "loop"), ("loopback", "numpy")):
    with ember.default_backend(default):
        dist.init_process_group(backend=None if how == "default" else how, world_size=1, rank=0)
        t = ember.tensor([1.0, 2.0])
    dist.all_reduce(t)
    dist.barrier()
    out[how] = {"engine": dist.get_backend(), "t": t.tolist(), "calls": fake_loop.CALLS[:]}
    dist.destroy_process_group()
    fake_loop.CALLS.clear()
print(json.dumps(out))
'''


def test_a_backend_plugin_brings_its_own_engine(tmp_path):
    """``ember_backend_collectives``: the default backend's engine for backend=None, and any
    plugin's engine by name."""
    (tmp_path / "fake_loop.py").write_text(LOOPBACK_PLUGIN)
    info = tmp_path / "fake_loop-0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake_loop\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text("[ember.backends]\nloop = fake_loop\n")
    (tmp_path / "script.py").write_text(LOOPBACK_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "EMBER_BACKEND")}
    env.update(PYTHONPATH=str(tmp_path))
    proc = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for how in ("default", "loopback"):
        assert out[how]["engine"] == "loopback", how
        assert out[how]["t"] == [10.0, 20.0], how
        assert out[how]["calls"] == [["allreduce", "sum", [1.0, 2.0]], ["barrier"]], how
