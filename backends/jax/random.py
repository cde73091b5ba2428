"""JAX's random kernels, all its own: JAX has no stateful generator, so the state is a
``jax.random`` key held in a small mutable object, and each draw splits it and advances it.
Eager draws on the CPU come from ember's PyTorch-compatible CPU generator instead; these kernels
draw inside ``ember.compile``'d steps (where the key is threaded through the program) and on
JAX's GPU devices. Each
draw runs as one jitted call per shape and dtype (``jax.random`` op by op takes tens to hundreds
of microseconds a call)."""

import functools


class RandomState:
    """A ``jax.random`` key that each draw splits and advances (JAX keys are values)."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        return f"RandomState({self.key!r})"


def make(jnp):
    """The random kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""
    import jax
    from jax import lax

    def generator(seed):
        seed = int(seed) % (1 << 64)
        if seed >= 1 << 63:  # jax.random.key takes a signed 64-bit seed; keep the bits
            seed -= 1 << 64
        return RandomState(jax.random.key(seed))

    # each draw splits the key and returns (next key, numbers), one jitted call per shape and dtype
    @functools.partial(jax.jit, static_argnums=(1, 2))
    def _uniform(key, shape, dtype):
        key, sub = jax.random.split(key)
        if dtype.kind == "c":
            part = jnp.finfo(dtype).dtype
            kr, ki = jax.random.split(sub)
            return key, lax.complex(jax.random.uniform(kr, shape, part),
                                    jax.random.uniform(ki, shape, part))
        return key, jax.random.uniform(sub, shape, dtype)

    @functools.partial(jax.jit, static_argnums=(1, 2))
    def _normal(key, shape, dtype):
        key, sub = jax.random.split(key)
        return key, jax.random.normal(sub, shape, dtype)

    @functools.partial(jax.jit, static_argnums=(3, 4))
    def _integers(key, low, high, shape, dtype):
        key, sub = jax.random.split(key)
        return key, jax.random.randint(sub, shape, low, high, dtype=jnp.int64).astype(dtype)

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

    def rand(state, shape, dtype):
        state.key, out = _uniform(state.key, tuple(shape), jnp.dtype(dtype))
        return out

    def randn(state, shape, dtype):
        state.key, out = _normal(state.key, tuple(shape), jnp.dtype(dtype))
        return out

    def randint(state, low, high, shape, dtype):
        state.key, out = _integers(state.key, low, high, tuple(shape), jnp.dtype(dtype))
        return out

    def randperm(state, n, dtype):
        state.key, out = _permutation(state.key, n)
        return out.astype(dtype)

    def multinomial(state, probs, num_samples, replacement):
        state.key, out = _multinomial(state.key, probs, num_samples, replacement)
        return out

    return {"generator": generator, "rand": rand, "randn": randn, "randint": randint,
            "randperm": randperm, "multinomial": multinomial}
