"""JAX kernels for the reduction ops added after the first set: prod, all, any, cumsum,
cumprod, sort and unique (the others come from core's decompositions)."""


def make():
    """The reduction kernels (jax imported, with 64-bit types enabled)."""
    import jax.numpy as jnp

    def reduce_with(fn):
        def reduce(a, dims, keepdim):
            return fn(a, axis=dims, keepdims=keepdim)

        return reduce

    def sort(a, dim, descending):
        if descending:  # a stable ascending sort of the reversed array, read backwards
            idx = jnp.flip(jnp.argsort(jnp.flip(a, dim), axis=dim, stable=True), dim)
            idx = (a.shape[dim] - 1) - idx
        else:
            idx = jnp.argsort(a, axis=dim, stable=True)
        return jnp.take_along_axis(a, idx, axis=dim), idx

    def unique(a):
        values, inverse, counts = jnp.unique(a, return_inverse=True, return_counts=True,
                                             equal_nan=False)
        return values, inverse.reshape(a.shape), counts

    return {
        "prod": reduce_with(jnp.prod), "all": reduce_with(jnp.all), "any": reduce_with(jnp.any),
        "cumsum": lambda a, dim: jnp.cumsum(a, axis=dim, dtype=a.dtype),
        "cumprod": lambda a, dim: jnp.cumprod(a, axis=dim, dtype=a.dtype),
        "sort": sort, "unique": unique,
    }
