"""The example programs run and learn, on every backend."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fit_reduces_the_loss(backend, capsys):
    final = _load("fit").main(["--steps", "300"])
    out = capsys.readouterr().out
    assert f"on the {backend} backend" in out
    assert final < 3000  # starts near 3e5 from ember.manual_seed(0)
