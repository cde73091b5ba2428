"""NumPy-API kernels for the shape ops (shared with CuPy and JAX): reshape, permute, transpose,
expand, cat, stack, tril and triu. The other shape ops (view, squeeze, flip, split ...) come from
core's decompositions over these and indexing."""


def make(xp):
    """The shape kernels for array module `xp` (numpy, cupy or jax.numpy)."""
    return {
        "reshape": lambda a, shape: a.reshape(shape), "permute": xp.transpose,
        "transpose": lambda a, d0, d1: xp.swapaxes(a, d0, d1),
        "expand": xp.broadcast_to, "cat": lambda arrays, dim: xp.concatenate(arrays, axis=dim),
        "stack": lambda arrays, dim: xp.stack(arrays, axis=dim),
        "tril": lambda a, diagonal: xp.tril(a, diagonal),
        "triu": lambda a, diagonal: xp.triu(a, diagonal),
    }
