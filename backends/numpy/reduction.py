"""NumPy-API kernels for the reductions (shared with CuPy): sum, mean, amax, amin, argmax,
argmin, prod, all, any, cumsum, cumprod, sort and unique. var, std, logsumexp, count_nonzero,
argsort and topk come from core's decompositions over these.

A reduction over every dim gives a NumPy scalar, so the kernels return ``xp.asarray`` of it.
"""

import math

from .elementwise import quiet_for

# the smallest array whose per-channel sums go through a matrix product (smaller ones gain
# nothing over NumPy's reduction)
PRODUCT_SUM_SIZE = 4096


def make(xp):
    """The reduction kernels for array module `xp` (numpy or cupy)."""
    quiet = quiet_for(xp)  # sums and products can overflow, and NaN compares

    def channel_sum(a, dims, keepdim):
        """The sum over every dim but one of a large contiguous float array as a product with
        a vector of ones (BLAS), else None. These are the per-channel sums of convolutional
        layers (bias gradients, batch norm's statistics): three times faster than NumPy's
        reduction over the outer and inner dims of (N, C, H, W)."""
        if a.dtype not in (xp.float32, xp.float64) or a.size < PRODUCT_SUM_SIZE or \
                not a.flags.c_contiguous or not isinstance(dims, tuple) or \
                len(dims) != a.ndim - 1 or len(set(dims)) != len(dims):
            return None
        kept = next(d for d in range(a.ndim) if d not in dims)
        inner = math.prod(a.shape[kept + 1:])
        if inner > 1:
            out = xp.matmul(a.reshape(-1, a.shape[kept], inner), xp.ones(inner, a.dtype))
            out = out.sum(0)
        else:
            rows = a.reshape(-1, a.shape[kept])
            out = xp.matmul(xp.ones(rows.shape[0], a.dtype), rows)
        return out.reshape(tuple(n if d == kept else 1 for d, n in enumerate(a.shape))) \
            if keepdim else out

    @quiet
    def sum_(a, dims, keepdim):
        out = channel_sum(a, dims, keepdim)
        return xp.asarray(xp.sum(a, axis=dims, keepdims=keepdim)) if out is None else out

    def reduce_with(fn):
        @quiet
        def reduce(a, dims, keepdim):
            return xp.asarray(fn(a, axis=dims, keepdims=keepdim))

        return reduce

    @quiet
    def mean(a, dims, keepdim):
        if a.size == 0:  # NumPy warns "Mean of empty slice"; the result is NaN as in PyTorch
            return xp.asarray(xp.sum(a, axis=dims, keepdims=keepdim) / 0)
        out = channel_sum(a, dims, keepdim)
        if out is not None:
            return out / (a.size // out.size)
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
        "sum": sum_, "mean": mean, "amax": reduce_with(xp.max),
        "amin": reduce_with(xp.min), "argmax": arg_with(xp.argmax), "argmin": arg_with(xp.argmin),
        "prod": reduce_with(xp.prod), "all": reduce_with(xp.all), "any": reduce_with(xp.any),
        "cumsum": lambda a, dim: xp.cumsum(a, axis=dim, dtype=acc(a)).astype(a.dtype, copy=False),
        "cumprod": lambda a, dim: xp.cumprod(a, axis=dim, dtype=acc(a)).astype(a.dtype, copy=False),
        "sort": sort, "unique": unique,
    }
