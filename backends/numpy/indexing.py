"""NumPy-API kernels for the indexing ops (shared with CuPy): reading, writing and accumulating
at an index, and nonzero. Writes go into the array itself (a mutable backend); ``index_put``
returns a new array, as its op does."""


def make(xp):
    """The indexing kernels for array module `xp` (numpy or cupy)."""

    def getitem(a, index):
        out = a[index]
        # all-integer indexing gives a NumPy scalar; a trailing ... gives a 0-d view instead
        return out if isinstance(out, xp.ndarray) else a[tuple(index) + (Ellipsis,)]

    def _has_arrays(index):
        return any(hasattr(i, "shape") for i in index)

    def index_put(a, index, values, accumulate):
        out = a.copy()
        if accumulate and _has_arrays(index):
            xp.add.at(out, index, values)
        elif accumulate:
            out[index] += values
        else:
            out[index] = values
        return out

    def setitem(a, index, values):
        a[index] = values
        return a

    return {"getitem": getitem, "index_put": index_put, "setitem": setitem,
            "nonzero": xp.argwhere}
