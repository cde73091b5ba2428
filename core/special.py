"""``ember.special``: the special functions, as ``torch.special``.

The ops live in the registry (``ember.ops.special`` and the elementwise and nn ops); this module
gives them ``torch.special``'s names. ``entr``, ``ndtr`` and ``ndtri`` are composites of them.
"""

import math

from .ops.elementwise import erf, exp2, expm1, log1p
from .ops.elementwise import sigmoid as expit
from .ops.nn import log_softmax as _log_softmax
from .ops.nn import softmax as _softmax
from .ops.reduction import logsumexp
from .ops.special import digamma, erfc, erfinv, i0, logit, sinc, xlogy
from .ops.special import digamma as psi
from .ops.special import lgamma as gammaln
from .ops import comparison as _Q
from .ops import elementwise as _E

__all__ = ["digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0",
           "log1p", "log_softmax", "logit", "logsumexp", "ndtr", "ndtri", "psi", "sinc",
           "softmax", "xlogy"]

_SQRT_HALF = math.sqrt(0.5)


def entr(input):
    """-input * log(input): 0 at 0, -inf below 0 (the elementwise entropy)."""
    x = input if input.dtype.is_floating_point else _E.mul(input, 1.0)
    pos = _Q.gt(x, 0)
    inside = _E.neg(_E.mul(x, _E.log(_Q.where(pos, x, 1.0))))
    outside = _Q.where(_Q.eq(x, 0), _E.mul(x, 0.0), -math.inf)
    return _Q.where(_Q.isnan(x), x, _Q.where(pos, inside, outside))


def ndtr(input):
    """The standard normal distribution function, erfc(-input / sqrt(2)) / 2."""
    return _E.mul(erfc(_E.mul(input, -_SQRT_HALF)), 0.5)


def ndtri(input):
    """The inverse of ndtr: sqrt(2) * erfinv(2 * input - 1)."""
    return _E.mul(erfinv(_E.sub(_E.mul(input, 2.0), 1.0)), math.sqrt(2.0))


def softmax(input, dim, *, dtype=None):
    """softmax along `dim` (``ember.softmax``)."""
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """log_softmax along `dim` (``ember.log_softmax``)."""
    return _log_softmax(input, dim, dtype=dtype)
