"""NumPy-API kernels for the random ops (shared with CuPy): the state is a ``Generator`` (on
PCG64 here; CuPy's backend makes its own), and each draw advances it. They serve CuPy's GPU
draws: on the CPU, ember draws PyTorch's numbers itself (``ember._mt19937``) for every backend,
so the NumPy backend keeps these only as the primitives' kernels it must give."""


def make(xp):
    """The random kernels for array module `xp` (numpy or cupy)."""

    def generator(seed):
        return xp.random.Generator(xp.random.PCG64(seed))

    def rand(state, shape, dtype):
        dtype = xp.dtype(dtype)
        if dtype in (xp.float32, xp.float64):
            return state.random(shape, dtype=dtype)
        if dtype.kind == "c":
            return (state.random(shape) + 1j * state.random(shape)).astype(dtype)
        # rounding to a narrow float can reach 1.0: keep [0, 1) by clipping below it
        below_one = xp.nextafter(xp.array(1, dtype), xp.array(0, dtype))
        return xp.minimum(state.random(shape).astype(dtype), below_one)

    def randn(state, shape, dtype):
        if xp.dtype(dtype) in (xp.float32, xp.float64):
            return state.standard_normal(shape, dtype=dtype)
        if xp.dtype(dtype).kind == "c":  # real and imaginary parts each of variance 1/2
            return ((state.standard_normal(shape) + 1j * state.standard_normal(shape))
                    / 2 ** 0.5).astype(dtype)
        return state.standard_normal(shape).astype(dtype)

    def randint(state, low, high, shape, dtype):
        return state.integers(low, high, size=shape).astype(dtype, copy=False)

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

    return {"generator": generator, "rand": rand, "randn": randn, "randint": randint,
            "randperm": randperm, "multinomial": multinomial}
