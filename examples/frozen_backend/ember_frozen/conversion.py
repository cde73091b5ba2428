"""The frozen backend's kernels for the conversion ops. A Frozen never changes, so ``assign``
returns the source (ember rebinds the tensor to it: the backend declares ``mutable: False``),
``clone`` returns its input, and data to the host is a writable copy."""

import numpy as np

from .array import lift

KERNELS = {
    "to_numpy": lambda a: np.array(a._a, copy=True),
    "astype": lift(lambda a, dtype: a.astype(dtype)),
    "assign": lambda dst, src: src,  # immutable: the tensor is rebound to src
    "clone": lambda a: a,  # nothing can change a Frozen, so a copy would be the same thing
}
