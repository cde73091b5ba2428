"""The checks the suite runs on one op, one backend: each takes a Case and fails with a
message that ends in a reproduction snippet."""

import operator
import traceback
import warnings

import numpy as np
import pytest

import ember
from ember.ops import REGISTRY

from . import oracle, report, repro
from .entries import A, AnyValues, Make, T, category, np_dtype
from .samples import ENTRIES

# (rtol, atol) against the float64 reference, by result dtype (PyTorch's assert_close defaults,
# loosened for half precision, whose reference is computed from already-rounded inputs)
TOLERANCES = {
    ember.float16: (2e-3, 2e-3), ember.bfloat16: (1.6e-2, 1e-2),
    ember.float32: (1.3e-6, 1e-5), ember.float64: (1e-7, 1e-7),
    ember.complex64: (1.3e-6, 1e-5), ember.complex128: (1e-7, 1e-7),
}
MAX_GRAD_NUMEL = 24  # gradcheck samples stay small: the Jacobian costs 2 calls per element
MAX_GRAD_SAMPLES = {"gradcheck": 5, "gradgradcheck": 3}  # per op, unless --ember-full
# on a backend that compiles per shape and dtype (``compiles_per_shape``: JAX), where each
# distinct sample costs lowerings and compilations rather than microseconds, the default run
# checks fewer: every float32 sample still, but in the other dtypes only the first sample and
# those marked ``always``, and fewer gradient samples. ``--ember-full`` checks everything.
MAX_GRAD_SAMPLES_COMPILING = {"gradcheck": 2, "gradgradcheck": 1}
# the dtypes whose forward check runs every sample; the others run the quick selection (the first
# sample, those with their own result dtype, and key samples), unless --ember-full. Backends
# that compile per shape and dtype (JAX) pay for each distinct call: this keeps the suite fast.
FULL_DTYPES = (ember.float32,)
MAX_REPORTED = 3  # failing samples shown per test


def backend_named(name):
    """The Backend `name`, loaded, without importing every other installed plugin."""
    from ember import backends

    b = backends.lookup(name)
    if b is None:
        raise LookupError(name)
    return b.load()


class Ctx:
    """What a check needs: the op, its entry, the backend, the dtype and the seed."""

    def __init__(self, case):
        self.case = case
        self.op = REGISTRY[case.op]
        self.entry = ENTRIES[case.op]
        self.backend = backend_named(case.backend)
        self.dtype = ember.dtypes.from_name(case.dtype) if case.dtype else None
        self.failures = []
        self.oracle_problems = []  # PyTorch's disagreements (--ember-oracle), see oracle.settle

    # -- inputs ----------------------------------------------------------------------------------
    def make(self, dtype=None):
        return Make(dtype or self.dtype, np.random.default_rng(self.case.seed))

    def supported(self, dtypes):
        return all(d in self.backend.supported_dtypes for d in dtypes)

    def rejected_dtypes(self):
        """The backend's dtypes that the op does not declare."""
        return [d for d in ember.dtypes.ALL_DTYPES
                if d in self.backend.supported_dtypes and d not in self.op.allowed]

    def samples(self, dtype=None, quick=None):
        """The samples for `dtype`, less those needing a dtype the backend lacks; `quick`
        (default: for dtypes outside FULL_DTYPES) keeps the quick selection only."""
        dtype = dtype or self.dtype
        if quick is None:
            quick = dtype not in FULL_DTYPES
        out = [s for s in self.entry.samples(self.make(dtype)) if self.supported(s.needs)]
        if quick and not self.case.full:
            lean = self.backend.compiles_per_shape
            out = [s for i, s in enumerate(out)
                   if i == 0 or s.always or (s.expected is not None and not lean)]
        return out

    def materialize(self, value, noncontiguous=False, given=None):
        """`value` with each T made into a new tensor (or taken from `given`, {id(T): tensor})
        and each A into a NumPy array."""
        if isinstance(value, T):
            if given and id(value) in given:
                return given[id(value)]
            return tensor_of(value, noncontiguous=noncontiguous)
        if isinstance(value, A):
            return value.array()
        if isinstance(value, tuple):
            return tuple(self.materialize(v, noncontiguous, given) for v in value)
        if isinstance(value, list):
            return [self.materialize(v, noncontiguous, given) for v in value]
        if isinstance(value, dict):
            return {k: self.materialize(v, noncontiguous, given) for k, v in value.items()}
        return value

    def invoke(self, args, kwargs):
        """Call the op the way users do: its public function, else its method."""
        e, op = self.entry, self.op
        with ember.default_backend(self.backend.name):
            if e.call is not None:
                return e.call(*args, **kwargs)
            if op.function:
                return op.public_function()(*args, **kwargs)
            return getattr(args[0], op.method)(*args[1:], **kwargs)

    def run(self, sample, noncontiguous=False):
        """(args, kwargs, result) of one sample, on this backend."""
        with ember.default_backend(self.backend.name):
            args = self.materialize(sample.args, noncontiguous=noncontiguous)
            kwargs = self.materialize(sample.kwargs, noncontiguous=noncontiguous)
        return args, kwargs, self.invoke(args, kwargs)

    def expected_dtypes(self, sample, dtype, n):
        rule = sample.expected if sample.expected is not None else self.entry.out
        d = rule(dtype) if callable(rule) and not isinstance(rule, ember.dtype) else rule
        return list(d) if isinstance(d, tuple) else [d] * n

    def reference(self, sample, args, kwargs):
        ref = getattr(sample, "ref", None) or self.entry.ref
        return ref(*to_host(args), **to_host(kwargs))

    # -- failing ---------------------------------------------------------------------------------
    def snippet(self, sample, **kw):
        return repro.snippet(self.backend.name, self.entry, self.op, sample.args, sample.kwargs,
                             **kw)

    def fail_sample(self, i, sample, problem, **kw):
        label = f"sample {i}" + (f" ({sample.name})" if sample.name else "")
        self.failures.append(f"{label}: {problem}\nReproduce with:\n{self.snippet(sample, **kw)}")

    def raised(self, i, sample, exc, **kw):
        frames = traceback.extract_tb(exc.__traceback__)[-3:]
        where = "".join(traceback.format_list(frames)).rstrip()
        self.fail_sample(i, sample, f"raised {type(exc).__name__}: {exc}\n{where}", **kw)

    def finish(self, what):
        oracle.settle(self)
        if self.failures:
            shown = self.failures[:MAX_REPORTED]
            more = len(self.failures) - len(shown)
            head = (f"{self.case.op} [{self.case.check}] on backend {self.case.backend!r}"
                    f"{' (' + self.case.dtype + ')' if self.case.dtype else ''}: {what}, "
                    f"{len(self.failures)} failing sample(s)")
            pytest.fail(head + "\n\n" + "\n\n".join(shown)
                        + (f"\n\n... and {more} more" if more else ""), pytrace=False)
        oracle.expected(self)


def tensor_of(t, requires_grad=False, noncontiguous=False):
    """An ember tensor on the default backend holding T `t` (optionally non-contiguous)."""
    vals = t.values
    if t.layout == "expanded":
        x = ember.tensor(vals[:1], dtype=t.dtype).expand(*vals.shape)
    elif t.layout == "stepped":
        x = ember.tensor(np.repeat(vals, 2, axis=-1), dtype=t.dtype)[..., ::2]
    elif (noncontiguous or t.layout == "transposed") and vals.ndim >= 2:
        x = ember.tensor(np.swapaxes(vals, -1, -2), dtype=t.dtype).transpose(-1, -2)
    elif noncontiguous and vals.ndim == 1:
        x = ember.tensor(np.repeat(vals, 2), dtype=t.dtype)[::2]
    else:
        x = ember.tensor(vals, dtype=t.dtype)
    if requires_grad or t.requires_grad:
        x.requires_grad_(True)
    return x


def host(t):
    """A tensor's values as a NumPy array, upcast for the reference (float64, complex128, int64
    or bool)."""
    arr = np.asarray(t.detach().numpy()) if isinstance(t, ember.Tensor) else np.asarray(t)
    d = t.dtype if isinstance(t, ember.Tensor) else None
    if d is not None:
        c = category(d)
        return arr.astype((np.bool_, np.int64, np.float64, np.complex128)[c])
    return arr.astype(np.float64) if arr.dtype.kind == "f" else arr


def to_host(value):
    if isinstance(value, ember.Tensor):
        return host(value)
    if isinstance(value, np.ndarray):
        return host(value)
    if isinstance(value, tuple):
        return tuple(to_host(v) for v in value)
    if isinstance(value, list):
        return [to_host(v) for v in value]
    if isinstance(value, dict):
        return {k: to_host(v) for k, v in value.items()}
    return value


def outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def show(arr):
    return np.array2string(np.asarray(arr), precision=6, threshold=40)


def compare(got, expected, dtype, tol):
    """None if `got` (a tensor or array) matches the reference, else what differs."""
    arr = np.asarray(got.detach().numpy() if isinstance(got, ember.Tensor) else got)
    if isinstance(expected, AnyValues):
        if tuple(arr.shape) != expected.shape:
            return f"shape {list(arr.shape)}, expected {list(expected.shape)}"
        return None
    exp = np.asarray(expected)
    if arr.shape != exp.shape:
        return f"shape {list(arr.shape)}, expected {list(exp.shape)}"
    c = category(dtype)
    if c <= 1:
        want = exp.astype(np_dtype(dtype)) if exp.dtype.kind in "biuf" else exp
        bad = ~(arr.astype(np.int64) == want.astype(np.int64)) if c else ~(arr == want)
        bad = np.asarray(bad)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            return (f"{int(bad.sum())} of {bad.size} values differ; first at {idx}: got "
                    f"{arr[idx].item()!r}, expected {want[idx].item()!r}\ngot:\n{show(arr)}\n"
                    f"expected:\n{show(want)}")
        return None
    kind = np.complex128 if c == 3 else np.float64
    a, e = arr.astype(kind), exp.astype(kind)
    if np_dtype(dtype) is not None:  # a reference value beyond the dtype's range is its +-inf
        with np.errstate(over="ignore", invalid="ignore"):
            rounded = e.astype(np_dtype(dtype)).astype(kind)
        e = np.where(np.isfinite(e) & ~np.isfinite(rounded), rounded, e)
    rtol, atol = tol
    close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        bad = ~close
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        diff = np.abs(a - e)[bad]
        return (f"{int(bad.sum())} of {bad.size} values differ (rtol={rtol}, atol={atol}); "
                f"first at {idx}: got {a[idx].item()!r}, expected {e[idx].item()!r}; max abs diff "
                f"{np.nanmax(diff) if diff.size else 0:.3g}\ngot:\n{show(a)}\nexpected:\n{show(e)}")
    return None


def tolerance(entry, dtype):
    return entry.tol.get(dtype, TOLERANCES.get(dtype, (0, 0)))


def _expected_text(expected):
    if isinstance(expected, AnyValues):
        return f"any values of shape {list(expected.shape)}"
    return "\n".join(show(e) for e in outputs(expected))


def _inputs_of(value):
    return [v for v in repro.flatten(value) if isinstance(v, ember.Tensor)]


# -- the checks ------------------------------------------------------------------------------------
def check_forward(ctx, noncontiguous=False):
    """Values and shapes against the float64 NumPy reference; inputs left unchanged."""
    for i, s in enumerate(ctx.samples(quick=True if noncontiguous else None)):
        kw = dict(noncontiguous=noncontiguous)
        try:
            with ember.default_backend(ctx.backend.name):
                args = ctx.materialize(s.args, noncontiguous=noncontiguous)
                kwargs = ctx.materialize(s.kwargs, noncontiguous=noncontiguous)
            before = [host(t).copy() for t in _inputs_of((args, kwargs))]
            expected = ctx.reference(s, args, kwargs)
            result = ctx.invoke(args, kwargs)
        except Exception as exc:  # noqa: BLE001 - a crashing kernel is a failure to report
            ctx.raised(i, s, exc, **kw)
            continue
        got, want = outputs(result), outputs(expected)
        if isinstance(expected, AnyValues):
            want = [expected]
        kw["expected"] = _expected_text(expected)
        if len(got) != len(want):
            ctx.fail_sample(i, s, f"returned {len(got)} outputs, expected {len(want)}", **kw)
            continue
        dts = ctx.expected_dtypes(s, ctx.dtype, len(got))
        for k, (g, w, d) in enumerate(zip(got, want, dts)):
            problem = compare(g, w, d, tolerance(ctx.entry, d))
            if not problem and dtype_in_forward(ctx) and not noncontiguous:
                problem = dtype_problem(g, d)
            if problem:
                label = f"output {k}: " if len(got) > 1 else ""
                ctx.fail_sample(i, s, f"{label}{problem}", **kw)
                break
            if not noncontiguous:
                report.drift(g, w, d)
        else:
            if not ctx.entry.mutates:
                for t, b in zip(_inputs_of((args, kwargs)), before):
                    if not np.array_equal(host(t), b, equal_nan=True):
                        ctx.fail_sample(i, s, "an input was modified by an out-of-place op",
                                        **kw)
                        break
        if oracle.ACTIVE and not noncontiguous:
            oracle.forward(ctx, i, s, result, expected)
    ctx.finish("the values differ from the float64 NumPy reference")


def dtype_problem(g, d):
    """None if result `g` has dtype `d`, as a tensor and in the backend's array, else what
    differs."""
    if isinstance(g, ember.Tensor):
        if g.dtype is not d:
            return f"result dtype is {g.dtype}, expected {d}"
        arr = g.detach().numpy()
    else:
        arr = np.asarray(g)
    want = np_dtype(d)
    if want is not None and np.asarray(arr).dtype != want:
        return (f"the backend's array holds {np.asarray(arr).dtype} values, but the tensor says "
                f"{d} (expected numpy {want})")
    return None


def dtype_in_forward(ctx):
    """On a backend that compiles per shape the forward test also checks result dtypes (its
    samples include the dtype test's), and no separate dtype test runs: the same calls are not
    compiled twice. ``--ember-full`` runs both."""
    return ctx.backend.compiles_per_shape and not ctx.case.full


def check_dtype(ctx):
    """ember's dtype and the dtype of the array the backend returned both match PyTorch's."""
    for i, s in enumerate(ctx.samples(quick=True)):
        try:
            _, _, result = ctx.run(s)
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        got = outputs(result)
        dts = ctx.expected_dtypes(s, ctx.dtype, len(got))
        for k, (g, d) in enumerate(zip(got, dts)):
            problem = dtype_problem(g, d)
            if problem:
                ctx.fail_sample(i, s, (f"output {k}: " if len(got) > 1 else "") + problem)
                break
        if oracle.ACTIVE:
            oracle.dtype(ctx, i, s, result)
    ctx.finish("wrong result dtype")


def _small(sample):
    n = sum(v.values.size for v in repro.flatten((sample.args, sample.kwargs)) if isinstance(v, T))
    return n <= MAX_GRAD_NUMEL


def check_grad(ctx, second=False):
    """gradcheck (or gradgradcheck) in float64 on each small sample."""
    from ember.autograd import GradcheckError, gradcheck, gradgradcheck

    checker = gradgradcheck if second else gradcheck
    name = checker.__name__
    ran = 0
    for i, s in enumerate(ctx.samples(ember.float64, quick=False)):
        if not s.grad or not _small(s):
            continue
        diff = repro.differentiated(s.args, s.kwargs)
        if not diff:
            continue
        budget = (MAX_GRAD_SAMPLES_COMPILING if ctx.backend.compiles_per_shape
                  else MAX_GRAD_SAMPLES)
        if ran == budget[name] and not ctx.case.full:
            break
        ran += 1

        def fn(*xs, s=s, diff=diff):
            # the other tensors are made afresh on each call: some calls write into them
            given = dict(zip(map(id, diff), xs))
            with ember.default_backend(ctx.backend.name):
                args = ctx.materialize(s.args, given=given)
                kwargs = ctx.materialize(s.kwargs, given=given)
            return ctx.invoke(args, kwargs)

        try:
            with ember.default_backend(ctx.backend.name), warnings.catch_warnings():
                # a float32 output gets float32 grad_outputs in gradgradcheck: expected here
                warnings.filterwarnings("ignore", "Input #.* not a double precision")
                inputs = tuple(tensor_of(t, requires_grad=True) for t in diff)
                checker(fn, inputs, **ctx.entry.grad_kwargs)
        except GradcheckError as exc:
            ctx.fail_sample(i, s, f"{name} failed: {exc}", grad=name)
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc, grad=name)
        if oracle.ACTIVE and not second:
            oracle.grad(ctx, i, s, diff)
    if not ran:
        pytest.fail(f"{ctx.case.op}: no sample has a float64 input to differentiate; mark the "
                    f"entry grad=False or add one", pytrace=False)
    ctx.finish(f"{name} disagrees with finite differences")


_REFLECTED = {"radd": "add", "rsub": "sub", "rmul": "mul", "rtruediv": "truediv", "rpow": "pow",
              "rfloordiv": "floordiv", "rmod": "mod", "rand": "and_", "ror": "or_",
              "rxor": "xor", "rlshift": "lshift", "rrshift": "rshift"}


def _same(a, b):
    """None if two results are identical (dtype, shape, values), else the difference."""
    if isinstance(a, ember.Tensor) != isinstance(b, ember.Tensor):
        return f"{type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, ember.Tensor) and a.dtype is not b.dtype:
        return f"dtype {a.dtype} vs {b.dtype}"
    ha, hb = np.asarray(to_host(a)), np.asarray(to_host(b))
    if ha.shape != hb.shape:
        return f"shape {list(ha.shape)} vs {list(hb.shape)}"
    if not np.array_equal(ha, hb, equal_nan=ha.dtype.kind in "fc"):
        return f"values\n{show(ha)}\nvs\n{show(hb)}"
    return None


def check_variants(ctx):
    """The function, the method, the in-place method and the operators agree; in-place ones
    return the same object and bump its version."""
    op = ctx.op
    for i, s in enumerate(ctx.samples(quick=True)):
        try:
            _, _, base = ctx.run(s)
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        first_is_tensor = bool(s.args) and isinstance(s.args[0], T)
        forms = []
        if op.function and op.method and first_is_tensor:
            forms.append(("method", lambda a, k: getattr(a[0], op.method)(*a[1:], **k)))
        for dunder in op.operators:
            name = dunder[2:-2]
            if s.kwargs or name in _REFLECTED or name.startswith("i") or name == "rmatmul":
                continue
            fn = getattr(operator, name, None) or getattr(operator, name + "_")  # and_, or_
            arity = 1 if name in ("neg", "abs") else 2
            if len(s.args) == arity and first_is_tensor:
                forms.append((f"operator {dunder}", lambda a, k, fn=fn: fn(*a)))
        for label, form in forms:
            try:
                with ember.default_backend(ctx.backend.name):
                    args, kwargs = ctx.materialize(s.args), ctx.materialize(s.kwargs)
                    other = form(args, kwargs)
            except Exception as exc:  # noqa: BLE001
                ctx.raised(i, s, exc)
                continue
            diff = _same(base, other)
            if diff:
                ctx.fail_sample(i, s, f"{label} differs from the function: {diff}")
        if first_is_tensor and len(s.args) == 2 and not s.kwargs and not isinstance(s.args[1], T):
            for dunder in op.operators:
                name = dunder[2:-2]
                if name in _REFLECTED:
                    _check_reflected(ctx, i, s, getattr(operator, _REFLECTED[name]), dunder, base)
        if first_is_tensor and isinstance(base, ember.Tensor):
            if op.inplace:
                _check_inplace(ctx, i, s, base, op.inplace,
                               lambda x, a, k: getattr(x, op.inplace)(*a, **k))
            for dunder in op.operators:
                name = dunder[2:-2]
                if name.startswith("i") and hasattr(operator, name) and len(s.args) == 2 \
                        and not s.kwargs:
                    _check_inplace(ctx, i, s, base, dunder,
                                   lambda x, a, k, fn=getattr(operator, name): fn(x, *a))
    ctx.finish("the variants of the op disagree")


def _check_reflected(ctx, i, s, fn, dunder, base):
    """``scalar op tensor`` (the reflected operator) against the reference with swapped args."""
    try:
        with ember.default_backend(ctx.backend.name):
            x = ctx.materialize(s.args[0])
            got = fn(s.args[1], x)
        want = ctx.entry.ref(s.args[1], host(x))
    except Exception as exc:  # noqa: BLE001
        ctx.raised(i, s, exc)
        return
    problem = compare(got, want, got.dtype, tolerance(ctx.entry, got.dtype))
    if problem:
        ctx.fail_sample(i, s, f"{dunder} (scalar on the left): {problem}")


def _check_inplace(ctx, i, s, base, label, apply):
    """``x.op_(...)`` keeps x, bumps its version and holds the out-of-place result; a result
    that x cannot hold (a higher dtype category, a broadcast shape) is a RuntimeError."""
    with ember.default_backend(ctx.backend.name):
        args = ctx.materialize(s.args)
        kwargs = ctx.materialize(s.kwargs)
    x = args[0]
    ident, version = id(x), x._version
    must_fail = category(base.dtype) > category(x.dtype) or tuple(base.shape) != tuple(x.shape)
    try:
        with ember.default_backend(ctx.backend.name):
            r = apply(x, args[1:], kwargs)
    except Exception as exc:  # noqa: BLE001
        if not (must_fail and isinstance(exc, RuntimeError)):
            ctx.raised(i, s, exc)
        return
    if must_fail:
        ctx.fail_sample(i, s, f"{label} should raise RuntimeError: the result ({base.dtype}, "
                              f"{list(base.shape)}) cannot be written into {x.dtype} "
                              f"{list(x.shape)}")
    elif r is not x or id(x) != ident:
        ctx.fail_sample(i, s, f"{label} returned a new object instead of the tensor itself")
    elif x._version <= version:
        ctx.fail_sample(i, s, f"{label} did not bump the tensor's version ({version} -> "
                              f"{x._version})")
    else:
        expected = host(base)
        problem = compare(x, expected, x.dtype, tolerance(ctx.entry, x.dtype))
        if problem:
            ctx.fail_sample(i, s, f"{label} holds different values than the function: {problem}")


def check_views(ctx):
    """A view shares memory with its base: writes into either show in the other."""
    ran = 0
    for i, s in enumerate(ctx.samples()):
        if not s.view:
            continue
        ran += 1
        tail = ["out.add_(1)", "print(x0)  # changed too"]
        try:
            with ember.default_backend(ctx.backend.name):
                args, kwargs = ctx.materialize(s.args), ctx.materialize(s.kwargs)
                x = args[0]
                base = host(x).copy()
                ref_view = ctx.entry.ref(base, *to_host(args[1:]), **to_host(kwargs))
                assert np.shares_memory(ref_view, base), "the reference is not a NumPy view"
                v = ctx.invoke(args, kwargs)
                v.add_(1)
                ref_view += 1
                problem = compare(x, base, x.dtype, tolerance(ctx.entry, x.dtype))
                if problem:
                    ctx.fail_sample(i, s, f"writing into the view did not reach its base: "
                                          f"{problem}", tail=tail)
                    continue
                x.add_(1)
                base += 1
                problem = compare(v, ref_view, v.dtype, tolerance(ctx.entry, v.dtype))
                if problem:
                    ctx.fail_sample(i, s, f"writing into the base did not reach the view: "
                                          f"{problem}", tail=["x0.add_(1)", "print(out)"])
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc, tail=tail)
    if not ran:
        pytest.fail(f"{ctx.case.op}: no sample is marked is_view()", pytrace=False)
    ctx.finish("views and their bases do not share writes")


def check_noncontiguous(ctx):
    """Transposed and strided inputs give the reference values too."""
    check_forward(ctx, noncontiguous=True)


def check_errors(ctx):
    """Each error sample raises the exception type PyTorch raises."""
    for i, e in enumerate(ctx.entry.errors(ctx.make())):
        if not ctx.supported(e.needs):
            continue
        if oracle.ACTIVE:
            oracle.error(ctx, i, e)
        want = e.exc.__name__
        try:
            with ember.default_backend(ctx.backend.name):
                args, kwargs = ctx.materialize(e.args), ctx.materialize(e.kwargs)
            ctx.invoke(args, kwargs)
        except e.exc:
            continue
        except Exception as exc:  # noqa: BLE001
            ctx.fail_sample(i, e, f"raised {type(exc).__name__}: {exc}; expected {want}",
                            tail=["# expected: " + want])
            continue
        ctx.fail_sample(i, e, f"no error raised; expected {want}", tail=["# expected: " + want])
    ctx.finish("wrong error behaviour")


def _same_values(a, b, nan_free=False):
    """Equal results; with `nan_free`, only where `b` (eager's) is not NaN: a derivative at a
    NaN input is unspecified, and a compiled program may take the other formula there."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if nan_free and b.dtype.kind in "fc":
        keep = ~np.isnan(b)
        a, b = a[keep], b[keep]
    if a.dtype.kind in "fc":
        return np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
    return np.array_equal(a, b)


def check_compile(ctx):
    """Each sample, run inside ``ember.compile`` on a backend that offers a compiler, gives the
    eager result (values, dtype, shape), and so do the gradients of its float outputs. An op
    that cannot be traced (a host sync, a result shape that depends on values) runs eagerly
    with a graph-break warning, which is correct behaviour: such samples are counted, not failed."""
    import warnings

    if ctx.backend.compiler is None:
        return
    grad = ctx.entry.grad if ctx.entry.grad is not None else ctx.op.differentiable
    for i, s in enumerate(ctx.samples(quick=True)):
        try:
            with ember.default_backend(ctx.backend.name):
                args = ctx.materialize(s.args)
                kwargs = ctx.materialize(s.kwargs)
            eager = [host(t) for t in outputs(ctx.invoke(args, kwargs))]
            compiled = ember.compile(lambda *a, **k: ctx.invoke(a, k))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ember.compile.GraphBreakWarning)
                got = [host(t) for t in outputs(compiled(*args, **kwargs))]
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        if len(got) != len(eager) or not all(map(_same_values, got, eager)):
            ctx.fail_sample(i, s, "compiled and eager results differ")
            continue
        if (grad and s.grad and ctx.dtype is not None and ctx.dtype.is_floating_point
                and not ctx.entry.mutates):
            _check_compiled_grad(ctx, i, s, args, kwargs)
    ctx.finish("compiled results differ from eager ones")


def _check_compiled_grad(ctx, i, s, args, kwargs):
    import warnings

    leaves = [t for t in _inputs_of((args, kwargs)) if t.dtype.is_floating_point]
    if not leaves:
        return

    def grads(*inputs):
        swap = dict(zip(map(id, leaves), inputs))
        a = repro.swap_ids(args, swap)
        k = repro.swap_ids(kwargs, swap)
        outs = [o for o in outputs(ctx.invoke(a, k))
                if isinstance(o, ember.Tensor) and o.requires_grad]
        if not outs:
            return ()
        total = outs[0].sum()
        for o in outs[1:]:
            total = total + o.sum()
        return ember.autograd.grad(total, inputs, allow_unused=True)

    def fresh():
        return [t.detach().clone().requires_grad_() for t in leaves]

    try:
        eager = [None if g is None else host(g) for g in grads(*fresh())]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ember.compile.GraphBreakWarning)
            got = [None if g is None else host(g) for g in ember.compile(grads)(*fresh())]
    except Exception as exc:  # noqa: BLE001
        ctx.raised(i, s, exc)
        return
    if len(got) != len(eager) or any((a is None) != (b is None) or
                                     (a is not None and not _same_values(a, b, nan_free=True))
                                     for a, b in zip(got, eager)):
        ctx.fail_sample(i, s, "compiled and eager gradients differ")


def check_rejects(ctx):
    """The op refuses each dtype outside its declaration (``OpDef.dtypes``) that the backend
    has, as PyTorch does: the other direction of the forward check, which runs every declared
    dtype. An op whose samples cannot be made in a dtype, or whose samples do not carry it (an
    index input stays int64), is not tried in it."""
    from .repro import flatten

    for d in ctx.rejected_dtypes():
        try:
            samples = [s for s in ctx.samples(d, quick=True)
                       if any(getattr(v, "dtype", None) is d for v in flatten((s.args, s.kwargs)))
                       or s.kwargs.get("dtype") is d][:1]
            with ember.default_backend(ctx.backend.name):
                runs = [(s, ctx.materialize(s.args), ctx.materialize(s.kwargs)) for s in samples]
        except Exception:  # noqa: BLE001 - no input of this dtype can be written for the op
            continue
        for s, args, kwargs in runs:
            try:
                ctx.invoke(args, kwargs)
            except (RuntimeError, TypeError):  # NotImplementedError is a RuntimeError
                continue
            ctx.fail_sample(0, s, f"accepted {d.name}, which {ctx.op.name} does not declare "
                                  f"(its dtypes: {', '.join(x.name for x in ctx.op.dtypes)}); "
                                  f"declare it, or refuse it as PyTorch does",
                            tail=[f"# in {d.name}: expected an error"])
    ctx.finish("accepted undeclared dtypes")


CHECK_FUNCTIONS = {
    "forward": check_forward,
    "dtype": check_dtype,
    "grad": check_grad,
    "gradgrad": lambda ctx: check_grad(ctx, second=True),
    "variants": check_variants,
    "views": check_views,
    "noncontiguous": check_noncontiguous,
    "errors": check_errors,
    "rejects": check_rejects,
    "compile": check_compile,
    "hypothesis": lambda ctx: hypothesis_check(ctx),
}


def hypothesis_check(ctx):
    """--ember-hypothesis=N: see ``hypothesis_mode`` (Hypothesis is imported only then)."""
    from .hypothesis_mode import check

    check(ctx)


def run(case):
    """Run one test case: the entry's own check if it has one, else the generic check."""
    ctx = Ctx(case)
    fn = ctx.entry.custom.get(case.check) or CHECK_FUNCTIONS[case.check]
    fn(ctx)
