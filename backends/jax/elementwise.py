"""JAX's elementwise kernels: NumPy's (``ember_numpy.elementwise``) on ``jax.numpy``, except:

- integers to negative powers raise ValueError, as in NumPy (JAX silently computes them);
  ``0 ** z`` is 0 for complex z with a positive real part, as in NumPy (JAX gives nan);
  ``bool ** bool`` stays bool;
- ``where`` of two Python scalars gives a strong array (JAX's "weak" result would let later ops
  change its dtype);
- JAX's integer ops on a bool or with a weak Python scalar may widen: the bitwise ops, remainder,
  fmod and floor_divide keep their array operand's dtype;
- XLA's shifts already give PyTorch's results for shift amounts that are negative or not below
  the bit width (0 for left shifts, the sign for arithmetic right shifts), so they need no guard;
- erf is ``jax.scipy.special.erf`` (NumPy has none; the NumPy backend computes a series).
"""

from ember_numpy import elementwise as numpy_api

_NEGATIVE_POWER = "Integers to negative integer powers are not allowed."


def make(jnp):
    """The elementwise kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""
    from jax.scipy.special import erf

    def _dtype_of(a, b):
        return a.dtype if hasattr(a, "dtype") else b.dtype

    def _same_dtype(fn):
        """`fn`, with its result in its array operand's dtype (JAX's integer ops on a bool or
        with a weak Python scalar may widen)."""
        def kernel(a, b):
            dtype = _dtype_of(a, b)
            out = fn(a, b)
            return out if out.dtype == dtype else out.astype(dtype)
        return kernel

    def power(a, b):
        dtype = _dtype_of(a, b)
        if dtype.kind in "iu" and (bool(jnp.any(b < 0)) if hasattr(b, "dtype") else b < 0):
            raise ValueError(_NEGATIVE_POWER)
        out = jnp.power(a, b)
        if dtype.kind == "c":  # JAX gives nan for 0 ** z; NumPy 0 when Re(z) > 0
            return jnp.where((a == 0) & (b.real > 0), 0, out)
        return out.astype(dtype) if out.dtype != dtype else out  # bool ** bool gives ints

    def where(cond, a, b):
        out = jnp.where(cond, a, b)
        # two Python scalars give a "weak" array, which later ops would let other dtypes override
        return out if hasattr(a, "dtype") or hasattr(b, "dtype") else out.astype(out.dtype)

    return {
        **numpy_api.make(jnp),
        "pow": power, "where": where, "erf": erf,
        "bitwise_and": _same_dtype(jnp.bitwise_and), "bitwise_or": _same_dtype(jnp.bitwise_or),
        "bitwise_xor": _same_dtype(jnp.bitwise_xor),
        "bitwise_left_shift": _same_dtype(jnp.left_shift),
        "bitwise_right_shift": _same_dtype(jnp.right_shift),
        "remainder": _same_dtype(jnp.remainder), "fmod": _same_dtype(jnp.fmod),
        "floor_divide": _same_dtype(jnp.floor_divide),
    }
