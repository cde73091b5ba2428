"""JAX kernels for the linear-algebra ops added after matmul: inverse, solve and determinant.
JAX does not raise on a singular matrix; the kernels report it in `info` from the LU
factorisation, as LAPACK does."""


def make():
    """The linear-algebra kernels (jax imported, with 64-bit types enabled)."""
    import jax.numpy as jnp
    from jax import lax

    def zero_pivot(a):
        """Per matrix: 0, or the 1-based index of the first zero pivot of its LU factors."""
        lu = lax.linalg.lu(a)[0]
        zero = jnp.diagonal(lu, axis1=-2, axis2=-1) == 0
        return jnp.where(zero.any(-1), jnp.argmax(zero, -1) + 1, 0).astype(jnp.int64)

    def solve(a, b):
        batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = jnp.broadcast_to(a, batch + a.shape[-2:])
        b = jnp.broadcast_to(b, batch + b.shape[-2:])
        return jnp.linalg.solve(a, b), zero_pivot(a)

    return {
        "linalg_inv": lambda a: (jnp.linalg.inv(a), zero_pivot(a)),
        "linalg_solve": solve,
        "linalg_det": jnp.linalg.det,
    }
