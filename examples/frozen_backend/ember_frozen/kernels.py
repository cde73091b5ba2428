"""The frozen backend's kernel table: every kernel unwraps its Frozen inputs, computes with
NumPy, and wraps the result in a new Frozen.

The names and signatures are those of ``ember.ops.kernel_signatures()``. Because a Frozen never
changes, the kernels that write (``assign``, ``setitem``, ``index_put``) return a new array, and
ember rebinds the tensor to it (the backend declares ``mutable: False``).
"""

import numpy as np

from . import elementwise, reduction, linalg, shape, indexing, random, conv, nn
from .array import Frozen, lift, unwrap


def _sigmoid(a):
    if a.dtype.kind == "c":
        return 1 / (1 + np.exp(-a))
    # 1 / (1 + e^-a) for a >= 0 and e^a / (1 + e^a) below, so neither side overflows
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def _index_put(a, index, values, accumulate):
    out = a.copy()
    if accumulate and any(isinstance(i, np.ndarray) for i in index):
        np.add.at(out, index, values)  # repeated indices accumulate, as in PyTorch
    elif accumulate:
        out[index] += values
    else:
        out[index] = values
    return out


def _setitem(a, index, values):
    out = a.copy()
    out[index] = values
    return out


def _rand(state, shape, dtype):
    if dtype in (np.float32, np.float64):
        return state.random(shape, dtype=dtype)
    if dtype.kind == "c":
        return (state.random(shape) + 1j * state.random(shape)).astype(dtype)
    # rounding to a narrow float (float16) can reach 1.0: clip to the largest value below it
    below_one = np.nextafter(np.array(1, dtype), np.array(0, dtype))
    return np.minimum(state.random(shape).astype(dtype), below_one)


def _randn(state, shape, dtype):
    if dtype in (np.float32, np.float64):
        return state.standard_normal(shape, dtype=dtype)
    if dtype.kind == "c":  # real and imaginary parts each of variance 1/2, as PyTorch
        return ((state.standard_normal(shape) + 1j * state.standard_normal(shape))
                / 2 ** 0.5).astype(dtype)
    return state.standard_normal(shape).astype(dtype)


def _mean(a, axis, keepdims):
    """np.mean, but an empty slice gives NaN without NumPy's warning (PyTorch is silent)."""
    if a.size:
        return np.mean(a, axis=axis, keepdims=keepdims)
    return np.sum(a, axis=axis, keepdims=keepdims) / 0  # 0/0: NaN (lift silences the division)


def _along(fn):
    """A reduction kernel ``(a, dims_or_dim, keepdim)`` from a NumPy reduction."""
    return lambda a, axis, keepdim: np.asarray(fn(a, axis=axis, keepdims=keepdim))


KERNELS = {
    # creation and conversion: data from the host is copied, data to the host is a writable copy
    "asarray": lambda data, dtype: Frozen(np.array(data, dtype=dtype, copy=True)),
    "from_numpy": Frozen.copy_of,
    "to_numpy": lambda a: np.array(a._a, copy=True),
    "astype": lift(lambda a, dtype: a.astype(dtype)),
    "assign": lambda dst, src: src,  # immutable: the tensor is rebound to src
    "clone": lambda a: a,  # nothing can change a Frozen, so a copy would be the same thing
    "full": lift(lambda shape, value, dtype: np.full(shape, value, dtype=dtype)),
    "empty": lift(lambda shape, dtype: np.empty(shape, dtype=dtype)),
    "arange": lift(lambda start, end, step, dtype: np.arange(start, end, step, dtype=dtype)),
    "linspace": lift(lambda start, end, steps, dtype: np.linspace(start, end, steps, dtype=dtype)),
    "eye": lift(lambda n, m, dtype: np.eye(n, m, dtype=dtype)),
    # random: the state is a NumPy Generator, advanced by each draw
    "generator": lambda seed: np.random.Generator(np.random.PCG64(seed)),
    "rand": lift(_rand),
    "randn": lift(_randn),
    "randint": lift(lambda state, low, high, shape, dtype:
                    state.integers(low, high, size=shape).astype(dtype, copy=False)),
    # elementwise (Python scalar operands are weak under NumPy 2, as ember expects)
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
    # reductions
    "sum": lift(_along(np.sum)), "mean": lift(_along(_mean)),
    "amax": lift(_along(np.max)), "amin": lift(_along(np.min)),
    "argmax": lift(_along(np.argmax)), "argmin": lift(_along(np.argmin)),
    # shape and indexing (index tuples may hold Frozen int or bool arrays; lift unwraps them)
    "reshape": lift(np.reshape), "permute": lift(np.transpose),
    "expand": lift(np.broadcast_to), "cat": lift(lambda arrays, dim: np.concatenate(arrays, dim)),
    "getitem": lift(lambda a, index: a[index]),
    "index_put": lift(_index_put), "setitem": lift(_setitem),
    # linear algebra
    "matmul": lift(np.matmul),
}
for _area in (elementwise, reduction, linalg, shape, indexing, random, conv, nn):  # the kernels of the ops added later, one module per area
    KERNELS.update(_area.KERNELS)
