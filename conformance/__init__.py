"""ember's conformance suite: the tests that certify a backend.

Run it with ``pytest --pyargs ember_conformance --ember-backend=NAME`` (or ``all``, or a comma
list); add ``-n auto`` with pytest-xdist. Tests are generated from ``ember.ops.REGISTRY`` and the
sample database (``samples/``); per op, backend and dtype they check forward values against a
float64 NumPy reference, result dtypes, gradients (``gradcheck`` / ``gradgradcheck`` in float64),
function/method/in-place variants, views, non-contiguous inputs and error inputs.

A backend lists known failures with its ``ember_backend_expected_failures`` hook, keyed
``"op"``, ``"op[check]"`` or ``"op[check-dtype]"`` (checks: see ``entries.CHECKS``); they are
expected failures, and one whose tests all pass is reported as stale. Each session writes
``conformance-report.json`` and ``conformance-report.md`` to ``--ember-report-dir``.

Inputs come from fixed seeds (``--ember-seed`` shifts them). By default every sample runs in
float32 and a quick selection in the other dtypes, which keeps backends that compile per shape
(JAX) fast; ``--ember-full`` runs everything.
"""
