"""Whole programs on each selected backend (see ``ember_conformance.programs``): a short
training run of an MLP and of a small CNN must follow the NumPy backend's loss curve; with
``--ember-perf`` (or ``--ember-max-slowdown=X``) a few ops and training steps are timed against
the NumPy backend, and with the threshold a backend more than X times slower fails."""

import json

import pytest

from ember_conformance import programs, report
from ember_conformance.cases import Case, selected_backends


def _params(metafunc, check, names):
    out = []
    for backend in selected_backends(metafunc.config):
        for name in names:
            case = Case(check, op=name, backend=backend)
            out.append(pytest.param(case, id=f"{backend}-{name}" if name != "*" else backend))
    return out


def pytest_generate_tests(metafunc):
    if "case" not in metafunc.fixturenames:
        return
    if metafunc.function.__name__ == "test_training":
        metafunc.parametrize("case", _params(metafunc, "program", programs.MODELS))
    else:
        metafunc.parametrize("case", _params(metafunc, "performance", ["*"]))


def _available(name):
    from ember_conformance.checks import backend_named

    b = backend_named(name)
    if b.status != "available":
        pytest.skip(f"backend {b.name} is {b.status}: {b.reason}")


def test_training(case):
    """An optimizer, a scheduler and a DataLoader for a few steps: the loss curve is the NumPy
    backend's, within ``programs.LOSS_RTOL``."""
    _available(case.backend)
    got = programs.train(case.backend, case.op)
    want = list(programs.reference_losses(case.op))
    report.note("ember_losses", {"losses": got, "numpy": want})
    problem = programs.compare_losses(got, want)
    assert problem is None, f"{case.op} on {case.backend}: {problem}"


def test_performance(case, request):
    """Seconds per op and per training step, as ratios to the NumPy backend."""
    config = request.config
    limit = config.getoption("ember_max_slowdown")
    if not (config.getoption("ember_perf") or limit is not None):
        pytest.skip("timings are opt-in: --ember-perf, or --ember-max-slowdown=X")
    _available(case.backend)
    perf = programs.performance(case.backend)
    report.note("ember_perf", perf)
    if limit is not None:
        slow = programs.too_slow(perf, limit)
        assert not slow, (f"{case.backend} is more than {limit:g}x slower than the NumPy backend "
                          f"(--ember-max-slowdown): {json.dumps(slow)}")
