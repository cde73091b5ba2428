"""JAX kernels for the random ops added after the first set: each draw splits the state's key
and runs as one jitted call per shape, as in ``kernels``."""

import functools


def make():
    """The random kernels (jax imported, with 64-bit types enabled)."""
    import jax
    import jax.numpy as jnp

    @functools.partial(jax.jit, static_argnums=(1,))
    def _permutation(key, n):
        key, sub = jax.random.split(key)
        return key, jax.random.permutation(sub, n)

    @functools.partial(jax.jit, static_argnums=(2, 3))
    def _multinomial(key, probs, num_samples, replacement):
        key, sub = jax.random.split(key)
        p = probs.astype(jnp.promote_types(probs.dtype, jnp.float32))
        p = p / p.sum(-1, keepdims=True)
        if replacement:  # inverse CDF
            cdf = jnp.cumsum(p, -1)
            u = jax.random.uniform(sub, (p.shape[0], num_samples), p.dtype)
            idx = jax.vmap(lambda c, r: jnp.searchsorted(c, r, side="right"))(cdf, u)
            return key, jnp.minimum(idx, p.shape[1] - 1).astype(jnp.int64)
        # without replacement: an exponential race, the smallest e / p first (zero weights last)
        e = jax.random.exponential(sub, p.shape, p.dtype)
        keys = jnp.where(p > 0, e / jnp.where(p > 0, p, 1), jnp.inf)
        return key, jnp.argsort(keys, axis=-1)[:, :num_samples].astype(jnp.int64)

    def randperm(state, n, dtype):
        state.key, out = _permutation(state.key, n)
        return out.astype(dtype)

    def multinomial(state, probs, num_samples, replacement):
        state.key, out = _multinomial(state.key, probs, num_samples, replacement)
        return out

    return {"randperm": randperm, "multinomial": multinomial}
