"""JAX's creation kernels: NumPy's (``ember_numpy.creation``) on ``jax.numpy``, but for the two
that take host data, ``asarray`` and ``from_numpy``: the array is made by NumPy on the host and
moved with ``jax.device_put``. ``jnp.array`` would run (and first lower and compile) a conversion
program for each new shape and dtype, which was most of the JAX backend's start-up time; and the
host copy is private, so a later write to the user's NumPy array cannot reach the immutable JAX
array."""

import numpy as np

from ember_numpy import creation as numpy_api


def make(jnp):
    """The creation kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""
    import jax

    array_type = jax.Array

    def asarray(data, dtype):
        if isinstance(data, array_type):
            return jnp.array(data, dtype=dtype, copy=True)
        return jax.device_put(np.array(data, dtype=dtype, copy=True))

    def from_numpy(arr):
        return jax.device_put(np.array(arr, copy=True))

    return {**numpy_api.make(jnp), "asarray": asarray, "from_numpy": from_numpy}
