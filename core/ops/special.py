"""Special functions: erfc, erfinv, lgamma, digamma, i0 (each a kernel per backend), and the
composites xlogy, logit and sinc. ``ember.special`` (``torch.special``) gathers them with its
own names (``gammaln``, ``psi``, ``expit``...).

The derivatives need trigamma (of digamma) and i1 (of i0), which are not ops of their own: they
are written here with ember ops, so they run on every backend and are differentiable in turn.
"""

import math

import numpy as np

from . import comparison as Q
from . import creation as C
from . import elementwise as E
from . import reduction as R
from . import shape as S
from ._common import Tensor, _dt, check_tensor
from .elementwise import _float_unary
from .registry import BOOL, REAL, defop

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2
_MINUS_TWO_OVER_SQRT_PI = -2 / math.sqrt(math.pi)


def _trigamma(x):
    """psi'(x): the recurrence psi'(x) = psi'(x + 1) + 1/x**2 up to x >= 10, then the asymptotic
    series 1/x + 1/(2x^2) + sum B2k / x^(2k+1); the reflection formula below 1/2."""
    left = Q.lt(x, 0.5)
    z = Q.where(left, E.sub(1.0, x), x)
    acc = E.mul(z, 0.0)
    for _ in range(10):
        small = Q.lt(z, 10.0)
        acc = E.add(acc, Q.where(small, E.reciprocal(E.mul(z, z)), 0.0))
        z = Q.where(small, E.add(z, 1.0), z)
    r = E.reciprocal(E.mul(z, z))
    series = E.mul(r, E.sub(1 / 6, E.mul(r, E.sub(1 / 30, E.mul(r, E.sub(1 / 42, E.mul(
        r, E.sub(1 / 30, E.mul(r, 5 / 66)))))))))
    right = E.add(acc, E.div(E.add(E.add(1.0, E.div(0.5, z)), series), z))
    s = E.sin(E.mul(x, math.pi))
    return Q.where(left, E.sub(E.div(math.pi ** 2, E.mul(s, s)), right), right)


def _i1(x):
    """I1(x), odd: up to |x| = 25 the rectangle rule on its period, I1(x) = mean of
    exp(x cos t) cos t over 48 equally spaced t (exact to ~1e-14 there: the integrand is
    periodic and analytic); from 25, Hankel's expansion e^x / sqrt(2 pi x) * sum_k a_k / x^k
    (12 terms)."""
    ax = E.abs(x)
    near = Q.lt(ax, _I1_SPLIT)
    xs = Q.where(near, ax, 0.0)
    cos_t = C.tensor(_I1_NODES, dtype=x._dtype, _backend=x._backend)
    rect = R.mean(E.mul(E.exp(E.mul(S.unsqueeze(xs, -1), cos_t)), cos_t), -1)
    xl = Q.where(near, _I1_SPLIT, ax)
    r = E.reciprocal(xl)
    series = _I1_HANKEL[0]
    for c in _I1_HANKEL[1:]:
        series = E.add(E.mul(series, r), c)
    far = E.mul(E.div(E.exp(xl), E.sqrt(E.mul(xl, 2 * math.pi))), series)
    return E.mul(E.sign(x), Q.where(near, rect, far))


def _hankel_i1(terms):
    """The coefficients a_k of I1's large-x expansion, highest power first (for Horner)."""
    a, out = 1.0, [1.0]
    for k in range(1, terms):
        a *= -(4.0 - (2 * k - 1) ** 2) / (8 * k)
        out.append(a)
    return tuple(out[::-1])


_I1_SPLIT = 25.0
_I1_NODES = np.cos(2 * np.pi * np.arange(48) / 48)
_I1_HANKEL = _hankel_i1(12)


erfc = _float_unary("erfc", "ErfcBackward0",
                    lambda g, x: E.mul(g, E.mul(E.exp(E.neg(E.mul(x, x))), _MINUS_TWO_OVER_SQRT_PI)),
                    "a", "The complementary error function, 1 - erf(input), accurate where erf "
                    "is near 1.", dtypes=BOOL + REAL, cpu_kernel="erfc_vml_cpu")
erfinv = _float_unary("erfinv", "ErfinvBackward0",
                      lambda g, o: E.mul(g, E.mul(E.exp(E.mul(o, o)), _SQRT_PI_OVER_2)), "o",
                      "The inverse of erf on (-1, 1) (+-inf at +-1, NaN outside).",
                      dtypes=BOOL + REAL, cpu_kernel="erfinv_vml_cpu")
digamma = _float_unary("digamma", "DigammaBackward0", lambda g, x: E.mul(g, _trigamma(x)), "a",
                       "The logarithmic derivative of the gamma function (NaN at the negative "
                       "integers, -inf at 0).", dtypes=BOOL + REAL, cpu_kernel="digamma")
lgamma = _float_unary("lgamma", "LgammaBackward0", lambda g, x: E.mul(g, digamma(x)), "a",
                      "The log of |gamma(input)| (inf at the poles 0, -1, -2, ...).",
                      dtypes=BOOL + REAL, cpu_kernel="lgamma_vml_cpu")
i0 = _float_unary("i0", "I0Backward0", lambda g, x: E.mul(g, _i1(x)), "a",
                  "The modified Bessel function of the first kind, of order 0.",
                  dtypes=BOOL + REAL, cpu_kernel="i0_vml_cpu")


@defop("xlogy", "elementwise", "float", dtypes=BOOL + REAL, dtype_args=(), differentiable=True,
       inplace=True, cpu_kernel="xlogy_cpu")
def xlogy(input, other):
    """input * log(other), 0 where input is 0 (unless other is NaN); either may be a number."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"xlogy(): expected at least one Tensor argument, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    # a number takes the dtype PyTorch's promotion gives it against the tensor
    if not isinstance(input, Tensor):
        input = C.full_like(other, input, dtype=_dt.result_type_with_scalar(other._dtype, input))
    if not isinstance(other, Tensor):
        other = C.full_like(input, other, dtype=_dt.result_type_with_scalar(input._dtype, other))
    # where input is 0 and log(other) is not finite, 0 (not 0 * -inf) and no NaN gradient;
    # elsewhere input * log(other), whose derivative in input is log(other) also at 0, as PyTorch
    bad = Q.logical_and(Q.eq(input, 0), Q.logical_or(Q.le(other, 0), Q.isinf(other)))
    out = Q.where(bad, 0.0, E.mul(input, E.log(Q.where(bad, 1.0, other))))
    return Q.where(Q.isnan(other), E.add(other, E.mul(input, 0.0)), out)


@defop("logit", "elementwise", "float", dtypes=BOOL + REAL, differentiable=True, inplace=True,
       cpu_kernel="logit_cpu")
def logit(input, eps=None):
    """log(input / (1 - input)), the inverse of sigmoid; with `eps`, input is first clamped to
    [eps, 1 - eps] (and the gradient is 0 outside)."""
    check_tensor(input, "input", "logit")
    x = input if input._dtype.is_floating_point else E.mul(input, 1.0)
    if eps is not None:
        x = Q.clamp(x, eps, 1.0 - eps)
    return E.log(E.div(x, E.sub(1.0, x)))


@defop("sinc", "elementwise", "float", dtypes=BOOL + REAL, differentiable=True, inplace=True,
       cpu_kernel="sinc_cpu")
def sinc(input):
    """sin(pi x) / (pi x), 1 at 0 (the normalized sinc)."""
    check_tensor(input, "input", "sinc")
    x = input if input._dtype.is_floating_point else E.mul(input, 1.0)
    zero = Q.eq(x, 0)
    px = E.mul(Q.where(zero, 1.0, x), math.pi)  # no 0 / 0, nor its NaN gradient, at 0
    return Q.where(zero, E.add(E.mul(x, 0.0), 1.0), E.div(E.sin(px), px))


__all__ = ["digamma", "erfc", "erfinv", "i0", "lgamma", "logit", "sinc", "xlogy"]
