"""The frozen backend's kernels for the reductions (var, std, logsumexp, argsort, topk ... come
from ember's decompositions over these)."""

import numpy as np

from .array import lift, lift_all


def _mean(a, axis, keepdims):
    """np.mean, but an empty slice gives NaN without NumPy's warning (PyTorch is silent)."""
    if a.size:
        return np.mean(a, axis=axis, keepdims=keepdims)
    return np.sum(a, axis=axis, keepdims=keepdims) / 0  # 0/0: NaN (lift silences the division)


def _along(fn):
    """A reduction kernel ``(a, dims_or_dim, keepdim)`` from a NumPy reduction."""
    return lambda a, axis, keepdim: np.asarray(fn(a, axis=axis, keepdims=keepdim))


def _sort(a, dim, descending):
    if descending:  # a stable ascending sort of the reversed array, read backwards
        idx = (a.shape[dim] - 1) - np.flip(np.argsort(np.flip(a, dim), axis=dim, kind="stable"),
                                           dim)
    else:
        idx = np.argsort(a, axis=dim, kind="stable")
    return np.take_along_axis(a, idx, axis=dim), idx


def _acc(a):
    return np.float32 if a.dtype == np.float16 else a.dtype


def _unique(a):
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True,
                                        equal_nan=False)
    return values, inverse.reshape(a.shape), counts


KERNELS = {
    "sum": lift(_along(np.sum)), "mean": lift(_along(_mean)),
    "amax": lift(_along(np.max)), "amin": lift(_along(np.min)),
    "argmax": lift(_along(np.argmax)), "argmin": lift(_along(np.argmin)),
    "prod": lift(_along(np.prod)), "all": lift(_along(np.all)), "any": lift(_along(np.any)),
    # float16 accumulates in float32, as PyTorch's accumulate type
    "cumsum": lift(lambda a, dim: np.cumsum(a, axis=dim, dtype=_acc(a)).astype(a.dtype)),
    "cumprod": lift(lambda a, dim: np.cumprod(a, axis=dim, dtype=_acc(a)).astype(a.dtype)),
    "sort": lift_all(_sort), "unique": lift_all(_unique),
}
