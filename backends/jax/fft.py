"""JAX's fft kernels: the NumPy area's, on ``jax.numpy.fft`` (same names, ``norm`` and axes)."""

from ember_numpy import fft as _numpy_fft


def make(jnp):
    """The fft kernels on `jnp` (jax.numpy)."""
    return _numpy_fft.make(jnp)
