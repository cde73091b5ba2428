"""The frozen backend's kernel table: every kernel unwraps its Frozen inputs, computes with
NumPy, and wraps the result in a new Frozen.

The kernels live in one module per area of ember's ops (creation, conversion, random,
elementwise, reduction, shape, indexing, linalg, conv for padding and unfold/fold, and special
for erfc, erfinv, lgamma, digamma, i0), each a ``KERNELS`` dict; this module merges them. The names and signatures are those of
``ember.ops.kernel_signatures()``.
"""

from . import (conv, conversion, creation, elementwise, fft, indexing, linalg, random, reduction,
               shape, special)

AREAS = (creation, conversion, random, elementwise, reduction, shape, indexing, linalg, conv,
         fft, special)


def _merge(areas):
    """One table from the areas' KERNELS; a kernel defined in two areas is an error."""
    table, where = {}, {}
    for area in areas:
        for name, kernel in area.KERNELS.items():
            if name in where:
                raise ValueError(f"kernel {name!r} is defined in both {where[name]} and "
                                 f"{area.__name__}")
            table[name], where[name] = kernel, area.__name__
    return table


KERNELS = _merge(AREAS)
