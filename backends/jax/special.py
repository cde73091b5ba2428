"""JAX's special-function kernels: ``jax.scipy.special`` (erfc, erfinv, gammaln for lgamma,
digamma, i0), with PyTorch's values where JAX's differ: digamma is -inf at +0 and +inf at -0
(JAX: nan), lgamma is inf at -inf, and i0 is nan at +-inf (PyTorch's Chebyshev series gives
nan there)."""


def make(jnp):
    """The special-function kernels on `jnp` (jax.numpy)."""
    from jax.scipy import special as jsp

    def digamma(a):
        out = jsp.digamma(a)
        return jnp.where(a == 0, jnp.copysign(jnp.inf, -a).astype(a.dtype), out)

    def lgamma(a):
        return jnp.where(jnp.isneginf(a), jnp.inf, jsp.gammaln(a)).astype(a.dtype)

    def i0(a):
        return jnp.where(jnp.isinf(a), jnp.nan, jsp.i0(a)).astype(a.dtype)

    return {"erfc": jsp.erfc, "erfinv": jsp.erfinv, "lgamma": lgamma, "digamma": digamma,
            "i0": i0}
