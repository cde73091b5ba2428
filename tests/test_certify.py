"""The certification parts of the conformance suite: the PyTorch oracle and its table of
deliberate differences, whole programs and timings, certificates and their merge, and the CI
files that run them."""

import json
import pathlib
import re

import pytest

import ember
from ember_conformance import certify, checks, differences, oracle, programs
from ember_conformance.__main__ import main
from ember_conformance.cases import Case, seed_for

ROOT = pathlib.Path(__file__).resolve().parents[1]


# -- the table of deliberate differences ------------------------------------------------------------
def test_differences_doc_is_generated_from_the_table():
    assert (ROOT / "docs" / "differences.md").read_text() == differences.markdown(), (
        "docs/differences.md is stale: python -m ember_conformance differences --out "
        "docs/differences.md")
    assert main(["differences", "--check", str(ROOT / "docs" / "differences.md")]) == 0


def test_difference_keys_match_like_expected_failure_keys(monkeypatch):
    monkeypatch.setattr(differences, "_PATTERNS", {
        k: differences._pattern(k) for k in ("relu[forward-int*]", "exp[grad]", "sin")})
    monkeypatch.setattr(differences, "DIFFERENCES",
                        {"relu[forward-int*]": "a", "exp[grad]": "b", "sin": "c"})
    assert differences.lookup("relu", "forward", "int8") == ("relu[forward-int*]", "a")
    assert differences.lookup("relu", "forward", "uint8") is None  # '*' is the only wildcard
    assert differences.lookup("relu", "dtype", "int8") is None
    assert differences.lookup("exp", "grad", "float64") == ("exp[grad]", "b")
    assert differences.lookup("sin", "errors") == ("sin", "c")
    assert differences.lookup("sinh", "errors") is None


def test_every_difference_names_an_op_and_a_reason():
    from ember.ops import REGISTRY

    for key, reason in differences.DIFFERENCES.items():
        op = key.partition("[")[0]
        assert op in REGISTRY, key
        check = key.partition("[")[2].split("-")[0].rstrip("]")
        assert not check or "*" in check or check.rstrip("*") in oracle.CHECKED, key
        assert len(reason) > 20, key


# -- the oracle, inside the checks --------------------------------------------------------------------
def _run(check, op, dtype=""):
    checks.run(Case(check, op, "numpy", dtype, seed_for(op, check, dtype, 0)))


@pytest.fixture
def oracle_on(torch, monkeypatch):
    monkeypatch.setattr(oracle, "ACTIVE", True)
    return torch


def test_oracle_agrees_on_a_plain_op(oracle_on):
    for check, dtype in (("forward", "float32"), ("dtype", "int32"), ("grad", "float64"),
                         ("errors", "float32")):
        _run(check, "mul", dtype)


def test_oracle_reports_a_listed_difference_as_expected(oracle_on):
    with pytest.raises(pytest.xfail.Exception, match="deliberate difference from PyTorch "
                                                     "'gelu\\[forward-float32\\]'"):
        _run("forward", "gelu", "float32")


def test_oracle_fails_an_unlisted_difference(oracle_on, monkeypatch):
    monkeypatch.setattr(differences, "_PATTERNS", {})
    with pytest.raises(pytest.fail.Exception, match="PyTorch disagrees"):
        _run("forward", "gelu", "float32")


def test_oracle_catches_a_wrong_gradient(oracle_on, monkeypatch):
    """A derivative that is wrong the same way in ember's own gradcheck reference cannot be
    seen by finite differences of the same code; PyTorch sees it."""
    ctx = checks.Ctx(Case("grad", "mul", "numpy", "float64", 0))
    s = ctx.samples(ember.float64, quick=False)[0]
    diff = checks.repro.differentiated(s.args, s.kwargs)
    real = oracle.call
    monkeypatch.setattr(oracle, "call", lambda c, smp, leaves=None: real(c, smp, leaves) * 1.01)
    oracle.grad(ctx, 0, s, diff)
    assert ctx.oracle_problems and "gradient of input 0" in ctx.oracle_problems[0][2]


def test_oracle_compares_exception_types(oracle_on):
    ctx = checks.Ctx(Case("errors", "cat", "numpy", "float32", 0))
    e = ctx.entry.errors(ctx.make())[0]
    oracle.error(ctx, 0, e)
    assert not ctx.oracle_problems  # PyTorch raises what the sample says
    e.exc = KeyError  # a sample expecting another type disagrees with PyTorch
    oracle.error(ctx, 0, e)
    assert "PyTorch raises" in ctx.oracle_problems[0][2]


def test_every_op_maps_to_pytorch_or_is_listed(torch):
    from ember.ops import REGISTRY
    from ember_conformance.samples import ENTRIES

    missing = []
    for name, op in REGISTRY.items():
        if name not in ENTRIES:
            continue
        try:
            oracle.torch_callable(ENTRIES[name], op)
        except oracle.NoCounterpart as exc:
            if differences.lookup(name, "forward", "float32") is None:
                missing.append(f"{name}: {exc}")
    assert not missing, missing


# -- whole programs and timings ---------------------------------------------------------------------
def test_loss_curves_are_compared_step_by_step():
    ref = list(programs.reference_losses("mlp"))
    assert programs.train("numpy", "mlp") == ref
    assert ref[-1] < ref[0]  # it learns
    assert programs.compare_losses(ref, ref) is None
    drifted = ref[:4] + [ref[4] * 1.01] + ref[5:]
    assert "step 4" in programs.compare_losses(drifted, ref)
    assert "NaN" not in (programs.compare_losses([float("nan")] * len(ref), ref) or "NaN")


def test_max_slowdown_threshold():
    perf = {"add": {"ratio": 1.2}, "training step (cnn)": {"ratio": 41.0}}
    assert programs.too_slow(perf, 40) == {"training step (cnn)": 41.0}
    assert programs.too_slow(perf, 50) == {}


# -- certificates -------------------------------------------------------------------------------------
def _report():
    cell = {"status": "xfail", "reason": "listed", "counts": {"passed": 1, "xfail": 1},
            "checks": {"forward[float32]": "passed", "dtype[float16]": "xfail",
                       "grad[float64]": "skipped: the backend does not support float64"}}
    return {
        "ember_version": ember.__version__, "started": "2026-01-01T00:00:00+00:00",
        "backends": {"numpy": {"status": "available", "reason": ""}},
        "ops": ["add"], "matrix": {"add": {"numpy": cell}},
        "totals": {"numpy": {"tests": {"failed": 0, "stale": 0, "xfail": 1, "passed": 1,
                                       "skipped": 1},
                             "ops": {"failed": 0, "stale": 0, "xfail": 1, "passed": 0,
                                     "skipped": 0, "not run": 0}, "seconds": 0.1}},
        "stale": [], "failures": [], "ops_without_samples": [],
        "xfails": [{"backend": "numpy", "op": "add", "check": "dtype", "dtype": "float16",
                    "test": "t", "reason": "listed"}],
        "stale_differences": [], "drift": {"add": {"numpy": {"float32": {"abs": 1e-7,
                                                                           "ulp": 0.5}}}},
        "programs": {"numpy": {"mlp": {"status": "passed", "reason": "", "losses": [1.0, 0.5],
                                       "numpy": [1.0, 0.5]}}},
        "performance": {}}


def test_certificate_content_and_hash(tmp_path):
    cert = certify.certificate(_report(), "numpy", ["--ember-backend=numpy"])
    assert cert["verdict"] == "certified"
    assert cert["ops"]["add"]["checks"] == {"forward": {"float32": "passed"},
                                            "dtype": {"float16": "xfail"},
                                            "grad": {"float64": "skipped: the backend does not "
                                                                "support float64"}}
    assert cert["xfails"][0]["reason"] == "listed"
    assert cert["backend"]["version"] and cert["platform"]["python"]
    assert cert["sha256"] == certify.content_hash(cert)
    md = certify.markdown(cert)
    assert "| `add` | xfail | pass | xfail | skip |" in md
    assert "How to read the counts" in md and "the backend does not support float64" in md

    path = tmp_path / "certificate-numpy.json"
    path.write_text(json.dumps(cert))
    assert certify.load(path)["sha256"] == cert["sha256"]
    cert["totals"]["tests"]["failed"] = 0 if cert["totals"]["tests"]["failed"] else 3
    path.write_text(json.dumps(cert))
    with pytest.raises(ValueError, match="does not match its sha256"):
        certify.load(path)


def test_a_failure_is_not_certified():
    report = _report()
    report["failures"] = [{"backend": "numpy", "op": "add", "check": "forward",
                           "dtype": "float32", "test": "t", "message": "values differ"}]
    assert certify.certificate(report, "numpy", [])["verdict"] == "not certified"


def test_merge_writes_one_table(tmp_path):
    paths = []
    for name in ("numpy", "frozen"):
        report = _report()
        for key in ("backends", "totals"):
            report[key] = {name: report[key]["numpy"]}
        report["matrix"] = {"add": {name: report["matrix"]["add"]["numpy"]}}
        cert = certify.certificate(report, name, [])
        paths.append(tmp_path / f"certificate-{name}.json")
        paths[-1].write_text(json.dumps(cert))
    out = tmp_path / "matrix.md"
    assert main(["merge", *map(str, paths), "--out", str(out)]) == 0
    text = out.read_text()
    assert re.search(r"\| op \| numpy \(py3\.\d+\) \| frozen \(py3\.\d+\) \|", text)
    assert "| `add` | xfail | xfail |" in text
    (tmp_path / "bad.json").write_text('{"certificate": "something else"}')
    assert main(["merge", str(tmp_path / "bad.json")]) == 2


# -- CI -----------------------------------------------------------------------------------------------
def test_ci_runs_the_matrix_cells_command():
    matrix = (ROOT / ".github" / "workflows" / "conformance.yml").read_text()
    reusable = (ROOT / ".github" / "workflows" / "certify-backend.yml").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    for text in (matrix, reusable, ci):
        assert "python -m ember_conformance certify" in text
    assert "python -m ember_conformance merge" in matrix and "ember_conformance merge" in ci
    assert re.search(r"^on:\n  workflow_call:", reusable, re.M)
    assert "uses: ./.github/workflows/certify-backend.yml" in matrix
    last = [ln for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")][-1]
    assert last == (".venv/bin/python -m pytest -n 2 tests --pyargs ember_conformance "
                    "--ember-backend=all")
    readme = (ROOT / "README.md").read_text()
    assert "```bash\n.venv/bin/python -m pytest -n 2 tests --pyargs ember_conformance " \
           "--ember-backend=all\n```" in readme or last.split(" ", 1)[1] in readme
    assert "certify-backend.yml@" in readme
