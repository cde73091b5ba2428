"""NumPy-API kernels for the reduction ops added after the first set (shared with CuPy):
prod, all, any, cumsum, cumprod, sort and unique. var, std, logsumexp, count_nonzero, argsort
and topk come from core's decompositions over these."""


def make(xp):
    """The reduction kernels for array module `xp` (numpy or cupy)."""

    def reduce_with(fn):
        def reduce(a, dims, keepdim):
            return xp.asarray(fn(a, axis=dims, keepdims=keepdim))

        return reduce

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
        "prod": reduce_with(xp.prod), "all": reduce_with(xp.all), "any": reduce_with(xp.any),
        "cumsum": lambda a, dim: xp.cumsum(a, axis=dim, dtype=a.dtype),
        "cumprod": lambda a, dim: xp.cumprod(a, axis=dim, dtype=a.dtype),
        "sort": sort, "unique": unique,
    }
