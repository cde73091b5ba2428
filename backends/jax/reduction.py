"""JAX's reductions: NumPy's (``ember_numpy.reduction``) on ``jax.numpy``, except:

- a jnp reduction already returns an array (NumPy's gives a scalar over all dims), so the
  reductions skip ``xp.asarray``, which costs about 10 µs a call on JAX;
- sorts ask for stability with ``stable=True`` (jnp refuses NumPy's ``kind`` argument).
"""

from ember_numpy import reduction as numpy_api


def make(jnp):
    """The reduction kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""

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

    return {
        **numpy_api.make(jnp),
        "sum": reduce_with(jnp.sum), "mean": reduce_with(jnp.mean), "amax": reduce_with(jnp.max),
        "amin": reduce_with(jnp.min), "argmax": arg_with(jnp.argmax),
        "argmin": arg_with(jnp.argmin), "prod": reduce_with(jnp.prod),
        "all": reduce_with(jnp.all), "any": reduce_with(jnp.any), "sort": sort,
    }
