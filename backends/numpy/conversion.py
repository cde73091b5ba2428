"""NumPy-API kernels for the conversion ops (shared with CuPy and JAX): casts, copies, writing one
array into another, and the way back to NumPy (the array itself: the NumPy backend shares memory
with NumPy)."""

from .elementwise import quiet_for


def make(xp):
    """The conversion kernels for array module `xp` (numpy, cupy or jax.numpy)."""
    quiet = quiet_for(xp)  # a cast of NaN or inf to an integer makes NumPy warn

    def to_numpy(a):
        return a  # the same memory: a write on either side is seen on the other

    @quiet
    def astype(a, dtype):
        return a.astype(dtype)

    def assign(dst, src):
        dst[...] = src
        return dst

    return {"to_numpy": to_numpy, "astype": astype, "assign": assign,
            "clone": lambda a: a.copy()}
