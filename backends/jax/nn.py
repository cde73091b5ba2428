"""JAX kernels for the nn ops added after the first set."""


def make():
    """The nn kernels (jax imported, with 64-bit types enabled)."""
    return {}
