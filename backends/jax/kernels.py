"""The kernel table of ember's JAX backend: the NumPy backend's table built on ``jax.numpy``, with
JAX's own kernels only where JAX differs from NumPy.

The areas are those of ``ember_numpy.kernels``. Each module here is one area: its ``make(jnp)``
calls the NumPy area's ``make`` with ``jax.numpy`` as the array module and replaces the kernels
that differ, each module's docstring saying which and why. In short:

- creation, conversion: ``from_numpy`` and ``to_numpy`` copy; ``assign`` returns the source
  (arrays are immutable and ember rebinds the tensor); ``astype`` wraps floats cast to small
  integers and drops imaginary parts, as NumPy does;
- random: all JAX's own, with ``jax.random`` keys and jitted draws;
- elementwise: integer powers, ``where`` of two scalars, integer ops that JAX would widen, erf;
- reduction: no ``asarray`` around jnp's results; stable sorts with ``stable=True``;
- indexing: reads and writes jitted per index structure, ``.at[]`` writes, range checks;
- linalg: full-precision matmul, singular matrices reported in ``info``;
- special: ``jax.scipy.special``'s, with PyTorch's values at the poles and infinities;
- conv: all JAX's own (no strided views, no writes), with ``lax`` convolution (conv2d's input
  and weight gradients included) and small-window conv2d as one product;
- fused: a few of core's composite ops (max pooling, softmax) as one jitted program each instead
  of one program per kernel they call.

The shape area has no module here: jnp's shape functions behave as NumPy's.
"""

from ember_numpy import shape
from ember_numpy.kernels import area_name, merge

from . import (conv, conversion, creation, elementwise, fft, fused, indexing, linalg, random,
               reduction, special)

AREAS = (creation, conversion, random, elementwise, reduction, shape, indexing, linalg, conv,
         fft, special)


def make_kernels():
    """The kernel table of the JAX backend (jax imported, with 64-bit types enabled)."""
    import jax.numpy as jnp

    return fused.fuse(merge({area_name(area): area.make(jnp) for area in AREAS}))
