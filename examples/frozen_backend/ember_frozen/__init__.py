"""ember-frozen: an example third-party ember backend whose arrays are immutable.

It computes with NumPy, but hands ember its own array type, :class:`Frozen`, which cannot be
written to. ember finds it through the ``ember.backends`` entry point ``frozen``.
"""

from .array import Frozen

__all__ = ["Frozen"]
__version__ = "0.1.0"
