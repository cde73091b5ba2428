"""The frozen backend's special-function kernels (erfc, erfinv, lgamma, digamma, i0), computed
in float64 with NumPy and Python's math module:

- erfc, lgamma: Python's ``math.erfc`` / ``math.lgamma``, element by element;
- erfinv: Newton's method on ``erf(x) = |y|`` from x = 0 (on ``log(erfc(x)) = log(1 - |y|)``
  once x passes 2, where erf's slope vanishes), to float64 precision;
- digamma: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series,
  with the reflection formula below 1/2;
- i0: NumPy's ``i0``.
"""

import math

import numpy as np

from .array import lift

_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def _lgamma_one(x):
    try:
        return math.lgamma(x)
    except ValueError:  # the poles 0, -1, -2, ...
        return math.inf


_lgamma = np.frompyfunc(_lgamma_one, 1, 1)


def _in_float64(fn):
    def kernel(a):
        x = np.asarray(a, dtype=np.float64)
        return np.asarray(fn(x), dtype=np.float64).astype(a.dtype)
    return lift(kernel)


def _erfinv(y):
    a = np.abs(y)
    x = np.zeros_like(a)
    for _ in range(60):  # Newton on erf from 0 is monotone; the tail switches to log(erfc)
        tail = x > 2.0
        c = np.asarray(_erfc(x), dtype=np.float64)
        slope = 2.0 / math.sqrt(math.pi) * np.exp(-x * x)
        with np.errstate(all="ignore"):
            log_step = (np.log(c) - np.log(1.0 - a)) * c / slope
        step = np.where(tail, log_step, (a - np.asarray(_erf(x), dtype=np.float64)) / slope)
        x = np.where(a < 1.0, x + step, x)
    x = np.where(a == 1.0, np.inf, np.where((a > 1.0) | np.isnan(a), np.nan, x))
    return np.copysign(x, y)


def _digamma(x):
    left = x < 0.5
    z = np.where(left, 1.0 - x, x)
    acc = np.zeros_like(z)
    for _ in range(10):
        small = z < 10.0
        acc = acc - np.where(small, 1.0 / z, 0.0)
        z = np.where(small, z + 1.0, z)
    r = 1.0 / (z * z)
    series = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132)))))
    right = acc + np.log(z) - 0.5 / z - series
    frac = x - np.round(x)
    out = np.where(left, right - math.pi / np.tan(math.pi * frac), right)
    out = np.where(left & (frac == 0), np.nan, out)
    out = np.where(x == 0, np.copysign(np.inf, -x), out)
    return np.where(x == np.inf, np.inf, out)


def _i0(x):
    return np.where(np.isinf(x), np.nan, np.i0(np.where(np.isinf(x), 0.0, x)))


KERNELS = {
    "erfc": _in_float64(_erfc),
    "erfinv": _in_float64(_erfinv),
    "lgamma": _in_float64(_lgamma),
    "digamma": _in_float64(_digamma),
    "i0": _in_float64(_i0),
}
