"""JAX kernels for the elementwise ops added after the first set.

XLA's shifts already give PyTorch's results for shift amounts that are negative or not below the
bit width (0 for left shifts, the sign for arithmetic right shifts), so they need no guard.
"""


def make():
    """The elementwise kernels (jax imported, with 64-bit types enabled)."""
    import jax.numpy as jnp
    from jax.scipy.special import erf

    def _same_dtype(fn):
        """`fn`, with its result in its array operand's dtype (JAX's integer ops on a bool or
        with a weak Python scalar may widen)."""
        def kernel(a, b):
            dtype = a.dtype if hasattr(a, "dtype") else b.dtype
            out = fn(a, b)
            return out if out.dtype == dtype else out.astype(dtype)
        return kernel

    return {
        "exp2": jnp.exp2, "expm1": jnp.expm1, "log2": jnp.log2, "log10": jnp.log10,
        "log1p": jnp.log1p, "tan": jnp.tan, "asin": jnp.arcsin, "acos": jnp.arccos,
        "atan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh, "erf": erf,
        "floor": jnp.floor, "ceil": jnp.ceil, "trunc": jnp.trunc,
        "round": lambda a, decimals: jnp.round(a, decimals),
        "isnan": jnp.isnan, "isinf": jnp.isinf, "isfinite": jnp.isfinite,
        "logical_not": jnp.logical_not, "logical_and": jnp.logical_and,
        "logical_or": jnp.logical_or, "logical_xor": jnp.logical_xor,
        "bitwise_not": jnp.invert, "bitwise_and": _same_dtype(jnp.bitwise_and),
        "bitwise_or": _same_dtype(jnp.bitwise_or), "bitwise_xor": _same_dtype(jnp.bitwise_xor),
        "bitwise_left_shift": _same_dtype(jnp.left_shift),
        "bitwise_right_shift": _same_dtype(jnp.right_shift),
        "atan2": jnp.arctan2, "remainder": _same_dtype(jnp.remainder),
        "fmod": _same_dtype(jnp.fmod), "floor_divide": _same_dtype(jnp.floor_divide),
        "nan_to_num": lambda a, nan, posinf, neginf: jnp.nan_to_num(a, nan=nan, posinf=posinf,
                                                                    neginf=neginf),
    }
