"""The pytest plugin of the conformance suite (loaded through the ``pytest11`` entry point).

It adds ``--ember-backend``, ``--ember-report-dir``, ``--ember-seed`` and the opt-in parts
(``--ember-oracle=torch``, ``--ember-perf``, ``--ember-max-slowdown``, ...), tags each
conformance test's report with its op, backend and check (and the numbers it noted: drift,
losses, timings), and, in the controller process only, writes the report at the end of the
session. A session that runs no conformance test is left alone:
no report is written and nothing is imported beyond pytest.
"""

import pytest

_COLLECTOR = "ember-conformance-report"


def pytest_addoption(parser):
    group = parser.getgroup("ember", "ember conformance suite")
    group.addoption("--ember-backend", action="store", default=None, metavar="NAMES",
                    help="backends to certify: 'all' (every installed backend) or a comma "
                         "list such as 'numpy,jax'; default: $EMBER_BACKEND, else numpy")
    group.addoption("--ember-report-dir", action="store", default=".", metavar="DIR",
                    help="where conformance-report.json and .md are written (default: .)")
    group.addoption("--ember-seed", action="store", type=int, default=0, metavar="N",
                    help="offset added to every test's fixed input seed (default 0)")
    group.addoption("--ember-full", action="store_true", default=False,
                    help="run every sample for every dtype and every gradcheck sample (slower "
                         "on backends that compile per shape, such as JAX)")
    group.addoption("--ember-compile", action="store_true", default=False,
                    help="also check each op inside ember.compile on backends with a compiler "
                         "(against eager results and gradients)")
    group.addoption("--ember-hypothesis", action="store", type=int, default=0, metavar="N",
                    help="property-based mode: Hypothesis draws N inputs per op (shapes, dtypes, "
                         "layouts, values), derandomized, and shrinks a failure to a snippet")
    group.addoption("--ember-hypothesis-seed", action="store", type=int, default=None,
                    metavar="S", help="draw --ember-hypothesis inputs from seed S instead of "
                                      "the fixed derandomized sequence")
    group.addoption("--ember-distributed", action="store_true", default=False,
                    help="also run the distributed part (collectives and DDP on two processes)")
    group.addoption("--ember-check-contract", action="store_true", default=False,
                    help="check every kernel call against the kernel contract "
                         "(docs/backend-contract.md): what core passes and what kernels return")
    group.addoption("--ember-oracle", action="store", default=None, choices=("torch",),
                    help="also compare every sample with PyTorch (values, result dtypes, "
                         "gradients, exception types); differences listed in "
                         "ember_conformance/differences.py are expected failures")
    group.addoption("--ember-perf", action="store_true", default=False,
                    help="time a few ops and a training step on each backend against the "
                         "NumPy backend, as a column of the report")
    group.addoption("--ember-max-slowdown", action="store", type=float, default=None,
                    metavar="X", help="fail when an op or a training step is more than X "
                                      "times slower than on the NumPy backend (implies "
                                      "--ember-perf)")


def pytest_configure(config):
    config.addinivalue_line("markers", "ember_conformance: a test of the ember conformance suite")
    if config.getoption("ember_full", False):
        from . import generated

        generated.FULL = True  # every size, layout and dtype of the generated samples
    if config.getoption("ember_hypothesis", 0):
        from . import hypothesis_mode

        hypothesis_mode.EXAMPLES = config.getoption("ember_hypothesis")
        hypothesis_mode.SEED = config.getoption("ember_hypothesis_seed")
    if config.getoption("ember_oracle", None):
        from . import oracle

        missing = oracle.available()
        if missing:
            raise pytest.UsageError(f"--ember-oracle=torch: {missing}")
        oracle.ACTIVE = True
    if config.getoption("ember_backend", None):
        from .cases import selected_backends

        selected_backends(config)  # an unknown name is a usage error before anything runs
    if config.getoption("ember_check_contract", False):
        from .cases import selected_backends
        from .contract import ContractHooks

        config.pluginmanager.register(ContractHooks(selected_backends(config)),
                                      "ember-conformance-contract")
    if not hasattr(config, "workerinput"):  # the xdist controller, or a run without xdist
        from .report import Collector

        config.pluginmanager.register(_Hooks(Collector(config)), _COLLECTOR)


def pytest_collection_modifyitems(config, items):
    """Tag conformance tests: the report reads op, backend and check from user_properties
    (and, with the oracle, the deliberate difference that covers the test)."""
    oracle_on = bool(config.getoption("ember_oracle", None))
    if oracle_on:
        from . import differences, oracle
    for item in items:
        callspec = getattr(item, "callspec", None)
        case = callspec.params.get("case") if callspec is not None else None
        if type(case).__name__ == "Case" and type(case).__module__.endswith("conformance.cases"):
            item.user_properties.extend(case.properties())
            item.add_marker("ember_conformance")
            if oracle_on and case.check in oracle.CHECKED:
                found = differences.lookup(case.op, case.check, case.dtype)
                if found:
                    item.user_properties.append(("ember_difference", found[0]))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Numbers a check records while it runs (drift, timings) go into its report."""
    if not any(k == "ember_check" for k, _ in item.user_properties):
        yield  # not a conformance test: nothing to note, nothing imported
        return
    from . import report

    report.take_notes()
    yield
    item.user_properties.extend(report.take_notes())


class _Hooks:
    """The controller's hooks: gather every test's outcome, write and summarise the report."""

    def __init__(self, collector):
        self.collector = collector

    def pytest_runtest_logreport(self, report):
        self.collector.add(report)

    def pytest_sessionfinish(self, session):
        c = self.collector
        if not c.results:
            return
        from .cases import selected_backends

        config = session.config
        c.data = c.write(config.getoption("ember_report_dir") or ".",
                         selected_backends(config))

    def pytest_terminal_summary(self, terminalreporter):
        c = self.collector
        data = getattr(c, "data", None)
        if data is None:
            return
        tr = terminalreporter
        tr.section("ember conformance")
        for name, totals in data["totals"].items():
            t = totals["tests"]
            st = data["backends"].get(name, {})
            extra = f" ({st['status']}: {st['reason']})" if st.get("status") not in (
                "available", "not run") else ""
            tr.write_line(f"{name}{extra}: " + ", ".join(f"{v} {k}" for k, v in t.items() if v)
                          + f" ({totals['seconds']:.1f}s of test time)")
        if data["ops_without_samples"]:
            tr.write_line(f"ops without sample entries (failing): "
                          f"{', '.join(data['ops_without_samples'])}", red=True, bold=True)
        for s in data["stale"]:
            tr.write_line(f"STALE expected failure on {s['backend']}: {s['key']!r} - all "
                          f"{len(s['tests'])} of its tests pass now (e.g. {s['tests'][0]}); "
                          f"remove it from the backend's expected failures",
                          yellow=True, bold=True)
        if c.paths:
            tr.write_line(f"report: {c.paths[0]} and {c.paths[1]}")
