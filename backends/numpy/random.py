"""NumPy-API kernels for the random ops added after the first set (shared with CuPy)."""


def make(xp):
    """The random kernels for array module `xp` (numpy or cupy)."""

    def randperm(state, n, dtype):
        return xp.argsort(state.random(n)).astype(dtype)

    def multinomial(state, probs, num_samples, replacement):
        p = probs.astype(xp.float64)
        p = p / p.sum(-1, keepdims=True)
        if replacement:  # inverse CDF, one row at a time (searchsorted is 1-d in CuPy)
            cdf = xp.cumsum(p, -1)
            u = state.random((p.shape[0], num_samples))
            idx = xp.stack([xp.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
            return xp.minimum(idx, p.shape[1] - 1).astype(xp.int64)
        # without replacement: an exponential race, the smallest e / p first (zero weights last)
        e = -xp.log1p(-state.random(p.shape))
        keys = xp.where(p > 0, e / xp.where(p > 0, p, 1), xp.inf)
        return xp.argsort(keys, axis=-1)[:, :num_samples].astype(xp.int64)

    return {"randperm": randperm, "multinomial": multinomial}
