"""The frozen backend's kernels for the indexing ops. Index tuples may hold Frozen int or bool
arrays (``lift`` unwraps them); the writing kernels return a new array and leave `a` as it was."""

import numpy as np

from .array import lift


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


KERNELS = {
    "getitem": lift(lambda a, index: a[index]),
    "index_put": lift(_index_put), "setitem": lift(_setitem),
    "nonzero": lift(np.argwhere),
}
