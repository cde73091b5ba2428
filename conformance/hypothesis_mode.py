"""Property-based mode (``--ember-hypothesis=N``): per op, Hypothesis draws N inputs and each
must match the op's float64 NumPy reference, in values, shape and result dtype.

What is drawn, from the op's declaration and its sample entry (so nothing is written per op):
the dtype (among the op's declared dtypes the backend has), a hand-written sample as the
template (its non-tensor arguments: dims, flags, sizes), for each tensor input its layout
(contiguous, transposed, a stepped slice, or broadcast along dim 0 with stride 0), and its
values from the pool of values the entry's own samples use in that dtype (so a drawn value is
in the op's domain), plus NaN and +-Inf for floating elementwise ops. Elementwise ops also get
a new shape, shared by the template's same-shaped inputs; reductions larger sizes of the same
dims. Ops whose entry turns the non-contiguous check off (``view``) keep contiguous inputs.
An input the reference refuses is discarded, not failed.

Runs are derandomized (the same examples on every run and in CI) unless
``--ember-hypothesis-seed=S`` picks a seed. A failure is shrunk by Hypothesis to a minimal
input and reported with its reproduction snippet (``repro.snippet``).
"""

import math

import numpy as np

import ember

from . import repro
from .entries import A, AnyValues, S, T

EXAMPLES = 0  # --ember-hypothesis
SEED = None  # --ember-hypothesis-seed
MAX_SIDE = 6  # an elementwise op's drawn sizes are at most this per dim
MAX_EXTRA = 3  # a reduction's drawn sizes exceed the template's by at most this
LAYOUTS = (None, "transposed", "stepped", "expanded")


def applies(op, entry):
    """Whether the op gets a property-based test: a reference to compare with, tensor inputs."""
    return (op.kind not in ("creation", "random") and entry.ref is not None
            and "forward" not in entry.custom and not entry.mutates)


def _templates(ctx, dtype):
    out = []
    for s in ctx.samples(dtype, quick=False):
        leaves = repro.flatten((s.args, s.kwargs))
        ts = [v for v in leaves if isinstance(v, T)]
        if (ts and all(t.values.size for t in ts) and not s.name.startswith("generated")
                and s.expected is None and not any(isinstance(v, A) for v in leaves)):
            out.append(s)
    return out


def _pool(ts, dtype, special):
    vals = np.unique(np.concatenate([np.ravel(t.values) for t in ts if t.dtype is dtype]
                                    or [np.zeros(1)]))
    pool = vals.tolist() or [0]
    if special:
        pool += [math.nan, math.inf, -math.inf]
    return pool


def _strategy(ctx):
    """A Hypothesis strategy of samples (S) for the op of `ctx`."""
    from hypothesis import strategies as st

    op = ctx.op
    dtypes = [d for d in ctx.entry.dtypes if d in ctx.backend.supported_dtypes]
    dtypes.sort(key=lambda d: d is not ember.float32)  # shrink towards float32
    by_dtype = {d: _templates(ctx, d) for d in dtypes}
    dtypes = [d for d in dtypes if by_dtype[d]]

    @st.composite
    def samples(draw):
        d = draw(st.sampled_from(dtypes))
        template = draw(st.sampled_from(by_dtype[d]))
        ts = [v for v in repro.flatten((template.args, template.kwargs)) if isinstance(v, T)]
        first = ts[0].values.shape
        shape = first
        if op.kind == "elementwise" and all(t.values.shape in (first, ()) for t in ts):
            shape = tuple(draw(st.lists(st.integers(1, MAX_SIDE), min_size=len(first),
                                        max_size=len(first) + 1)))
        elif op.kind == "reduction" and len(ts) == 1 and first:
            # at least the template's sizes: a k or an index argument stays in range
            shape = tuple(draw(st.integers(n, n + MAX_EXTRA)) for n in first)
        special = op.kind == "elementwise" and d.is_floating_point
        layouts = ctx.entry.noncontiguous is not False  # view() and the like depend on it
        new = {}
        for t in ts:
            if t.values.shape != first and t.dtype is not d:
                continue  # an index or other input whose shape the op ties to its own
            if t.dtype is not d and op.kind not in ("elementwise",):
                continue
            s = shape if t.values.shape == first else t.values.shape
            pool = _pool([t], t.dtype, special and t.dtype is d)
            n = int(np.prod(s))
            vals = np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)))
            vals = vals.reshape(s)
            layout = draw(st.sampled_from(LAYOUTS)) if vals.ndim and layouts else None
            if layout == "transposed" and vals.ndim < 2:
                layout = "stepped"
            if layout == "expanded" and vals.ndim:
                vals = np.broadcast_to(vals[:1], vals.shape).copy()
            new[id(t)] = T(vals, t.dtype, grad=False, layout=layout)
        return S(*repro.swap_ids(template.args, new), **repro.swap_ids(template.kwargs, new)).named(
            f"hypothesis, {d.name}")

    return samples() if dtypes else None


def check(ctx):
    """The property-based check of one op on one backend (``--ember-hypothesis=N``)."""
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import seed as seeded

    from .checks import compare, outputs, tolerance

    strategy = _strategy(ctx)
    if strategy is None:
        return
    failing = {}

    def run(sample):
        with ember.default_backend(ctx.backend.name):
            args, kwargs = ctx.materialize(sample.args), ctx.materialize(sample.kwargs)
        try:
            expected = ctx.reference(sample, args, kwargs)
        except Exception:  # noqa: BLE001 - the reference refuses this input: not a test
            assume(False)
        try:
            got = outputs(ctx.invoke(args, kwargs))
        except Exception as exc:  # noqa: BLE001
            return f"raised {type(exc).__name__}: {exc}", None
        want = [expected] if isinstance(expected, AnyValues) else outputs(expected)
        if len(got) != len(want):
            return f"returned {len(got)} outputs, expected {len(want)}", expected
        d = _dtype_of(sample)
        for k, (g, w, rd) in enumerate(zip(got, want, ctx.expected_dtypes(sample, d, len(got)))):
            label = f"output {k}: " if len(got) > 1 else ""
            if isinstance(g, ember.Tensor) and g.dtype is not rd:
                return f"{label}result dtype is {g.dtype}, expected {rd}", expected
            problem = compare(g, w, rd, tolerance(ctx.entry, rd))
            if problem:
                return label + problem, expected
        return None, expected

    @settings(max_examples=EXAMPLES, derandomize=SEED is None, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def prop(sample):
        problem, expected = run(sample)
        if problem:
            failing["last"] = (sample, problem, expected)
            raise AssertionError(problem)

    test = prop if SEED is None else seeded(SEED)(prop)
    try:
        test()
    except AssertionError:
        pass
    except Exception as exc:  # noqa: BLE001 - Hypothesis itself could not run the op
        if "last" not in failing:
            raise
    if "last" in failing:
        sample, problem, expected = failing["last"]  # the last failure is the shrunk one
        kw = {} if expected is None else {"expected": _expected_text(expected)}
        ctx.fail_sample(0, sample, f"{problem}\n(shrunk by Hypothesis from "
                                   f"{EXAMPLES} examples{_seed_text()})", **kw)
    ctx.finish("a drawn input disagrees with the float64 NumPy reference")


def _dtype_of(sample):
    name = sample.name.rsplit(", ", 1)[-1]
    return ember.dtypes.from_name(name)


def _seed_text():
    return "" if SEED is None else f", --ember-hypothesis-seed={SEED}"


def _expected_text(expected):
    if isinstance(expected, AnyValues):
        return f"any values of shape {list(expected.shape)}"
    from .checks import show

    return "\n".join(show(e) for e in (expected if isinstance(expected, tuple) else [expected]))
