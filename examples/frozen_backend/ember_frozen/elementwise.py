"""The frozen backend's kernels for the elementwise ops (Python scalar operands are weak under
NumPy 2, as ember expects)."""

import math

import numpy as np

from .array import lift

_erf = np.frompyfunc(math.erf, 1, 1)  # NumPy has no erf: Python's, element by element


def _quiet(fn):
    """`fn` without NumPy's warnings for NaN, inf and zero divisors (PyTorch is silent)."""
    return np.errstate(all="ignore")(fn)


def _sigmoid(a):
    if a.dtype.kind == "c":
        return 1 / (1 + np.exp(-a))
    # 1 / (1 + e^-a) for a >= 0 and e^a / (1 + e^a) below, so neither side overflows
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def _erf_kernel(a):
    return np.asarray(_erf(a.astype(np.float64))).astype(a.dtype)  # a 0-d input gives a float


def _shift(shift, fill_sign):
    """A shift kernel with PyTorch's result for shift amounts that are negative or not below
    the bit width: 0, or for a right shift of a signed integer, its sign."""
    def kernel(a, b):
        dtype = a.dtype if isinstance(a, np.ndarray) else np.asarray(b).dtype
        bits = 8 * dtype.itemsize
        ok = (np.asarray(b) >= 0) & (np.asarray(b) < bits)
        fill = np.right_shift(a, bits - 1) if fill_sign and dtype.kind == "i" else 0
        return np.where(ok, shift(a, np.where(ok, b, 0)), fill).astype(dtype)
    return kernel


KERNELS = {
    "add": lift(np.add), "sub": lift(np.subtract), "mul": lift(np.multiply),
    "div": lift(np.true_divide), "pow": lift(np.power), "neg": lift(np.negative),
    "exp": lift(np.exp), "log": lift(np.log), "sqrt": lift(np.sqrt), "abs": lift(np.abs),
    "sin": lift(np.sin), "cos": lift(np.cos),
    "tanh": lift(np.tanh), "sigmoid": lift(_sigmoid),
    "sign": lift(lambda a: a if a.dtype == np.bool_ else np.sign(a)),  # NumPy has no bool sign
    "relu": lift(lambda a: a if a.dtype == np.bool_ else np.maximum(a, 0)),
    "maximum": lift(np.maximum), "minimum": lift(np.minimum), "where": lift(np.where),
    "eq": lift(np.equal), "ne": lift(np.not_equal), "lt": lift(np.less),
    "le": lift(np.less_equal), "gt": lift(np.greater), "ge": lift(np.greater_equal),
    # reciprocal and rsqrt have core decompositions; these give them without NumPy's warnings
    "reciprocal": lift(_quiet(np.reciprocal)),
    "rsqrt": lift(_quiet(lambda a: 1 / np.sqrt(a))),
    "exp2": lift(_quiet(np.exp2)), "expm1": lift(_quiet(np.expm1)),
    "log2": lift(_quiet(np.log2)), "log10": lift(_quiet(np.log10)),
    "log1p": lift(_quiet(np.log1p)), "tan": lift(_quiet(np.tan)),
    "asin": lift(_quiet(np.arcsin)), "acos": lift(_quiet(np.arccos)), "atan": lift(np.arctan),
    "sinh": lift(_quiet(np.sinh)), "cosh": lift(_quiet(np.cosh)), "erf": lift(_erf_kernel),
    "floor": lift(np.floor), "ceil": lift(np.ceil), "trunc": lift(np.trunc),
    "round": lift(np.round),
    "isnan": lift(np.isnan), "isinf": lift(np.isinf), "isfinite": lift(np.isfinite),
    "logical_not": lift(np.logical_not), "logical_and": lift(np.logical_and),
    "logical_or": lift(np.logical_or), "logical_xor": lift(np.logical_xor),
    "bitwise_not": lift(np.invert), "bitwise_and": lift(np.bitwise_and),
    "bitwise_or": lift(np.bitwise_or), "bitwise_xor": lift(np.bitwise_xor),
    "bitwise_left_shift": lift(_shift(np.left_shift, False)),
    "bitwise_right_shift": lift(_shift(np.right_shift, True)),
    "atan2": lift(np.arctan2), "remainder": lift(_quiet(np.remainder)),
    "fmod": lift(_quiet(np.fmod)), "floor_divide": lift(_quiet(np.floor_divide)),
    "nan_to_num": lift(lambda a, nan, posinf, neginf: np.nan_to_num(a, nan=nan, posinf=posinf,
                                                                    neginf=neginf)),
}
