"""Shared fixtures: run a test on each available backend, and the optional PyTorch oracle."""

import pytest

import ember
from ember import backends


def _backend_params():
    params = []
    for name, b in sorted(backends.installed().items()):
        # an unavailable backend (no GPU here) is skipped with its reason; a broken one fails
        marks = (pytest.mark.skip(reason=f"backend {name} is unavailable: {b.reason}"),) \
            if b.status == backends.UNAVAILABLE else ()
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.fixture(params=_backend_params())
def backend(request):
    """Each installed backend in turn, as the default backend for the test."""
    b = backends.installed()[request.param]
    if b.status == backends.BROKEN:
        pytest.fail(f"backend {b.name} is broken: {b.reason}")
    with ember.default_backend(request.param):
        yield request.param


@pytest.fixture
def torch():
    """PyTorch, as an oracle; tests that use it are skipped where it is not installed."""
    return pytest.importorskip("torch")
