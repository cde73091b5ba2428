"""The plugin host (``ember.backends``), through the real entry-point mechanism.

Each scenario installs fake distributions (a ``*.dist-info`` folder whose ``entry_points.txt``
names a module beside it) in a temporary folder, and runs Python in a subprocess with that folder
on ``PYTHONPATH``: ember then finds them exactly as it finds a pip-installed backend.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

# A complete, valid backend: the NumPy backend's kernels under another name. The broken plugins
# below are this one with a single thing wrong (a later ``def`` replaces an earlier one).
GOOD = """
import numpy as np
import ember
from ember_numpy.kernels import make_kernels
from ember_numpy.plugin import DTYPES

@ember.hookimpl
def ember_backend_info():
    return {"library": "fakelib", "version": "1.2.3", "mutable": True}

@ember.hookimpl
def ember_backend_dtypes():
    return {name: np.dtype(name) for name in DTYPES}

@ember.hookimpl
def ember_backend_kernels():
    return make_kernels(np)
"""

# backend name -> (what is wrong with it, appended to GOOD; a fragment of the reason ember gives)
NONSENSE = {
    "unknown_kernel": ("""
@ember.hookimpl
def ember_backend_kernels():
    return {**make_kernels(np), "frobnicate": np.abs}
""", "registers kernels for unknown ops: frobnicate"),
    "uncallable_kernel": ("""
@ember.hookimpl
def ember_backend_kernels():
    return {**make_kernels(np), "add": 42}
""", "registers non-callable kernels: add"),
    "kernels_not_dict": ("""
@ember.hookimpl
def ember_backend_kernels():
    return list(make_kernels(np).values())
""", "ember_backend_kernels must return a dict"),
    "dtypes_not_dict": ("""
@ember.hookimpl
def ember_backend_dtypes():
    return ["float32"]
""", "ember_backend_dtypes must return a non-empty dict"),
    "info_not_dict": ("""
@ember.hookimpl
def ember_backend_info():
    return "fakelib 1.2.3"
""", "ember_backend_info must return a dict"),
    "available_raises": ("""
@ember.hookimpl
def ember_backend_available():
    raise OSError("driver exploded")
""", "OSError: driver exploded"),
    "misspelled_hook": ("""
@ember.hookimpl
def ember_backend_kernal():
    return {}
""", "ember_backend_kernal"),
    "wrong_argument": ("""
@ember.hookimpl
def ember_backend_devices(gpu_index):
    return ["cpu"]
""", "gpu_index"),
    # every hook result's type is checked, and the error names the plugin and the hook
    "devices_a_string": ("""
@ember.hookimpl
def ember_backend_devices():
    return "cpu"
""", "(fake_devices_a_string): ember_backend_devices() must return a non-empty list of device "
     "names such as ['cpu']; ember_backend_devices() returned str 'cpu'"),
    "mutable_a_string": ("""
@ember.hookimpl
def ember_backend_info():
    return {"library": "fakelib", "mutable": "no"}
""", "(fake_mutable_a_string): ember_backend_info()['mutable'] must be True or False, got str "
     "'no'"),
    "available_not_a_string": ("""
@ember.hookimpl
def ember_backend_available():
    return 0
""", "ember_backend_available() must return None or a string saying why not"),
    "failures_a_list": ("""
@ember.hookimpl
def ember_backend_expected_failures():
    return ["add"]
""", "ember_backend_expected_failures() must return a dict"),
    "dtype_key_not_a_name": ("""
@ember.hookimpl
def ember_backend_dtypes():
    return {np.float32: np.dtype("float32")}
""", "ember_backend_dtypes() must map dtype names"),
    "start_method_unknown": ("""
@ember.hookimpl
def ember_backend_info():
    return {"library": "fakelib", "start_method": "teleport"}
""", "ember_backend_info()['start_method'] must be one of"),
    # a plugin calling sys.exit() at import must not end the program that lists backends
    "exits_on_import": ("""
import sys
sys.exit(3)
""", "SystemExit: 3"),
    # a hook that uses ember on its own backend while it loads: a clear error, not a deadlock
    "uses_itself": ("""
@ember.hookimpl
def ember_backend_kernels():
    with ember.default_backend("uses_itself"):
        ember.ones(1)
    return make_kernels(np)
""", "'uses_itself' was used by its own plugin while it loads"),
}

UNAVAILABLE = """
import ember

@ember.hookimpl
def ember_backend_info():
    return {"library": "ghostlib", "version": "9.9", "extra": "ghost"}

@ember.hookimpl
def ember_backend_available():
    return "no ghost device here"

@ember.hookimpl
def ember_backend_dtypes():
    return {"float32": "f4"}

@ember.hookimpl
def ember_backend_kernels():
    return {}
"""

BOOM = 'raise RuntimeError("fake_boom exploded on import")\n'


# -- helpers -------------------------------------------------------------------------------------
def make_site(path, plugins):
    """Fake distributions in `path`: for each ``name: source``, a module ``fake_<name>`` and a
    ``fake_<name>-0.0.dist-info`` registering it as ember backend `name`."""
    path.mkdir(parents=True, exist_ok=True)
    for name, source in plugins.items():
        module = f"fake_{name}"
        (path / f"{module}.py").write_text(source)
        info = path / f"{module}-0.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.0\n")
        (info / "entry_points.txt").write_text(f"[ember.backends]\n{name} = {module}\n")
    return path


def run(site, code=None, args=(), **env):
    """Run `code` (or ``python ARGS``) in a fresh interpreter that sees the plugins in `site`.

    It runs in `site` too: Python puts the working directory first on ``sys.path``, and from the
    repository root ember's own ``ember.egg-info`` would be listed before the fake plugins."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("EMBER_BACKEND", "EMBER_STRICT_PLUGINS")}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), environ.get("PYTHONPATH")]))
    environ.update(env)
    cmd = [sys.executable, *(["-c", textwrap.dedent(code)] if code else []), *args]
    return subprocess.run(cmd, env=environ, cwd=site, capture_output=True, text=True, timeout=120)


def run_json(site, code, **env):
    """Run `code`, which prints one JSON document last, and return it parsed."""
    proc = run(site, code, **env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def info_line(text, name):
    """The line of ``python -m ember info`` output about backend `name`."""
    lines = [ln for ln in text.splitlines() if ln.split()[:1] == [name]]
    assert len(lines) == 1, f"no single line for backend {name!r} in:\n{text}"
    return lines[0]


@pytest.fixture(scope="module")
def no_site(tmp_path_factory):
    """No fake plugins: only the backends installed with ember (and any others in the venv)."""
    return make_site(tmp_path_factory.mktemp("none"), {})


@pytest.fixture(scope="module")
def boom_site(tmp_path_factory):
    """A plugin whose module raises on import."""
    return make_site(tmp_path_factory.mktemp("boom"), {"boom": BOOM})


@pytest.fixture(scope="module")
def good_site(tmp_path_factory):
    """A second working backend ("alt") and one that cannot run here ("ghost")."""
    return make_site(tmp_path_factory.mktemp("good"), {"alt": GOOD, "ghost": UNAVAILABLE})


# -- a plugin that raises on import --------------------------------------------------------------
BOOM_SCRIPT = """
import json, warnings
with warnings.catch_warnings(record=True) as at_import:
    warnings.simplefilter("always")
    import ember
with warnings.catch_warnings(record=True) as at_numpy:
    warnings.simplefilter("always")
    numpy_works = (ember.tensor([1.0, 2.0]) * 2).tolist() == [2.0, 4.0]
with warnings.catch_warnings(record=True) as at_listing:
    warnings.simplefilter("always")
    boom = ember.backends.installed()["boom"]
try:
    ember.set_default_backend("boom")
    use_error = None
except RuntimeError as exc:
    use_error = str(exc)

def ours(caught):
    return [str(w.message) for w in caught if "boom" in str(w.message)
            and issubclass(w.category, ember.backends.EmberPluginWarning)]

print(json.dumps({"at_import": ours(at_import), "at_numpy": ours(at_numpy),
                  "at_listing": ours(at_listing), "numpy_works": numpy_works,
                  "status": boom.status, "reason": boom.reason, "use_error": use_error,
                  "default": ember.get_default_backend()}))
"""


@pytest.fixture(scope="module")
def boom_report(boom_site):
    return run_json(boom_site, BOOM_SCRIPT)


def test_broken_plugin_does_not_break_import(boom_report):
    assert boom_report["at_import"] == []


def test_broken_plugin_is_not_loaded_by_numpy_use(boom_report):
    assert boom_report["at_numpy"] == []


def test_broken_plugin_leaves_numpy_working(boom_report):
    assert boom_report["numpy_works"]
    assert boom_report["default"] == "numpy"


def test_broken_plugin_warns_when_backends_are_listed(boom_report):
    assert len(boom_report["at_listing"]) == 1
    assert "fake_boom exploded on import" in boom_report["at_listing"][0]


def test_broken_plugin_is_marked_broken_with_its_error(boom_report):
    assert boom_report["status"] == "broken"
    assert boom_report["reason"] == "RuntimeError: fake_boom exploded on import"


def test_broken_plugin_used_by_name_raises_with_its_error(boom_report):
    assert "'boom' is broken" in boom_report["use_error"]
    assert "fake_boom exploded on import" in boom_report["use_error"]


def test_info_shows_broken_plugin_with_its_error(boom_site):
    proc = run(boom_site, args=("-m", "ember", "info"))
    assert proc.returncode == 0, proc.stderr
    line = info_line(proc.stdout, "boom")
    assert "broken" in line and "RuntimeError: fake_boom exploded on import" in line
    assert "available" in info_line(proc.stdout, "numpy")


def test_strict_plugins_fails_on_first_backend_use(boom_site):
    proc = run(boom_site, "import ember; print('imported'); ember.ones(2)",
               EMBER_STRICT_PLUGINS="1")
    assert proc.stdout.strip() == "imported"  # import ember itself stays lazy
    assert proc.returncode != 0
    assert "PluginError" in proc.stderr and "fake_boom exploded on import" in proc.stderr


def test_strict_plugins_makes_info_fail(boom_site):
    proc = run(boom_site, args=("-m", "ember", "info"), EMBER_STRICT_PLUGINS="1")
    assert proc.returncode != 0
    assert "'boom' is broken" in proc.stderr and "fake_boom exploded on import" in proc.stderr


def test_strict_plugins_fails_at_every_use(boom_site):
    proc = run(boom_site, """
        import ember
        for _ in range(3):
            try:
                ember.ones(2)
                print("worked")
            except ember.backends.PluginError:
                print("raised")
        """, EMBER_STRICT_PLUGINS="1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["raised"] * 3


# -- hostile plugins -----------------------------------------------------------------------------
IMPOSTOR_SCRIPT = """
import json, warnings
import ember
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    t = ember.ones(2) + 1
    numpy, impostor = (ember.backends.lookup(n) for n in ("numpy", "numpy@fake_impostor"))
print(json.dumps({
    "works": t.tolist() == [2.0, 2.0], "backend": t.backend,
    "numpy": [numpy.status, numpy.library], "impostor": [impostor.status, impostor.reason],
    "warned": [str(w.message) for w in caught
               if issubclass(w.category, ember.backends.EmberPluginWarning)],
}))
"""


def test_plugin_claiming_a_builtin_name_is_reported_and_the_builtin_wins(tmp_path):
    site = make_site(tmp_path / "impostor", {"impostor": GOOD})
    # register the fake module under the name "numpy" instead of its own
    (site / "fake_impostor-0.0.dist-info" / "entry_points.txt").write_text(
        "[ember.backends]\nnumpy = fake_impostor\n")
    report = run_json(site, IMPOSTOR_SCRIPT)
    assert report["works"] and report["backend"] == "numpy"
    assert report["numpy"] == ["available", "numpy"]
    assert report["impostor"][0] == "broken"
    assert "fake_impostor registers the name 'numpy' of ember's built-in backend" in \
        report["impostor"][1]
    assert any("numpy@fake_impostor" in w for w in report["warned"])


def test_keyboard_interrupt_in_a_plugin_is_reported_then_raised(tmp_path):
    site = make_site(tmp_path / "interrupt", {"interrupt": "raise KeyboardInterrupt\n"})
    report = run_json(site, """
import json, warnings
import ember
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        ember.backends.lookup("interrupt")
        raised = False
    except KeyboardInterrupt:
        raised = True
b = ember.backends.lookup("interrupt")
print(json.dumps({"raised": raised, "status": b.status, "reason": b.reason,
                  "warned": [str(w.message) for w in caught],
                  "numpy_works": ember.ones(1).tolist() == [1.0]}))
""")
    assert report["raised"] and report["numpy_works"]
    assert report["status"] == "broken" and report["reason"].startswith("KeyboardInterrupt")
    assert any("'interrupt' was interrupted" in w for w in report["warned"])


# -- plugins that register nonsense --------------------------------------------------------------
NONSENSE_SCRIPT = """
import json, warnings
import ember
from ember.__main__ import info
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    found = ember.backends.installed()
with ember.default_backend("fine"):
    fine_works = (ember.ones(2) + 1).tolist() == [2.0, 2.0]
print(json.dumps({
    "found": {name: [b.status, b.reason] for name, b in found.items()},
    "warned": [str(w.message) for w in caught
               if issubclass(w.category, ember.backends.EmberPluginWarning)],
    "numpy_works": (ember.arange(3) * 2).tolist() == [0, 2, 4],
    "fine_works": fine_works,
    "info": info(),
}))
"""


@pytest.fixture(scope="module")
def nonsense_report(tmp_path_factory):
    plugins = {name: GOOD + wrong for name, (wrong, _) in NONSENSE.items()}
    site = make_site(tmp_path_factory.mktemp("nonsense"), {**plugins, "fine": GOOD})
    return run_json(site, NONSENSE_SCRIPT)


@pytest.mark.parametrize("name", sorted(NONSENSE))
def test_nonsense_plugin_is_broken_with_a_reason(nonsense_report, name):
    status, reason = nonsense_report["found"][name]
    assert status == "broken"
    assert NONSENSE[name][1] in reason


@pytest.mark.parametrize("name", sorted(NONSENSE))
def test_nonsense_plugin_warns(nonsense_report, name):
    assert any(f"backend {name!r} is broken" in w for w in nonsense_report["warned"])


@pytest.mark.parametrize("name", sorted(NONSENSE))
def test_info_shows_nonsense_plugin_as_broken(nonsense_report, name):
    line = info_line(nonsense_report["info"], name)
    assert "broken" in line and NONSENSE[name][1] in line


def test_valid_plugin_beside_nonsense_keeps_working(nonsense_report):
    assert nonsense_report["found"]["fine"] == ["available", None]
    assert nonsense_report["fine_works"]


def test_numpy_beside_nonsense_keeps_working(nonsense_report):
    assert nonsense_report["numpy_works"]


# -- choosing the default backend ----------------------------------------------------------------
def test_ember_backend_env_selects_jax(no_site):
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed")
    proc = run(no_site, "import ember; print(ember.get_default_backend(), ember.ones(2).backend)",
               EMBER_BACKEND="jax")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["jax", "jax"]


def test_ember_backend_env_selects_a_plugin(good_site):
    proc = run(good_site, "import ember; print(ember.ones(2).backend)", EMBER_BACKEND="alt")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "alt"


def test_ember_backend_env_unknown_name_lists_installed_backends(no_site):
    proc = run(no_site, "import ember; ember.ones(2)", EMBER_BACKEND="nonexistent")
    assert proc.returncode != 0
    assert "unknown ember backend 'nonexistent'" in proc.stderr
    assert "Installed backends:" in proc.stderr and "numpy" in proc.stderr


def test_misspelled_backend_name_loads_no_plugin(good_site):
    """The error path stays fast: it names what is installed without importing JAX or any
    plugin to find out their status."""
    report = run_json(good_site, """
import json, sys
import ember
try:
    ember.set_default_backend("nmupy")
except RuntimeError as exc:
    message = str(exc)
print(json.dumps({"message": message, "imported": sorted(
    m for m in ("jax", "ember_jax", "ember_frozen", "fake_alt", "fake_ghost") if m in sys.modules)}))
""")
    assert report["imported"] == []
    assert "unknown ember backend 'nmupy'. Did you mean 'numpy'?" in report["message"]
    assert "alt" in report["message"] and "ghost" in report["message"]


DEFAULT_SCRIPT = """
import json
import ember
out = {"initial": ember.get_default_backend()}
ember.set_default_backend("alt")
out["after_set"] = [ember.get_default_backend(), ember.zeros(1).backend]
ember.set_default_backend("numpy")
with ember.default_backend("alt") as b:
    out["inside"] = [ember.get_default_backend(), ember.zeros(1).backend, b.name]
out["after_with"] = ember.get_default_backend()
try:
    with ember.default_backend("alt"):
        raise KeyError("inside the block")
except KeyError:
    pass
out["after_exception"] = ember.get_default_backend()
try:
    ember.set_default_backend("nonexistent")
except RuntimeError:
    pass
out["after_bad_set"] = ember.get_default_backend()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def default_report(good_site):
    return run_json(good_site, DEFAULT_SCRIPT)


def test_default_backend_is_numpy_without_ember_backend(default_report):
    assert default_report["initial"] == "numpy"


def test_set_default_backend_changes_where_tensors_are_made(default_report):
    assert default_report["after_set"] == ["alt", "alt"]


def test_default_backend_context_applies_inside(default_report):
    assert default_report["inside"] == ["alt", "alt", "alt"]


def test_default_backend_context_restores_on_exit(default_report):
    assert default_report["after_with"] == "numpy"


def test_default_backend_context_restores_on_exception(default_report):
    assert default_report["after_exception"] == "numpy"


def test_set_default_backend_to_unknown_name_keeps_the_old_one(default_report):
    assert default_report["after_bad_set"] == "numpy"


def test_info_shows_default_from_ember_backend_and_unavailable_reason(good_site):
    proc = run(good_site, args=("-m", "ember", "info"), EMBER_BACKEND="alt")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "default backend: alt"
    assert "available    fakelib 1.2.3; devices: cpu" in info_line(proc.stdout, "alt")
    assert "unavailable  ghostlib 9.9; no ghost device here" in info_line(proc.stdout, "ghost")


# -- lazy discovery ------------------------------------------------------------------------------
LAZY_SCRIPT = """
import json, sys
import ember
after_import = sorted(m for m in ("jax", "cupy", "ember_jax", "ember_cupy", "fake_alt")
                      if m in sys.modules)
(ember.ones(2) + 1).sum()
after_numpy = sorted(m for m in ("jax", "cupy", "ember_jax", "ember_cupy", "fake_alt")
                     if m in sys.modules)
print(json.dumps({"after_import": after_import, "after_numpy": after_numpy}))
"""


@pytest.fixture(scope="module")
def lazy_report(good_site):
    return run_json(good_site, LAZY_SCRIPT)


def test_import_ember_imports_no_backend_library(lazy_report):
    assert lazy_report["after_import"] == []


def test_numpy_tensors_import_no_other_backend(lazy_report):
    assert lazy_report["after_numpy"] == []


# -- unusable backends and mixing ----------------------------------------------------------------
def test_unavailable_backend_error_gives_reason_and_extra(good_site):
    proc = run(good_site, "import ember; ember.set_default_backend('ghost')")
    assert proc.returncode != 0
    assert "'ghost' is unavailable: no ghost device here" in proc.stderr
    assert 'pip install "ember[ghost]"' in proc.stderr


def _cuda_device_present():
    return os.path.exists("/dev/nvidia0") or os.path.exists("/dev/nvidiactl")


@pytest.mark.skipif(_cuda_device_present(), reason="a CUDA device is present, cupy may run here")
def test_cupy_without_gpu_error_names_the_cuda_extra(no_site):
    proc = run(no_site, "import ember; ember.set_default_backend('cupy')")
    assert proc.returncode != 0
    assert "'cupy' is unavailable:" in proc.stderr
    assert 'pip install "ember[cuda]"' in proc.stderr


def test_mixing_backends_in_one_op_names_both(good_site):
    proc = run(good_site, """
        import ember
        a = ember.ones(2)
        with ember.default_backend("alt"):
            b = ember.ones(2)
        try:
            a + b
        except RuntimeError as exc:
            print(exc)
        """)
    assert proc.returncode == 0, proc.stderr
    assert "numpy" in proc.stdout and "alt" in proc.stdout


# -- ember.cuda: CUDA devices are the devices backends list ----------------------------------------
FAKE_GPU = GOOD + """
SYNCED = []

@ember.hookimpl
def ember_backend_devices():
    return ["cuda:0", "cuda:1"]

@ember.hookimpl
def ember_backend_synchronize(device):
    SYNCED.append(device)
"""

CUDA_SCRIPT = """
import json
import ember
import fake_gpu
before = ember.cuda.is_available()
info = {"available": ember.cuda.is_available(), "count": ember.cuda.device_count()}
ember.cuda.synchronize()
ember.cuda.synchronize("cuda:1")
ember.cuda.synchronize(ember.device("cuda:0"))
with ember.default_backend("gpu"):
    info["current"] = ember.cuda.current_device()
    t = ember.ones(2)
info["tensor_device"] = str(t.device)
info["synced"] = fake_gpu.SYNCED
print(json.dumps(info))
"""


def test_cuda_namespace_sees_a_backend_listing_cuda_devices(tmp_path):
    site = make_site(tmp_path / "gpu", {"gpu": FAKE_GPU})
    report = run_json(site, CUDA_SCRIPT)
    assert report["available"] and report["count"] == 2 and report["current"] == 0
    assert report["tensor_device"] == "cuda:0"
    assert report["synced"] == ["cuda:0", "cuda:1", "cuda:0"]


def test_cuda_namespace_without_cuda_devices(no_site):
    report = run_json(no_site, """
import json
import ember
cuda = [b for b in ember.backends.installed().values()
        if b.available and any(d.startswith("cuda") for d in b.devices)]
try:
    ember.cuda.synchronize()
    error = None
except RuntimeError as exc:
    error = str(exc)
print(json.dumps({"expected": bool(cuda), "available": ember.cuda.is_available(),
                  "count": ember.cuda.device_count(), "error": error}))
""")
    assert report["available"] == report["expected"]
    if not report["expected"]:  # the machine has no GPU: CuPy is listed but unavailable
        assert report["count"] == 0
        assert report["error"].startswith("No CUDA GPUs are available")
