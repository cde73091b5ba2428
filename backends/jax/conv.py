"""JAX kernels for the conv ops added after the first set."""


def make():
    """The conv kernels (jax imported, with 64-bit types enabled)."""
    return {}
