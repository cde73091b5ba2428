"""The distributed part of the suite (``--ember-distributed``): every collective and DDP on each
selected backend, on two processes started by ``python -m ember.distributed.run``, against a
single-process reference (see ``ember_conformance.distributed``). It is opt-in because it starts
processes: a backend author runs it with
``pytest --pyargs ember_conformance --ember-backend=NAME --ember-distributed``."""

import json
import subprocess
import sys

import pytest


def pytest_generate_tests(metafunc):
    if "backend_name" in metafunc.fixturenames:
        from ember_conformance.cases import selected_backends

        metafunc.parametrize("backend_name", selected_backends(metafunc.config))


def test_collectives_and_ddp_on_two_processes(backend_name, request, tmp_path):
    if not request.config.getoption("ember_distributed"):
        pytest.skip("the distributed part starts processes: run it with --ember-distributed")
    import ember
    import ember.distributed as dist

    b = ember.backends.lookup(backend_name)
    if b is None or not b.available:
        pytest.skip(f"backend {backend_name!r} is not available: "
                    f"{b.reason if b is not None else 'not installed'}")
    if not dist.is_mpi_available():
        pytest.skip("mpi4py is not installed (pip install \"ember[distributed]\")")
    proc = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--standalone",
                           "--nproc-per-node=2", "-m", "ember_conformance.distributed",
                           backend_name, str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    failed = {}
    for r in range(2):
        results = json.loads((tmp_path / f"rank{r}.json").read_text())
        assert results, "no check ran"
        failed.update({f"rank {r}: {k}": v for k, v in results.items() if v != "ok"})
    assert not failed, "\n".join(f"{k}\n{v}" for k, v in failed.items())
