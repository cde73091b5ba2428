"""The frozen backend's kernels for the random ops (the state is a NumPy Generator, advanced by
each draw). A CPU backend such as this one gets PyTorch's numbers from ember's own CPU generator;
these kernels are what ember calls where it cannot draw on the host (inside a compiled trace)."""

import numpy as np

from .array import lift


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


def _multinomial(state, probs, num_samples, replacement):
    p = probs.astype(np.float64)
    p = p / p.sum(-1, keepdims=True)
    return np.stack([state.choice(p.shape[1], num_samples, replace=replacement, p=row)
                     for row in p]).astype(np.int64)


KERNELS = {
    "generator": lambda seed: np.random.Generator(np.random.PCG64(seed)),
    "rand": lift(_rand),
    "randn": lift(_randn),
    "randint": lift(lambda state, low, high, shape, dtype:
                    state.integers(low, high, size=shape).astype(dtype, copy=False)),
    "randperm": lift(lambda state, n, dtype: state.permutation(n).astype(dtype)),
    "multinomial": lift(_multinomial),
}
