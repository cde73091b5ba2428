"""NumPy-API kernels for the reductions (shared with CuPy): sum, mean, amax, amin, argmax,
argmin, prod, all, any, cumsum, cumprod, sort and unique. var, std, logsumexp, count_nonzero,
argsort and topk come from core's decompositions over these.

A reduction over every dim gives a NumPy scalar, so the kernels return ``xp.asarray`` of it.
"""

from .elementwise import quiet_for


def make(xp):
    """The reduction kernels for array module `xp` (numpy or cupy)."""
    quiet = quiet_for(xp)  # sums and products can overflow, and NaN compares

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

    def acc(a):
        """The dtype a running sum or product accumulates in: float32 for float16 (PyTorch's
        accumulate type; float16 steps drift by percents over a few thousand elements)."""
        return xp.float32 if a.dtype == xp.float16 else a.dtype

    def arg_with(fn):
        def arg(a, dim, keepdim):
            return xp.asarray(fn(a, axis=dim, keepdims=keepdim))

        return arg

    def sort(a, dim, descending):
        if descending:  # a stable ascending sort of the reversed array, read backwards
            idx = xp.flip(xp.argsort(xp.flip(a, dim), axis=dim, kind="stable"), dim)
            idx = (a.shape[dim] - 1) - idx
        else:
            idx = xp.argsort(a, axis=dim, kind="stable")
        return xp.take_along_axis(a, idx, axis=dim), idx

    def unique(a):
        values, inverse, counts = xp.unique(a, return_inverse=True, return_counts=True,
                                            equal_nan=False)
        return values, inverse.reshape(a.shape), counts

    return {
        "sum": reduce_with(xp.sum), "mean": mean, "amax": reduce_with(xp.max),
        "amin": reduce_with(xp.min), "argmax": arg_with(xp.argmax), "argmin": arg_with(xp.argmin),
        "prod": reduce_with(xp.prod), "all": reduce_with(xp.all), "any": reduce_with(xp.any),
        "cumsum": lambda a, dim: xp.cumsum(a, axis=dim, dtype=acc(a)).astype(a.dtype, copy=False),
        "cumprod": lambda a, dim: xp.cumprod(a, axis=dim, dtype=acc(a)).astype(a.dtype, copy=False),
        "sort": sort, "unique": unique,
    }
