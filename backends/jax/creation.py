"""JAX's creation kernels: NumPy's (``ember_numpy.creation``) on ``jax.numpy``, but for the two
that take host data, ``asarray`` and ``from_numpy``: the array is made by NumPy on the host and
moved with ``jax.device_put``. ``jnp.array`` would run (and first lower and compile) a conversion
program for each new shape and dtype, which was most of the JAX backend's start-up time; and the
host copy is private, so a later write to the user's NumPy array cannot reach the immutable JAX
array.

Small constant arrays, ``empty``, ``full`` (so ``zeros`` and ``ones``) and integer ``arange`` up
to ``SMALL`` elements, are made the same way, with NumPy's equal values: eagerly, jnp would lower
and compile a program for each new shape (a dozen while a small network initialises and takes
its first step). Larger ones, non-integer ``arange`` and fills that cast (a float into an
integer dtype) stay jnp's.
"""

import math

import numpy as np

from ember_numpy import creation as numpy_api


def make(jnp):
    """The creation kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""
    import jax

    array_type = jax.Array

    def asarray(data, dtype):
        if isinstance(data, array_type):
            return jnp.array(data, dtype=dtype, copy=True)
        return jax.device_put(np.array(data, dtype=dtype, copy=True))

    def from_numpy(arr):
        return jax.device_put(np.array(arr, copy=True))

    api = numpy_api.make(jnp)

    def full(shape, value, dtype):
        if _small(shape) and _exact_fill(value, dtype):
            return jax.device_put(np.full(shape, value, dtype=dtype))
        return api["full"](shape, value, dtype)

    def empty(shape, dtype):
        if _small(shape):
            return jax.device_put(np.zeros(shape, dtype=dtype))
        return api["empty"](shape, dtype)

    def arange(start, end, step, dtype):
        if dtype.kind in "iu" and all(type(v) is int for v in (start, end, step)) \
                and abs(end - start) <= SMALL * abs(step):
            return jax.device_put(np.arange(start, end, step, dtype=dtype))
        return api["arange"](start, end, step, dtype)

    return {**api, "asarray": asarray, "from_numpy": from_numpy, "full": full, "empty": empty,
            "arange": arange}


SMALL = 1 << 16  # elements


def _small(shape):
    return math.prod(shape) <= SMALL


def _exact_fill(value, dtype):
    """Whether NumPy fills `dtype` with `value` exactly as jnp does: a Python number that needs
    no cast (into an integer dtype, an int in its range; into bool, a bool)."""
    if type(value) not in (bool, int, float):
        return False
    if dtype.kind == "b":
        return type(value) is bool
    if dtype.kind in "iu":
        if type(value) is float:
            return False
        info = np.iinfo(dtype)
        return info.min <= value <= info.max
    return dtype.kind in "fc"
