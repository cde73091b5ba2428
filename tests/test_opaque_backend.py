"""The conformance suite on ``opaque`` (tests/opaque_backend/), a backend whose dtypes are not
NumPy's, registered through an entry point as a third party's would be: core's decompositions
and fallbacks must not read NumPy's dtype attributes off raw arrays, nor hand a kernel NumPy
objects where the contract says the backend's. It runs under ``--ember-check-contract`` too.

The whole suite passes on it (a few minutes); the subset here covers the ops whose core
paths read dtypes (var, std, acosh, asinh, indexing with masks, random draws on the host) and
the decompositions the contract check corrected (flip, take, masked_select, hardtanh, pooling).
"""

import os
import pathlib
import subprocess
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parent

SUBSET = ("var or std or acosh or asinh or flip or masked_select or take or hardtanh or "
          "avg_pool2d or getitem or index_put or randn or bernoulli or multinomial or nonzero")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A folder with a fake distribution whose entry point registers ``opaque``."""
    path = tmp_path_factory.mktemp("opaque_site")
    info = path / "fake_opaque-0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake_opaque\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text("[ember.backends]\nopaque = opaque_backend\n")
    return path


def run(site, *args):
    env = {k: v for k, v in os.environ.items()
           if k not in ("EMBER_BACKEND", "EMBER_STRICT_PLUGINS")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), str(TESTS),
                                                      env.get("PYTHONPATH")]))
    # run in `site`: from the repository root ember's own egg-info would be listed first
    return subprocess.run([sys.executable, *args], env=env, cwd=site, capture_output=True,
                          text=True, timeout=300)


def test_opaque_dtypes_are_not_numpys(site):
    proc = run(site, "-c", """if True:
        import numpy as np
        import ember
        from ember import backends
        t = ember.ones(3, dtype=ember.float32).to(backend="opaque")
        raw = t._data
        assert type(raw).__name__ == "Opaque", type(raw)
        assert raw.dtype != np.dtype("float32") and not hasattr(raw.dtype, "kind")
        assert backends.ember_dtype(raw.dtype) is ember.float32
        print((t * 2).var().item(), t.numpy().dtype, t.backend)
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0.0", "float32", "opaque"]


def test_conformance_suite_passes_on_opaque_dtypes(site, tmp_path):
    proc = run(site, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs",
               "ember_conformance", "--ember-backend=opaque", "--ember-check-contract",
               "--ember-report-dir", str(tmp_path), "-k",
               f"not has_samples and not programs and not dtype and ({SUBSET})")
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, tail
    assert " passed" in tail and "opaque:" in tail, tail
