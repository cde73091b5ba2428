"""The frozen backend's kernels for the random ops added after the first set (the state is a
NumPy Generator, advanced by each draw)."""

import numpy as np

from .array import lift


def _multinomial(state, probs, num_samples, replacement):
    p = probs.astype(np.float64)
    p = p / p.sum(-1, keepdims=True)
    return np.stack([state.choice(p.shape[1], num_samples, replace=replacement, p=row)
                     for row in p]).astype(np.int64)


KERNELS = {
    "randperm": lift(lambda state, n, dtype: state.permutation(n).astype(dtype)),
    "multinomial": lift(_multinomial),
}
