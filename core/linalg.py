"""``ember.linalg``: norms, inverses, solves and determinants (as ``torch.linalg``).

The functions are the ops of ``ember.ops.linalg`` (one registry entry each); ``inv`` and ``det``
are also ``ember.inverse`` / ``Tensor.inverse`` and ``ember.det`` / ``Tensor.det``.
"""

from .ops.linalg import LinAlgError, det, inv, matrix_norm, solve, vector_norm
from .ops.linalg import linalg_norm as norm

__all__ = ["LinAlgError", "det", "inv", "matrix_norm", "norm", "solve", "vector_norm"]
