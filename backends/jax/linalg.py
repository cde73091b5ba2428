"""JAX's linear-algebra kernels: NumPy's (``ember_numpy.linalg``) on ``jax.numpy``, except:

- matmul asks for full float32 precision (JAX would use TF32 or bf16 passes on some GPUs);
- JAX does not raise on a singular matrix, so inverse and solve report it in `info` from the LU
  factorisation, as LAPACK does.
"""

from ember_numpy import linalg as numpy_api


def make(jnp):
    """The linear-algebra kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""
    from jax import lax

    def matmul(a, b):
        return jnp.matmul(a, b, precision=lax.Precision.HIGHEST)

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
        **numpy_api.make(jnp),
        "matmul": matmul,
        "linalg_inv": lambda a: (jnp.linalg.inv(a), zero_pivot(a)),
        "linalg_solve": solve,
    }
