"""``python -m ember info``: ember's version, each backend's status, library, devices, default."""

import os
import subprocess
import sys

import numpy as np
import pytest

import ember


def _info(tmp_path, **env):
    """The output of ``python -m ember info`` in a fresh interpreter (run in an empty folder, so
    only installed distributions are seen)."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("EMBER_BACKEND", "EMBER_STRICT_PLUGINS")}
    environ.update(env)
    proc = subprocess.run([sys.executable, "-m", "ember", "info"], env=environ, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def info(tmp_path_factory):
    return _info(tmp_path_factory.mktemp("info"))


def _line(text, name):
    lines = [ln for ln in text.splitlines() if ln.split()[:1] == [name]]
    assert len(lines) == 1, f"no single line for backend {name!r} in:\n{text}"
    return lines[0]


def test_info_prints_ember_version(info):
    assert info.splitlines()[0].startswith(f"ember {ember.__version__} ")


def test_info_lists_numpy_available_with_version_and_devices(info):
    line = _line(info, "numpy")
    assert "available" in line
    assert f"numpy {np.__version__}" in line
    assert "devices: cpu" in line


def test_info_lists_every_installed_backend(info):
    for name in ember.backends.installed():
        _line(info, name)


def test_info_prints_default_backend(info):
    assert info.splitlines()[-1] == "default backend: numpy"


def test_info_reports_an_unknown_default_backend(tmp_path):
    last = _info(tmp_path, EMBER_BACKEND="nonexistent").splitlines()[-1]
    assert last.startswith("default backend: (none: unknown ember backend 'nonexistent'")


def _cuda_device_present():
    return os.path.exists("/dev/nvidia0") or os.path.exists("/dev/nvidiactl")


@pytest.mark.skipif(_cuda_device_present(), reason="a CUDA device is present, cupy may run here")
def test_info_shows_cupy_unavailable_with_a_reason(info):
    line = _line(info, "cupy")
    assert line.split()[1] == "unavailable", line
    assert line.split(";", 1)[1].strip(), f"no reason given: {line}"


def test_info_kernels_lists_each_backends_kernels_by_area():
    from ember.__main__ import info as info_text
    from ember.ops import REGISTRY

    text = info_text(kernels=True)
    block = text.split("  numpy ", 1)[1].split("\n  ", 1)[0]
    areas = {ln.split()[0]: ln for ln in text.split("  numpy ", 1)[1].splitlines()[1:]
             if ln.startswith("    ")}
    assert {"elementwise", "reduction", "shape", "nn"} <= set(areas), block
    own = int(areas["elementwise"].split()[1])
    expected = sum(1 for op in REGISTRY.values() if op.kind == "elementwise" and op.kernel
                   and op.name in ember.backends.get_backend("numpy").own_kernels)
    assert own == expected > 20
