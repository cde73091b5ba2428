"""JAX kernels for the linalg ops added after the first set."""


def make():
    """The linalg kernels (jax imported, with 64-bit types enabled)."""
    return {}
