"""JAX's reductions: NumPy's (``ember_numpy.reduction``) on ``jax.numpy``, except:

- a jnp reduction already returns an array (NumPy's gives a scalar over all dims), so the
  reductions skip ``xp.asarray``, which costs about 10 µs a call on JAX;
- sorts ask for stability with ``stable=True`` (jnp refuses NumPy's ``kind`` argument);
- cummax and cummin are one jitted program per shape on ``lax.cummax`` / ``lax.cummin`` (core's
  default is a log-step scan of many small ops, each compiled on its own by JAX).
"""

import functools

from ember_numpy import reduction as numpy_api


def make(jnp):
    """The reduction kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""
    import jax

    def reduce_with(fn):
        def reduce(a, dims, keepdim):
            return fn(a, axis=dims, keepdims=keepdim)

        return reduce

    def arg_with(fn):
        def arg(a, dim, keepdim):
            return fn(a, axis=dim, keepdims=keepdim)

        return arg

    def sort(a, dim, descending):
        if descending:  # a stable ascending sort of the reversed array, read backwards
            idx = jnp.flip(jnp.argsort(jnp.flip(a, dim), axis=dim, stable=True), dim)
            idx = (a.shape[dim] - 1) - idx
        else:
            idx = jnp.argsort(a, axis=dim, stable=True)
        return jnp.take_along_axis(a, idx, axis=dim), idx

    def cum_extreme(running):
        """cummax (`running` = lax.cummax) or cummin (lax.cummin) with indices: the running
        extreme (NaN from the first NaN on), and the running maximum of the positions where
        the input equals it or is NaN (the latest such position: PyTorch's tie rule)."""
        @functools.partial(jax.jit, static_argnums=(1,))
        def scan(a, dim):
            n = a.shape[dim]
            pos = jnp.broadcast_to(jnp.arange(n, dtype=jnp.int64).reshape(
                [n if i == dim else 1 for i in range(a.ndim)]), a.shape)
            work = a.astype(jnp.uint8) if a.dtype == jnp.bool_ else a
            values = running(work, axis=dim)
            hit = work == values
            if jnp.issubdtype(a.dtype, jnp.floating):
                nan = jnp.isnan(a)
                seen = jax.lax.cummax(nan.astype(jnp.uint8), axis=dim) > 0
                values = jnp.where(seen, jnp.nan, values).astype(a.dtype)
                hit = hit | nan
            idx = jax.lax.cummax(jnp.where(hit, pos, 0), axis=dim)
            return values.astype(a.dtype), idx

        return scan

    return {
        **numpy_api.make(jnp),
        "cummax": cum_extreme(jax.lax.cummax), "cummin": cum_extreme(jax.lax.cummin),
        "sum": reduce_with(jnp.sum), "mean": reduce_with(jnp.mean), "amax": reduce_with(jnp.max),
        "amin": reduce_with(jnp.min), "argmax": arg_with(jnp.argmax),
        "argmin": arg_with(jnp.argmin), "prod": reduce_with(jnp.prod),
        "all": reduce_with(jnp.all), "any": reduce_with(jnp.any), "sort": sort,
    }
