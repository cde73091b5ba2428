"""The frozen backend's kernels for the reduction ops added after the first set."""

import numpy as np

from .array import Frozen, lift, unwrap


def lift_all(fn):
    """`fn` returning a tuple of NumPy arrays, as a kernel returning a tuple of Frozen."""

    def kernel(*args):
        return tuple(Frozen(r) for r in fn(*map(unwrap, args)))

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def _reduce(fn):
    return lambda a, dims, keepdim: np.asarray(fn(a, axis=dims, keepdims=keepdim))


def _sort(a, dim, descending):
    if descending:  # a stable ascending sort of the reversed array, read backwards
        idx = (a.shape[dim] - 1) - np.flip(np.argsort(np.flip(a, dim), axis=dim, kind="stable"),
                                           dim)
    else:
        idx = np.argsort(a, axis=dim, kind="stable")
    return np.take_along_axis(a, idx, axis=dim), idx


def _unique(a):
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True,
                                        equal_nan=False)
    return values, inverse.reshape(a.shape), counts


KERNELS = {
    "prod": lift(_reduce(np.prod)), "all": lift(_reduce(np.all)), "any": lift(_reduce(np.any)),
    "cumsum": lift(lambda a, dim: np.cumsum(a, axis=dim, dtype=a.dtype)),
    "cumprod": lift(lambda a, dim: np.cumprod(a, axis=dim, dtype=a.dtype)),
    "sort": lift_all(_sort), "unique": lift_all(_unique),
}
