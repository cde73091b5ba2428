"""``Frozen``: the backend's raw array, an immutable n-d array around a read-only NumPy array."""

import numpy as np


class Frozen:
    """An n-d array that never changes after it is made.

    ember needs only ``.shape`` from a raw array (``.dtype`` and ``.ndim`` are given too). There
    are deliberately no operators and no ``__array__``: every computation goes through a kernel,
    so a kernel that forgets to unwrap its inputs fails loudly instead of working by accident.
    """

    __slots__ = ("_a",)

    def __init__(self, array):
        """Wrap `array` without copying: only for arrays nobody else holds (a kernel's fresh
        result). Data that the caller keeps goes through :meth:`copy_of`."""
        a = np.asarray(array)
        if a.flags.writeable:  # a fresh result of a NumPy call: lock it (no copy)
            a = a.view()
            a.flags.writeable = False
        self._a = a

    @classmethod
    def copy_of(cls, array):
        """A Frozen holding a private copy of `array` (for data that the caller still holds)."""
        return cls(np.array(array, copy=True))

    @property
    def shape(self):
        return self._a.shape

    @property
    def dtype(self):
        return self._a.dtype

    @property
    def ndim(self):
        return self._a.ndim

    def __repr__(self):
        return f"Frozen({np.array2string(self._a, separator=', ')}, dtype={self._a.dtype})"


def unwrap(x):
    """The NumPy array inside `x`; tuples and lists (indices, lists of arrays) are unwrapped
    item by item; anything else (a Python scalar, a shape, a dtype) is returned as it is."""
    if isinstance(x, Frozen):
        return x._a
    if isinstance(x, tuple):
        return tuple(unwrap(i) for i in x)
    if isinstance(x, list):
        return [unwrap(i) for i in x]
    return x


def lift(fn):
    """`fn` on NumPy arrays, as a kernel on Frozen arrays (quiet about nan, inf and division by
    zero, as PyTorch is)."""

    def kernel(*args):
        with np.errstate(all="ignore"):
            return Frozen(fn(*map(unwrap, args)))

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def lift_all(fn):
    """`fn` returning a tuple of NumPy arrays, as a kernel returning a tuple of Frozen."""

    def kernel(*args):
        return tuple(Frozen(r) for r in fn(*map(unwrap, args)))

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel
