"""In-place variants (``x.add_(y)``, ``x += y``): the op runs out of place, then its result is
committed into the tensor, which keeps its identity and bumps its version.

On a mutable backend the result is written into the tensor's own array (``assign``), so NumPy
views and arrays from ``.numpy()`` see the change; on an immutable backend (JAX) the tensor is
rebound to the new array.
"""

from .. import views
from ..autograd.graph import grad_mode


def _check_leaf(t, fn):
    if t._rg and t.grad_fn is None and grad_mode.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def commit(self, out):
    """Make `self` hold `out`'s value and history; return `self`."""
    _check_leaf(self, "")
    if out._dtype is not self._dtype:
        if not can_cast(out._dtype, self._dtype):
            raise RuntimeError(f"result type {_title(out._dtype)} can't be cast to the desired "
                               f"output type {_title(self._dtype)}")
        out = out.to(self._dtype)
    if out._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast "
                           f"shape {list(out._data.shape)}")
    be = self._backend
    self._data = be.kernels["assign"](self._data, out._data)
    self._version += 1
    if not be.mutable:
        views.written(self)
    if out.grad_fn is not None:
        self.grad_fn = out.grad_fn
        self._rg = True
    return self


def can_cast(from_, to):
    """PyTorch's rule for in-place results: no cast to a lower category (float into int)."""
    return from_.category <= to.category


def _title(d):
    from .elementwise import _dtype_title

    return _dtype_title(d)


def make_inplace(front, name):
    """The ``name_`` method of an op: run `front`, then commit into self."""

    def inplace(self, *args, **kwargs):
        _check_leaf(self, name)
        return commit(self, front(self, *args, **kwargs))

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"In-place version of :func:`{front.__name__}`."
    return inplace
