"""The conformance tests, generated from the op registry and the sample database.

Run them with ``pytest --pyargs ember_conformance --ember-backend=NAME`` (or ``all``).
"""

import pytest

from ember_conformance import cases, checks
from ember_conformance.entries import CHECKS


def pytest_generate_tests(metafunc):
    cases.parametrize(metafunc)


def test_has_samples(case):
    """Every op of the registry has a sample entry (add one to samples.ENTRIES)."""
    from ember_conformance.samples import ENTRIES

    if case.op not in ENTRIES:
        pytest.fail(f"op {case.op!r} is in ember's registry but has no entry in "
                    f"ember_conformance/samples/, so nothing checks it: add an Entry with "
                    f"samples, a NumPy reference, its dtypes and its error inputs.",
                    pytrace=False)


def test_every_entry_names_an_op():
    """No sample entry is left over from an op that was renamed or removed."""
    from ember.ops import REGISTRY
    from ember_conformance.samples import ENTRIES

    orphans = sorted(set(ENTRIES) - set(REGISTRY))
    assert not orphans, f"sample entries for ops not in the registry: {orphans}"


def test_backend_loads(case):
    """The backend imports and registers; an unavailable one is skipped with its reason."""
    b = checks.backend_named(case.backend)
    if b.status == "unavailable":
        pytest.skip(f"backend {b.name} is unavailable: {b.reason}")
    if b.status != "available":
        pytest.fail(f"backend {b.name} is {b.status}: {b.reason}", pytrace=False)


def test_expected_failures_known(case):
    """Each expected-failure key names an op of the registry and a known check."""
    from ember.ops import REGISTRY

    b = checks.backend_named(case.backend)
    if b.status != "available":
        pytest.skip(f"backend {b.name} is {b.status}")
    bad = []
    for key in b.expected_failures:
        op, _, rest = key.partition("[")
        check = rest.rstrip("]").split("-")[0] if rest else None
        if op not in REGISTRY or (check is not None and check not in CHECKS):
            bad.append(key)
    assert not bad, (f"backend {b.name}: expected-failure keys that match no test: {bad}; keys "
                     f"are 'op', 'op[check]' or 'op[check-dtype]' with check one of {CHECKS}")


def test_forward(case):
    checks.run(case)


def test_dtype(case):
    checks.run(case)


def test_grad(case):
    checks.run(case)


def test_gradgrad(case):
    checks.run(case)


def test_variants(case):
    checks.run(case)


def test_views(case):
    checks.run(case)


def test_noncontiguous(case):
    checks.run(case)


def test_errors(case):
    checks.run(case)


def test_rejects(case):
    checks.run(case)


def test_hypothesis(case):
    """Opt-in (``--ember-hypothesis=N``): N inputs drawn per op match the reference."""
    checks.run(case)


def test_compile(case):
    """Opt-in (``--ember-compile``): the op inside ``ember.compile`` gives the eager results."""
    checks.run(case)
