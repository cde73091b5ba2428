"""The pytest plugin of the conformance suite (loaded through the ``pytest11`` entry point).

It adds ``--ember-backend``, ``--ember-report-dir`` and ``--ember-seed``, tags each conformance
test's report with its op, backend and check, and, in the controller process only, writes the
report at the end of the session. A session that runs no conformance test is left alone:
no report is written and nothing is imported beyond pytest.
"""

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
    group.addoption("--ember-distributed", action="store_true", default=False,
                    help="also run the distributed part (collectives and DDP on two processes)")


def pytest_configure(config):
    config.addinivalue_line("markers", "ember_conformance: a test of the ember conformance suite")
    if config.getoption("ember_backend", None):
        from .cases import selected_backends

        selected_backends(config)  # an unknown name is a usage error before anything runs
    if not hasattr(config, "workerinput"):  # the xdist controller, or a run without xdist
        from .report import Collector

        config.pluginmanager.register(_Hooks(Collector(config)), _COLLECTOR)


def pytest_collection_modifyitems(items):
    """Tag conformance tests: the report reads op, backend and check from user_properties."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        case = callspec.params.get("case") if callspec is not None else None
        if type(case).__name__ == "Case" and type(case).__module__.endswith("conformance.cases"):
            item.user_properties.extend(case.properties())
            item.add_marker("ember_conformance")


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
