"""JAX's creation kernels: NumPy's (``ember_numpy.creation``) on ``jax.numpy``, but for
``from_numpy``, which copies (``jnp.asarray`` may alias the NumPy array's memory on the CPU, and a
later write to it would reach the immutable JAX array)."""

from ember_numpy import creation as numpy_api


def make(jnp):
    """The creation kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""

    def from_numpy(arr):
        return jnp.array(arr)  # a copy: JAX arrays cannot share NumPy's mutable memory

    return {**numpy_api.make(jnp), "from_numpy": from_numpy}
