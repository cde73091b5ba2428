"""NumPy-API kernels for the special functions: erfc, erfinv, lgamma, digamma, i0 (shared with
CuPy; JAX uses ``jax.scipy.special``).

NumPy has none of these but i0, and SciPy is not a dependency, so they are computed here in
float64 (a float16/float32 input is computed in float64 and cast back), each within a few ulps
of the true value:

- erfc: 1 - erf below 3; from 3, the continued fraction
  ``exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))`` (no cancellation);
- erfinv: Giles' single-precision rational approximation as the starting point, then two
  Halley steps on ``erf(x) = y``, or from 3 up, Newton steps on ``log(erfc(x)) = log(1 - |y|)``
  (1 - |y| is exact there);
- lgamma: the Taylor series of lgamma(1 + z) (zeta values as coefficients) between 1/2 and 5/2,
  where its roots 1 and 2 are; the Lanczos approximation (g = 7, 9 terms) above, the reflection
  formula below;
- digamma: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series
  in 1/x^2; the reflection formula below 1/2;
- i0: NumPy's ``i0`` (Clenshaw's Chebyshev series).
"""

import math

import numpy as np

from .elementwise import erf_for

_SQRT_PI = math.sqrt(math.pi)
_FRACTION_TERMS = 80
_ERFC_SPLIT = 3.0
_TAIL_STEPS = 4

# Lanczos coefficients for g = 7, n = 9
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)

# Bernoulli numbers B2k / (2k) for digamma's asymptotic series: 1/12, -1/120, 1/252, ...
_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
_DIGAMMA_SHIFT = 10.0

# Giles (2010), "Approximating the erfinv function", single precision
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
               0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _zeta(k, n=10):
    """Riemann's zeta at an integer k >= 2 (Euler-Maclaurin after n terms), in float64."""
    s = math.fsum(m ** -k for m in range(1, n)) + n ** (1 - k) / (k - 1) + 0.5 * n ** -k
    rising = k
    for j, b in enumerate((1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66), 1):
        s += b / math.factorial(2 * j) * rising * n ** (-k - 2 * j + 1)
        rising *= (k + 2 * j - 1) * (k + 2 * j)
    return s


# lgamma(1 + z) = -gamma z + sum_k (-1)^k zeta(k) / k z^k, for |z| <= 1/2 (the roots 1 and 2)
_EULER_GAMMA = 0.5772156649015329
_LGAMMA_SERIES = tuple((-1) ** k * _zeta(k) / k for k in range(56, 1, -1)) + (-_EULER_GAMMA, 0.0)


def _horner(coeffs, w):
    p = coeffs[0]
    for c in coeffs[1:]:
        p = c + p * w
    return p


def make(xp):
    """The special-function kernels for array module `xp` (numpy or cupy)."""
    erf64 = erf_for(xp)

    def in_float64(fn):
        def kernel(a):
            with np.errstate(all="ignore"):  # nan, inf: PyTorch's results, silently
                return fn(a.astype(xp.float64)).astype(a.dtype, copy=False)
        kernel.__name__ = fn.__name__
        return kernel

    def erfc_fraction(x):
        """erfc for x >= 3 (the continued fraction, evaluated from the tail)."""
        frac = x
        for n in range(_FRACTION_TERMS, 0, -1):
            frac = x + (n / 2.0) / frac
        return xp.exp(-x * x) / (_SQRT_PI * frac)

    def erfc(x):
        far = x >= _ERFC_SPLIT
        out = 1.0 - erf64(x)
        if bool(far.any()):
            out = xp.where(far, erfc_fraction(xp.where(far, x, _ERFC_SPLIT)), out)
        return out

    def erfinv(y):
        a = xp.abs(y)
        w = -xp.log((1.0 - a) * (1.0 + a))
        central = w < 5.0
        wc = xp.where(central, w, 5.0) - 2.5
        wt = xp.sqrt(xp.where(central, 5.0, w)) - 3.0
        x = xp.where(central, _horner(_GILES_CENTRAL, wc), _horner(_GILES_TAIL, wt)) * a
        x = xp.where(a < 1.0, x, 0.0)
        tail = x >= _ERFC_SPLIT
        xt = xp.where(tail, x, _ERFC_SPLIT)
        log_t = xp.log(xp.where(tail, 1.0 - a, 1e-5))  # 1 - a is exact where |y| >= 1/2
        for _ in range(_TAIL_STEPS):  # Newton on log(erfc(x)) = log(1 - a): nearly linear
            c = erfc_fraction(xt)
            xt = xt + (xp.log(c) - log_t) * c / ((2.0 / _SQRT_PI) * xp.exp(-xt * xt))
        for _ in range(2):  # Halley on f = erf(x) - a
            f = erf64(x) - a
            fp = (2.0 / _SQRT_PI) * xp.exp(-x * x)
            x = x - f / (fp + x * f)
        x = xp.where(tail, xt, x)
        x = xp.where(a == 1.0, xp.inf, xp.where(a > 1.0, xp.nan, x))
        return xp.copysign(x, y)  # keeps -0.0 and NaN

    def lgamma_right(x):
        """lgamma for x >= 1/2 (Lanczos)."""
        z = x - 1.0
        s = _LANCZOS[0]
        for i, c in enumerate(_LANCZOS[1:], 1):
            s = s + c / (z + i)
        t = z + _LANCZOS_G + 0.5
        return _HALF_LOG_2PI + (z + 0.5) * xp.log(t) - t + xp.log(s)

    def sin_pi(x):
        """|sin(pi x)|, exact at the integers."""
        return xp.abs(xp.sin(math.pi * (x - xp.round(x))))

    def lgamma(x):
        left = x < 0.5
        right = lgamma_right(xp.where(left, 1.0 - x, x))
        near = (x >= 0.5) & (x < 2.5)  # around the roots 1 and 2: the series, exact there
        z = xp.where(near, x - xp.where(x < 1.5, 1.0, 2.0), 0.0)
        series = _horner(_LGAMMA_SERIES, z) + xp.where(x < 1.5, 0.0, xp.log1p(z))
        right = xp.where(near, series, right)
        out = xp.where(left, math.log(math.pi) - xp.log(sin_pi(x)) - right, right)
        return xp.where(xp.isinf(x), xp.inf, out)

    def digamma_right(x):
        """digamma for x >= 1/2."""
        acc = xp.zeros_like(x)
        for _ in range(int(_DIGAMMA_SHIFT)):
            small = x < _DIGAMMA_SHIFT
            acc = acc - xp.where(small, 1.0 / x, 0.0)
            x = xp.where(small, x + 1.0, x)
        r = 1.0 / (x * x)
        series = _horner(_DIGAMMA_SERIES[::-1], r) * r
        return acc + xp.log(x) - 0.5 / x - series

    def digamma(x):
        left = x < 0.5
        right = digamma_right(xp.where(left, 1.0 - x, x))
        pole = left & (x == xp.round(x))
        reflected = right - math.pi / xp.tan(math.pi * (x - xp.round(x)))
        out = xp.where(left, reflected, right)
        out = xp.where(pole, xp.nan, out)
        out = xp.where(x == 0.0, xp.copysign(xp.inf, -x), out)  # psi(+-0) = -+inf
        return xp.where(x == xp.inf, xp.inf, out)

    def i0(x):
        return xp.where(xp.isinf(x), xp.nan, xp.i0(xp.where(xp.isinf(x), 0.0, x)))

    return {name: in_float64(fn) for name, fn in
            (("erfc", erfc), ("erfinv", erfinv), ("lgamma", lgamma), ("digamma", digamma),
             ("i0", i0))}

