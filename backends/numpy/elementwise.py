"""NumPy-API kernels for the elementwise ops (shared with CuPy and JAX): arithmetic, math
functions, comparisons, logical and bitwise ops, where.

Kernels that can meet NaN, inf or a zero divisor run under ``quiet`` (NumPy's error state set to
ignore, on NumPy only): PyTorch computes these silently.
"""

import contextvars
import math

import numpy as np


def quiet_for(xp):
    """A decorator that silences NumPy's floating-point warnings in a kernel, as PyTorch is silent
    about nan, inf and division by zero (identity on CuPy, which does not warn).

    NumPy keeps its error state in a context variable, so a kernel runs in a
    ``contextvars.Context`` of its own in which ``np.seterr(all="ignore")`` was called once: both
    public interfaces, and the caller's own NumPy error state is never touched. Entering that
    context costs about what setting NumPy's private error-state variable did; ``np.errstate``
    as a decorator costs about 1 µs more a call under load (it rebuilds the state each time), as
    much as a tiny op itself. A context can be entered by one thread at a time, and not twice: a
    kernel that finds it entered (a kernel called from a kernel, or another thread inside it
    while NumPy has released the GIL) runs under ``np.errstate`` instead."""
    if xp is not np:
        return lambda fn: fn
    quiet_context = contextvars.Context()
    quiet_context.run(np.seterr, all="ignore")
    run = quiet_context.run

    def quiet(fn):
        def general(*args, **kwargs):
            try:
                return run(fn, *args, **kwargs) if kwargs else run(fn, *args)
            except RuntimeError as exc:
                if not _entered(exc):
                    raise
            with np.errstate(all="ignore"):
                return fn(*args, **kwargs)

        def binary(a, b, out=None):  # a binary ufunc: no packing of arguments (a third of a
            if out is not None:      # tiny op's time); core passes only out=
                return general(a, b, out=out)
            try:
                return run(fn, a, b)
            except RuntimeError as exc:
                if not _entered(exc):
                    raise
            with np.errstate(all="ignore"):
                return fn(a, b)

        kernel = binary if getattr(fn, "nin", None) == 2 and getattr(fn, "nargs", 0) == 3 \
            else general
        kernel.__name__ = getattr(fn, "__name__", "kernel")
        kernel.__doc__ = getattr(fn, "__doc__", None)
        return kernel

    return quiet


def _entered(exc):
    """Whether RuntimeError `exc` says a context is entered already (see ``quiet_for``)."""
    return bool(exc.args) and str(exc.args[0]).startswith("cannot enter context")


def make(xp):
    """The elementwise kernels for array module `xp` (numpy, cupy or jax.numpy)."""
    quiet = quiet_for(xp)

    def _bits(a, b):
        return 8 * (a.dtype if hasattr(a, "dtype") else b.dtype).itemsize

    def _shift(shift, fill):
        """A shift kernel with PyTorch's result where the shift amount is negative or not below
        the bit width (C leaves it undefined): `fill(a)`, 0 for left shifts, the sign for right."""
        def kernel(a, b):
            dtype = a.dtype if hasattr(a, "dtype") else b.dtype
            bits = _bits(a, b)
            if not hasattr(b, "dtype"):
                return shift(a, b) if 0 <= b < bits else fill(a, dtype)
            ok = (b >= 0) & (b < bits)
            out = xp.where(ok, shift(a, xp.where(ok, b, 0)), fill(a, dtype))
            return out.astype(dtype, copy=False)
        return kernel

    def _zero(a, dtype):
        return xp.zeros_like(a, dtype=dtype)

    def _sign_fill(a, dtype):
        if xp.dtype(dtype).kind == "u":
            return _zero(a, dtype)
        return xp.right_shift(a, 8 * xp.dtype(dtype).itemsize - 1)

    def round_(a, decimals):
        return xp.round(a, decimals)

    @quiet
    def sigmoid(a):
        if a.dtype.kind == "c":
            return 1 / (1 + xp.exp(-a))
        # 1 / (1 + e^-a) for a >= 0 and e^a / (1 + e^a) below, so neither side overflows
        e = xp.exp(-xp.abs(a))
        return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)

    def sign(a):
        return a.copy() if a.dtype == xp.bool_ else xp.sign(a)

    def relu(a):
        return xp.maximum(a, 0) if a.dtype != xp.bool_ else a

    def where(cond, a, b):
        out = xp.where(cond, a, b)
        return out

    return {
        "add": quiet(xp.add), "sub": quiet(xp.subtract), "mul": quiet(xp.multiply),
        "div": quiet(xp.true_divide), "pow": quiet(xp.power), "neg": xp.negative,
        "exp": quiet(xp.exp), "log": quiet(xp.log), "sqrt": quiet(xp.sqrt),
        "sin": quiet(xp.sin), "cos": quiet(xp.cos),
        "abs": xp.abs, "sign": sign, "tanh": xp.tanh, "sigmoid": sigmoid, "relu": relu,
        "maximum": xp.maximum, "minimum": xp.minimum, "where": where,
        "eq": xp.equal, "ne": xp.not_equal, "lt": xp.less, "le": xp.less_equal,
        "gt": xp.greater, "ge": xp.greater_equal,
        "exp2": quiet(xp.exp2), "expm1": quiet(xp.expm1), "log2": quiet(xp.log2),
        "log10": quiet(xp.log10), "log1p": quiet(xp.log1p), "tan": quiet(xp.tan),
        "asin": quiet(xp.arcsin), "acos": quiet(xp.arccos), "atan": xp.arctan,
        "sinh": quiet(xp.sinh), "cosh": quiet(xp.cosh), "erf": quiet(erf_for(xp)),
        "floor": xp.floor, "ceil": xp.ceil, "trunc": xp.trunc, "round": round_,
        "isnan": xp.isnan, "isinf": xp.isinf, "isfinite": xp.isfinite,
        "logical_not": xp.logical_not, "logical_and": xp.logical_and,
        "logical_or": xp.logical_or, "logical_xor": xp.logical_xor,
        "bitwise_not": xp.invert, "bitwise_and": xp.bitwise_and, "bitwise_or": xp.bitwise_or,
        "bitwise_xor": xp.bitwise_xor,
        "bitwise_left_shift": _shift(xp.left_shift, _zero),
        "bitwise_right_shift": _shift(xp.right_shift, _sign_fill),
        "atan2": xp.arctan2, "remainder": quiet(xp.remainder), "fmod": quiet(xp.fmod),
        "floor_divide": quiet(xp.floor_divide),
        "nan_to_num": lambda a, nan, posinf, neginf: xp.nan_to_num(a, nan=nan, posinf=posinf,
                                                                   neginf=neginf),
    }


# -- erf -------------------------------------------------------------------------------------------
# NumPy has no erf (and SciPy is not a dependency). In float64, for |x| < 3:
#   erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1)),
# a series of positive terms (no cancellation); for |x| >= 3, erf(x) = 1 - erfc(x) with erfc's
# continued fraction  erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
# evaluated from the tail. Both stay within a few ulps of the true value.
_SERIES_SPLIT = 3.0
_FRACTION_TERMS = 60  # at x = 3 erfc is 2e-5, so its 1e-12 relative error vanishes in 1 - erfc
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _series_terms(two_x2):
    """How many series terms make the last one < 2^-60 of the first, for the largest 2x^2."""
    n, ratio = 1, 1.0
    while ratio > 2.0 ** -60 and n < 80:
        ratio *= two_x2 / (2 * n + 1)
        n += 1
    return n


def erf_for(xp):
    """The erf kernel for array module `xp`: the series and continued fraction above, computed
    in float64 (core refuses complex inputs; CuPy's backend uses cupyx's erf instead)."""
    def erf(a):
        x = a.astype(xp.float64)
        ax = xp.abs(x)
        small = ax < _SERIES_SPLIT
        xs = xp.where(small, x, 0.0)
        two_x2 = 2.0 * xs * xs
        term = xs.copy()
        total = xs.copy()
        for n in range(1, _series_terms(float(two_x2.max()) if x.size else 0.0)):
            term = term * two_x2 / (2 * n + 1)
            total = total + term
        out = _TWO_OVER_SQRT_PI * xp.exp(-xs * xs) * total
        if not bool(small.all()):
            xl = xp.where(small, _SERIES_SPLIT, ax)
            frac = xl
            for n in range(_FRACTION_TERMS, 0, -1):
                frac = xl + (n / 2.0) / frac
            erfc = xp.exp(-xl * xl) / (math.sqrt(math.pi) * frac)
            out = xp.where(small, out, xp.copysign(1.0 - erfc, x))
            out = xp.where(xp.isnan(x), x, out)
        return out.astype(a.dtype, copy=False)

    return erf
