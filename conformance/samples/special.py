"""Sample entries for the special functions (see ``ember_conformance.samples``): erfc, erfinv,
lgamma, digamma, i0, xlogy, logit, sinc.

The references are float64 computations independent of the backends' kernels: Python's
``math.erfc`` / ``math.lgamma``, bisection on ``math.erf`` for erfinv, digamma as the derivative
of a series, and i0's power series."""

import math

import numpy as np

import ember

from ..entries import Entry, E, S, category, floating
from ._common import _quiet, inf, nan, unary_samples

_HALF = {ember.float16: (5e-3, 5e-3), ember.bfloat16: (3e-2, 3e-2)}


def _vectorized(fn):
    def ref(a):
        a = np.asarray(a, dtype=np.float64)
        return np.vectorize(fn, otypes=[np.float64])(a) if a.size else a
    return ref


def _erfinv_one(y):
    if math.isnan(y) or abs(y) > 1:
        return nan
    if abs(y) == 1:
        return math.copysign(inf, y)
    lo, hi = -6.0, 6.0
    for _ in range(200):  # bisection on erf, to the last bit
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if math.erf(mid) < y else (lo, mid)
    return math.copysign(0.5 * (lo + hi), y) if y else y


def _lgamma_one(x):
    try:
        return math.lgamma(x)
    except ValueError:
        return inf


def _digamma_one(x):
    """psi(x) by the recurrence up to 1e3 and three terms of the asymptotic series."""
    if math.isnan(x) or x == -inf:
        return nan
    if x == inf:
        return inf
    if x == 0:
        return math.copysign(inf, -x)
    if x < 0.5:
        if x == round(x):
            return nan
        return _digamma_one(1 - x) - math.pi / math.tan(math.pi * x)
    acc = 0.0
    while x < 1e3:
        acc -= 1 / x
        x += 1
    return acc + math.log(x) - 0.5 / x - 1 / (12 * x * x) + 1 / (120 * x ** 4)


def _i0_one(x):
    if math.isinf(x) or math.isnan(x):
        return nan
    term = total = 1.0
    q = (x / 2) ** 2
    k = 1
    while term > 1e-17 * total:
        term *= q / (k * k)
        total += term
        k += 1
    return total


def _xlogy_ref(a, b):
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    with np.errstate(all="ignore"):
        out = np.where(a == 0, 0.0, a * np.log(b))
    return np.where(np.isnan(b), nan, out)


def _logit_ref(a, eps=None):
    a = a.astype(np.float64)
    if eps is not None:
        a = np.clip(a, eps, 1 - eps)
    return np.log(a / (1 - a))


def _sinc_ref(a):
    return np.sinc(a.astype(np.float64))


def _unit(m, *shape, dtype=None):
    d = dtype or m.dtype
    return m(*shape, low=0, high=0, dtype=d) if category(d) <= 1 else \
        m(*shape, low=-0.9, high=0.9, dtype=d)


def _prob(m, *shape, dtype=None):
    d = dtype or m.dtype
    return m(*shape, low=0, high=1, dtype=d) if category(d) <= 1 else \
        m(*shape, low=0.1, high=0.9, dtype=d)


def _positive(m, *shape, dtype=None):
    return m.pos(*shape, dtype=dtype)


def _any(m, *shape, dtype=None):
    return m(*shape, dtype=dtype)


def _errors(m):
    return [E(TypeError, "a"), E(NotImplementedError, m(2, dtype=ember.complex64))
            .requires(ember.complex64)]


def _unary(ref, gen, special):
    return dict(samples=unary_samples(gen, special), ref=_quiet(ref), out=floating,
                errors=_errors, tol=_HALF)


def _xlogy_samples(m):
    out = [S(m(2, 3), m.pos(2, 3)).named("2-d"), S(m(2, 1), m.pos(1, 3)).named("broadcast"),
           S(m(2, 3), 2.5).named("scalar other"), S(2.0, m.pos(3)).named("scalar input"),
           S(m(0, 2), m.pos(0, 2)).named("empty")]
    if m.dtype.is_floating_point:
        out.append(S(m.values([0.0, 0.0, 1.0, 2.0]), m.values([0.0, nan, 0.0, -1.0])).no_grad()
                   .key().named("zeros, nan, log of 0 and below"))
    return out


def _logit_samples(m):
    out = [S(_prob(m, 2, 3)).named("2-d"), S(_prob(m)).named("0-d"),
           S(_prob(m, 0, 2)).named("empty"), S(_prob(m, 4, 5), 0.2).named("eps")]
    if m.dtype.is_floating_point:
        out.append(S(m.values([0.0, 1.0, 0.5, -1.0, 2.0])).no_grad().key().named("ends"))
    return out


ENTRIES = [
    Entry("erfc", **_unary(_vectorized(math.erfc), _any, [0.0, 3.5, -6.0, 10.0, inf, -inf, nan])),
    Entry("erfinv", **_unary(_vectorized(_erfinv_one), _unit,
                             [0.0, -0.0, 1.0, -1.0, 0.999, 1.5, nan])),
    Entry("lgamma", **_unary(_vectorized(_lgamma_one), _positive,
                             [0.0, -1.0, -2.5, 1.0, 2.0, 1e-3, 50.0, inf, -inf, nan])),
    Entry("digamma", **_unary(_vectorized(_digamma_one), _positive,
                              [-1.0, -2.5, 1.0, 1.4616321449683622, 1e-3, 50.0, inf, nan])),
    Entry("i0", **_unary(_vectorized(_i0_one), _any, [0.0, 1.0, -5.0, 40.0, nan])),
    Entry("xlogy", _xlogy_samples, _xlogy_ref, out=floating, tol=_HALF,
          errors=lambda m: [E(TypeError, "a", 1.0), E(TypeError, 1.0, 2.0)]),
    Entry("logit", _logit_samples, _quiet(_logit_ref), out=floating, tol=_HALF,
          errors=_errors),
    Entry("sinc", **_unary(_sinc_ref, _any, [0.0, 1.0, -0.5, 100.0, inf, nan])),
]
