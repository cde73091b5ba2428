"""Sample entries for the elementwise ops added after the first set (see ``ember_conformance.samples``)."""

import math

import numpy as np

import ember

from ..entries import ALL, BOOL, COMPLEX, FLOAT, INT, E, Entry, S, boolean, category, floating
from .core import (REAL, _any, _away, _float_unary_errors, _pos, _quiet, binary_errors,
                   binary_samples, unary_samples)

inf, nan = float("inf"), float("nan")
FLOAT_RESULT = dict(out=floating, errors=_float_unary_errors)


def _unit(m, *shape, dtype=None):
    """Values inside (-1, 1), the domain of asin and acos, away from the ends."""
    d = dtype or m.dtype
    if category(d) <= 1:
        return m(*shape, low=0, high=0, dtype=d)
    return m(*shape, low=-0.9, high=0.9, dtype=d)


def _no_half(m, *shape, dtype=None):
    """Values in [-3, 3] off the half-integers, where a rounding in float16 could flip."""
    t = m(*shape, dtype=dtype)
    if category(t.dtype) >= 2:
        t.values = np.where(np.abs(t.values % 1 - 0.5) < 0.05, t.values + 0.2, t.values)
    return t


def _erf_ref(a):
    return np.vectorize(math.erf, otypes=[np.float64])(a.astype(np.float64)) if a.size else \
        a.astype(np.float64)


def _complex_error(m):
    return _float_unary_errors(m) + [E(NotImplementedError, m(2, dtype=ember.complex64))
                                     .requires(ember.complex64)]


def _rounding_errors(m):
    return [E(NotImplementedError, m(2, dtype=ember.bool)), E(TypeError, "a")]


def _round_ref(a, decimals=0):
    return np.round(a, decimals)


def round_samples(m):
    out = unary_samples(_no_half, [0.5, 1.5, 2.5, -0.5, inf, nan])(m)
    if m.dtype.is_floating_point:
        out.append(S(m.values([1.23, -4.56, 7.0]), decimals=1).no_grad().named("decimals"))
        out.append(S(m.values([123.0, -456.0]), decimals=-1).no_grad().named("negative decimals"))
    return out


def _division_errors(m):
    return binary_errors("")(m) + [
        E(RuntimeError, m.values([1, 2], dtype=ember.int64), m.values([0, 1], dtype=ember.int64))
        .requires(ember.int64),
        E(NotImplementedError, m(2, dtype=ember.bool), m(2, dtype=ember.bool))]


def _division(ref):
    """An entry for an integer-safe division-like op (floor_divide, remainder, fmod)."""
    return dict(samples=binary_samples(_no_half, _away, scalars=(2, 1.5), promotions=False),
                ref=_quiet(ref), dtypes=REAL, errors=_division_errors)


def _logical(fn):
    def samples(m):
        return binary_samples(lambda m, *s, dtype=None: m.few(*s, dtype=dtype),
                              lambda m, *s, dtype=None: m.few(*s, dtype=dtype),
                              rule=boolean, scalars=(), promotions=False)(m)
    return dict(samples=samples, ref=lambda a, b: fn(a, b), out=boolean,
                errors=lambda m: [E(RuntimeError, m(2, 3), m(4)), E(TypeError, m(2, 3), 2)])


def _bitwise(fn, dtypes=INT + BOOL, shift=False):
    def gen_b(m, *shape, dtype=None):
        d = dtype or m.dtype
        if shift:
            return m(*shape, low=0, high=3, dtype=d)
        return m(*shape, dtype=d)

    def samples(m):
        scalars = (2,) if m.dtype is not ember.bool else (True,)
        return binary_samples(_any, gen_b, scalars=scalars, promotions=False)(m)

    def errors(m):
        return [E(RuntimeError, m(2, 3), m(4)),
                E(NotImplementedError, m(2, dtype=ember.float32), m(2, dtype=ember.float32))]

    return dict(samples=samples, ref=fn, dtypes=dtypes, errors=errors)


def _shift_ref(fn):
    def ref(a, b):
        return fn(np.asarray(a).astype(np.int64), np.asarray(b).astype(np.int64))
    return ref


def atan2_samples(m):
    out = binary_samples(_away, _away, rule=floating, scalars=(), promotions=False)(m)
    if m.dtype.is_floating_point:
        out.append(S(m.values([0.0, -0.0, inf, 1.0]), m.values([0.0, -1.0, inf, -inf])).no_grad()
                   .key().named("special values"))
    return out


def lerp_samples(m):
    return [S(m(2, 3), m(2, 3), 0.25).named("scalar weight below 1/2"),
            S(m(2, 3), m(2, 3), 0.75).named("scalar weight above 1/2"),
            S(m(2, 3), m(2, 3), m(2, 3, low=-1, high=2)).named("tensor weight"),
            S(m(2, 1), m(3), m(2, 3, low=0, high=1)).named("broadcast"),
            S(m(), m(), 0.5).named("0-d"), S(m(0, 3), m(3), 0.5).named("empty")]


def _lerp_ref(a, b, w):
    return a + w * (b - a)


def lerp_errors(m):
    return [E(RuntimeError, m(2, dtype=ember.float32), m(2, dtype=ember.float64), 0.5)
            .requires(ember.float32, ember.float64),
            E(NotImplementedError, m(2, dtype=ember.int64), m(2, dtype=ember.int64), 0.5)
            .requires(ember.int64), E(TypeError, m(2), 2.0, 0.5)]


def clamp_samples(m):
    low = 1 if m.dtype is ember.uint8 else -1
    out = [S(m(2, 3), low, 2).named("both scalars"), S(m(2, 3), min=0).named("min only"),
           S(m(2, 3), max=0).named("max only"),
           S(m(2, 3), m(2, 3, low=-3, high=0), m(2, 3, low=0.5, high=3)).named("tensor bounds"),
           S(m(2, 3), m(3, low=-3, high=0)).named("tensor min, broadcast"),
           S(m(), low, 2).named("0-d"), S(m(0, 3), low, 2).named("empty")]
    if m.dtype.is_floating_point:
        out.append(S(m.values([nan, -inf, inf, 0.5]), -1, 1).no_grad().key()
                   .named("nan stays, infinities clamp"))
    if category(m.dtype) == 1:
        out.append(S(m(3), 0.5).out(ember.float32).named("float scalar promotes"))
    return out


def _clamp_ref(a, min=None, max=None):
    if min is not None:
        a = np.maximum(a, min)
    if max is not None:
        a = np.minimum(a, max)
    return a


def clamp_errors(m):
    return [E(RuntimeError, m(2, 3)), E(TypeError, "a", 0, 1),
            E(NotImplementedError, m(2, dtype=ember.complex64), 0, 1).requires(ember.complex64),
            E(RuntimeError, m(2, 3), m(4), None),
            E(RuntimeError, m(2, dtype=ember.uint8), -1, 1).requires(ember.uint8)]


def isclose_samples(m):
    return [S(m.few(2, 3), m.few(2, 3)).named("ties"),
            S(m(2, 3), m(2, 3)).named("random"),
            S(m(3), m(3), 0.5, 2.0).named("loose tolerances"),
            S(m(2, 1), m(3), atol=1).named("broadcast")] + (
        [S(m.values([nan, inf, -inf, 1.0]), m.values([nan, inf, inf, 1.0 + 1e-9]))
         .key().named("special values"),
         S(m.values([nan, 1.0]), m.values([nan, 1.0]), equal_nan=True).key().named("equal_nan")]
        if m.dtype.is_floating_point else [])


def _isclose_ref(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    if a.dtype == bool:
        a, b = a.astype(np.float64), b.astype(np.float64)
    return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def isclose_errors(m):
    return [E(RuntimeError, m(2, dtype=ember.float32), m(2, dtype=ember.float64))
            .requires(ember.float32, ember.float64), E(TypeError, m(2), 1.0)]


def allclose_samples(m):
    return [S(m(2, 3), m(2, 3)).named("random"), S(m.few(3), m.few(3)).named("ties")] + [
        S(t, t).named("same") for t in [m(2, 3)]]


def _bool_result(ctx):
    """allclose and equal return a Python bool: compare it with the reference."""
    for i, s in enumerate(ctx.samples()):
        try:
            args, kwargs, got = ctx.run(s)
            want = bool(ctx.reference(s, args, kwargs))
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        if not isinstance(got, bool) or got != want:
            ctx.fail_sample(i, s, f"returned {got!r}, expected {want!r}")
    ctx.finish("wrong Python bool")


def equal_samples(m):
    a = m(2, 3)
    return [S(a, a).named("same values"), S(m(2, 3), m(2, 3)).named("random"),
            S(m(2, 3), m(3)).named("different shapes"), S(m(0, 3), m(0, 3)).named("empty")]


def _equal_ref(a, b):
    return a.shape == b.shape and bool(np.all(a == b))


def nan_to_num_samples(m):
    out = unary_samples(_any)(m)
    if m.dtype.is_floating_point:
        out += [S(m.values([nan, inf, -inf, 1.0])).no_grad().key().named("defaults"),
                S(m.values([nan, inf, -inf, 1.0]), 1.0, 2.0, -2.0).no_grad().key()
                .named("given values")]
    return out


def _nan_to_num_check(ctx):
    """nan_to_num's defaults are the result dtype's largest and lowest values: compared with
    NumPy's nan_to_num in that dtype."""
    from ..checks import compare, tolerance

    for i, s in enumerate(ctx.samples()):
        try:
            args, kwargs, got = ctx.run(s)
            arr = args[0].detach().numpy()
            given = dict(zip(("nan", "posinf", "neginf"), s.args[1:]), **kwargs)
            if not got.dtype.is_floating_point and not got.dtype.is_complex:
                want = arr
            elif arr.dtype.kind in "fc":
                want = np.nan_to_num(arr, **given)
            else:  # bfloat16 (ml_dtypes): NumPy's nan_to_num does not know its limits
                import ml_dtypes

                info = ml_dtypes.finfo(arr.dtype)
                given = {"posinf": float(info.max), "neginf": float(info.min), **given}
                want = np.nan_to_num(arr.astype(np.float64), **given)
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        problem = compare(got, want.astype(np.float64) if want.dtype.kind == "f" else want,
                          got.dtype, tolerance(ctx.entry, got.dtype))
        if problem:
            ctx.fail_sample(i, s, problem)
    ctx.finish("the values differ from NumPy's nan_to_num")


def masked_fill_samples(m):
    return [S(m(2, 3), m.mask(2, 3), 1.5 if category(m.dtype) >= 2 else 1).named("scalar value"),
            S(m(2, 3), m.mask(3), m()).named("0-d tensor value, broadcast mask"),
            S(m(3), m.mask(2, 3), 0).named("mask broadcasts the input"),
            S(m(), m.mask(), 0).named("0-d"), S(m(0, 3), m.mask(0, 3), 0).named("empty")]


def _masked_fill_ref(a, mask, value):
    return np.where(mask, np.asarray(value).astype(a.dtype), a)


def masked_fill_errors(m):
    return [E(RuntimeError, m(3), m(3, dtype=ember.int64), 0).requires(ember.int64),
            E(RuntimeError, m(3), m.mask(3), m(2)), E(RuntimeError, m(3), m.mask(4), 0),
            E(TypeError, m(3), [True, False, True], 0)]


def _unary(fn, gen=_any, special=None, dtypes=ALL, **kw):
    return dict(samples=unary_samples(gen, special), ref=_quiet(fn), dtypes=dtypes,
                **{**FLOAT_RESULT, **kw})


_HALF = {ember.float16: (4e-3, 4e-3), ember.bfloat16: (3e-2, 2e-2)}

ENTRIES = [
    Entry("floor_divide", **_division(np.floor_divide), grad=False),
    Entry("remainder", **_division(np.remainder)),
    Entry("fmod", **_division(np.fmod)),
    Entry("reciprocal", **_unary(lambda a: 1.0 / a, _away, [0.0, -0.0, inf, nan])),
    Entry("rsqrt", **_unary(lambda a: 1 / np.sqrt(a), _pos, [0.0, -1.0, inf])),
    Entry("square", samples=unary_samples(_any, [inf, nan]), ref=np.square,
          out=lambda d: ember.int64 if d is ember.bool else d, errors=_float_unary_errors),
    Entry("exp2", **_unary(np.exp2, _any, [-inf, 0.0, 2000.0, nan])),
    Entry("expm1", **_unary(np.expm1, _any, [-inf, 0.0, 1e-10, nan])),
    Entry("log2", **_unary(np.log2, _pos, [0.0, -1.0, inf, 8.0])),
    Entry("log10", **_unary(np.log10, _pos, [0.0, -1.0, inf, 100.0])),
    Entry("log1p", **_unary(np.log1p, _pos, [-1.0, -2.0, 1e-10, inf])),
    Entry("tan", **_unary(np.tan, _unit, [0.0, inf, nan]), tol=_HALF),
    Entry("asin", **_unary(np.arcsin, _unit, [0.0, 1.0, 2.0, nan])),
    Entry("acos", **_unary(np.arccos, _unit, [0.0, 1.0, 2.0, nan])),
    Entry("atan", **_unary(np.arctan, _any, [0.0, inf, -inf, nan])),
    Entry("sinh", **_unary(np.sinh, _any, [0.0, 1000.0, -inf, nan]), tol=_HALF),
    Entry("cosh", **_unary(np.cosh, _any, [0.0, 1000.0, -inf, nan]), tol=_HALF),
    Entry("erf", **_unary(_erf_ref, _any, [0.0, -0.0, 3.5, -6.0, inf, -inf, nan],
                          dtypes=BOOL + INT + FLOAT, errors=_complex_error)),
    Entry("floor", unary_samples(_no_half, [0.5, -0.5, inf, nan]), np.floor, dtypes=REAL,
          errors=_rounding_errors),
    Entry("ceil", unary_samples(_no_half, [0.5, -0.5, inf, nan]), np.ceil, dtypes=REAL,
          errors=_rounding_errors),
    Entry("trunc", unary_samples(_no_half, [0.5, -0.5, inf, nan]), np.trunc, dtypes=REAL,
          errors=_rounding_errors),
    Entry("round", round_samples, _round_ref, dtypes=REAL,
          errors=lambda m: _rounding_errors(m) + [
              E(NotImplementedError, m(2, dtype=ember.int64), decimals=1).requires(ember.int64)]),
    Entry("isnan", unary_samples(_any, [nan, inf, 0.0]), np.isnan, out=boolean),
    Entry("isinf", unary_samples(_any, [nan, inf, -inf, 0.0]), np.isinf, out=boolean),
    Entry("isfinite", unary_samples(_any, [nan, inf, -inf, 0.0]), np.isfinite, out=boolean),
    Entry("logical_not", unary_samples(lambda m, *s, dtype=None: m.few(*s, dtype=dtype)),
          np.logical_not, out=boolean, errors=lambda m: [E(TypeError, "a")]),
    Entry("logical_and", **_logical(np.logical_and)),
    Entry("logical_or", **_logical(np.logical_or)),
    Entry("logical_xor", **_logical(np.logical_xor)),
    Entry("bitwise_not", unary_samples(_any), np.invert, dtypes=INT + BOOL,
          errors=lambda m: [E(NotImplementedError, m(2, dtype=ember.float32))]),
    Entry("bitwise_and", **_bitwise(np.bitwise_and)),
    Entry("bitwise_or", **_bitwise(np.bitwise_or)),
    Entry("bitwise_xor", **_bitwise(np.bitwise_xor)),
    Entry("bitwise_left_shift", **_bitwise(_shift_ref(np.left_shift), INT, shift=True)),
    Entry("bitwise_right_shift", **_bitwise(_shift_ref(np.right_shift), INT, shift=True)),
    Entry("atan2", atan2_samples, _quiet(np.arctan2), dtypes=BOOL + INT + FLOAT, out=floating,
          errors=lambda m: binary_errors("atan2", tensors_only=True)(m) + [
              E(NotImplementedError, m(2, dtype=ember.complex64), m(2, dtype=ember.complex64))
              .requires(ember.complex64)]),
    Entry("lerp", lerp_samples, _lerp_ref, dtypes=FLOAT + COMPLEX, errors=lerp_errors,
          tol=_HALF),
    Entry("clamp", clamp_samples, _clamp_ref, dtypes=REAL, errors=clamp_errors),
    Entry("isclose", isclose_samples, _isclose_ref, out=boolean, errors=isclose_errors),
    Entry("allclose", allclose_samples, lambda a, b, *r, **k: bool(np.all(_isclose_ref(a, b))),
          custom={"forward": _bool_result, "dtype": lambda ctx: None,
                  "noncontiguous": _bool_result}, errors=isclose_errors),
    Entry("equal", equal_samples, _equal_ref, errors=lambda m: [E(TypeError, m(2), 1.0)],
          custom={"forward": _bool_result, "dtype": lambda ctx: None,
                  "noncontiguous": _bool_result}),
    Entry("nan_to_num", nan_to_num_samples, None, errors=_float_unary_errors,
          custom={"forward": _nan_to_num_check, "noncontiguous": _nan_to_num_check}),
    Entry("masked_fill", masked_fill_samples, _masked_fill_ref, errors=masked_fill_errors),
]
