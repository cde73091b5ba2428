"""The frozen backend's kernels for the creation ops: data from the host is copied, so a later
change to it cannot reach a Frozen."""

import numpy as np

from .array import Frozen, lift

KERNELS = {
    "asarray": lambda data, dtype: Frozen(np.array(data, dtype=dtype, copy=True)),
    "from_numpy": Frozen.copy_of,
    "full": lift(lambda shape, value, dtype: np.full(shape, value, dtype=dtype)),
    "empty": lift(lambda shape, dtype: np.empty(shape, dtype=dtype)),
    "arange": lift(lambda start, end, step, dtype: np.arange(start, end, step, dtype=dtype)),
    "linspace": lift(lambda start, end, steps, dtype: np.linspace(start, end, steps, dtype=dtype)),
    "eye": lift(lambda n, m, dtype: np.eye(n, m, dtype=dtype)),
}
