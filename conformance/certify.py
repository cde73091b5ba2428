"""Certificates: one backend's conformance run as a signed-off record, and many merged.

``certify`` runs the whole suite for one backend (with the PyTorch oracle when PyTorch is
installed, the whole programs and the timings) and writes ``certificate-NAME.json`` and
``certificate-NAME.md``; ``merge`` reads certificates (from a CI matrix) and writes one table of
ops x backends. A certificate carries a SHA-256 of its own content (``sha256``, computed over
the rest of the document as canonical JSON), which ``merge`` checks.
"""

import datetime
import hashlib
import json
import os
import platform
import sys

FORMAT = 1  # the certificate's layout; bumped when a field changes meaning


# -- building ---------------------------------------------------------------------------------------
def _backend_info(name):
    from ember import backends

    b = backends.lookup(name)
    if b is None:
        return {"name": name, "status": "not installed"}
    dist = getattr(getattr(b.entry_point, "dist", None), "name", None)
    return {"name": name, "status": b.status, "reason": b.reason or "",
            "library": b.library, "version": b.version, "distribution": dist}


def _platform():
    import numpy

    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "system": platform.system(), "release": platform.release(),
            "machine": platform.machine(), "numpy": numpy.__version__}


def _checks_of(cell):
    """{check: {dtype or "": outcome}} from a report cell's ``check[dtype]`` labels."""
    out = {}
    for label, outcome in cell.get("checks", {}).items():
        check, _, dtype = label.partition("[")
        out.setdefault(check, {})[dtype.rstrip("]")] = outcome
    return out


def content_hash(cert):
    """SHA-256 of the certificate without its ``sha256`` field, as canonical JSON."""
    body = {k: v for k, v in cert.items() if k != "sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def certificate(report, backend, options):
    """The certificate of `backend` from a conformance report (the dict report.py writes)."""
    import ember

    totals = report["totals"].get(backend, {})
    tests = totals.get("tests", {})
    failures = [f for f in report["failures"] if f["backend"] in (backend, "*")]
    ops = {op: {"status": row[backend]["status"], "reason": row[backend].get("reason", ""),
                "checks": _checks_of(row[backend])}
           for op, row in report["matrix"].items() if backend in row}
    certified = not failures and not report["ops_without_samples"] and tests.get("passed", 0) > 0
    cert = {
        "certificate": "ember conformance",
        "format": FORMAT,
        "verdict": "certified" if certified else "not certified",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "suite": {"name": "ember_conformance", "version": ember.__version__,
                  "options": list(options)},
        "ember": ember.__version__,
        "backend": _backend_info(backend),
        "platform": _platform(),
        "totals": totals,
        "ops": ops,
        "ops_without_samples": report["ops_without_samples"],
        "xfails": [x for x in report.get("xfails", []) if x["backend"] == backend],
        "stale": [s for s in report["stale"] if s["backend"] == backend],
        "stale_differences": report.get("stale_differences", []),
        "programs": report.get("programs", {}).get(backend, {}),
        "performance": report.get("performance", {}).get(backend, {}),
        "drift": {op: per[backend] for op, per in report.get("drift", {}).items()
                  if backend in per},
        "failures": failures,
    }
    cert["sha256"] = content_hash(cert)
    return cert


# -- Markdown ---------------------------------------------------------------------------------------
_WORD = {"passed": "pass", "failed": "FAIL", "xfail": "xfail", "stale": "STALE",
         "not run": "-"}


def _outcome_text(per_dtype):
    """One check's outcomes over its dtypes, in a few characters."""
    words = [("skip" if o.startswith("skipped") else _WORD.get(o, o)) for o in per_dtype.values()]
    if len(words) == 1:
        return words[0]
    counts = {w: words.count(w) for w in dict.fromkeys(words)}
    return ", ".join(f"{w} {n}" for w, n in counts.items())


def markdown(cert):
    """The certificate as Markdown: verdict, versions, counts explained, ops x checks."""
    from .entries import CHECKS
    from .report import COUNTS_EXPLAINED, ORDER

    b, p, t = cert["backend"], cert["platform"], cert["totals"]
    lines = [f"# ember conformance certificate: `{b['name']}`", "",
             f"**{cert['verdict']}** — {cert['created']}, sha256 `{cert['sha256']}`", "",
             f"- backend: {b['name']} ({b.get('library') or '?'}; {b.get('status')}"
             f"{': ' + b['reason'] if b.get('reason') else ''})",
             f"- ember and its suite: {cert['ember']}; options: "
             f"`{' '.join(cert['suite']['options']) or '(none)'}`",
             f"- platform: Python {p['python']} ({p['implementation']}), {p['system']} "
             f"{p['machine']}, NumPy {p['numpy']}", "",
             "Certified means: no test failed, every op has samples, and tests ran.", "",
             "## Counts", "", "| | count |", "|---|---|"]
    for k in ORDER:
        lines.append(f"| tests {k} | {t.get('tests', {}).get(k, 0)} |")
    for k in ORDER + ("not run",):
        lines.append(f"| ops {k} | {t.get('ops', {}).get(k, 0)} |")
    lines.append(f"| ops without sample entries (suite-wide) | "
                 f"{len(cert['ops_without_samples'])} |")
    lines += ["", COUNTS_EXPLAINED + " An op without sample entries fails on every backend: "
              "its test is suite-wide (not in this backend's test counts) but the op counts as "
              "failed here and its test is listed under Failures.", ""]
    if cert["programs"]:
        lines += ["## Whole programs", "", "| program | outcome | final loss | NumPy's |",
                  "|---|---|---|---|"]
        for m, e in cert["programs"].items():
            final = f"{e['losses'][-1]:.6f}" if e.get("losses") else "-"
            ref = f"{e['numpy'][-1]:.6f}" if e.get("numpy") else "-"
            lines.append(f"| {m} training | {e['status']} | {final} | {ref} |")
        lines.append("")
    work = cert["performance"].get("workloads") if cert["performance"] else None
    if work:
        lines += ["## Performance (time relative to the NumPy backend)", "",
                  "| workload | ratio | ms |", "|---|---|---|"]
        for w, v in work.items():
            lines.append(f"| {w} | {v['ratio']:.2f}x | {v['seconds'] * 1e3:.3g} |")
        lines.append("")
    checks = [c for c in CHECKS if any(c in o["checks"] for o in cert["ops"].values())]
    lines += ["## Ops", "",
              "Each cell: a check's outcome, over the dtypes it ran in where it runs per dtype "
              "(`pass 11` = passed in 11 dtypes); `-`: the check does not apply to the op.", "",
              "| op | outcome | " + " | ".join(checks) + " |",
              "|---|---|" + "---|" * len(checks)]
    for op, o in sorted(cert["ops"].items()):
        cells = [_outcome_text(o["checks"][c]) if c in o["checks"] else "-" for c in checks]
        lines.append(f"| `{op}` | {_WORD.get(o['status'], o['status'])} | "
                     + " | ".join(cells) + " |")
    reasons = sorted({o[len("skipped: "):] for op in cert["ops"].values()
                      for per in op["checks"].values() for o in per.values()
                      if o.startswith("skipped: ")})
    lines += ["", "## Skip reasons", ""] + ([f"- {r}" for r in reasons] or ["None."])
    lines += ["", "## Expected failures", ""]
    lines += [f"- `{x['op']}[{x['check']}{'-' + x['dtype'] if x['dtype'] else ''}]`: "
              f"{x['reason']}" for x in cert["xfails"]] or ["None."]
    lines += ["", "## Failures", ""]
    lines += [f"- `{f['test']}`: {f['message'].splitlines()[0] if f['message'] else ''}"
              for f in cert["failures"]] or ["None."]
    return "\n".join(lines) + "\n"


# -- writing ----------------------------------------------------------------------------------------
def write_atomic(path, text):
    """Write `path` through a temporary file in its directory and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def pytest_args(backend, out, oracle=False, perf=True, max_slowdown=None, workers=None,
                extra=(), contract=True):
    """The pytest command line a certification runs."""
    args = ["-p", "no:cacheprovider", "-q", "--pyargs", "ember_conformance",
            f"--ember-backend={backend}", f"--ember-report-dir={out}"]
    if contract:
        args.append("--ember-check-contract")
    if oracle:
        args.append("--ember-oracle=torch")
    if perf:
        args.append("--ember-perf")
    if max_slowdown is not None:
        args.append(f"--ember-max-slowdown={max_slowdown:g}")
    if workers:
        args += ["-n", str(workers)]
    return args + list(extra)


def certify(backend, out=".", oracle="auto", perf=True, max_slowdown=None, workers=None,
            extra=(), contract=True):
    """Run the suite for `backend`, write its certificate; returns (exit code, cert paths)."""
    import pytest

    from . import oracle as oracle_mod

    use_oracle = oracle == "torch" or (oracle == "auto" and oracle_mod.available() is None)
    args = pytest_args(backend, out, use_oracle, perf, max_slowdown, workers, extra, contract)
    code = pytest.main(args)
    report_path = os.path.join(out, "conformance-report.json")
    if not os.path.exists(report_path):
        print(f"certify: the suite wrote no report (pytest exit code {int(code)})",
              file=sys.stderr)
        return int(code) or 1, ()
    with open(report_path) as f:
        report = json.load(f)
    options = [a for a in args if a.startswith("--ember-") and not a.startswith(
        "--ember-report-dir")]
    cert = certificate(report, backend, options)
    json_path = os.path.join(out, f"certificate-{backend}.json")
    md_path = os.path.join(out, f"certificate-{backend}.md")
    write_atomic(json_path, json.dumps(cert, indent=1, sort_keys=True) + "\n")
    write_atomic(md_path, markdown(cert))
    print(f"certify: {backend} is {cert['verdict']}: {json_path} and {md_path}")
    return (0 if cert["verdict"] == "certified" else 1), (json_path, md_path)


# -- merging ----------------------------------------------------------------------------------------
def load(path):
    """A certificate from `path` (JSON only: nothing in it is executed); its hash checked."""
    with open(path) as f:
        cert = json.load(f)
    if not isinstance(cert, dict) or cert.get("certificate") != "ember conformance":
        raise ValueError(f"{path}: not an ember conformance certificate")
    if cert.get("format") != FORMAT:
        raise ValueError(f"{path}: certificate format {cert.get('format')!r}, this suite "
                         f"reads {FORMAT}")
    if cert.get("sha256") != content_hash(cert):
        raise ValueError(f"{path}: its content does not match its sha256 (edited after "
                         f"certification?)")
    return cert


def merge(certs):
    """One table of ops x certificates (a column per backend and Python version), as Markdown."""
    cols = [f"{c['backend']['name']} (py{c['platform']['python'].rsplit('.', 1)[0]})"
            for c in certs]
    ops = sorted({op for c in certs for op in c["ops"]})
    lines = ["# ember conformance matrix", "",
             "Merged from one certificate per CI cell. Each cell: the op's worst outcome on that "
             "backend (`-`: the certificate has no such op).", "",
             "| certificate | verdict | ember | backend library | platform | failed | xfail | "
             "passed | skipped | sha256 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for col, c in zip(cols, certs):
        t = c["totals"].get("tests", {})
        lines.append(f"| {col} | {c['verdict']} | {c['ember']} | {c['backend'].get('library')} "
                     f"| {c['platform']['system']} {c['platform']['machine']} | "
                     f"{t.get('failed', 0)} | {t.get('xfail', 0)} | {t.get('passed', 0)} | "
                     f"{t.get('skipped', 0)} | `{c['sha256'][:12]}` |")
    lines += ["", "| op | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for op in ops:
        cells = []
        for c in certs:
            o = c["ops"].get(op)
            cells.append("-" if o is None else _WORD.get(o["status"], o["status"]))
        lines.append(f"| `{op}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
