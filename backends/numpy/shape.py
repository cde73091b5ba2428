"""NumPy-API kernels for the shape ops added after the first set (shared with CuPy)."""


def make(xp):
    """The shape kernels for array module `xp` (numpy or cupy)."""
    return {"tril": lambda a, diagonal: xp.tril(a, diagonal),
            "triu": lambda a, diagonal: xp.triu(a, diagonal)}
