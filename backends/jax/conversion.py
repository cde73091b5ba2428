"""JAX's conversion kernels: NumPy's (``ember_numpy.conversion``) on ``jax.numpy``, except:

- ``to_numpy`` makes a writable NumPy copy (``np.asarray`` would give a read-only view);
- ``assign`` returns the source: JAX arrays are immutable, and ember rebinds the tensor to it;
- ``astype`` drops a complex value's imaginary part as NumPy does (JAX warns it will refuse to),
  and casts floats to small integers through int64, so out-of-range values wrap as in NumPy and
  PyTorch (JAX saturates).
"""

import numpy as np

from ember_numpy import conversion as numpy_api


def make(jnp):
    """The conversion kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""
    small_ints = {jnp.dtype(n) for n in ("uint8", "int8", "int16")}

    def to_numpy(a):
        return np.array(a)  # a writable copy (np.asarray would give a read-only view)

    def astype(a, dtype):
        if a.dtype.kind == "c" and dtype.kind not in "cb":
            a = jnp.real(a)  # NumPy drops the imaginary part; JAX warns it will refuse to
        if a.dtype.kind == "f" and dtype in small_ints:
            # through int64, so out-of-range values wrap as in NumPy and PyTorch (JAX saturates)
            return a.astype(jnp.int64).astype(dtype)
        return a.astype(dtype)

    def assign(dst, src):
        return src  # immutable: the tensor is rebound to src

    return {**numpy_api.make(jnp), "to_numpy": to_numpy, "astype": astype, "assign": assign}
