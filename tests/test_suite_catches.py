"""The conformance suite tests itself: each backend here is the NumPy backend with one kernel
broken on purpose, in a way a real backend could get wrong, and the suite must fail it.

The backends are registered in-process (a Backend behind a stand-in entry point, put into
ember's registry for the test), and the suite's own cases for the broken op run through
``ember_conformance.checks.run`` as pytest would run them; an intact copy of the NumPy backend
runs the same cases and must pass them, so each failure is the broken kernel's doing.
"""

import types
import warnings

import numpy as np
import pytest
from _pytest.outcomes import Failed

import ember
from ember import backends
from ember_numpy.kernels import make_kernels
from ember_numpy.plugin import DTYPES


def _large_only(k):
    """add, wrong only for inputs above 64 elements (a SIMD or threaded path gone wrong)."""
    add = k["add"]

    def broken(a, b):
        out = add(a, b)
        if np.size(out) > 64:
            out = np.array(out, copy=True)
            out.flat[-1] += 1
        return out
    return {"add": broken}


def _nan_ignored(k):
    """amax that skips NaN (NumPy's nanmax) where PyTorch propagates it."""
    def broken(a, dims, keepdim):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "All-NaN slice encountered"
            fn = np.nanmax if a.dtype.kind == "f" else np.max
            return np.asarray(fn(a, axis=dims, keepdims=keepdim))
    return {"amax": broken}


def _unstable_sort(k):
    """sort whose ties come out in reverse order of position (stable=True broken)."""
    def broken(a, dim, descending):
        n = a.shape[dim]
        rev = np.flip(a, dim)
        idx = np.argsort(-rev if descending else rev, axis=dim, kind="stable")
        idx = (n - 1) - idx
        return np.take_along_axis(a, idx, axis=dim), idx
    return {"sort": broken}


def _seed_ignored(k):
    """A generator that ignores its seed (fresh entropy each time). The backend lists a CUDA
    device: on the CPU, core draws from its own generator and never calls this kernel."""
    return {"generator": lambda seed: np.random.Generator(np.random.PCG64())}


_seed_ignored.devices = ["cuda:0"]


def _half_accumulation(k):
    """sum of float16 accumulated in float16, one element after another (PyTorch accumulates
    in float32 and rounds once)."""
    total = k["sum"]

    def broken(a, dims, keepdim):
        if a.dtype != np.float16 or a.size == 0:
            return total(a, dims, keepdim)
        dims = tuple(range(a.ndim)) if dims is None else tuple(dims)
        keep = [d for d in range(a.ndim) if d not in dims]
        moved = np.transpose(a, keep + list(dims)).reshape([a.shape[d] for d in keep] + [-1])
        out = np.cumsum(moved, axis=-1, dtype=np.float16)[..., -1]
        if keepdim:
            out = out.reshape([1 if d in dims else a.shape[d] for d in range(a.ndim)])
        return np.asarray(out)
    return {"sum": broken}


def _copying_view(k):
    """transpose that copies where the op is declared a view (writes no longer shared)."""
    return {"transpose": lambda a, d0, d1: np.swapaxes(a, d0, d1).copy()}


def _wrong_layout(k):
    """permute that reinterprets the memory in the new shape instead of moving the axes (the
    right shape, the elements in the wrong places)."""
    return {"permute": lambda a, dims: np.ascontiguousarray(a).reshape(
        [a.shape[d] for d in dims])}


def _wrong_dtype(k):
    """mean that returns float64 for float32 and float16 inputs."""
    return {"mean": lambda a, dims, keepdim: np.asarray(
        np.mean(a, axis=dims, keepdims=keepdim, dtype=np.float64))}


def _saturating(k):
    """add that saturates small integers (as some SIMD instructions do) where PyTorch wraps."""
    add = k["add"]

    def broken(a, b):
        if isinstance(a, np.ndarray) and a.dtype.kind in "iu" and a.dtype.itemsize <= 2:
            info = np.iinfo(a.dtype)
            exact = np.asarray(a, np.int64) + np.asarray(b, np.int64)
            return np.clip(exact, info.min, info.max).astype(a.dtype)
        return add(a, b)
    return {"add": broken}


def _wrong_shape(k):
    """amin that ignores keepdim (the reduced dims are dropped whatever the caller asked)."""
    return {"amin": lambda a, dims, keepdim: np.asarray(np.min(a, axis=dims))}


# backend name -> (how its kernel table is broken, the ops whose suite cases must catch it,
# the text of the failing sample where only a generated sample can catch it)
BROKEN = {
    "wrong_above_64": (_large_only, ("add",), "elements, contiguous"),
    "nan_not_propagated": (_nan_ignored, ("amax",), "generated: NaN, Inf, -0.0"),
    "unstable_sort": (_unstable_sort, ("sort",), "ties keep their order"),
    "seed_ignored": (_seed_ignored, ("rand",), "the same seed gave different values"),
    "half_accumulation": (_half_accumulation, ("sum",), "elements, contiguous"),
    "view_copies": (_copying_view, ("transpose",), "writing into the view did not reach"),
    "wrong_layout": (_wrong_layout, ("permute",), ""),
    "wrong_shape": (_wrong_shape, ("amin",), ""),
    "wrong_result_dtype": (_wrong_dtype, ("mean",), ""),
    "scalar_saturates": (_saturating, ("add",), "generated: Python int"),
}


class _EntryPoint:
    """What ember's registry needs of an entry point: ``load()`` and ``value``."""

    def __init__(self, module):
        self.module = module
        self.value = f"{__name__}:{module.__name__}"
        self.dist = None

    def load(self):
        return self.module


def _plugin(name, breaks):
    """A plugin module: the NumPy backend's hooks, with the kernels `breaks` returns."""
    mod = types.ModuleType(f"suite_catches_{name}")
    mod.ember_backend_info = ember.hookimpl(
        lambda: {"library": "numpy", "version": np.__version__, "mutable": True})
    mod.ember_backend_available = ember.hookimpl(lambda: None)
    mod.ember_backend_dtypes = ember.hookimpl(lambda: {n: np.dtype(n) for n in DTYPES})

    def kernels():
        table = make_kernels(np)
        if breaks is not None:
            table.update(breaks(table))
        return table
    mod.ember_backend_kernels = ember.hookimpl(kernels)
    devices = getattr(breaks, "devices", ["cpu"])
    mod.ember_backend_devices = ember.hookimpl(lambda: devices)
    return mod


@pytest.fixture
def register(monkeypatch):
    """register(name, breaks): a backend `name` in ember's registry for this test only."""
    def add(name, breaks):
        b = backends.Backend(name, _EntryPoint(_plugin(name, breaks)))
        monkeypatch.setitem(backends._discover(), name, b)
        b.load()
        assert b.status == "available", b.reason
        return b
    return add


def _suite(backend, ops):
    """Run the suite's cases of `ops` on `backend`: {test id: failure message}."""
    from ember_conformance import cases, checks

    failures = {}
    for op in ops:
        for check in cases.applicable_checks(op):
            if check in ("compile", "hypothesis"):
                continue  # opt-in (--ember-compile, --ember-hypothesis); the latter below
            for param in cases._params_for(check, backend, op, 0, False):
                case = param.values[0]
                if any(m.name == "skip" for m in param.marks):
                    continue
                try:
                    checks.run(case)
                except Failed as exc:
                    failures[f"{check}[{case.id}]"] = str(exc)
    return failures


@pytest.mark.parametrize("devices", sorted({tuple(getattr(b, "devices", ["cpu"]))
                                             for b, _, _ in BROKEN.values()}))
def test_the_intact_kernels_pass(register, devices):
    """The control: the same cases pass on the unbroken kernels (on the same devices)."""
    def intact(k):
        return {}
    intact.devices = list(devices)
    b = register("intact_" + "_".join(d.replace(":", "") for d in devices), intact)
    ops = sorted({op for breaks, targets, _ in BROKEN.values()
                  if tuple(getattr(breaks, "devices", ["cpu"])) == devices for op in targets})
    failures = _suite(b, ops)
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_suite_catches(register, name):
    breaks, ops, evidence = BROKEN[name]
    b = register(name, breaks)
    failures = _suite(b, ops)
    assert failures, (f"the conformance suite passed the {name!r} backend, whose kernel is "
                      f"broken: {breaks.__doc__}")
    # a failure names the op and the backend, shows the sample that caught it and how to
    # reproduce it
    text = "\n".join(failures.values())
    assert name in text and any(op in text for op in ops) and "ember.default_backend" in text, \
        text
    assert evidence in text, f"no failing sample says {evidence!r}:\n{text}"


def _fmax(k):
    """maximum that skips NaN (NumPy's fmax) where PyTorch propagates it."""
    return {"maximum": np.fmax}


@pytest.mark.parametrize("name, breaks", [("intact_numpy", None), ("maximum_skips_nan", _fmax)])
def test_the_property_based_mode(register, monkeypatch, name, breaks):
    """--ember-hypothesis=N passes the intact kernel and catches the broken one, reporting
    the shrunk input as a snippet of a few elements."""
    from ember_conformance import cases, checks, hypothesis_mode

    monkeypatch.setattr(hypothesis_mode, "EXAMPLES", 20)
    b = register(name, breaks)
    (param,) = cases._params_for("hypothesis", b, "maximum", 0, False)
    if breaks is None:
        checks.run(param.values[0])
        return
    with pytest.raises(Failed) as caught:
        checks.run(param.values[0])
    text = str(caught.value)
    assert "shrunk by Hypothesis" in text and "ember.maximum(" in text, text
    assert "nan" in text, text
    snippet = text.split("Reproduce with:", 1)[1]
    assert snippet.count("float(") <= 4, f"not shrunk to a few elements:\n{snippet}"


def test_full_mode_grows_every_size_and_layout(monkeypatch):
    """--ember-full: each boundary size, contiguous, as a stepped slice and broadcast, and the
    special values with subnormals; the default keeps one grown sample."""
    from ember_conformance import checks, generated
    from ember_conformance.cases import Case
    from ember_conformance.entries import Make
    from ember_conformance.samples import ENTRIES

    def names():
        return [s.name for s in ENTRIES["add"].samples(Make(ember.float32,
                                                            np.random.default_rng(0)))
                if s.name.startswith("generated")]

    assert names() == ["generated: 4100 elements, contiguous", "generated: NaN, Inf, -0.0"]
    monkeypatch.setattr(generated, "FULL", True)
    full = names()
    for n in generated.FULL_SIZES:
        for layout in ("contiguous", "stepped", "expanded"):
            assert any(f" {layout}" in x and f"{-(-n // 2) * 2} elements" in x for x in full), \
                (n, layout, full)
    assert "generated: NaN, Inf, -0.0, subnormals" in full
    checks.run(Case("forward", "add", "numpy", "float32", full=True))  # and they pass
