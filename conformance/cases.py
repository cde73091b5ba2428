"""Test cases: which checks run for which op, backend and dtype, and their pytest marks
(skipped for an unavailable backend or unsupported dtype, xfail for an expected failure)."""

import functools
import importlib.metadata
import os
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import ember
from ember.ops import REGISTRY

from . import hypothesis_mode
from .entries import CHECKS, T, Make
from .samples import ENTRIES

PER_DTYPE = ("forward", "dtype")
_EVERY_DTYPE = frozenset(ember.dtypes.ALL_DTYPES)
# the dtype a single-dtype check (variants, views, noncontiguous, errors) runs in
PREFERRED = (ember.float32, ember.float64, ember.int64, ember.int32, ember.bool,
             ember.complex64) + tuple(ember.dtypes.ALL_DTYPES)


@dataclass(frozen=True)
class Case:
    """One test: a check of an op on a backend (in a dtype), with its fixed seed."""

    check: str
    op: str = "*"
    backend: str = "*"
    dtype: str = ""
    seed: int = 0
    xfail: str = ""  # the expected-failure key that matched, if any
    full: bool = False  # --ember-full: every sample for every dtype

    @property
    def id(self):
        if self.check == "samples":
            return self.op
        if self.op == "*":
            return self.backend
        return "-".join(p for p in (self.backend, self.op,
                                    self.dtype if self.check in PER_DTYPE else "") if p)

    def properties(self):
        """What the report needs, as ``report.user_properties`` (plain strings, for xdist)."""
        return [("ember_check", self.check), ("ember_op", self.op),
                ("ember_backend", self.backend), ("ember_dtype", self.dtype),
                ("ember_xfail", self.xfail)]


def installed_names():
    """Every backend name registered in the ``ember.backends`` entry-point group."""
    return sorted({ep.name for ep in importlib.metadata.entry_points(group="ember.backends")})


def selected_backends(config):
    """The backend names ``--ember-backend`` asks for ("all", or a comma list); without the
    option, the default backend (``EMBER_BACKEND``, else numpy)."""
    value = config.getoption("ember_backend", None) or os.environ.get("EMBER_BACKEND") or "numpy"
    names = installed_names()
    if value.strip() == "all":
        return names
    wanted = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise pytest.UsageError(f"--ember-backend: unknown backend(s) {', '.join(unknown)}; "
                                f"installed: {', '.join(names) or 'none'} (or 'all')")
    return wanted


def seed_for(op, check, dtype, offset):
    """A fixed seed per test, the same on every backend (so their inputs match)."""
    return (zlib.crc32(f"{op}/{check}/{dtype}".encode()) + offset) % (1 << 32)


def _forms(op):
    n = bool(op.function) + bool(op.method) + bool(op.inplace)
    return n + sum(1 for d in op.operators if d != "__rmatmul__")


def representative(entry, supported=None):
    """The dtype single-dtype checks use: float32 if the op and backend allow, else the next."""
    for d in PREFERRED:
        if d in entry.dtypes and (supported is None or d in supported):
            return d
    return None


def _has_tensor_inputs(samples):
    from .repro import flatten

    return any(isinstance(v, T) and v.values.ndim >= 1
               for s in samples for v in flatten((s.args, s.kwargs)))


@functools.lru_cache(maxsize=None)
def applicable_checks(name):
    """The checks that apply to op `name`, from its registry entry and its sample entry."""
    op, entry = REGISTRY[name], ENTRIES[name]
    rep = representative(entry) or ember.float32
    samples = entry.samples(Make(rep, np.random.default_rng(0)))
    grad = entry.grad if entry.grad is not None else op.differentiable
    gradgrad = grad if entry.gradgrad is None else entry.gradgrad
    noncontig = entry.noncontiguous if entry.noncontiguous is not None else (
        op.kind not in ("creation", "random") and _has_tensor_inputs(samples))
    wanted = {
        "forward": True,
        "dtype": bool(entry.dtypes) and entry.ref is not None,
        "grad": grad,
        "gradgrad": gradgrad,
        "variants": "variants" in entry.custom or (entry.variants and _forms(op) >= 2),
        "views": "views" in entry.custom or any(s.view for s in samples),
        "noncontiguous": noncontig,
        "errors": entry.errors is not None,
        "rejects": op.allowed != _EVERY_DTYPE and bool(op.dtypes),
        "compile": op.kind not in ("creation", "random"),
        "hypothesis": hypothesis_mode.applies(op, entry),
    }
    return tuple(c for c in CHECKS if wanted[c])


def expected_failure(backend, op, check, dtype):
    """The (key, reason) of the backend's expected-failure entry matching this test, if any."""
    table = backend.expected_failures or {}
    for key in (f"{op}[{check}-{dtype}]" if dtype else None, f"{op}[{check}]", op):
        if key and key in table:
            return key, str(table[key])
    return None


def _backend(name):
    from .checks import backend_named

    return backend_named(name)


def build(check, config):
    """The pytest params of one test function."""
    offset = config.getoption("ember_seed", 0) or 0
    full = bool(config.getoption("ember_full", False))
    if check == "samples":
        return [pytest.param(Case("samples", op=n), id=n) for n in REGISTRY]
    names = selected_backends(config)
    if check in ("backend", "expected_failures"):
        return [pytest.param(Case(check, backend=n), id=n) for n in names]
    if check == "compile" and not config.getoption("ember_compile", False):
        return []  # opt-in: compiling every op's samples takes minutes on JAX
    if check == "hypothesis" and not config.getoption("ember_hypothesis", 0):
        return []  # opt-in: --ember-hypothesis=N draws N inputs per op
    params = []
    for name in names:
        b = _backend(name)
        if b.status == "broken":
            continue  # test_backend_loads fails with the error; nothing else can run
        if check == "compile" and b.status == "available" and b.compiler is None:
            continue  # the backend offers no compiler: ember.compile runs eagerly there
        for op in REGISTRY:
            if op not in ENTRIES or check not in applicable_checks(op):
                continue
            params.extend(_params_for(check, b, op, offset, full))
    return params


def _params_for(check, b, op, offset, full):
    entry = ENTRIES[op]
    if check == "dtype" and b.status == "available" and b.compiles_per_shape and not full:
        return []  # the forward test checks result dtypes there (checks.dtype_in_forward)
    supported = set(b.supported_dtypes)
    if check in PER_DTYPE:
        dtypes = [d.name for d in entry.dtypes] or [""]
    elif check in ("grad", "gradgrad"):
        dtypes = ["float64"]
    elif check == "rejects":  # one test tries every dtype outside the declaration
        dtypes = [""]
    else:
        rep = representative(entry, supported if b.status == "available" else None)
        dtypes = [rep.name if rep else ""]
    out = []
    for dname in dtypes:
        marks = []
        if b.status != "available":
            marks.append(pytest.mark.skip(reason=f"backend {b.name} is {b.status}: {b.reason}"))
        elif dname and ember.dtypes.from_name(dname) not in supported:
            why = " (gradients are checked in float64)" if check in ("grad", "gradgrad") else ""
            marks.append(pytest.mark.skip(reason=f"the {b.name} backend does not support "
                                                 f"{dname}{why}"))
        elif not dname and entry.dtypes and check != "rejects":
            marks.append(pytest.mark.skip(reason=f"the {b.name} backend supports none of "
                                                 f"{op}'s dtypes"))
        xf = expected_failure(b, op, check, dname) if b.status == "available" else None
        if xf:
            marks.append(pytest.mark.xfail(reason=f"{xf[1]} (expected failure {xf[0]!r})",
                                           strict=False))
        case = Case(check, op, b.name, dname, seed_for(op, check, dname, offset),
                    xf[0] if xf else "", full)
        out.append(pytest.param(case, marks=marks, id=case.id))
    return out


def parametrize(metafunc):
    """``pytest_generate_tests`` of the test module: one param per Case."""
    if "case" not in metafunc.fixturenames:
        return
    check = metafunc.function.__name__[len("test_"):]
    check = {"has_samples": "samples", "backend_loads": "backend",
             "expected_failures_known": "expected_failures"}.get(check, check)
    metafunc.parametrize("case", build(check, metafunc.config))
