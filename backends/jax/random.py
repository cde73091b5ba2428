"""JAX kernels for the random ops added after the first set."""


def make():
    """The random kernels (jax imported, with 64-bit types enabled)."""
    return {}
