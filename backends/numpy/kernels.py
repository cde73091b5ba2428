"""Kernels written against the NumPy API, shared by the NumPy and CuPy backends.

``make_kernels(xp)`` returns the kernel table for an array module `xp` (numpy or cupy). Each
kernel is a plain function on raw arrays; the signatures are those of
``ember.ops.kernel_signatures()``.
"""

import numpy as np

from . import elementwise, reduction, linalg, shape, indexing, random, conv, nn
from .elementwise import quiet_for

AREAS = (elementwise, reduction, linalg, shape, indexing, random, conv, nn)


def make_kernels(xp, mutable=True):
    """The kernel table for array module `xp` (``numpy`` or ``cupy``)."""
    quiet = quiet_for(xp)  # for the kernels NaN, inf or 0 can make NumPy warn

    def asarray(data, dtype):
        return xp.array(data, dtype=dtype, copy=True)

    def from_numpy(arr):
        return xp.asarray(arr)

    def to_numpy(a):
        return a if xp is np else xp.asnumpy(a)

    @quiet
    def astype(a, dtype):
        return a.astype(dtype)

    def assign(dst, src):
        dst[...] = src
        return dst

    def full(shape, value, dtype):
        return xp.full(shape, value, dtype=dtype)

    def empty(shape, dtype):
        return xp.empty(shape, dtype=dtype)

    def arange(start, end, step, dtype):
        return xp.arange(start, end, step, dtype=dtype)

    def linspace(start, end, steps, dtype):
        return xp.linspace(start, end, steps, dtype=dtype)

    def eye(n, m, dtype):
        return xp.eye(n, m, dtype=dtype)

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

    def reduce_with(fn):
        @quiet
        def reduce(a, dims, keepdim):
            return xp.asarray(fn(a, axis=dims, keepdims=keepdim))

        return reduce

    @quiet
    def mean(a, dims, keepdim):
        if a.size == 0:  # NumPy warns "Mean of empty slice"; the result is NaN as in PyTorch
            return xp.asarray(xp.sum(a, axis=dims, keepdims=keepdim) / 0)
        return xp.asarray(xp.mean(a, axis=dims, keepdims=keepdim))

    def arg_with(fn):
        def arg(a, dim, keepdim):
            return xp.asarray(fn(a, axis=dim, keepdims=keepdim))

        return arg

    def getitem(a, index):
        out = a[index]
        # all-integer indexing gives a NumPy scalar; a trailing ... gives a 0-d view instead
        return out if isinstance(out, xp.ndarray) else a[tuple(index) + (Ellipsis,)]

    def _has_arrays(index):
        return any(hasattr(i, "shape") for i in index)

    def index_put(a, index, values, accumulate):
        out = a.copy()
        if accumulate and _has_arrays(index):
            xp.add.at(out, index, values)
        elif accumulate:
            out[index] += values
        else:
            out[index] = values
        return out

    def setitem(a, index, values):
        a[index] = values
        return a

    def generator(seed):
        return xp.random.Generator(xp.random.PCG64(seed)) if xp is np else \
            xp.random.default_rng(seed)

    def rand(state, shape, dtype):
        dtype = xp.dtype(dtype)
        if dtype in (xp.float32, xp.float64):
            return state.random(shape, dtype=dtype)
        if dtype.kind == "c":
            return (state.random(shape) + 1j * state.random(shape)).astype(dtype)
        # rounding to a narrow float can reach 1.0: keep [0, 1) by clipping below it
        below_one = xp.nextafter(xp.array(1, dtype), xp.array(0, dtype))
        return xp.minimum(state.random(shape).astype(dtype), below_one)

    def randn(state, shape, dtype):
        if xp.dtype(dtype) in (xp.float32, xp.float64):
            return state.standard_normal(shape, dtype=dtype)
        if xp.dtype(dtype).kind == "c":  # real and imaginary parts each of variance 1/2
            return ((state.standard_normal(shape) + 1j * state.standard_normal(shape))
                    / 2 ** 0.5).astype(dtype)
        return state.standard_normal(shape).astype(dtype)

    def randint(state, low, high, shape, dtype):
        return state.integers(low, high, size=shape).astype(dtype, copy=False)

    @quiet
    def matmul(a, b):
        return xp.matmul(a, b)

    table = {
        # creation and conversion
        "asarray": asarray, "from_numpy": from_numpy, "to_numpy": to_numpy, "astype": astype,
        "assign": assign, "clone": lambda a: a.copy(), "full": full, "empty": empty,
        "arange": arange, "linspace": linspace, "eye": eye,
        # random
        "generator": generator, "rand": rand, "randn": randn, "randint": randint,
        # elementwise
        "add": quiet(xp.add), "sub": quiet(xp.subtract), "mul": quiet(xp.multiply),
        "div": quiet(xp.true_divide), "pow": quiet(xp.power), "neg": xp.negative,
        "exp": quiet(xp.exp), "log": quiet(xp.log), "sqrt": quiet(xp.sqrt),
        "sin": quiet(xp.sin), "cos": quiet(xp.cos),
        "abs": xp.abs, "sign": sign, "tanh": xp.tanh, "sigmoid": sigmoid, "relu": relu,
        "maximum": xp.maximum, "minimum": xp.minimum, "where": where,
        "eq": xp.equal, "ne": xp.not_equal, "lt": xp.less, "le": xp.less_equal,
        "gt": xp.greater, "ge": xp.greater_equal,
        # reductions
        "sum": reduce_with(xp.sum), "mean": mean, "amax": reduce_with(xp.max),
        "amin": reduce_with(xp.min), "argmax": arg_with(xp.argmax), "argmin": arg_with(xp.argmin),
        # shape and indexing
        "reshape": lambda a, shape: a.reshape(shape), "permute": xp.transpose,
        "transpose": lambda a, d0, d1: xp.swapaxes(a, d0, d1),
        "expand": xp.broadcast_to, "cat": lambda arrays, dim: xp.concatenate(arrays, axis=dim),
        "stack": lambda arrays, dim: xp.stack(arrays, axis=dim),
        "getitem": getitem, "index_put": index_put, "setitem": setitem,
        # linear algebra
        "matmul": matmul,
    }
    for area in AREAS:  # the kernels of the ops added later, one module per area
        table.update(area.make(xp))
    return table
