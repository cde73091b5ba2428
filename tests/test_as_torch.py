"""``python -m ember run`` and ``ember.as_torch()``: PyTorch programs run unchanged on ember.

Every test runs its program in a fresh process, since the import hook is process-wide; where
PyTorch is installed the same program also runs on it and must print the same.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"


def _has_torch():
    try:
        import importlib.util

        return importlib.util.find_spec("torch") is not None
    except ValueError:  # torch already imported by another test: it is installed
        return True


def _python(*args, code=None, cwd=None):
    cmd = [sys.executable] + (["-c", textwrap.dedent(code)] if code is not None else []) \
        + list(args)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("EMBER_BACKEND", None)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def _ok(proc):
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# each program in PROGRAMS with its arguments; under PyTorch they all run in one process
# (importing PyTorch takes seconds), so none may depend on what another leaves set
_ARGS = {"torch_imports.py": ["a", "-b"], "torch_setup_lines.py": [], "seeded_tutorial.py": []}


@pytest.fixture(scope="module")
def pytorch_prints():
    """What each program prints under the real PyTorch, or None if PyTorch is not installed."""
    if not _has_torch():
        return None
    out = _ok(_python(code=f"""
        import contextlib, io, json, runpy, sys
        printed = {{}}
        for name, args in {_ARGS!r}.items():
            path = {str(PROGRAMS)!r} + "/" + name
            sys.argv, buf = [path, *args], io.StringIO()
            with contextlib.redirect_stdout(buf):
                runpy.run_path(path, run_name="__main__")
            printed[name] = buf.getvalue()
        print(json.dumps(printed))
    """))
    return json.loads(out)


def _run_program(name):
    return _ok(_python("-m", "ember", "run", str(PROGRAMS / name), *_ARGS[name]))


def _same_as_pytorch(name, out, pytorch_prints):
    if pytorch_prints is None:
        pytest.skip("PyTorch is not installed: the output was checked against ember alone")
    assert out == pytorch_prints[name]


def test_every_import_form_prints_what_pytorch_prints(pytorch_prints):
    out = _run_program("torch_imports.py")
    assert out.startswith("args ['a', '-b']\ntorch.float32 torch.Size([2, 3]) 3 torch.float64")
    assert "Sequential(\n  (0): Linear(in_features=3, out_features=2, bias=True)" in out
    _same_as_pytorch("torch_imports.py", out, pytorch_prints)


def test_tutorial_setup_lines_and_reprs_are_pytorch_s(pytorch_prints):
    out = _run_program("torch_setup_lines.py")
    lines = out.splitlines()
    # the switches read back what was set, bad values are refused; no MPS, cuDNN as CUDA
    assert lines[:8] == ["True False False True", "True True False True", "False False",
                         "True True", "RuntimeError RuntimeError AttributeError True True",
                         "False False", "True", "True"]
    assert "torch.return_types.max(\nvalues=tensor([3., 5.]" in out
    assert out.endswith("torch.strided torch.strided [torch.strided]\n")
    assert "ember" not in out
    _same_as_pytorch("torch_setup_lines.py", out, pytorch_prints)


def test_a_seeded_tutorial_prints_pytorch_s_numbers(pytorch_prints):
    """manual_seed, random data, default init, dropout, shuffling and random_split: the same
    random numbers as PyTorch's CPU generator, so the printed training run is PyTorch's."""
    out = _run_program("seeded_tutorial.py")
    assert out.startswith("tensor([0.4963, 0.7682, 0.0885])\n")  # torch.manual_seed(0); rand(3)
    assert "grad_fn=<SelectBackward0>" in out
    _same_as_pytorch("seeded_tutorial.py", out, pytorch_prints)


def test_a_module_runs_with_dash_m(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "train.py").write_text("import sys, torch\nfrom torch import nn\n"
                                  "print(__name__, sys.argv, nn.Linear(2, 3).weight.shape)\n")
    out = _ok(_python("-m", "ember", "run", "-m", "pkg.train", "x", cwd=tmp_path))
    # as `python -m pkg.train x` gives it: argv[0] is the module's file
    assert out == f"__main__ {[str(pkg / 'train.py'), 'x']} torch.Size([3, 2])\n"


def test_the_script_directory_is_on_the_path_and_the_exit_code_is_kept(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 41\n")
    (tmp_path / "main.py").write_text("import sys, torch, helper\n"
                                      "print(torch.tensor(helper.VALUE) + 1)\nsys.exit(3)\n")
    proc = _python("-m", "ember", "run", str(tmp_path / "main.py"))
    assert proc.returncode == 3 and proc.stdout == "tensor(42)\n", proc.stderr


def test_an_uncaught_error_fails_the_run(tmp_path):
    (tmp_path / "bad.py").write_text("import torch\nraise ValueError('boom')\n")
    proc = _python("-m", "ember", "run", str(tmp_path / "bad.py"))
    assert proc.returncode == 1 and "ValueError: boom" in proc.stderr


def test_usage_and_a_missing_script():
    proc = _python("-m", "ember", "run")
    assert proc.returncode == 2 and "python -m ember run script.py" in proc.stderr
    proc = _python("-m", "ember", "run", "no/such/script.py")
    assert proc.returncode == 2 and "No such file" in proc.stderr


@pytest.fixture(scope="module")
def notebook():
    """What a program that calls ember.as_torch() itself prints (one process for the tests)."""
    return _ok(_python(code="""
        import ember
        torch = ember.as_torch()
        import torch as again
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        import torch.optim.lr_scheduler as sched
        print(again is torch, torch.__name__, nn.__name__, repr(torch.nn) == repr(nn))
        print(nn.Linear is ember.nn.Linear, DataLoader is ember.utils.data.DataLoader,
              sched.StepLR is ember.optim.lr_scheduler.StepLR, torch.Tensor is ember.Tensor)
        print(torch.float32, torch.Size([2, 3]), ember.float16, torch.zeros(2).shape)
        print(ember.as_torch() is torch, "Linear" in dir(nn))
        from torch import *
        print(tensor([1, 2]).dtype)
        print("--")
        for attempt in ("torch.no_such_op", "torch.nn.functional.no_such_op"):
            try:
                eval(attempt)
            except AttributeError as exc:
                print("AttributeError:", exc)
        for stmt in ("import torch._C", "from torch import no_such_op",
                     "from torch.nn.functional import no_such_op", "import torch.no_such.sub"):
            try:
                exec(stmt)
            except ImportError as exc:
                print(type(exc).__name__ + ":", exc)
        print("--")
        import torch.backends.cudnn
        from ember import _torch_backends
        print(torch.backends.__name__, hasattr(torch.backends, "installed"),
              ember.backends.__name__, callable(ember.backends.installed))
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        print(_torch_backends.cudnn.benchmark, _torch_backends.cuda.matmul.allow_tf32,
              "benchmark" in vars(torch.backends.cudnn))
        for stmt in ("torch.backends.cudnn.deterministic = 'yes'",
                     "torch.backends.cuda.matmul.allow_tf32 = 1"):
            try:
                exec(stmt)
            except RuntimeError as exc:
                print("RuntimeError:", exc)
        torch.extra_setting = 3
        print(ember.extra_setting, torch.extra_setting)
        del torch.extra_setting
        print(hasattr(ember, "extra_setting"), hasattr(torch, "extra_setting"))
    """)).split("--\n")


def test_as_torch_maps_torch_onto_ember_modules(notebook):
    assert notebook[0].splitlines() == [
        "True torch torch.nn True", "True True True True",
        "torch.float32 torch.Size([2, 3]) torch.float16 torch.Size([2])", "True True",
        "torch.int64"]


def test_names_ember_lacks_say_so(notebook):
    lines = notebook[1].splitlines()
    assert lines[0] == ("AttributeError: module 'torch' has no attribute 'no_such_op': "
                        "torch.no_such_op is not implemented in ember (ember is running this "
                        "program as torch)")
    assert "module 'torch.nn.functional' has no attribute 'no_such_op'" in lines[1]
    assert [ln.split(" is not implemented")[0] for ln in lines[2:]] == [
        "ModuleNotFoundError: torch._C", "ModuleNotFoundError: torch.no_such_op",
        "ModuleNotFoundError: torch.nn.functional.no_such_op",
        "ModuleNotFoundError: torch.no_such"]
    assert all("not implemented in ember" in ln for ln in lines)


def test_torch_backends_holds_pytorch_s_switches_and_ember_backends_is_unchanged(notebook):
    assert notebook[2].splitlines() == [
        "torch.backends False ember.backends True",
        # set through torch, kept on ember's module (not on the torch stand-in)
        "True True False",
        "RuntimeError: torch.backends.cudnn.deterministic expects a bool, but got str",
        "RuntimeError: torch.backends.cuda.matmul.allow_tf32 expects a bool, but got int",
        "3 3", "False False"]


def test_plain_import_ember_never_touches_torch():
    out = _ok(_python(code="""
        import sys
        import ember
        x = ember.ones(2, 3)
        print(any(n == "torch" or n.startswith("torch.") for n in sys.modules))
        print([type(f).__name__ for f in sys.meta_path if "Torch" in type(f).__name__])
        print(ember.float32, x.shape, x.layout, repr(x.max(0)).splitlines()[0])
    """))
    assert out.splitlines() == ["False", "[]", "ember.float32 ember.Size([2, 3]) ember.strided "
                                               "ember.return_types.max("]


def test_it_refuses_when_the_real_torch_is_imported():
    # a stand-in for PyTorch (the check is on sys.modules; importing the real one takes seconds)
    proc = _python(code="""
        import sys, types
        sys.modules["torch"] = types.ModuleType("torch")
        import ember
        ember.as_torch()
    """)
    assert proc.returncode == 1
    assert "RuntimeError: ember.as_torch(): the real PyTorch is already imported" in proc.stderr
    assert "before anything imports torch" in proc.stderr
