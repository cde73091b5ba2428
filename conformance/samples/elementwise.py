"""Sample entries for the elementwise ops: arithmetic, unary math, rounding, logic, bitwise ops,
comparisons, clamp, where (see ``ember_conformance.samples``)."""

import math

import numpy as np

import ember

from ..entries import (ALL, BOOL, COMPLEX, FLOAT, INT, E, Entry, S, boolean, category, floating,
                       same, weak)
from ._common import (REAL, _quiet, unary_samples)


def _first(rule):
    """A rule applied to a sample whose second operand is a Python scalar."""
    def with_scalar(scalar):
        return lambda d: rule(weak(d, scalar))
    return with_scalar


# -- elementwise -----------------------------------------------------------------------------------
def binary_samples(a, b, rule=same, scalars=(2, 1.5), alpha=False, promotions=True):
    """Samples of a binary elementwise op: shapes, broadcasting, 0-d, empty, Python scalars.

    `a` and `b` draw the two operands (``make``, ``make.pos`` ...); `rule` gives the result
    dtype from the operands' dtype.
    """
    def samples(m):
        out = [
            S(a(m, 2, 3), b(m, 2, 3)).named("same shape"),
            S(a(m, 2, 1), b(m, 3)).named("broadcast"),
            S(a(m, 2, 1, 2), b(m, 3, 1)).named("broadcast 3-d"),
            S(a(m), b(m)).named("0-d"),
            S(a(m, 3), b(m)).named("0-d other"),
            S(a(m), b(m, 2)).named("0-d input"),
            S(a(m, 0, 3), b(m, 3)).named("empty"),
            S(a(m, 4, 5), b(m, 4, 5)).named("larger"),
        ]
        for sc in scalars:
            if isinstance(sc, complex) and category(m.dtype) < 2:
                continue
            s = S(a(m, 2, 3), sc).out(_first(rule)(sc)).named(f"scalar {sc!r}")
            out.append(s.no_grad() if isinstance(sc, complex) else s)
        if alpha and category(m.dtype) >= 1:
            out.append(S(a(m, 2, 3), b(m, 2, 3), alpha=2).named("alpha"))
        if promotions and m.dtype is ember.float32:
            out += promotion_samples(m, a, b, rule)
        return out

    return samples


def _without_bool(samples):
    """`samples` less those with a bool operand (PyTorch's subtraction refuses them)."""
    return lambda m: [s for s in samples(m)
                      if not any(getattr(v, "dtype", None) is ember.bool for v in s.args)]


def promotion_samples(m, a, b, rule):
    """Mixed-dtype operands (run once, with the float32 samples): PyTorch's promotion rules."""
    f64, f16, i32, u8, i8, i64, c64 = (ember.float64, ember.float16, ember.int32, ember.uint8,
                                       ember.int8, ember.int64, ember.complex64)
    return [
        S(a(m, 3), b(m, dtype=f64)).out(rule(ember.float32)).requires(f64)
        .named("float32 with 0-d float64"),
        S(a(m, 3, dtype=i32), b(m, 3, dtype=f16)).out(rule(f16)).requires(i32, f16)
        .named("int32 with float16"),
        S(a(m, 3, dtype=u8), b(m, 3, dtype=i8)).out(rule(ember.int16)).requires(u8, i8)
        .named("uint8 with int8"),
        S(a(m, 3, dtype=ember.bool), b(m, dtype=i64)).out(rule(i64)).requires(i64)
        .named("bool with 0-d int64"),
        S(a(m, 3, dtype=i64), b(m, 3, dtype=f64)).out(rule(f64)).requires(i64, f64)
        .named("int64 with float64"),
        S(a(m, 3), b(m, dtype=c64)).out(rule(c64)).requires(c64)
        .named("float32 with 0-d complex64"),
    ]


def _any(m, *shape, dtype=None):
    return m(*shape, dtype=dtype)


def _away(m, *shape, dtype=None):
    return m.away(*shape, dtype=dtype)


def _pos(m, *shape, dtype=None):
    return m.pos(*shape, dtype=dtype)


def _exponent(m, *shape, dtype=None):
    d = dtype or m.dtype
    if category(d) <= 1:  # integers to negative powers are an error
        return m(*shape, low=0, high=3, dtype=d)
    return m(*shape, low=-2, high=2, dtype=d)


def _few(m, *shape, dtype=None):
    return m.few(*shape, dtype=dtype)


def binary_errors(fn_name, tensors_only=False):
    def errors(m):
        out = [E(RuntimeError, m(2, 3), m(4)), E(TypeError, m(2, 3), "a")]
        if tensors_only:
            out.append(E(TypeError, m(2, 3), 2))
        return out
    return errors


def maxmin_samples(m):
    out = binary_samples(_any, _any, scalars=(), promotions=False)(m)
    out.append(S(m.few(3, 4), m.few(3, 4)).no_grad().named("ties"))
    if m.dtype.is_floating_point:
        out.append(S(m.values([1.0, nan, 3.0]), m.values([nan, 2.0, 1.0])).no_grad()
                   .key().named("nan propagates"))
    return out


def _real_of(d):
    """abs of a complex tensor is real (complex64 -> float32), as PyTorch."""
    return {ember.complex64: ember.float32, ember.complex128: ember.float64}.get(d, d)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _no_bool_error(m):
    return [E(RuntimeError, m(3, dtype=ember.bool)), E(TypeError, "a")]


def _float_unary_errors(m):
    return [E(TypeError, "a"), E(TypeError, [1.0, 2.0])]


def _comparison(fn, dtypes=REAL + BOOL):
    return dict(samples=binary_samples(_few, _few, rule=boolean, scalars=(1, 1.5),
                                       promotions=False),
                ref=fn, out=boolean, errors=binary_errors(""))


def where_samples(m):
    c = m.mask
    out = [
        S(c(2, 3), m(2, 3), m(2, 3)).named("same shape"),
        S(c(2, 1), m(3), m(2, 3)).named("broadcast all three"),
        S(c(), m(2), m(2)).named("0-d condition"),
        S(c(3), m(3), m.scalar()).out(lambda d: weak(d, m.scalar())).named("scalar other"),
        S(c(3), 0, m(3)).out(lambda d: weak(d, 0)).named("scalar input"),
        S(c(0, 2), m(0, 2), m(2)).named("empty"),
    ]
    if category(m.dtype) <= 1:
        out.append(S(c(3), m(3), 0.5).out(ember.float32).named("float scalar lifts"))
    if m.dtype is ember.float32:
        out.append(S(c(3), m(3), m(3, dtype=ember.float64)).out(ember.float64)
                   .requires(ember.float64).named("promotes"))
    return out


def where_errors(m):
    return [E(RuntimeError, m(3, dtype=ember.float32), m(3), m(3)),
            E(RuntimeError, m.mask(2), m(3), m(2)),
            E(TypeError, [True, False], m(2), m(2))]


def _where_method(ctx):
    """PyTorch's ``x.where(condition, y)`` is ``where(condition, x, y)``: self is the input."""
    from ..checks import _same

    for i, s in enumerate(ctx.samples()):
        if len(s.args) != 3 or not all(hasattr(a, "values") for a in s.args[:2]):
            continue
        try:
            with ember.default_backend(ctx.backend.name):
                cond, x, y = ctx.materialize(s.args)
                want = ember.where(cond, x, y)
                got = x.where(cond, y)
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        diff = _same(want, got)
        if diff:
            ctx.fail_sample(i, s, f"x.where(condition, y) differs from where(condition, x, y): "
                                  f"{diff}", tail=["print(x1.where(x0, x2))"])
    ctx.finish("Tensor.where does not take self as the input")


inf, nan = float("inf"), float("nan")
FLOAT_RESULT = dict(out=floating, errors=_float_unary_errors)


def _unit(m, *shape, dtype=None):
    """Values inside (-1, 1), the domain of asin and acos, away from the ends."""
    d = dtype or m.dtype
    if category(d) <= 1:
        return m(*shape, low=0, high=0, dtype=d)
    return m(*shape, low=-0.9, high=0.9, dtype=d)


def _above_one(m, *shape, dtype=None):
    """Values in [1.1, 4], the domain of acosh away from its end."""
    d = dtype or m.dtype
    if category(d) <= 1:
        return m(*shape, low=1, high=4, dtype=d)
    return m(*shape, low=1.1, high=4, dtype=d)


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
                ref=_quiet(ref), errors=_division_errors)


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

    return dict(samples=samples, ref=fn, errors=errors)


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
    """PyTorch's two formulas (from the nearer end), which differ at infinities."""
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - np.asarray(w)))


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
    return dict(samples=unary_samples(gen, special), ref=_quiet(fn),
                **{**FLOAT_RESULT, **kw})


_HALF = {ember.float16: (4e-3, 4e-3), ember.bfloat16: (3e-2, 2e-2)}

ENTRIES = [
    Entry("add", binary_samples(_any, _any, alpha=True, scalars=(2, 1.5, 1.5 - 0.5j)),
          lambda a, b, alpha=1: np.add(a, np.multiply(b, alpha)), errors=binary_errors("add")),
    Entry("sub", _without_bool(binary_samples(_any, _any, alpha=True,
                                              scalars=(2, 1.5, 1.5 - 0.5j))),
          lambda a, b, alpha=1: np.subtract(a, np.multiply(b, alpha)), errors=lambda m: binary_errors("sub")(m) + [
              E(RuntimeError, m(3, dtype=ember.bool), m(3, dtype=ember.bool)),
              E(RuntimeError, m(3, dtype=ember.float32), m(3, dtype=ember.bool)),
              E(RuntimeError, m(3, dtype=ember.bool), m(3, dtype=ember.float32)),
              E(RuntimeError, m(3, dtype=ember.float32), True)]),
    Entry("mul", binary_samples(_any, _any, scalars=(2, 1.5, 1.5 - 0.5j)), np.multiply,
          errors=binary_errors("mul")),
    Entry("div", binary_samples(_any, _away, rule=floating, scalars=(2, 1.5, 1.5 - 0.5j)),
          _quiet(np.true_divide), errors=lambda m: binary_errors("div")(m) + [
              E(RuntimeError, m(2), m(2), rounding_mode="flor")]),
    Entry("pow", binary_samples(_pos, _exponent, scalars=(2, 0.5), promotions=False),
          _quiet(np.power), errors=lambda m: binary_errors("pow")(m) + [
              E(RuntimeError, m(2, dtype=ember.int64), -1).requires(ember.int64)]),
    Entry("maximum", maxmin_samples, np.maximum,
          errors=binary_errors("maximum", tensors_only=True)),
    Entry("minimum", maxmin_samples, np.minimum,
          errors=binary_errors("minimum", tensors_only=True)),
    Entry("neg", unary_samples(_any), np.negative, errors=_no_bool_error),
    Entry("exp", unary_samples(_any, [-inf, 0.0, nan]), _quiet(np.exp),
          errors=_float_unary_errors),
    Entry("log", unary_samples(_pos, [0.0, -1.0, inf, nan]), _quiet(np.log),
          errors=_float_unary_errors),
    Entry("sqrt", unary_samples(_pos, [0.0, -1.0, inf]), _quiet(np.sqrt),
          errors=_float_unary_errors),
    Entry("abs", unary_samples(_away, [0.0, -inf, nan]), np.abs, out=_real_of,
          errors=_float_unary_errors),
    Entry("sign", unary_samples(_away, [0.0, -0.0, inf, -inf]),  # sign(nan) is 0 in PyTorch
          lambda a: a if a.dtype == bool else np.where(np.isnan(a), 0.0, np.sign(a)),
          errors=lambda m: [E(NotImplementedError, m(2, dtype=ember.complex64))
                            .requires(ember.complex64), E(TypeError, "a")]),
    Entry("sin", unary_samples(_any, [0.0, -inf, nan]), _quiet(np.sin),
          errors=_float_unary_errors),
    Entry("cos", unary_samples(_any, [0.0, inf, nan]), _quiet(np.cos),
          errors=_float_unary_errors),
    Entry("tanh", unary_samples(_any, [-20.0, 20.0, inf]), _quiet(np.tanh),
          errors=_float_unary_errors),
    Entry("sigmoid", unary_samples(_any, [-100.0, 100.0, -inf, inf]), _quiet(_sigmoid), errors=_float_unary_errors),
    Entry("relu", unary_samples(_away, [0.0, -inf, inf]),
          lambda a: np.maximum(a, 0).astype(a.dtype), errors=lambda m: [E(RuntimeError, m(3, dtype=ember.bool)),
                                         E(TypeError, "a")]),
    Entry("eq", **_comparison(np.equal, ALL)),
    Entry("ne", **_comparison(np.not_equal, ALL)),
    Entry("lt", **_comparison(np.less)),
    Entry("le", **_comparison(np.less_equal)),
    Entry("gt", **_comparison(np.greater)),
    Entry("ge", **_comparison(np.greater_equal)),
    Entry("where", where_samples, np.where, errors=where_errors,
          custom={"variants": _where_method}),
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
    Entry("acosh", **_unary(np.arccosh, _above_one, [1.0, 0.5, 6e4, inf, nan]), tol=_HALF),
    Entry("asinh", **_unary(np.arcsinh, _any, [0.0, 1e-10, -6e4, inf, -inf, nan]), tol=_HALF),
    Entry("atanh", **_unary(np.arctanh, _unit, [0.0, 1.0, -1.0, 2.0, nan]), tol=_HALF),
    Entry("erf", **_unary(_erf_ref, _any, [0.0, -0.0, 3.5, -6.0, inf, -inf, nan], errors=_complex_error)),
    Entry("floor", unary_samples(_no_half, [0.5, -0.5, inf, nan]), np.floor,
          errors=_rounding_errors),
    Entry("ceil", unary_samples(_no_half, [0.5, -0.5, inf, nan]), np.ceil,
          errors=_rounding_errors),
    Entry("trunc", unary_samples(_no_half, [0.5, -0.5, inf, nan]), np.trunc,
          errors=_rounding_errors),
    Entry("frac", unary_samples(_no_half, [0.5, -0.5, -2.0, -0.0, inf, -inf, nan]),
          _quiet(lambda a: a - np.trunc(a)), errors=_rounding_errors),
    Entry("round", round_samples, _round_ref,
          errors=lambda m: _rounding_errors(m) + [
              E(NotImplementedError, m(2, dtype=ember.int64), decimals=1).requires(ember.int64)]),
    Entry("isnan", unary_samples(_any, [nan, inf, 0.0]), np.isnan),
    Entry("isinf", unary_samples(_any, [nan, inf, -inf, 0.0]), np.isinf),
    Entry("isfinite", unary_samples(_any, [nan, inf, -inf, 0.0]), np.isfinite),
    Entry("logical_not", unary_samples(lambda m, *s, dtype=None: m.few(*s, dtype=dtype)),
          np.logical_not, errors=lambda m: [E(TypeError, "a")]),
    Entry("logical_and", **_logical(np.logical_and)),
    Entry("logical_or", **_logical(np.logical_or)),
    Entry("logical_xor", **_logical(np.logical_xor)),
    Entry("bitwise_not", unary_samples(_any), np.invert,
          errors=lambda m: [E(NotImplementedError, m(2, dtype=ember.float32))]),
    Entry("bitwise_and", **_bitwise(np.bitwise_and)),
    Entry("bitwise_or", **_bitwise(np.bitwise_or)),
    Entry("bitwise_xor", **_bitwise(np.bitwise_xor)),
    Entry("bitwise_left_shift", **_bitwise(_shift_ref(np.left_shift), INT, shift=True)),
    Entry("bitwise_right_shift", **_bitwise(_shift_ref(np.right_shift), INT, shift=True)),
    Entry("atan2", atan2_samples, _quiet(np.arctan2),
          errors=lambda m: binary_errors("atan2", tensors_only=True)(m) + [
              E(NotImplementedError, m(2, dtype=ember.complex64), m(2, dtype=ember.complex64))
              .requires(ember.complex64)]),
    Entry("lerp", lerp_samples, _lerp_ref, errors=lerp_errors,
          tol=_HALF),
    Entry("clamp", clamp_samples, _clamp_ref, errors=clamp_errors),
    Entry("isclose", isclose_samples, _isclose_ref, errors=isclose_errors),
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
