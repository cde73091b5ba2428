"""NumPy-API kernels for the shape ops (shared with CuPy and JAX): reshape, permute, transpose,
expand, cat, stack, tril and triu; and, where the array module has strided views (NumPy, CuPy;
not JAX), diagonal, unfold and as_strided as views that writes go through. The other shape ops
(view, squeeze, flip, split ...) come from core's decompositions over these and indexing."""


def _strided(as_strided):
    """diagonal, unfold and as_strided as strided views of their input's memory."""
    def diagonal(a, offset, dim1, dim2):
        n = max(min(a.shape[dim1], a.shape[dim2] - offset), 0) if offset >= 0 else \
            max(min(a.shape[dim1] + offset, a.shape[dim2]), 0)
        start = [0] * a.ndim
        if n:
            start[dim2 if offset >= 0 else dim1] = abs(offset)
        rest = [i for i in range(a.ndim) if i not in (dim1, dim2)]
        return as_strided(a[tuple(slice(s, None) for s in start)],
                          tuple(a.shape[i] for i in rest) + (n,),
                          tuple(a.strides[i] for i in rest) + (a.strides[dim1] + a.strides[dim2],))

    def unfold(a, dimension, size, step):
        if not a.ndim:
            return a.reshape(1)
        d, st = dimension, a.strides[dimension]
        shape = a.shape[:d] + ((a.shape[d] - size) // step + 1,) + a.shape[d + 1:] + (size,)
        return as_strided(a, shape, a.strides[:d] + (st * step,) + a.strides[d + 1:] + (st,))

    def strided(a, size, stride, offset):
        return as_strided(a[offset:], tuple(size), tuple(s * a.strides[0] for s in stride))

    return {"diagonal": diagonal, "unfold": unfold, "as_strided": strided}


def make(xp):
    """The shape kernels for array module `xp` (numpy, cupy or jax.numpy)."""
    tricks = getattr(getattr(xp, "lib", None), "stride_tricks", None)
    views = _strided(tricks.as_strided) if hasattr(tricks, "as_strided") else {}
    return {
        **views,
        "reshape": lambda a, shape: a.reshape(shape), "permute": xp.transpose,
        "transpose": lambda a, d0, d1: xp.swapaxes(a, d0, d1),
        "expand": xp.broadcast_to, "cat": lambda arrays, dim: xp.concatenate(arrays, axis=dim),
        "stack": lambda arrays, dim: xp.stack(arrays, axis=dim),
        "tril": lambda a, diagonal: xp.tril(a, diagonal),
        "triu": lambda a, diagonal: xp.triu(a, diagonal),
    }
