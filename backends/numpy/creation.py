"""NumPy-API kernels for the creation ops (shared with CuPy and JAX): arrays from Python data or
a NumPy array, and filled, empty, ranged and identity arrays of a given dtype."""


def make(xp):
    """The creation kernels for array module `xp` (numpy, cupy or jax.numpy)."""

    def asarray(data, dtype):
        return xp.array(data, dtype=dtype, copy=True)

    def from_numpy(arr):
        return xp.asarray(arr)

    def full(shape, value, dtype):
        return xp.full(shape, value, dtype=dtype)

    def empty(shape, dtype):
        return xp.empty(shape, dtype=dtype)

    def arange(start, end, step, dtype):
        return xp.arange(start, end, step, dtype=dtype)

    def linspace(start, end, steps, dtype):
        return xp.linspace(start, end, steps, dtype=dtype)

    def eye(n, m, dtype):
        return xp.eye(n, m, dtype=dtype)

    return {"asarray": asarray, "from_numpy": from_numpy, "full": full, "empty": empty,
            "arange": arange, "linspace": linspace, "eye": eye}
