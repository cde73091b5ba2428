"""The conformance report: per-test results gathered on the pytest controller, written as a
matrix of ops x backends to ``conformance-report.json`` and ``conformance-report.md``."""

import datetime
import json
import os

# a cell's status is its worst test's, in this order
ORDER = ("failed", "stale", "xfail", "passed", "skipped")

# -- notes: numbers a running test adds to its report (drift, timings) ---------------------------
_NOTES = {}  # the running test's notes; the plugin moves them into its user_properties


def drift(got, expected, dtype):
    """Record the largest absolute and ULP error of a float result against the float64
    reference (ULPs of the result's dtype at the reference value) for the running test."""
    import numpy as np

    from .entries import AnyValues

    if not dtype.is_floating_point or not hasattr(got, "detach") or isinstance(
            expected, AnyValues):  # random ops and empty have no reference values
        return
    a = np.asarray(got.detach().numpy()).astype(np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape or not a.size:
        return
    keep = np.isfinite(a) & np.isfinite(e)
    if not keep.any():
        return
    a, e = a[keep], e[keep]
    err = np.abs(a - e)
    finfo = _finfo(dtype)
    ulp = finfo["eps"] * 2.0 ** np.floor(np.log2(np.maximum(np.abs(e), finfo["tiny"])))
    cur = _NOTES.setdefault("ember_drift", {"dtype": dtype.name, "abs": 0.0, "ulp": 0.0})
    cur["abs"] = max(cur["abs"], float(err.max()))
    cur["ulp"] = max(cur["ulp"], float((err / ulp).max()))


def _finfo(dtype):
    """eps and the smallest normal of an ember float dtype (bfloat16 without ml_dtypes too)."""
    import numpy as np

    if dtype.name == "bfloat16":
        return {"eps": 2.0 ** -7, "tiny": 2.0 ** -126}
    f = np.finfo(np.dtype(dtype.name))
    return {"eps": float(f.eps), "tiny": float(f.tiny)}


def note(key, value):
    """Add a number (or a small dict) to the running test's report."""
    _NOTES[key] = value


def take_notes():
    """The running test's notes, as user_properties (JSON text: plain strings for xdist)."""
    out = [(k, json.dumps(v)) for k, v in _NOTES.items()]
    _NOTES.clear()
    return out


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
        else:
            r.props.update(props)  # the call phase adds the notes it took (drift, timings)
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
        xfails = [{"backend": r.props["ember_backend"], "op": r.props["ember_op"],
                   "check": r.props["ember_check"], "dtype": r.props["ember_dtype"],
                   "test": r.nodeid, "reason": r.reason}
                  for r in results if r.status == "xfail"]
        return {"ember_version": ember.__version__,
                "started": self.started.isoformat(timespec="seconds"),
                "backends": status, "ops": sorted(REGISTRY), "matrix": matrix,
                "totals": totals, "stale": stale, "failures": failures,
                "ops_without_samples": sorted(no_samples), "xfails": xfails,
                "stale_differences": self._stale_differences(results),
                "drift": self._drift(results), "programs": self._programs(results),
                "performance": self._performance(results)}

    @staticmethod
    def _stale_differences(results):
        """Deliberate differences from PyTorch (--ember-oracle) under which no test differs."""
        by_key = {}
        for r in results:
            if r.props.get("ember_difference"):
                by_key.setdefault(r.props["ember_difference"], []).append(r)
        return sorted(key for key, rs in by_key.items()
                      if any(r.status == "passed" for r in rs)
                      and not any(r.status in ("xfail", "failed") for r in rs))

    @staticmethod
    def _drift(results):
        """{op: {backend: {dtype: {"abs", "ulp"}}}}: the largest error of a float result
        against the float64 reference over the forward samples."""
        out = {}
        for r in results:
            if "ember_drift" in r.props:
                d = json.loads(r.props["ember_drift"])
                per = out.setdefault(r.props["ember_op"], {}).setdefault(
                    r.props["ember_backend"], {})
                old = per.get(d["dtype"], {"abs": 0.0, "ulp": 0.0})  # another input dtype's
                per[d["dtype"]] = {"abs": max(old["abs"], d["abs"]),
                                   "ulp": max(old["ulp"], d["ulp"])}
        return dict(sorted(out.items()))

    @staticmethod
    def _programs(results):
        out = {}
        for r in results:
            if r.props["ember_check"] == "program":
                entry = {"status": r.status, "reason": r.reason or r.message}
                if "ember_losses" in r.props:
                    entry.update(json.loads(r.props["ember_losses"]))
                out.setdefault(r.props["ember_backend"], {})[r.props["ember_op"]] = entry
        return out

    @staticmethod
    def _performance(results):
        out = {}
        for r in results:
            if r.props["ember_check"] == "performance":
                entry = {"status": r.status, "reason": r.reason or r.message}
                if "ember_perf" in r.props:
                    entry["workloads"] = json.loads(r.props["ember_perf"])
                out[r.props["ember_backend"]] = entry
        return out

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
    lines += ["", COUNTS_EXPLAINED]
    lines += _programs_md(data, names) + _performance_md(data, names)
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
    lines += _xfails_md(data) + _drift_md(data, names)
    lines += ["", "## Failures", ""]
    if data["failures"]:
        for f in data["failures"]:
            first = f["message"].splitlines()[0] if f["message"] else ""
            lines.append(f"- `{f['test']}`: {first}")
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


COUNTS_EXPLAINED = (
    "How to read the counts: **tests** are pytest tests by outcome: one per op x check (x dtype "
    "for forward and dtype), plus the suite's own tests of each backend (loading, expected-failure "
    "keys, the training runs, the timings) and of each op (that it has samples, counted under "
    "`*`). *passed*: ran and agreed; *failed*: disagreed or crashed (listed under Failures); "
    "*xfail*: an expected failure, from the backend's `ember_backend_expected_failures` or a "
    "deliberate difference from PyTorch (`--ember-oracle`), listed with its reason under "
    "Expected failures; *stale*: an expected failure that passes now; *skipped*: could not run "
    "here (an unavailable backend, a dtype the backend lacks, an opt-in part), with the reasons "
    "under Skip reasons. **ops** are the ops of the registry by their worst test on the backend "
    "(*not run*: none of its tests was selected). Test seconds add up each test's own time.")


def _programs_md(data, names):
    progs = data.get("programs") or {}
    if not progs:
        return []
    models = sorted({m for b in progs.values() for m in b})
    lines = ["", "## Whole programs", "",
             "A short training run per backend (optimizer, scheduler, DataLoader, fixed data and "
             "weights): each cell is the final loss and the largest gap from the NumPy backend's "
             "loss at the same step.", "", "| program | " + " | ".join(names) + " |",
             "|---|" + "---|" * len(names)]
    for m in models:
        cells = []
        for n in names:
            e = progs.get(n, {}).get(m)
            if e is None:
                cells.append("-")
            elif "losses" in e and e["losses"]:
                gap = max(abs(a - b) for a, b in zip(e["losses"], e["numpy"]))
                word = {"passed": "pass", "failed": "**FAIL**"}.get(e["status"], e["status"])
                cells.append(f"{word}: {e['losses'][-1]:.5f} (gap {gap:.1e})")
            else:
                cells.append(f"{e['status']}" + (f": {e['reason'][:60]}" if e["reason"] else ""))
        lines.append(f"| {m} training | " + " | ".join(cells) + " |")
    return lines


def _performance_md(data, names):
    perf = data.get("performance") or {}
    measured = [n for n in names if perf.get(n, {}).get("workloads")]
    if not measured:
        return ["", "## Performance", "", "Not measured (opt-in: `--ember-perf`)."] if perf else []
    workloads = list(perf[measured[0]]["workloads"])
    lines = ["", "## Performance", "",
             "Time per call relative to the NumPy backend in the same process (lower is better; "
             "milliseconds in brackets). `--ember-max-slowdown=X` fails a backend above X.", "",
             "| workload | " + " | ".join(measured) + " |", "|---|" + "---|" * len(measured)]
    for w in workloads:
        cells = []
        for n in measured:
            v = perf[n]["workloads"].get(w)
            cells.append("-" if v is None else f"{v['ratio']:.2f}x ({v['seconds'] * 1e3:.3g} ms)")
        lines.append(f"| {w} | " + " | ".join(cells) + " |")
    return lines


def _xfails_md(data):
    lines = ["", "## Expected failures", ""]
    xf = data.get("xfails") or []
    if not xf:
        lines.append("None.")
    for x in xf:
        dt = f"-{x['dtype']}" if x["dtype"] else ""
        lines.append(f"- {x['backend']} `{x['op']}[{x['check']}{dt}]`: {x['reason']}")
    stale = data.get("stale_differences") or []
    if stale:
        lines += ["", "Deliberate differences from PyTorch that no longer differ (remove them "
                      "from ember_conformance/differences.py):", ""]
        lines += [f"- `{k}`" for k in stale]
    return lines


def _drift_md(data, names):
    drift = data.get("drift") or {}
    if not drift:
        return []
    lines = ["", "## Drift", "",
             "Largest error of float32 results against the float64 reference, over each op's "
             "forward samples: absolute / in ULPs of float32 at the reference value.", "",
             "| op | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for op, per in drift.items():
        cells = []
        for n in names:
            d = per.get(n, {}).get("float32")
            cells.append("-" if d is None else f"{d['abs']:.2g} / {d['ulp']:.3g}")
        if any(c != "-" for c in cells):
            lines.append(f"| `{op}` | " + " | ".join(cells) + " |")
    return lines
