"""``ember.fft``: discrete Fourier transforms (as ``torch.fft``).

The functions are the ops of ``ember.ops.fft`` (one registry entry each), bound here from the
registry's ``fft`` namespace.
"""

from . import ops as _ops

_ops.bind_namespace("fft", globals())

__all__ = sorted(n for n in list(globals()) if not n.startswith("_"))
