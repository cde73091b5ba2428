"""The kernel table of ember's NumPy backend, assembled from one module per area.

An area is the kind of an op (``ember.ops.REGISTRY[name].kind``): creation, conversion, random,
elementwise, reduction, shape, indexing, linalg, and conv for the nn ops on sliding windows
(padding, unfold/fold, max pooling), and special for the elementwise special functions (erfc,
erfinv, lgamma, digamma, i0); the other nn ops are core's composites, so there is no nn
area. Each area module has ``make(xp)``, its kernels written against the NumPy API for an array
module `xp`, so the CuPy backend builds the same table on cupy and the JAX backend on
``jax.numpy``, each overriding only where its library differs. The signatures are those of
``ember.ops.kernel_signatures()``.
"""

from . import (conv, conversion, creation, elementwise, fft, indexing, linalg, random, reduction,
               shape, special)

AREAS = (creation, conversion, random, elementwise, reduction, shape, indexing, linalg, conv,
         fft, special)


def area_name(module):
    """An area module's name: the last part of its dotted name ("elementwise")."""
    return module.__name__.rpartition(".")[2]


def merge(tables):
    """One kernel table from ``{area name: that area's kernels}``; a kernel defined in two areas
    is an error (ValueError), so each op has one definition in a backend."""
    table, where = {}, {}
    for area, kernels in tables.items():
        for name, kernel in kernels.items():
            if name in where:
                raise ValueError(f"kernel {name!r} is defined in two areas: {where[name]!r} and "
                                 f"{area!r}")
            where[name] = area
            table[name] = kernel
    return table


def make_kernels(xp):
    """The kernel table for array module `xp` (``numpy`` or ``cupy``)."""
    return merge({area_name(area): area.make(xp) for area in AREAS})
