"""The sample database: one Entry per op of ``ember.ops.REGISTRY``.

Each entry gives the op's sample inputs, its float64 NumPy reference, its error inputs with the
exception type PyTorch raises, and any check it needs done its own way; the dtypes the op
accepts and its result-dtype rule come from its declaration (``OpDef``), not from here. Tests
are generated from this table; an op of the registry without an entry here is a failing test.

The entries live in one module per area, as ``ember.ops`` does; ``_common`` holds what they
share. ``ENTRIES`` gathers them, and an op given two entries is an error.
"""

from ..generated import extend
from . import (conv, creation, elementwise, fft, indexing, linalg, nn, reduction, resample,
               shape, special, volume)


def _gather(*parts):
    entries = {}
    for part in parts:
        items = part.ENTRIES.values() if isinstance(part.ENTRIES, dict) else part.ENTRIES
        for entry in items:
            if entry.op in entries:
                raise ValueError(f"op {entry.op!r} has two sample entries (in {part.__name__})")
            entries[entry.op] = entry
    return entries


# each entry's samples are then extended with those generated from the op's declaration
ENTRIES = extend(_gather(elementwise, reduction, linalg, shape, indexing, creation, conv, nn,
                         resample, special, volume, fft))
