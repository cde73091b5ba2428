"""The conformance report: per-test results gathered on the pytest controller, written as a
matrix of ops x backends to ``conformance-report.json`` and ``conformance-report.md``."""

import datetime
import json
import os

# a cell's status is its worst test's, in this order
ORDER = ("failed", "stale", "xfail", "passed", "skipped")


class Result:
    """The outcome of one test, from its setup, call and teardown reports."""

    __slots__ = ("nodeid", "props", "status", "reason", "message", "seconds")

    def __init__(self, nodeid, props):
        self.nodeid = nodeid
        self.props = props
        self.status = None
        self.reason = ""
        self.message = ""
        self.seconds = 0.0


def outcome(report):
    """(status, reason, message) of one pytest report phase, or None if it adds nothing."""
    wasxfail = getattr(report, "wasxfail", None)
    if report.skipped:
        if wasxfail is not None:
            return "xfail", wasxfail, ""
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return "skipped", reason.removeprefix("Skipped: "), ""
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        msg = crash.message if crash is not None else str(report.longrepr)
        return "failed", "", msg.removeprefix("Failed: ")[:4000]
    if report.when == "call":
        return ("stale", wasxfail, "") if wasxfail is not None else ("passed", "", "")
    return None


class Collector:
    """Gathers results in the controller process (``pytest_runtest_logreport`` sees every
    worker's reports under xdist) and writes the report at the end of the session."""

    def __init__(self, config):
        self.config = config
        self.results = {}
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.paths = None

    def add(self, report):
        props = dict(report.user_properties)
        if "ember_check" not in props:
            return
        r = self.results.get(report.nodeid)
        if r is None:
            r = self.results[report.nodeid] = Result(report.nodeid, props)
        r.seconds += getattr(report, "duration", 0.0) or 0.0
        got = outcome(report)
        if got is None:
            return
        status, reason, message = got
        if r.status is None or ORDER.index(status) < ORDER.index(r.status):
            r.status, r.reason, r.message = status, reason, message

    # -- building ---------------------------------------------------------------------------------
    def build(self, backends):
        """The report as a dict: backends, the op x backend matrix, totals, stale entries."""
        from ember.ops import REGISTRY

        import ember

        results = [r for r in self.results.values() if r.status]
        stale = self._stale_entries(results)
        names = list(dict.fromkeys(list(backends) + sorted(
            {r.props["ember_backend"] for r in results} - {"*"})))
        status = {n: {"status": "not run", "reason": ""} for n in names}
        for r in results:
            if r.props["ember_check"] == "backend":
                state = {"passed": "available", "skipped": "unavailable",
                         "failed": "broken"}.get(r.status, r.status)
                status[r.props["ember_backend"]] = {
                    "status": state, "reason": r.reason or r.message}
        no_samples = {r.props["ember_op"]: r.message for r in results
                      if r.props["ember_check"] == "samples" and r.status == "failed"}

        matrix = {}
        for op in REGISTRY:
            row = matrix[op] = {}
            for b in names:
                mine = [r for r in results if r.props["ember_op"] == op
                        and r.props["ember_backend"] == b]
                row[b] = self._cell(mine, status[b], no_samples.get(op))
        totals = {}
        for b in names:
            counts = dict.fromkeys(ORDER, 0)
            seconds = 0.0
            for r in results:
                if r.props["ember_backend"] == b:
                    counts[r.status] += 1
                    seconds += r.seconds
            cells = dict.fromkeys(ORDER + ("not run",), 0)
            for op in matrix:
                cells[matrix[op][b]["status"]] += 1
            totals[b] = {"tests": counts, "ops": cells, "seconds": round(seconds, 2)}
        failures = [{"backend": r.props["ember_backend"], "op": r.props["ember_op"],
                     "check": r.props["ember_check"], "dtype": r.props["ember_dtype"],
                     "test": r.nodeid, "message": r.message}
                    for r in results if r.status == "failed"]
        return {"ember_version": ember.__version__,
                "started": self.started.isoformat(timespec="seconds"),
                "backends": status, "ops": sorted(REGISTRY), "matrix": matrix,
                "totals": totals, "stale": stale, "failures": failures,
                "ops_without_samples": sorted(no_samples)}

    @staticmethod
    def _stale_entries(results):
        """Expected-failure entries none of whose tests fails any more. A test that passes
        under an entry that still fails elsewhere counts as passed, not stale."""
        by_key = {}
        for r in results:
            if r.props.get("ember_xfail"):
                by_key.setdefault((r.props["ember_backend"], r.props["ember_xfail"]), []).append(r)
        stale = []
        for (backend, key), rs in sorted(by_key.items()):
            ran = [r for r in rs if r.status != "skipped"]
            if ran and all(r.status == "stale" for r in ran):
                reason = ran[0].reason.rpartition(" (expected failure")[0] or ran[0].reason
                stale.append({"backend": backend, "key": key, "reason": reason,
                              "tests": sorted(r.nodeid for r in ran)})
            else:
                for r in rs:
                    if r.status == "stale":
                        r.status = "passed"
        return stale

    @staticmethod
    def _cell(results, backend_status, no_samples):
        if no_samples is not None:
            return {"status": "failed", "reason": "no sample entry", "checks": {}}
        if backend_status["status"] == "broken":
            return {"status": "failed", "reason": f"backend broken: {backend_status['reason']}",
                    "checks": {}}
        if not results:
            reason = backend_status["reason"] if backend_status["status"] == "unavailable" else ""
            return {"status": "skipped" if reason else "not run", "reason": reason, "checks": {}}
        checks = {}
        for r in sorted(results, key=lambda r: r.nodeid):
            label = r.props["ember_check"] + (f"[{r.props['ember_dtype']}]"
                                              if r.props["ember_dtype"] else "")
            checks[label] = r.status if r.status != "skipped" else f"skipped: {r.reason}"
        worst = min(results, key=lambda r: ORDER.index(r.status))
        counts = {s: sum(1 for r in results if r.status == s) for s in ORDER}
        cell = {"status": worst.status, "counts": {k: v for k, v in counts.items() if v},
                "checks": checks, "reason": worst.reason}
        return cell

    # -- writing ----------------------------------------------------------------------------------
    def write(self, directory, backends):
        data = self.build(backends)
        os.makedirs(directory, exist_ok=True)
        json_path = os.path.join(directory, "conformance-report.json")
        md_path = os.path.join(directory, "conformance-report.md")
        with open(json_path, "w") as f:
            json.dump(data, f, indent=1)
        with open(md_path, "w") as f:
            f.write(markdown(data))
        self.paths = (json_path, md_path)
        return data


_SHORT = {"passed": "pass", "failed": "FAIL", "xfail": "xfail", "stale": "STALE",
          "skipped": "skip", "not run": "-"}


def _cell_text(cell):
    s = cell["status"]
    counts = cell.get("counts", {})
    n = sum(counts.values())
    if s == "passed":
        skipped = counts.get("skipped", 0)
        return f"pass {counts['passed']}/{n}" + (f" ({skipped} skip)" if skipped else "")
    if s == "failed":
        if not counts:  # the whole cell failed: a broken backend, or no sample entry
            return "**FAIL** (broken backend)" if cell["reason"].startswith("backend broken") \
                else "**FAIL** (no samples)"
        return f"**FAIL** {counts['failed']}/{n}"
    if s == "skipped":
        return "skip"
    return f"{_SHORT[s]} {counts.get(s, '')}".strip()


def markdown(data):
    """The report as Markdown: the matrix, totals, backend notes, stale entries, failures."""
    names = list(data["backends"])
    lines = ["# ember conformance report", "",
             f"ember {data['ember_version']}, run {data['started']}.", "",
             "Each cell: the op's worst outcome on that backend, and how many of its checks "
             "passed (forward and dtype run per dtype; grad in float64).", "",
             "## Backends", ""]
    for n, st in data["backends"].items():
        reason = f": {st['reason']}" if st["reason"] else ""
        lines.append(f"- **{n}**: {st['status']}{reason}")
    lines += ["", "## Totals", "", "| | " + " | ".join(names) + " |",
              "|---|" + "---|" * len(names)]
    for key in ORDER:
        lines.append(f"| tests {key} | "
                     + " | ".join(str(data["totals"][n]["tests"][key]) for n in names) + " |")
    for key in ORDER + ("not run",):
        lines.append(f"| ops {key} | "
                     + " | ".join(str(data["totals"][n]["ops"][key]) for n in names) + " |")
    lines.append("| test seconds (summed over workers) | "
                 + " | ".join(f"{data['totals'][n]['seconds']:.1f}" for n in names) + " |")
    lines += ["", "## Ops", "", "| op | " + " | ".join(names) + " |",
              "|---|" + "---|" * len(names)]
    for op in data["ops"]:
        row = data["matrix"][op]
        lines.append(f"| `{op}` | " + " | ".join(_cell_text(row[n]) for n in names) + " |")
    if data["ops_without_samples"]:
        lines += ["", "## Ops without sample entries", "",
                  "These ops are checked nowhere: add entries to ember_conformance/samples/.",
                  ""] + [f"- `{op}`" for op in data["ops_without_samples"]]
    lines += ["", "## Stale expected failures", ""]
    if data["stale"]:
        for s in data["stale"]:
            lines.append(f"- {s['backend']}: `{s['key']}` ({s['reason']}): all "
                         f"{len(s['tests'])} of its tests pass now; remove it from the "
                         f"backend's expected failures")
    else:
        lines.append("None.")
    cells = [c for op in data["ops"] for c in data["matrix"][op].values()]
    reasons = {v[len("skipped: "):] for c in cells for v in c["checks"].values()
               if v.startswith("skipped: ")}
    reasons |= {c["reason"] for c in cells if c["status"] == "skipped" and c["reason"]}
    lines += ["", "## Skip reasons", ""]
    lines += [f"- {r}" for r in sorted(reasons)] or ["None."]
    lines += ["", "## Failures", ""]
    if data["failures"]:
        for f in data["failures"]:
            first = f["message"].splitlines()[0] if f["message"] else ""
            lines.append(f"- `{f['test']}`: {first}")
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"
